"""The lecture's section-5 walkthrough: its forward numbers, and the TRUE backward and
update numbers (derived by hand below; the slides' update step is wrong)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from tracer import exact, load_example, run_pass

mpmath.mp.dps = 50
P1 = 1 / (1 + mpmath.exp(mpmath.mpf("10.9")))  # y_hat_1 = e^{-5.3} / (e^{5.6} + e^{-5.3})
P0 = 1 - P1
# the input window under the max (row 1, col 0)
WINDOW = np.array([[3, 1, 1], [0, 2, 2], [1, 0, 3]])
KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def expected() -> dict:
    """Hand derivation. y = (1, 0), so dL/dz = y_hat - y = (-p1, p1) and every gradient
    is a multiple of p1 = 1 / (1 + e^{10.9})."""
    g = -P1  # dL/d(pool out) = dL/dz @ W_dense^T = 0.5 (-p1) + (-0.5) p1
    input_grad = np.zeros((4, 4), dtype=object)
    input_grad[:] = mpmath.mpf(0)
    input_grad[1:4, 0:3] = KERNEL * g
    return {
        "conv1.out": [[5, 7], [11, 10]],
        "relu1.out": [[5, 7], [11, 10]],
        "pool1.out": [[11]],
        "dense1.out": [mpmath.mpf("5.6"), mpmath.mpf("-5.3")],
        "softmax1.out": [P0, P1],
        "softmax1.exp": [mpmath.exp(mpmath.mpf("5.6")), mpmath.exp(mpmath.mpf("-5.3"))],
        "loss.out": -mpmath.log(P0),
        "dense1.grad": [-P1, P1],
        "dense1.grad_weight": [[-11 * P1, 11 * P1]],
        "dense1.grad_bias": [-P1, P1],
        "flatten1.grad": [g],
        "pool1.grad": [[g]],
        "relu1.grad": [[0, 0], [g, 0]],
        "conv1.grad": [[0, 0], [g, 0]],
        "conv1.grad_weight": (WINDOW * g).tolist(),
        "conv1.grad_bias": [g],
        "input.grad": input_grad.tolist(),
        "conv1.weight_new": (KERNEL - mpmath.mpf("0.1") * WINDOW * g).tolist(),
        "conv1.bias_new": [1 - mpmath.mpf("0.1") * g],
        "dense1.weight_new": [[mpmath.mpf("0.5") + mpmath.mpf("1.1") * P1,
                               mpmath.mpf("-0.5") - mpmath.mpf("1.1") * P1]],
        "dense1.bias_new": [mpmath.mpf("0.1") + mpmath.mpf("0.1") * P1,
                            mpmath.mpf("0.2") - mpmath.mpf("0.1") * P1],
    }


def assert_rounded(text: str, truth, digits: int):
    """``text`` is ``truth`` correctly rounded to ``digits`` significant digits."""
    shown = mpmath.mpf(text)
    assert len(text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")) <= digits, text
    ulp = mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(truth))) - digits + 1)
    assert abs(shown - truth) <= ulp / 2, (text, truth)


@pytest.fixture(scope="module", params=["float", "exact"])
def trace(request):
    return run_pass(load_example("lecture"), request.param)


def _cells(trace, qid):
    value = np.asarray(trace[qid], dtype=object)
    return value.reshape(-1)


@pytest.mark.parametrize("qid", list(expected()))
def test_value_to_ten_significant_digits(trace, qid):
    want = np.array(expected()[qid], dtype=object).reshape(-1)
    got = _cells(trace, qid)
    assert got.size == want.size, qid
    for g, w in zip(got, want):
        value = exact.evaluate(g, 30) if trace.mode == "exact" else mpmath.mpf(float(g))
        assert abs(value - w) <= mpmath.mpf("1e-10") * abs(w) + mpmath.mpf("1e-300"), (qid, g, w)
        if trace.mode == "exact" and w != 0:
            assert_rounded(trace.numeric.format(g, 10), w, 10)


def test_forward_values_are_exact_rationals_in_exact_mode():
    trace = run_pass(load_example("lecture"), "exact")
    assert trace.exact("conv1.out") == [[["5", "7"], ["11", "10"]]]
    assert trace.exact("pool1.out") == [[["11"]]]
    assert trace.exact("dense1.out") == ["28/5", "-53/10"]
    assert trace.exact("softmax1.exp") == ["exp(28/5)", "exp(-53/10)"]
    assert trace.exact("loss.out") == "log(exp(28/5) + exp(-53/10)) - 28/5"


def test_pool_argmax_is_bottom_left(trace):
    assert np.asarray(trace["pool1.argmax"]).tolist() == [[[[1, 0]]]]
    assert np.asarray(trace["pool1.ties"]).tolist() == [[[1]]]


def test_the_update_lowers_the_loss(trace):
    assert trace.numbers("loss.after") < trace.numbers("loss.out")


def test_the_slides_update_numbers_are_wrong():
    """The slides give dL/dW_dense = [[0.00022, 0.00022]] and W_dense,new = 0.500022:
    both entries of dL/dW_dense have opposite signs (11 * (y_hat - y)), and the magnitude
    is 11 * 1.8458e-5 = 2.030e-4, so W_dense,new = 0.5000203."""
    trace = run_pass(load_example("lecture"), "exact")
    grad = trace.numbers("dense1.grad_weight")
    assert np.sign(grad).tolist() == [[-1, 1]]
    assert trace.format("dense1.weight_new[0,0]", 7) == "0.5000203"
    assert trace.format("conv1.weight_new[0,0,0,0]", 8) == "1.0000055"
