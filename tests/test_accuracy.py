"""Accuracy on the labelled development set and on real service chats (issue targets as assertions)."""

from __future__ import annotations

import pytest

from helpers import REPO, SHARED
from phrasecheck.config.profile import Profile
from phrasecheck.data import ROLES_INFERRED
from phrasecheck.engine.run import check_paths
from phrasecheck.inputs.readers import read_file
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


# samples/eval-paraphrase*: written apart from the lexicon. The first set was measured once as written (0.962 /
# 0.490), then used to tune words.yaml's synonyms and the forms. Four more sets by other writers (northern phone
# speech, southern chat, rude words inside long business talk with hard look-alikes, four agent types mixed) were
# first measured as written at 0.959 / 0.598, 0.940 / 0.538, 0.767 / 0.393 and 0.913 / 0.718 (precision / recall),
# then used to tune; two more (a bureaucratic utility hotline in Sichuan words, fast-typing young chat agents) at
# 1.000 / 0.547 and 0.970 / 0.821; two more (sarcastic hospital and bank agents, condescending white-collar agents
# mixing English words) at 0.970 / 0.821 and 0.959 / 0.607; one more (county-town agents in 中原官话 and 西北话, a third of
# the lines with the recognizer's homophones) at 0.941 / 0.547; one more (curt 江浙沪 and 湘鄂 hotline agents) at
# 0.961 / 0.419, and 0.966 / 0.487 after the eval-reword banks, before it was read. Floors, not held-out figures.
@pytest.mark.parametrize(
    "gold_file,precision,recall",
    [
        ("eval-paraphrase/paraphrase.gold.jsonl", 1.0, 0.9),
        ("eval-paraphrase2/eval-paraphrase2.gold.jsonl", 0.99, 0.9),
        ("eval-paraphrase3/eval-paraphrase3.gold.jsonl", 1.0, 0.88),
        ("eval-paraphrase4/eval-paraphrase4.gold.jsonl", 0.99, 0.85),
        ("eval-paraphrase5/eval-paraphrase5.gold.jsonl", 0.99, 0.9),
        ("eval-paraphrase6/eval-paraphrase6.gold.jsonl", 1.0, 0.92),
        ("eval-paraphrase7/eval-paraphrase7.gold.jsonl", 1.0, 0.95),
        ("eval-paraphrase8/eval-paraphrase8.gold.jsonl", 1.0, 0.93),
        ("eval-paraphrase9/eval-paraphrase9.gold.jsonl", 0.98, 0.85),
        ("eval-paraphrase10/eval-paraphrase10.gold.jsonl", 1.0, 0.9),
        ("eval-paraphrase11/eval-paraphrase11.gold.jsonl", 0.98, 0.6),
    ],
)
def test_forbidden_phrases_said_in_other_words(checker, gold_file, precision, recall):
    gold_path = REPO / "samples" / gold_file
    forbidden_held_to(checker, gold_path, [gold_path.parent], precision, recall)


def forbidden_held_to(checker, gold_path, inputs, precision: float, recall: float):
    """Checks inputs against gold_path's labels and holds the forbidden phrases to the floors; the run
    and the gold, for more checks."""
    gold, errors = load_gold(gold_path)
    assert not errors
    run = check_paths(inputs, checker, Profile())
    result = evaluate(run.results, gold)
    t = result.categories["forbidden"]
    wrong = [d for d in result.disagreements if d.category == "forbidden"]
    assert t.precision >= precision, wrong
    assert t.recall >= recall, wrong
    return run, gold


# samples/eval-reword/: banks of breadth, each a file pair in one folder, measured as written then used to
# widen the halves' word lists (README there). Floors, not held-out figures.
@pytest.mark.parametrize(
    ("bank", "precision", "recall"),
    # p, q, r and t are polite banks (no forbidden label): precision 1.0 there is no false finding at all
    [
        ("a", 1.0, 0.93),
        ("b", 1.0, 0.9),
        ("c", 0.99, 0.97),
        ("p", 1.0, 1.0),
        ("q", 1.0, 1.0),
        ("r", 1.0, 1.0),
        ("d", 1.0, 0.9),
        ("e", 1.0, 0.97),
        ("t", 1.0, 1.0),
    ],
)
def test_rewording_banks(checker, bank, precision, recall):
    folder = REPO / "samples" / "eval-reword"
    run, gold = forbidden_held_to(checker, folder / f"{bank}.gold.jsonl", [folder / f"{bank}.jsonl"], precision, recall)
    assert not run.errors and {r.conversation.conversation_id for r in run.results} == set(gold)


