"""Behaviour rules B01-B05 on conversations with known speech times (no audio, no model)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from phrasecheck.config.lexicon import default_lexicon_dir, load_behaviour, load_lexicon
from phrasecheck.config.profile import BehaviourSettings, Profile, load_profile
from phrasecheck.data import AGENT, CUSTOMER, MIXED, ROLES_CHANNELS, ROLES_INFERRED, Conversation, Run, Turn
from phrasecheck.engine.behaviour import merge, syllables
from phrasecheck.engine.checker import Checker
from phrasecheck.errors import ConfigError
from phrasecheck.report.findings_file import run_from_document
from phrasecheck.report.jsonfmt import document

REPO = Path(__file__).resolve().parents[1]
GREETING = "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"


def turn(role: str, text: str, start: float, end: float) -> Turn:
    """A timed turn with evenly spread per-character word times, as ASR gives them."""
    step = (end - start) / len(text)
    words = [(i, i + 1, round(start + i * step, 3), round(start + (i + 1) * step, 3)) for i in range(len(text))]
    return Turn(role=role, text=text, start_s=start, end_s=end, words=words)


def call(*turns: Turn, roles: str = ROLES_CHANNELS, speech: dict | None = None, duration: float | None = None) -> Conversation:
    """A stereo call; each party's speech defaults to its turns' spans."""
    if speech is None:
        speech = {} if roles == ROLES_INFERRED else {AGENT: [], CUSTOMER: []}
        for t in turns:
            key = MIXED if roles == ROLES_INFERRED else t.role
            speech.setdefault(key, []).append((t.start_s, t.end_s))
    end = max(t.end_s for t in turns) + 1 if turns else 0.0
    return Conversation("k1", "A1", "k1.wav", list(turns), roles=roles, speech=speech, duration_s=duration or end)


@pytest.fixture(scope="module")
def check(lexicon):
    checker = Checker(lexicon, Profile())
    return checker.check


def behaviour(result, rule_id: str | None = None):
    return [f for f in result.findings if f.kind == "behaviour" and (rule_id is None or f.id == rule_id)]


def test_a_clean_call_has_no_behaviour_findings(check):
    r = check(
        call(
            turn(AGENT, GREETING, 0.4, 5.0),
            turn(CUSTOMER, "我家厨房的水管漏水了，麻烦派人来看一下", 5.6, 9.0),
            turn(AGENT, "好的，请您稍等，我帮您查一下维修师傅的时间", 9.5, 13.0),
            turn(AGENT, "感谢您的耐心等待，师傅下午两点上门", 40.0, 43.0),
            turn(CUSTOMER, "好的谢谢", 43.5, 44.5),
            turn(AGENT, "不客气，感谢您的来电，再见", 45.0, 47.5),
        )
    )
    assert behaviour(r) == [] and r.notes == []
    assert r.attitude_score == 10.0


def test_late_answer_on_the_agent_channel(check):
    r = check(call(turn(AGENT, GREETING, 7.3, 12.0), turn(CUSTOMER, "你好", 12.5, 13.0), turn(AGENT, "再见", 13.5, 14.0)))
    (f,) = behaviour(r, "B01")
    assert (f.start_s, f.end_s, f.turn, f.severity) == (0.0, 7.3, 0, "error")
    assert "7.3 s" in f.message and "limit 5 s" in f.message
    assert r.attitude_score == 9.0  # weights.late_answer
    # the customer speaking first does not make the agent late, nor early
    early = check(call(turn(CUSTOMER, "喂你好", 1.0, 2.0), turn(AGENT, GREETING, 4.0, 9.0), turn(AGENT, "再见", 10.0, 11.0)))
    assert behaviour(early, "B01") == []
    # agent speech on its channel before the first transcribed word counts (precision first)
    noisy = call(turn(AGENT, GREETING, 7.3, 12.0), speech={AGENT: [(2.0, 2.4), (7.3, 12.0)], CUSTOMER: []})
    assert behaviour(check(noisy), "B01") == []


def test_late_answer_limit_comes_from_the_profile(lexicon):
    profile = Profile(behaviour=BehaviourSettings(late_answer_s=8.0))
    r = Checker(lexicon, profile).check(call(turn(AGENT, GREETING, 7.3, 12.0), turn(AGENT, "再见", 13.0, 14.0)))
    assert behaviour(r, "B01") == []


def test_mono_late_answer_uses_the_first_speech_of_anyone(check):
    conv = call(turn(CUSTOMER, "喂", 6.0, 6.5), turn(AGENT, GREETING, 7.0, 12.0), turn(AGENT, "再见", 13.0, 14.0), roles=ROLES_INFERRED)
    r = check(conv)
    (f,) = behaviour(r, "B01")
    assert f.end_s == 6.0 and "first speech" in f.message
    assert any("B03" in n and "mono" in n for n in r.notes) and any("B04" in n for n in r.notes)


def test_unannounced_silent_hold(check):
    r = check(
        call(
            turn(AGENT, GREETING, 0.3, 5.0),
            turn(CUSTOMER, "我的快递三天了还没到", 5.5, 8.0),
            turn(AGENT, "单号多少", 8.5, 9.5),
            turn(CUSTOMER, "七七八八九九", 10.0, 11.5),
            turn(AGENT, "查到了，明天送到，再见", 36.0, 39.0),
        )
    )
    (f,) = behaviour(r, "B02")
    assert (f.start_s, f.end_s) == (11.5, 36.0) and f.turn == 3
    assert "24 s" in f.message or "25 s" in f.message
    assert "no thanks" in f.message


def test_announced_hold_is_fine_and_thanks_are_noted(check):
    base = [turn(AGENT, GREETING, 0.3, 5.0), turn(CUSTOMER, "我想查一下保单", 5.5, 7.0)]
    announced = check(call(*base, turn(AGENT, "好的，请您稍等", 7.5, 9.0), turn(AGENT, "让您久等了，保单明年到期，再见", 40.0, 44.0)))
    assert behaviour(announced, "B02") == []
    # announced two agent turns back (the customer said 好的 in between): still announced
    earlier = check(
        call(*base, turn(AGENT, "我帮您查一下", 7.5, 9.0), turn(CUSTOMER, "好的", 9.5, 10.0), turn(AGENT, "让您久等了，明年到期，再见", 40.0, 44.0))
    )
    assert behaviour(earlier, "B02") == []
    thanked = check(call(*base, turn(AGENT, "嗯", 7.5, 8.0), turn(AGENT, "感谢您的耐心等待，保单明年到期，再见", 40.0, 44.0)))
    (f,) = behaviour(thanked, "B02")
    assert "thanked" in f.message and "no thanks" not in f.message
    # a pause under the limit is no hold
    short = check(call(*base, turn(AGENT, "嗯", 7.5, 8.0), turn(AGENT, "保单明年到期，再见", 27.0, 30.0)))
    assert behaviour(short, "B02") == []


def test_hold_on_a_mono_recording_reads_everyones_turns(check):
    """Roles are guesses on mono: an announcement attributed to the customer still counts."""
    conv = call(
        turn(AGENT, GREETING, 0.3, 5.0),
        turn(CUSTOMER, "请您稍等我帮您查一下", 5.5, 8.0),
        turn(AGENT, "已经处理好了，再见", 40.0, 42.0),
        roles=ROLES_INFERRED,
    )
    assert behaviour(check(conv), "B02") == []
    conv = call(turn(AGENT, GREETING, 0.3, 5.0), turn(CUSTOMER, "好的", 5.5, 6.0), turn(AGENT, "已经处理好了，再见", 40.0, 42.0), roles=ROLES_INFERRED)
    (f,) = behaviour(check(conv), "B02")
    assert (f.start_s, f.end_s) == (6.0, 40.0)


def test_talk_over_from_the_channels(check):
    agent_over = turn(AGENT, "你听我说这个不归我们管", 7.0, 9.5)
    r = check(
        call(
            turn(AGENT, GREETING, 0.3, 5.0),
            turn(CUSTOMER, "我上周投诉的问题到现在还没有人处理你们到底管不管", 5.5, 11.0),
            agent_over,
            turn(AGENT, "再见", 12.0, 12.5),
        )
    )
    (f,) = behaviour(r, "B03")
    assert (f.start_s, f.end_s) == (7.0, 9.5) and f.text == "你听我说这个不归我们管"
    assert "2.5 s" in f.message and r.attitude_score == 9.0


def test_backchannels_and_turn_taking_are_not_talk_over(check):
    r = check(
        call(
            turn(AGENT, GREETING, 0.3, 5.0),
            turn(CUSTOMER, "我上周投诉的问题到现在还没有人处理你们到底管不管", 5.5, 11.0),
            turn(AGENT, "嗯", 7.0, 7.6),  # a backchannel under the limit
            turn(AGENT, "好的", 9.0, 9.9),
            turn(AGENT, "非常抱歉，我马上为您处理，再见", 10.6, 14.0),  # starts as the customer ends: 0.4 s overlap
        )
    )
    assert behaviour(r, "B03") == []


def test_talk_over_needs_agent_words(check):
    """Speech on the agent's channel with no word transcribed there (echo, noise) is not the agent."""
    conv = call(
        turn(AGENT, GREETING, 0.3, 5.0),
        turn(CUSTOMER, "我上周投诉的问题到现在还没有人处理你们到底管不管", 5.5, 11.0),
        turn(AGENT, "再见", 12.0, 12.5),
    )
    conv.speech[AGENT].append((7.0, 9.5))
    assert behaviour(check(conv), "B03") == []


