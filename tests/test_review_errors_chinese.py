"""The 复核/申诉 form answers a mistake in Chinese (the workbench's language): an appeal without a
reason, a step without a name, an unknown verdict; the JSON API gives the same sentence, with the
English after it for scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from reports_helpers import checker

pytest.importorskip("starlette")
pytest.importorskip("httpx")

DAY = Path(__file__).resolve().parents[1] / "samples" / "chats" / "day-2026-11-26.jsonl"


@pytest.fixture
def client(tmp_path):
    from starlette.testclient import TestClient

    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file
    from phrasecheck.web.app import Settings, create_app

    chk = checker()
    convs = [c for c in read_file(DAY, Profile()).conversations if c.conversation_id == "chat-20261126-012"]  # F02 不知道
    write_report_folder(Run(results=[chk.check(c) for c in convs], files=1), Profile(), tmp_path / "out", chk.fatal)
    store = Store(tmp_path / "wb.db")
    import_findings_file(store, tmp_path / "out" / "findings.json")
    store.close()
    with TestClient(create_app(Settings(db=tmp_path / "wb.db")), base_url="http://127.0.0.1:8750") as c:
        c.get("/")
        yield c


def _post(client, **form) -> str:
    fid = client.app.state.wb.store.db.execute("SELECT id FROM findings WHERE rule = 'F02'").fetchone()[0]
    r = client.post("/c/1/review", data={"csrf": client.cookies["pc_csrf"], "finding": fid, **form})
    assert r.status_code == 400
    return r.text


def test_the_review_form_says_what_is_missing_in_chinese(client):
    assert "提出申诉要写明理由" in _post(client, verdict="appeal", note="", by="A1002")
    assert "请署名" in _post(client, verdict="false", note="问的是别人", by=" ")
    assert "结论只能是 确认 / 误报 / 申诉" in _post(client, verdict="maybe", by="QA李")


def test_the_api_gives_the_same_sentence(client):
    headers = {"Content-Type": "application/json", "X-CSRF-Token": client.cookies["pc_csrf"]}
    r = client.post("/api/reviews", content=json.dumps({"finding": 999, "verdict": "误报", "by": "QA李"}), headers=headers)
    assert r.status_code == 400 and r.json()["error"].startswith("没有编号为 999 的问题")
    r = client.get("/api/agents?from=2026-13-01")
    assert r.status_code == 400 and r.json()["error"].startswith("日期应为 YYYY-MM-DD")


def test_the_exported_review_csv_names_each_findings_source_file(client, tmp_path):
    """/export/review.csv fills the source column as the report's review.csv does (it was left empty)."""
    import csv
    import io

    r = client.get("/export/review.csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    written = {row["key"]: row["source"] for row in csv.DictReader(io.StringIO((tmp_path / "out" / "review.csv").read_text(encoding="utf-8-sig")))}
    assert rows and all(row["source"] == written[row["key"]] == str(DAY) for row in rows)
