"""Probe round 4 (fresh eyes): bad input a user can write, each rerun from the probe that found it.

Each test feeds real inputs through the command line (or the workbench) and holds the project's
standard: one line naming the file (and line where there is one), the documented exit code (2 for
bad input, never 3), the rest of the batch checked, nothing lost or counted twice in silence."""

from __future__ import annotations

import json

from click.testing import CliRunner

from phrasecheck.cli import main
from reports_helpers import write_day

HALF = '{"conversation_id": "h1", "agent_id": "A9", "role": "agent", "text": "\\ud800您好，不知道"}\n'


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_half_character_escape_in_a_chat_export_is_one_bad_line_and_the_rest_is_checked(tmp_path):
    """Probe surr_text: a JSONL line whose text holds the escape \\ud800 (half of a surrogate pair,
    as a broken exporter writes an emoji cut in two) stopped check, report and scan with an internal
    error (exit 3, UnicodeEncodeError): every other conversation of the batch was lost with it."""
    good = write_day(tmp_path / "good.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    chat = tmp_path / "day.jsonl"
    for name, lines in (("grouped", good[:3] + [HALF] + good[3:]), ("interleaved", good[::2] + [HALF] + good[1::2])):
        chat.write_text("".join(lines), encoding="utf-8")
        line = lines.index(HALF) + 1
        for jobs in ("1", "2"):
            result = _run("check", chat, "--format", "json", "--jobs", jobs, "--output", tmp_path / "out.json")
            assert result.exit_code == 2, (name, jobs, result.output)
            doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
            assert sorted(c["conversation_id"] for c in doc["conversations"]) == ["c1", "c2", "c3", "c4"], (name, jobs)
            assert [(e["line"], e["reason"][:12]) for e in doc["errors"]] == [(line, "holds \\ud800")], (name, jobs)
        result = _run("report", chat, "--out", tmp_path / "report", "--no-db")
        assert result.exit_code == 2 and f"{chat}:{line}: holds \\ud800" in result.output, result.output
