"""The HTML handout in a real headless Chromium: math drawn, nothing fetched, no errors."""

from __future__ import annotations

import shutil

import pytest

from tracer import load_example, run_pass
from tracer.report import render

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian package chromium not installed")

MEASURE = """async () => {
  await document.fonts.ready;
  const box = el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  return {
    fracs: Array.from(document.querySelectorAll('.frac')).map(box),
    matrices: Array.from(document.querySelectorAll('table.mat')).map(box),
    bigops: Array.from(document.querySelectorAll('.bigop')).map(box),
    lines: Array.from(document.querySelectorAll('.math-line')).map(box),
    fonts: Array.from(document.fonts).map(f => [f.family, f.status]),
    bodyWidth: document.body.getBoundingClientRect().width,
  };
}"""


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-dev-shm-usage"])
        yield browser
        browser.close()


def open_page(browser, path):
    context = browser.new_context(offline=True)  # the network is unreachable
    page = context.new_page()
    requests, failed, errors = [], [], []

    def route(request_route):
        url = request_route.request.url
        requests.append(url)
        if url.startswith(("file://", "data:")):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri(), wait_until="load")
    info = page.evaluate(MEASURE)
    screenshot = page.screenshot(full_page=False)
    context.close()
    return info, requests, failed, errors, screenshot


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_math_is_drawn_offline_without_failed_loads(browser, tmp_path, lang):
    path = tmp_path / "worked.html"
    path.write_text(render(run_pass(load_example("lecture"), "exact"), ("html",),
                           lang=lang)["html"], encoding="utf-8")
    info, requests, failed, errors, screenshot = open_page(browser, path)
    assert requests == [path.resolve().as_uri()]  # only the page itself: fonts are inline
    assert not failed and not errors
    for kind in ("fracs", "matrices", "bigops", "lines"):
        assert info[kind], kind
        assert all(w > 4 and h > 4 for w, h in info[kind]), kind
    # a 4x4 matrix is taller than a line of text and narrower than the page
    assert max(h for _, h in info["matrices"]) > 60
    assert all(w <= info["bodyWidth"] for w, _ in info["lines"])
    assert {family for family, status in info["fonts"] if status == "loaded"} >= \
        {"LM Roman", "LM Math"}
    assert len(set(screenshot)) > 50  # not a blank image


def test_a_trace_shown_in_a_notebook_leaves_the_notebook_page_alone(browser, tmp_path):
    """A notebook puts _repr_html_ into its own page: the host's heading and body keep
    their look, and the handout's math is still laid out by its scoped stylesheet."""
    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><html><body><h2 id='mine'>My notes</h2>"
                    + run_pass(load_example("lecture"))._repr_html_() + "</body></html>",
                    encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(host.resolve().as_uri(), wait_until="load")
    look = page.evaluate("""() => {
      const h2 = document.getElementById('mine'), body = document.body;
      return {numbered: getComputedStyle(h2, '::before').content,
              bodyWidth: getComputedStyle(body).maxWidth,
              h2Font: getComputedStyle(h2).fontFamily,
              fracs: document.querySelectorAll('.cnntrace-handout .frac').length,
              fracHeight: document.querySelector('.cnntrace-handout .frac')
                                  .getBoundingClientRect().height};
    }""")
    context.close()
    assert look["numbered"] in ("none", "normal") and look["bodyWidth"] == "none"
    assert "Latin Modern" not in look["h2Font"]
    assert look["fracs"] > 10 and look["fracHeight"] > 20  # stacked, not one line
