"""Both channels of a stereo call in one Whisper pass.

Transcribing each channel on its own costs about 35% more than one pass over the mixed call
(measured on samples/calls, benchmarks/scan_speed.py): every channel pays for its own 30-second
encoder windows, each half empty. Instead the speech chunks that the VAD finds on each channel
are laid end to end in time order, the result is transcribed once, and every word goes back to
the chunk (hence channel and original time) it came from. Whisper tends to stamp the first word
after a pause early, into the padding before it, which here is the previous chunk's tail: a word
therefore goes to the chunk whose tight speech region lies nearest, not to the one it falls in.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE

Span = tuple[float, float]  # seconds


@dataclass(frozen=True)
class Chunk:
    """One channel's padded speech span, placed at `at` seconds in the interleaved audio."""

    channel: int
    start_s: float
    end_s: float
    at: float
    speech: tuple[Span, ...]  # tight speech regions inside the chunk, original seconds

    def to_original(self, t: float) -> float:
        return min(max(self.start_s + t - self.at, self.start_s), self.end_s)

    def speech_distance(self, t: float) -> float:
        """Distance in seconds from interleaved time t to this chunk's speech."""
        return min((max(s - self.start_s + self.at - t, t - (e - self.start_s + self.at), 0.0)
                    for s, e in self.speech), default=float("inf"))


def pad_regions(tight: list[Span], duration_s: float, *, tight_pad_s: float, min_silence_s: float,
                min_speech_s: float, pad_s: float) -> list[Span]:
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


def plan(padded: list[list[Span]], tight: list[list[Span]], switch_pad_s: float = 0.5) -> list[Chunk]:
    """Order every channel's padded speech spans by start and give each its place end to end.

    Where one party's padding runs into the next party's (the pads overlap in time and their
    speech does not), both are cut at the middle of the pause between the two speakers, but each
    keeps at least switch_pad_s: the interleaved audio stays about as long as the call, and a word
    Whisper stamps a little early still lies nearer its own speaker's speech."""
    spans = sorted((s, e, ch) for ch, spans in enumerate(padded) for s, e in spans if e > s)
    parts = []
    for s, e, ch in spans:
        inside = tuple((max(a, s), min(b, e)) for a, b in tight[ch] if a < e and b > s) or ((s, e),)
        if parts:
            ps, pe, pch, pin = parts[-1]
            if pch != ch and s < pe and pin[-1][1] <= inside[0][0]:
                cut = (pin[-1][1] + inside[0][0]) / 2
                parts[-1] = (ps, min(pe, max(cut, pin[-1][1] + switch_pad_s)), pch, pin)
                s = max(s, min(cut, inside[0][0] - switch_pad_s))
        parts.append((s, e, ch, inside))
    chunks, at = [], 0.0
    for s, e, ch, inside in parts:
        chunks.append(Chunk(ch, s, e, at, inside))
        at += (_samples(e) - _samples(s)) / SAMPLE_RATE  # exactly what interleave() lays down
    return chunks


def _samples(t: float) -> int:
    return int(round(t * SAMPLE_RATE))


def interleave(channels: list[np.ndarray], chunks: list[Chunk]) -> np.ndarray:
    """The chunks' audio laid end to end (16 kHz float32)."""
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([channels[c.channel][_samples(c.start_s):_samples(c.end_s)] for c in chunks]).astype(np.float32)


def locate(chunks: list[Chunk], t: float) -> Chunk:
    """The chunk a word at interleaved time t came from: nearest speech; a tie goes to the later."""
    i = max(bisect_right([c.at for c in chunks], t) - 1, 0)
    near = chunks[max(i - 1, 0):i + 2]
    return min(reversed(near), key=lambda c: c.speech_distance(t))


def windows(chunks: list[Chunk], max_s: float = 30.0) -> list[dict[str, float]]:
    """clip_timestamps for the batched pipeline: whole chunks grouped into windows of at most max_s."""
    out: list[dict[str, float]] = []
    for c in chunks:
        start, end = c.at, c.at + (c.end_s - c.start_s)
        while end - start > max_s:  # one chunk longer than a window: cut it
            out.append({"start": start, "end": start + max_s})
            start += max_s
        if out and end - out[-1]["start"] <= max_s:  # chunks are contiguous: extend the window
            out[-1]["end"] = end
        else:
            out.append({"start": start, "end": end})
    return out
