"""A chat's late first reply (B01) quotes no words (its span is empty): no report shows an empty quote
(“” in report.html, 「」 in the workbench, `: “”` in github/sarif messages)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from phrasecheck.report.github import emit_github
from phrasecheck.report.sarif import emit_sarif
from reports_helpers import checker

DAY = Path(__file__).resolve().parents[1] / "samples" / "chats" / "day-2026-11-26.jsonl"


def _run() -> tuple[Run, object]:
    """chat-20261126-022 of the sample day: the agent first answers 139 s after the customer."""
    chk = checker()
    conv = next(c for c in read_file(DAY, Profile()).conversations if c.conversation_id == "chat-20261126-022")
    r = chk.check(conv)
    assert [f.text for f in r.findings if f.id == "B01"] == [""]
    return Run(results=[r], files=1), chk


def test_report_html_and_the_workbench_show_no_empty_quote(tmp_path):
    import pytest

    run, chk = _run()
    write_report_folder(run, Profile(), tmp_path, chk.fatal)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "“”" not in html and "第 4 句：“急什么" in html  # the other findings keep their quotes

    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    from starlette.testclient import TestClient

    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file
    from phrasecheck.web.app import Settings, create_app

    store = Store(tmp_path / "wb.db")
    import_findings_file(store, tmp_path / "findings.json")
    store.close()
    with TestClient(create_app(Settings(db=tmp_path / "wb.db")), base_url="http://127.0.0.1:8750") as client:
        page = client.get("/c/1").text
    assert "<q></q>" not in page and "<q>急什么，没看到我在忙着吗</q>" in page


def test_ci_messages_quote_no_empty_words():
    run, _ = _run()
    out = io.StringIO()
    emit_github(run, Profile(), out)
    (late,) = [line for line in out.getvalue().splitlines() if "title=B01" in line]
    assert "“”" not in late and late.endswith("(limit 120 s)%0Asay instead: 电话接通或客户发来消息后，立即问候客户。")
    out = io.StringIO()
    emit_sarif(run, Profile(), out)
    (result,) = [x for x in json.loads(out.getvalue())["runs"][0]["results"] if x["ruleId"] == "B01"]
    assert "“”" not in result["message"]["text"] and "snippet" not in result["locations"][0]["physicalLocation"]["region"]
