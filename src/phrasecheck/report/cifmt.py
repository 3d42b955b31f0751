"""What the CI formats (junit, github, sarif) share: how severe each finding is for this run, and
where it is. A finding is an error exactly when it makes `check` exit 1 (a standing finding of a
--fail-on kind), so a run that exits 0 shows no failure in Jenkins, GitLab or GitHub."""

from __future__ import annotations

from phrasecheck.data import Finding, Result
from phrasecheck.scoring.score import counts, courtesy_count


def level(f: Finding, fail_on: frozenset[str], count_review: bool = False) -> str:
    """error (fails the run), warning (stands, but its kind does not fail the run, or it awaits review), or
    note (overruled, info)."""
    if counts(f, count_review):
        return "error" if f.kind in fail_on else "warning"
    return "note" if f.review == "false" or f.severity == "info" else "warning"


def courtesy_shortfall(r: Result, fail_on: frozenset[str], target: int) -> str | None:
    """The failure text when courtesy fails the run and this conversation used too few phrases."""
    used = courtesy_count(r)
    if "courtesy" not in fail_on or used >= target:
        return None
    return f"courtesy: {used} of {target} distinct courtesy phrases (文明用语)"


def turn_line(r: Result, f: Finding) -> int | None:
    """The finding's line in the source file, where the input gave one (chat exports, transcripts)."""
    turns = r.conversation.turns
    return turns[f.turn].line if 0 <= f.turn < len(turns) else None
