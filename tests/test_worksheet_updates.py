"""A worksheet's update step tells nothing about one cell's change by its form: no
blanked update line has its change Δ (a Δ box was a second box the answer sheet never
asked, and a Δ on some lines only would tell which cells the step leaves alone)."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from tracer import from_dict, load_example, run_pass
from tracer.report import render

LINE = re.compile(r'<div class="math-line">(.*?)</div>', re.S)
BLANK = re.compile(r'<span class="blank[^"]*"( data-ref="[^"]*")?></span>')
UPDATE = re.compile(r"^[KWb]\^new")

# `cnntrace generate --seed 7` (0.2.0): one pool window, whose maximum is conv1.out[0,0],
# so dL/dK[2,0] = dL/dz[0,0] · X[2,0] = 0 (X[2,0] = 0): K[2,0] = 1 stays 1
ZERO_GRAD = {
    "title": "A weight the step leaves alone", "learning_rate": 0.1, "target": 0,
    "input": [[1, 4, 1, 3], [3, 2, 3, 0], [0, 1, 4, 2], [1, 3, 2, 1]],
    "layers": [{"type": "conv2d", "weight": [[1, 1, -1], [0, 0, 1], [1, -1, 1]], "bias": -2},
               {"type": "relu"}, {"type": "maxpool2d", "size": 2, "stride": 2},
               {"type": "flatten"},
               {"type": "dense", "weight": [[0.2, -0.1]], "bias": [0.4, 0.5]},
               {"type": "softmax"}]}
STILL = "conv1.weight_new[0,0,2,0]"


@pytest.fixture(scope="module", params=["float", "exact"])
def trace(request):
    trace = run_pass(from_dict(ZERO_GRAD), request.param)
    assert float(trace.numbers("conv1.grad_weight[0,0,2,0]")) == 0
    assert float(trace.numbers(STILL)) == float(trace.numbers("conv1.weight[0,0,2,0]")) == 1
    return trace


def plain(fragment: str) -> str:
    """A line of the HTML as text, each blank box as ▢."""
    text = BLANK.sub("▢", fragment)
    text = re.sub(r"<sup>(.*?)</sup>", r"^\1", text)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", text)).split())


def update_lines(page: str) -> list[str]:
    """The update step's lines (K^new0, 0 = 1 − 0.1 · ▢ = ▢ (Δ = ▢)), in order."""
    return [line for line in map(plain, LINE.findall(page)) if UPDATE.match(line)]


def rendered(trace, view: str, blank: str | None) -> str:
    return render(trace, ("html",), view=view, blank=blank)["html"]


@pytest.mark.parametrize("blank", ["all", "update", "conv1.weight_new",
                                   "conv1.weight_new[0,0,2,0]", "conv1.grad_weight,update"])
def test_no_blanked_update_line_has_its_change(trace, blank):
    """K_new = 1 − 0.1 · ▢ = ▢: one box, the one the answer sheet asks, on every line."""
    page = rendered(trace, "worksheet", blank)
    lines = [line for line in update_lines(page) if "▢" in line]
    assert any(line.startswith("K^new2, 0 = 1 − 0.1 ·") for line in lines), lines
    assert len(lines) >= (1 if blank == STILL else 9)
    for line in lines:
        assert line.endswith("= ▢") and "Δ" not in line, line
    # nor does the before-and-after table box the answers again
    tables = re.findall(r'<table class="comparison">.*?</table>', page, re.S)
    assert not any(BLANK.search(table) for table in tables)


def test_the_key_shows_no_change_on_a_blanked_line(trace):
    lines = update_lines(rendered(trace, "key", "all"))
    assert "K^new2, 0 = 1 − 0.1 · 0 = 1" in lines
    assert len(lines) == 14 and not any("(Δ = " in line for line in lines), lines


def test_the_worked_example_keeps_its_form(trace):
    """Without blanks nothing is given away: a weight left alone and a change the usual
    digits show are written as before, without Δ."""
    lines = update_lines(rendered(trace, "worked", None))
    assert "K^new2, 0 = 1 − 0.1 · 0 = 1" in lines
    assert "K^new1, 0 = 0 − 0.1 · (−0.08201) = 0.008201" in lines
    assert "K^new0, 0 = 1 − 0.1 · (−0.02734) = 1.002734 (Δ = +0.002734)" in lines


def test_the_lecture_worksheet_asks_each_update_once():
    """The lecture's K[1,0] and K[2,1] stay 0 (their gradient is 0); every new value is
    one box, and the answer sheet asks exactly those boxes."""
    from tracer.sheet import blank_cells
    trace = run_pass(load_example("lecture"))
    page = rendered(trace, "worksheet", "update")
    lines = update_lines(page)
    assert len(lines) == 14 and all(line.endswith("= ▢") for line in lines), lines
    assert len(BLANK.findall(page)) == len(blank_cells(trace, "update")) == 14
    key = update_lines(rendered(trace, "key", "update"))
    assert "K^new1, 0 = 0 − 0.1 · 0 = 0" in key
    assert "K^new0, 1 = 0 − 0.1 · (−1.846×10^−5) = 1.846×10^−6" in key