def test_talk_over_pieces_of_one_utterance_count_once(check):
    conv = call(
        turn(AGENT, GREETING, 0.3, 5.0),
        turn(CUSTOMER, "我上周投诉的问题到现在还没有人处理你们到底管不管", 5.5, 11.0),
        turn(AGENT, "你听我说这个不归我们管", 7.0, 9.5),
        turn(AGENT, "再见", 12.0, 12.5),
    )
    conv.speech[AGENT] = [(0.3, 5.0), (7.0, 8.0), (8.3, 9.5), (12.0, 12.5)]
    (f,) = behaviour(check(conv), "B03")
    assert (f.start_s, f.end_s) == (7.0, 9.5)


def test_speech_rate(check):
    fast = "您好这里是阳光物业客服中心请问有什么可以帮助您的"  # 24 syllables
    r = check(call(turn(AGENT, GREETING, 0.3, 5.0), turn(CUSTOMER, "我家漏水了", 5.5, 7.0), turn(AGENT, fast, 7.5, 10.5), turn(AGENT, "再见", 11.0, 11.5)))
    (f,) = behaviour(r, "B04")
    assert f.severity == "info" and f.turn == 2 and (f.start_s, f.end_s) == (7.5, 10.5)
    assert "480 syllables/min" in f.message and "fast" in f.message
    assert r.attitude_score == 10.0  # report only by default
    slow = check(call(turn(AGENT, GREETING, 0.3, 5.0), turn(AGENT, fast, 7.5, 27.5), turn(AGENT, "再见", 28.0, 28.5)))
    assert "too slow" in behaviour(slow, "B04")[0].message
    # speaking time is the agent's speech inside the turn, not its pauses
    paused = call(turn(AGENT, GREETING, 0.3, 5.0), turn(AGENT, fast, 7.5, 15.5), turn(AGENT, "再见", 16.0, 16.5))
    paused.speech[AGENT] = [(0.3, 5.0), (7.5, 9.0), (14.0, 15.5), (16.0, 16.5)]
    assert "480 syllables/min" in behaviour(check(paused), "B04")[0].message


