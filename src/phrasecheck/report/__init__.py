"""Report emitters: every format reads the same Run, so a new format touches nothing upstream."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..model import Run
from ..profile import Profile
from .csvfmt import emit_csv
from .github import emit_github
from .jsonfmt import emit_json
from .junit import emit_junit
from .sarif import emit_sarif
from .text import emit_text

Emitter = Callable[[Run, Profile, TextIO], None]

EMITTERS: dict[str, Emitter] = {
    "text": emit_text,
    "json": emit_json,
    "csv": emit_csv,
    # CI formats (issue 4)
    "junit": emit_junit,
    "github": emit_github,
    "sarif": emit_sarif,
}
