#!/usr/bin/env python3
"""The n-gram model on writers it never read: leave one set (family) out, train on the rest.

    python3 benchmarks/model_holdout.py [FAMILY ...]   (default: holdout16 holdout17 holdout18 reword-d reword-e reword-s)

A family is a labelled set with its transcripts: holdout18 is its script text and its clean and
degraded recognizer transcripts. For each family the model is trained (engine/learn.py) on every
other set samples/train_model.sh names, calibrated on ../shared/realdata's agent lines as the shipped
one is, and the checker is run on the family with that model. Printed per set: forbidden precision
and recall of the lexicon alone (errors, as `phrasecheck eval` counts them); how many of the labels it
missed the model lists for review, and how many rules it lists that the conversation does not have;
and precision and recall with the model giving errors (the pack's `error:` level, or --error's, with
the checker's safeguards). The lexicon itself has read every set (its forms were widened with each once measured),
so its own figures here are in-sample unless --lexicon names one from before the set was read. Takes about 4 minutes a family on 2 cores."""

from __future__ import annotations

import argparse
import glob
import sys
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon  # noqa: E402
from phrasecheck.config.profile import Profile  # noqa: E402
from phrasecheck.engine.checker import Checker  # noqa: E402
from phrasecheck.engine.learn import agent_lines, joined, labelled_turns, model_rules, train  # noqa: E402
from phrasecheck.inputs.readers import read_file  # noqa: E402
from phrasecheck.scoring.evaluate import evaluate, load_gold  # noqa: E402

REAL = ROOT.parent / "shared" / "realdata"
REAL_FILES = ["jddc_chats", "stc3_weibo_helpdesk", "jddc_baseline_windows", "mobilecs_calls"]
LOOKALIKES = ["reword-p", "reword-q", "reword-r", "reword-s", "reword-t"]  # as samples/train_model.sh


def labelled_sets() -> dict[str, tuple[Path, Path]]:
    """Name -> (gold, data), the sets samples/train_model.sh trains on."""
    s = ROOT / "samples"
    out = {"dev": (s / "eval/dev.gold.jsonl", s / "eval/dev.jsonl"), "chats": (s / "chats/day-2026-11-26.gold.jsonl", s / "chats/day-2026-11-26.jsonl")}
    for g in map(Path, sorted(glob.glob(str(s / "eval-paraphrase*/*.gold.jsonl")))):
        out[g.parent.name] = (g, g.with_name(g.name.replace(".gold.jsonl", ".jsonl")))
    for g in map(Path, sorted(glob.glob(str(s / "eval-reword/*.gold.jsonl")))):
        out["reword-" + g.name[0]] = (g, g.with_name(g.name.replace(".gold.jsonl", ".jsonl")))
    out["calls"] = (s / "eval-calls/calls.gold.jsonl", s / "eval-calls/calls.script.jsonl")
    out["holds"] = (s / "eval-calls/holds.gold.jsonl", s / "eval-calls/holds.script.jsonl")
    out["hard"] = (s / "eval-calls-hard/calls.gold.jsonl", s / "eval-calls-hard/calls.jsonl")
    for g in map(Path, sorted(glob.glob(str(s / "eval-calls-holdout*/holdout*.gold.jsonl")))):
        name = g.parent.name.replace("eval-calls-", "")
        out[name] = (g, g.with_name(g.name.replace(".gold.jsonl", ".script.jsonl")))
        for kind in ("clean", "hard"):
            if (g.parent / kind / "calls.jsonl").is_file():
                out[f"{name}-{kind}"] = (g.parent / kind / "calls.gold.jsonl", g.parent / kind / "calls.jsonl")
    return {k: v for k, v in out.items() if v[0].is_file() and v[1].is_file()}


