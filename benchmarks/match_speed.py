"""Matching speed on real agent turns: phrasecheck's checker vs a plain exact-match pass.

    python3 benchmarks/match_speed.py [FILES...]   (default: ../shared/realdata/*.jsonl)

The exact-match pass normalises each agent turn the same way and looks every lexicon form up with
`in`; the issue asks the full checker to stay within 5x of it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon
from phrasecheck.config.profile import Profile
from phrasecheck.engine.checker import Checker
from phrasecheck.inputs.readers import read_file
from phrasecheck.text.normalize import normalize

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(REALDATA.glob("*.jsonl"))
    if not files:
        print(f"no input files (looked in {REALDATA})")
        return 0
    profile = Profile()
    convs = [c for f in files for c in read_file(f, profile).conversations]
    agent_turns = [t.text for c in convs for t in c.turns if t.role == "agent"]
    lexicon = load_lexicon(default_lexicon_dir())
    keys = [p.key for ph in lexicon.phrases for form in ph.forms for p in form.parts]

    checker = Checker(lexicon, profile)
    checker.matcher.tokenizer()  # open jieba's dictionary outside the timing (best of 5 below)

    def exact_pass() -> int:
        hits = 0
        for text in agent_turns:
            key = normalize(text).key
            hits += sum(k in key for k in keys)
        return hits

    # Best of 5, on the wall clock and on this process's CPU clock (steadier on a busy machine).
    best = {("exact", clock): float("inf") for clock in CLOCKS} | {("check", clock): float("inf") for clock in CLOCKS}
    for _ in range(5):
        for name, run in (("exact", exact_pass), ("check", lambda: [checker.check(c) for c in convs])):
            t0 = {clock: fn() for clock, fn in CLOCKS.items()}
            results = run()
            for clock, fn in CLOCKS.items():
                best[name, clock] = min(best[name, clock], fn() - t0[clock])

    n = len(agent_turns)
    print(f"inputs: {len(convs)} conversations, {n} agent turns from {len(files)} file(s)")
    for clock in CLOCKS:
        exact_rate, full_rate = n / best["exact", clock], n / best["check", clock]
        print(
            f"[{clock:4s}] exact-match pass {exact_rate:7.0f} turns/s, phrasecheck check {full_rate:6.0f} turns/s: "
            f"{exact_rate / full_rate:.1f}x slower (target <= 5x)"
        )
    print(f"findings: {sum(len(r.findings) for r in results)}, courtesy hits: {sum(len(r.courtesy) for r in results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
