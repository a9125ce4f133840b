"""Large-network handouts fit the page: a long vector wraps, a wide matrix is set smaller,
kernels are drawn a tile per filter, a representative cell's caption names its filter, a
symbol keeps its subscript on its line, and heatmap tiles keep their names.

The PDF checks lay the handout out with WeasyPrint, as `render_pdf` does, and look at
every box that draws something (text, images, matrix cells and brackets) on every page
(WeasyPrint's box tree: ``Page._page_box``); the browser check does the same in headless
Chromium when it is installed."""

from __future__ import annotations

import html as htmllib
import re
import shutil

import numpy as np
import pytest

from tracer import from_dict, run_pass
from tracer.present import mathtree as m
from tracer.present.handout import build_document
from tracer.presets import load_preset, preset
from tracer.render import assets
from tracer.render.html import render_html
from tracer.render.pdf import _fetcher_class

SLACK = 0.5  # px
HANGING = {"\u2009": 0.2, "\u2005": 0.25}  # em: spaces after an operator may end a line


def digits_trace():
    """digits-cnn (16 filters 3x3 on an 8x8 digit) with biases that are not all 0, as a
    trained network's are: 16 numbers of 4 significant digits do not fit on one line."""
    spec = preset("digits-cnn")
    rng = np.random.default_rng(1)
    spec["layers"][0]["bias"] = [float(v) for v in np.round(rng.normal(0, 0.1, 16), 5)]
    spec["layers"][4]["bias"] = [float(v) for v in np.round(rng.normal(0, 0.01, 10), 5)]
    return run_pass(from_dict(spec))


