"""A chat handed from one agent to another, where the second says a fatal phrase (有本事你去告): the
report folder's findings.json lists the agents with the same attitude as kpi.csv and report.html
(the second agent's part is 0, 一票否决); findings.json said 2.0 (its rows ignored the fatal rule)."""

from __future__ import annotations

import csv
import json

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from reports_helpers import checker

ROWS = [
    ("A1001", "agent", "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？", "09:00:00"),
    ("A1001", "customer", "我要投诉楼上噪音", "09:00:20"),
    ("A1001", "agent", "好的，请稍等，我帮您转给投诉专员。", "09:00:40"),
    ("A2002", "agent", "急什么，烦死人了，说吧。", "09:01:30"),
    ("A2002", "customer", "你什么态度", "09:01:50"),
    ("A2002", "agent", "有本事你去告。", "09:02:10"),
]


def _export(tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text(
        "".join(
            json.dumps({"conversation_id": "t1", "agent_id": a, "role": r, "text": t, "timestamp": f"2026-11-27T{at}+08:00"}, ensure_ascii=False) + "\n"
            for a, r, t, at in ROWS
        ),
        encoding="utf-8",
    )
    return src


def test_findings_json_agents_agree_with_kpi_csv_on_a_transfer(tmp_path):
    src = _export(tmp_path)
    chk = checker()
    run = Run(results=[chk.check(c) for c in read_file(src, Profile()).conversations], files=1)
    write_report_folder(run, Profile(), tmp_path / "out", chk.fatal)
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    listed = {a["agent_id"]: a["attitude_score"] for a in doc["agents"]}
    kpi = {row["坐席 agent"]: float(row["服务态度(10) attitude"]) for row in csv.DictReader((tmp_path / "out" / "kpi.csv").open(encoding="utf-8-sig"))}
    assert listed == kpi == {"A1001": 10.0, "A2002": 0.0}
    assert {a["agent_id"]: a["attitude"] for a in doc["kpi"]} == kpi


def test_check_json_agents_count_the_fatal_rule_on_a_transfer(tmp_path):
    """check --format json (streamed) gave A2002 2.0 where the report folder gives 0.0."""
    from click.testing import CliRunner

    from phrasecheck.cli import main

    res = CliRunner().invoke(main, ["check", "--format", "json", str(_export(tmp_path))])
    assert res.exit_code == 1
    assert {a["agent_id"]: a["attitude_score"] for a in json.loads(res.stdout)["agents"]} == {"A1001": 10.0, "A2002": 0.0}
