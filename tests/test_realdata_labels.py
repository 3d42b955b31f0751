"""The checker against hand labels of real agent lines (benchmarks/realdata_labels.jsonl: ids and
verdicts only; the text stays in ../shared/realdata). Skips where ../shared is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REPO, SHARED
from phrasecheck.config.lexicon import load_lexicon, resolve_lexicon
from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation
from phrasecheck.engine.checker import Checker
from phrasecheck.inputs.readers import read_file
from phrasecheck.scoring.line_labels import load_line_labels, score_lines

REALDATA = SHARED / "realdata"
LABELS = REPO / "benchmarks" / "realdata_labels.jsonl"

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not here")


def _labelled_conversations(labels, tmp_path: Path) -> list[Conversation]:
    """Only the labelled conversations of each file (reading all 11,386 windows is the benchmark's job)."""
    wanted: dict[str, set[str]] = {}
    for label in labels:
        wanted.setdefault(label.file, set()).add(label.conversation_id)
    out = []
    for name, ids in wanted.items():
        rows = [line for line in (REALDATA / name).read_text(encoding="utf-8").splitlines() if json.loads(line)["conversation_id"] in ids]
        subset = tmp_path / name
        subset.write_text("\n".join(rows) + "\n", encoding="utf-8")
        out += read_file(subset, Profile(), None, None).conversations
    assert {c.conversation_id for c in out} == set().union(*wanted.values())
    return out


@pytest.mark.parametrize("pack", ["default", "ecommerce"])
def test_forbidden_precision_and_recall_on_labelled_real_lines(pack, tmp_path):
    labels = load_line_labels(LABELS)
    checker = Checker(load_lexicon(resolve_lexicon(pack)), Profile())
    scores = score_lines([checker.check(c) for c in _labelled_conversations(labels, tmp_path)], labels)
    total = scores.total("F")
    assert total.tp + total.fn >= 3, "the labels name real violations"
    assert total.precision >= 0.98, scores.wrong
    assert total.recall >= 0.9, scores.wrong
    # no false accusation at all on lines labelled arguable or innocent, in any rule (O03 included)
    assert not [(lab.conversation_id, lab.rule, said) for lab, said in scores.wrong if lab.verdict != "true"]
    assert total.review_right == 2  # the two explained 不知道 are listed for review, not counted


def test_labels_hold_ids_and_verdicts_only():
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert set(row) == {"file", "conversation_id", "turn_index", "rule", "verdict", "reason"}
        assert len(row["reason"]) <= 20
