"""The workbench in a real headless Chromium (DevTools pipe, tests/browser.py) against a real uvicorn
server: import a run, 总览, filter by agent and date, open a conversation, play from a finding,
overrule it and see the agent's score change, appeal as the agent and decide as the lead, paste a
transcript in 自查, and the layout at phone width. Skipped where Chromium is not installed.

PHRASECHECK_SCREENSHOTS=DIR also saves the README's screenshots there."""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from browser import CHROMIUM, Browser

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not installed (apt-get install chromium)")]
uvicorn = pytest.importorskip("uvicorn")

from phrasecheck.cli import main  # noqa: E402
from phrasecheck.config.profile import Profile  # noqa: E402
from phrasecheck.inputs.readers import read_file  # noqa: E402
from phrasecheck.report.folder import write_report_folder  # noqa: E402
from phrasecheck.web.app import Settings, create_app  # noqa: E402
from reports_helpers import call_run, checker, write_day  # noqa: E402

SHOTS = os.environ.get("PHRASECHECK_SCREENSHOTS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("serve")
    chk = checker()
    run = call_run(base, chk)
    run.results += [chk.check(c) for c in read_file(write_day(base / "day.jsonl"), Profile()).conversations]
    write_report_folder(run, Profile(), base / "out", chk.fatal)
    db = base / "qa.db"
    r = CliRunner().invoke(main, ["import", str(base / "out" / "findings.json"), "--db", str(db)])
    assert r.exit_code == 0, r.output
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(db=db)), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    browser = Browser()
    try:
        yield browser, f"http://127.0.0.1:{port}"
    finally:
        browser.close()
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(site):
    browser, url = site
    return browser.open(url + "/"), url


def settle(p, condition: str, timeout: float = 15.0):
    """Page.wait that also rides out the moment of navigation (evaluations fail while the page changes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return p.wait(condition, timeout=max(0.1, deadline - time.monotonic()))
        except RuntimeError:
            time.sleep(0.05)
    raise TimeoutError(condition)


def go(p, url: str) -> None:
    p.eval("window.__old = true")
    p.send("Page.navigate", {"url": url})
    settle(p, f"window.__old === undefined && location.href === {url!r} && document.readyState === 'complete'")


def click_and_load(p, selector: str) -> None:
    """Click something that navigates, and wait for the next page."""
    p.eval("window.__old = true")
    p.eval(f"document.querySelector({selector!r}).click()")
    settle(p, "window.__old === undefined && document.readyState === 'complete'")


def shot(p, name: str, width: int = 1200, height: int = 900) -> None:
    if not SHOTS:
        return
    p.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    data = p.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    (Path(SHOTS) / name).write_bytes(base64.b64decode(data))
    p.send("Emulation.clearDeviceMetricsOverride")


def agent_points(p, agent: str) -> str:
    return p.eval(f"document.querySelector('#agents tr[data-agent=\"{agent}\"] td.points').textContent")


def test_the_whole_path(page):
    p, url = page
    # 总览: the imported run, per agent, with charts
    go(p, url + "/")
    assert p.eval("document.documentElement.lang") == "zh-CN"
    assert p.eval("document.querySelectorAll('svg.chart').length") == 3
    assert agent_points(p, "A1") == "85.0" and agent_points(p, "B2") == "20.0"
    shot(p, "overview.png")

    # drill down: click the agent, then filter by agent and date in the form
    click_and_load(p, '#agents tr[data-agent="B2"] a')
    assert p.eval("location.search").startswith("?agent=B2")
    p.eval("document.querySelector('select[name=agent]').value = 'A1'")
    p.eval("document.querySelector('input[name=from]').value = '2026-11-26'")
    p.eval("document.querySelector('input[name=to]').value = '2026-11-26'")
    click_and_load(p, "form.filters button[type=submit]")
    ids = p.eval("Array.from(document.querySelectorAll('#conversations tbody tr td:nth-child(2) a')).map(a => a.textContent)")
    assert ids == ["c2"]  # A1's conversation with a finding that day (c1 is clean)

    # a recording: play from its finding
    go(p, url + "/conversations?agent=C3")
    click_and_load(p, "#conversations tbody a")
    p.wait("document.getElementById('player') && document.getElementById('player').readyState >= 1")
    p.eval("document.querySelector('li.finding button.seek').click()")
    p.wait("Math.abs(document.getElementById('player').currentTime - 4.0) < 0.5")
    # evidence is reachable by keyboard
    assert p.eval("document.querySelector('mark[data-keys]').tabIndex") == 0
    shot(p, "conversation.png")

    # overrule F02 in c2 as the lead: A1's score changes on 总览
    go(p, url + "/conversations?q=c2")
    click_and_load(p, "#conversations tbody a")
    p.eval("document.querySelector('li.finding details').open = true")
    p.eval("document.querySelector('li.finding input[value=false]').checked = true")
    p.eval("document.querySelector('li.finding textarea[name=note]').value = '问的是别人'")
    p.eval("document.querySelector('li.finding input[name=by]').value = 'QA李'")
    click_and_load(p, "li.finding form.review button[type=submit]")
    assert "QA李" in p.eval("document.querySelector('li.finding ol.history').textContent")
    go(p, url + "/")
    assert agent_points(p, "A1") == "100.0"

    # B2 appeals F11 in c4, the lead decides: both steps stay in the history
    go(p, url + "/conversations?rule=F11")
    click_and_load(p, "#conversations tbody a")
    sel = "li.finding[data-key*=':c4:F11:']"
    for verdict, note, by in (("appeal", "客户先骂人", "B2"), ("confirmed", "录音核实，维持", "QA李")):
        p.eval(f'document.querySelector("{sel} details").open = true')
        p.eval(f'document.querySelector("{sel} input[value={verdict}]").checked = true')
        p.eval(f'document.querySelector("{sel} textarea[name=note]").value = {note!r}')
        p.eval(f'document.querySelector("{sel} input[name=by]").value = {by!r}')
        click_and_load(p, f"{sel} form.review button[type=submit]")
    steps = p.eval(f'Array.from(document.querySelectorAll("{sel} ol.history li")).map(li => li.textContent)')
    assert len(steps) == 2 and "B2" in steps[0] and "客户先骂人" in steps[0] and "QA李" in steps[1] and "维持" in steps[1]

    # 自查: paste a transcript, see F02 and what to say instead
    go(p, url + "/selfcheck")
    text = "客服:您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？\\n客户:停车费怎么交\\n客服:这个我不知道。"
    p.eval(f"document.querySelector('textarea[name=text]').value = '{text}'")
    click_and_load(p, "form.selfcheck button[type=submit]")
    result = p.eval("document.getElementById('result').textContent")
    assert "F02 不知道" in result and "建议说" in result and "稍后给您回复" in result


def test_pages_fit_a_phone(page):
    p, url = page
    p.send("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    try:
        for path in ("/", "/conversations", "/selfcheck", "/c/1"):
            go(p, url + path)
            assert p.eval("document.documentElement.scrollWidth") <= 390, path
    finally:
        p.send("Emulation.clearDeviceMetricsOverride")
