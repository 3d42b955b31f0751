"""--select / --ignore narrow what is reported and change nothing else, in check and in eval: rules
decide together (an opening 喂 is O01, not also F01; the greeting's script finds courtesy phrases),
so leaving one rule out must not add, drop or move another's finding. And eval's disagreements say
where a missed label's phrase came closest."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from phrasecheck.cli import main
from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation, Finding, Greeting, Result, Turn
from phrasecheck.engine.run import build_checker
from phrasecheck.inputs.readers import read_file
from phrasecheck.scoring.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]
# committed transcripts of degraded synthetic calls: openers, greetings, forbidden and courtesy phrases
CALLS = ROOT / "samples" / "eval-calls-holdout8" / "hard" / "calls.jsonl"
GOLD = CALLS.parent / "calls.gold.jsonl"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def outcome(checker, conversations):
    """Per conversation: the findings (id, turn, span, severity), courtesy used and greeting verdict."""
    out = {}
    for conv in conversations:
        r = checker.check(conv)
        findings = sorted((f.id, f.turn, f.start_char, f.end_char, f.severity) for f in r.findings)
        out[conv.conversation_id] = (findings, r.courtesy_used, r.greeting.ok, tuple(r.greeting.missing))
    return out


@pytest.fixture(scope="module")
def conversations():
    return read_file(CALLS, Profile()).conversations


@pytest.fixture(scope="module")
def everything(conversations):
    _, checker = build_checker(None, select=None, ignore=None)
    return outcome(checker, conversations)


@pytest.mark.parametrize(("select", "ignore"), [("F", None), ("O,C", None), ("C", None), (None, "O"), (None, "G,O"), (None, "C,F02")])
def test_a_selection_reports_exactly_the_full_checks_findings_of_its_rules(conversations, everything, select, ignore):
    profile, checker = build_checker(None, select=select, ignore=ignore)
    narrowed = outcome(checker, conversations)
    greeting_id = checker.lexicon.greeting.id
    assert set(narrowed) == set(everything)
    for cid, (findings, courtesy, ok, missing) in everything.items():
        want = ([f for f in findings if profile.enabled(f[0])], [c for c in courtesy if profile.enabled(c)])
        want += (ok, missing) if profile.enabled(greeting_id) else (True, ())
        assert narrowed[cid] == want, cid


def test_the_set_holds_what_the_selection_test_needs(everything):
    """The test above can fail only where the full check finds openers, forbidden and courtesy
    phrases and a failed greeting in the same calls."""
    ids = {f[0][0] for findings, *_ in everything.values() for f in findings}
    assert {"O", "F", "G"} <= ids
    assert any(courtesy for _, courtesy, *_ in everything.values())


def test_an_opening_wei_is_no_forbidden_phrase_when_openers_are_left_out(tmp_path):
    call = tmp_path / "call.jsonl"
    rows = [
        {"conversation_id": "c1", "agent_id": "A1", "role": "agent", "roles": "channels", "text": "喂，哪位？", "start_s": 0.3, "end_s": 1.2},
        {"conversation_id": "c1", "agent_id": "A1", "role": "customer", "roles": "channels", "text": "我家停水了", "start_s": 2.0, "end_s": 3.5},
        {"conversation_id": "c1", "agent_id": "A1", "role": "agent", "roles": "channels", "text": "好的，我帮您查一下", "start_s": 4.0, "end_s": 5.5},
    ]
    call.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    full = json.loads(run("check", "--format", "json", call).output)["conversations"][0]
    assert {f["id"] for f in full["findings"]} >= {"O01"} and "F01" not in {f["id"] for f in full["findings"]}
    for option in (["--select", "F"], ["--ignore", "O"]):
        result = run("check", "--format", "json", *option, call)
        found = {f["id"] for f in json.loads(result.output)["conversations"][0]["findings"]}
        assert "F01" not in found and not any(i.startswith("O") for i in found)
        assert result.exit_code == 0


def test_eval_scores_only_the_selected_rules(tmp_path):
    full, narrowed = tmp_path / "full.json", tmp_path / "f.json"
    assert run("eval", "-q", "--json", full, GOLD).exit_code == 0
    assert run("eval", "-q", "--json", narrowed, "--select", "F", GOLD).exit_code == 0
    a, b = json.loads(full.read_text()), json.loads(narrowed.read_text())
    assert set(a["categories"]) == {"forbidden", "openers", "courtesy"} and a["greeting_accuracy"] is not None
    assert set(b["categories"]) == {"forbidden"} and b["greeting_accuracy"] is None
    assert b["categories"]["forbidden"] == a["categories"]["forbidden"]
    assert b["conversations"] == a["conversations"] == sum(1 for line in GOLD.open(encoding="utf-8") if line.strip())
    assert {d["category"] for d in b["disagreements"]} <= {"forbidden"}
    # one rule: its labels only (a label of another rule is not this selection's miss)
    one = tmp_path / "one.json"
    run("eval", "-q", "--json", one, "--select", "F09", GOLD)
    c = json.loads(one.read_text())
    assert set(c["per_id"]) == {"F09"} and c["per_id"]["F09"] == a["per_id"]["F09"]


def _result(turns, findings=()):
    conv = Conversation("c1", "A1", "x.jsonl", [Turn(role, text) for role, text in turns])
    return Result(conversation=conv, findings=list(findings), courtesy=[], greeting=Greeting(ok=True, text=""))


def test_a_missed_label_points_at_the_agent_turn_closest_to_its_phrase():
    """A QA lead reading eval's disagreements sees where the phrase was said (or garbled), not the
    whole conversation; a finding for review is said to be one; a phrase said nowhere is said so."""
    r = _result([("agent", "您好，请问有什么可以帮您？"), ("customer", "我的快递呢"), ("agent", "急甚么呀，我这边忙着呢"), ("agent", "再见")])
    (miss,) = evaluate([r], {"c1": {"conversation_id": "c1", "forbidden": ["F05"]}}, phrases={"F05": "急什么,没看到我在忙着吗?"}).disagreements
    assert miss.verdict == "missed" and miss.text.startswith("turn 3: 急甚么呀，我这边忙着呢") and "% alike" in miss.text
    nowhere = evaluate([r], {"c1": {"conversation_id": "c1", "forbidden": ["F11"]}}, phrases={"F11": "有本事你去告"}).disagreements[0]
    assert nowhere.text.startswith("no agent turn comes close to 有本事你去告")
    review = Finding("F05", "forbidden", 2, 0, 3, "急甚么", 80.0, severity="review")
    listed = evaluate([_result([(t.role, t.text) for t in r.conversation.turns], [review])], {"c1": {"conversation_id": "c1", "forbidden": ["F05"]}})
    assert listed.disagreements[0].text == "急甚么  (found with severity review: not counted)"
    assert listed.categories["forbidden"].fn == 1
    # the review queue is tallied apart: the missed label it holds, and a rule it lists that no label names
    assert (listed.categories["forbidden"].review, listed.categories["forbidden"].review_unlabelled) == (1, 0)
    other = replace(review, id="F04")
    noisy = evaluate([_result([(t.role, t.text) for t in r.conversation.turns], [review, other])], {"c1": {"conversation_id": "c1", "forbidden": ["F05"]}})
    assert noisy.as_dict()["categories"]["forbidden"].items() >= {"fn": 1, "fp": 0, "review": 1, "review_unlabelled": 1}.items()


def test_eval_of_a_selection_without_labelled_rules_is_a_usage_error_and_of_the_greeting_alone_its_accuracy():
    none = run("eval", "--select", "B", GOLD)
    assert none.exit_code == 2 and "leave no labelled rule to measure" in none.output and "Traceback" not in none.output
    greeting = run("eval", "-q", "--select", "G", GOLD)
    assert greeting.exit_code == 0 and "greeting accuracy:" in greeting.output and "forbidden" not in greeting.output
