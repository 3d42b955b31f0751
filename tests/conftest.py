"""Fixtures shared by the tests; plain helpers live in helpers.py."""

from __future__ import annotations

import pytest

from phrasecheck.config.lexicon import default_lexicon_dir
from phrasecheck.config.profile import Profile
from phrasecheck.engine.compiled import cached_checker


@pytest.fixture(autouse=True)
def _private_database(tmp_path, monkeypatch):
    """`report` and `scan` add their run to the user's database: never the real one in tests."""
    monkeypatch.setenv("PHRASECHECK_DB", str(tmp_path / "phrasecheck.db"))


@pytest.fixture(scope="session")
def checker():
    """The default checker as a command gets it, from the rules cache: a build expands every form
    (10-25 s in each test worker), loading it back takes a second. test_compiled checks the two agree."""
    return cached_checker(Profile(), default_lexicon_dir())


@pytest.fixture(scope="session")
def lexicon(checker):
    return checker.lexicon


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
