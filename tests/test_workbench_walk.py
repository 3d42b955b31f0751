"""What a QA lead's walk through the workbench left open: 自查's 工号 kept apart from the reviewer's
name, a part of a conversation id finds it, warnings are not 待复核, and /api/check names 自查's input."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

from phrasecheck.config.profile import Profile
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from phrasecheck.store.db import Store
from phrasecheck.store.importer import import_findings_file
from phrasecheck.web.app import Settings, create_app
from reports_helpers import DAY, GREETING, checker, write_day

LOCAL = "http://127.0.0.1:8750"
# ids as chat exports write them: a QA lead searches for the part they remember (022)
CHATS = [
    ("chat-20261126-022", "A5", [("customer", "物业费怎么交", 0), ("agent", GREETING, 20), ("customer", "物业费", 30), ("agent", "这个我不知道。", 50)]),
    # a late first reply (150 s): a warning (提醒), nothing else
    (
        "chat-20261126-105",
        "A5",
        [("customer", "电梯坏了", 0), ("agent", GREETING, 150), ("customer", "三号楼", 160), ("agent", "好的，马上安排师傅上门。", 170)],
    ),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("walk")
    chk = checker()
    from phrasecheck.data import Run

    run = Run(results=[chk.check(c) for c in read_file(write_day(base / "day.jsonl", DAY + CHATS), Profile()).conversations])
    write_report_folder(run, Profile(), base / "out", chk.fatal)
    return base / "out"


@pytest.fixture
def db(tmp_path, folder):
    store = Store(tmp_path / "walk.db")
    import_findings_file(store, folder / "findings.json")
    store.close()
    return tmp_path / "walk.db"


@pytest.fixture
def client(db):
    with TestClient(create_app(Settings(db=db)), base_url=LOCAL) as c:
        c.get("/")  # the CSRF cookie
        yield c


def _agent_field(html: str) -> str:
    import re

    return re.search(r'<input name="agent" value="([^"]*)"', html)[1]


def test_selfcheck_does_not_fill_in_the_reviewers_name(client):
    """A QA lead signed a review as QA李; an agent's 自查 on that machine must not go under QA李."""
    pk, fid = client.app.state.wb.store.db.execute("SELECT conv, id FROM findings WHERE severity = 'error' LIMIT 1").fetchone()
    r = client.post(f"/c/{pk}/review", data={"csrf": client.cookies["pc_csrf"], "finding": fid, "verdict": "confirmed", "by": "QA李"}, follow_redirects=False)
    assert r.status_code == 303 and client.cookies.get("pc_name")
    assert "QA李" in client.get(f"/c/{pk}").text  # the review form still remembers the reviewer
    assert _agent_field(client.get("/selfcheck").text) == ""
    # 自查's own 工号 is remembered for 自查 (and does not become the reviewer's name)
    client.post("/selfcheck", data={"csrf": client.cookies["pc_csrf"], "text": "客服: 不知道\n客户: 好", "agent": "A7"})
    assert _agent_field(client.get("/selfcheck").text) == "A7"
    assert 'name="by" value="QA李"' in client.get(f"/c/{pk}").text


def _ids(client, q: str) -> list[str]:
    page = client.get("/api/conversations", params={"q": q, "status": "all"}).json()
    return sorted(c["conversation_id"] for c in page["conversations"])


def test_a_part_of_a_conversation_id_finds_it(client):
    assert _ids(client, "chat-20261126-022") == ["chat-20261126-022"]  # whole, as before
    assert _ids(client, "022") == ["chat-20261126-022"]
    assert _ids(client, "20261126-10") == ["chat-20261126-105"]
    assert _ids(client, "chat-2026") == ["chat-20261126-022", "chat-20261126-105"]
    assert "chat-20261126-105" in client.get("/conversations", params={"q": "105"}).text
    assert _ids(client, "不知道") == ["c2", "chat-20261126-022"]  # the text search still works
    assert _ids(client, "zz-no-such") == []


def test_a_warning_is_not_waiting_for_review(client):
    import re

    store = client.app.state.wb.store
    rows = store.db.execute("SELECT f.id, f.conv, f.severity FROM findings f ORDER BY f.id").fetchall()
    warnings = [r for r in rows if r["severity"] == "warning"]
    errors = [r for r in rows if r["severity"] == "error"]
    assert warnings and errors  # the day has both (B01: a late first reply is a warning)
    for fid, conv, severity in [*warnings, *errors]:
        html = client.get(f"/c/{conv}").text
        item = re.search(rf'<li class="finding[^"]*" id="f{fid}".*?<span class="status">(.*?)</span>', html, re.S)
        assert item[1] == ("提醒" if severity == "warning" else "待复核"), (fid, severity, item[1])
    # 待复核 lists the conversations with an error or a 待确认 finding nobody has reviewed, not those with only warnings
    open_ids = {c["id"] for c in client.get("/api/conversations", params={"status": "open"}).json()["conversations"]}
    assert open_ids == {r["conv"] for r in errors}
    only_warned = {r["conv"] for r in warnings} - {r["conv"] for r in errors}
    assert only_warned and not open_ids & only_warned


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b'{"conversation_id": "x", "text": "unterminated\n', "text/plain"),  # JSONL that is not JSON
        ("你好，我想问一下\n".encode(), "text/plain"),  # no 客服:/客户: lines
        (b'{"text": "{\\"conversation_id\\": \\"x\\"}"}', "application/json"),  # JSONL without role and text
    ],
)
def test_api_check_errors_name_the_selfcheck_input_not_a_temp_file(client, body, content_type):
    import json
    import tempfile

    r = client.post("/api/check", content=body, headers={"Content-Type": content_type})
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors
    text = json.dumps(errors, ensure_ascii=False)
    assert "pc-selfcheck" not in text and tempfile.gettempdir() not in text, text
    assert all(e["path"] == "自查" for e in errors), errors
    html = client.post("/selfcheck", data={"csrf": client.cookies["pc_csrf"], "text": body.decode()}).text
    assert "pc-selfcheck" not in html and tempfile.gettempdir() not in html
