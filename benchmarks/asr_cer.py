#!/usr/bin/env python3
"""Character error rate and speed: bare faster-whisper vs phrasecheck's transcribe path.

The issue's baseline: faster-whisper with the default base model, int8, beam 5, language zh,
no VAD, converted to simplified and compared on Chinese characters only, scores corpus CER 0.103
at 4.6x real time on 2 cores over ../shared/realdata/audio. phrasecheck's path (VAD, word
timestamps, no conditioning on previous text, role attribution, t2s + 著 fix) must not be worse.

    PYTHONPATH=src python3 benchmarks/asr_cer.py [AUDIO_DIR] [--only bare|phrasecheck]

Both models are loaded and warmed up before timing; x-real-time = audio seconds / wall seconds,
decoding of the files included. Digits count as deletions on both sides (Chinese characters only).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

DEFAULT_DIR = HERE.parent.parent / "shared" / "realdata" / "audio"
HAN = re.compile(r"[\u4e00-\u9fff]")


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def han_only(text: str, t2s) -> str:
    return "".join(HAN.findall(t2s(text)))


def load_refs(folder: Path) -> list[tuple[Path, str]]:
    with open(folder / "transcripts.tsv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [(folder / r["filename"], r["reference_text"]) for r in rows if (folder / r["filename"]).is_file()]


def run(name, transcribe, clips, t2s, durations):
    errors = ref_chars = 0
    start = time.perf_counter()
    hyps = []
    for path, _ref in clips:
        hyps.append(transcribe(str(path)))
    wall = time.perf_counter() - start
    per_clip = []
    for (path, ref), hyp in zip(clips, hyps):
        r, h = han_only(ref, t2s), han_only(hyp, t2s)
        e = edit_distance(r, h)
        errors += e
        ref_chars += len(r)
        per_clip.append((path.name, e, len(r), h))
    audio_s = sum(durations)
    return {
        "name": name,
        "cer": errors / max(ref_chars, 1),
        "xrt": audio_s / wall,
        "wall": wall,
        "audio_s": audio_s,
        "errors": errors,
        "ref_chars": ref_chars,
        "per_clip": per_clip,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("audio_dir", nargs="?", default=os.environ.get("PHRASECHECK_REALDATA", str(DEFAULT_DIR)))
    ap.add_argument("--only", choices=["bare", "phrasecheck"])
    ap.add_argument("--verbose", "-v", action="store_true", help="per-clip errors and hypotheses")
    a = ap.parse_args()

    folder = Path(a.audio_dir)
    if not (folder / "transcripts.tsv").is_file():
        print(f"skipped: no {folder}/transcripts.tsv (real Mandarin clips with references)")
        return 0

    import opencc
    from faster_whisper import WhisperModel

    from phrasecheck.calls.audio import load_audio
    from phrasecheck.calls.transcribe import TranscribeOptions, WhisperTranscriber, transcribe_file

    t2s = opencc.OpenCC("t2s").convert
    clips = load_refs(folder)
    durations = [load_audio(str(p)).duration_s for p, _ in clips]
    results = []

    options = TranscribeOptions()
    transcriber = WhisperTranscriber(options)
    if a.only != "phrasecheck":
        bare = WhisperModel(transcriber.resolved.load_from, device="cpu", compute_type="int8")

        def bare_transcribe(path: str) -> str:
            segments, _ = bare.transcribe(path, language="zh", beam_size=5)
            return "".join(s.text for s in segments)

        bare_transcribe(str(clips[0][0]))  # warm-up
        results.append(run("bare faster-whisper base int8, beam 5, no VAD", bare_transcribe, clips, t2s, durations))
        del bare

    if a.only != "bare":

        def ours(path: str) -> str:
            from phrasecheck.errors import NoSpeech

            try:
                conv = transcribe_file(path, options, transcriber=transcriber)
            except NoSpeech:  # a clip under a second is "no speech" to a scan: every character it holds is an error here
                return ""
            return "".join(t.text for t in conv.turns)

        ours(str(clips[0][0]))  # warm-up, loads the model
        results.append(run("phrasecheck transcribe (default options)", ours, clips, t2s, durations))

    print(f"{len(clips)} clips, {sum(durations):.1f} s of audio, {os.cpu_count()} CPUs, {folder}")
    print(f"{'pipeline':48s} {'CER':>7s} {'errors':>9s} {'x real time':>12s}")
    for r in results:
        print(f"{r['name']:48s} {r['cer']:7.3f} {r['errors']:4d}/{r['ref_chars']:<4d} {r['xrt']:11.1f}x")
    if a.verbose:
        for r in results:
            print(f"\n{r['name']}")
            for name, e, n, h in r["per_clip"]:
                print(f"  {e:3d}/{n:<3d} {name}: {h}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
