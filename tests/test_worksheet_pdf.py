"""Issue 4 acceptance: the lecture's worksheet PDF shows no blanked answer, its key all."""

from __future__ import annotations

import io
import re

import pytest

from tracer import load_example, run_pass
from tracer.report import render

pypdf = pytest.importorskip("pypdf")

# computed values of the lecture pass (forward, backward, update) as the PDF prints them
ANSWERS = ["max(5,7,11,10)=11", "5.6", "−5.3", "270.4", "0.99998", "1.846×10−5",
           "−0.000203", "0.5000203", "1.000005537", "0.100001846"]


def pdf_text(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))


def test_worksheet_pdf_hides_every_answer_and_the_key_shows_them():
    trace = run_pass(load_example("lecture"))
    sheet = pdf_text(render(trace, ("pdf",), view="worksheet", blank="all")["pdf"])
    key = pdf_text(render(trace, ("pdf",), view="key", blank="all")["pdf"])
    assert [a for a in ANSWERS if a in sheet] == []
    assert [a for a in ANSWERS if a not in key] == []
    for given in ("0.5", "0.1", "0.2"):  # the dense parameters stay printed
        assert given in sheet


def _pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text())
            for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_every_page_of_a_printed_key_says_it_is_the_key():
    """A key differed from its worksheet by one bold sentence on page 1: a page of it
    could be handed out by mistake. Each page carries the words at its top."""
    trace = run_pass(load_example("lecture"))
    key = _pages(render(trace, ("pdf",), view="key", blank="all")["pdf"])
    sheet = _pages(render(trace, ("pdf",), view="worksheet", blank="all")["pdf"])
    assert len(key) >= 3
    assert all(page.count("Answer key") == 1 for page in key), key
    assert not any("Answer key" in page for page in sheet)


def test_a_sentence_stays_on_the_page_of_the_math_it_introduces():
    """Batch variant 2025-01's key had 'The input X:' alone at the foot of page 1 and the
    matrix on page 2; and a Korean worksheet ended on a page holding only its footer."""
    from tracer import from_dict
    from tracer.generate import generate
    spec = from_dict(generate(2025 * 10000), "variant 2025-01")
    pages = _pages(render(run_pass(spec), ("pdf",), view="key", blank="all",
                          variant="2025-01")["pdf"])
    [page] = [p for p in pages if "The input X:" in p]
    assert re.search(r"The input X: .*X ?=", page), page[-300:]
    korean = _pages(render(run_pass(spec), ("pdf",), "ko", view="worksheet", blank="all",
                           variant="2025-01")["pdf"])
    footer = korean[-1].find("cnntrace ")
    assert footer > 40 and "=" in korean[-1][:footer], korean[-1]  # work above the footer
