"""calls.csv in the report folder: one row per conversation (call or chat) and one per failed file,
so a QA lead can sort a day's calls in a spreadsheet; findings a reviewer marked false are left out."""

from __future__ import annotations

import csv
from pathlib import Path

from phrasecheck.cells import safe_cell
from phrasecheck.data import Run
from phrasecheck.report.labels import MISSING_LABEL, YES_NO
from phrasecheck.scoring.score import counts, courtesy_count, greeting_compliant

COLUMNS = [  # "中文 key" like kpi.csv: read by people in Excel, still found by scripts by the key
    "来源文件 source",
    "会话 conversation_id",
    "坐席 agent_id",
    "角色来源 roles",
    "开始时间 started_at",
    "客服首次开口秒 first_agent_s",
    "问候合规 greeting_ok",
    "问候缺少 greeting_missing",
    "忌语 forbidden",
    "生硬开场 openers",
    "礼貌用语 courtesy_used",
    "礼貌用语次数 courtesy_count",
    "服务态度 attitude_score",
    "错误 error",
]


def write_calls_csv(run: Run, path: Path, count_review: bool = False) -> None:
    """UTF-8 with BOM and CRLF, like kpi.csv, so Excel opens it as it is."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for r in run.results:
            c = r.conversation
            kept = [f for f in r.findings if counts(f, count_review)]
            writer.writerow(
                safe_cell(v)
                for v in [
                    c.source,
                    c.conversation_id,
                    c.agent_id,
                    c.roles,
                    c.started_at.isoformat() if c.started_at else "",
                    "" if c.first_agent_s is None else c.first_agent_s,
                    YES_NO[greeting_compliant(r)],
                    " ".join(MISSING_LABEL.get(m, m) for m in r.greeting.missing),
                    " ".join(f.id for f in kept if f.kind == "forbidden"),
                    " ".join(f.id for f in kept if f.kind == "opener"),
                    " ".join(sorted({f.id for f in r.courtesy if f.review != "false"})),
                    courtesy_count(r),
                    r.attitude_score,
                    "",
                ]
            )
        for e in run.errors:
            row = [e.source] + [""] * (len(COLUMNS) - 2) + [e.message if e.line is None else f"第 {e.line} 行: {e.message}"]
            writer.writerow(safe_cell(v) for v in row)
