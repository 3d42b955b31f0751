"""Recorder formats and channel layouts: one list of audio types for discovery, decoding and the
report; every type in it decodes; a file that does not is an error with its reason; a "stereo"
file whose channels carry the same mix is one mono recording (dual mono)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from tests.test_transcribe import FakeTranscriber, seg, write_wav

from phrasecheck.calls.audio import DUAL_MONO_NOTE, channel_correlation, load_audio
from phrasecheck.calls.cache import TranscriptCache
from phrasecheck.calls.transcribe import transcribe_file
from phrasecheck.cli import main
from phrasecheck.data import ROLES_CHANNELS, ROLES_INFERRED
from phrasecheck.inputs.discover import AUDIO_SUFFIXES, discover

RATE = 8000


def _signal(seconds: float = 2.0) -> np.ndarray:
    """Two parties: a tone on the left for the first half, another on the right for the second."""
    t = np.arange(int(seconds * RATE)) / RATE
    half = t < seconds / 2
    return np.stack([0.3 * np.sin(2 * np.pi * 440 * t) * half, 0.3 * np.sin(2 * np.pi * 660 * t) * ~half]).astype(np.float32)


def encode(path: Path, data: np.ndarray, rate: int, codec: str, fmt: str | None = None, bit_rate: int | None = None) -> Path:
    """data: (channels, samples) float in [-1, 1] at `rate`."""
    layout = "stereo" if data.shape[0] == 2 else "mono"
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = layout
        if bit_rate:
            stream.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray((np.clip(data, -1, 1) * 32767).astype("<i2").T.reshape(1, -1).copy(), format="s16", layout=layout)
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


# name, codec, rate, channels, container, bit rate, decoded codec
FORMATS = [
    ("alaw.wav", "pcm_alaw", 8000, 2, None, None, "pcm_alaw"),
    ("mulaw.wav", "pcm_mulaw", 8000, 2, None, None, "pcm_mulaw"),
    ("adpcm.wav", "adpcm_ima_wav", 8000, 2, None, None, "adpcm_ima_wav"),
    ("g726.wav", "g726", 8000, 1, None, None, "g726"),
    ("switch.amr", "libopencore_amrnb", 8000, 1, None, 12200, "amrnb"),
    ("low.mp3", "libmp3lame", 8000, 2, None, 32000, "mp3float"),
    ("voip.ogg", "libopus", 48000, 2, None, 32000, "opus"),
    ("voip.opus", "libopus", 48000, 2, None, 32000, "opus"),
    ("call.flac", "flac", 8000, 2, None, None, "flac"),
    ("call.m4a", "aac", 8000, 2, None, None, "aac"),
    ("call.wma", "wmav2", 16000, 2, "asf", 32000, "wmav2"),
]


@pytest.mark.parametrize("name,codec,rate,n_channels,fmt,bit_rate,decoded", FORMATS, ids=[f[0] for f in FORMATS])
def test_every_recorder_format_decodes(tmp_path, name, codec, rate, n_channels, fmt, bit_rate, decoded):
    data = _signal()
    if n_channels == 1:
        data = data.mean(axis=0, keepdims=True)
    data = np.repeat(data, rate // RATE, axis=1)
    path = encode(tmp_path / name, data, rate, codec, fmt, bit_rate)
    assert discover([path])[0] == [path]  # discovered as an input, by the one list of types
    audio = load_audio(str(path))
    assert audio.codec == decoded
    assert len(audio.channels) == n_channels and not audio.dual_mono
    assert 1.9 <= audio.duration_s <= 2.3
    if n_channels == 2:  # the parties stay on their channels through the codec
        first, second = audio.channels[0][: 16000 - 1600], audio.channels[1][16000 + 1600 : 32000 - 1600]
        assert np.abs(first).mean() > 0.05 and np.abs(second).mean() > 0.05
        assert np.abs(audio.channels[1][: 16000 - 1600]).mean() < 0.02


def test_one_list_of_audio_types_for_discovery_decoding_and_report(tmp_path):
    from phrasecheck.calls import audio as calls_audio
    from phrasecheck.inputs import readers
    from phrasecheck.report import html

    assert readers.AUDIO_SUFFIXES is AUDIO_SUFFIXES and calls_audio.AUDIO_SUFFIXES is AUDIO_SUFFIXES and html.AUDIO_SUFFIXES is AUDIO_SUFFIXES
    assert {".wav", ".amr", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".wma"} <= set(AUDIO_SUFFIXES)
    for suffix in AUDIO_SUFFIXES:
        (tmp_path / f"rec{suffix.upper()}").write_bytes(b"x")
    (tmp_path / "readme.md").write_text("not a recording")
    found, ignored, errors = discover([tmp_path])
    assert sorted(p.suffix.lower() for p in found) == sorted(AUDIO_SUFFIXES)
    assert [p.name for p in ignored] == ["readme.md"] and not errors


def test_amr_is_checked_and_an_undecodable_one_is_an_error_with_its_reason(tmp_path):
    """.amr used to be "not an input": now a broken one is listed with why it cannot be read."""
    (tmp_path / "broken.amr").write_bytes(b"#!AMR\n" + bytes(np.random.default_rng(3).integers(0, 256, 300, dtype=np.uint8)))
    (tmp_path / "empty.amr").write_bytes(b"")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "json"])
    assert result.exit_code == 2, result.output
    out = json.loads(result.stdout)
    reasons = {Path(e["path"]).name: e["reason"] for e in out["errors"]}
    assert set(reasons) == {"broken.amr", "empty.amr"}
    assert "empty file" in reasons["empty.amr"]
    assert "cannot decode amrnb audio" in reasons["broken.amr"]
    assert "not inputs" not in result.output


def _mix(seconds: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Two different 'voices' (noise shaped by different envelopes) at 16 kHz."""
    rng = np.random.default_rng(7)
    n = int(seconds * 16000)
    env = np.abs(np.sin(np.linspace(0, 9, n)))
    a = (rng.standard_normal(n) * env * 0.1).astype(np.float32)
    b = (rng.standard_normal(n) * (1 - env) * 0.1).astype(np.float32)
    return a, b


