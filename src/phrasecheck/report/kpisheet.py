"""The per-agent KPI sheet a supervisor pastes into the monthly review: kpi.xlsx and kpi.csv."""

from __future__ import annotations

import csv
from pathlib import Path

from phrasecheck.cells import safe_cell
from phrasecheck.scoring.kpi import AgentKpi

# (header, attribute): Chinese first, for the monthly review sheet; English for scripts.
COLUMNS = [
    ("排名 rank", "rank"),
    ("坐席 agent", "agent_id"),
    ("会话数 conversations", "conversations"),
    ("问候合规% greeting_pct", "greeting_pct"),
    ("忌语/百会话 forbidden_per_100", "forbidden_per_100"),
    ("生硬开场 openers", "openers"),
    ("一票否决会话 fatal", "fatal"),
    ("通话行为 behaviour", "behaviour"),
    ("礼貌用语/会话 courtesy_per_conversation", "courtesy_per_conversation"),
    ("服务态度(10) attitude", "attitude"),
    ("百分制 points", "points"),
    ("等级 grade", "grade"),
    ("在线会话 chats", "chats"),
    ("首次响应秒 first_response_s", "first_response_s"),
    ("平均响应秒 mean_response_s", "mean_response_s"),
    ("回复率% reply_rate", "reply_rate"),
    ("响应时间得分 response_points", "response_points"),
    ("回复率得分 reply_points", "reply_points"),
    ("KPI得分 kpi_points", "kpi_points"),
    ("KPI满分 kpi_max", "kpi_max"),
]


def rows(agents: list[AgentKpi]) -> list[list]:
    return [[safe_cell(getattr(a, attr)) for _, attr in COLUMNS] for a in agents]


def write_csv(agents: list[AgentKpi], path: Path) -> None:
    """UTF-8 with BOM and CRLF, so Excel in China opens it without mojibake."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([h for h, _ in COLUMNS])
        for row in rows(agents):
            writer.writerow(["" if v is None else v for v in row])


def write_xlsx(agents: list[AgentKpi], path: Path, formula: list[str] | None = None) -> None:
    """Sheet 'KPI' (one row per agent, ranked) and sheet '说明' with the scoring formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "KPI"
    ws.append([h for h, _ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows(agents):
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    ws.freeze_panes = "C2"
    for i, (header, _) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, min(28, len(header) + 2))
    notes = wb.create_sheet("说明")
    for line in formula or []:
        notes.append([safe_cell(line)])
    notes.column_dimensions["A"].width = 120
    wb.save(path)
