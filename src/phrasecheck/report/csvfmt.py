"""One CSV row per finding, for spreadsheets and scripts."""

from __future__ import annotations

import csv
from typing import TextIO

from phrasecheck.cells import safe_cell
from phrasecheck.config.profile import Profile
from phrasecheck.data import Result, Run
from phrasecheck.report.options import DEFAULT_OPTIONS, EmitOptions

COLUMNS = [
    "source",
    "conversation_id",
    "agent_id",
    "id",
    "kind",
    "severity",
    "turn",
    "start_char",
    "end_char",
    "text",
    "score",
    "start_s",
    "end_s",
    "message",
    "suggestion",
]


def _one_line_end(value):
    """A lone CR in a text as LF: with "\n" ending the rows the csv module would leave it unquoted,
    and a reader splits the row there (a cell '\r=...' would then start a formula)."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def rows(r: Result) -> list[list]:
    """One row per finding, every cell safe for a spreadsheet (safe_cell)."""
    c = r.conversation
    return [
        [
            safe_cell(_one_line_end(v))
            for v in [
                c.source,
                c.conversation_id,
                f.agent_id or c.agent_id,
                f.id,
                f.kind,
                f.severity,
                f.turn_no,
                f.start_char,
                f.end_char,
                f.text,
                f.score,
                f.start_s,
                f.end_s,
                f.message,
                f.suggestion,
            ]
        ]
        for f in r.findings
    ]


def emit_csv(run: Run, profile: Profile, out: TextIO, options: EmitOptions = DEFAULT_OPTIONS) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in run.results:
        writer.writerows(rows(r))
