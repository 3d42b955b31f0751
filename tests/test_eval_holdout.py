"""The held-out calls set (samples/eval-calls-holdout): its labels and files hang together.

Structure only. The checker is deliberately not run on these scripts here: a test that asserted its
results would turn the held-out set into one more set to tune on.
"""

from __future__ import annotations

import json
from collections import Counter

import yaml

from helpers import REPO
from phrasecheck.scoring.evaluate import load_gold

HOLDOUT = REPO / "samples" / "eval-calls-holdout"
LEXICON = REPO / "src" / "phrasecheck" / "lexicons" / "default"


def _script_ids() -> list[str]:
    lines = (HOLDOUT / "holdout.script.jsonl").read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(json.loads(line)["conversation_id"] for line in lines if line.strip()))


def test_every_scripted_call_has_exactly_one_label():
    gold, errors = load_gold(HOLDOUT / "holdout.gold.jsonl")
    assert not errors
    assert sorted(gold) == _script_ids() == [f"call-hold-{n:03d}" for n in range(1, 31)]


def test_labels_use_the_shipped_rule_ids_and_cover_every_forbidden_phrase_and_opener():
    known = {
        p["id"] for name in ("forbidden", "openers", "courtesy") for p in yaml.safe_load((LEXICON / f"{name}.yaml").read_text(encoding="utf-8"))["phrases"]
    }
    gold, _ = load_gold(HOLDOUT / "holdout.gold.jsonl")
    used = Counter(i for row in gold.values() for c in ("forbidden", "openers", "courtesy") for i in row[c])
    assert set(used) <= known, set(used) - known
    assert all(used[f"F{n:02d}"] >= 2 for n in range(1, 14)), used
    assert all(used[f"O{n:02d}"] >= 1 for n in range(1, 5)), used
    assert sum(not row["greeting_ok"] for row in gold.values()) >= 8


def test_clean_and_hard_labels_are_the_holdout_labels():
    source = (HOLDOUT / "holdout.gold.jsonl").read_bytes()
    for sub in ("clean", "hard"):
        assert (HOLDOUT / sub / "calls.gold.jsonl").read_bytes() == source, f"{sub}/calls.gold.jsonl: rerun build.sh (TRANSCRIBE=0 copies it)"


def test_no_recording_is_committed():
    audio = {".wav", ".mp3", ".amr", ".opus", ".ogg", ".m4a", ".flac", ".aac", ".wma"}
    assert not [p for p in HOLDOUT.rglob("*") if p.suffix.lower() in audio]
