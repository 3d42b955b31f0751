"""Report emitters: every format reads the same Run and the same options, so a new format touches nothing upstream."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.report.csvfmt import emit_csv
from phrasecheck.report.github import emit_github
from phrasecheck.report.jsonfmt import emit_json
from phrasecheck.report.junit import emit_junit
from phrasecheck.report.options import EmitOptions
from phrasecheck.report.sarif import emit_sarif
from phrasecheck.report.text import emit_text

Emitter = Callable[[Run, Profile, TextIO, EmitOptions], None]

EMITTERS: dict[str, Emitter] = {"text": emit_text, "json": emit_json, "csv": emit_csv, "junit": emit_junit, "github": emit_github, "sarif": emit_sarif}

__all__ = ["EMITTERS", "EmitOptions", "Emitter"]
