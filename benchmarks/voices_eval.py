#!/usr/bin/env python3
"""Speaker attribution on the single-channel degraded eval calls: per word and per turn, against the script.

    python3 benchmarks/voices_eval.py [SET ...]      # SET: hard holdout holdout2 ... holdout27 (default: those whose recordings are there)

Needs the degraded recordings (KEEP=DIR of the sets' build.sh; defaults below, override with
VOICES_AUDIO_<SET>=DIR) and reads their transcripts from the transcript cache (a miss transcribes).
Each recognised word is aligned to the script's text (difflib over the whole call), and its true
role is the role of the script line it aligns to. Reported: the share of aligned words (and of turns,
by majority of their words) whose role is right, with the text heuristic (roles.py) and with voices
(voices.py), on the mono PCM, AMR-NB and dual-mono calls; and how often voices fell back.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from phrasecheck.calls.audio import load_audio  # noqa: E402
from phrasecheck.calls.cache import TranscriptCache  # noqa: E402
from phrasecheck.calls.transcribe import Job, TranscribeOptions, WhisperTranscriber, transcribe_batch  # noqa: E402
from phrasecheck.calls.voices import attribute_voices  # noqa: E402

S = ROOT / "samples"
SETS = {
    "hard": ("/tmp/evalcalls/hard", S / "eval-calls-hard/variants.tsv", [S / "eval-calls/calls.script.jsonl", S / "eval-calls/holds.script.jsonl"]),
    "holdout": ("/tmp/holdout/hard", S / "eval-calls-holdout/hard/variants.tsv", [S / "eval-calls-holdout/holdout.script.jsonl"]),
    "holdout2": ("/tmp/holdout2/hard", S / "eval-calls-holdout2/hard/variants.tsv", [S / "eval-calls-holdout2/holdout2.script.jsonl"]),
    "holdout3": ("/tmp/holdout3/hard", S / "eval-calls-holdout3/hard/variants.tsv", [S / "eval-calls-holdout3/holdout3.script.jsonl"]),
    "holdout4": ("/tmp/holdout4/hard", S / "eval-calls-holdout4/hard/variants.tsv", [S / "eval-calls-holdout4/holdout4.script.jsonl"]),
    "holdout5": ("/tmp/holdout5/hard", S / "eval-calls-holdout5/hard/variants.tsv", [S / "eval-calls-holdout5/holdout5.script.jsonl"]),
    "holdout6": ("/tmp/holdout6/hard", S / "eval-calls-holdout6/hard/variants.tsv", [S / "eval-calls-holdout6/holdout6.script.jsonl"]),
    "holdout7": ("/tmp/holdout7/hard", S / "eval-calls-holdout7/hard/variants.tsv", [S / "eval-calls-holdout7/holdout7.script.jsonl"]),
    **{
        f"holdout{n}": (f"/tmp/holdout{n}/hard", S / f"eval-calls-holdout{n}/hard/variants.tsv", [S / f"eval-calls-holdout{n}/holdout{n}.script.jsonl"])
        for n in range(8, 28)
    },
}
MONO = ("mono-pcm", "amr-nb-12.2k", "dual-mono-alaw")
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


def script_chars(paths) -> dict[str, tuple[str, list[str]]]:
    out: dict[str, tuple[list[str], list[str]]] = {}
    for p in paths:
        for line in open(p, encoding="utf-8"):
            if line.strip():
                m = json.loads(line)
                chars, roles = out.setdefault(m["conversation_id"], ([], []))
                for ch in m["text"]:
                    if _KEEP.match(ch):
                        chars.append(ch)
                        roles.append(m["role"])
    return {k: ("".join(c), r) for k, (c, r) in out.items()}


def word_truth(turns, script: tuple[str, list[str]]) -> list[list[str | None]]:
    """The script role of each word of each turn (None where it aligns to nothing)."""
    chars, owner = [], []
    for ti, t in enumerate(turns):
        for wi, w in enumerate(t.words):
            for ch in t.text[w[0] : w[1]]:
                if _KEEP.match(ch):
                    chars.append(ch)
                    owner.append((ti, wi))
    sm = difflib.SequenceMatcher(None, "".join(chars), script[0], autojunk=False)
    votes: dict[tuple[int, int], list[str]] = {}
    for a, b, n in sm.get_matching_blocks():
        for k in range(n):
            votes.setdefault(owner[a + k], []).append(script[1][b + k])
    out = []
    for ti, t in enumerate(turns):
        row = []
        for wi in range(len(t.words)):
            v = votes.get((ti, wi))
            row.append(max(set(v), key=v.count) if v else None)
        out.append(row)
    return out


def score(turns, truth_of) -> tuple[int, int, int, int]:
    """(words right, words aligned, turns right, turns) for turns with their roles."""
    wr = wn = tr = tn = 0
    for t in turns:
        truth = [truth_of(w) for w in t.words]
        truth = [x for x in truth if x]
        wr += sum(x == t.role for x in truth)
        wn += len(truth)
        if truth:
            tn += 1
            tr += max(set(truth), key=truth.count) == t.role
    return wr, wn, tr, tn


def main(names: list[str]) -> int:
    options = TranscribeOptions(voices=False)  # the text heuristic's roles; voices are applied here
    transcriber = WhisperTranscriber(options)
    cache = TranscriptCache()
    total = {"text": [0, 0, 0, 0], "voices": [0, 0, 0, 0]}
    for name in names:
        audio_dir, variants, scripts = SETS[name]
        audio_dir = os.environ.get(f"VOICES_AUDIO_{name.upper()}", audio_dir)
        if not Path(audio_dir).is_dir():
            print(f"{name}: no recordings in {audio_dir}, skipped")
            continue
        script = script_chars(scripts)
        rows = [line.rstrip("\n").split("\t") for line in open(variants, encoding="utf-8")][1:]
        mono = [(r[0], r[1], r[2]) for r in rows if r[2] in MONO]
        jobs = [Job(str(Path(audio_dir) / f)) for _, f, _ in mono]
        convs = transcribe_batch(jobs, options, transcriber, cache)
        for (cid, f, fmt), conv in zip(mono, convs):
            turns = conv.turns
            truth = word_truth(turns, script[cid])
            lookup = {}  # a word's truth by its times: survives the re-splitting of turns
            for ti, t in enumerate(turns):
                for wi, w in enumerate(t.words):
                    lookup[(w[2], w[3])] = truth[ti][wi]
            before = score(turns, lambda w, lookup=lookup: lookup.get((w[2], w[3])))
            audio = load_audio(str(Path(audio_dir) / f), options.channel_map)
            result = attribute_voices(audio.channels[0], [copy.deepcopy(t) for t in turns])
            after = score(result.turns, lambda w, lookup=lookup: lookup.get((w[2], w[3]))) if result.turns is not None else before
            for k, v in (("text", before), ("voices", after)):
                total[k] = [a + b for a, b in zip(total[k], v)]
            print(
                f"{name} {cid} {fmt:15s} words text {before[0]}/{before[1]} voices {after[0]}/{after[1]}  "
                f"turns text {before[2]}/{before[3]} voices {after[2]}/{after[3]}  {result.summary}"
            )
    for k, (wr, wn, tr, tn) in total.items():
        if wn:
            print(f"ALL {k:6s}: words {wr}/{wn} = {wr / wn:.3f}   turns {tr}/{tn} = {tr / max(tn, 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(SETS)))
