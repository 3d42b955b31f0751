"""Stereo channels in one Whisper pass: placing chunks, and words going back to their channel."""

from __future__ import annotations

import numpy as np
import pytest

from phrasecheck.audio import SAMPLE_RATE
from phrasecheck.interleave import interleave, locate, plan, windows


def test_plan_orders_both_channels_by_time_end_to_end():
    padded = [[(0.0, 4.0), (9.0, 12.0)], [(4.5, 8.0)]]
    tight = [[(0.5, 3.5), (9.6, 11.4)], [(5.2, 7.3)]]
    chunks = plan(padded, tight)
    assert [(c.channel, c.start_s, c.end_s) for c in chunks] == [(0, 0.0, 4.0), (1, 4.5, 8.0), (0, 9.0, 12.0)]
    assert [c.at for c in chunks] == [0.0, 4.0, 7.5]  # the silence between chunks is gone
    assert chunks[1].speech == ((5.2, 7.3),)
    assert chunks[2].to_original(8.0) == pytest.approx(9.5)
    assert chunks[2].to_original(100.0) == 12.0  # clamped into the chunk


def test_tight_speech_is_clipped_to_the_chunk_and_defaults_to_it():
    chunks = plan([[(1.0, 3.0)], [(2.0, 5.0)]], [[(0.5, 2.0)], []])
    assert chunks[0].speech == ((1.0, 2.0),)
    assert chunks[1].speech == ((2.0, 5.0),)


def test_interleave_lays_the_samples_down_where_plan_says():
    left = np.full(SAMPLE_RATE * 3, 0.25, dtype=np.float32)
    right = np.full(SAMPLE_RATE * 3, -0.5, dtype=np.float32)
    chunks = plan([[(0.0, 1.0)], [(1.5, 2.5)]], [[(0.0, 1.0)], [(1.5, 2.5)]])
    audio = interleave([left, right], chunks)
    assert audio.dtype == np.float32 and len(audio) == 2 * SAMPLE_RATE
    at = int(chunks[1].at * SAMPLE_RATE)
    assert (audio[:at] == 0.25).all() and (audio[at:] == -0.5).all()
    assert len(interleave([left, right], [])) == 0


def test_a_word_goes_to_the_chunk_with_the_nearest_speech():
    # agent speaks 0.8-3.2 (chunk 0.0-4.0); the customer's chunk 4.5-8.0 has only 0.2 s of padding
    # before the speech (the VAD pads less where speech starts near a chunk edge)
    chunks = plan([[(0.0, 4.0)], [(4.5, 8.0)]], [[(0.8, 3.2)], [(4.7, 7.2)]])
    customer_speech_at = chunks[1].at + 0.2
    assert locate(chunks, 1.5).channel == 0
    assert locate(chunks, 3.3).channel == 0
    # Whisper stamped the customer's first word 0.4 s early, into the agent's chunk: nearer the customer
    early = customer_speech_at - 0.4
    assert early < chunks[1].at
    assert locate(chunks, early).channel == 1
    assert locate(chunks, 6.0).channel == 1
    # halfway between the two speakers' speech: the later chunk
    assert locate(chunks, (3.2 + customer_speech_at) / 2).channel == 1


def test_windows_group_contiguous_chunks_up_to_thirty_seconds_and_cut_longer_ones():
    chunks = plan([[(0, 10), (20, 32)], [(11, 19), (40, 75)]], [[], []])
    got = windows(chunks)
    assert got[0] == {"start": 0.0, "end": 30.0}  # 10 s + 8 s + 12 s
    assert got[1] == {"start": 30.0, "end": 60.0}  # the 35 s chunk, cut at 30 s
    assert got[2] == {"start": 60.0, "end": 65.0}
    chunks = plan([[(0, 10), (20, 33)], [(11, 19)]], [[], []])
    assert windows(chunks) == [{"start": 0.0, "end": 18.0}, {"start": 18.0, "end": 31.0}]
    assert all(w["end"] - w["start"] <= 30.0 for w in got)
