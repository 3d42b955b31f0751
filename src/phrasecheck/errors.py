"""One error type for everything a user can get wrong, each naming the file and line.

Library code raises these and never exits; the command line turns any of them into one line
`FILE:LINE: reason` on standard error and exit status 2 (see cli/common.py)."""

from __future__ import annotations

from pathlib import Path


class PhrasecheckError(Exception):
    """A problem a user can fix, located at source[:line] (source may be None)."""

    warning = False  # a warning is reported like an error but does not fail the run (exit 0)

    def __init__(self, source: str | Path | None, message: str, line: int | None = None):
        super().__init__(source, message, line)  # args as given, so the error pickles across processes
        self.source = None if source is None else str(source)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.source is None:
            return self.message
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


class InputError(PhrasecheckError):
    """One input file (chat export, transcript, recording, manifest); the batch goes on."""


class NoSpeech(InputError):
    """A recording with no speech in it: reported (a warning), not scored."""

    warning = True


class ConfigError(PhrasecheckError):
    """A lexicon or profile file."""


class ReviewError(PhrasecheckError):
    """A review file (复核/申诉) or a review mark."""


class FindingsFileError(PhrasecheckError):
    """A findings.json read back for re-scoring."""


class ModelError(PhrasecheckError):
    """The speech model cannot be found or loaded; the message says what to do."""

    def __init__(self, message: str):
        super().__init__(None, message)
        self.args = (message,)
