"""What an agent types or pastes: standard input, common speaker prefixes, clock times, and no
KPI grade for a single conversation (issue 13)."""

from __future__ import annotations

from click.testing import CliRunner

from phrasecheck.cli import main
from phrasecheck.config.profile import Profile
from phrasecheck.inputs.readers import read_file

GREETING = "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"


def _turns(tmp_path, text: str):
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    loaded = read_file(path, Profile())
    assert not loaded.errors, loaded.errors
    return loaded.conversations[0]


def test_bracketed_and_named_speaker_prefixes(tmp_path):
    conv = _turns(tmp_path, f"【客服】{GREETING}\n【客户】：停车费怎么交\n客服小王: 这个我不知道。\n客户张女士：好吧\n")
    assert [t.role for t in conv.turns] == ["agent", "customer", "agent", "customer"]
    assert conv.turns[1].text == "停车费怎么交" and conv.turns[2].text == "这个我不知道。"


def test_a_bare_clock_time_before_the_label(tmp_path):
    conv = _turns(tmp_path, f"10:02:03 客服: {GREETING}\n10:02:09 客户: 停车费\n")
    assert [t.timestamp.strftime("%H:%M:%S") for t in conv.turns] == ["10:02:03", "10:02:09"]
    assert all(t.start_s is None for t in conv.turns) and conv.first_agent_s is None


def test_clock_times_are_times_of_day_not_offsets(tmp_path):
    conv = _turns(tmp_path, f"# started: 2026-11-26T14:13:00+08:00\n[14:13:01] 客服: {GREETING}\n[14:13:30] 客户: 停车费\n")
    assert conv.turns[0].timestamp.isoformat() == "2026-11-26T14:13:01+08:00"
    assert conv.turns[0].start_s is None


def test_recording_offsets_stay_offsets(tmp_path):
    conv = _turns(tmp_path, f"[00:01] 客服: {GREETING}\n[00:07] 客户: 停车费\n")
    assert [t.start_s for t in conv.turns] == [1.0, 7.0] and conv.first_agent_s == 1.0


def test_a_word_that_only_starts_like_a_label_is_not_a_speaker(tmp_path):
    conv = _turns(tmp_path, f"客服: {GREETING}\n客户服务中心的电话是多少: 我忘了\n")
    assert len(conv.turns) == 1 and "客户服务中心" in conv.turns[0].text  # a continuation line, not a customer turn


def test_check_reads_standard_input_and_prints_no_grade_for_one_call():
    text = f"【客服】{GREETING}\n【客户】停车费怎么交\n【客服】这个我不知道。\n"
    r = CliRunner().invoke(main, ["check", "-", "--no-color"], input=text.encode("utf-8"))
    assert r.exit_code == 1, r.output
    assert "F02" in r.output and "say instead" in r.output
    assert "不称职" not in r.output and "grade" not in r.output
    again = CliRunner().invoke(main, ["check", "-", "--format", "json"], input='{"conversation_id":"x","agent_id":"A","role":"agent","text":"有本事你去告"}\n')
    assert '"F11"' in again.output


def test_standard_input_in_gbk_and_empty():
    r = CliRunner().invoke(main, ["check", "-", "--no-color"], input=f"客服:{GREETING}\n客户:停车费\n客服:这个我不知道。\n".encode("gbk"))
    assert "F02" in r.output
    empty = CliRunner().invoke(main, ["check", "-"], input=b"")
    assert empty.exit_code == 2 and "-: no '客服:' or '客户:' lines" in empty.output
