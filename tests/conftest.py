"""Fixtures shared by the tests; plain helpers live in helpers.py."""

from __future__ import annotations

import pytest

from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon
from phrasecheck.config.profile import Profile
from phrasecheck.engine.checker import Checker


@pytest.fixture(autouse=True)
def _private_database(tmp_path, monkeypatch):
    """`report` and `scan` add their run to the user's database: never the real one in tests."""
    monkeypatch.setenv("PHRASECHECK_DB", str(tmp_path / "phrasecheck.db"))


@pytest.fixture(scope="session")
def lexicon():
    return load_lexicon(default_lexicon_dir())


@pytest.fixture(scope="session")
def checker(lexicon):
    return Checker(lexicon, Profile())


@pytest.fixture(scope="session")
def whisper():
    """The base model from the PyPI package, loaded once for every slow test that transcribes."""
    from phrasecheck.calls.transcribe import TranscribeOptions, WhisperTranscriber
    from phrasecheck.errors import ModelError

    try:
        return WhisperTranscriber(TranscribeOptions())
    except ModelError as e:  # pragma: no cover - only without the model packages
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory):
    """A report folder of the hand-scored chat day: findings.json and review.csv as `report` writes them."""
    from click.testing import CliRunner

    from phrasecheck.cli import main
    from reports_helpers import write_day

    base = tmp_path_factory.mktemp("day")
    out = base / "report"
    result = CliRunner().invoke(main, ["report", str(write_day(base / "day.jsonl")), "--out", str(out), "--no-db"])
    assert result.exit_code == 0, result.output
    return out
