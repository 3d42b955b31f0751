#!/usr/bin/env python3
"""Scan speed: `phrasecheck scan` against bare faster-whisper on the same recordings.

    python3 benchmarks/scan_speed.py [FOLDER] [--device cpu|cuda] [--jobs N] [--repeat N] [--copies N] [--stitch S]

FOLDER defaults to samples/calls. Every pipeline runs as its own process, as a user would run it,
so interpreter start, imports and model load count on both sides. "bare" is faster-whisper with
the default model as the issue defines its baseline (int8 on CPU / float16 on CUDA, beam 5,
language zh, no VAD, the whole file at once, both parties mixed down); "each channel alone" is
bare faster-whisper decoding each party of a stereo file separately with its VAD, the least it
takes to tell the parties apart. scan adds what phrasecheck does on top: word timestamps, role
attribution, the rules, and the report folder. "cached" is a second scan after the transcripts are in the cache (only the rules and the
reports run); "--no-verify" leaves out acoustic verification, so the two scans give its cost. Figures: median wall seconds over --repeat runs, audio seconds per wall second, and
median CPU seconds (user + system); the best wall time of each pipeline shows it on a quiet spell
of a busy machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(SRC))

AUDIO = (".wav", ".mp3", ".m4a", ".flac", ".ogg")


def bare_worker(model_dir: str, device: str, mode: str, files: list[str]) -> None:
    """Runs in the child process: load the model, transcribe every file, print nothing.

    mode plain: the file mixed down to mono, as the issue's baseline; batched: the same through the
    batched pipeline (its VAD on); channels: each channel of a stereo file on its own with the VAD,
    which is what telling the parties apart takes with bare faster-whisper."""
    from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio

    model = WhisperModel(model_dir, device=device, compute_type="float16" if device == "cuda" else "int8")
    if mode == "batched":
        runner = BatchedInferencePipeline(model)
        for f in files:
            "".join(s.text for s in runner.transcribe(f, language="zh", beam_size=5, batch_size=8)[0])
    elif mode == "channels":
        import av

        for f in files:
            with av.open(f) as container:
                stereo = container.streams.audio[0].codec_context.channels >= 2
            for audio in decode_audio(f, split_stereo=True) if stereo else (decode_audio(f),):
                "".join(s.text for s in model.transcribe(audio, language="zh", beam_size=5, vad_filter=True)[0])
    else:
        for f in files:
            "".join(s.text for s in model.transcribe(f, language="zh", beam_size=5)[0])


def stitch(files: list[str], folder: Path, seconds: float, calls: int = 4) -> Path:
    """Four stereo calls of about `seconds`, each the stereo recordings end to end in a rotated order."""
    import wave

    import numpy as np

    from phrasecheck.calls.audio import SAMPLE_RATE, load_audio

    stereo = [a.channels for a in map(load_audio, files) if len(a.channels) == 2]
    folder.mkdir(parents=True)
    for k in range(calls):
        parts, total = [], 0.0
        while total < seconds:
            left, right = stereo[(k + len(parts)) % len(stereo)]
            parts.append(np.stack([left, right], axis=1))
            total += len(left) / SAMPLE_RATE
        pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2")
        with wave.open(str(folder / f"stitched{k}.wav"), "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(pcm.tobytes())
    return folder


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of cmd."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # scan exits 1 never; check-style 1 would mean findings
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", default=str(HERE.parent / "samples" / "calls"))
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--stitch", type=float, default=0.0)
    ap.add_argument("--bare-worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.bare_worker:
        model_dir, device, batched, *files = a.bare_worker
        bare_worker(model_dir, device, batched, files)
        return 0

    from phrasecheck.calls.audio import load_audio
    from phrasecheck.calls.model_files import resolve_model

    folder = Path(a.folder)
    files = sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in AUDIO)
    if not files:
        print(f"no recordings under {folder}")
        return 0
    out = Path(tempfile.mkdtemp(prefix="phrasecheck-bench-"))
    if a.stitch > 0:
        folder = stitch(files, out / "stitched", a.stitch)
        files = sorted(str(p) for p in folder.iterdir())
    if a.copies > 1:
        folder = out / "recordings"
        folder.mkdir()
        for i in range(a.copies):
            for f in files:
                (folder / f"{i}_{Path(f).name}").symlink_to(Path(f).resolve())
        files = sorted(str(p) for p in folder.iterdir())
    audio_s = sum(load_audio(f).duration_s for f in files)
    model_dir = resolve_model("base").load_from
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    scan = [sys.executable, "-m", "phrasecheck", "scan", str(folder), "--out", str(out / "report"), "--device", a.device, "--jobs", str(a.jobs)]
    runs = [("bare faster-whisper (whole file, no VAD)", [sys.executable, __file__, "--bare-worker", model_dir, a.device, "plain", *files])]
    runs.append(("bare faster-whisper, each channel alone, VAD", [sys.executable, __file__, "--bare-worker", model_dir, a.device, "channels", *files]))
    if a.device == "cuda":
        runs.append(("bare faster-whisper batched (VAD, batch 8)", [sys.executable, __file__, "--bare-worker", model_dir, a.device, "batched", *files]))
    runs.append((f"phrasecheck scan --no-cache --no-verify --jobs {a.jobs}", [*scan, "--no-cache", "--no-verify"]))
    runs.append((f"phrasecheck scan --no-cache --jobs {a.jobs}", [*scan, "--no-cache"]))

    results = {}
    for _ in range(a.repeat):  # interleaved, so a slow spell of the machine hits every pipeline
        for name, cmd in runs:
            results.setdefault(name, []).append(timed(cmd, env))
    timed(scan, env)  # fills the transcript cache
    results["phrasecheck scan, cached re-run"] = [timed(scan, env) for _ in range(a.repeat)]

    print(
        f"{len(files)} recordings, {audio_s:.1f} s of audio in {folder}; device {a.device}, "
        f"{os.cpu_count()} CPUs; median of {a.repeat} runs, each a fresh process"
    )
    print(f"{'pipeline':46s} {'wall s':>8s} {'audio s / wall s':>17s} {'best wall s':>12s} {'CPU s':>7s}   wall of each run")
    for name, runs_ in results.items():
        wall, cpu = (statistics.median(r[k] for r in runs_) for k in (0, 1))
        best = min(r[0] for r in runs_)
        print(f"{name:46s} {wall:8.2f} {audio_s / wall:17.2f} {best:12.2f} {cpu:7.2f}   {' '.join(f'{r[0]:.2f}' for r in runs_)}")
    ours = results[runs[-1][0]]
    unverified = results[runs[-2][0]]
    for k, clock in ((0, "wall"), (1, "CPU")):
        b, o = statistics.median(r[k] for r in unverified), statistics.median(r[k] for r in ours)
        print(f"acoustic verification: {100 * (o - b) / o:+.1f}% of scan's {clock} time (scan against scan --no-verify, medians; budget 10%)")
    each = results[runs[1][0]]
    print(
        f"bare faster-whisper, each channel alone / scan: {statistics.median(r[0] for r in each) / statistics.median(r[0] for r in ours):.2f}x wall "
        f"(target: scan at least 1.3x as fast)"
    )
    for label, base in (("bare", results[runs[0][0]]), ("bare, each channel alone", results[runs[1][0]])):
        for k, clock in ((0, "wall"), (1, "CPU")):
            b, o = statistics.median(r[k] for r in base), statistics.median(r[k] for r in ours)
            print(f"scan {clock} time against {label}: {100 * (o - b) / b:+.1f}% (medians)")
        b, o = min(r[0] for r in base), min(r[0] for r in ours)
        print(f"scan best wall time against {label}'s best: {100 * (o - b) / b:+.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