def test_polite_bank_s_keeps_at_most_its_one_known_false_finding(checker):
    """Bank s puts a rule's two halves in two polite agent turns or two sentences of one turn. One false
    finding is read and kept: 船票改签就这么说定了 怎么样您明早七点来码头 says F10's own words (就这么说…怎么样)
    as a settled proposal. The count may only go down."""
    folder = REPO / "samples" / "eval-reword"
    gold, errors = load_gold(folder / "s.gold.jsonl")
    assert not errors
    run = check_paths([folder / "s.jsonl"], checker, Profile())
    wrong = {(d.conversation_id, d.id, d.verdict) for d in evaluate(run.results, gold).disagreements if d.category == "forbidden"}
    assert wrong <= {("rw-s-256", "F10", "false positive")}, wrong
    assert not run.errors and {r.conversation.conversation_id for r in run.results} == set(gold)


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
    findings = [f for r in real_run.results for f in r.findings if f.kind in ("forbidden", "opener")]
    found = [(f.id, f.text) for f in findings if f.severity != "review"]
    assert len(found) <= REAL_GENUINE_FORBIDDEN, found
    # listed for review (复核) at no cost: the n-gram model's levels let at most three real lines a rule through
    listed = [f for f in findings if f.severity == "review" and "n-gram model" in f.message]
    assert all(sum(f.id == rule for f in listed) <= 3 for rule in {f.id for f in listed}), [(f.id, f.text) for f in listed]


def test_courtesy_found_in_real_chats(real_run):
    used = [c for r in real_run.results for c in r.courtesy]
    by_id = {c.id for c in used}
    assert {"C01", "C03", "C06", "C07"} <= by_id  # 您好, 谢谢, 再见, 请稍等 are everyday words there
    assert all(c.text and c.text in r.conversation.turns[c.turn].text for r in real_run.results for c in r.courtesy)
    assert sum(1 for r in real_run.results if "C01" in r.courtesy_used) > len(real_run.results) / 3


