"""What the CI formats (junit, github, sarif) share: which findings fail, and where they are."""

from __future__ import annotations

from phrasecheck.data import Finding, Result


def standing(r: Result) -> list[Finding]:
    """Findings a CI run should fail on: errors not overruled by a reviewer (the text report's count)."""
    return [f for f in r.findings if f.severity == "error" and f.review != "false"]


def turn_line(r: Result, f: Finding) -> int | None:
    """The finding's line in the source file, where the input gave one (chat exports, transcripts)."""
    turns = r.conversation.turns
    return turns[f.turn].line if 0 <= f.turn < len(turns) else None
