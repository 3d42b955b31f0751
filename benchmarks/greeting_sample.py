"""A seeded sample of G01 verdicts on the real JD.com chats, for reading by hand.

    python3 benchmarks/greeting_sample.py [--lexicon ecommerce] [--n 50] [--seed 12]

Prints each sampled conversation's verdict, the missing parts, and the agent's opening (read from
../shared/realdata to the terminal only; nothing is written into the repository)."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from phrasecheck.config.lexicon import load_lexicon, resolve_lexicon
from phrasecheck.config.profile import Profile
from phrasecheck.engine.checker import Checker
from phrasecheck.inputs.readers import read_file

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lexicon", default="ecommerce")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    path = REALDATA / "jddc_chats.jsonl"
    if not path.is_file():
        print(f"no {path}: nothing to sample")
        return 0
    profile = Profile()
    checker = Checker(load_lexicon(resolve_lexicon(args.lexicon)), profile)
    results = [checker.check(c) for c in read_file(path, profile, None, None).conversations]
    ok = sum(r.greeting.ok for r in results)
    print(f"{len(results)} conversations, G01 ok in {ok} ({args.lexicon})")
    for r in random.Random(args.seed).sample(results, min(args.n, len(results))):
        g = r.greeting
        print(f"{'ok ' if g.ok else 'BAD'} {r.conversation.conversation_id} missing={','.join(g.missing) or '-'} | {g.text[:60]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
