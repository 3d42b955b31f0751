"""A transferred conversation in the workbench (serve) is split by agent as the report folder splits it
(scoring/attribution.agent_views): A1001 greets and hands the chat to A2002, who says 急什么，烦死人了 and
有本事你去告. kpi.csv charges A2002 (0.0) and gives A1001 10.0; the store used to charge the whole
conversation (0.0, F04, F11) to A1001. Conversation notes are stored and shown in Chinese."""

from __future__ import annotations

import csv
import json
import re
import sqlite3

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from click.testing import CliRunner
from starlette.testclient import TestClient

from phrasecheck.cli import main
from phrasecheck.config.profile import Profile
from phrasecheck.data import ROLES_INFERRED, Conversation, Run, Turn
from phrasecheck.report.folder import write_report_folder
from phrasecheck.report.labels import note_label
from phrasecheck.store.db import _DAILY_SUMS, SCHEMA_VERSION, Store
from phrasecheck.store.importer import import_findings_file
from phrasecheck.web.app import Settings, create_app
from reports_helpers import GREETING, checker, write_wav

LOCAL = "http://127.0.0.1:8750"
XFER = [
    ("A1001", "agent", GREETING, "09:00:00"),
    ("A1001", "customer", "我要投诉楼上噪音", "09:00:20"),
    ("A1001", "agent", "好的，请稍等，我帮您转给投诉专员。", "09:00:40"),
    ("A2002", "agent", "急什么，烦死人了，说吧。", "09:01:30"),
    ("A2002", "customer", "你什么态度", "09:01:50"),
    ("A2002", "agent", "有本事你去告。", "09:02:10"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """`phrasecheck report x.jsonl --out out --db db`, as the QA lead ran it."""
    base = tmp_path_factory.mktemp("xfer")
    lines = [
        json.dumps({"conversation_id": "t1", "agent_id": a, "role": role, "text": text, "timestamp": f"2026-11-27T{at}+08:00"}, ensure_ascii=False)
        for a, role, text, at in XFER
    ]
    (base / "x.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["report", str(base / "x.jsonl"), "--out", str(base / "out"), "--db", str(base / "db.sqlite3")])
    assert res.exit_code in (0, 1), res.output
    kpi = {r["坐席 agent"]: r for r in csv.DictReader((base / "out" / "kpi.csv").open(encoding="utf-8-sig"))}
    return base, kpi


def _client(db):
    return TestClient(create_app(Settings(db=db)), base_url=LOCAL)


def _points(c) -> dict[str, float]:
    return {a["agent_id"]: a["points"] for a in c.get("/api/agents").json()["agents"]}


def _kpi_points(kpi) -> dict[str, float]:
    return {a: float(r["百分制 points"]) for a, r in kpi.items()}


def test_each_agent_is_charged_with_their_own_part(report, tmp_path):
    base, kpi = report
    db = tmp_path / "db.sqlite3"
    db.write_bytes((base / "db.sqlite3").read_bytes())
    assert _kpi_points(kpi) == {"A1001": 100.0, "A2002": 0.0}  # what the report folder says
    with _client(db) as c:
        c.get("/")
        assert _points(c) == _kpi_points(kpi)  # 总览 agrees with kpi.csv
        overview = c.get("/").text
        assert re.search(r'data-agent="A2002">.*?<td class="points">0.0</td>', overview)
        assert "1 个会话，2 名坐席" in overview  # the transfer counts once among the conversations
        # 会话 by agent: A2002's part with F04 and F11; A1001's part clean, 10.0
        (mine,) = c.get("/api/conversations", params={"agent": "A2002"}).json()["conversations"]
        assert (mine["conversation_id"], mine["agent_id"], mine["score"], sorted(mine["rules"].split(","))) == ("t1", "A2002", 0.0, ["F04", "F11"])
        assert c.get("/api/conversations", params={"agent": "A1001"}).json()["total"] == 0  # no findings of A1001's
        (first,) = c.get("/api/conversations", params={"agent": "A1001", "status": "all"}).json()["conversations"]
        assert (first["agent_id"], first["score"], first["standing"]) == ("A1001", 10.0, 0)
        assert c.get("/api/conversations", params={"agent": "A1001", "rule": "F11"}).json()["total"] == 0
        assert c.get("/api/conversations", params={"agent": "A2002", "rule": "F11"}).json()["total"] == 1
        assert "A2002" in c.get("/conversations").text and '<option value="A2002"' in c.get("/conversations").text
        # the conversation page says who took over where, each agent's score, and whose each finding is
        pk = mine["id"]
        page = re.sub(r"<[^>]+>", " ", c.get(f"/c/{pk}").text)
        page = re.sub(r"\s+", " ", page)
        assert "A1001 接待，第 4 句起由 A2002 接手" in page
        assert "A1001 第 1 句起 10.0" in page and "A2002 第 4 句起 0.0" in page
        assert "坐席 A2002 一票否决：A2002 的这部分 0 分" in page
        assert "客服 A1001 好的" in page and "客服 A2002 急什么，烦死人了" in page  # the transcript names each line's agent
        assert "坐席 A1001" not in page.split("问题（2）")[1].split("对话")[0]  # no finding under A1001
        # a review moves the agent the finding belongs to, not the first agent
        fid = c.app.state.wb.store.db.execute("SELECT id FROM findings WHERE rule = 'F11'").fetchone()[0]
        r = c.post("/api/reviews", json={"finding": fid, "verdict": "误报", "note": "转述", "by": "QA李"}, headers={"X-CSRF-Token": c.cookies["pc_csrf"]})
        assert r.status_code == 200 and r.json()["agent_id"] == "A2002" and r.json()["agent"]["agent_id"] == "A2002"
        after = _points(c)
        assert after["A1001"] == 100.0 and 0.0 < after["A2002"] < 100.0  # F04 still counts against A2002 alone
        exported = c.get("/export/review.csv", params={"status": "all"}).text
        assert re.search(r"t1,A2002,F04", exported) and "t1,A1001,F04" not in exported


def test_an_existing_database_is_split_by_the_schema_step(report, tmp_path):
    """A version-3 file (before parts): the schema step splits its transfers from the stored turns."""
    base, kpi = report
    db = tmp_path / "v3.sqlite3"
    db.write_bytes((base / "db.sqlite3").read_bytes())
    old = sqlite3.connect(db)
    conv = "SELECT id, agent_id, day, score, greeting_pass, forbidden, standing, appeals FROM conversations"
    for sql in (
        "DROP TABLE parts",
        "ALTER TABLE findings DROP COLUMN agent_id",
        "ALTER TABLE texts DROP COLUMN notes",
        "DELETE FROM daily",  # version 3 summed whole conversations by their (first) agent
        f"INSERT INTO daily SELECT COALESCE(day, ''), agent_id, {_DAILY_SUMS} FROM conversations GROUP BY day, agent_id",
        "UPDATE schema_version SET version = 3",
    ):
        old.execute(sql)
    old.commit()
    assert [tuple(r) for r in old.execute(conv)][0][1:4] == ("A1001", "2026-11-27", 0.0)  # the repro: t1|A1001|0.0
    old.close()
    store = Store(db)
    assert store.version() == SCHEMA_VERSION == 4
    assert {a["agent_id"]: a["points"] for a in store.agents()} == _kpi_points(kpi)
    c = store.conversation(1)
    assert [(p["agent_id"], p["first_turn"], p["score"]) for p in c["parts"]] == [("A1001", 0, 10.0), ("A2002", 3, 0.0)]
    assert {f["rule"]: f["agent_id"] for f in c["findings"]} == {"F04": "A2002", "F11": "A2002"}
    store.close()
    with _client(db) as client:
        page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/c/1").text))
        assert "A1001 接待，第 4 句起由 A2002 接手" in page  # shown from the stored turns; the old file kept no notes


def test_conversation_notes_are_stored_and_shown_in_chinese(tmp_path):
    chk = checker()
    wav = write_wav(tmp_path / "mono.wav")
    conv = Conversation(
        "mono1",
        "C3",
        str(wav),
        [
            Turn("agent", GREETING, start_s=0.5, end_s=4.0),
            Turn("customer", "我家停电了", start_s=4.5, end_s=5.5),
            Turn("agent", "好的，再见！", start_s=6.0, end_s=7.0),
        ],
        roles=ROLES_INFERRED,
    )
    result = chk.check(conv)
    assert result.notes  # B03 / B04 not checked on a mono recording
    write_report_folder(Run(results=[result], files=1), Profile(), tmp_path / "out", chk.fatal)
    store = Store(tmp_path / "db.sqlite3")
    import_findings_file(store, tmp_path / "out" / "findings.json")
    (row,) = store.db.execute("SELECT notes FROM texts").fetchall()
    assert json.loads(row[0]) == result.notes
    store.close()
    with _client(tmp_path / "db.sqlite3") as c:
        html = c.get("/c/1").text
        for n in result.notes:
            assert note_label(n) != n and note_label(n) in html
        assert "not checked" not in html
