"""Exact LaTeX of each construct, one line each (like sympy's printing tests)."""

from __future__ import annotations

import tomllib

import pytest

from tracer import from_dict, load_example, run_pass
from tracer.present import mathtree as m
from tracer.present.context import Context
from tracer.present.forward import conv_cell_expansion, conv_formula
from tracer.present.handout import build_document
from tracer.present.latex import escape_text, to_latex
from tracer.spec import EXAMPLES_DIR


@pytest.fixture(scope="module")
def lecture():
    return run_pass(load_example("lecture"))


@pytest.fixture(scope="module")
def lines(lecture):
    """Every display line of the lecture handout as LaTeX."""
    doc = build_document(lecture)
    return [to_latex(line) for s in doc.sections for b in s.blocks
            for line in getattr(b, "lines", [])]


def test_conv_cell_expansion(lecture):
    ctx = Context(lecture)
    info = lecture.layer("conv1")
    assert to_latex(conv_cell_expansion(ctx, info, (), 0, 0, 0)) == (
        r"Z_{0,0} = (1 \cdot 1 + 2 \cdot 0 + 0 \cdot 1) + (3 \cdot 0 + 1 \cdot 1 + 1 \cdot 0)"
        r" + (0 \cdot 1 + 2 \cdot 0 + 2 \cdot 1) + 1 = 5")
    assert to_latex(conv_cell_expansion(ctx, info, (), 0, 1, 1)) == (
        r"Z_{1,1} = (1 \cdot 1 + 1 \cdot 0 + 5 \cdot 1) + (2 \cdot 0 + 2 \cdot 1 + 0 \cdot 0)"
        r" + (0 \cdot 1 + 3 \cdot 0 + 1 \cdot 1) + 1 = 10")


def test_conv_formula(lecture):
    assert to_latex(conv_formula(lecture.layer("conv1"))) == \
        r"Z_{i,j} = \sum_{h = 0}^{2} \sum_{w = 0}^{2} X_{i + h,j + w}K_{h,w} + b"


def test_softmax_lines(lines):
    # 270.4/270.4 would give 1: the printed numbers work out to the probability, and
    # every line of the block shows e^5.6 and S with the digits that needs
    assert r"e^{5.6} \approx 270.426" in lines
    assert r"S = 270.426 + 0.004992 \approx 270.431" in lines
    assert r"\hat{y}_{0} = \frac{270.426}{270.431} \approx 0.99998" in lines
    assert r"\hat{y}_{1} = \frac{0.004992}{270.431} \approx 1.846 \times 10^{-5}" in lines
    assert r"\hat{y}_{k} = \frac{e^{z_{k}}}{\sum_{j} e^{z_{j}}}" in lines


def test_loss_and_output_gradient(lines):
    # the printed numbers work out to the result: 0.99998 - 1 would give -2e-5
    assert (r"L = - (1 \cdot \log0.99998154 + 0 \cdot \log(1.846 \times 10^{-5})) = "
            r"1.846 \times 10^{-5}") in lines  # a term times 0 keeps its digits
    assert r"\frac{\partial L}{\partial z_{0}} = 0.99998154 - 1 = -1.846 \times 10^{-5}" in lines


def test_update_shows_a_visible_change(lines):
    assert (r"K_{0,0}^{\text{new}} = 1 - 0.1 \cdot (-5.537 \times 10^{-5}) = 1.000005537"
            r" \quad (\Delta = +5.537 \times 10^{-6})") in lines
    assert (r"W_{0,0}^{\text{new}} = 0.5 - 0.1 \cdot (-0.0002030) = 0.50002030 \quad "
            r"(\Delta = +2.030 \times 10^{-5})") in lines


def test_dense_backward(lines):
    # 11 · (-1.846e-5) would round to -0.0002031: the line gives the one more digit
    assert (r"\frac{\partial L}{\partial W_{0,0}} = 11 \cdot (-1.8458 \times 10^{-5}) = "
            r"-0.0002030") in lines


