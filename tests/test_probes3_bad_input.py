"""Probe round 5 (fresh eyes): the review and appeal flow end to end, the workbench and its database,
and settings a user writes, each rerun from the probe that found the defect.

Each test feeds real inputs through the command line (or the workbench) and holds the project's
standard: one line naming the file (and line where there is one), the documented exit code (2 for
bad input, never 3), the rest of the batch goes on, nothing lost or skipped in silence."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
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


def _workbench_on_a_finding(report_folder: Path, tmp_path: Path):
    """A workbench on the report folder's day: its client, database, CSRF token, first conversation and its first finding's id."""
    db = tmp_path / "qa.db"
    client = workbench_client(report_folder / "findings.json", db)
    client.get("/")
    conv = client.get("/api/conversations").json()["conversations"][0]["id"]
    return client, db, client.cookies.get("pc_csrf"), conv, Store(db).conversation(conv)["findings"][0]["id"]


def test_a_database_that_cannot_be_written_is_one_line_and_a_503_not_an_internal_error(report_folder, tmp_path):
    """Probes db_ro_import, db_ro_report, db_ro_review, imp_locked: a database file that is read-only
    (or locked by another import) made `import` and `report --db` end with an internal error (exit 3,
    OperationalError), and a review in the workbench answer 500 with a traceback in the server log."""
    client, db, token, conv, fid = _workbench_on_a_finding(report_folder, tmp_path)
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
        page = client.post(f"/c/{conv}/review", data={"csrf": token, "finding": str(fid), "verdict": "false", "note": "x", "by": "QA李"})
        assert page.status_code == 503 and "cannot write the database" in page.text
    assert client.post("/api/reviews", json=body, headers={"X-CSRF-Token": token}).status_code == 200  # nothing was left half written
    if _read_only(db) is None:
        return  # root writes a read-only file: the locked database above is the same error
    result = _run("import", report_folder / "findings.json", "--db", db)
    assert result.exit_code == 2 and "cannot write the database" in result.output, result.output
    answer = client.post("/api/reviews", json=body, headers={"X-CSRF-Token": token})
    assert answer.status_code == 503, answer.text


def _day_with_review(report_folder: Path, tmp_path: Path, rows: list[list[str]]) -> Path:
    """A copy of the report folder's findings.json with a review.csv of `rows` (key, verdict, note, by) beside it."""
    day = tmp_path / "day"
    day.mkdir()
    (day / "findings.json").write_bytes((report_folder / "findings.json").read_bytes())
    lines = ["key,verdict,note,by"] + [",".join(r) for r in rows]
    (day / "review.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return day / "findings.json"


def _statuses(db: Path) -> dict[str, str]:
    store = Store(db)
    try:
        return {r["key"]: r["status"] for r in store.db.execute("SELECT key, status FROM findings")}
    finally:
        store.close()


def test_import_takes_an_old_review_key_and_names_a_verdict_for_no_finding_as_report_does(report_folder, tmp_path):
    """Probes imp_oldkeys, imp_gone: a review.csv from before keys held the source (c2:F02:3:4, the
    turn counted from 0) was re-keyed by `report` ("review entry … is now …") but taken over by
    `import` as nothing (0 verdicts, exit 0), so the workbench still charged the overruled F02; and a
    verdict whose finding is gone was a warning from `report` but dropped by `import` without a word."""
    import json

    doc = json.loads((report_folder / "findings.json").read_text(encoding="utf-8"))
    c2 = next(c for c in doc["conversations"] if c["conversation_id"] == "c2")
    f = c2["findings"][0]
    old = f"c2:{f['id']}:{f['turn']}:{f['start_char']}"  # the key of an older review.csv
    gone = f"{c2['source']}:c2:F05:9:0"
    findings = _day_with_review(report_folder, tmp_path, [[old, "误报", "问的是别人", "QA李"], [gone, "false", "", "QA李"]])
    reported = _run("report", findings, "--out", tmp_path / "out", "--no-db")
    assert reported.exit_code == 0 and f"review entry {old} is now {f['key']}" in reported.output, reported.output
    db = tmp_path / "qa.db"
    result = _run("import", findings, "--db", db)
    assert result.exit_code == 0, result.output
    assert f"review entry {old} is now {f['key']}" in result.output
    assert f"warning: review entry {gone} matches no finding of {findings}" in result.output
    assert "1 verdict(s) taken over" in result.output
    assert _statuses(db)[f["key"]] == "false"  # as report.html has it


def test_an_appeal_written_in_review_csv_without_a_reason_is_taken_over_by_import(report_folder, tmp_path):
    """Probe imp_appeal_nonote: a row with verdict 申诉 and no note (typed in Excel by the agent) is an
    appeal to `report` (report.html and findings.json show it appealed), but `import` took it over as
    nothing: the workbench showed the finding as never reviewed and its 申诉中 list missed it."""
    import json

    doc = json.loads((report_folder / "findings.json").read_text(encoding="utf-8"))
    f = next(c for c in doc["conversations"] if c["conversation_id"] == "c2")["findings"][0]
    findings = _day_with_review(report_folder, tmp_path, [[f["key"], "申诉", "", "A1"]])
    reported = _run("report", findings, "--out", tmp_path / "out", "--no-db")
    assert reported.exit_code == 0, reported.output
    shown = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert next(c for c in shown["conversations"] if c["conversation_id"] == "c2")["findings"][0]["review"] == "appeal"
    db = tmp_path / "qa.db"
    result = _run("import", findings, "--db", db)
    assert result.exit_code == 0 and "1 verdict(s) taken over" in result.output, result.output
    assert _statuses(db)[f["key"]] == "appeal"
    store = Store(db)
    steps = [s for steps in store.history(store.db.execute("SELECT conv FROM findings WHERE key = ?", (f["key"],)).fetchone()[0]).values() for s in steps]
    assert [(s["verdict"], s["by"]) for s in steps] == [("appeal", "A1")]


def test_kpi_names_a_verdict_that_matches_no_finding_as_report_does(report_folder, tmp_path):
    """Probe kpi_gone: a review.csv row whose finding is gone (the day re-checked with another lexicon,
    or its key mistyped in Excel) was a warning from `report`, but `kpi` left it out of the monthly
    sheet without a word: the QA lead believed the F02 overruled while it still cost the agent."""
    import json

    doc = json.loads((report_folder / "findings.json").read_text(encoding="utf-8"))
    f = next(c for c in doc["conversations"] if c["conversation_id"] == "c2")["findings"][0]
    typo = f["key"].rsplit(":", 1)[0] + ":99"
    findings = _day_with_review(report_folder, tmp_path, [[typo, "误报", "问的是别人", "QA李"]])
    for command in (("report", findings, "--out", tmp_path / "out", "--no-db"), ("kpi", findings), ("kpi", findings, "-o", tmp_path / "kpi.csv")):
        result = _run(*command)
        assert result.exit_code == 0, (command[0], result.output)
        assert f"warning: review entry {typo} matches no finding" in result.output, (command, result.output)


def test_a_file_posted_under_a_text_field_of_a_workbench_form_is_refused(report_folder, tmp_path):
    """Probes form_file_by, self_file_text, form_file_csrf: a multipart form whose `by` (or `note`) was a
    file put the review on the finding signed "UploadFile(filename='a.txt', …)"; 自查 checked a `text`
    file as that repr; a file as the CSRF token answered 500."""
    client, db, token, conv, fid = _workbench_on_a_finding(report_folder, tmp_path)
    fields = {"csrf": token, "finding": str(fid), "verdict": "false", "note": "问的是别人", "by": "QA李"}
    for name in ("by", "note", "verdict", "finding", "csrf"):
        data = {k: v for k, v in fields.items() if k != name}
        answer = client.post(f"/c/{conv}/review", data=data, files={name: ("a.txt", fields[name].encode(), "text/plain")}, follow_redirects=False)
        assert answer.status_code == 400 and "UploadFile" not in answer.text, (name, answer.status_code)
    assert Store(db).history(conv) == {}  # no step was stored
    answer = client.post("/selfcheck", data={"csrf": token}, files={"text": ("a.txt", "客服:这个我不知道".encode(), "text/plain")})
    assert answer.status_code == 400 and "UploadFile" not in answer.text
    assert client.post(f"/c/{conv}/review", data=fields, follow_redirects=False).status_code == 303  # all text: taken


@pytest.mark.parametrize(
    "edit, said",
    [
        (("上午好: ['05:00', '12:00']", "上午好: ['05:00', '25:00']"), "time_of_day.上午好 must be ['HH:MM', 'HH:MM'] with times of day"),
        (("下午好: ['12:00', '18:00']", "下午好: ['12:00', '18:00']\n  早上好: ['05:00', '09:00']"), "time_of_day.早上好: not one of parts.greeting's words"),
    ],
    ids=["hour 25", "a word the greeting never says"],
)
def test_a_time_of_day_window_that_cannot_be_checked_is_a_lexicon_error(tmp_path, edit, said):
    """Probes lx_badtime, lx_unknownword: a copied lexicon whose 上午好 ends at '25:00' passed `lexicon
    check` and the pattern HH:MM, then stopped `check` with an internal error (exit 3, "hour must be in
    0..23") at the first conversation with a start time; a window for 早上好, which parts.greeting never
    matches, was never checked, and the greeting 早上好… was a G01 with no word of why."""
    lexicon = tmp_path / "centre"
    assert _run("lexicon", "copy", lexicon).exit_code == 0
    greeting = lexicon / "greeting.yaml"
    text = greeting.read_text(encoding="utf-8")
    assert edit[0] in text
    greeting.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    (tmp_path / "phrasecheck.yaml").write_text("lexicon: centre\n", encoding="utf-8")
    chat = tmp_path / "day.jsonl"
    chat.write_text(
        '{"conversation_id": "m1", "agent_id": "A1", "role": "agent", "text": "上午好，阳光物业客服中心，我姓王，请问有什么可以帮助您？", '
        '"timestamp": "2026-11-26T10:00:00+08:00"}\n',
        encoding="utf-8",
    )
    for args in (("check", chat, "--config", tmp_path / "phrasecheck.yaml"), ("lexicon", "check", greeting)):
        result = _run(*args)
        assert result.exit_code == 2, (args[0], result.output)
        assert f"{greeting}:" in result.output and said in result.output, result.output


def test_re_reporting_a_call_day_from_another_folder_names_the_recordings_the_player_cannot_find(tmp_path, monkeypatch):
    """Probe html_elsewhere: a scan run from its working folder names recordings as given (in/calls/a.wav);
    `report findings.json --out .` run inside the report folder (after review.csv was edited there)
    rewrote report.html with every player pointing at report/in/calls/a.wav, which is not there, and
    said nothing: the QA lead found out by clicking ▶ on a finding."""
    from phrasecheck.config.profile import Profile
    from phrasecheck.data import Conversation, Run, Turn
    from phrasecheck.report.folder import write_report_folder
    from reports_helpers import checker, write_wav

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    write_wav(tmp_path / "in" / "a.wav")
    conv = Conversation("a", "C3", "in/a.wav", [Turn("agent", "喂，你好。", start_s=0.5, end_s=2.0), Turn("agent", "不知道。", start_s=4.0, end_s=5.0)])
    chk = checker()
    write_report_folder(Run(results=[chk.check(conv)], files=1), Profile(), Path("report"), chk.fatal)
    result = _run("report", "report/findings.json", "--out", "report", "--no-db")
    assert result.exit_code == 0 and "not found" not in result.output, result.output  # from where the scan ran: found
    monkeypatch.chdir(tmp_path / "report")
    result = _run("report", "findings.json", "--out", ".", "--no-db")
    assert result.exit_code == 0, result.output
    assert "warning: 1 recording(s) not found from this folder (first: in/a.wav)" in result.output, result.output


def test_a_courtesy_hit_overruled_in_review_csv_scores_alike_in_report_and_the_workbench(report_folder, tmp_path):
    """Probe imp_courtesy_false: `review-mark --finding c2:C01 --verdict false` (a courtesy phrase the
    agent did not really say) cost c2 the courtesy point in report.html (one phrase short of two),
    but `import` of the same findings.json and review.csv still counted C01: the workbench kept the
    old score, with no word that the verdict was not taken."""
    import json

    doc = json.loads((report_folder / "findings.json").read_text(encoding="utf-8"))
    c2 = next(c for c in doc["conversations"] if c["conversation_id"] == "c2")
    assert len(c2["courtesy_used"]) == 2, c2["courtesy_used"]  # one overruled leaves it short
    hit = c2["courtesy"][0]
    findings = _day_with_review(report_folder, tmp_path, [[hit["key"], "false", "没说", "QA李"]])
    assert _run("report", findings, "--out", tmp_path / "out", "--no-db").exit_code == 0
    reported = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    score = next(c for c in reported["conversations"] if c["conversation_id"] == "c2")["attitude_score"]
    assert score < c2["attitude_score"]
    db = tmp_path / "qa.db"
    assert _run("import", findings, "--db", db).exit_code == 0
    store = Store(db)
    stored = store.db.execute("SELECT score, courtesy_used FROM conversations WHERE conversation_id = 'c2'").fetchone()
    assert (stored["score"], stored["courtesy_used"]) == (score, 1)


def test_saved_self_checks_export_review_rows_that_report_and_import_read_back(report_folder, tmp_path):
    """Probe exp2_rep: two 自查 saved by two agents gave findings the same key (自查:自查:G01:1:0: the key's
    source was 自查 while each conversation's source is 自查 <time>), so the workbench's 导出复核表 of all
    conversations held that key twice and `report --review` and `import --review` refused the whole
    exported file ("finding … is listed twice"): no verdict made in the browser could go back."""
    import csv
    import io
    import time

    db = tmp_path / "qa.db"
    client = workbench_client(report_folder / "findings.json", db)
    client.get("/")
    token = client.cookies.get("pc_csrf")
    for agent in ("A7", "A8"):
        page = client.post("/selfcheck", data={"csrf": token, "text": "客服:喂，什么事？\n客户:停水了\n客服:这个我不知道", "agent": agent, "save": "1"})
        assert page.status_code == 200 and "已保存 1 个会话" in page.text
        time.sleep(1.1)  # 自查 is stamped to the second
    exported = client.get("/export/review.csv?status=all")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    saved = [r for r in rows if r["source"].startswith("自查")]
    assert len(saved) == 6 and len({r["key"] for r in rows}) == len(rows), [r["key"] for r in saved]
    assert all(r["key"].startswith(r["source"] + ":") for r in rows)
    review = tmp_path / "exported.csv"
    review.write_bytes(exported.content)
    result = _run("report", report_folder / "findings.json", "--review", review, "--out", tmp_path / "out", "--no-db")
    assert result.exit_code == 0, result.output
    result = _run("import", report_folder / "findings.json", "--review", review, "--db", tmp_path / "other.db")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("header", "separator", "said"),
    [
        ("key,verdict,note,by,verdict", ",", "column 'verdict' is given twice"),  # a copied column left empty in Excel
        ("key;verdict;note;by", ";", "the columns are separated by ';'"),  # a spreadsheet's regional CSV
    ],
)
def test_a_review_csv_whose_header_cannot_be_read_as_written_is_one_line_naming_why(report_folder, tmp_path, header, separator, said):
    """Probe rv_duphdr: a review.csv with `verdict` twice lost the first column's verdict in silence
    (exit 0), and the rewritten file dropped it; one saved with semicolons was told it had no key and
    verdict columns, though it had both."""
    import json

    doc = json.loads((report_folder / "findings.json").read_text(encoding="utf-8"))
    f = next(c for c in doc["conversations"] if c["conversation_id"] == "c2")["findings"][0]
    day = tmp_path / "day"
    day.mkdir()
    (day / "findings.json").write_bytes((report_folder / "findings.json").read_bytes())
    row = separator.join([f["key"], "误报", "问的是别人", "QA李"] + [""] * (header.count(separator) - 3))
    (day / "review.csv").write_text(f"{header}\r\n{row}\r\n", encoding="utf-8-sig")
    result = _run("report", day / "findings.json", "--out", tmp_path / "out", "--no-db")
    assert result.exit_code == 2 and f"review.csv:1: {said}" in result.output, result.output
    assert "Traceback" not in result.output


def test_the_verdict_words_report_and_the_workbench_show_are_read_back(report_folder, tmp_path):
    """Probe rv_labels: report.html and the workbench show a verdict as 判为误报 / 确认成立 / 提出申诉; a QA
    lead who types the same words into review.csv was told they are no verdict."""
    import json

    from phrasecheck.report.labels import VERDICT_LABEL

    doc = json.loads((report_folder / "findings.json").read_text(encoding="utf-8"))
    f = next(c for c in doc["conversations"] if c["conversation_id"] == "c2")["findings"][0]
    for verdict, label in VERDICT_LABEL.items():
        (tmp_path / verdict).mkdir()
        findings = _day_with_review(report_folder, tmp_path / verdict, [[f["key"], label, "理由", "QA李"]])
        out = tmp_path / verdict / "out"
        result = _run("report", findings, "--out", out, "--no-db")
        assert result.exit_code == 0, result.output
        shown = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        assert next(c for c in shown["conversations"] if c["conversation_id"] == "c2")["findings"][0]["review"] == verdict
