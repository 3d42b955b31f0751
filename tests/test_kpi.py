"""KPI: hand-computed attitude scores, grade boundaries, response time and reply rate, profile settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from phrasecheck.config.profile import KpiSettings, Profile, load_profile
from phrasecheck.data import Conversation, Turn
from phrasecheck.errors import ConfigError
from phrasecheck.inputs.readers import read_file
from phrasecheck.scoring.kpi import compute_kpi, formula_lines, response_points, responses
from phrasecheck.scoring.score import band
from reports_helpers import T0, checker, write_day


@pytest.fixture(scope="module")
def day_results(tmp_path_factory):
    path = write_day(tmp_path_factory.mktemp("day") / "day.jsonl")
    chk = checker()
    return [chk.check(c) for c in read_file(path, Profile()).conversations], chk.fatal


def test_conversation_scores_match_the_hand_computation(day_results):
    results, _ = day_results
    assert {r.conversation.conversation_id: r.attitude_score for r in results} == {"c1": 10.0, "c2": 7.0, "c3": 4.0, "c4": 0.0}


def test_agent_rows_match_the_hand_computation(day_results):
    results, fatal = day_results
    a1, b2 = compute_kpi(results, Profile(), fatal)
    assert (a1.agent_id, a1.rank, a1.attitude, a1.points, a1.grade) == ("A1", 1, 8.5, 85.0, "良好")
    assert (b2.agent_id, b2.rank, b2.attitude, b2.points, b2.grade) == ("B2", 2, 2.0, 20.0, "不称职")
    assert a1.greeting_pct == 100.0 and b2.greeting_pct == 50.0  # c3 has no greeting
    assert a1.forbidden_per_100 == 50.0  # one F02 in two conversations
    assert b2.forbidden_per_100 == 50.0 and b2.openers == 1 and b2.fatal == 1
    # c1 uses C01 C05 C06 C07 C10, c2 C01 C10; c3 none, c4 C01 C10
    assert a1.courtesy_per_conversation == 3.5 and b2.courtesy_per_conversation == 1.0
    # A1: c1 blocks 0->20, 30->55, 60->70 ; c2 0->30, 40->80  => first (20+30)/2, mean of 20,25,10,30,40
    assert a1.first_response_s == 25.0 and a1.mean_response_s == 25.0 and a1.reply_rate == 100.0
    # B2: c3 0->60, 70->130 ; c4 0->100, 110->200  => first 80, mean (60+60+100+90)/4 = 77.5
    assert b2.first_response_s == 80.0 and b2.mean_response_s == 77.5
    assert a1.response_points == 5.0 and a1.reply_points == 5.0 and a1.kpi_points == 18.5 and a1.kpi_max == 20.0
    assert b2.response_points == round(4 * (120 - 77.5) / 80, 2)  # 2.12


@pytest.mark.parametrize(
    "points, grade",
    [
        (59, "不称职"),
        (60, "基本称职"),
        (70, "基本称职"),
        (71, "称职"),
        (80, "称职"),
        (81, "良好"),
        (90, "良好"),
        (91, "优秀"),
        (59.4, "不称职"),
        (59.5, "基本称职"),
        (90.5, "优秀"),
        (0, "不称职"),
        (100, "优秀"),
    ],
)
def test_grades_at_their_boundaries(points, grade):
    assert band(points) == grade


@pytest.mark.parametrize(
    "mean, grade", [(5.9, "不称职"), (6.0, "基本称职"), (7.0, "基本称职"), (7.1, "称职"), (8.0, "称职"), (8.1, "良好"), (9.0, "良好"), (9.1, "优秀")]
)
def test_agent_grade_boundaries_through_the_kpi(mean, grade):
    """Attitude means 5.9/6.0 ... 9.0/9.1 are 59/60 ... 90/91 points."""
    chk = checker()
    conv = Conversation("g", "A", "x", [Turn("agent", "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？")])
    r = chk.check(conv)
    r.attitude_score = mean
    (row,) = compute_kpi([r], Profile())
    assert row.points == round(mean * 10, 1) and row.grade == grade


def _chat(cid: str, turns: list[tuple[str, int | None]], agent: str = "A") -> Conversation:
    return Conversation(cid, agent, "chat.jsonl", [Turn(role, "嗯", timestamp=None if s is None else T0 + timedelta(seconds=s)) for role, s in turns])


def test_response_time_counts_from_the_first_message_of_a_customer_block():
    r = responses(_chat("x", [("customer", 0), ("customer", 5), ("agent", 25), ("customer", 40), ("agent", 70)]))
    assert (r.blocks, r.answered, r.delays, r.first, r.replied_all) == (2, 2, [25.0, 30.0], 25.0, True)


def test_conversation_without_agent_reply():
    r = responses(_chat("y", [("customer", 0), ("customer", 12)]))
    assert (r.blocks, r.answered, r.delays, r.first, r.replied_all) == (1, 0, [], None, False)


def test_agent_greeting_first_and_missing_timestamps():
    r = responses(_chat("z", [("agent", 0), ("customer", 10), ("agent", 50), ("customer", None), ("agent", 90)]))
    assert (r.blocks, r.answered, r.delays) == (2, 2, [40.0])  # the untimed block is answered but not timed


def test_reply_rate_and_points_over_an_agent_with_an_unanswered_chat():
    chk = checker()
    convs = [
        _chat("x", [("customer", 0), ("customer", 5), ("agent", 25), ("customer", 40), ("agent", 70)]),
        _chat("y", [("customer", 0)]),
        _chat("z", [("agent", 0), ("customer", 10), ("agent", 50)]),
    ]
    (row,) = compute_kpi([chk.check(c) for c in convs], Profile())
    assert row.chats == 3
    assert row.mean_response_s == 31.7  # (25 + 30 + 40) / 3
    assert row.first_response_s == 32.5  # (25 + 40) / 2; y has none
    assert row.reply_rate == 66.7  # y is not fully answered
    assert row.reply_points == 3.33  # 5 x 2/3
    assert row.response_points == 4.83  # 5 - (31.7 - 30) / 10


def test_calls_have_no_response_kpi():
    chk = checker()
    call = Conversation("k", "A", "k.wav", [Turn("customer", "喂", start_s=0.0), Turn("agent", "您好", start_s=1.0)])
    (row,) = compute_kpi([chk.check(call)], Profile())
    assert row.chats == 0 and row.reply_rate is None and row.mean_response_s is None and row.kpi_max == 10.0


@pytest.mark.parametrize("mean, points", [(None, None), (0, 5.0), (20, 5.0), (30, 5.0), (35, 4.5), (40, 4.0), (80, 2.0), (120, 0.0), (300, 0.0)])
def test_response_points_formula(mean, points):
    assert response_points(mean, KpiSettings()) == points


def test_ranking_shares_ranks_on_ties():
    chk = checker()
    convs = [
        Conversation(cid, agent, "x", [Turn("agent", "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？")])
        for cid, agent in (("1", "B"), ("2", "A"), ("3", "C"))
    ]
    results = [chk.check(c) for c in convs]
    results[2].attitude_score = 5.0
    rows = compute_kpi(results, Profile())
    assert [(r.agent_id, r.rank) for r in rows] == [("A", 1), ("B", 1), ("C", 3)]


def test_profile_kpi_settings_and_their_errors(tmp_path):
    good = tmp_path / "phrasecheck.yaml"
    good.write_text("kpi:\n  skilled_s: 20\n  normal_s: 30\n  limit_s: 90\n", encoding="utf-8")
    k = load_profile(good).kpi
    assert (k.skilled_s, k.normal_s, k.limit_s, k.response_points) == (20.0, 30.0, 90.0, 5.0)
    bad = tmp_path / "bad" / "phrasecheck.yaml"
    bad.parent.mkdir()
    bad.write_text("company: 阳光\nkpi:\n  skiled_s: 20\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_profile(bad)
    assert f"{bad}:3" in str(err.value) and "skiled_s" in str(err.value)
    bad.write_text("kpi:\n  normal_s: 10\n  skilled_s: 30\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="skilled_s <= normal_s"):
        load_profile(bad)


def test_the_scoring_rules_read_in_chinese_with_the_profiles_figures():
    """report.html's 评分规则 and kpi.xlsx's 说明 sheet are read by QA staff and agents: Chinese, with the
    profile's own weights and fatal rules (they were English sentences)."""
    import re

    profile = Profile()
    profile.weights.forbidden = 3
    lines = formula_lines(profile, {"F11", "F05"})
    assert not [w for line in lines for w in re.findall(r"[A-Za-z]{4,}", line)]
    assert "  每句服务忌语（F01-F13）：−3" in lines
    assert "  一票否决规则（F05、F11）：该会话记 0 分" in lines
