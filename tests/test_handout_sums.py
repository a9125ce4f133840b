"""Long sums show the terms that matter: the terms that are 0 (a product with a factor
recorded as exactly 0, or a 0) are left out and counted ('+ 27 × 0'), the others shown
(their first three and last two around ⋯ when still long), so the shown terms and the
stated zeros add up to the printed result; short sums stay as they were."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tracer import from_dict, load_example, run_pass
from tracer.present import mathtree as m
from tracer.present.blanks import select_hidden
from tracer.present.handout import build_document
from tracer.presets import load_preset


def sparse_spec() -> dict:
    """An 8x8 input, a 3x3 filter whose 6x6 map pools to 9 cells (so at most 9 of its 36
    gradient cells are not 0) and a filter that ReLU shuts off (every gradient 0)."""
    rng = np.random.default_rng(1)
    return {"input": rng.integers(0, 4, size=(8, 8)).tolist(), "target": 0,
            "learning_rate": 0.1,
            "layers": [{"type": "conv2d", "bias": [0, -1],
                        "weight": [[[[1, 0, -1], [0, 1, 0], [-1, 0, 1]]], [[[-1] * 3] * 3]]},
                       {"type": "relu"}, {"type": "maxpool2d", "size": 2, "stride": 2},
                       {"type": "flatten"},
                       {"type": "dense", "weight": np.round(rng.normal(0, 0.3, (18, 2)), 2)
                        .tolist(), "bias": [0, 0.1]},
                       {"type": "softmax"}]}


def section_lines(document, anchor: str) -> list[m.Row]:
    section = next(s for s in document.sections if s.anchor == anchor)
    return [line for block in section.blocks if block.kind == "display"
            for line in block.lines if isinstance(line, m.Row)]


def named(lines, letter: str, index: tuple) -> m.Row:
    """The line ∂L/∂<letter>_<index> = <sum> = <result>."""
    for line in lines:
        head = line.items[0]
        if isinstance(head, m.Frac):
            sym = head.den.items[1]
            numbers = sym.sub.items[::2] if sym.sub is not None else ()
            if sym.name == letter and numbers and all(isinstance(n, m.Num) for n in numbers) \
                    and tuple(int(n.text) for n in numbers) == index:
                return line
    raise AssertionError(f"no line for {letter}{index}")


def terms(total: m.Row) -> tuple[list, int]:
    """A sum's shown terms (each a node; ⋯ as the string '⋯') and the count of the terms
    left out as 0 (from its '+ N × 0'; 0 when it has none)."""
    parts, part = [], []
    for item in total.items:
        if isinstance(item, m.Op) and item.text == "+":
            parts.append(part)
            part = []
        else:
            part.append(item)
    parts.append(part)
    zeros = 0
    if len(parts[-1]) == 3 and isinstance(parts[-1][1], m.Op) and parts[-1][1].text == "×":
        zeros = int(parts[-1][0].text)
        assert parts[-1][2].text == "0"
        parts = parts[:-1]
    return [p[0] if len(p) == 1 else m.Row(tuple(p)) for p in parts], zeros


def value(node) -> float:
    """A shown term as the numbers it prints: a number, or a product of two."""
    if isinstance(node, m.Group):
        return value(node.body)
    if isinstance(node, m.Num):
        return float(node.text)
    factors = [item for item in node.items if not isinstance(item, m.Op)]
    return math.prod(value(f) for f in factors)


def parts_of(line: m.Row) -> tuple[m.Row, m.Num]:
    relations = [i for i, item in enumerate(line.items)
                 if isinstance(item, m.Op) and item.text == "="]
    return line.items[relations[0] + 1], line.items[-1]


@pytest.fixture(scope="module")
def sparse():
    trace = run_pass(from_dict(sparse_spec()))
    return trace, section_lines(build_document(trace), "bwd-conv1")


def test_a_sparse_sum_shows_its_nonzero_terms_and_counts_the_zeros(sparse):
    trace, lines = sparse
    grad = trace.numbers("conv1.grad")
    assert 0 < np.count_nonzero(grad[0]) <= 9 < grad[0].size  # sparse, as the pool leaves it
    checked = 0
    for letter, index in [("K", (0, 0, h, w)) for h in range(3) for w in range(3)] + \
            [("b", (0,))]:
        total, result = parts_of(named(lines, letter, index))
        shown, zeros = terms(total)
        assert "⋯" not in [getattr(t, "text", None) for t in shown]  # 9 or fewer: all shown
        assert all(value(t) != 0 for t in shown), letter  # no term that is 0
        assert len(shown) + zeros == grad[0].size  # each of the 36 terms shown or counted
        assert zeros > 0
        # the shown terms (printed to 4 digits) and the stated zeros make the result
        size = sum(abs(value(t)) for t in shown)
        assert math.isclose(sum(value(t) for t in shown), float(result.text),
                            abs_tol=1e-3 * size + 1e-12), (letter, index)
        checked += 1
    assert checked == 10
    total, _ = parts_of(named(lines, "b", (0,)))
    assert terms(total)[1] == grad[0].size - np.count_nonzero(grad[0])


def test_a_sum_of_zeros_shows_a_few_and_its_zero_result(sparse):
    trace, lines = sparse
    assert not trace.numbers("conv1.grad")[1].any()  # ReLU shut the second filter off
    total, result = parts_of(named(lines, "b", (1,)))
    shown, zeros = terms(total)
    assert zeros == 0 and result.text == "0"
    assert [getattr(t, "text", "") for t in shown] == ["0", "0", "0", "⋯", "0", "0"]


def test_the_lecture_cnn_bias_gradient_shows_the_terms_that_make_it():
    """∂L/∂b₀ = 0 + 0 + 0 + ⋯ + 0 + 0 = 0.1512 looked like an error: the gradient after
    pooling and ReLU is mostly 0, and the first and last terms all were."""
    trace = run_pass(load_preset("lecture-cnn"))
    lines = section_lines(build_document(trace), "bwd-conv1")
    total, result = parts_of(named(lines, "b", (0,)))
    shown, zeros = terms(total)
    grad = trace.numbers("conv1.grad")[0].ravel()
    nonzero = grad[grad != 0]
    assert zeros == grad.size - nonzero.size > 0
    texts = [t.text if isinstance(t, m.Op) else value(t) for t in shown]
    assert texts[3] == "⋯" and len(texts) == 6
    assert np.allclose(texts[:3] + texts[4:], np.r_[nonzero[:3], nonzero[-2:]], rtol=1e-3)
    assert result.text == "0.1512"


def test_short_sums_are_as_they_were():
    document = build_document(run_pass(load_example("lecture")))
    for section in document.sections:
        for block in section.blocks:
            for line in getattr(block, "lines", ()):
                assert not any(isinstance(n, m.Op) and n.text in ("×", "⋯")
                               for n in m.walk(line)), section.anchor


def test_a_worksheet_does_not_tell_which_blanks_are_zero(sparse):
    """With the gradient blanked, a term ▢ · x goes only where the printed x is 0: leaving
    out the terms whose blanked factor is 0 would tell the student those blanks."""
    trace, _ = sparse
    document = build_document(trace, hidden=select_hidden(trace, "backward"))
    total, _ = parts_of(named(section_lines(document, "bwd-conv1"), "K", (0, 0, 0, 0)))
    zeros = terms(total)[1]
    assert zeros == np.count_nonzero(trace.numbers("input.out")[0, :6, :6] == 0) > 0
    bias, _ = parts_of(named(section_lines(document, "bwd-conv1"), "b", (0,)))
    assert terms(bias)[1] == 0  # ▢ + ▢ + ▢ + ⋯ + ▢ + ▢: none of them known to be 0
