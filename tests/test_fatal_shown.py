"""A fatal rule (F11 有本事你去告 by default) sets a conversation to 0 (一票否决): the finding says so in
report.html and on the workbench page, so a 0/10 with a couple of findings is not a mystery; once a
reviewer marks it 误报 the tag goes and the score comes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from reports_helpers import checker

DAY = Path(__file__).resolve().parents[1] / "samples" / "chats" / "day-2026-11-26.jsonl"
TAG = "一票否决：本会话 0 分"


@pytest.fixture
def folder(tmp_path):
    """chat-20261126-019 (A1004 says 有本事你去告, scored 0) and chat-20261126-012 (F02 only)."""
    chk = checker()
    convs = [c for c in read_file(DAY, Profile()).conversations if c.conversation_id in ("chat-20261126-019", "chat-20261126-012")]
    run = Run(results=[chk.check(c) for c in convs], files=1)
    write_report_folder(run, Profile(), tmp_path / "out", chk.fatal)
    return tmp_path / "out"


def test_report_html_marks_the_fatal_finding(folder):
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count(TAG) == 1
    f11 = html[html.index('data-rule="F11"') :]
    assert f11.index(TAG) < f11.index("</li>")


def test_the_workbench_marks_it_until_a_reviewer_overrules_it(folder, tmp_path):
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    from starlette.testclient import TestClient

    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file
    from phrasecheck.web.app import Settings, create_app

    store = Store(tmp_path / "wb.db")
    import_findings_file(store, folder / "findings.json")
    pk = store.db.execute("SELECT id FROM conversations WHERE conversation_id = 'chat-20261126-019'").fetchone()[0]
    other = store.db.execute("SELECT id FROM conversations WHERE conversation_id = 'chat-20261126-012'").fetchone()[0]
    fid = store.db.execute("SELECT id FROM findings WHERE rule = 'F11'").fetchone()[0]
    store.close()
    with TestClient(create_app(Settings(db=tmp_path / "wb.db")), base_url="http://127.0.0.1:8750") as client:
        client.get("/")
        assert client.get(f"/c/{pk}").text.count(TAG) == 1 and TAG not in client.get(f"/c/{other}").text
        headers = {"Content-Type": "application/json", "X-CSRF-Token": client.cookies["pc_csrf"]}
        r = client.post("/api/reviews", content=json.dumps({"finding": fid, "verdict": "误报", "by": "QA李"}), headers=headers)
        assert r.json()["score"] > 0
        assert TAG not in client.get(f"/c/{pk}").text