def test_syllables_and_merge():
    assert syllables("您好，请问5G套餐ABC办理吗？") == 12  # 5, G and ABC one each
    assert merge([(3.0, 4.0), (0.0, 1.0), (1.2, 2.0)], 0.3) == [(0.0, 2.0), (3.0, 4.0)]


def test_closing(check):
    r = check(call(turn(AGENT, GREETING, 0.3, 5.0), turn(CUSTOMER, "好的", 5.5, 6.0), turn(AGENT, "查到了明天送到", 6.5, 8.0)))
    (f,) = behaviour(r, "B05")
    assert f.severity == "warning" and f.turn == 2 and f.text == "查到了明天送到"
    assert r.attitude_score == 10.0
    # the closing may be in the agent's second-to-last turn; 再见面 is not 再见
    said = check(call(turn(AGENT, GREETING, 0.3, 5.0), turn(AGENT, "感谢您的来电", 6.5, 8.0), turn(CUSTOMER, "拜拜", 8.5, 9.0), turn(AGENT, "嗯", 9.5, 9.8)))
    assert behaviour(said, "B05") == []
    again = check(call(turn(AGENT, GREETING, 0.3, 5.0), turn(AGENT, "希望下次再见面", 6.5, 8.0)))
    assert len(behaviour(again, "B05")) == 1


