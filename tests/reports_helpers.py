"""Shared inputs for the report, KPI and review tests: a small hand-scored chat day and a call."""

from __future__ import annotations

import json
import struct
import wave
from datetime import datetime, timedelta, timezone
from pathlib import Path

from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation, Run, Turn
from phrasecheck.engine.checker import Checker
from phrasecheck.engine.compiled import cached_checker
from phrasecheck.engine.run import rules_folder

GREETING = "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"
T0 = datetime(2026, 11, 26, 9, 0, 0, tzinfo=timezone(timedelta(hours=8)))
INJECTED = "电梯坏了<script>document.title='pwned';window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"

# (conversation, agent, [(role, text, seconds after T0)]); scores by hand with the default weights:
#   c1  greeting ok, courtesy >= 2, nothing wrong                     -> 10
#   c2  F02 不知道 (-3)                                                  -> 7
#   c3  no greeting (-2), opener 喂 (-2), no courtesy (-2 x 1)          -> 4
#   c4  F11 有本事你去告 is fatal                                        -> 0
# A1 = (10 + 7) / 2 = 8.5 -> 85 良好;  B2 = (4 + 0) / 2 = 2 -> 20 不称职
DAY = [
    (
        "c1",
        "A1",
        [
            ("customer", "我家水管漏了，电话13812345678", 0),
            ("agent", GREETING, 20),
            ("customer", "厨房", 30),
            ("agent", "好的，请稍等。", 55),
            ("customer", "谢谢", 60),
            ("agent", "不客气，再见！", 70),
        ],
    ),
    ("c2", "A1", [("customer", "停车费怎么交", 0), ("agent", GREETING, 30), ("customer", "停车费", 40), ("agent", "这个我不知道。", 80)]),
    ("c3", "B2", [("customer", INJECTED, 0), ("agent", "喂，什么事？", 60), ("customer", "电梯", 70), ("agent", "知道了", 130)]),
    ("c4", "B2", [("customer", "投诉", 0), ("agent", GREETING, 100), ("customer", "你们太差了", 110), ("agent", "有本事你去告", 200)]),
]


def checker(profile: Profile | None = None) -> Checker:
    """The checker a command builds for the profile, from the rules cache as a command gets it (a
    build of the default pack takes 10-25 s; loading it back, 1-2 s)."""
    profile = profile or Profile()
    return cached_checker(profile, rules_folder(profile))


def write_day(path: Path, day=DAY) -> Path:
    lines = []
    for conv, agent, turns in day:
        for role, text, sec in turns:
            lines.append(
                json.dumps(
                    {"conversation_id": conv, "agent_id": agent, "role": role, "text": text, "timestamp": (T0 + timedelta(seconds=sec)).isoformat()},
                    ensure_ascii=False,
                )
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_wav(path: Path, seconds: float = 8.0, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<h", 0) * int(seconds * rate))
    return path


def call_run(folder: Path, chk: Checker) -> Run:
    """One recorded call (turns with start_s) whose audio lies in `folder`; F02 at 4.0 s."""
    wav = write_wav(folder / "call 1.wav")
    conv = Conversation(
        "call1",
        "C3",
        str(wav),
        [
            Turn("agent", "喂，你好。", start_s=0.5, end_s=2.0),
            Turn("customer", "我家停电了", start_s=2.5, end_s=3.5),
            Turn("agent", "不知道，等一下。", start_s=4.0, end_s=6.0),
        ],
    )
    return Run(results=[chk.check(conv)], files=1)


def workbench_client(findings: Path, db: Path):
    """A TestClient on a workbench whose database (db) holds findings (a findings.json), for probing its
    pages and API; server errors come back as 500 answers, not exceptions."""
    from starlette.testclient import TestClient

    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file
    from phrasecheck.web.app import Settings, create_app

    store = Store(db)
    import_findings_file(store, findings)
    store.close()
    return TestClient(create_app(Settings(db=db)), base_url="http://127.0.0.1:8750", raise_server_exceptions=False)


def findings_commands(path: Path, tmp: Path) -> dict[str, tuple]:
    """Every command that reads a findings.json, with its arguments, by name (for bad-input probes)."""
    return {
        "report": ("report", path, "--out", tmp / "out", "--no-db"),
        "kpi": ("kpi", path),
        "review-mark": ("review-mark", path, "--finding", "c2:F02", "--verdict", "false"),
        "import": ("import", path, "--db", tmp / "probe.db"),
    }
