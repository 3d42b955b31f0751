"""Whole-process `check` throughput and memory, what a CI job or a QA lead waits for (issue 14).

    python3 benchmarks/throughput.py [--times 20] [--memory-10x] [--repeat R] [--keep]

Builds the big chat file in /tmp (benchmarks/bigchat.py: ../shared/realdata repeated TIMES times with
new conversation ids; 20 copies = 112,600 messages, 21 MB; never committed), then times, each as
its own process:

- the baseline: a plain exact-substring pass over the same file (read, parse each line, look every
  seed phrase up with `in` in each agent line), measured in the same run;
- `phrasecheck check FILE --format json --output O --jobs 1`, and `--jobs 2` (outputs compared byte for byte);
- the same on one copy (5,630 messages: no text repeated 20 times, so the caches of repeated
  texts help only as much as real repetition does);
- the same shuffled (messages of all conversations interleaved: the SQLite spill path);
- a real export as it comes, ../shared/realdata/jddc_baseline_windows.jsonl (66,999 messages, most
  agent turns distinct: what the caches of repeated texts cannot help), against its own exact pass;
- with --memory-10x: peak memory of `check` on 10x the input (1,126,000 messages, 210 MB).

Prints wall and CPU seconds (CPU: the process and its workers), messages per second, peak resident
memory, the 1-minute load average after each measurement, and every figure's ratio to its baseline.
--repeat R measures the exact pass, --jobs 1 and --jobs 2 R times, alternately. Skips cleanly without ../shared/realdata.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigchat

EXACT = r"""
import sys, json
phrases = json.loads(sys.argv[2])
hits = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        if r["role"] == "agent":
            text = r["text"]
            hits += sum(p in text for p in phrases)
print(hits)
"""


def seed_phrases() -> str:
    """The lexicon's phrases (their pieces, punctuation dropped), as JSON for the exact pass's command line."""
    from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon

    pieces = [part for p in load_lexicon(default_lexicon_dir()).phrases for part in p.text.replace("?", "").replace("!", "").split(",") if part]
    return json.dumps(pieces, ensure_ascii=False)


def measure(cmd: list[str]) -> dict:
    """Run cmd; its wall time, CPU time (user + system, its waited-for workers included) and peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def check_cmd(path: Path, out: str, jobs: int) -> list[str]:
    return [sys.executable, "-m", "phrasecheck", "check", str(path), "--format", "json", "--output", out, "--jobs", str(jobs)]


def load() -> str:
    """The 1-minute load average now: on a shared machine, wall times mean little without it."""
    return f"load {os.getloadavg()[0]:4.2f}"


def line(name: str, m: dict, n: int, base: dict | None = None, what: str = "") -> None:
    ratio = f"  {m['wall'] / base['wall']:5.1f}x wall, {m['cpu'] / base['cpu']:5.1f}x CPU {what}" if base else ""
    print(f"{name:34s} {m['wall']:7.2f} s wall {m['cpu']:7.2f} s CPU {n / m['wall']:9.0f} msg/s {m['rss_mb']:6.0f} MB  [{load()}]{ratio}", flush=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--times", type=int, default=20)
    ap.add_argument("--memory-10x", action="store_true", help="also measure peak memory on 10x the input")
    ap.add_argument("--keep", action="store_true", help="keep the files in /tmp")
    ap.add_argument("--repeat", type=int, default=1, help="measure --jobs 1 and --jobs 2 this many times, alternately")
    args = ap.parse_args(argv)
    if not all((bigchat.REALDATA / name).is_file() for name in bigchat.FILES):
        print(f"no real data in {bigchat.REALDATA}")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="phrasecheck-bench-"))
    big, one, shuffled = tmp / "big.jsonl", tmp / "one.jsonl", tmp / "shuffled.jsonl"
    n = bigchat.build(big, args.times)
    n1 = bigchat.build(one, 1)
    bigchat.build(shuffled, args.times, shuffle=True)
    print(f"input: {n} messages, {big.stat().st_size / 1e6:.1f} MB ({args.times} copies); one copy: {n1} messages; {os.cpu_count()} CPU(s)")

    phrases = seed_phrases()
    print(f"start: {load()} (1-minute load average; {os.cpu_count()} cores)")
    for _ in range(args.repeat):
        exact = measure([sys.executable, "-c", EXACT, str(big), phrases])
        line("exact-substring pass (baseline)", exact, n)
        j1 = measure(check_cmd(big, str(tmp / "j1.json"), 1))
        line("check --jobs 1", j1, n, exact, "the exact pass (target <= 10x)")
        j2 = measure(check_cmd(big, str(tmp / "j2.json"), 2))
        line("check --jobs 2", j2, n, j1, "--jobs 1 (target: less wall)")
        print(f"  --jobs 2 output identical to --jobs 1: {filecmp.cmp(tmp / 'j1.json', tmp / 'j2.json', shallow=False)}")
    sh = measure(check_cmd(shuffled, str(tmp / "sh.json"), 1))
    line("check --jobs 1, shuffled (spill)", sh, n, j1, "grouped input")

    exact1 = measure([sys.executable, "-c", EXACT, str(one), phrases])
    line("one copy: exact pass", exact1, n1)
    one1 = measure(check_cmd(one, str(tmp / "one.json"), 1))
    line("one copy: check --jobs 1", one1, n1, exact1, "the exact pass")

    real = bigchat.REALDATA / "jddc_baseline_windows.jsonl"
    if real.is_file():  # a real export as it comes: most agent turns are distinct, so the text caches help little
        nr = sum(1 for raw in real.open(encoding="utf-8") if raw.strip())
        exact_r = measure([sys.executable, "-c", EXACT, str(real), phrases])
        line("real export: exact pass", exact_r, nr)
        real1 = measure(check_cmd(real, str(tmp / "real.json"), 1))
        line("real export: check --jobs 1", real1, nr, exact_r, "the exact pass")

    if args.memory_10x:
        big10 = tmp / "big10.jsonl"
        n10 = bigchat.build(big10, args.times * 10)
        m10 = measure(check_cmd(big10, os.devnull, 1))
        line(f"10x input ({n10} msgs) --jobs 1", m10, n10)
        print(f"  peak memory at 10x / at 1x: {m10['rss_mb'] / j1['rss_mb']:.2f} (target <= 1.3; 1x target <= 200 MB)")
        big10.unlink()
    if not args.keep:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