def test_chats_get_only_the_late_reply_warning(check):
    t0 = datetime(2026, 11, 26, 9, 0, 0)

    def chat(delay: float) -> Conversation:
        turns = [
            Turn(CUSTOMER, "在吗，我家停水了", timestamp=t0),
            Turn(AGENT, GREETING, timestamp=t0 + timedelta(seconds=delay)),
            Turn(CUSTOMER, "好的", timestamp=t0 + timedelta(seconds=delay + 10)),
        ]
        return Conversation("c1", "A1", "day.jsonl", turns)

    assert behaviour(check(chat(100))) == []
    (f,) = behaviour(check(chat(150)))
    assert (f.id, f.severity, f.turn, f.start_s) == ("B01", "warning", 1, None)
    assert "150 s" in f.message and "limit 120 s" in f.message


def test_timed_transcript_without_end_times(check):
    """[hh:mm:ss] transcripts: B01 and B05 from the turn starts; the rest are noted as not checked."""
    conv = Conversation("t", "A1", "call.txt", [Turn(AGENT, GREETING, start_s=9.0), Turn(CUSTOMER, "好", start_s=15.0), Turn(AGENT, "再见", start_s=16.0)])
    r = check(conv)
    assert [f.id for f in behaviour(r)] == ["B01"]
    assert any("B02" in n for n in r.notes) and any("B03" in n for n in r.notes)


def test_select_and_ignore_apply(lexicon):
    conv = call(turn(AGENT, GREETING, 7.3, 12.0), turn(AGENT, "好的", 13.0, 14.0))
    assert {f.id for f in behaviour(Checker(lexicon, Profile()).check(conv))} == {"B01", "B05"}
    assert {f.id for f in behaviour(Checker(lexicon, Profile(ignore=["B"])).check(conv))} == set()
    assert {f.id for f in behaviour(Checker(lexicon, Profile(select=["B05"])).check(conv))} == {"B05"}


def test_findings_json_keeps_speech_and_behaviour(check):
    conv = call(turn(AGENT, GREETING, 7.3, 12.0), turn(AGENT, "好的", 13.0, 14.0))
    doc = document(Run(results=[check(conv)]), Profile())
    back = run_from_document(doc).results[0]
    assert back.conversation.speech == {AGENT: [(7.3, 12.0), (13.0, 14.0)], CUSTOMER: []}
    assert back.conversation.duration_s == conv.duration_s
    assert [f.id for f in back.findings if f.kind == "behaviour"] == ["B01", "B05"]
    assert doc["conversations"][0]["notes"] == []