# The calls sets, heard through the calls pipeline: synthetic calls labelled from what the agent SAID
# (*.gold.jsonl, scripts in *.script.jsonl) and the base model's transcripts of their recordings
# (calls.jsonl, made by each set's build.sh: TTS, 8 kHz stereo, `phrasecheck transcribe` with acoustic
# verification, to_chat.py). A rebuild gives different ASR text: re-measure these floors with it.
# Measured on the committed transcripts (issue #11, docs/accuracy.md):
#   eval-calls (clean, 32 calls):              forbidden P 1.000 R 1.000, openers 1.000, courtesy F1 0.995, greeting 1.000
#   eval-calls-hard (degraded, 36 calls):      forbidden P 1.000 R 0.87,  openers 1.000, courtesy F1 0.986, greeting 1.000
#   eval-calls-holdout*, clean / hard:         see README; each was measured once as held out, then read to fix
#                                              general rules, so all five are regression sets now
CALLS_GOLD = REPO / "samples" / "eval-calls" / "calls.gold.jsonl"
CALL_SETS = {
    # set folder: (forbidden recall, openers recall, courtesy F1, greeting accuracy) floors
    "eval-calls": (0.95, 0.90, 0.95, 0.95),
    "eval-calls-hard": (0.90, 0.90, 0.95, 0.95),
    "eval-calls-holdout/clean": (0.85, 0.90, 0.95, 0.95),
    "eval-calls-holdout/hard": (0.75, 0.90, 0.92, 0.95),
    "eval-calls-holdout2/clean": (0.85, 0.90, 0.95, 0.95),
    "eval-calls-holdout2/hard": (0.75, 0.80, 0.90, 0.90),
    "eval-calls-holdout3/clean": (0.85, 0.90, 0.95, 0.95),
    "eval-calls-holdout3/hard": (0.85, 0.90, 0.92, 0.90),
    "eval-calls-holdout4/clean": (0.80, 0.90, 0.95, 0.95),
    "eval-calls-holdout4/hard": (0.70, 0.80, 0.92, 0.90),
    "eval-calls-holdout5/clean": (0.90, 0.85, 0.95, 0.95),
    "eval-calls-holdout5/hard": (0.85, 0.85, 0.90, 0.90),
    "eval-calls-holdout6/clean": (0.90, 0.80, 0.95, 0.95),
    "eval-calls-holdout6/hard": (0.75, 0.80, 0.95, 0.95),
    "eval-calls-holdout7/clean": (0.90, 0.90, 0.93, 0.95),
    "eval-calls-holdout7/hard": (0.75, 0.90, 0.93, 0.95),
    "eval-calls-holdout8/clean": (0.90, 0.90, 0.93, 0.95),
    "eval-calls-holdout8/hard": (0.65, 0.80, 0.93, 0.95),  # two finds heard only faintly are for review (checker.HEARD_SURE)
    "eval-calls-holdout9/clean": (0.80, 0.80, 0.93, 0.95),
    "eval-calls-holdout9/hard": (0.65, 0.85, 0.92, 0.95),
    "eval-calls-holdout10/clean": (0.80, 0.90, 0.92, 0.90),
    "eval-calls-holdout10/hard": (0.70, 0.85, 0.85, 0.90),
    "eval-calls-holdout11/clean": (0.70, 0.85, 0.93, 0.95),
    "eval-calls-holdout11/hard": (0.65, 0.75, 0.92, 0.95),
    # the recognizer garbles holdout12's 入住咨询处 (资行处) past what the audio confirms, so two greetings name no company
    "eval-calls-holdout12/clean": (0.70, 0.90, 0.93, 0.90),
    "eval-calls-holdout12/hard": (0.65, 0.90, 0.90, 0.90),
    # holdout13's degraded copies lose most rewordings to the recognizer (script text 0.923, clean 0.667, degraded 0.410)
    "eval-calls-holdout13/clean": (0.62, 0.90, 0.95, 0.95),
    "eval-calls-holdout13/hard": (0.38, 0.80, 0.93, 0.95),
    # holdout14 was first measured at 0.615 / 0.205 clean, 0.700 / 0.179 degraded (docs/accuracy.md), then read
    "eval-calls-holdout14/clean": (0.60, 0.80, 0.95, 0.90),
    "eval-calls-holdout14/hard": (0.42, 0.80, 0.95, 0.90),
    # holdout15, measured once with session 27's final pipeline (docs/accuracy.md), then read for its false findings only
    "eval-calls-holdout15/clean": (0.25, 0.90, 0.95, 0.95),
    "eval-calls-holdout15/hard": (0.15, 0.75, 0.93, 0.90),
    # holdout16, measured once mid-session 28 (0.882 / 0.385 clean, 0.923 / 0.308 degraded), then read
    "eval-calls-holdout16/clean": (0.62, 0.90, 0.95, 0.95),
    "eval-calls-holdout16/hard": (0.40, 0.90, 0.93, 0.95),
    # holdout17, measured once in session 29 (0.944 / 0.436 clean, 0.889 / 0.410 degraded), then read
    "eval-calls-holdout17/clean": (0.70, 0.90, 0.95, 0.95),
    "eval-calls-holdout17/hard": (0.60, 0.85, 0.93, 0.95),
    # holdout18, measured once in session 30 (0.933 / 0.359 clean, 1.000 / 0.308 degraded), then read
    "eval-calls-holdout18/clean": (0.64, 0.90, 0.95, 0.95),
    "eval-calls-holdout18/hard": (0.50, 0.85, 0.93, 0.90),
    # holdout19, measured once at session 35's start (1.000 / 0.667 clean, 1.000 / 0.538 degraded), then read
    # and learnt (0.897, 0.718 on these transcripts); its greetings' garbled company taken as said (0.900 -> 1.0)
    "eval-calls-holdout19/clean": (0.87, 0.95, 0.95, 0.95),
    "eval-calls-holdout19/hard": (0.69, 0.80, 0.93, 0.95),
    # holdout20, measured once at session 36's start (1.000 / 0.590 clean, 1.000 / 0.538 degraded), then read
    # and learnt (0.872, 0.821 on these transcripts, rebuilt in session 38 with pipeline 8)
    "eval-calls-holdout20/clean": (0.85, 0.80, 0.95, 0.95),
    "eval-calls-holdout20/hard": (0.78, 0.90, 0.94, 0.95),
    # holdout21, measured once at session 36's end (1.000 / 0.615 clean, 1.000 / 0.564 degraded), then read and
    # learnt in session 37 (0.821, 0.718 on these transcripts)
    "eval-calls-holdout21/clean": (0.80, 0.90, 0.95, 0.95),
    "eval-calls-holdout21/hard": (0.70, 0.80, 0.95, 0.95),
    # holdout22, measured once at session 37's start (1.000 / 0.513 clean, 0.944 / 0.436 degraded), then read and
    # learnt (0.846, 0.692 on these transcripts, rebuilt in session 38 with pipeline 8: its degraded 014's greeting,
    # lost in decoding before, now reads)
    "eval-calls-holdout22/clean": (0.82, 0.85, 0.95, 0.95),
    "eval-calls-holdout22/hard": (0.66, 0.90, 0.95, 0.95),
    # holdout23, measured once at session 38's start (1.000 / 0.538 clean, 1.000 / 0.487 degraded), then read and
    # learnt (0.821, 0.769 on these transcripts)
    "eval-calls-holdout23/clean": (0.80, 0.90, 0.95, 0.95),
    "eval-calls-holdout23/hard": (0.74, 0.80, 0.93, 0.95),
    # holdout24, measured once mid-session 38 (1.000 / 0.615 clean, 1.000 / 0.513 degraded), then read and
    # learnt (0.744, 0.564 on these transcripts: most of its misses are turns the recognizer garbled or lost)
    "eval-calls-holdout24/clean": (0.72, 0.80, 0.95, 0.95),
    "eval-calls-holdout24/hard": (0.54, 0.90, 0.93, 0.95),
    # holdout25, measured once at session 39's start (1.000 / 0.538 clean, 1.000 / 0.513 degraded), then read and
    # learnt (0.769, 0.769 on these transcripts, the degraded rebuilt in session 40 with voices that undecided calls
    # settle by the text's roles)
    "eval-calls-holdout25/clean": (0.75, 0.90, 0.95, 0.95),
    "eval-calls-holdout25/hard": (0.75, 0.80, 0.95, 0.95),
    # holdout26, measured once in session 39 (0.957 / 0.564 clean, 0.938 / 0.385 degraded), then read and learnt in
    # session 40 (0.795, 0.513 on these transcripts: most of the degraded misses are turns the recognizer lost or garbled)
    "eval-calls-holdout26/clean": (0.77, 0.95, 0.95, 0.95),
    "eval-calls-holdout26/hard": (0.50, 0.75, 0.95, 0.95),
    # holdout27, measured once at session 40's start (1.000 / 0.641 clean, 1.000 / 0.564 degraded), then read and
    # learnt (0.795, 0.744 on these transcripts; degraded openers 0.882: 021's 找谁 went with the customer's words when
    # the voices were rebuilt)
    "eval-calls-holdout27/clean": (0.77, 0.95, 0.95, 0.95),
    "eval-calls-holdout27/hard": (0.72, 0.85, 0.93, 0.95),
    # holdout28, measured once at session 41's start (1.000 / 0.667 clean, 1.000 / 0.564 degraded; greeting 0.667
    # and 0.567: its trades' names, 驿站, 换电客服, 旧机回收, were no company to the greeting check, 1.000 and 0.933
    # since a name of its own in the company's place counts), then read and learnt (0.846, 0.744 on these transcripts;
    # degraded openers 0.750: 021's and 027's openers went with the customer's words on single-channel copies)
    "eval-calls-holdout28/clean": (0.84, 0.95, 0.97, 0.95),
    "eval-calls-holdout28/hard": (0.74, 0.75, 0.94, 0.90),
    # holdout29, measured once at session 42's start (0.958 / 0.590 clean: the recognizer's 喂啥调 for 为啥调 read as F01;
    # 1.000 / 0.538 degraded; openers clean 0.875: 021's 喂 dropped, 029's lone 喂 decoded 努努), then read and learnt
    # (0.846, 0.769 on these transcripts; degraded greeting 0.967: 011's 我姓禚 decoded 我的记录)
    "eval-calls-holdout29/clean": (0.84, 0.85, 0.97, 0.95),
    "eval-calls-holdout29/hard": (0.76, 0.95, 0.93, 0.95),
    # holdout30, measured once at session 43's start (0.929 / 0.667 clean, 0.958 / 0.590 degraded: 您延到下午 read as F03, a
    # notice's 有事明天再来 read out as F07, both cleared; openers degraded 0.778: 021's 哪里 went with the customer on its
    # dual-mono copy, which pipeline 9 gives back to the agent, 027's 喂，哪里 decoded 对,脑筋, 028's 找谁 decoded 找心), then
    # read and learnt (0.769, 0.744 on these transcripts)
    "eval-calls-holdout30/clean": (0.76, 0.95, 0.95, 0.95),
    "eval-calls-holdout30/hard": (0.74, 0.75, 0.94, 0.95),
    # holdout31, measured once at session 43 (0.962 / 0.641 clean, 0.952 / 0.513 degraded: 通知不到位 read as F02 on every
    # copy, cleared; openers degraded 0.875: 021's 喂，哪里 not decoded), then read and learnt (0.872, 0.692 on these
    # transcripts; its customer's voice is the agent's own, pitch 0.99, so on single-channel copies seven agent turns
    # went to the customer)
    "eval-calls-holdout31/clean": (0.87, 0.95, 0.97, 0.95),
    "eval-calls-holdout31/hard": (0.69, 0.85, 0.95, 0.95),
    # holdout32, measured once at session 44's start (0.963 / 0.667 clean: a notice's 下班，有事明天再来办 read out as F07,
    # cleared; 1.000 / 0.564 degraded; greeting degraded 0.933), then read and learnt, with the n-gram model counting where
    # the same agent was caught (0.923, 0.744 on these transcripts)
    "eval-calls-holdout32/clean": (0.92, 0.95, 0.97, 0.95),
    "eval-calls-holdout32/hard": (0.74, 0.95, 0.94, 0.90),
    # holdout33, measured once at session 45's start (0.963 / 0.667 clean: a notice's closing hour read out as F07; 0.889 /
    # 0.410 degraded: the same notice and F04's 叫你吵疼了 read as F12, all cleared; openers clean 0.938: 027's lone 喂 not
    # decoded), then read and learnt (0.744, 0.436 on these transcripts: terse agents whose short rude turns the recognizer
    # garbles, and a customer's voice near the agent's, pitch 1.02, so on single-channel copies agent turns went to the customer)
    "eval-calls-holdout33/clean": (0.74, 0.90, 0.96, 0.95),
    "eval-calls-holdout33/hard": (0.43, 0.95, 0.95, 0.90),
}
# False findings a set is known to keep, each read (docs/accuracy.md): the count may only go down.
# holdout14 021: the audio fits 没看到 as well as the decoded 没翻到 (还没翻到？我这儿排着一长溜电话呢), which
# then reads as F05; 027: the decoder wrote the call's opening 喂喂，讲话 again mid-call (未未讲话), an F01.
# holdout16 018: 看能把我怎么着 is F10 to the lexicon on purpose (你能把我怎么样); its writer labelled the sentence F11 only;
# 011 degraded: the nagging turn (你一个劲儿催我有啥用…脑仁儿疼, F04) decoded past F04's words (催 as 推), and the n-gram
# model, counting since session 44, hears the other hurry rule, F05, in it.
KNOWN_FALSE = {
    ("eval-calls-holdout14/clean", "forbidden"): 2,
    ("eval-calls-holdout14/hard", "forbidden"): 1,
    ("eval-calls-holdout16/clean", "forbidden"): 1,
    ("eval-calls-holdout16/hard", "forbidden"): 2,
}
# courtesy precision floors below 0.97: on holdout10's single-channel copies the voices give the agent a
# customer's 你好 / 谢谢 said right after the agent's words (4 credits of 106); holdout16's the same on three
# single-channel copies (谢谢), and 最不起 (对不起) inside 对不起，打扰了, which the README counts as C04 too;
# holdout17's writer counted neither 谢谢 inside 谢谢您的批评指正 (C16) nor 对不起 inside 对不起，打扰了 (C19), which
# the lexicon counts on purpose (courtesy.yaml), and a customer's 你好 went to the agent on a dual-mono copy;
# holdout18's writer the same, and the recognizer wrote 谢谢 for the agent's closing 嗯 (012)
COURTESY_PRECISION = {
    "eval-calls-holdout10/hard": 0.95,
    "eval-calls-holdout16/hard": 0.95,
    "eval-calls-holdout17/hard": 0.95,
    "eval-calls-holdout18/clean": 0.96,
}


