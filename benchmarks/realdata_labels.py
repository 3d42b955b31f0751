"""Precision and recall per rule on the hand-labelled real agent lines (benchmarks/realdata_labels.jsonl).

    python3 benchmarks/realdata_labels.py [--lexicon default|ecommerce|DIR] [--shared ../shared]

Reads ../shared/realdata (never copied into the repository); prints one row per rule, the labelled
lines the checker got wrong, and every forbidden finding no label names (ids only, no text)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon, resolve_lexicon
from phrasecheck.config.profile import Profile
from phrasecheck.engine.checker import Checker
from phrasecheck.inputs.readers import read_file
from phrasecheck.scoring.line_labels import load_line_labels, score_lines

HERE = Path(__file__).resolve().parent
LABELS = HERE / "realdata_labels.jsonl"


def run(shared: Path, lexicon: str | None = None, labels_path: Path = LABELS):
    profile = Profile()
    checker = Checker(load_lexicon(resolve_lexicon(lexicon) if lexicon else default_lexicon_dir()), profile)
    labels = load_line_labels(labels_path)
    results = []
    for path in sorted((shared / "realdata").glob("*.jsonl")):
        results += [checker.check(c) for c in read_file(path, profile, None, None).conversations]
    return score_lines(results, labels), len(labels)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lexicon")
    ap.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    args = ap.parse_args()
    if not (args.shared / "realdata").is_dir():
        print(f"no {args.shared / 'realdata'}: nothing to measure")
        return 0
    t0 = time.perf_counter()
    scores, n = run(args.shared, args.lexicon)
    print(f"{n} labelled agent lines, lexicon {args.lexicon or 'default'} ({time.perf_counter() - t0:.1f} s)")
    print(f"{'rule':6}{'lines':>6}{'tp':>4}{'fp':>4}{'fn':>4}{'precision':>10}{'recall':>8}{'review ok':>10}{'review noise':>13}")
    for rule, s in sorted(scores.rules.items()) + [("F all", scores.total("F"))]:
        print(f"{rule:6}{s.lines:>6}{s.tp:>4}{s.fp:>4}{s.fn:>4}{s.precision:>10.3f}{s.recall:>8.3f}{s.review_right:>10}{s.review_noise:>13}")
    for label, said in scores.wrong:
        print(f"wrong: {label.conversation_id} turn_index {label.turn_index} {label.rule}: labelled {label.verdict}, checker says {said}")
    for conv, turn, rule, severity in scores.unlabelled:
        print(f"unlabelled finding: {conv} turn_index {turn} {rule} ({severity})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
