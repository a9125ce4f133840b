"""The class view's sentence on the most missed step says how many of the sheets that
include the step slipped there, not "most of the class"."""

from __future__ import annotations

import re

import pytest

from tracer.cli import main

CONV = "conv1.out: [[5, 7], [11, 10]]\n"
UPDATE_RIGHT = "dense1.weight_new: [[0.5000203, -0.5000203]]\n"
UPDATE_WRONG = "dense1.weight_new: [[0.50018, -0.50018]]\n"  # learning rate not applied


@pytest.fixture
def nine_sheets(tmp_path):
    """Nine sheets; four include dense1.weight_new, two of them wrong."""
    contents = [CONV] * 5 + [CONV + UPDATE_RIGHT] * 2 + [CONV + UPDATE_WRONG] * 2
    paths = []
    for number, content in enumerate(contents, start=1):
        path = tmp_path / f"student{number}.yaml"
        path.write_text(content)
        paths.append(str(path))
    return paths


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_terminal_counts_the_sheets_that_include_the_step(nine_sheets, capsys):
    assert main(["check", "--example", "lecture", *nine_sheets]) == 0
    out = capsys.readouterr().out
    assert "class view: 9 sheets" in out
    assert "most missed step: dense1.weight_new (wrong on 2 of the 4 sheets that include " \
           "it, 50.0 % of attempted cells)" in out


@pytest.mark.parametrize("lang,sentence", [
    ("en", ("The most missed step: dense1.weight_new, wrong on 2 of the 4 sheets that "
            "include it.")),
    ("ko", ("가장 많이 틀린 단계: dense1.weight_new (이 값이 있는 답안지 4장 중 2장에서 "
            "실수).")),
])
def test_html_counts_the_sheets_that_include_the_step(nine_sheets, tmp_path, capsys, lang,
                                                       sentence):
    target = tmp_path / "class.html"
    assert main(["check", "--example", "lecture", *nine_sheets, "--html", str(target),
                 "--lang", lang, "-q"]) == 0
    text = _words(target.read_text())
    assert sentence in text
    assert "Most of the class" not in text and "가장 많은 학생이" not in text
