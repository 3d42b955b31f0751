"""Probe round 5 (fresh eyes): the review and appeal flow end to end, the workbench and its database,
and settings a user writes, each rerun from the probe that found the defect.

Each test feeds real inputs through the command line (or the workbench) and holds the project's
standard: one line naming the file (and line where there is one), the documented exit code (2 for
bad input, never 3), the rest of the batch goes on, nothing lost or skipped in silence."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

from phrasecheck.cli import main
from phrasecheck.store.db import Store
from reports_helpers import workbench_client, write_day


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@contextmanager
def _locked(db: Path):
    """Another process's write transaction held on db (an import running beside the workbench)."""
    other = sqlite3.connect(str(db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _read_only(db: Path):
    """db made read-only, or None where this user writes through file modes anyway (root)."""
    db.chmod(0o444)
    try:
        with open(db, "ab"):
            return None
    except PermissionError:
        return db


def test_a_database_that_cannot_be_written_is_one_line_and_a_503_not_an_internal_error(report_folder, tmp_path):
    """Probes db_ro_import, db_ro_report, db_ro_review, imp_locked: a database file that is read-only
    (or locked by another import) made `import` and `report --db` end with an internal error (exit 3,
    OperationalError), and a review in the workbench answer 500 with a traceback in the server log."""
    db = tmp_path / "qa.db"
    client = workbench_client(report_folder / "findings.json", db)
    client.get("/")
    token = client.cookies.get("pc_csrf")
    finding = client.get("/api/conversations").json()["conversations"][0]["id"]
    fid = Store(db).conversation(finding)["findings"][0]["id"]
    body = {"finding": fid, "verdict": "误报", "note": "问的是别人", "by": "QA李"}
    chat = write_day(tmp_path / "day.jsonl")
    with _locked(db):
        result = _run("import", report_folder / "findings.json", "--db", db)
        assert result.exit_code == 2, result.output
        assert f"error: {db}: cannot write the database: database is locked" in result.output
        result = _run("report", chat, "--out", tmp_path / "out", "--db", db)
        assert result.exit_code == 0, result.output  # the folder is written; the database is a warning (docs/serve.md)
        assert "warning: run not added to the database" in result.output and (tmp_path / "out" / "findings.json").is_file()
        answer = client.post("/api/reviews", json=body, headers={"X-CSRF-Token": token})
        assert answer.status_code == 503 and "cannot write the database" in answer.json()["error"], answer.text
        page = client.post(f"/c/{finding}/review", data={"csrf": token, "finding": str(fid), "verdict": "false", "note": "x", "by": "QA李"})
        assert page.status_code == 503 and "cannot write the database" in page.text
    assert client.post("/api/reviews", json=body, headers={"X-CSRF-Token": token}).status_code == 200  # nothing was left half written
    if _read_only(db) is None:
        return  # root writes a read-only file: the locked database above is the same error
    result = _run("import", report_folder / "findings.json", "--db", db)
    assert result.exit_code == 2 and "cannot write the database" in result.output, result.output
    answer = client.post("/api/reviews", json=body, headers={"X-CSRF-Token": token})
    assert answer.status_code == 503, answer.text
