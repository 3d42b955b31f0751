"""The held-out calls sets (samples/eval-calls-holdout, -holdout2 ... -holdout34): their labels and files hang together.

Structure only. The checker is deliberately not run on these scripts here: a test that asserted its
results would turn a held-out set into one more set to tune on. Once a set is measured and spent,
tests/test_accuracy.py holds floors for its committed transcripts (docs/accuracy.md says which were measured when).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml

from helpers import REPO
from phrasecheck.scoring.evaluate import load_gold

LEXICON = REPO / "src" / "phrasecheck" / "lexicons" / "default"
# folder, file stem, call ids, agents
SETS = {
    "eval-calls-holdout": ("holdout", [f"call-hold-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(4001, 4009)}),
    "eval-calls-holdout2": ("holdout2", [f"call-h2-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(5001, 5009)}),
    "eval-calls-holdout3": ("holdout3", [f"call-h3-{n:03d}" for n in range(1, 25)], {f"A{n}" for n in range(6001, 6007)}),
    "eval-calls-holdout4": ("holdout4", [f"call-h4-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(7001, 7009)}),
    "eval-calls-holdout5": ("holdout5", [f"call-h5-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(8001, 8009)}),
    "eval-calls-holdout6": ("holdout6", [f"call-h6-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9001, 9009)}),
    "eval-calls-holdout7": ("holdout7", [f"call-h7-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9501, 9509)}),
    "eval-calls-holdout8": ("holdout8", [f"call-h8-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9601, 9609)}),
    "eval-calls-holdout9": ("holdout9", [f"call-h9-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9701, 9709)}),
    "eval-calls-holdout10": ("holdout10", [f"call-h10-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9801, 9809)}),
    "eval-calls-holdout11": ("holdout11", [f"call-h11-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9901, 9909)}),
    "eval-calls-holdout12": ("holdout12", [f"call-h12-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9911, 9919)}),
    "eval-calls-holdout13": ("holdout13", [f"call-h13-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9921, 9929)}),
    "eval-calls-holdout14": ("holdout14", [f"call-h14-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9931, 9939)}),
    "eval-calls-holdout15": ("holdout15", [f"call-h15-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9941, 9949)}),
    "eval-calls-holdout16": ("holdout16", [f"call-h16-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9951, 9959)}),
    "eval-calls-holdout17": ("holdout17", [f"call-h17-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9961, 9969)}),
    "eval-calls-holdout18": ("holdout18", [f"call-h18-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9671, 9679)}),
    "eval-calls-holdout19": ("holdout19", [f"call-h19-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9681, 9689)}),
    "eval-calls-holdout20": ("holdout20", [f"call-h20-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9691, 9699)}),
    "eval-calls-holdout21": ("holdout21", [f"call-h21-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9681, 9689)}),
    "eval-calls-holdout22": ("holdout22", [f"call-h22-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9711, 9719)}),
    "eval-calls-holdout23": ("holdout23", [f"call-h23-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9721, 9729)}),
    "eval-calls-holdout24": ("holdout24", [f"call-h24-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9731, 9739)}),
    "eval-calls-holdout25": ("holdout25", [f"call-h25-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9741, 9749)}),
    "eval-calls-holdout26": ("holdout26", [f"call-h26-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9751, 9759)}),
    "eval-calls-holdout27": ("holdout27", [f"call-h27-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9761, 9769)}),
    "eval-calls-holdout28": ("holdout28", [f"call-h28-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9771, 9779)}),
    "eval-calls-holdout29": ("holdout29", [f"call-h29-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9781, 9789)}),
    "eval-calls-holdout30": ("holdout30", [f"call-h30-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9791, 9799)}),
    "eval-calls-holdout31": ("holdout31", [f"call-h31-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9801, 9809)}),
    "eval-calls-holdout32": ("holdout32", [f"call-h32-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9811, 9819)}),
    "eval-calls-holdout33": ("holdout33", [f"call-h33-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9821, 9829)}),
    "eval-calls-holdout34": ("holdout34", [f"call-h34-{n:03d}" for n in range(1, 31)], {f"A{n}" for n in range(9831, 9839)}),
}

# holdout26 026 and holdout27-34 023: the customer speaks first, then a silence, then the agent's blunt opener
CUSTOMER_FIRST = {"call-h26-026", *(f"call-h{n}-023" for n in range(27, 35))}


@pytest.fixture(params=sorted(SETS))
def holdout(request):
    stem, ids, agents = SETS[request.param]
    folder = REPO / "samples" / request.param
    lines = (folder / f"{stem}.script.jsonl").read_text(encoding="utf-8").splitlines()
    script = [json.loads(line) for line in lines if line.strip()]
    gold, errors = load_gold(folder / f"{stem}.gold.jsonl")
    assert not errors
    return folder, stem, ids, agents, script, gold


def test_every_scripted_call_has_exactly_one_label(holdout):
    _, _, ids, _, script, gold = holdout
    assert sorted(gold) == list(dict.fromkeys(m["conversation_id"] for m in script)) == ids


def test_the_calls_are_their_own_agents_and_every_call_has_both_parties(holdout):
    _, _, ids, agents, script, _ = holdout
    assert {m["agent_id"] for m in script} == agents
    for cid in ids:
        roles = [m["role"] for m in script if m["conversation_id"] == cid]
        assert (roles[0] == "agent" or cid in CUSTOMER_FIRST) and "agent" in roles and "customer" in roles, cid


def test_labels_use_the_shipped_rule_ids_and_cover_every_forbidden_phrase_and_opener(holdout):
    *_, gold = holdout
    known = {
        p["id"] for name in ("forbidden", "openers", "courtesy") for p in yaml.safe_load((LEXICON / f"{name}.yaml").read_text(encoding="utf-8"))["phrases"]
    }
    used = Counter(i for row in gold.values() for c in ("forbidden", "openers", "courtesy") for i in row[c])
    assert set(used) <= known, set(used) - known
    assert all(used[f"F{n:02d}"] >= 2 for n in range(1, 14)), used
    assert all(used[f"O{n:02d}"] >= 1 for n in range(1, 5)), used
    assert sum(not row["greeting_ok"] for row in gold.values()) >= 8
    assert sum(row["greeting_ok"] and not row["forbidden"] for row in gold.values()) >= 6  # compliant calls too (sets 5-8 have 6: ten calls go to openers)


def test_clean_and_hard_labels_are_the_holdout_labels(holdout):
    folder, stem, *_ = holdout
    source = (folder / f"{stem}.gold.jsonl").read_bytes()
    for sub in ("clean", "hard"):
        assert (folder / sub / "calls.gold.jsonl").read_bytes() == source, f"{sub}/calls.gold.jsonl: rerun build.sh (TRANSCRIBE=0 copies it)"


def test_no_recording_is_committed(holdout):
    folder, *_ = holdout
    audio = {".wav", ".mp3", ".amr", ".opus", ".ogg", ".m4a", ".flac", ".aac", ".wma"}
    assert not [p for p in folder.rglob("*") if p.suffix.lower() in audio]


@pytest.mark.parametrize(
    "stem",
    [
        "holdout19",
        "holdout20",
        "holdout21",
        "holdout22",
        "holdout23",
        "holdout24",
        "holdout25",
        "holdout26",
        "holdout27",
        "holdout28",
        "holdout29",
        "holdout30",
        "holdout31",
        "holdout32",
        "holdout33",
        "holdout34",
    ],
)
def test_where_each_forbidden_label_was_said_agrees_with_the_gold(stem):
    # these sets record, per forbidden label, the agent's words and how far they are from the seed's
    folder = REPO / "samples" / f"eval-calls-{stem}"
    gold, _ = load_gold(folder / f"{stem}.gold.jsonl")
    script = [json.loads(line) for line in (folder / f"{stem}.script.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    where = [json.loads(line) for line in (folder / f"{stem}.where.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sorted((w["conversation_id"], w["id"]) for w in where) == sorted((cid, f) for cid, row in gold.items() for f in row["forbidden"])
    assert Counter(w["degree"] for w in where) == {"close": 13, "varied": 13, "reworded": 13}
    for w in where:
        agent = "".join(m["text"] for m in script if m["conversation_id"] == w["conversation_id"] and m["role"] == "agent")
        assert all(part in agent for part in w["said"].split(" … ")), w
