"""Remake the README's screenshots of `phrasecheck serve` (needs Chromium, see tests/browser.py).

    python3 docs/screenshots/make.py

Data: the hand-written test day (tests/reports_helpers.py: chats c1-c4 and one recorded call),
checked by the real checker and spread over six agents and two weeks, so the charts have something
to show. No real customer text goes into the pictures."""

from __future__ import annotations

import base64
import random
import socket
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

import uvicorn  # noqa: E402

from browser import Browser  # noqa: E402
from phrasecheck.config.profile import Profile  # noqa: E402
from phrasecheck.inputs.readers import read_file  # noqa: E402
from phrasecheck.report.jsonfmt import conversation_dict  # noqa: E402
from phrasecheck.report.redact import redact_run  # noqa: E402
from phrasecheck.store.db import Store  # noqa: E402
from phrasecheck.store.importer import rule_names  # noqa: E402
from phrasecheck.web.app import Settings, create_app  # noqa: E402
from reports_helpers import call_run, checker, write_day  # noqa: E402

TZ = timezone(timedelta(hours=8))


def build(tmp: Path) -> Path:
    chk = checker()
    run = call_run(tmp, chk)
    run.results += [chk.check(c) for c in read_file(write_day(tmp / "day.jsonl"), Profile()).conversations]
    templates = [conversation_dict(r) for r in redact_run(run).results]  # as report writes them: phone numbers masked
    rng = random.Random(13)
    agents = {"A1001": 0.9, "A1002": 0.75, "A1003": 0.6, "B2001": 0.5, "B2002": 0.35, "C3001": 0.8}
    out = []
    for day in range(14):
        for agent, good in agents.items():
            for k in range(rng.randint(3, 7)):
                clean = rng.random() < good
                t = templates[1] if clean else rng.choice([templates[0], templates[2], templates[3], templates[4]])
                c = {**t, "findings": [dict(f) for f in t["findings"]], "agent_id": agent, "conversation_id": f"{agent}-{day:02d}-{k}"}
                c["source"] = t["source"] if t["conversation_id"] == "call1" else f"chats-{day:02d}.jsonl"
                c["started_at"] = datetime(2026, 11, 13 + day, 9 + k, rng.randint(0, 59), tzinfo=TZ).isoformat()
                for f in c["findings"]:
                    f["key"] = f"{c['conversation_id']}:{f['id']}:{f['turn']}:{f['start_char']}"
                out.append(c)
    db = tmp / "demo.db"
    store = Store(db)
    store.import_document({"schema_version": 1, "conversations": out, "scoring": {"fatal": sorted(chk.fatal)}}, "demo")
    store.set_rules(rule_names(chk.lexicon))
    store.close()
    return db


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_s:
        db = build(Path(tmp_s))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        app = create_app(Settings(db=db))
        store = app.state.wb.store
        call = store.db.execute("SELECT id FROM conversations WHERE audio IS NOT NULL AND nfind > 0 LIMIT 1").fetchone()[0]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        browser = Browser()
        try:
            page = browser.open(f"http://127.0.0.1:{port}/")
            for name, path, height in (("overview.png", "/", 1100), ("conversation.png", f"/c/{call}", 900)):
                page.send("Emulation.setDeviceMetricsOverride", {"width": 1200, "height": height, "deviceScaleFactor": 1, "mobile": False})
                page.send("Page.navigate", {"url": f"http://127.0.0.1:{port}{path}"})
                time.sleep(1.0)
                page.wait("document.readyState === 'complete'")
                data = page.send("Page.captureScreenshot", {"format": "png"})["data"]
                (HERE / name).write_bytes(base64.b64decode(data))
                print(f"wrote {HERE / name}")
        finally:
            browser.close()
            server.should_exit = True


if __name__ == "__main__":
    main()