def test_channel_correlation_tells_dual_mono_from_two_parties():
    a, b = _mix()
    mix = a + b
    rng = np.random.default_rng(1)
    assert channel_correlation(mix, mix) > 0.99
    assert channel_correlation(mix, 0.5 * np.roll(mix, 3)) > 0.99  # another gain, a 3-sample delay
    noise = 10 ** (-18 / 20) * np.sqrt(np.mean(mix**2))  # independent noise at 18 dB SNR on each channel
    assert channel_correlation(mix + noise * rng.standard_normal(mix.size), mix + noise * rng.standard_normal(mix.size)) > 0.95
    assert channel_correlation(a + 0.1 * b, b + 0.1 * a) < 0.3  # two parties with -20 dB crosstalk
    assert channel_correlation(a, np.zeros_like(a)) == 0.0  # a silent channel


def test_dual_mono_file_is_one_mono_recording_with_a_note(tmp_path):
    a, b = _mix()
    mix = (a + b)[::2]  # 8 kHz
    dual = write_wav(tmp_path / "dual.wav", [mix, mix], rate=RATE)
    audio = load_audio(str(dual))
    assert audio.dual_mono and len(audio.channels) == 1 and audio.source_channels == 2
    two = load_audio(str(write_wav(tmp_path / "two.wav", [a[::2], b[::2]], rate=RATE)))
    assert not two.dual_mono and len(two.channels) == 2

    fake = FakeTranscriber([[seg("您好，阳光物业客服中心，请问有什么可以帮您？", 0.1, 1.2), seg("我家漏水了怎么办", 1.5, 2.5)]])
    conv = transcribe_file(dual, transcriber=fake)
    assert fake.calls == 1  # one channel decoded, not the same mix twice
    assert conv.roles == ROLES_INFERRED and conv.notes == [DUAL_MONO_NOTE]
    assert [t.role for t in conv.turns] == ["agent", "customer"]
    stereo = transcribe_file(tmp_path / "two.wav", transcriber=FakeTranscriber([[seg("您好", 0.1, 0.5)]]))
    assert stereo.roles == ROLES_CHANNELS and stereo.notes == []

    cache = TranscriptCache(tmp_path / "cache")
    transcribe_file(dual, transcriber=FakeTranscriber([[seg("您好", 0.1, 0.5)]]), cache=cache)
    again = transcribe_file(dual, transcriber=FakeTranscriber(fail=True), cache=cache)  # the note survives the cache
    assert again.notes == [DUAL_MONO_NOTE] and again.roles == ROLES_INFERRED