def test_exact_mode_shows_exact_forms():
    doc = build_document(run_pass(load_example("lecture"), "exact"))
    lines = [to_latex(line) for s in doc.sections for b in s.blocks
             for line in getattr(b, "lines", [])]
    # the exact value first, then the rounded decimals, which are no equal of it
    assert (r"\hat{y}_{0} = \frac{e^{\frac{28}{5}}}{e^{\frac{28}{5}} + e^{- \frac{53}{10}}} "
            r"\approx \frac{270.426}{270.431} \approx 0.99998") in lines
    assert (r"\frac{\partial L}{\partial z_{0}} = \frac{e^{\frac{28}{5}}}{e^{\frac{28}{5}} + "
            r"e^{- \frac{53}{10}}} - 1 \approx 0.99998154 - 1 = -1.846 \times 10^{-5}") in lines
    assert r"z_{0} = 11 \cdot 0.5 + 0.1 = \frac{28}{5} = 5.6" in lines
    assert r"L = \log\left( e^{\frac{28}{5}} + e^{- \frac{53}{10}} \right) - \frac{28}{5}" in lines


def test_an_exact_form_with_long_fractions_is_left_to_its_decimal():
    """Float-initialised weights (lecture-cnn's He weights) are fractions over 2^52 in
    exact mode: their exact forms filled pages (--exact on lecture-cnn: 35 pages)."""
    from fractions import Fraction

    from tracer.present.context import Context
    ctx = Context(run_pass(load_example("lecture"), "exact"))
    assert to_latex(ctx.exact_form(Fraction(28, 5))) == r"\frac{28}{5}"
    assert ctx.exact_form(Fraction(0.1)) is None  # 3602879701896397/36028797018963968
    spec = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    spec["layers"][0]["weight"][0][0] = 1.0000000000000002  # a float, as He weights are
    doc = build_document(run_pass(from_dict(spec), "exact"))
    numbers = [n.text for s in doc.sections for b in s.blocks for line in getattr(b, "lines", [])
               for n in m.walk(line) if isinstance(n, m.Num)]
    assert max(len(text) for text in numbers) < 24


def test_blanks_and_answers():
    line = m.row(m.Sym("Z"), "=", m.Num("5", "conv1.out[0,0,0]"))
    assert to_latex(line) == "Z = 5"
    assert to_latex(line, hidden={"conv1.out"}) == r"Z = \blank"
    assert to_latex(line, hidden={"conv1.out[0,0,0]"}, answers=True) == r"Z = \answer{5}"
    assert to_latex(line, hidden={"conv1.out[0,0,1]"}) == "Z = 5"


def test_text_is_escaped():
    assert escape_text(r"\text{<&>} $x_1$ 100%") == \
        r"\textbackslash{}text\{\textless{}\&\textgreater{}\} \$x\_1\$ 100\%"
    assert to_latex(m.Text("a & b")) == r"\text{a \& b}"


def test_a_blank_does_not_give_its_sign_away():
    from tracer.present.context import operand
    line = m.row(m.Num("11"), "·", operand(m.Num("-0.5", "dense1.weight[0,1]")))
    assert to_latex(line) == r"11 \cdot (-0.5)"
    assert to_latex(line, hidden={"dense1.weight"}) == r"11 \cdot \blank"
    assert to_latex(line, hidden={"dense1.weight"}, answers=True) == r"11 \cdot (\answer{-0.5})"


def test_an_exact_dense_sum_that_its_decimal_rounds_is_approximately_that_decimal():
    """z = 11 · 0.12345 + 0.1 = 29159/20000 ≈ 1.458: '= 1.458' would say the decimal is the
    value."""
    import tomllib

    from tracer import from_dict
    from tracer.spec import EXAMPLES_DIR
    data = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    data["layers"][-2]["weight"] = [[0.12345, -0.5]]
    doc = build_document(run_pass(from_dict(data, "thirds"), "exact"))
    lines = [to_latex(line) for s in doc.sections for b in s.blocks
             for line in getattr(b, "lines", [])]
    assert r"z_{0} = 11 \cdot 0.12345 + 0.1 = \frac{29159}{20000} \approx 1.458" in lines


def test_a_pool_window_prints_its_maximum_apart_from_the_rest():
    """At --digits 1, 11 and 10 both read 1×10¹: a tie the pool did not see."""
    doc = build_document(run_pass(load_example("lecture")), digits=1)
    lines = [to_latex(line) for s in doc.sections for b in s.blocks
             for line in getattr(b, "lines", [])]
    assert r"P_{0,0} = \max(5,7,11,10) = 11" in lines
