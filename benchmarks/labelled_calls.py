"""What the verification benchmarks share: a gold file and recordings in, labels and transcribed calls out.

from labelled_calls import labelled_calls   (benchmarks/ is the script's own folder on sys.path)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


@dataclass
class Labelled:
    args: argparse.Namespace
    gold: dict  # conversation id -> its label line
    checker: object  # engine.checker.Checker with the default lexicon
    transcriber: object  # calls.transcribe.WhisperTranscriber
    convs: list  # a Conversation (or the error of a bad file) per recording
    transcribed_s: float  # CPU seconds transcription took in this run (0 when cached)

    def pairs(self):
        """(conversation, its label line) for each transcribed and labelled recording."""
        for conv in self.convs:
            if not hasattr(conv, "turns"):
                print(f"skipped: {conv}")
            elif conv.conversation_id in self.gold:
                yield conv, self.gold[conv.conversation_id]


def labelled_calls(description: str, more_args=None) -> Labelled | None:
    """Parse `GOLD RECORDING... [-v]` (and more_args(parser)'s options) and transcribe the recordings
    through the transcript cache; None, after saying so, when no recording is there."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", type=Path)
    ap.add_argument("recordings", nargs="*", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true")
    if more_args:
        more_args(ap)
    a = ap.parse_args()
    recordings = [p for p in a.recordings if p.is_file()]
    if not recordings:
        print("no recordings given or found; nothing measured")
        return None

    from phrasecheck.calls.cache import TranscriptCache
    from phrasecheck.calls.transcribe import Job, TranscribeOptions, WhisperTranscriber, transcribe_batch
    from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon
    from phrasecheck.config.profile import Profile
    from phrasecheck.engine.checker import Checker

    lines = [line for line in a.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = {g["conversation_id"]: g for g in map(json.loads, lines)}
    checker = Checker(load_lexicon(default_lexicon_dir()), Profile())
    options = TranscribeOptions()
    transcriber = WhisperTranscriber(options)
    t0 = time.process_time()
    convs = transcribe_batch([Job(str(p)) for p in recordings], options, transcriber, TranscriptCache())
    return Labelled(a, gold, checker, transcriber, convs, time.process_time() - t0)
