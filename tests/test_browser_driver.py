"""The test suite's headless-Chromium driver (tests/browser.py): waiting rides out a navigation.
test_html_browser::test_the_page_fits_a_phone failed once with "Inspected target navigated or closed"
when an evaluation met the reload it waited for."""

from __future__ import annotations

import os

import pytest

from browser import CHROMIUM, Browser, file_url

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not installed (apt-get install chromium)")]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    html = tmp_path_factory.mktemp("driver") / "p.html"
    html.write_text("<!doctype html><title>p</title><p id=x>hi</p>", encoding="utf-8")
    browser = Browser()
    try:
        yield browser.open(file_url(html))
    finally:
        browser.close()


def test_wait_outlasts_a_navigation_that_cuts_an_evaluation_short(page):
    # the first poll reloads the page under the evaluation (DevTools answers it with an error), the next finds the new document
    page.eval("window.name = ''")  # window.name survives the reload: it counts the polls
    cond = "(window.name += 'x').length > 1 ? document.readyState === 'complete' : new Promise(() => location.reload())"
    assert page.wait(cond) is True
    assert len(page.eval("window.name")) >= 2


def test_reload_waits_for_the_new_document(page):
    page.eval("document.getElementById('x').textContent = 'changed'")
    for _ in range(5):
        page.reload("document.getElementById('x') !== null")
        assert page.eval("document.getElementById('x').textContent") == "hi"  # the reloaded page, never the old one
        page.eval("document.getElementById('x').textContent = 'changed'")
