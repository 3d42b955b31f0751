"""Masking on recognized speech: in a call, any run of 7+ digits or digit words is masked, whatever
its length (the recognizer drops and doubles digits); chats keep the number patterns alone."""

from __future__ import annotations

import json

import pytest

from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation, Run, Turn
from phrasecheck.report.folder import write_report_folder
from phrasecheck.report.redact import mask, redact_run

# A mobile heard with a digit too many or too few is no mobile to the patterns; each one here.
HEARD = [
    "我的电话是一三八一二三四五六七八九",  # 12 digit words
    "号码是138123456789",  # 12 digits
    "电话1381234567",  # 10 digits
    "号码幺三九 零零零 幺二三四 五",  # spaces
    "号码 138-1234-56789",  # dashes, 12 digits
    "报案号三七二零五八一九六四",  # 10 digit words
    "电话是幺两三四五六七",  # 7, with 幺 and 两
    "一三八，一二三四，五六七八九",  # commas where the speaker paused
]


@pytest.mark.parametrize("text", HEARD)
def test_call_digit_runs_are_masked_whatever_their_length(text):
    masked = mask(text, call=True)
    assert len(masked) == len(text)
    digits = [c for c in text if c in "0123456789〇零一幺二两三四五六七八九"]
    kept = [c for c, m in zip(text, masked) if m != "*" and c in "0123456789〇零一幺二两三四五六七八九"]
    assert len(digits) >= 7 and kept == []


@pytest.mark.parametrize("text", ["工单号123456", "一二三四五六", "二零二六年十一月", "一百三十八元", "三五成群，一一解答", "两三个小时", "第1、2、3条"])
def test_call_short_numbers_are_kept(text):
    assert mask(text, call=True) == text


def test_chat_masking_is_unchanged():
    assert mask("我的电话是一三八一二三四五六七八九") == "我的电话是一三八一二三四五六七八九"
    assert mask("电话1381234567") == "电话1381234567"


def _run() -> Run:
    call = Conversation(
        "c1",
        "A1",
        "c1.wav",
        [
            Turn("agent", "不知道您方便留个电话吗", start_s=1.0, end_s=3.0),
            Turn("customer", "一三八一二三四五六七八九", start_s=3.5, end_s=6.0),
        ],
        roles="channels",
    )
    chat = Conversation("m1", "A1", "m.jsonl", [Turn("agent", "您好"), Turn("customer", "一三八一二三四五六七八九")])
    from phrasecheck.config.lexicon import default_lexicon_dir
    from phrasecheck.engine.compiled import cached_checker

    chk = cached_checker(Profile(), default_lexicon_dir())
    return Run(results=[chk.check(call), chk.check(chat)], files=2)


def test_report_folder_masks_heard_numbers_in_calls_only(tmp_path):
    run = _run()
    shown = redact_run(run)
    assert shown.results[0].conversation.turns[1].text == "*" * 12
    assert shown.results[1].conversation.turns[1].text == "一三八一二三四五六七八九"
    write_report_folder(run, Profile(), tmp_path / "out", set())
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    texts = {c["conversation_id"]: [t["text"] for t in c["turns"]] for c in doc["conversations"]}
    assert texts["c1"][1] == "*" * 12 and texts["m1"][1] == "一三八一二三四五六七八九"
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.count("一三八一二三四五六七八九") == 1  # the chat's only


def test_eval_quotes_agent_turns_masked_unless_told_not_to(tmp_path):
    from click.testing import CliRunner

    from phrasecheck.cli import main

    lines = [
        {"conversation_id": "c1", "agent_id": "A1", "role": "agent", "text": "您好，阳光物业客服中心，我姓王，请问有什么可以帮您？急事也可以拨13812345678"},
        {"conversation_id": "c1", "agent_id": "A1", "role": "customer", "text": "电梯坏了谁来修？"},
        {"conversation_id": "c1", "agent_id": "A1", "role": "agent", "text": "请稍等，我帮您查一下。"},
    ]
    (tmp_path / "chat.jsonl").write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in lines), encoding="utf-8")
    # labelled a failed greeting: the disagreement (a missed failure) quotes the greeting, number and all
    gold = tmp_path / "chat.gold.jsonl"
    gold.write_text(json.dumps({"conversation_id": "c1", "greeting_ok": False, "forbidden": [], "openers": [], "courtesy": ["C07", "C10"]}) + "\n")
    masked = CliRunner().invoke(main, ["eval", str(gold), "--json", str(tmp_path / "ev.json")])
    assert masked.exit_code == 0, masked.output
    assert "13812345678" not in masked.output and "***********" in masked.output
    assert "13812345678" not in (tmp_path / "ev.json").read_text(encoding="utf-8")
    plain = CliRunner().invoke(main, ["eval", str(gold), "--no-redact"])
    assert "G01 missed" in plain.output and "13812345678" in plain.output
    # the reason in brackets is printed, not read as rich markup (it vanished from the line)
    assert "[judged complete]" in " ".join(plain.output.split())