SINGLE_CHANNEL = ("mono-pcm", "amr-nb-12.2k", "dual-mono-alaw")  # hard/variants.tsv formats a scan decodes as mono


@pytest.fixture(scope="module", params=sorted(CALL_SETS))
def calls_eval(request, checker):
    gold_path = REPO / "samples" / request.param / "calls.gold.jsonl"
    if not (gold_path.parent / "calls.jsonl").exists():
        pytest.skip(f"{request.param}: no transcripts committed")
    gold, errors = load_gold(gold_path)
    assert not errors
    loaded = read_file(gold_path.parent / "calls.jsonl", Profile())
    assert not loaded.errors
    # A single-channel copy's transcript says its roles were inferred (to_chat.py keeps `roles`), as a
    # scan of its recording knows: some rules are judged so. Every such copy must say it.
    variants = gold_path.parent / "variants.tsv"
    mono = (
        {row.split("\t")[0] for row in variants.read_text(encoding="utf-8").splitlines()[1:] if row.split("\t")[2] in SINGLE_CHANNEL}
        if variants.exists()
        else set()
    )
    assert {c.conversation_id for c in loaded.conversations if c.roles == ROLES_INFERRED} == mono
    results = [checker.check(c) for c in loaded.conversations]
    return request.param, evaluate(results, gold)


