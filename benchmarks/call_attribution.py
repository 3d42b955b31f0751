#!/usr/bin/env python3
"""Who said what: role-aware character error rate and misattributed words on synthetic calls.

    PYTHONPATH=src python3 benchmarks/call_attribution.py [REFS.jsonl ...] [--show]

Each REFS.jsonl is the reference file synth_call.py writes beside its recordings (one line per
recording: file, turns with role, text, start_s, end_s). Default: samples/calls/calls.refs.jsonl;
add the 32 calls of samples/eval-calls with `KEEP=/tmp/evalcalls samples/eval-calls/build.sh` and
/tmp/evalcalls/audio/refs.jsonl. The recordings are transcribed as `scan` does (groups of about
four minutes of audio decoded together, no cache), then, per role, the agent's (customer's) words
are compared with what the agent (customer) said, on Chinese characters only. A misattributed
word is one put in an agent turn while only the customer was speaking at its time, or the reverse;
mono recordings (roles inferred by text) count in the CER but not in the misattributed words.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from asr_cer import HAN, edit_distance  # noqa: E402

SLACK_S = 0.3  # a word this close to a reference turn may belong to it


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("refs", nargs="*", default=[str(HERE.parent / "samples" / "calls" / "calls.refs.jsonl")])
    ap.add_argument("--show", action="store_true", help="print each misattributed word")
    a = ap.parse_args()

    from phrasecheck.calls.asr_text import ZhText
    from phrasecheck.calls.audio import load_audio
    from phrasecheck.calls.batch import groups_of
    from phrasecheck.calls.transcribe import Job, TranscribeOptions, WhisperTranscriber, transcribe_batch

    refs = []
    for path in map(Path, a.refs):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                refs.append((path.parent / r["file"], r))
    options = TranscribeOptions()
    transcriber = WhisperTranscriber(options)
    transcriber._load()  # model load is not what this measures
    durations = [load_audio(str(p)).duration_s for p, _ in refs]
    audio_s = sum(durations)
    start = time.perf_counter()
    convs = []
    for group in groups_of(durations, options.batch_size * 30.0):
        convs += transcribe_batch([Job(str(refs[i][0])) for i in group], options, transcriber)
    wall = time.perf_counter() - start
    simplify = ZhText().simplify
    errors = chars = 0
    wrong: list[tuple[str, str, str, float]] = []
    stereo_words = 0
    for (path, ref), conv in zip(refs, convs):
        if not hasattr(conv, "turns"):
            print(f"{path}: {conv}")
            continue
        for role in ("agent", "customer"):
            said = "".join(HAN.findall(simplify("".join(t["text"] for t in ref["turns"] if t["role"] == role))))
            heard = "".join(HAN.findall(simplify("".join(t.text for t in conv.turns if t.role == role))))
            errors += edit_distance(said, heard)
            chars += len(said)
        if conv.roles != "channels":
            continue
        for turn in conv.turns:
            for a0, b0, s, e, *_ in turn.words:
                stereo_words += 1
                mid = (s + e) / 2
                speaking = {t["role"] for t in ref["turns"] if t["start_s"] - SLACK_S <= mid <= t["end_s"] + SLACK_S}
                if speaking and turn.role not in speaking:
                    wrong.append((path.name, turn.role, turn.text[a0:b0], round(mid, 2)))
    print(f"{len(refs)} recordings, {audio_s:.1f} s of audio")
    print(
        f"role-aware CER {errors / max(chars, 1):.3f} ({errors}/{chars}); misattributed words "
        f"{len(wrong)} of {stereo_words} in stereo calls; transcription {wall:.1f} s ({audio_s / wall:.2f} audio s / s)"
    )
    if a.show:
        for w in wrong:
            print("  ", *w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
