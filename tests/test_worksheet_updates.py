"""A worksheet's update step tells nothing about one cell's change by its form: every
blanked update line has its change Δ (0 too, in the key)."""

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
def test_every_blanked_update_line_has_its_change(trace, blank):
    """K_new = 1 − 0.1 · ▢ = ▢ without (Δ = ▢) among lines with it told that dL/dK = 0."""
    lines = [line for line in update_lines(rendered(trace, "worksheet", blank)) if "▢" in line]
    assert any(line.startswith("K^new2, 0 = 1 − 0.1 ·") for line in lines), lines
    assert len(lines) >= (1 if blank == STILL else 9)
    for line in lines:
        assert line.endswith("(Δ = ▢)"), line


def test_the_key_shows_a_change_of_0(trace):
    lines = update_lines(rendered(trace, "key", "all"))
    assert "K^new2, 0 = 1 − 0.1 · 0 = 1 (Δ = 0)" in lines
    assert len(lines) == 14 and all("(Δ = " in line for line in lines), lines


def test_the_worked_example_keeps_its_form(trace):
    """Without blanks nothing is given away: a weight left alone and a change the usual
    digits show are written as before, without Δ."""
    lines = update_lines(rendered(trace, "worked", None))
    assert "K^new2, 0 = 1 − 0.1 · 0 = 1" in lines
    assert "K^new1, 0 = 0 − 0.1 · (−0.08201) = 0.008201" in lines
    assert "K^new0, 0 = 1 − 0.1 · (−0.02734) = 1.002734 (Δ = +0.002734)" in lines


def test_the_lecture_worksheet_has_its_change_on_every_update_line():
    """The lecture's K[1,0] and K[2,1] stay 0 (their gradient is 0); 0 → 1.846e-6 shows
    its change without Δ in the worked example."""
    trace = run_pass(load_example("lecture"))
    lines = update_lines(rendered(trace, "worksheet", "update"))
    assert len(lines) == 14 and all(line.endswith("(Δ = ▢)") for line in lines), lines
    key = update_lines(rendered(trace, "key", "update"))
    assert "K^new1, 0 = 0 − 0.1 · 0 = 0 (Δ = 0)" in key
    assert "K^new0, 1 = 0 − 0.1 · (−1.846×10^−5) = 1.846×10^−6 (Δ = +1.846×10^−6)" in key
