"""calls.csv in the report folder: one row per conversation (call or chat) and one per failed file,
so a QA lead can sort a day's calls in a spreadsheet; findings a reviewer marked false are left out."""

from __future__ import annotations

import csv
from pathlib import Path

from phrasecheck.cells import safe_cell
from phrasecheck.data import Run
from phrasecheck.scoring.score import counts, courtesy_count, greeting_compliant

COLUMNS = [
    "source",
    "conversation_id",
    "agent_id",
    "roles",
    "started_at",
    "first_agent_s",
    "greeting_ok",
    "greeting_missing",
    "forbidden",
    "openers",
    "courtesy_used",
    "courtesy_count",
    "attitude_score",
    "error",
]


def write_calls_csv(run: Run, path: Path, count_review: bool = False) -> None:
    """UTF-8 with BOM and CRLF, like kpi.csv, so Excel opens it as it is."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for r in run.results:
            c = r.conversation
            kept = [f for f in r.findings if counts(f, count_review)]
            writer.writerow(
                safe_cell(v)
                for v in [
                    c.source,
                    c.conversation_id,
                    c.agent_id,
                    c.roles,
                    c.started_at.isoformat() if c.started_at else "",
                    "" if c.first_agent_s is None else c.first_agent_s,
                    "yes" if greeting_compliant(r) else "no",
                    " ".join(r.greeting.missing),
                    " ".join(f.id for f in kept if f.kind == "forbidden"),
                    " ".join(f.id for f in kept if f.kind == "opener"),
                    " ".join(sorted({f.id for f in r.courtesy if f.review != "false"})),
                    courtesy_count(r),
                    r.attitude_score,
                    "",
                ]
            )
        for e in run.errors:
            row = [e.source] + [""] * (len(COLUMNS) - 2) + [e.message if e.line is None else f"line {e.line}: {e.message}"]
            writer.writerow(safe_cell(v) for v in row)
