#!/usr/bin/env python3
"""Acoustic verification of the opening words on recordings: what it hears, and that it invents
nothing (issue #11).

    python3 benchmarks/verify_controls.py RECORDING... [--all-turns]

For each recording (transcribed through the cache), every candidate reading of the agent's first
utterance (calls/verify.py: a 喂 spelling opening it) is scored against its audio and printed with
its gain over the decoded text; HEARD when the gain reaches HEARD_MARGIN. --all-turns scores every
agent turn that opens with a 喂 spelling, not only the first: on recordings where the agent never
said 喂 (negative controls) nothing may be HEARD.
"""

from __future__ import annotations

import argparse
import time

from phrasecheck.calls.audio import load_audio
from phrasecheck.calls.cache import TranscriptCache
from phrasecheck.calls.transcribe import TranscribeOptions, WhisperTranscriber, transcribe_file
from phrasecheck.calls.verify import HEARD_MARGIN, opener_candidates
from phrasecheck.data import AGENT


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("recordings", nargs="+")
    ap.add_argument("--all-turns", action="store_true")
    a = ap.parse_args()
    options = TranscribeOptions()
    whisper = WhisperTranscriber(options)
    cache = TranscriptCache()
    scored = heard = 0
    spent = 0.0
    for path in a.recordings:
        conv = transcribe_file(path, options, transcriber=whisper, cache=cache)
        audio = load_audio(path)
        channel = audio.channels[options.agent_channel] if len(audio.channels) >= 2 else audio.channels[0]
        turns = [t for t in conv.turns if t.role == AGENT]
        for turn in turns if a.all_turns else turns[:1]:
            if not opener_candidates(turn.text) or not turn.words:
                continue
            t0 = time.process_time()
            found = whisper.verifier().verify(channel, turn.text, turn.words, turn.start_s or 0.0)
            spent += time.process_time() - t0
            # the gain whether or not it reached the margin, for calibration
            v = whisper.verifier()
            start, end, reading = opener_candidates(turn.text)[0]
            said = turn.text
            lo, hi = max(0, int(((turn.start_s or 0) - 0.3) * 16000)), int(((turn.end_s or 0) + 0.3) * 16000)
            dec, cand = v.scores(channel[lo:hi], [said, said[:start] + reading + said[end:]])
            scored += 1
            heard += bool(found)
            print(f"{conv.conversation_id}\t{turn.start_s:6.2f}\t{turn.text[:20]}\tgain {cand - dec:+.2f}\t{'HEARD ' + reading if found else '-'}")
    print(f"{scored} utterance(s) scored, {heard} heard (margin {HEARD_MARGIN}); verification CPU time {spent:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
