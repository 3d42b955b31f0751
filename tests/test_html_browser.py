"""report.html in a real headless Chromium (Debian's /usr/bin/chromium, driven over the DevTools
pipe): the agents' table, highlighted findings, injected script that must not run, filters, and
the audio player seeking to a finding. Skipped where Chromium is not installed."""

from __future__ import annotations

import os
import re

import pytest

from browser import CHROMIUM, Browser, file_url
from phrasecheck.config.profile import Profile
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
    assert "F02" in text and "say instead" in text and "稍后给您回复" in text


def test_injected_markup_in_chat_text_does_not_run(page):
    p, _ = page
    assert p.eval("typeof window.__pwned") == "undefined"
    assert p.eval("document.title") == "phrasecheck report"
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
