"""report.html with N conversations: file size, DOM nodes, load time and time to clear a filter in
headless Chromium (the tests' DevTools-pipe driver, tests/browser.py).

    python3 benchmarks/report_html.py              # 2,000 conversations
    python3 benchmarks/report_html.py --n 500 --runs 3

The conversations are real checker output: the tests' hand-scored day and, when ../shared is present,
the first 300 real JD.com chats are checked once, then copied under 50 agents over 30 days with new
conversation ids until there are N. Load time is navigation start to the end of the load event
(performance timing), the median of --runs loads in a fresh tab; "clear filter" is the time for a
change of the agent filter back to all to finish (it runs synchronously in the page).
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

from browser import Browser, file_url  # noqa: E402
from phrasecheck.config.profile import Profile  # noqa: E402
from phrasecheck.data import Run  # noqa: E402
from phrasecheck.engine.run import check_paths  # noqa: E402
from phrasecheck.report.folder import write_report_folder  # noqa: E402
from reports_helpers import checker, write_day  # noqa: E402

SHARED = REPO.parent / "shared" / "realdata" / "jddc_chats.jsonl"
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def build_run(n: int, tmp: Path) -> tuple[Run, set[str]]:
    chk = checker()
    profile = Profile()
    paths = [write_day(tmp / "day.jsonl")]
    if SHARED.is_file():
        head = tmp / "jddc-300.jsonl"
        seen: list[str] = []
        with open(SHARED, encoding="utf-8") as src, open(head, "w", encoding="utf-8") as out:
            for line in src:
                cid = json.loads(line).get("conversation_id")
                if cid not in seen:
                    if len(seen) == 300:
                        break
                    seen.append(cid)
                out.write(line)
        paths.append(head)
    base = check_paths(paths, chk, profile)
    run = Run()
    for i in range(n):
        r = copy.deepcopy(base.results[i % len(base.results)])
        c = r.conversation
        c.conversation_id = f"b{i:05d}"
        c.agent_id = f"A{i % 50:02d}"
        shift = T0 + timedelta(days=i * 30 // n, seconds=(i * 37) % 30000) - (c.started_at or T0)
        c.started_at = (c.started_at or T0) + shift
        for t in c.turns:
            if t.timestamp is not None:
                t.timestamp += shift
        run.results.append(r)
    return run, chk.fatal


def load(browser: Browser, url: str) -> dict:
    page = browser.open(url)
    page.wait("performance.timing.loadEventEnd > 0")
    ms = page.eval("performance.timing.loadEventEnd - performance.timing.navigationStart")
    nodes = page.eval("document.getElementsByTagName('*').length")
    agent = page.eval("document.querySelector('#f-agent option:nth-child(2)').value")
    page.eval(f"(() => {{ const s = document.getElementById('f-agent'); s.value = {agent!r}; s.dispatchEvent(new Event('change')); }})()")
    clear = page.eval(
        "(() => { const s = document.getElementById('f-agent'); s.value = ''; const t = performance.now(); s.dispatchEvent(new Event('change'));"
        " document.body.getBoundingClientRect(); return performance.now() - t; })()"
    )
    return {"load_ms": ms, "nodes": nodes, "clear_ms": clear}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="write the report folder here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        run, fatal = build_run(args.n, tmp)
        out = args.keep or tmp / "out"
        t = time.perf_counter()
        write_report_folder(run, Profile(), out, fatal)
        write_s = time.perf_counter() - t
        html = out / "report.html"
        with_findings = sum(bool(r.findings) for r in run.results)
        print(f"{args.n:,} conversations ({with_findings:,} with findings), report folder written in {write_s:.1f} s")
        print(f"report.html: {html.stat().st_size / 1e6:.2f} MB")
        browser = Browser(timeout=120)
        try:
            samples = [load(browser, file_url(html)) for _ in range(args.runs)]
        finally:
            browser.close()
        for key, unit in (("nodes", ""), ("load_ms", " ms"), ("clear_ms", " ms")):
            print(f"{key:>9}: median {statistics.median(s[key] for s in samples):,.0f}{unit}  ({', '.join(f'{s[key]:.0f}' for s in samples)})")


if __name__ == "__main__":
    main()
