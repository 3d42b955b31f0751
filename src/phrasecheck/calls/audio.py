"""Decode a call recording into 16 kHz float channels, or say precisely why it cannot be used.

PyAV (bundled with faster-whisper, so no system ffmpeg) decodes wav incl. G.711 mu-law/A-law, mp3,
m4a, flac and ogg. faster_whisper.decode_audio silently drops undecodable frames, so a truncated
file would come back as a shorter recording and its calls would look fine: we check the declared
length against what was decoded (and a WAV's header against the file size) and report truncation.
Every problem is an InputError naming the file, so a batch scan can list it and go on.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass

import numpy as np

from phrasecheck.errors import InputError
from phrasecheck.inputs.discover import AUDIO_SUFFIXES

SAMPLE_RATE = 16000
# How much shorter than declared a decoded stream may be before we call the file truncated.
TRUNCATION_TOLERANCE = 0.05


@dataclass
class Audio:
    channels: list[np.ndarray]  # float32 at SAMPLE_RATE; one per party for stereo, one for mono
    duration_s: float
    source_channels: int  # channels in the file; of more than two, the profile's agent and customer channels are kept
    codec: str


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
    return Audio(channels=channels, duration_s=duration, source_channels=n_src, codec=codec)


def _decode(container, stream, stereo: bool, layout: str | None = None) -> np.ndarray:
    """Like faster_whisper.decode_audio, but raises on a broken stream instead of skipping it.

    Isolated frame errors are tolerated (as faster-whisper does) as long as the rest decodes;
    the truncation check on the length catches files that lose a real part of their audio.
    """
    import av

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
