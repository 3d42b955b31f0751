#!/usr/bin/env python3
"""Precision and recall of the call behaviour rules B01-B05 on the labelled set of edited recordings.

    python3 benchmarks/behaviour_eval.py [--keep DIR] [--device cpu|cuda] [--json FILE] [--cache FILE]

Builds the set with samples/behaviour/build.py (into DIR, or a temporary folder), transcribes it
with phrasecheck's own pipeline (default model, no transcript cache), checks it with the default
lexicon and profile, and compares the behaviour findings with the labelled events: a finding
matches an unmatched event of the same rule whose time span it overlaps; every other finding is a
false positive, every unmatched event a miss. For each match the time error is the larger of the
start and end differences; "within 0.5 s" counts the matches where it is at most 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "samples" / "behaviour"))

RULES = ("B01", "B02", "B03", "B04", "B05")
TOL_S = 0.5


def overlaps(f, e) -> bool:
    return f.start_s is not None and f.end_s is not None and f.start_s <= e["end_s"] and e["start_s"] <= f.end_s


def evaluate(labels: list[dict], results: dict) -> dict:
    """Per-rule tp/fp/fn, time errors, and the disagreements."""
    per = {r: {"tp": 0, "fp": 0, "fn": 0, "errors": []} for r in RULES}
    wrong = []
    for lab in labels:
        result = results[lab["conversation_id"]]
        events = [dict(e, matched=False) for e in lab["events"]]
        for f in (f for f in result.findings if f.kind == "behaviour"):
            e = next((e for e in events if e["rule"] == f.id and not e["matched"] and overlaps(f, e)), None)
            if e is None:
                per[f.id]["fp"] += 1
                wrong.append(f"{lab['file']}: false {f.id} {f.start_s}-{f.end_s}: {f.message}")
                continue
            e["matched"] = True
            per[f.id]["tp"] += 1
            per[f.id]["errors"].append(round(max(abs(f.start_s - e["start_s"]), abs(f.end_s - e["end_s"])), 2))
        for e in events:
            if not e["matched"]:
                per[e["rule"]]["fn"] += 1
                wrong.append(f"{lab['file']}: missed {e['rule']} {e['start_s']}-{e['end_s']} ({e['what']})")
    for t in per.values():
        t["precision"] = round(t["tp"] / (t["tp"] + t["fp"]), 3) if t["tp"] + t["fp"] else None
        t["recall"] = round(t["tp"] / (t["tp"] + t["fn"]), 3) if t["tp"] + t["fn"] else None
        t["within_tol"] = sum(x <= TOL_S for x in t["errors"])
        t["max_error_s"] = max(t["errors"], default=None)
    return {"rules": per, "disagreements": wrong}


def run(folder: Path, device: str, cache: Path | None = None) -> tuple[list[dict], dict, float]:
    from phrasecheck.calls.cache import TranscriptCache
    from phrasecheck.calls.transcribe import Job, TranscribeOptions, WhisperTranscriber, transcribe_batch
    from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon
    from phrasecheck.config.profile import Profile
    from phrasecheck.engine.checker import Checker

    labels = [json.loads(line) for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    options = TranscribeOptions(device=device)
    t0 = time.perf_counter()
    convs = transcribe_batch(
        [Job(str(folder / lab["file"]), lab["conversation_id"], "A1") for lab in labels],
        options,
        WhisperTranscriber(options),
        TranscriptCache(cache) if cache else None,
    )
    seconds = time.perf_counter() - t0
    checker = Checker(load_lexicon(default_lexicon_dir()), Profile())
    results = {c.conversation_id: checker.check(c) for c in convs}
    return labels, results, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="build the recordings here and keep them")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--cache", type=Path, help="a transcript cache file (default: none, everything is transcribed)")
    a = ap.parse_args()
    import build

    with tempfile.TemporaryDirectory() as tmp:
        folder = a.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "labels.jsonl", "w", encoding="utf-8") as f:
            for c in build.build():
                f.write(json.dumps(c.write(folder), ensure_ascii=False) + "\n")
        labels, results, seconds = run(folder, a.device, a.cache)
    ev = evaluate(labels, results)
    n_events = sum(len(lab["events"]) for lab in labels)
    print(f"{len(labels)} recordings, {n_events} labelled events; transcribed in {seconds:.0f} s ({a.device})")
    print(f"{'rule':5} {'events':>6} {'found':>5} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>6}  within {TOL_S} s  max error")
    for rule, t in ev["rules"].items():
        p = "-" if t["precision"] is None else f"{t['precision']:.2f}"
        r = "-" if t["recall"] is None else f"{t['recall']:.2f}"
        print(
            f"{rule:5} {t['tp'] + t['fn']:>6} {t['tp'] + t['fp']:>5} {t['tp']:>3} {t['fp']:>3} {t['fn']:>3} {p:>9} {r:>6}  {t['within_tol']}/{t['tp']:<10} {t['max_error_s']}"
        )
    for line in ev["disagreements"]:
        print("  " + line)
    for lab in labels:
        notes = results[lab["conversation_id"]].notes
        if notes:
            print(f"  {lab['file']}: notes: {'; '.join(notes)}")
    if a.json:
        a.json.write_text(json.dumps(ev, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