def test_profile_behaviour_settings_and_weights(tmp_path):
    path = tmp_path / "phrasecheck.yaml"
    path.write_text("behaviour: {late_answer_s: 3, hold_s: 30, rate_max: 400}\nweights: {talk_over: 2, speech_rate: 0.5}\n", encoding="utf-8")
    p = load_profile(path)
    assert (p.behaviour.late_answer_s, p.behaviour.hold_s, p.behaviour.talk_over_s, p.behaviour.rate_max) == (3, 30, 1.0, 400)
    assert (p.weights.behaviour("B03"), p.weights.behaviour("B04"), p.weights.behaviour("B01"), p.weights.behaviour("F01")) == (2, 0.5, 1.0, 0.0)
    for bad, says in (("behaviour: {hold: 3}", "unknown setting 'hold'"), ("behaviour: {rate_min: 300, rate_max: 200}", "rate_min < rate_max")):
        path.write_text(bad + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=says):
            load_profile(path)


def test_behaviour_lexicon_is_validated(tmp_path):
    rules = {r.id: r for r in load_lexicon(default_lexicon_dir()).behaviour}
    assert sorted(rules) == ["B01", "B02", "B03", "B04", "B05"]
    assert rules["B04"].severity == "info" and rules["B05"].severity == "warning" and "announce" in rules["B02"].phrases
    bad = tmp_path / "behaviour.yaml"
    cases = [
        ("kind: behaviour\nrules:\n  - id: B09\n    text: x\n", "behaviour id must be one of"),
        ("kind: behaviour\nrules:\n  - id: B02\n    text: x\n", "'announce' must list at least one phrase"),
        ("kind: behaviour\nrules:\n  - id: B01\n    text: x\n    closing: [再见]\n", "takes no 'closing' list"),
        ("kind: behaviour\nrules:\n  - id: B01\n    text: x\n    severity: fatal\n", "severity must be one of"),
    ]
    for text, says in cases:
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=says) as exc:
            load_behaviour(bad)
        assert exc.value.line == 3


def test_a_lexicon_without_behaviour_file_runs_no_behaviour_rule(tmp_path, lexicon):
    folder = Path(default_lexicon_dir())
    mine = tmp_path / "lex"
    mine.mkdir()
    for f in [*folder.glob("*.yaml"), *folder.glob("*.npz")]:  # the model file goes with forbidden.yaml
        if f.name != "behaviour.yaml":
            (mine / f.name).write_bytes(f.read_bytes())
    checker = Checker(load_lexicon(mine), Profile())
    r = checker.check(call(turn(AGENT, GREETING, 7.3, 12.0)))
    assert behaviour(r) == [] and r.notes == []


def test_closing_is_not_judged_when_the_asr_lost_the_agents_last_words(check):
    conv = call(turn(AGENT, GREETING, 0.3, 3.0), turn(CUSTOMER, "我的卡被锁了", 7.0, 9.0))
    conv.speech[AGENT] += [(11.0, 14.0), (15.0, 18.0)]  # the agent spoke again: no text came back
    r = check(conv)
    assert behaviour(r, "B05") == [] and any("B05" in n and "6.0 s" in n for n in r.notes)


def test_report_html_shows_the_events_on_the_calls_timeline(check, tmp_path):
    from phrasecheck.report.html import render

    conv = call(
        turn(AGENT, GREETING, 7.0, 12.0),
        turn(CUSTOMER, "我的快递三天了还没到", 12.5, 15.0),
        turn(AGENT, "查到了，明天送到", 40.0, 42.0),
        duration=50.0,
    )
    mono = call(turn(AGENT, GREETING, 0.3, 5.0), turn(AGENT, "再见", 6.0, 7.0), roles=ROLES_INFERRED)
    mono.conversation_id = "k2"
    chat = Conversation("c9", "A1", "day.jsonl", [Turn(CUSTOMER, "在吗"), Turn(AGENT, GREETING)])
    html = render(Run(results=[check(conv), check(mono), check(chat)]), [], tmp_path, [])
    assert html.count('<svg class="timeline"') == 2  # the two calls; the chat has no time axis
    # B01 over 0-7 s and B02 over 15-40 s of a 50 s call: x and width in thousandths of it
    assert 'class="event sev-error" data-key="k1.wav:k1:B01:1:0" data-rule="B01" data-start="0.0" x="0.0" y="0" width="140.0"' in html
    assert 'data-rule="B02" data-start="15.0" x="300.0" y="0" width="500.0"' in html
    assert '<rect class="agent" x="140.0" y="2" width="100.0" height="8">' in html
    assert '<rect class="customer" x="250.0" y="12" width="50.0" height="8">' in html
    assert "B03 打断客户未检查：单声道录音里双方的声音混在一起" in html
    assert " style=" not in html  # the page's CSP allows no style attribute


