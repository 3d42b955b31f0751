"""Decode a call recording into 16 kHz float channels, or say precisely why it cannot be used.

PyAV (bundled with faster-whisper, so no system ffmpeg) decodes every type in AUDIO_SUFFIXES: wav
(PCM, G.711 A-law/mu-law, GSM 6.10, IMA ADPCM, G.726), AMR-NB/WB, mp3, m4a/aac, ogg/opus, flac and
wma. AUDIO_SUFFIXES is the one list of recording types: discovery (inputs/readers.py), decoding
and the HTML report's player all read it, so a type is either found and decoded (or reported with
the reason it cannot be) or not a recording at all. faster_whisper.decode_audio silently drops undecodable frames, so a truncated
file would come back as a shorter recording and its calls would look fine: we check the declared
length against what was decoded (and a WAV's header against the file size) and report truncation.
Every problem is an InputError naming the file, so a batch scan can list it and go on.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from phrasecheck.errors import InputError
from phrasecheck.inputs.discover import AUDIO_SUFFIXES

if TYPE_CHECKING:  # numpy is imported where audio is decoded: chat checks import this module for AUDIO_SUFFIXES
    import numpy as np

SAMPLE_RATE = 16000
# How much shorter than declared a decoded stream may be before we call the file truncated.
TRUNCATION_TOLERANCE = 0.05
# Dual mono: a "stereo" file whose two channels both carry the mix. Two parties on their own
# channels correlate weakly even with echo or crosstalk (a -20 dB echo of each party on the other
# channel gives about 0.2); the same mix on both channels correlates near 1 after any codec, and
# still about 0.98 with independent noise at 18 dB SNR on each channel. The best correlation over
# small lags is used (a recorder may delay one channel by a few samples).
DUAL_MONO_CORRELATION = 0.8
DUAL_MONO_MAX_LAG = 8  # samples at 16 kHz
DUAL_MONO_NOTE = "both channels carry the same signal (dual mono): treated as one mono recording, roles inferred from the text"


@dataclass
class Audio:
    channels: list[np.ndarray]  # float32 at SAMPLE_RATE; one per party for stereo, one for mono
    duration_s: float
    source_channels: int  # channels in the file; of more than two, the profile's agent and customer channels are kept
    codec: str
    dual_mono: bool = False  # stereo file whose channels carry the same signal: decoded as mono


def file_sha256(path: str) -> str:
    """Content hash: the transcript cache key survives renames and moves of the recording."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_wav_header(path: str, size: int) -> None:
    """RIFF sanity: a WAV whose data chunk claims more bytes than the file holds is truncated."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise InputError(path, "not a WAV file: no RIFF/WAVE header")
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise InputError(path, "truncated WAV: the file ends before its audio data chunk")
            cid, csize = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                if csize == 0:
                    raise InputError(path, "zero-length recording: the WAV holds no audio samples")
                held = size - f.tell()
                # 0xFFFFFFFF (and RF64's placeholder) mean "unknown length": streaming writers use them.
                if csize != 0xFFFFFFFF and head[:4] == b"RIFF" and held < csize * (1 - TRUNCATION_TOLERANCE):
                    raise InputError(path, f"truncated WAV: header declares {csize} bytes of audio, the file holds {held}")
                return
            f.seek(csize + (csize & 1), os.SEEK_CUR)


def load_audio(path: str, pick: tuple[int, int] | None = None) -> Audio:
    """Decode `path`; raise InputError(path, reason) for empty, zero-length, corrupt, truncated or
    unsupported files. A recording with more than two channels needs `pick` (the agent's and the
    customer's channel, from 0): its channels come back in that order; without it, an error (mixing
    them down would put the customer's words in the agent's turns)."""
    import av

    if not os.path.isfile(path):
        raise InputError(path, "file not found")
    size = os.path.getsize(path)
    if size == 0:
        raise InputError(path, "empty file (0 bytes)")
    ext = os.path.splitext(path)[1].lower()
    if ext not in AUDIO_SUFFIXES:
        raise InputError(path, f"unsupported file type '{ext or 'no extension'}' (supported: {', '.join(sorted(AUDIO_SUFFIXES))})")
    if ext == ".wav":
        _check_wav_header(path, size)

    try:
        container = av.open(path, mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as e:
        raise InputError(path, f"cannot decode: {_reason(e)}") from e
    except (OSError, ValueError) as e:
        raise InputError(path, f"cannot open: {e}") from e
    with container:
        if not container.streams.audio:
            raise InputError(path, "no audio stream in the file")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # PyAV has no decoder for this codec
            raise InputError(path, "unsupported audio codec (no decoder for it in PyAV/FFmpeg)")
        codec = stream.codec_context.name
        n_src = stream.codec_context.channels or 1
        if n_src > 2 and pick is None:
            raise InputError(
                path, f"{n_src} audio channels: say which is the agent's and which the customer's in phrasecheck.yaml (channels: {{agent: 1, customer: 2}})"
            )
        if n_src > 2 and max(pick) >= n_src:
            raise InputError(path, f"channels: agent {pick[0] + 1}, customer {pick[1] + 1} in phrasecheck.yaml, but the recording has {n_src} channels")
        declared = _declared_seconds(container, stream)
        try:
            pcm = _decode(container, stream, stereo=n_src >= 2, layout=stream.codec_context.layout.name if n_src > 2 else None)
        except av.error.FFmpegError as e:
            raise InputError(path, f"cannot decode {codec} audio: {_reason(e)}") from e

    if pcm.size == 0:
        raise InputError(path, f"zero-length recording: no {codec} audio could be decoded")
    if n_src > 2:
        channels = [pcm[k::n_src].copy() for k in pick]
    else:
        channels = [pcm[0::2].copy(), pcm[1::2].copy()] if n_src >= 2 else [pcm]
    duration = len(channels[0]) / SAMPLE_RATE
    if declared and duration < declared * (1 - TRUNCATION_TOLERANCE) - 0.2:
        raise InputError(path, f"truncated or corrupt: {declared:.1f} s declared, only {duration:.1f} s decodable")
    # a pair picked from a many-channel file by the profile is taken as assigned, never as dual mono
    dual = n_src == 2 and is_dual_mono(channels[0], channels[1])
    if dual:
        channels = [(channels[0] + channels[1]) / 2]
    return Audio(channels=channels, duration_s=duration, source_channels=n_src, codec=codec, dual_mono=dual)


def channel_correlation(left: np.ndarray, right: np.ndarray, max_lag: int = DUAL_MONO_MAX_LAG) -> float:
    """The best Pearson correlation of two channels over lags of at most max_lag samples (0.0 when
    either channel is silent). Looks at the first 120 s: enough to tell, cheap on long calls."""
    import numpy as np

    n = min(len(left), len(right), 120 * SAMPLE_RATE)
    a = left[:n].astype(np.float64) - float(np.mean(left[:n])) if n else left[:0]
    b = right[:n].astype(np.float64) - float(np.mean(right[:n])) if n else right[:0]
    if n <= 2 * max_lag or not np.any(a) or not np.any(b):
        return 0.0
    best = 0.0
    for lag in range(-max_lag, max_lag + 1):
        x, y = (a[lag:], b[: n - lag]) if lag >= 0 else (a[: n + lag], b[-lag:])
        den = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
        if den > 0:
            best = max(best, float(np.dot(x, y)) / den)
    return best


def is_dual_mono(left: np.ndarray, right: np.ndarray) -> bool:
    """Both channels carry the same signal (a mix written twice), so they are not two parties."""
    return channel_correlation(left, right) >= DUAL_MONO_CORRELATION


def _decode(container, stream, stereo: bool, layout: str | None = None) -> np.ndarray:
    """Like faster_whisper.decode_audio, but raises on a broken stream instead of skipping it.

    Isolated frame errors are tolerated (as faster-whisper does) as long as the rest decodes;
    the truncation check on the length catches files that lose a real part of their audio.
    """
    import av
    import numpy as np

    resampler = av.audio.resampler.AudioResampler(format="s16", layout=layout or ("stereo" if stereo else "mono"), rate=SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    errors = 0
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except av.error.InvalidDataError:
            errors += 1
            if errors > 50:
                raise
            continue
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            errors += 1
            if errors > 50 or not chunks and errors > 5:
                raise
            continue
        for frame in frames:
            frame.pts = None
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    for out in resampler.resample(None):
        chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        return np.zeros(0, np.float32)
    return np.concatenate(chunks).astype(np.float32) / 32768.0


def _declared_seconds(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def _reason(e: Exception) -> str:
    msg = getattr(e, "strerror", None) or str(e)
    return msg.strip().splitlines()[0] if msg.strip() else type(e).__name__
