"""Server time and size of the workbench's pages with N conversations in the database.

    python3 benchmarks/serve_pages.py                 # 2,000 and 100,000 conversations
    python3 benchmarks/serve_pages.py --sizes 2000

The conversations are real checker output: a set of template chats (the hand-scored day of the
tests, and, when ../shared is present, 300 real JD.com chats) is checked once, then repeated under
50 agents over 60 days with new conversation ids, so findings, scores and texts are the checker's
own; only their number is multiplied. Times are the median of 5 requests through Starlette's
TestClient (the app's own time: routing, SQL, templates; no network).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

from starlette.testclient import TestClient  # noqa: E402

from phrasecheck.config.profile import Profile  # noqa: E402
from phrasecheck.engine.run import check_paths  # noqa: E402
from phrasecheck.inputs.readers import read_file  # noqa: E402
from phrasecheck.report.folder import findings_document  # noqa: E402
from phrasecheck.scoring.kpi import compute_kpi  # noqa: E402
from phrasecheck.store.db import Store  # noqa: E402
from phrasecheck.store.importer import rule_names  # noqa: E402
from phrasecheck.web.app import Settings, create_app  # noqa: E402
from reports_helpers import checker, write_day  # noqa: E402

SHARED = REPO.parent / "shared" / "realdata" / "jddc_chats.jsonl"
LOCAL = "http://127.0.0.1:8750"  # the Host the server accepts by default
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def templates(tmp: Path) -> list[dict]:
    chk = checker()
    profile = Profile()
    run = check_paths([write_day(tmp / "day.jsonl")] + ([SHARED] if SHARED.is_file() else []), chk, profile)
    run.results += [chk.check(c) for c in read_file(write_day(tmp / "day2.jsonl"), profile).conversations]
    doc = findings_document(run, profile, chk.fatal, compute_kpi(run.results, profile, chk.fatal))
    for c in doc["conversations"]:  # the copies get their own dates
        for t in c["turns"]:
            t.pop("timestamp", None)
    return doc["conversations"]


def build(n: int, tmp: Path, convs: list[dict]) -> Path:
    db = tmp / f"bench-{n}.db"
    store = Store(db)
    chunk = 5000
    for start in range(0, n, chunk):
        out = []
        for i in range(start, min(n, start + chunk)):
            t = convs[i % len(convs)]
            c = {**t, "findings": [dict(f) for f in t["findings"]]}
            c["conversation_id"] = f"b{i:06d}"
            c["agent_id"] = f"A{i % 50:02d}"
            c["source"] = f"day-{i // 2000:03d}.jsonl"
            when = T0 + timedelta(days=(i * 60) // n, seconds=(i * 37) % 30000)
            c["started_at"] = when.isoformat()
            for f in c["findings"]:
                f["key"] = f"{c['conversation_id']}:{f['id']}:{f['turn']}:{f['start_char']}"
            out.append(c)
        store.import_document({"schema_version": 1, "conversations": out, "scoring": {"fatal": ["F11"]}}, f"bench {start}")
    from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon

    store.set_rules(rule_names(load_lexicon(default_lexicon_dir())))
    store.close()
    return db


def measure(client: TestClient, url: str, repeat: int = 5) -> tuple[float, int]:
    client.get(url)  # warm the page cache and the templates
    times = []
    size = 0
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (url, r.status_code)
        size = len(r.content)
    return statistics.median(times) * 1000, size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,100000")
    ap.add_argument("--keep", type=Path, help="Build the databases in this folder and keep them (reused when present).")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = args.keep or Path(tmp_s)
        tmp.mkdir(parents=True, exist_ok=True)
        convs = templates(Path(tmp_s))
        print(f"{len(convs)} template conversations ({sum(bool(c['findings']) for c in convs)} with findings)")
        for n in (int(x) for x in args.sizes.split(",")):
            t = time.perf_counter()
            db = tmp / f"bench-{n}.db"
            if not (args.keep and db.is_file()):
                build(n, tmp, convs)
                print(f"\n{n:,} conversations: import {time.perf_counter() - t:.1f} s, database {db.stat().st_size / 1e6:.1f} MB")
            else:
                print(f"\n{n:,} conversations: reusing {db} ({db.stat().st_size / 1e6:.1f} MB)")
            with TestClient(create_app(Settings(db=db)), base_url=LOCAL) as client:
                client.get("/")
                pk = client.app.state.wb.store.db.execute("SELECT id FROM conversations WHERE nfind > 0 LIMIT 1").fetchone()[0]
                pages = [
                    ("总览 (all dates)", "/"),
                    ("总览 one week", "/?from=2026-10-08&to=2026-10-14"),
                    ("会话 first page", "/conversations"),
                    ("会话 page 20", "/conversations?page=20"),
                    ("会话 agent + dates", "/conversations?agent=A07&from=2026-10-08&to=2026-10-14"),
                    ("会话 rule F02", "/conversations?rule=F02"),
                    ("会话 text search", "/conversations?q=%E5%9C%B0%E5%9D%80"),
                    ("会话 all, last page", "/conversations?status=all&page=1000"),
                    ("conversation view", f"/c/{pk}"),
                    ("GET /api/agents", "/api/agents?from=2026-10-01&to=2026-10-31"),
                ]
                for name, url in pages:
                    ms, size = measure(client, url)
                    print(f"  {name:24s} {ms:7.1f} ms  {size / 1024:7.1f} KB  {url}")


if __name__ == "__main__":
    main()
