#!/usr/bin/env python3
"""Every committed calls set through `phrasecheck eval`, summed: what a lexicon or engine change does
to all of them at once, and whether it adds a false finding anywhere.

    python3 benchmarks/call_sets.py [--out DIR] [--against DIR] [--jobs N]

Runs `python3 -m phrasecheck eval -q GOLD --json DIR/NAME.json` for samples/eval-calls*/calls.gold.jsonl
and samples/eval-calls-holdout*/{clean,hard}/calls.gold.jsonl (the transcripts committed beside them).
Prints tp/fp/fn per category for the held-out sets pooled, clean and degraded, and the greeting
accuracy; with --against DIR (an earlier --out), every set and category whose tp/fp/fn changed.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from phrasecheck.scoring.evaluate import Tally  # noqa: E402

COUNTS = ("tp", "fp", "fn")


def gold_files() -> list[Path]:
    samples = ROOT / "samples"
    return sorted(samples.glob("eval-calls*/calls.gold.jsonl")) + sorted(samples.glob("eval-calls-holdout*/*/calls.gold.jsonl"))


def name_of(gold: Path) -> str:
    return "_".join(gold.parent.relative_to(ROOT / "samples").parts)


def run_eval(gold: Path, out: Path, inputs: tuple[Path, ...] = (), name: str = "") -> tuple[str, dict | None]:
    """One `phrasecheck eval`; INPUTS default to those in GOLD's folder."""
    name = name or name_of(gold)
    target = out / f"{name}.json"
    command = [sys.executable, "-m", "phrasecheck", "eval", "-q", str(gold), *map(str, inputs), "--json", str(target)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0 or not target.is_file():
        print(f"{gold}: eval failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return name, None
    return name, json.loads(target.read_text(encoding="utf-8"))


def changes(runs: dict[str, dict], against: Path) -> None:
    """Print every set and category whose tp/fp/fn differ from the eval JSON kept in AGAINST."""
    for name, ev in sorted(runs.items()):
        before_file = against / f"{name}.json"
        if not before_file.is_file():
            print(f"{name}: not in {against}")
            continue
        before = json.loads(before_file.read_text(encoding="utf-8"))
        for category, t in ev["categories"].items():
            old = tuple(before["categories"][category][k] for k in COUNTS)
            new = tuple(t[k] for k in COUNTS)
            if old != new:
                worse = "  (more false findings)" if new[1] > old[1] else ""
                print(f"{name} {category}: {'/'.join(map(str, old))} -> {'/'.join(map(str, new))}{worse}")


def summed(evals) -> tuple[dict[str, Tally], int, float]:
    """tp/fp/fn per category over several eval JSONs, their conversations and greeting accuracy."""
    tot: dict[str, Tally] = collections.defaultdict(Tally)
    calls, right = 0, 0.0
    for ev in evals:
        for category, t in ev["categories"].items():
            for k in COUNTS:
                setattr(tot[category], k, getattr(tot[category], k) + t[k])
        calls += ev["conversations"]
        right += ev["greeting_accuracy"] * ev["conversations"]
    return tot, calls, right / calls if calls else 1.0


def pooled(runs: dict[str, dict], copy: str) -> tuple[dict[str, Tally], int, float]:
    return summed(ev for name, ev in runs.items() if name.startswith("eval-calls-holdout") and name.endswith(f"_{copy}"))


def options(description: str, prefix: str) -> tuple[argparse.Namespace, Path]:
    """The command line both benchmarks take, and the folder the eval JSON goes to."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--out", type=Path, help="keep each set's eval JSON here (default: a temp folder)")
    ap.add_argument("--against", type=Path, help="an earlier --out: list what changed")
    ap.add_argument("--jobs", type=int, default=2, help="evals run at once (default 2)")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix=prefix))
    out.mkdir(parents=True, exist_ok=True)
    return args, out


def fmt(t: Tally) -> str:
    return f"{t.tp}/{t.fp}/{t.fn}  P {t.precision:.3f} R {t.recall:.3f} F1 {t.f1:.3f}"


def main() -> int:
    args, out = options(__doc__.splitlines()[0], "call_sets-")
    with ThreadPoolExecutor(args.jobs) as pool:
        runs = {name: ev for name, ev in pool.map(lambda g: run_eval(g, out), gold_files()) if ev is not None}
    for copy, label in (("clean", "clean"), ("hard", "degraded")):
        tot, calls, greeting = pooled(runs, copy)
        print(f"held-out sets, {label} ({calls} calls): greeting {greeting:.3f}")
        for category, counts in tot.items():
            print(f"  {category:9s} {fmt(counts)}")
    if args.against:
        changes(runs, args.against)
    print(f"{len(runs)} sets; their eval JSON in {out}")
    return 0 if len(runs) == len(gold_files()) else 1


if __name__ == "__main__":
    sys.exit(main())
