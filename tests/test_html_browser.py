"""report.html in a real headless Chromium (Debian's /usr/bin/chromium, driven over the DevTools
pipe): the agents' table, highlighted findings, injected script that must not run, filters, and
the audio player seeking to a finding. Skipped where Chromium is not installed."""

from __future__ import annotations

import os
import re

import pytest

from browser import CHROMIUM, Browser, file_url
from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from reports_helpers import DAY, call_run, checker, write_day

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not installed (apt-get install chromium)")]

EVIL_AGENT = 'B9"><script>window.__pwned=3</script>'


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    chk = checker()
    day = DAY + [("c5", EVIL_AGENT, [("customer", "<b>hi</b>", 0), ("agent", "不知道</mark><script>window.__pwned=4</script>", 10)])]
    run = call_run(folder, chk)  # the recording lies in `folder`, the report in folder/out: href ../call%201.wav
    run.results += [chk.check(c) for c in read_file(write_day(folder / "day.jsonl", day), Profile()).conversations]
    out = folder / "out"
    write_report_folder(run, Profile(), out, chk.fatal, redact=False)  # --no-redact: the player may use the absolute file: URL
    browser = Browser()
    try:
        yield browser.open(file_url(out / "report.html")), out
    finally:
        browser.close()


def test_the_agents_table_is_there(page):
    p, _ = page
    rows = p.eval("Array.from(document.querySelectorAll('#agents tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.trim()))")
    agents = {r[1]: r for r in rows}
    assert set(agents) == {"A1", "B2", "C3", EVIL_AGENT}
    assert agents["A1"][0] == "1" and agents["A1"][8] == "良好" and agents["B2"][8] == "不称职"


def test_a_finding_is_highlighted_in_place(page):
    p, out = page
    marks = p.eval(
        "Array.from(document.querySelectorAll('section.conv[data-agent=\"A1\"] mark.hit:not(.courtesy)')).map(m => [m.textContent, m.dataset.keys, getComputedStyle(m).backgroundColor])"
    )
    key = f"{out.parent / 'day.jsonl'}:c2:F02:4:3"  # review keys start with the input file
    assert ["不知道", key] == marks[0][:2]
    assert marks[0][2] not in ("rgba(0, 0, 0, 0)", "transparent")  # visibly highlighted
    text = p.eval(f"document.querySelector('li.finding[data-key=\"{key}\"]').textContent")
    assert "F02 不知道" in text and "建议说：" in text and "稍后给您回复" in text and "服务忌语：不应对客户说「不知道」" in text


def test_injected_markup_in_chat_text_does_not_run(page):
    p, _ = page
    assert p.eval("typeof window.__pwned") == "undefined"
    assert p.eval("document.title") == "phrasecheck 质检报告"
    assert p.eval("document.querySelectorAll('script').length") == 1  # only the report's own
    assert p.eval("document.querySelectorAll('section.conv img, section.conv b').length") == 0
    body = p.eval("document.body.textContent")
    assert "<script>document.title='pwned';window.__pwned=1</script>" in body  # shown as text
    assert "<b>hi</b>" in body and EVIL_AGENT in body


def test_filters_hide_other_agents_and_rules(page):
    p, _ = page
    p.eval("(() => { const s = document.getElementById('f-agent'); s.value = 'B2'; s.dispatchEvent(new Event('change')); })()")
    shown = p.eval("Array.from(document.querySelectorAll('section.conv')).filter(s => !s.hidden).map(s => s.dataset.agent)")
    assert shown and set(shown) == {"B2"}
    p.eval(
        "(() => { const a = document.getElementById('f-agent'); a.value = ''; a.dispatchEvent(new Event('change')); const r = document.getElementById('f-rule'); r.value = 'F11'; r.dispatchEvent(new Event('change')); })()"
    )
    shown = p.eval("Array.from(document.querySelectorAll('section.conv')).filter(s => !s.hidden).map(s => s.querySelector('h3').firstChild.textContent.trim())")
    assert shown == ["c4"]
    p.eval("(() => { const r = document.getElementById('f-rule'); r.value = ''; r.dispatchEvent(new Event('change')); })()")


def test_clicking_a_finding_seeks_the_audio_player(page):
    p, out = page
    srcs = p.eval("Array.from(document.querySelectorAll('audio.player source')).map(s => s.getAttribute('src'))")
    assert srcs == ["../call%201.wav", (out.parent / "call 1.wav").as_uri()] and (out / ".." / "call 1.wav").is_file()
    p.wait("document.querySelector('audio.player').readyState >= 1")
    assert p.eval("document.querySelector('audio.player').currentSrc").endswith("/call%201.wav")
    assert p.eval("document.querySelector('audio.player').duration") == pytest.approx(8.0, abs=0.1)
    p.eval("document.querySelector('li.finding[data-rule=\"F02\"][data-start]').click()")
    t = p.wait("(() => { const a = document.querySelector('audio.player'); return a.currentTime >= 3.9 && a.currentTime; })()")
    assert t == pytest.approx(4.0, abs=0.6)
    p.eval("document.querySelector('audio.player').pause()")
    p.eval("document.querySelector('section.conv mark.hit[data-start=\"0.5\"]').click()")  # the 喂 in the transcript
    assert p.wait(
        "(() => { const a = document.querySelector('audio.player'); return a.currentTime < 1.5 ? a.currentTime + 0.001 : false; })()"
    ) == pytest.approx(0.5, abs=0.6)


