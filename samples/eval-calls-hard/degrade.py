#!/usr/bin/env python3
"""Degraded copies of the eval-calls recordings, as telephone systems deliver them (issue #11).

    python3 degrade.py CLEAN_DIR OUT_DIR

CLEAN_DIR holds call-eval-NNN.wav (stereo 8 kHz, agent left) as ../eval-calls/build.sh makes them
(KEEP=DIR keeps them). Each call gets, from a random generator seeded by its name (so a rebuild of
the same recordings gives the same files):
  * speed 0.94-1.06 (resampled like a tape running fast or slow: pitch moves with it);
  * gain -12..+4 dB (clipped at full scale);
  * white noise at 18-28 dB below the speech (its active part), independent on each channel;
  * 50 Hz mains hum with its 3rd and 5th harmonics, 30-40 dB below the speech;
  * one recorder format, in turn: 8 kHz A-law WAV, mu-law WAV, 32 kbit/s MP3, 32 kbit/s Opus,
    AMR-NB 12.2k of the mono mixdown, a mono 16-bit WAV mixdown, and "stereo" dual mono
    (the mixdown written to both channels, A-law).
Writes OUT_DIR/<call>.<ext> and OUT_DIR/variants.tsv (tab-separated: call, file, format, speed, gain_db, snr_db, hum_db; not an input).
PyAV (bundled with faster-whisper) encodes everything: no system ffmpeg.
"""

from __future__ import annotations

import csv
import sys
import zlib
from pathlib import Path

import av
import numpy as np

RATE = 8000
# (name, suffix, codec, container format, bit rate, channels: stereo | mono | dual)
FORMATS = [
    ("alaw", ".wav", "pcm_alaw", "wav", None, "stereo"),
    ("mulaw", ".wav", "pcm_mulaw", "wav", None, "stereo"),
    ("mp3-32k", ".mp3", "libmp3lame", "mp3", 32000, "stereo"),
    ("opus-32k", ".opus", "libopus", "ogg", 32000, "stereo"),
    ("amr-nb-12.2k", ".amr", "libopencore_amrnb", "amr", 12200, "mono"),
    ("mono-pcm", ".wav", "pcm_s16le", "wav", None, "mono"),
    ("dual-mono-alaw", ".wav", "pcm_alaw", "wav", None, "dual"),
]


def read_wav(path: Path) -> np.ndarray:
    """(channels, samples) float32 at RATE."""
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        resampler = av.audio.resampler.AudioResampler(format="fltp", layout="stereo", rate=RATE)
        parts = [out.to_ndarray() for frame in c.decode(stream) for out in resampler.resample(frame)]
        parts += [out.to_ndarray() for out in resampler.resample(None)]
    return np.concatenate(parts, axis=1).astype(np.float32)


def speed(x: np.ndarray, factor: float) -> np.ndarray:
    """Play `factor` times as fast (shorter, higher)."""
    n = int(round(x.shape[1] / factor))
    src = np.arange(n) * factor
    return np.stack([np.interp(src, np.arange(x.shape[1]), ch) for ch in x]).astype(np.float32)


def active_rms(x: np.ndarray) -> float:
    """RMS of the loudest half of 20 ms frames: the speech, not the pauses."""
    frames = x[: x.size // 160 * 160].reshape(-1, 160)
    energy = np.sort((frames**2).mean(axis=1))
    return float(np.sqrt(energy[len(energy) // 2 :].mean())) if len(energy) else 0.0


def degrade(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    factor = float(rng.uniform(0.94, 1.06))
    gain_db = float(rng.uniform(-12, 4))
    snr_db = float(rng.uniform(18, 28))
    hum_db = float(rng.uniform(30, 40))
    y = speed(x, factor) * 10 ** (gain_db / 20)
    level = max(active_rms(ch) for ch in y)
    t = np.arange(y.shape[1]) / RATE
    phase = rng.uniform(0, 2 * np.pi)
    hum = sum(a * np.sin(2 * np.pi * f * t + phase * k) for k, (f, a) in enumerate([(50, 1.0), (150, 0.5), (250, 0.25)], 1))
    hum = hum / np.sqrt(np.mean(hum**2)) * level * 10 ** (-hum_db / 20)
    noise = rng.standard_normal(y.shape) * level * 10 ** (-snr_db / 20)
    y = np.clip(y + noise + hum, -1, 1).astype(np.float32)
    return y, {"speed": round(factor, 3), "gain_db": round(gain_db, 1), "snr_db": round(snr_db, 1), "hum_db": round(hum_db, 1)}


def encode(path: Path, data: np.ndarray, codec: str, fmt: str, bit_rate: int | None) -> None:
    layout = "stereo" if data.shape[0] == 2 else "mono"
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=RATE)
        stream.layout = layout
        if bit_rate:
            stream.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray((np.clip(data, -1, 1) * 32767).astype("<i2").T.reshape(1, -1).copy(), format="s16", layout=layout)
        frame.sample_rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def main(clean_dir: str, out_dir: str, pattern: str = "call-eval-*.wav") -> int:
    """pattern: which recordings of clean_dir (the held-out sets pass their own, call-hold-*.wav)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, wav in enumerate(sorted(Path(clean_dir).glob(pattern))):
        rng = np.random.default_rng(zlib.crc32(wav.stem.encode()))
        y, info = degrade(read_wav(wav), rng)
        name, suffix, codec, fmt, bit_rate, channels = FORMATS[i % len(FORMATS)]
        if channels != "stereo":
            mix = np.clip(y.sum(axis=0, keepdims=True) * 0.7, -1, 1)
            y = np.concatenate([mix, mix]) if channels == "dual" else mix
        target = out / f"{wav.stem}{suffix}"
        encode(target, y, codec, fmt, bit_rate)
        rows.append({"call": wav.stem, "file": target.name, "format": name, **info})
        print(f"{target.name}: {name}, speed {info['speed']}, gain {info['gain_db']} dB, SNR {info['snr_db']} dB, hum -{info['hum_db']} dB")
    if not rows:
        print(f"{clean_dir}: no {pattern}", file=sys.stderr)
        return 1
    with open(out / "variants.tsv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
