"""What QA leads and agents read is Chinese: behaviour findings (B01-B05), review-severity findings and
the conversation notes, in report.html and the workbench, from real transcripts through the checker."""

from __future__ import annotations

import json
from pathlib import Path

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from reports_helpers import checker

# A phone call transcribed with times (offsets into the recording): the agent first speaks 8 s in
# (B01, limit 5 s) and the call ends without a goodbye (B05).
LATE_CALL = """# agent: A1003
# started: 2026-11-26T14:12:00+08:00
[00:00:08] 客服:您好，阳光物业客服中心，我姓李，请问有什么可以帮助您？
[00:00:12] 客户:我家暖气片不热。
[00:00:15] 客服:好的，请您稍等，我帮您报修。
"""


def _report(tmp_path: Path, name: str, text: str) -> str:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    chk = checker()
    run = Run(results=[chk.check(c) for c in read_file(src, Profile()).conversations], files=1)
    write_report_folder(run, Profile(), tmp_path / "out", chk.fatal)
    return (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_behaviour_findings_read_in_chinese_in_report_html(tmp_path):
    html = _report(tmp_path, "call-A1003.txt", LATE_CALL)
    assert "B05 通话结束时礼貌道别" in html and "B01 在第一时间接听电话" in html  # the rule as id + phrase
    assert '<span class="tag">通话行为</span>' in html
    assert "通话结束时没有礼貌道别" in html
    assert "接听过慢：客服在通话开始 8.0 秒后才开口（上限 5 秒）" in html
    assert "the call ends without" not in html and "late answer:" not in html  # in the finding and the timeline
    assert '<span class="tag">behaviour</span>' not in html


def _workbench_page(tmp_path: Path, name: str, text: str, path: str = "/c/{pk}") -> str:
    import pytest

    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    from starlette.testclient import TestClient

    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file
    from phrasecheck.web.app import Settings, create_app

    tmp_path.mkdir(exist_ok=True)
    _report(tmp_path, name, text)
    store = Store(tmp_path / "wb.db")
    import_findings_file(store, tmp_path / "out" / "findings.json")
    pk = store.db.execute("SELECT id FROM conversations").fetchone()[0]
    store.close()
    with TestClient(create_app(Settings(db=tmp_path / "wb.db")), base_url="http://127.0.0.1:8750") as client:
        return client.get(path.format(pk=pk)).text


def test_behaviour_findings_read_in_chinese_in_the_workbench(tmp_path):
    html = _workbench_page(tmp_path, "call-A1003.txt", LATE_CALL)
    assert "B05 通话结束时礼貌道别" in html and '<span class="tag">通话行为</span>' in html
    assert "原因：通话结束时没有礼貌道别" in html and "原因：接听过慢" in html
    assert "the call ends without" not in html and "late answer:" not in html


# An arguable 不知道 (the agent goes on to check) and a forbidden phrase in quotation marks (the agent
# repeats what the customer was told): both are listed for review (severity review) at no cost.
FOR_REVIEW = """# agent: A1002
客服:您好，阳光物业客服中心，我姓张，请问有什么可以帮助您？
客户:电梯什么时候修好？
客服:暂时不知道，我帮您查询。
客户:上次你们店员跟我说有本事你去告
客服:您说店员跟您讲"有本事你去告"，非常抱歉，我会反馈。再见
"""


def test_findings_for_review_are_labelled_and_explained_in_chinese(tmp_path):
    html = _report(tmp_path, "review.txt", FOR_REVIEW)
    assert html.count('<span class="tag">待确认</span>') == 2 and '<span class="tag">review</span>' not in html
    assert '<option value="review">待确认</option>' in html  # the 级别 filter can pick them
    assert "服务忌语：不应对客户说「不知道」（看上下文可能并无不妥，请复核确认，确认前不扣分）" in html
    assert "（在引号里，可能是转述别人的话，请确认，确认前不扣分）" in html
    page = _workbench_page(tmp_path / "wb", "review.txt", FOR_REVIEW)
    assert page.count('<span class="tag">待确认</span>') == 2 and '<span class="tag">review</span>' not in page
    assert "原因：服务忌语：不应对客户说「不知道」（看上下文可能并无不妥" in page
    listed = _workbench_page(tmp_path / "wb2", "review.txt", FOR_REVIEW, "/conversations?severity=review")
    assert '<option value="review" selected>待确认</option>' in listed and "共 1 个会话" in listed


# One chat handed from A1001 to A1002 (scoring/attribution.py notes the transfer).
TRANSFER = "\n".join(
    json.dumps({"conversation_id": "t1", "agent_id": agent, "role": role, "text": text, "timestamp": f"2026-11-26T09:{at}+08:00"}, ensure_ascii=False)
    for agent, role, text, at in [
        ("A1001", "agent", "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？", "00:00"),
        ("A1001", "customer", "我要交停车费", "00:20"),
        ("A1002", "agent", "您好，我姓张，这边帮您办理停车费，请稍等。", "01:00"),
        ("A1002", "agent", "已经办好了，感谢您的来电，再见。", "02:00"),
    ]
)


def test_conversation_notes_read_in_chinese_in_report_html(tmp_path):
    html = _report(tmp_path, "call-A1003.txt", LATE_CALL)
    assert "B02 无声等待未检查：这份记录没有说话时间" in html
    assert "B03 打断客户未检查：这份记录没有双方各自的说话时间" in html
    assert "not checked" not in html
    (tmp_path / "t").mkdir()
    html = _report(tmp_path / "t", "transfer.jsonl", TRANSFER)
    assert "转接：A1001 → A1002（第 3 句起）" in html and "transfer:" not in html


def test_a_database_filled_before_the_behaviour_rules_had_names_gets_them(tmp_path):
    """A workbench database whose rules table was written without B01-B05 (before they were named)
    learns their names when the workbench opens it, instead of showing a bare B05."""
    import pytest

    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    from starlette.testclient import TestClient

    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file
    from phrasecheck.web.app import Settings, create_app

    _report(tmp_path, "call-A1003.txt", LATE_CALL)
    store = Store(tmp_path / "wb.db")
    import_findings_file(store, tmp_path / "out" / "findings.json")
    store.db.execute("DELETE FROM rules WHERE id LIKE 'B%'")
    store.db.commit()
    store.close()
    with TestClient(create_app(Settings(db=tmp_path / "wb.db")), base_url="http://127.0.0.1:8750") as client:
        assert "B05 通话结束时礼貌道别" in client.get("/c/1").text


def test_words_said_back_after_nin_shuo_are_explained_in_chinese(checker):
    from helpers import agent_says
    from phrasecheck.report.labels import default_rule_names, reason

    (f,) = [f for f in checker.check(agent_says("您说他们讲了半天您还是没听懂，那我再说一遍。")).findings if f.kind == "forbidden"]
    assert "可能是复述客户的话，请确认，确认前不扣分" in reason(f.kind, f.id, f.message, None, default_rule_names())