def figures(checker: Checker, gold_path: Path, data_path: Path, profile: Profile) -> tuple[tuple[int, int, int], tuple[int, int]]:
    """Forbidden (tp, fp, fn) as `eval` counts them (errors), and the review list: labels missed as
    errors but listed for review, and rules listed for review that the conversation does not have."""
    gold, _ = load_gold(gold_path)
    results = [checker.check(c) for c in read_file(data_path, profile).conversations]
    t = evaluate(results, gold).categories["forbidden"]
    listed = wrong = 0
    for r in results:
        want = set(gold.get(r.conversation.conversation_id, {}).get("forbidden", []))
        errors = {f.id for f in r.findings if f.kind == "forbidden" and f.severity == "error"}
        review = {f.id for f in r.findings if f.kind == "forbidden" and f.severity == "review"} - errors
        listed += len(review & (want - errors))
        wrong += len(review - want)
    return (t.tp, t.fp, t.fn), (listed, wrong)


def pr(tp: int, fp: int, fn: int) -> str:
    return f"P {tp / (tp + fp) if tp + fp else 1:.3f} R {tp / (tp + fn) if tp + fn else 1:.3f} ({tp}/{fp}/{fn})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("families", nargs="*", default=["holdout16", "holdout17", "holdout18", "reword-d", "reword-e", "reword-s"])
    ap.add_argument(
        "--lexicon",
        type=Path,
        help="judge the families with this lexicon folder (e.g. one as it was before a family was read) and the default pack's model settings",
    )
    ap.add_argument("--error", type=int, help="the model's error level to measure (default: the pack's, else 0)")
    args = ap.parse_args()
    if not all((REAL / f"{f}.jsonl").is_file() for f in REAL_FILES):
        sys.exit(f"needs the calibration lines in {REAL} (the shipped model is calibrated on them)")
    profile = Profile()
    lexicon = load_lexicon(default_lexicon_dir())
    sets = labelled_sets()
    t0 = time.perf_counter()
    locator = Checker(replace(lexicon, model=None), profile)  # places each gold label in a turn
    turns = {name: labelled_turns([pair], locator) for name, pair in sets.items()}
    lines, _ = agent_lines([REAL / f"{f}.jsonl" for f in REAL_FILES], profile)
    print(
        f"{len(sets)} labelled sets, {sum(len(t.texts) for t in turns.values())} agent turns, {len(lines)} calibration lines ({time.perf_counter() - t0:.0f} s)"
    )
    judge = replace(load_lexicon(args.lexicon), model=lexicon.model) if args.lexicon else lexicon
    alone = Checker(replace(judge, model=None), profile)
    with_model = Checker(replace(judge, model=replace(judge.model, error=None)), profile)  # lists only
    # the same model giving errors (forbidden.yaml `error:`), with the checker's safeguards
    level = args.error if args.error is not None else (lexicon.model.error if lexicon.model.error is not None else 0)
    erring = Checker(replace(judge, model=replace(judge.model, error=level)), profile)
    total: dict[str, list[int]] = {}
    for family in args.families:
        members = [n for n in sets if n == family or n.startswith(family + "-")]
        if not members:
            print(f"{family}: no such set")
            continue
        rest = joined([t for n, t in turns.items() if n not in members and n not in LOOKALIKES])
        with_model.model = erring.model = train(rest, model_rules(lexicon), lines, lookalikes=[turns[n] for n in LOOKALIKES if n not in members])
        for name in members:
            (a, _), (_, (listed, wrong)), (e, _) = (figures(c, *sets[name], profile) for c in (alone, with_model, erring))
            for key, got in (("lexicon", a), ("review", (listed, wrong, a[2])), ("error", e)):
                total[key] = [x + y for x, y in zip(total.setdefault(key, [0, 0, 0]), got)]
            print(
                f"{name:22s} lexicon alone{'' if args.lexicon else ' (in-sample)'} {pr(*a)}; the model not trained on it lists for review"
                f" {listed} of the {a[2]} missed labels and {wrong} rules not said; with error: {level} {pr(*e)}"
            )
    if total:
        listed, wrong, missed = total["review"]
        print(
            f"all held out: lexicon alone {pr(*total['lexicon'])}; listed for review {listed} of {missed} missed labels and {wrong} rules not said;"
            f" with error: {level} {pr(*total['error'])} ({time.perf_counter() - t0:.0f} s)"
        )


if __name__ == "__main__":
    main()