def test_a_moved_report_still_plays_the_recording(page, tmp_path):
    p, out = page
    moved = tmp_path / "mailed" / "report.html"  # ../call 1.wav is not there: the file: URL is
    moved.parent.mkdir()
    moved.write_bytes((out / "report.html").read_bytes())
    other = p.browser.open(file_url(moved))
    other.wait("document.querySelector('audio.player').readyState >= 1")
    assert other.eval("document.querySelector('audio.player').currentSrc") == (out.parent / "call 1.wav").as_uri()
    assert other.eval("document.querySelector('audio.player').duration") == pytest.approx(8.0, abs=0.1)


def test_no_network_references_in_the_page(page):
    _, out = page
    html = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def _select(p, sel: str, value) -> None:
    prop = "checked" if isinstance(value, bool) else "value"
    p.eval(
        f"(() => {{ const s = document.querySelector({sel!r}); s.{prop} = {str(value).lower() if isinstance(value, bool) else repr(value)}; s.dispatchEvent(new Event('change')); }})()"
    )


def _shown(p) -> list[str]:
    return p.eval("Array.from(document.querySelectorAll('#convs section.conv')).map(s => s.querySelector('h3').firstChild.textContent.trim())")


def test_only_conversations_with_findings_by_default(page):
    p, _ = page
    assert p.eval("document.getElementById('f-only').checked") is True
    assert sorted(_shown(p)) == ["c2", "c3", "c4", "c5", "call1"]  # c1 is clean
    assert "符合条件的会话 5 个" in p.eval("document.getElementById('f-count').textContent")
    _select(p, "#f-only", False)
    assert sorted(_shown(p)) == ["c1", "c2", "c3", "c4", "c5", "call1"]
    c1 = p.eval("Array.from(document.querySelectorAll('#convs section.conv h3')).find(h => h.firstChild.textContent.trim() === 'c1').textContent")
    assert "2026-11-26 09:00:00" in c1 and "问候合规 是" in c1 and "在线会话" in c1  # the date, not only the time
    _select(p, "#f-only", True)
    assert "c1" not in _shown(p)
    options = p.eval("Array.from(document.querySelectorAll('#f-rule option')).map(o => o.textContent)")
    assert "F02 不知道" in options and "F11 有本事你去告" in options


def test_enter_on_a_finding_line_seeks_the_recording(page):
    p, _ = page
    p.send("Page.bringToFront")
    p.eval("document.getElementById('f-only').focus()")
    for _ in range(20):  # Tab from the filters to the first finding line, as a keyboard user would
        p.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9})
        p.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9})
        if p.eval("document.activeElement.matches('li.finding')"):
            break
    assert p.eval("document.activeElement.matches('li.finding')")
    assert p.eval("document.activeElement.closest('section.conv').querySelector('h3').firstChild.textContent.trim()") == "call1"
    p.eval("(() => { for (const li of document.querySelectorAll('li.finding[data-rule=\"F02\"][data-start]')) { li.focus(); return; } })()")
    p.wait("document.querySelector('audio.player').readyState >= 1")
    p.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"})
    p.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13})
    t = p.wait("(() => { const a = document.querySelector('audio.player'); return a.currentTime >= 3.9 && a.currentTime; })()")
    assert t == pytest.approx(4.0, abs=0.6)
    p.eval("document.querySelector('audio.player').pause()")
    # a chat has no recording: Enter shows the words in the transcript instead
    p.eval("document.querySelector('li.finding[data-key$=\":c2:F02:4:3\"]').focus()")
    p.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"})
    assert p.eval("document.querySelector('mark.flash').dataset.keys").endswith(":c2:F02:4:3")


def test_the_page_fits_a_phone(page):
    p, out = page
    phone = p.browser.open(file_url(out / "report.html"))
    phone.send("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    # the reload under the phone's metrics, not the page before it (waited for by the driver, however long it takes)
    phone.reload("window.innerWidth === 390 && document.querySelectorAll('#convs section.conv').length > 0")
    assert phone.eval("window.innerWidth") == 390
    assert phone.eval("document.documentElement.scrollWidth") <= 390  # nothing pushes the page sideways
    wide = phone.eval(
        "Array.from(document.querySelectorAll('body *')).filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > 391).map(e => e.tagName + '.' + e.className)"
    )
    assert wide == []


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """120 chats (the hand-scored day 30 times over): 90 with findings, two pages of 50."""
    folder = tmp_path_factory.mktemp("big")
    chk = checker()
    day = [(f"{conv}-{i:02d}", agent, turns) for i in range(30) for conv, agent, turns in DAY]
    run = Run(results=[chk.check(c) for c in read_file(write_day(folder / "day.jsonl", day), Profile()).conversations])
    write_report_folder(run, Profile(), folder / "out", chk.fatal)
    browser = Browser()
    try:
        yield browser.open(file_url(folder / "out" / "report.html"))
    finally:
        browser.close()


def test_a_large_report_is_shown_a_page_at_a_time(big):
    p = big
    assert p.eval("document.querySelectorAll('template.conv').length") == 120
    first = _shown(p)
    assert len(first) == 50 and not any(c.startswith("c1-") for c in first)
    assert p.eval("document.getElementById('p-at').textContent") == "第 1 / 2 页"
    assert p.eval("document.getElementById('p-prev').disabled") is True
    p.eval("document.getElementById('p-next').click()")
    second = _shown(p)
    assert len(second) == 40 and not set(first) & set(second)
    assert p.eval("document.getElementById('p-next').disabled") is True
    _select(p, "#f-only", False)  # a filter change starts again at page 1
    assert p.eval("document.getElementById('p-at').textContent") == "第 1 / 3 页" and len(_shown(p)) == 50
    _select(p, "#f-rule", "F11")
    assert _shown(p) == [f"c4-{i:02d}" for i in range(30)] and p.eval("document.querySelector('nav.pager').hidden") is True
    _select(p, "#f-rule", "")
    _select(p, "#f-only", True)
