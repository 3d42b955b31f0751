"""What Whisper decodes: each channel's speech laid end to end, cut into windows of one channel.

The VAD's speech chunks of a channel (padded, as decoding needs) are laid end to end, channel
after channel, and grouped into windows of at most 30 s that never mix channels. faster-whisper's
batched pipeline decodes the windows together, and a word can only come from its own window's
channel: one party's words can never land in the other party's turn. Measured on 37 synthetic
calls (samples/calls and samples/eval-calls), role-aware character error rate on 2 cores: this
layout 0.116; the same windows decoded one after another 0.115, about 10% slower; both parties'
chunks in time order in shared windows 0.132, and that one put a customer's 好的 into the agent's
next turn. Filling windows with whatever speech comes next (agent block, 1 s of silence, customer
block, next recording: a third fewer windows, 35% faster) misattributed no word but dropped whole
utterances (好的请您稍等, 等一下): CER 0.142 against 0.107 (benchmarks/call_attribution.py).

Inside a window, a word goes back to the chunk whose tight speech lies nearest, because Whisper
tends to stamp the first word after a pause early, into the padding before it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from phrasecheck.calls.audio import SAMPLE_RATE

Span = tuple[float, float]  # seconds
WINDOW_S = 30.0  # Whisper's input length
GAP_S = 1.0  # silence laid between two chunks of a window (see layout)


@dataclass(frozen=True)
class Chunk:
    """One padded speech span of one channel, placed at `at` seconds in the decoding audio."""

    channel: int
    start_s: float
    end_s: float
    at: float
    speech: tuple[Span, ...]  # tight speech regions inside the chunk, original seconds

    def to_original(self, t: float) -> float:
        return min(max(self.start_s + t - self.at, self.start_s), self.end_s)

    def speech_distance(self, t: float) -> float:
        """Distance in seconds from decoding time t to this chunk's speech."""
        return min((max(s - self.start_s + self.at - t, t - (e - self.start_s + self.at), 0.0) for s, e in self.speech), default=float("inf"))


@dataclass(frozen=True)
class Window:
    """At most WINDOW_S seconds of the decoding audio, all from one channel."""

    channel: int
    start: float
    end: float
    chunks: tuple[Chunk, ...]

    def locate(self, t: float) -> Chunk:
        """The chunk a word at decoding time t came from: nearest speech; a tie goes to the later."""
        return min(reversed(self.chunks), key=lambda c: c.speech_distance(t))

    def shifted(self, offset: float) -> Window:
        """The same window placed `offset` seconds later (several recordings decoded together)."""
        chunks = tuple(replace(c, at=c.at + offset) for c in self.chunks)
        return replace(self, start=self.start + offset, end=self.end + offset, chunks=chunks)


def pad_regions(tight: list[Span], duration_s: float, *, tight_pad_s: float, min_silence_s: float, min_speech_s: float, pad_s: float) -> list[Span]:
    """Decoding chunks from the tight VAD regions, as Silero would give them with the decoding
    settings (merge pauses under min_silence_s, drop speech under min_speech_s, pad by pad_s,
    splitting the pause where two pads meet), without a second VAD pass over the audio."""
    merged: list[list[float]] = []
    for s, e in tight:
        s, e = s + tight_pad_s, max(e - tight_pad_s, s + tight_pad_s)
        if merged and s - merged[-1][1] < min_silence_s:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    speech = [(s, e) for s, e in merged if e - s >= min_speech_s]
    out = []
    for i, (s, e) in enumerate(speech):
        before = speech[i - 1][1] if i else -2 * pad_s
        after = speech[i + 1][0] if i + 1 < len(speech) else duration_s + 2 * pad_s
        out.append((max(0.0, s - min(pad_s, (s - before) / 2)), min(duration_s, e + min(pad_s, (after - e) / 2))))
    return out


def _samples(t: float) -> int:
    return int(round(t * SAMPLE_RATE))


def layout(
    channels: list[np.ndarray], padded: list[list[Span]], tight: list[list[Span]], window_s: float = WINDOW_S, gap_s: float = GAP_S
) -> tuple[np.ndarray, list[Window]]:
    """The decoding audio (16 kHz float32) and its windows, channel after channel; gap_s of silence
    between two chunks of a window."""
    pieces: list[np.ndarray] = []
    windows: list[Window] = []
    at = 0.0
    for ch, spans in enumerate(padded):
        group: list[Chunk] = []
        group_start = at
        for s, e in spans:
            if e <= s:
                continue
            inside = tuple((max(a, s), min(b, e)) for a, b in tight[ch] if a < e and b > s) or ((s, e),)
            chunk = Chunk(ch, s, e, at, inside)
            length = (_samples(e) - _samples(s)) / SAMPLE_RATE  # exactly what is laid down
            if group and at + _samples(gap_s) / SAMPLE_RATE + length - group_start > window_s:
                windows.append(Window(ch, group_start, at, tuple(group)))
                group, group_start = [], at
            if group and gap_s > 0:
                pieces.append(np.zeros(_samples(gap_s), np.float32))
                at += _samples(gap_s) / SAMPLE_RATE
                chunk = Chunk(ch, s, e, at, inside)
            pieces.append(channels[ch][_samples(s) : _samples(e)])
            at += length
            group.append(chunk)
            while at - group_start > window_s:  # one chunk longer than a window: cut it
                windows.append(Window(ch, group_start, group_start + window_s, tuple(group)))
                group_start += window_s
                group = [chunk]
        if group:
            windows.append(Window(ch, group_start, at, tuple(group)))
    audio = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, dtype=np.float32)
    return audio, windows


def window_at(windows: list[Window], t: float) -> Window:
    """The window holding decoding time t (the middle of a segment), else the nearest one."""
    for w in windows:
        if w.start <= t < w.end:
            return w
    return min(windows, key=lambda w: min(abs(t - w.start), abs(t - w.end)))