def laid_out(html: str):
    """The handout's PDF pages as WeasyPrint lays them out (what render_pdf writes)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    root = assets.templates_dir()
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=_fetcher_class()(root))
    return document.render(font_config=FontConfiguration())


def boxes(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from boxes(child)


def outside(pages) -> list[tuple]:
    """Every box that draws something and reaches past the page's text column: text
    (spaces left hanging at the end of a line aside), images, matrix cells and brackets."""
    found = []
    for number, page in enumerate(pages, 1):
        page_box = page._page_box
        left = page_box.content_box_x()
        right = left + page_box.width
        for box in boxes(page_box):
            kind = type(box).__name__
            if kind == "TextBox":
                text = box.text.rstrip()
                if not text:
                    continue
                hanging = sum(HANGING.get(c, 0.33) for c in box.text[len(text):]) \
                    * box.style["font_size"]
            elif "Replaced" in kind or kind == "TableCellBox":
                text, hanging = box.element_tag, 0
            else:
                continue
            x0 = box.border_box_x()
            x1 = x0 + box.border_width() - hanging
            if x0 < left - SLACK or x1 > right + SLACK:
                found.append((number, kind, text[:40], round(x1 - right, 1)))
    return found


def split_scripts(pages) -> list[str]:
    """The subscripts and superscripts laid out in more than one piece (across a line
    break): Z_{2,6,} at the end of a line and 4 on the next."""
    pieces: dict = {}
    for page in pages:
        for box in boxes(page._page_box):
            if box.element_tag in ("sub", "sup") and type(box).__name__ == "InlineBox":
                pieces.setdefault(box.element, []).append(box)
    return ["".join(element.itertext()) for element, parts in pieces.items() if len(parts) > 1]


@pytest.fixture(scope="module")
def digits():
    trace = digits_trace()
    document = build_document(trace)
    return {"trace": trace, "document": document, "html": render_html(document),
            "pages": laid_out(render_html(document, inline_fonts=False)).pages}


@pytest.fixture(scope="module")
def lecture_ko():
    document = build_document(run_pass(load_preset("lecture-cnn")))
    return {"html": render_html(document, "ko"),
            "pages": laid_out(render_html(document, "ko", inline_fonts=False)).pages}


def section(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"')[1].split("</section>")[0].split("<h2")[0]


def plain(fragment: str) -> str:
    """The text of an HTML fragment, its spaces (thin, medium) made ordinary."""
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))
    return re.sub(r"[\s\u2005\u2009]+", " ", text).strip()


# --------------------------------------------------------- 1. long vectors, wide matrices
def test_nothing_reaches_past_the_text_column_of_the_digits_handout(digits):
    assert outside(digits["pages"]) == []


def test_nothing_reaches_past_the_text_column_of_the_korean_lecture_handout(lecture_ko):
    assert outside(lecture_ko["pages"]) == []
    assert len(lecture_ko["pages"]) < 30


def test_a_long_bias_vector_wraps_onto_lines_that_hold_every_entry_in_order(digits):
    params = next(s for s in digits["document"].sections if s.key == "params.title")
    refs = [leaf.ref for block in params.blocks for line in getattr(block, "lines", ())
            for leaf in m.walk(line) if isinstance(leaf, m.Num)
            and (leaf.ref or "").startswith("conv1.bias")]
    assert refs == [f"conv1.bias[{k}]" for k in range(16)]
    lines = [line for block in params.blocks for line in getattr(block, "lines", ())
             if any(isinstance(leaf, m.Num) and (leaf.ref or "").startswith("conv1.bias")
                    for leaf in m.walk(line))]
    assert len(lines) > 1  # 16 numbers of 4 digits: more than a line holds


def test_a_wide_matrix_is_set_smaller_to_fit():
    rng = np.random.default_rng(3)
    spec = {"title": "A dense layer with 12 outputs", "input": [0.5, -1.25, 2.0, 0.75],
            "layers": [{"type": "dense", "weight": np.round(rng.normal(0, 0.3, (4, 12)), 6)
                        .tolist(), "bias": np.round(rng.normal(0, 0.05, 12), 6).tolist()}]}
    document = build_document(run_pass(from_dict(spec)))
    html = render_html(document, inline_fonts=False)
    assert re.search(r'<table class="mat" style="font-size: \d+%">', html)
    assert outside(laid_out(html).pages) == []


# ------------------------------------------------------------------------ 2. kernels
def kernel_tiles(html: str) -> list[tuple[str, int, int]]:
    """(name, width, height) of each tile of the filters of a parameters section."""
    return [(plain(name), int(w), int(h)) for name, w, h in re.findall(
        r'<span class="tile"><span class="tile-name">(.*?)</span><span class="heatmap">'
        r'<img src="data:image/png;base64,[^"]+" width="(\d+)" height="(\d+)"', html)]


def test_kernels_are_drawn_a_readable_tile_per_filter(digits):
    tiles = kernel_tiles(section(digits["html"], "parameters"))
    assert [name for name, _, _ in tiles] == [f"K({f})" for f in range(16)]
    assert all(w >= 40 and h >= 40 for _, w, h in tiles)  # 3x3 cells of 16 px, not a sliver


def test_filters_of_several_channels_show_their_kernels_side_by_side(lecture_ko):
    params = section(lecture_ko["html"], "parameters")
    tiles = kernel_tiles(params.split("conv2")[1])  # 16 filters of 8 channels
    assert [name for name, _, _ in tiles] == [f"K({f})" for f in range(16)]
    assert all(w >= 100 and h >= 50 for _, w, h in tiles)


# ----------------------------------------------------------- 3. captions name the filter
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_each_expanded_cell_names_its_filter_or_channel(digits, lang):
    html = render_html(digits["document"], lang)
    words = {"en": ("Filter", "Channel"), "ko": ("필터", "채널")}[lang]
    for anchor, letter, symbol in (("fwd-conv1", words[0], "Z"), ("fwd-pool1", words[1], "P")):
        displays = section(html, anchor).split('<div class="display">')[1:]
        captions = []
        for display in displays:
            caption = re.search(r'<p class="caption">(.*?)</p>', display)
            cell = re.search(rf"<i>{symbol}</i><sub>(\d+),[^<,]+,[^<,]+</sub>", display)
            if caption is None or cell is None:
                continue
            text = plain(caption.group(1))
            assert text.startswith(f"{letter} {cell.group(1)}"), text
            captions.append(text)
        assert len(captions) >= (16 if symbol == "Z" else 4)
        assert len(set(captions)) == len(captions)  # never the same sentence twice


# ------------------------------------------------------ 4. a subscript stays in one piece
def test_no_subscript_is_broken_across_lines(digits, lecture_ko):
    assert split_scripts(digits["pages"]) == []
    assert split_scripts(lecture_ko["pages"]) == []


# --------------------------------------------------------- heatmap tiles keep their names
def test_each_heatmap_tile_has_its_name_right_above_its_picture(lecture_ko):
    tiles = 0
    for page in lecture_ko["pages"]:
        for box in boxes(page._page_box):
            if box.element_tag == "span" and box.element.get("class") == "tile" \
                    and type(box).__name__ == "InlineBlockBox":
                name = next(b for b in boxes(box) if b.element is not None
                            and b.element.get("class") == "tile-name")
                image = next(b for b in boxes(box) if b.element_tag == "img")
                assert -SLACK <= image.position_y - (name.position_y + name.height) < 5
                assert name.position_x <= image.position_x + image.width / 2 \
                    <= name.position_x + name.width
                tiles += 1
    assert tiles > 100  # every feature map and every filter


# ------------------------------------------------------------------ the HTML, in a browser
OUTSIDE_JS = """() => {
  const body = document.body, style = getComputedStyle(body), frame = body.getBoundingClientRect();
  const left = frame.left + parseFloat(style.paddingLeft) - 0.5;
  const right = frame.right - parseFloat(style.paddingRight) + 0.5;
  const out = [], range = document.createRange();
  for (const el of body.querySelectorAll('table.mat, img, .tile, .unit, .frac, sub, sup')) {
    const r = el.getBoundingClientRect();
    if (r.width && (r.left < left || r.right > right)) out.push(el.textContent.slice(0, 40));
  }
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    if (!node.textContent.trim()) continue;
    range.selectNodeContents(node);
    for (const r of range.getClientRects())
      if (r.width && (r.left < left || r.right > right)) { out.push(node.textContent); break; }
  }
  return out;
}"""


def test_nothing_reaches_past_the_text_column_in_a_browser(digits, lecture_ko, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian package chromium not installed")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-dev-shm-usage"])
        for name, html in (("digits.html", digits["html"]), ("ko.html", lecture_ko["html"])):
            path = tmp_path / name
            path.write_text(html, encoding="utf-8")
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.goto(path.as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready")
            assert page.evaluate(OUTSIDE_JS) == [], name
            page.close()
        browser.close()
