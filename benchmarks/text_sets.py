#!/usr/bin/env python3
"""Every committed text set through `phrasecheck eval`, summed: the calls sets' scripts (what each party
said, before any recording) and the chat sets, so a lexicon change shows what it does to all of them.

    python3 benchmarks/text_sets.py [--out DIR] [--against DIR] [--jobs N]

Scripts: samples/eval-calls*/NAME.script.jsonl against NAME.gold.jsonl beside it. Chats: every
samples/eval*/NAME.gold.jsonl outside the calls sets, against NAME.jsonl beside it. Prints tp/fp/fn per
category for each group pooled, and the greeting accuracy; with --against DIR (an earlier --out), every
set and category whose tp/fp/fn changed. The real agents' lines are measured by realdata_labels.py.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from call_sets import ROOT, changes, fmt, options, run_eval, summed


def text_sets() -> list[tuple[str, str, Path, Path]]:
    """(group, name, gold, inputs) for every script and chat set."""
    samples = ROOT / "samples"
    sets = []
    for script in sorted(samples.glob("eval-calls*/*.script.jsonl")):
        gold = script.with_name(script.name.replace(".script.jsonl", ".gold.jsonl"))
        if gold.is_file():
            sets.append(("scripts", f"{script.parent.name}_{script.name.split('.')[0]}", gold, script))
    for gold in sorted(samples.glob("eval*/*.gold.jsonl")):
        chats = gold.with_name(gold.name.replace(".gold.jsonl", ".jsonl"))
        if not gold.parent.name.startswith("eval-calls") and chats.is_file():
            sets.append(("chats", f"{gold.parent.name}_{gold.name.split('.')[0]}", gold, chats))
    return sets


def main() -> int:
    args, out = options(__doc__.splitlines()[0], "text_sets-")
    sets = text_sets()
    with ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda s: (s[0], *run_eval(s[2], out, (s[3],), s[1])), sets))
    runs = {name: ev for _, name, ev in done if ev is not None}
    for group in ("scripts", "chats"):
        tot, convs, greeting = summed(ev for g, _, ev in done if g == group and ev is not None)
        print(f"{group} ({sum(g == group for g, *_ in done)} sets, {convs} conversations): greeting {greeting:.3f}")
        for category, counts in tot.items():
            print(f"  {category:9s} {fmt(counts)}")
    if args.against:
        changes(runs, args.against)
    print(f"{len(runs)} sets; their eval JSON in {out}")
    return 0 if len(runs) == len(sets) else 1


if __name__ == "__main__":
    sys.exit(main())
