#!/usr/bin/env python3
"""Forbidden-phrase recall by how far the agent's words were from the seed's (holdout19's where.jsonl).

    phrasecheck eval GOLD --json EV.json && python3 benchmarks/by_degree.py EV.json WHERE.jsonl [-v]

WHERE.jsonl has one line per forbidden label: conversation_id, id, said (the agent's words), degree
(close: the listed words, a particle or one word changed; varied: halves reordered, one half swapped for a
synonym, or one half alone; reworded: the same speech act in other words). Printed per degree: labels
found (as eval counts them), and of those missed, how many a finding for review (复核) lists; -v lists
each miss.
"""

from __future__ import annotations

import json
import sys
from collections import Counter


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "-v"]
    if len(args) != 2:
        sys.exit(__doc__)
    ev = json.loads(open(args[0], encoding="utf-8").read())
    if not ev.get("conversations"):
        sys.exit(f"{args[0]}: eval checked no conversation; give `phrasecheck eval` one gold file whose inputs are beside it")
    where = [json.loads(line) for line in open(args[1], encoding="utf-8") if line.strip()]
    missed = {(d["conversation_id"], d["id"]): d["text"] for d in ev["disagreements"] if d["category"] == "forbidden" and d["verdict"] == "missed"}
    found, review, total = Counter(), Counter(), Counter()
    for w in where:
        key, degree = (w["conversation_id"], w["id"]), w["degree"]
        total[degree] += 1
        if key not in missed:
            found[degree] += 1
            continue
        listed = "found with severity review" in missed[key]
        review[degree] += listed
        if "-v" in sys.argv:
            print(f"missed {degree:9s} {key[0]} {key[1]} {w['said']}{'  (listed for review)' if listed else ''}")
    for degree in ("close", "varied", "reworded"):
        if total[degree]:
            print(f"{degree:9s} found {found[degree]:2d} of {total[degree]:2d}; of the missed, {review[degree]} listed for review")
    return 0


if __name__ == "__main__":
    sys.exit(main())
