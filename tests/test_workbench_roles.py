"""A conversation whose roles were inferred (a mono recording: who spoke each line is a guess) says so
on its workbench page, as it does in report.html, so a QA lead checks the attribution before deciding."""

from __future__ import annotations

import json

import pytest

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from reports_helpers import checker

pytest.importorskip("starlette")
pytest.importorskip("httpx")


def _line(conv: str, role: str, text: str, start: float, end: float, roles: str) -> str:
    row = {"conversation_id": conv, "agent_id": "A001", "role": role, "text": text, "start_s": start, "end_s": end, "roles": roles}
    return json.dumps(row, ensure_ascii=False)


def test_inferred_roles_are_shown_on_the_conversation_page(tmp_path):
    from starlette.testclient import TestClient

    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file
    from phrasecheck.web.app import Settings, create_app

    src = tmp_path / "calls.jsonl"
    lines = []
    for conv, roles in (("mono1", "inferred"), ("stereo1", "channels")):
        lines += [
            _line(conv, "agent", "您好，特服中心，请问有什么可以帮您？", 0.3, 3.8, roles),
            _line(conv, "customer", "我家的宽带从昨天开始就上不了网了。", 4.5, 7.8, roles),
            _line(conv, "agent", "非常抱歉，请您稍等，我帮您查一下。再见", 9.0, 13.6, roles),
        ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chk = checker()
    run = Run(results=[chk.check(c) for c in read_file(src, Profile()).conversations], files=1)
    assert [r.conversation.roles for r in run.results] == ["inferred", "channels"]
    write_report_folder(run, Profile(), tmp_path / "out", chk.fatal)
    assert (tmp_path / "out" / "report.html").read_text(encoding="utf-8").count("客服/客户为推断") == 1
    store = Store(tmp_path / "wb.db")
    import_findings_file(store, tmp_path / "out" / "findings.json")
    pks = dict(store.db.execute("SELECT conversation_id, id FROM conversations").fetchall())
    store.close()
    with TestClient(create_app(Settings(db=tmp_path / "wb.db")), base_url="http://127.0.0.1:8750") as client:
        assert "客服/客户为推断" in client.get(f"/c/{pks['mono1']}").text
        assert "客服/客户为推断" not in client.get(f"/c/{pks['stereo1']}").text
