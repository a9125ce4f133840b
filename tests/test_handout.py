"""The worked-example document: it shows every value of the pass, for any network."""

from __future__ import annotations

import numpy as np
import pytest

from tracer import from_dict, load_example, run_pass
from tracer.present.context import cell_ref
from tracer.present.handout import build_document
from tracer.report import render

from conftest import random_spec

NOT_SHOWN_AS_NUMBERS = {"pool1.argmax", "pool1.ties"}  # drawn as marks in the matrices


@pytest.mark.parametrize("mode", ["float", "exact"])
def test_every_cell_of_the_lecture_pass_appears(mode):
    trace = run_pass(load_example("lecture"), mode)
    refs = set(build_document(trace).refs)
    for q in trace.quantities.values():
        if q.id in NOT_SHOWN_AS_NUMBERS:
            continue
        for index in np.ndindex(q.shape):
            assert cell_ref(q.id, index) in refs, cell_ref(q.id, index)


@pytest.mark.parametrize("seed,hidden,output,batch", [
    (0, "relu", "softmax", 1), (1, "leaky_relu", "softmax", 2), (2, "sigmoid", "sigmoid", 1),
    (3, "relu", "sigmoid", 3), (4, "sigmoid", "softmax", 2), (5, "leaky_relu", "softmax", 1)])
def test_any_network_renders_in_both_modes(seed, hidden, output, batch):
    data = random_spec(np.random.default_rng(seed), hidden=hidden, output=output, batch=batch)
    for mode in ("float", "exact"):
        files = render(run_pass(from_dict(data), mode), ("html", "tex"), max_cells=6)
        assert "<table class=\"mat\">" in files["html"] and r"\begin{bmatrix}" in files["tex"]


def test_max_cells_limits_the_expansions():
    data = random_spec(np.random.default_rng(7), batch=1)
    trace = run_pass(from_dict(data))
    few, many = build_document(trace, max_cells=2), build_document(trace, max_cells=50)
    assert len(few.refs) < len(many.refs)


def test_padding_is_drawn_with_its_zero_border():
    data = {"input": [[1, 2], [3, 4]], "target": 0,
            "layers": [{"type": "conv2d", "weight": [[1, 1], [1, 1]], "padding": 1},
                       {"type": "flatten"}, {"type": "dense", "units": 2},
                       {"type": "softmax"}]}
    html = render(run_pass(from_dict(data)), ("html",))["html"]
    assert html.count('class="pad"') >= 12  # the 4x4 padded input has 12 border cells
    assert "X̃" in html
