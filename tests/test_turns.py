"""Turns follow the speech: a pause the VAD splits at, or a hold, ends a turn; an utterance's words
never move into another turn; speech right after a long hold is found from its first word."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from helpers import conv, ids
from phrasecheck.calls.audio import SAMPLE_RATE, load_audio
from phrasecheck.calls.transcribe import Segment, TranscribeOptions, build_transcript, speech_regions, transcribe_file
from phrasecheck.data import AGENT, CUSTOMER

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "calls"


def useg(text: str, start: float, end: float, utterance: float | None) -> Segment:
    step = (end - start) / len(text)
    words = [(i, i + 1, round(start + i * step, 3), round(start + (i + 1) * step, 3)) for i in range(len(text))]
    return Segment(text, start, end, words, utterance)


def test_segments_of_one_utterance_join_and_of_two_never():
    agent = [
        useg("好的，我帮您查一下，请您稍等。", 14.0, 17.8, 13.2),
        useg("不知道您方便明天上午在家吗？", 64.2, 66.2, 63.4),  # after a 46 s hold
        useg("好的，已经为您登记了，", 78.0, 80.0, 77.2),
        useg("感谢您的来电，再见。", 81.3, 83.0, 77.2),  # the recognizer split it after a 1.3 s pause
        useg("祝您生活愉快。", 83.6, 84.6, 83.5),  # 0.6 s later, but the VAD ended the utterance before it
    ]
    customer = [useg("方便。", 70.0, 71.0, 69.5)]
    turns = build_transcript([agent, customer], TranscribeOptions(), 90.0).turns
    assert [(t.role, t.text) for t in turns] == [
        (AGENT, "好的，我帮您查一下，请您稍等。"),
        (AGENT, "不知道您方便明天上午在家吗？"),
        (CUSTOMER, "方便。"),
        (AGENT, "好的，已经为您登记了，感谢您的来电，再见。"),
        (AGENT, "祝您生活愉快。"),
    ]
    joined = turns[3]
    assert joined.text[joined.words[-1][0] : joined.words[-1][1]] == "。" and joined.end_s == 83.0


def test_the_polite_question_after_a_hold_keeps_its_exception(checker):
    """The false accusation this fixes: 不知道 pulled into the turn before the hold lost 您, so F02's
    exception for a polite question (不知道您方便…) no longer saw it."""
    whole = conv((AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"), (AGENT, "好的，请您稍等。"), (AGENT, "不知道您方便明天在家吗？"))
    moved = conv((AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"), (AGENT, "好的，请您稍等。不知道"), (AGENT, "您方便明天在家吗？"))
    assert ids(checker.check(whole), "forbidden") == []
    assert ids(checker.check(moved), "forbidden") == ["F02"]  # what the old turn building led to


def _hold_call(tmp_path: Path, hold_s: float) -> tuple[Path, float]:
    """samples/calls/call_clean.wav with `hold_s` of line noise inserted on both channels after the
    agent's 请您稍等 (at 14 s), as a switch's hold does; returns the file and the insert point."""
    audio = load_audio(str(SAMPLES / "call_clean.wav"))
    cut = int(9.6 * SAMPLE_RATE)  # in the pause before the agent's second utterance
    rng = np.random.default_rng(0)
    chans = []
    for ch in audio.channels:
        x = ch[::2]  # 8 kHz, as recorded
        noise = rng.normal(0, 10 ** (-45 / 20), int(hold_s * 8000)).astype(np.float32)
        chans.append(np.concatenate([x[: cut // 2], noise, x[cut // 2 :]]))
    path = tmp_path / f"hold{int(hold_s)}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.clip(np.stack(chans, axis=1), -1, 1) * 32767).astype("<i2").tobytes())
    return path, 9.6


def test_speech_after_a_long_hold_is_found_from_its_first_word(tmp_path):
    """One VAD pass over a whole call found the first utterance after a 60 s hold 0.9 s late; the
    VAD run afresh every 20 s finds it where it starts."""
    mono = load_audio(str(SAMPLES / "call_clean.wav")).channels[0][::2]
    rng = np.random.default_rng(0)
    first = mono[: 6 * 8000]
    y = np.concatenate([first, np.zeros(60 * 8000, np.float32), first, np.zeros(8000, np.float32)])
    y = y + rng.normal(0, 10 ** (-45 / 20), y.size).astype(np.float32)
    path = tmp_path / "held.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.clip(y, -1, 1) * 32767).astype("<i2").tobytes())
    x = load_audio(str(path)).channels[0]
    before = speech_regions(x, 0.5)[0]
    after = [r for r in speech_regions(x, 0.5) if r[0] > 60]
    assert len(after) == 1 and after[0][0] == pytest.approx(66.0 + before[0], abs=0.1)
    assert after[0][1] == pytest.approx(66.0 + before[1], abs=0.2)


@pytest.mark.slow
@pytest.mark.parametrize("hold_s", [35.0, 60.0])
def test_real_call_with_a_hold_keeps_every_utterance_whole(tmp_path, hold_s):
    """The same call with and without a hold: the same turns, the ones after the hold shifted by
    it, none cut or moved (real model)."""
    from phrasecheck.calls.transcribe import WhisperTranscriber

    whisper = WhisperTranscriber(TranscribeOptions())
    plain = transcribe_file(SAMPLES / "call_clean.wav", transcriber=whisper)
    path, at = _hold_call(tmp_path, hold_s)
    held = transcribe_file(path, transcriber=whisper)
    assert [t.role for t in held.turns] == [t.role for t in plain.turns]
    for a, b in zip(plain.turns, held.turns):
        shift = hold_s if a.start_s > at else 0.0
        assert b.start_s == pytest.approx(a.start_s + shift, abs=0.5)
        assert len(b.text) == pytest.approx(len(a.text), abs=2)  # the recognizer may hear a word differently, never lose one