def test_calls_set_is_fully_labelled(calls_eval):
    _, ev = calls_eval
    assert ev.greeting_total >= 24  # holdout3 has 24 calls, the others 30-36
    assert ev.unlabelled == 0 and not ev.errors


def test_calls_no_false_accusation_from_asr_text(calls_eval):
    # A forbidden or opener finding the gold does not have accuses an agent of words they never said.
    name, ev = calls_eval
    for category in ("forbidden", "openers"):
        t = ev.categories[category]
        assert t.fp <= KNOWN_FALSE.get((name, category), 0), [d for d in ev.disagreements if d.category == category and d.verdict == "false positive"]


def test_calls_recall_floors(calls_eval):
    name, ev = calls_eval
    forbidden_floor, openers_floor, _, _ = CALL_SETS[name]
    forbidden, openers = ev.categories["forbidden"], ev.categories["openers"]
    assert forbidden.recall >= forbidden_floor, [d for d in ev.disagreements if d.category == "forbidden"]
    assert openers.recall >= openers_floor, [d for d in ev.disagreements if d.category == "openers"]


def test_calls_courtesy(calls_eval):
    name, ev = calls_eval
    t = ev.categories["courtesy"]
    # precision: crediting an agent with a courtesy phrase the ASR invented is also wrong
    floor = COURTESY_PRECISION.get(name, 0.97)
    assert t.precision >= floor and t.f1 >= CALL_SETS[name][2], [d for d in ev.disagreements if d.category == "courtesy"]


def test_calls_greeting_accuracy(calls_eval):
    name, ev = calls_eval
    assert ev.greeting_accuracy >= CALL_SETS[name][3], [d for d in ev.disagreements if d.category == "greeting"]


def test_calls_script_text_matches_its_labels(checker):
    # The same calls as clean text: any disagreement here is a labelling or matching error, not ASR.
    from phrasecheck.inputs.readers import read_file  # the script is not an input for discover(), so read it directly

    gold, _ = load_gold(CALLS_GOLD)
    loaded = read_file(CALLS_GOLD.parent / "calls.script.jsonl", Profile())
    assert not loaded.errors
    ev = evaluate([checker.check(c) for c in loaded.conversations], gold)
    assert ev.disagreements == [] and ev.greeting_total == len(gold) and not ev.errors
