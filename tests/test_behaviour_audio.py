"""Behaviour rules on real recordings: a few of the labelled set (samples/behaviour/build.py),
transcribed by the default Whisper model on the CPU. The whole set: benchmarks/behaviour_eval.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from phrasecheck.calls.transcribe import Job, TranscribeOptions, WhisperTranscriber, transcribe_batch
from phrasecheck.config.profile import Profile
from phrasecheck.data import AGENT, CUSTOMER
from phrasecheck.engine.checker import Checker
from phrasecheck.errors import ModelError

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "samples" / "behaviour"))
sys.path.insert(0, str(REPO / "benchmarks"))

import build  # noqa: E402

from behaviour_eval import evaluate  # noqa: E402

# talk-over and a backchannel, an unannounced hold (announced ones: benchmarks/behaviour_eval.py)
PICKED = ("talkover_forbidden", "hold_nogreet")


@pytest.mark.slow
def test_labelled_recordings(tmp_path, lexicon):
    try:
        transcriber = WhisperTranscriber(TranscribeOptions())
        transcriber.identity  # noqa: B018 - resolves the model, or says why it cannot
    except ModelError as e:  # pragma: no cover - only without the model packages
        pytest.skip(str(e))
    labels = [c.write(tmp_path) for c in build.build() if c.name in PICKED]
    assert sorted(lab["conversation_id"] for lab in labels) == sorted(PICKED)
    convs = transcribe_batch([Job(str(tmp_path / lab["file"]), lab["conversation_id"]) for lab in labels], TranscribeOptions(), transcriber)
    for conv in convs:
        assert set(conv.speech) == {AGENT, CUSTOMER} and conv.speech[AGENT] and conv.duration_s > 20
    checker = Checker(lexicon, Profile())
    results = {c.conversation_id: checker.check(c) for c in convs}
    ev = evaluate(labels, results)
    assert ev["disagreements"] == [], json.dumps(ev, ensure_ascii=False)
    assert [ev["rules"][r]["tp"] for r in ("B01", "B02", "B03", "B04", "B05")] == [0, 1, 1, 0, 2]
    for rule in ("B02", "B03"):  # the events measured in time: within 0.5 s
        assert ev["rules"][rule]["within_tol"] == 1, ev["rules"][rule]
