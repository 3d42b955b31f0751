"""The second held-out calls set (samples/eval-calls-holdout2): its labels and files hang together.

Structure only. The checker is deliberately not run on these scripts here: a test that asserted its
results would turn the held-out set into one more set to tune on.
"""

from __future__ import annotations

import json
from collections import Counter

import yaml

from helpers import REPO
from phrasecheck.scoring.evaluate import load_gold

HOLDOUT = REPO / "samples" / "eval-calls-holdout2"
LEXICON = REPO / "src" / "phrasecheck" / "lexicons" / "default"
IDS = [f"call-h2-{n:03d}" for n in range(1, 31)]


def _script() -> list[dict]:
    lines = (HOLDOUT / "holdout2.script.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_every_scripted_call_has_exactly_one_label():
    gold, errors = load_gold(HOLDOUT / "holdout2.gold.jsonl")
    assert not errors
    assert sorted(gold) == list(dict.fromkeys(m["conversation_id"] for m in _script())) == IDS


def test_the_calls_are_new_agents_and_every_call_has_both_parties():
    script = _script()
    assert {m["agent_id"] for m in script} == {f"A{n}" for n in range(5001, 5009)}
    for cid in IDS:
        roles = [m["role"] for m in script if m["conversation_id"] == cid]
        assert roles[0] == "agent" and "customer" in roles, cid
    earlier = {
        json.loads(line)["agent_id"] for line in (REPO / "samples" / "eval-calls-holdout" / "holdout.script.jsonl").read_text(encoding="utf-8").splitlines()
    }
    assert not earlier & {m["agent_id"] for m in script}


def test_labels_use_the_shipped_rule_ids_and_cover_every_forbidden_phrase_and_opener():
    known = {
        p["id"] for name in ("forbidden", "openers", "courtesy") for p in yaml.safe_load((LEXICON / f"{name}.yaml").read_text(encoding="utf-8"))["phrases"]
    }
    gold, _ = load_gold(HOLDOUT / "holdout2.gold.jsonl")
    used = Counter(i for row in gold.values() for c in ("forbidden", "openers", "courtesy") for i in row[c])
    assert set(used) <= known, set(used) - known
    assert all(used[f"F{n:02d}"] >= 2 for n in range(1, 14)), used
    assert all(used[f"O{n:02d}"] >= 1 for n in range(1, 5)), used
    assert sum(not row["greeting_ok"] for row in gold.values()) >= 8
    assert sum(row["greeting_ok"] and not row["forbidden"] for row in gold.values()) >= 8  # compliant calls too


def test_clean_and_hard_labels_are_the_holdout_labels():
    source = (HOLDOUT / "holdout2.gold.jsonl").read_bytes()
    for sub in ("clean", "hard"):
        assert (HOLDOUT / sub / "calls.gold.jsonl").read_bytes() == source, f"{sub}/calls.gold.jsonl: rerun build.sh (TRANSCRIBE=0 copies it)"


def test_no_recording_is_committed():
    audio = {".wav", ".mp3", ".amr", ".opus", ".ogg", ".m4a", ".flac", ".aac", ".wma"}
    assert not [p for p in HOLDOUT.rglob("*") if p.suffix.lower() in audio]
