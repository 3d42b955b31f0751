"""What Whisper decodes: padded speech chunks, windows of one channel, words back to their chunk."""

from __future__ import annotations

import numpy as np
import pytest

from phrasecheck.calls.audio import SAMPLE_RATE
from phrasecheck.calls.chunking import layout, pad_regions, window_at


def tone(seconds: float, value: float) -> np.ndarray:
    return np.full(int(seconds * SAMPLE_RATE), value, dtype=np.float32)


def test_pad_regions_merges_short_pauses_drops_blips_and_splits_shared_padding():
    tight = [(1.0, 2.0), (2.5, 3.0), (6.0, 6.2), (9.0, 10.0), (10.5, 11.0)]
    got = pad_regions(tight, 12.0, tight_pad_s=0.1, min_silence_s=1.0, min_speech_s=0.25, pad_s=0.8)
    # (1.1-2.9) merged over a 0.7 s pause; 6.1-6.1 is a blip; 9.1-10.9 merged; pads of 0.8 s
    assert got == [(pytest.approx(0.3), pytest.approx(3.7)), (pytest.approx(8.3), pytest.approx(11.7))]
    close = pad_regions([(1.0, 2.0), (3.3, 4.5)], 5.0, tight_pad_s=0.0, min_silence_s=1.0, min_speech_s=0.25, pad_s=0.8)
    assert close[0][1] == pytest.approx(2.65) and close[1][0] == pytest.approx(2.65)  # the 1.3 s pause is shared
    assert close[1][1] == 5.0  # clipped to the recording


def test_layout_never_mixes_channels_in_a_window():
    left, right = tone(40.0, 0.25), tone(40.0, -0.5)
    padded = [[(0.0, 10.0), (20.0, 35.0)], [(5.0, 15.0)]]
    tight = [[(1.0, 9.0), (21.0, 34.0)], [(6.0, 14.0)]]
    audio, windows = layout([left, right], padded, tight)
    assert len(audio) == 36 * SAMPLE_RATE  # 10 s, 1 s of silence between two chunks of a window, 15 s; 10 s
    assert [(w.channel, w.start, w.end) for w in windows] == [(0, 0.0, 26.0), (1, 26.0, 36.0)]
    for w in windows:  # each window holds its own channel's samples only, and silence between chunks
        piece = audio[int(w.start * SAMPLE_RATE) : int(w.end * SAMPLE_RATE)]
        assert set(np.unique(piece)) <= {0.0, 0.25 if w.channel == 0 else -0.5}
        assert all(c.channel == w.channel for c in w.chunks)
        for c in w.chunks:
            held = audio[int(c.at * SAMPLE_RATE) : int((c.at + c.end_s - c.start_s) * SAMPLE_RATE)]
            assert (held == (0.25 if w.channel == 0 else -0.5)).all()
    second = windows[0].chunks[1]
    assert (second.start_s, second.at, second.speech) == (20.0, 11.0, ((21.0, 34.0),))
    assert (audio[10 * SAMPLE_RATE : 11 * SAMPLE_RATE] == 0).all()  # the gap
    assert second.to_original(13.0) == pytest.approx(22.0) and second.to_original(99.0) == 35.0
    assert window_at(windows, 27.0).channel == 1 and window_at(windows, 10.0) is windows[0]
    # a third chunk that would pass 30 s (with its gap) starts a new window of the same channel
    _, more = layout([left, right], [[(0.0, 12.0), (20.0, 35.0), (36.0, 40.0)], []], [[(1.0, 9.0), (21.0, 34.0), (36.5, 39.0)], []])
    assert [(w.channel, w.start, w.end) for w in more] == [(0, 0.0, 28.0), (0, 28.0, 32.0)]
    _, packed = layout([left, right], padded, tight, gap_s=0.0)
    assert [(w.channel, w.start, w.end) for w in packed] == [(0, 0.0, 25.0), (1, 25.0, 35.0)]


def test_a_chunk_longer_than_a_window_is_cut_and_no_speech_gives_no_windows():
    audio, windows = layout([tone(70.0, 0.1)], [[(0.0, 65.0)]], [[(0.5, 64.0)]])
    assert [(w.start, w.end) for w in windows] == [(0.0, 30.0), (30.0, 60.0), (60.0, 65.0)]
    assert all(w.end - w.start <= 30.0 for w in windows)
    assert layout([tone(5.0, 0.0), tone(5.0, 0.0)], [[], []], [[], []])[1] == []


def test_a_word_goes_to_the_chunk_with_the_nearest_speech():
    # one channel: speech 0.8-3.2 (chunk 0-4) and 5.7-7.2 (chunk 4.5-8.0, 0.2 s of padding before it)
    audio, (window,) = layout([tone(9.0, 0.1)], [[(0.0, 4.0), (5.5, 8.0)]], [[(0.8, 3.2), (5.7, 7.2)]])
    first, second = window.chunks
    assert second.at == 5.0  # 1 s of silence after the first chunk
    assert window.locate(1.5) is first and window.locate(6.0) is second
    # Whisper stamped the second utterance's first word 0.4 s early, into the first chunk's tail
    early = second.at + 0.2 - 0.4
    assert early < second.at and window.locate(early) is second
    assert window.locate((3.2 + second.at + 0.2) / 2 + 1e-6) is second  # halfway (within float error): the later chunk