def test_speech_rate_judges_each_stretch_of_a_merged_turn(check):
    """The transcript joins an agent's sentences < 1 s apart: the fast one is still found, and marked."""
    calm, fast = "好的，我帮您查一下您的保单情况。", "感谢您的耐心等待，您的保单明年三月到期。"
    a, b = turn(AGENT, calm, 7.0, 11.0), turn(AGENT, fast, 11.7, 14.0)
    merged = Turn(AGENT, calm + fast, 7.0, 14.0, words=a.words + [(x + len(calm), y + len(calm), s, e) for x, y, s, e in b.words])
    r = check(call(turn(AGENT, GREETING, 0.3, 5.0), merged, turn(AGENT, "再见", 15.0, 15.5)))
    (f,) = behaviour(r, "B04")
    assert f.text == fast and (f.start_s, f.end_s) == (11.7, 14.0)


def test_transcripts_carry_each_partys_speech_through_the_cache(tmp_path):
    from phrasecheck.calls.cache import TranscriptCache
    from phrasecheck.calls.transcribe import Channels, Segment, TranscribeOptions, Transcript, build_transcript, transcribe_file

    def seg(text, start, end):
        step = (end - start) / len(text)
        return Segment(text, start, end, [(i, i + 1, start + i * step, start + (i + 1) * step) for i in range(len(text))])

    left, right = [seg("您好请问有什么可以帮您", 0.5, 3.0)], [seg("我想查保单", 3.5, 5.0), seg("好的", 5.2, 5.6)]
    vad = [[(0.4, 3.1)], [(3.4, 5.7)]]
    tr = build_transcript(Channels([left, right], vad), TranscribeOptions(), 8.0)
    assert tr.speech == {AGENT: [(0.4, 3.1)], CUSTOMER: [(3.4, 5.7)]}
    swapped = build_transcript(Channels([left, right], vad), TranscribeOptions(agent_channel=1), 8.0)
    assert swapped.speech == {AGENT: [(3.4, 5.7)], CUSTOMER: [(0.4, 3.1)]}
    # a transcriber that gives no voice-detector regions: the words' times, pauses under 0.3 s joined
    plain = build_transcript([left, right], TranscribeOptions(), 8.0)
    assert plain.speech[AGENT] == [(0.5, 3.0)] and plain.speech[CUSTOMER] == [(3.5, 5.6)]
    mono = build_transcript(Channels([left + right], [[(0.4, 5.7)]]), TranscribeOptions(), 8.0)
    assert mono.speech == {MIXED: [(0.4, 5.7)]}
    assert Transcript.from_json(json.loads(json.dumps(tr.to_json()))).speech == tr.speech

    class Fake:
        identity = "fake"
        calls = 0

        def channel_segments_many(self, recordings):
            self.calls += 1
            return [Channels([left, right], vad) for _ in recordings]

    cache, fake = TranscriptCache(tmp_path / "t.sqlite3"), Fake()
    wav = REPO / "samples" / "calls" / "call_clean.wav"
    first = transcribe_file(wav, transcriber=fake, cache=cache)
    again = transcribe_file(wav, transcriber=fake, cache=cache)
    assert fake.calls == 1 and again.speech == first.speech == tr.speech and again.duration_s == first.duration_s > 20
