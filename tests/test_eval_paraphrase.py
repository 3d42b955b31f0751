"""The paraphrase sets (samples/eval-paraphrase*/) are well formed: one gold line per conversation, valid sorted
ids, and each README's table of positives and benign look-alikes agrees with the gold for every rule F01-F13."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from helpers import REPO

# folder, file stem, conversation id prefix
SETS = [("eval-paraphrase", "paraphrase", "para"), *((f"eval-paraphrase{n}", f"eval-paraphrase{n}", f"para{n}") for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11))]
RULES = [f"F{i:02d}" for i in range(1, 14)]
VALID = {"forbidden": set(RULES), "openers": {f"O{i:02d}" for i in range(1, 5)}, "courtesy": {f"C{i:02d}" for i in range(1, 21)}}


@pytest.fixture(params=SETS, ids=[s[0] for s in SETS])
def paraphrase_set(request) -> tuple[Path, str, str]:
    folder, stem, prefix = request.param
    return REPO / "samples" / folder, stem, prefix


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _table(folder: Path, prefix: str) -> dict[str, tuple[list[str], list[str]]]:
    rows = {}
    ids = re.compile(rf"{prefix}-\d{{3}}")
    for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(F\d\d|customer)\s*\|([^|]*)\|([^|]*)\|", line)
        if m:
            rows[m.group(1)] = (ids.findall(m.group(2)), ids.findall(m.group(3)))
    return rows


def _conversations(folder: Path, stem: str) -> dict[str, list[dict]]:
    convs: dict[str, list[dict]] = {}
    for msg in _jsonl(folder / f"{stem}.jsonl"):
        assert set(msg) == {"conversation_id", "agent_id", "role", "text", "timestamp"}
        assert msg["role"] in ("agent", "customer") and msg["text"].strip()
        convs.setdefault(msg["conversation_id"], []).append(msg)
    return convs


def test_every_conversation_has_exactly_one_gold_line_with_valid_ids(paraphrase_set):
    folder, stem, _ = paraphrase_set
    convs = _conversations(folder, stem)
    gold = _jsonl(folder / f"{stem}.gold.jsonl")
    counts = Counter(g["conversation_id"] for g in gold)
    assert set(counts) == set(convs)
    assert all(n == 1 for n in counts.values())
    assert 150 <= len(convs) <= 220
    for g in gold:
        assert set(g) == {"conversation_id", "greeting_ok", "forbidden", "openers", "courtesy"}
        assert isinstance(g["greeting_ok"], bool)
        for key, valid in VALID.items():
            assert g[key] == sorted(set(g[key])), g
            assert set(g[key]) <= valid, g
    for cid, msgs in convs.items():
        assert 2 <= len(msgs) <= 5, cid
        assert msgs[0]["role"] == "agent" and len({m["agent_id"] for m in msgs}) == 1, cid
        stamps = [m["timestamp"] for m in msgs]
        assert stamps == sorted(stamps), cid


def test_readme_table_matches_gold_and_every_rule_has_positives_and_benign(paraphrase_set):
    folder, stem, prefix = paraphrase_set
    gold = {g["conversation_id"]: g for g in _jsonl(folder / f"{stem}.gold.jsonl")}
    table = _table(folder, prefix)
    assert set(table) == set(RULES) | {"customer"}
    listed = [cid for pos, ben in table.values() for cid in pos + ben]
    assert len(listed) == len(set(listed)) and set(listed) == set(gold)
    for rule in RULES:
        positives, benign = table[rule]
        assert len(positives) >= 6 and len(benign) >= 5, rule
        for cid in positives:
            assert gold[cid]["forbidden"] == [rule], cid
        for cid in benign:
            assert gold[cid]["forbidden"] == [], cid
    for cid in table["customer"][1]:
        assert gold[cid]["forbidden"] == [], cid
