"""Float and exact arithmetic agree; exact mode keeps spec decimals as exact rationals."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

from tracer import from_dict, load_example, run_pass
from tracer.exact import Real, evaluate

CASES = [dict(seed=100 + s, hidden=h, output=o, integer_weights=iw, max_side=7)
         for s, (h, o, iw) in enumerate([
             ("relu", "softmax", True), ("relu", "softmax", False),
             ("leaky_relu", "softmax", False), ("sigmoid", "softmax", True),
             ("relu", "sigmoid", False), ("relu", "softmax", False),
             ("leaky_relu", "sigmoid", True), ("relu", "softmax", True)])]


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c["seed"]))
def test_float_and_exact_agree_to_1e_12(case, make_spec):
    spec = make_spec(case.pop("seed"), **case)
    floats = run_pass(spec, "float")
    exacts = run_pass(spec, "exact")
    assert floats.ids() == exacts.ids()
    for qid in floats.ids():
        f = floats.numbers(qid)
        e = exacts.numbers(qid)
        np.testing.assert_allclose(f, e, rtol=1e-12, atol=1e-12, err_msg=qid)


def test_exact_values_are_fractions_or_reals_and_never_floats(make_spec):
    trace = run_pass(make_spec(7, output="softmax"), "exact")
    for q in trace.quantities.values():
        if q.step == "after":  # a 60-digit approximation, marked as such
            assert trace.exact(q.id).startswith("≈")
            continue
        for cell in np.asarray(q.value, dtype=object).ravel():
            assert isinstance(cell, (int, np.integer, Fraction, Real)), (q.id, type(cell))


def test_decimal_literals_are_exact_rationals():
    trace = run_pass(load_example("lecture"), "exact")
    assert trace["dense1.bias"].tolist() == [Fraction(1, 10), Fraction(1, 5)]
    assert trace["dense1.out"].tolist() == [Fraction(28, 5), Fraction(-53, 10)]


def test_exact_values_evaluate_to_many_digits():
    trace = run_pass(load_example("lecture"), "exact")
    value = trace["dense1.grad[0]"]
    # p0 - 1 = -1 / (1 + e^{10.9}): 40 digits survive the cancellation
    text = trace.numeric.format(value, 40)
    import mpmath
    with mpmath.workdps(60):
        truth = -1 / (1 + mpmath.exp(mpmath.mpf("10.9")))
        assert abs(mpmath.mpf(text) - truth) <= abs(truth) * mpmath.mpf(10) ** -39, text
        assert abs(evaluate(value, 50) - truth) < mpmath.mpf(10) ** -55


def test_seeded_initializer_gives_the_same_numbers_in_both_modes():
    spec = from_dict({"input": np.arange(36).reshape(6, 6).tolist(), "target": 1, "seed": 3,
                      "layers": [{"type": "conv2d", "filters": 2, "size": 3},
                                 {"type": "relu"}, {"type": "flatten"},
                                 {"type": "dense", "units": 3}, {"type": "softmax"}]})
    floats, exacts = run_pass(spec, "float"), run_pass(spec, "exact")
    for qid in ("conv1.weight", "dense1.weight", "loss.out", "conv1.weight_new"):
        np.testing.assert_allclose(floats.numbers(qid), exacts.numbers(qid), rtol=1e-12)
    other = run_pass(from_dict({**_as_dict(spec), "seed": 4}), "float")
    assert not np.allclose(other.numbers("conv1.weight"), floats.numbers("conv1.weight"))


def _as_dict(spec):
    return {"input": np.arange(36).reshape(6, 6).tolist(), "target": 1,
            "layers": [{"type": "conv2d", "filters": 2, "size": 3}, {"type": "relu"},
                       {"type": "flatten"}, {"type": "dense", "units": 3},
                       {"type": "softmax"}]}


@pytest.mark.parametrize("ties", ["first", "all"])
def test_a_symbolic_value_ties_with_an_equal_rational(ties):
    # conv2 on sigmoid outputs: sigma(2) + sigma(-2) is exactly 1, the next window's value
    data = {"input": [[2, -2, 0, 0], [0, 0, 0, 0], [-9, -9, -9, -9]], "target": 0,
            "conventions": {"pool_ties": ties}, "layers": [
                {"type": "conv2d", "weight": [[1]], "bias": 0}, {"type": "sigmoid"},
                {"type": "conv2d", "weight": [[1, 1]], "bias": 0, "stride": 2},
                {"type": "maxpool2d", "size": 2}, {"type": "flatten"},
                {"type": "dense", "weight": [[1, -1]], "bias": [0, 0]}, {"type": "softmax"}]}
    floats = run_pass(from_dict(data), "float")
    exacts = run_pass(from_dict(data), "exact")
    assert isinstance(exacts["conv2.out"][0, 0, 0], Real) and exacts["conv2.out"][0, 0, 1] == 1
    assert exacts["pool1.ties"][0, 0, 0] == floats["pool1.ties"][0, 0, 0] == 2
    for qid in ("conv2.grad", "input.grad", "conv1.grad_weight"):
        np.testing.assert_allclose(exacts.numbers(qid), floats.numbers(qid), rtol=1e-12,
                                   atol=1e-12, err_msg=qid)


def test_an_exact_exponent_keeps_its_fraction_on_the_line():
    """e^{28/5} stacked its fraction inside the superscript, at the baseline: it read as
    e · 28/5. In the HTML (and so the PDF) an exponent's fractions are 28/5."""
    from tracer.report import render
    html = render(run_pass(load_example("lecture"), mode="exact"), ("html",))["html"]
    exponents = re.findall(r"<i>e</i><sup>(.*?)</sup>", html)
    assert "28/5" in exponents and "−53/10" in exponents
    assert not any('class="frac"' in e for e in exponents)


def test_an_exponents_fraction_keeps_the_grouping_of_its_sums():
    """On the line, e^(1/(e^-1 + 1)) read e^(1/e^-1 + 1) (a sigmoid's output in a softmax,
    exact mode): a sum over or under the bar is bracketed."""
    from tracer.present import mathtree as m
    from tracer.render.mathhtml import HtmlMathPrinter
    e = m.Sym("e", style="upright")
    power = m.Power(e, m.Frac(m.Num("1"), m.row(m.Power(e, m.Num("-1")), "+", m.Num("1"))))
    sup = HtmlMathPrinter().print(power)
    assert re.sub(r"<[^>]+>|\u2009", "", sup) == "e1/(e−1+1)", sup
    assert re.sub(r"<[^>]+>", "", HtmlMathPrinter().print(
        m.Power(e, m.Frac(m.Num("28"), m.Num("5"))))) == "e28/5"
