"""Accuracy on the labelled development set and on real service chats (issue targets as assertions)."""

from __future__ import annotations

import pytest

from helpers import REPO, SHARED
from phrasecheck.config.profile import Profile
from phrasecheck.engine.run import check_paths
from phrasecheck.scoring.evaluate import evaluate, load_gold

REALDATA = SHARED / "realdata"
REAL_FILES = ["jddc_chats.jsonl", "stc3_weibo_helpdesk.jsonl", "mobilecs_calls.jsonl"]
# Forbidden findings on the real chats that a careful reader confirmed as genuine. Every finding
# these files gave was read; the count may only go up when a new one is read and found genuine.
REAL_GENUINE_FORBIDDEN = 0


@pytest.fixture(scope="module")
def dev_eval(checker):
    gold_path = REPO / "samples" / "eval" / "dev.gold.jsonl"
    gold, errors = load_gold(gold_path)
    assert not errors
    run = check_paths([gold_path.parent], checker, Profile())
    assert not run.errors
    return evaluate(run.results, gold)


def test_dev_set_is_large_and_fully_labelled(dev_eval):
    assert dev_eval.greeting_total >= 150
    assert dev_eval.unlabelled == 0 and not dev_eval.errors


def test_forbidden_precision_and_recall(dev_eval):
    t = dev_eval.categories["forbidden"]
    assert t.precision >= 0.98, [d for d in dev_eval.disagreements if d.category == "forbidden"]
    assert t.recall >= 0.98, [d for d in dev_eval.disagreements if d.category == "forbidden"]


def test_openers_exact(dev_eval):
    t = dev_eval.categories["openers"]
    assert (t.precision, t.recall) == (1.0, 1.0), [d for d in dev_eval.disagreements if d.category == "openers"]


def test_greeting_accuracy(dev_eval):
    assert dev_eval.greeting_accuracy >= 0.97, [d for d in dev_eval.disagreements if d.category == "greeting"]


def test_courtesy_f1(dev_eval):
    assert dev_eval.categories["courtesy"].f1 >= 0.95, [d for d in dev_eval.disagreements if d.category == "courtesy"]


def test_every_rule_id_is_exercised_by_the_dev_set(dev_eval, lexicon):
    seen = {rule_id for rule_id, t in dev_eval.per_id.items() if t.tp}
    assert set(lexicon.ids()) - {"G01"} <= seen


def test_sample_day_matches_its_labels(checker):
    gold_path = REPO / "samples" / "chats" / "day-2026-11-26.gold.jsonl"
    gold, _ = load_gold(gold_path)
    ev = evaluate(check_paths([gold_path.parent], checker, Profile()).results, gold)
    assert ev.disagreements == [] and ev.greeting_total == len(gold)


@pytest.fixture(scope="module")
def real_run(checker):
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    return check_paths([REALDATA / f for f in REAL_FILES], checker, Profile())


def test_no_false_accusations_on_real_chats(real_run):
    assert not real_run.errors
    found = [(r.conversation.conversation_id, f.id, f.text) for r in real_run.results for f in r.findings if f.kind in ("forbidden", "opener")]
    assert len(found) <= REAL_GENUINE_FORBIDDEN, found


def test_courtesy_found_in_real_chats(real_run):
    used = [c for r in real_run.results for c in r.courtesy]
    by_id = {c.id for c in used}
    assert {"C01", "C03", "C06", "C07"} <= by_id  # 您好, 谢谢, 再见, 请稍等 are everyday words there
    assert all(c.text and c.text in r.conversation.turns[c.turn].text for r in real_run.results for c in r.courtesy)
    assert sum(1 for r in real_run.results if "C01" in r.courtesy_used) > len(real_run.results) / 3


# The calls-derived part of the eval set (issue #5): samples/eval-calls/ holds 32 synthetic calls
# labelled from what the agent SAID (calls.gold.jsonl, scripts in calls.script.jsonl) and the base
# model's transcripts of their recordings (calls.jsonl, made by build.sh: TTS, 8 kHz stereo, -45 dBFS
# noise, `phrasecheck transcribe`). Measured on the committed calls.jsonl (lexicon after adding the
# ASR variants 我{信|心…}× and 不客请 that this set showed):
#   forbidden precision 1.000 (0 fp), recall 0.800 (16/20); openers precision 1.000, recall 0.600 (3/5);
#   courtesy precision 1.000, recall 0.915, F1 0.956; greeting accuracy 0.844 (27/32).
# Every miss comes from the ASR (the script text itself agrees with the gold on every label, see the
# last test); a rebuild of calls.jsonl gives different ASR text, so re-measure these floors with it.
CALLS_GOLD = REPO / "samples" / "eval-calls" / "calls.gold.jsonl"


@pytest.fixture(scope="module")
def calls_eval(checker):
    gold, errors = load_gold(CALLS_GOLD)
    assert not errors
    run = check_paths([CALLS_GOLD.parent], checker, Profile())
    assert not run.errors
    assert run.files == 1  # calls.jsonl only: the script and the gold beside it are not inputs
    return evaluate(run.results, gold)


def test_calls_set_is_fully_labelled(calls_eval):
    assert calls_eval.greeting_total >= 30
    assert calls_eval.unlabelled == 0 and not calls_eval.errors


def test_calls_no_false_accusation_from_asr_text(calls_eval):
    # A forbidden or opener finding the gold does not have accuses an agent of words they never said.
    for category in ("forbidden", "openers"):
        t = calls_eval.categories[category]
        assert t.fp == 0 and t.precision == 1.0, [d for d in calls_eval.disagreements if d.category == category and d.verdict == "false positive"]


def test_calls_recall_floors(calls_eval):
    forbidden, openers = calls_eval.categories["forbidden"], calls_eval.categories["openers"]
    assert forbidden.recall >= 0.70, [d for d in calls_eval.disagreements if d.category == "forbidden"]
    assert openers.recall >= 0.55, [d for d in calls_eval.disagreements if d.category == "openers"]


def test_calls_courtesy(calls_eval):
    t = calls_eval.categories["courtesy"]
    # precision: crediting an agent with a courtesy phrase the ASR invented is also wrong
    assert t.precision >= 0.97 and t.f1 >= 0.93, [d for d in calls_eval.disagreements if d.category == "courtesy"]


def test_calls_greeting_accuracy(calls_eval):
    assert calls_eval.greeting_accuracy >= 0.75, [d for d in calls_eval.disagreements if d.category == "greeting"]


def test_calls_script_text_matches_its_labels(checker):
    # The same calls as clean text: any disagreement here is a labelling or matching error, not ASR.
    from phrasecheck.inputs.readers import read_file  # the script is not an input for discover(), so read it directly

    gold, _ = load_gold(CALLS_GOLD)
    loaded = read_file(CALLS_GOLD.parent / "calls.script.jsonl", Profile())
    assert not loaded.errors
    ev = evaluate([checker.check(c) for c in loaded.conversations], gold)
    assert ev.disagreements == [] and ev.greeting_total == len(gold) and not ev.errors
