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
