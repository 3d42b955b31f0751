#!/usr/bin/env python3
"""Every n-gram model finding on families it never read, with what the checker's safeguards look at.

    python3 benchmarks/model_audit.py OUT.jsonl FAMILY[=LEXICON_DIR] ...   (e.g. holdout31=/tmp/lex31)

For each family (as benchmarks/model_holdout.py names them) the model is trained on every other set
and the family is checked with `error: 0` and LEXICON_DIR (the lexicon before the family was read;
default: the shipped one). One JSON line per model finding: set, call, rule, severity given, whether
the gold has it, the level its score passed, and the safeguards' inputs (您 in the turn, the lexicon
caught the same agent elsewhere, the lexicon found a rule in that turn, the model hears a second rule there). Then, per level 0-3, how many
true and false findings would count there. This is how `error: 1` was chosen (docs/accuracy.md, session 44)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from model_holdout import LOOKALIKES, REAL, REAL_FILES, labelled_sets  # noqa: E402
from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon  # noqa: E402
from phrasecheck.config.profile import Profile  # noqa: E402
from phrasecheck.engine.checker import Checker  # noqa: E402
from phrasecheck.engine.learn import agent_lines, joined, labelled_turns, model_rules, train  # noqa: E402
from phrasecheck.inputs.readers import read_file  # noqa: E402
from phrasecheck.scoring.evaluate import load_gold  # noqa: E402


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    profile = Profile()
    lexicon = load_lexicon(default_lexicon_dir())
    sets = labelled_sets()
    locator = Checker(replace(lexicon, model=None), profile)
    turns = {n: labelled_turns([p], locator) for n, p in sets.items()}
    lines, _ = agent_lines([REAL / f"{f}.jsonl" for f in REAL_FILES], profile)
    rows = []
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for arg in sys.argv[2:]:
            family, _, folder = arg.partition("=")
            judge = load_lexicon(Path(folder)) if folder else lexicon
            members = [n for n in sets if n == family or n.startswith(family + "-")]
            rest = joined([t for n, t in turns.items() if n not in members and n not in LOOKALIKES])
            checker = Checker(replace(judge, model=replace(lexicon.model, error=0)), profile)
            checker.model = model = train(rest, model_rules(lexicon), lines, lookalikes=[turns[n] for n in LOOKALIKES if n not in members])
            for name in members:
                gold, _ = load_gold(sets[name][0])
                for conv in read_file(sets[name][1], profile).conversations:
                    found = checker.check(conv).findings
                    lexical = [f for f in found if f.kind == "forbidden" and "n-gram" not in f.message]
                    caught = {conv.agent_of(f.turn) for f in lexical if f.severity == "error"}
                    named = {t for f in lexical for t in (f.turn, f.end_turn) if t is not None}
                    want = set(gold.get(conv.conversation_id, {}).get("forbidden", []))
                    for f in found:
                        if f.kind != "forbidden" or "n-gram" not in f.message:
                            continue
                        text = conv.turns[f.turn].text
                        j = model.rules.index(f.id)
                        scores = model.scores([text])[0]
                        value = float(scores[j])
                        heard = int(sum(scores[k] > model.threshold(r, lexicon.model.review) for k, r in enumerate(model.rules)))
                        level = next((k for k in range(model.levels.shape[0]) if value > model.levels[k, j]), None)
                        row = dict(
                            set=name,
                            call=conv.conversation_id,
                            rule=f.id,
                            severity=f.severity,
                            gold=f.id in want,
                            level=level,
                            nin="您" in text,
                            caught=conv.agent_of(f.turn) in caught,
                            named=f.turn in named,
                            torn=heard > 1,
                            text=text[:80],
                        )
                        rows.append(row)
                        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    for level in range(4):
        counted = [r for r in rows if r["caught"] and not (r["named"] or r["torn"] or r["nin"]) and r["level"] is not None and r["level"] <= level]
        true = sum(r["gold"] for r in counted)
        print(f"error: {level}: +{true} true, +{len(counted) - true} false")


if __name__ == "__main__":
    main()
