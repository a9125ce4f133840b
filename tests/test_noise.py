"""Float sums that are 0 but for rounding are made 0 as the pass runs (tracer.noise),
and nothing else is: exact mode is the oracle for every cell of random decimal specs."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tracer import from_dict, run_pass
from tracer.network import build, trace_pass
from tracer.report import render

LECTURE = Path(__file__).resolve().parents[1] / "tracer" / "examples" / "lecture.toml"


def decimal_lecture() -> dict:
    """The lecture's pass with the input in tenths and bias -0.6: window (0, 1) sums
    0.2 + 0.1 + 0.1 + 0.2 - 0.6, exactly 0, 1.1e-16 in floats."""
    data = tomllib.loads(LECTURE.read_text())
    data["input"] = (np.array(data["input"]) / 10).tolist()
    data["layers"][0]["bias"] = -0.6
    return data


def engine(spec):
    """The float pass as computed, before the noise is zeroed."""
    return trace_pass(build(spec, "float"))


def test_a_decimal_window_sum_that_cancels_is_recorded_as_zero():
    spec = from_dict(decimal_lecture())
    assert 0 < abs(engine(spec).numbers("conv1.out")[0, 0, 1]) < 1e-15  # the noise
    floats, exacts = run_pass(spec, "float"), run_pass(spec, "exact")
    assert floats.numbers("conv1.out")[0, 0, 1] == 0 == exacts.numbers("conv1.out")[0, 0, 1]
    np.testing.assert_allclose(floats.numbers("conv1.out"), exacts.numbers("conv1.out"),
                               rtol=0, atol=1e-15)


def test_the_handout_shows_the_cancelling_sum_as_zero():
    trace = run_pass(from_dict(decimal_lecture()))
    page = render(trace, ("html",))["html"]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())
    line = re.search(r"Z0, 1 = \(0\.2 · 1 .*?\(−0\.6\) = (\S+)", text)
    assert line and line.group(1) == "0"
    assert "10−16" not in text and "10−17" not in text


def test_a_backward_sum_that_cancels_is_recorded_as_zero():
    """dL/dA = W g with W = [1 1 1] and the given g = (0.1, 0.2, -0.3): 5.6e-17 in floats."""
    spec = from_dict({"input": [[[2.0]]], "grad_out": [0.1, 0.2, -0.3], "layers": [
        {"type": "flatten"}, {"type": "dense", "weight": [[1, 1, 1]], "bias": [0, 0, 0]}]})
    assert 0 < abs(engine(spec).numbers("flatten1.grad")[0]) < 1e-15
    for mode in ("float", "exact"):
        assert run_pass(spec, mode).numbers("flatten1.grad").tolist() == [0]
        assert run_pass(spec, mode).numbers("input.grad").ravel().tolist() == [0]


def test_computed_values_that_cancel_exactly_are_recorded_as_zero():
    """dL/da1 = (-0.2689) * 0.1 + 0.2689 * 0.1: no decimals confirm it, but the floats
    themselves cancel; a fused multiply-add left -1.05e-19 (exact mode: 0)."""
    spec = {"input": [1, 2], "target": [1, 0], "learning_rate": 0.1,
            "layers": [{"type": "dense", "weight": [[0.5, -0.5], [0.1, 0.1]], "bias": [0, 0]},
                       {"type": "softmax"}]}
    floats, exact = run_pass(from_dict(spec)), run_pass(from_dict(spec), "exact")
    assert abs(exact.numbers("input.grad")[1]) < 1e-30 and floats["input.grad"][1] == 0
    assert floats["input.grad"][0] == pytest.approx(exact.numbers("input.grad")[0], rel=1e-15)


def test_a_real_value_within_its_terms_rounding_keeps_its_digits():
    """1 + 1e-15 - 1 is 1.11e-15 in floats, within the rounding of terms of size 1, but
    its exact value is 1e-15, not 0: it stays, and the ReLU passes it as exact mode does."""
    spec = from_dict({"input": [[[1, 1e-15, 1]]], "target": 0, "layers": [
        {"type": "conv2d", "weight": [[1, 1, -1]], "bias": 0}, {"type": "relu"},
        {"type": "flatten"}, {"type": "dense", "weight": [[1, -1]], "bias": [0, 0]},
        {"type": "softmax"}]})
    floats, raw, exacts = run_pass(spec, "float"), engine(spec), run_pass(spec, "exact")
    for qid in floats.ids():
        np.testing.assert_array_equal(floats.numbers(qid), raw.numbers(qid), err_msg=qid)
    assert floats.numbers("relu1.mask").ravel().tolist() == [1] == \
        exacts.numbers("relu1.mask").ravel().tolist()
    assert floats.numbers("loss.after") == pytest.approx(exacts.numbers("loss.after"))


def test_values_small_against_their_own_terms_stay():
    """Real small values keep their digits: 1e-14 from terms of size 1e-14 (an input
    cell), a saturated softmax's probability e^-32 and its dL/dz = y_hat - 1 = -1e-14
    (whose terms are of size 1: rounding is 1e-16 there)."""
    spec = from_dict({"input": [[[1e-14, 0], [0, 0]]], "target": 0, "layers": [
        {"type": "conv2d", "weight": [[1, 1], [1, 1]], "bias": 0}, {"type": "flatten"},
        {"type": "dense", "weight": [[0, 0]], "bias": [0, -32.2]}, {"type": "softmax"}]})
    floats, raw = run_pass(spec, "float"), engine(spec)
    for qid in floats.ids():
        np.testing.assert_array_equal(floats.numbers(qid), raw.numbers(qid), err_msg=qid)
    assert floats.numbers("conv1.out").ravel().tolist() == [1e-14]
    assert 0 < floats.numbers("softmax1.out")[1] < 1e-13
    assert -1e-13 < floats.numbers("dense1.grad")[0] < 0


def test_infinite_values_and_bounds_are_left_alone():
    spec = from_dict({"input": [[[1e308, 1e308], [1, -1]]], "target": 0, "layers": [
        {"type": "conv2d", "weight": [[1, 1], [1e-300, 1]], "bias": 0}, {"type": "flatten"},
        {"type": "dense", "weight": [[1, 0]], "bias": [0, 0]}, {"type": "softmax"}]})
    with np.errstate(all="ignore"):
        floats, raw = run_pass(spec, "float"), engine(spec)
    for qid in floats.ids():
        np.testing.assert_array_equal(floats.numbers(qid), raw.numbers(qid), err_msg=qid)


def noisy_spec(seed: int) -> dict:
    """A small network in tenths (sums cancel often): activation, pool stride, ties,
    output, and pass kind vary with the seed."""
    rng = np.random.default_rng(seed)

    def tenths(*shape):
        return (rng.integers(-5, 6, size=shape) / 10).tolist()

    stride = 1 + seed % 2
    side = 5 if stride == 1 else 3
    out = "sigmoid" if seed % 5 == 0 else "softmax"
    classes = 1 if out == "sigmoid" else 3
    data = {"learning_rate": 0.1, "layers": [
        {"type": "conv2d", "weight": tenths(2, 1, 2, 2), "bias": tenths(2), "padding": 1},
        {"type": ("relu", "leaky_relu", "sigmoid")[seed % 3]},
        {"type": "maxpool2d", "size": 2, "stride": stride}, {"type": "flatten"},
        {"type": "dense", "weight": tenths(2 * side * side, classes), "bias": tenths(classes)},
        {"type": out}],
        "conventions": {"pool_ties": ("first", "all")[seed % 4 // 2]}}
    kind = seed % 7
    if kind == 0:
        data["input"] = tenths(1, 5, 5)
    elif kind == 1:
        data["input"], data["grad_out"] = tenths(1, 5, 5), tenths(classes)
    else:
        data["inputs"] = [tenths(1, 5, 5), tenths(1, 5, 5)]
        data["targets"] = [[1], [0]] if out == "sigmoid" else [0, 2]
    return data


@pytest.mark.parametrize("seed", range(42))
def test_float_is_zero_where_exact_mode_is_and_never_further_from_it(seed):
    """Every cell made 0 is an exact 0, every exact 0 of the first layer's window sums (and
    so its ReLU's mask) is a float 0, and no cell moves away from the exact value (a ReLU
    or pool that now decides as exact mode does moves it closer). Later noise that
    softmax's rounding carries in stays: its terms do not print as short decimals."""
    spec = from_dict(noisy_spec(seed))
    floats, raw = run_pass(spec, "float", after=False), engine(spec)
    exacts = run_pass(spec, "exact", after=False)
    for qid in floats.ids():
        value, computed, exact = (t.numbers(qid) for t in (floats, raw, exacts))
        if qid in ("conv1.out", f"{spec.layers[1].name}.mask"):
            assert not np.any((exact == 0) & (value != 0)), qid
        assert not np.any((value == 0) & (computed != 0) & (exact != 0)), qid
        slack = 1e-15 * np.maximum(1, np.abs(exact))
        assert np.all(np.abs(value - exact) <= np.abs(computed - exact) + slack), qid


def test_the_random_specs_do_meet_noise():
    """The property above is not vacuous: its specs have window sums that cancel, and
    later values that change with them (a leaky ReLU's output, a pool's maximum)."""
    zeroed = set()
    for seed in range(42):
        spec = from_dict(noisy_spec(seed))
        floats, raw = run_pass(spec, "float", after=False), engine(spec)
        zeroed |= {qid for qid in floats.ids()
                   if np.any(floats.numbers(qid) != raw.numbers(qid))}
    assert {"conv1.out", "leaky_relu1.out", "pool1.out"} <= zeroed


def relu_of_noise() -> dict:
    """A sample whose only ReLU input is 0.1 + 0.2 - 0.3: exact mode stops it."""
    return {"input": [[[0.1, 0.2], [0.3, 0.0]]], "target": 0, "layers": [
        {"type": "conv2d", "weight": [[1, 1], [-1, 0]], "bias": 0}, {"type": "relu"},
        {"type": "flatten"}, {"type": "dense", "weight": [[1, -1]], "bias": [0, 0]},
        {"type": "softmax"}]}


def pool_of_noise(ties: str) -> dict:
    """A window of exact zeros, one of them 0.1 + 0.2 - 0.3 in floats."""
    return {"input": [[[0, 0.1], [0, 0]], [[0, 0.2], [0, 0]], [[0, -0.3], [0, 0]]],
            "target": 0, "conventions": {"pool_ties": ties},
            "layers": [{"type": "conv2d", "weight": [[[[1]], [[1]], [[1]]]], "bias": 0},
                       {"type": "maxpool2d", "size": 2}, {"type": "flatten"},
                       {"type": "dense", "weight": [[1, -1]], "bias": [0, 0]},
                       {"type": "softmax"}]}


@pytest.mark.parametrize("data", [relu_of_noise(), pool_of_noise("first"),
                                  pool_of_noise("all")], ids=["relu", "pool", "pool-all"])
def test_a_relu_or_pool_decides_on_the_cleaned_sum_as_exact_mode_does(data):
    spec = from_dict(data)
    assert np.any(engine(spec).numbers("conv1.out") != 0)  # the noise, as computed
    floats, exacts = run_pass(spec, "float"), run_pass(spec, "exact")
    for qid in floats.ids():
        np.testing.assert_allclose(floats.numbers(qid), exacts.numbers(qid), rtol=1e-12,
                                   atol=1e-15, err_msg=qid)


def test_a_confident_prediction_keeps_its_small_gradient_whatever_the_fan_in():
    """dL/dz = y_hat - 1 = -3.4e-14 for a class predicted at 1 - 3.4e-14, after a dense
    layer summing 300 inputs: its own rounding is 1e-16, so it keeps its digits."""
    fan_in = 300
    spec = from_dict({"learning_rate": 0.1, "input": [[[1] + [0] * (fan_in - 1)]],
                      "target": 0, "layers": [
                          {"type": "flatten"},
                          {"type": "dense", "weight": [[0, 0]] * fan_in, "bias": [0, -31]},
                          {"type": "softmax"}]})
    floats, raw = run_pass(spec, "float"), engine(spec)
    for qid in floats.ids():
        np.testing.assert_array_equal(floats.numbers(qid), raw.numbers(qid), err_msg=qid)
    assert -1e-13 < floats.numbers("dense1.grad")[0] < 0


def test_a_saturated_sigmoid_keeps_its_tiny_gradients():
    """sigmoid(400) rounds to 1 (its derivative to 0) and sigmoid(-100) is 3.7e-44: the
    gradients are tiny but made by their own terms, not cancelled."""
    spec = from_dict({"learning_rate": 1.0, "input": [[[400, -100]]], "target": 0,
                      "layers": [{"type": "conv2d", "weight": [[1]], "bias": 0},
                                 {"type": "sigmoid"}, {"type": "flatten"},
                                 {"type": "dense", "weight": [[1, 0], [1, 0]], "bias": [0, 0]},
                                 {"type": "softmax"}]})
    floats, raw = run_pass(spec, "float"), engine(spec)
    for qid in floats.ids():
        np.testing.assert_array_equal(floats.numbers(qid), raw.numbers(qid), err_msg=qid)
    assert floats.numbers("conv1.grad_weight").item() != 0


def test_the_checker_recomputes_with_the_same_cleaning():
    """A student's wrong window sum is marked against 0, and the value carried from the
    givens is that same 0 (not a 1.11e-16 printed beside it as 'yours')."""
    from tracer.check import Checker
    from tracer.check.answers import parse_answers
    checker = Checker(from_dict(decimal_lecture()))
    marking = checker.check(parse_answers("conv1.out: [[-0.2, 0.1], [0.4, 0.3]]\n", "yaml"))
    cell = next(m for m in marking.marks if m.index == (0, 0, 1))
    assert (cell.verdict, cell.expected, cell.carried) == ("wrong", 0.0, None)


def sigmoid_symmetry(a: float) -> dict:
    """sigmoid(a) + sigmoid(-a) - 1: exactly 0, a few 1e-16 in floats, before a ReLU."""
    return {"input": [[[a, -a]]], "target": 0, "layers": [
        {"type": "conv2d", "weight": [[1]], "bias": 0}, {"type": "sigmoid"},
        {"type": "conv2d", "weight": [[1, 1]], "bias": -1}, {"type": "relu"},
        {"type": "flatten"}, {"type": "dense", "weight": [[1, -1]], "bias": [0, 0]},
        {"type": "softmax"}]}


def test_a_sum_of_computed_values_stays_as_computed():
    """sigmoid(3) + sigmoid(-2.99999999999999) - 1 is 4.5e-16: no decimals confirm a 0
    (its terms print with 17 digits) and the floats themselves do not cancel, so it stays
    as the plain float pass computes it."""
    data = sigmoid_symmetry(3.0)
    data["input"] = [[[3.0, -2.99999999999999]]]
    spec = from_dict(data)
    floats, raw = run_pass(spec, "float"), engine(spec)
    for qid in floats.ids():
        np.testing.assert_array_equal(floats.numbers(qid), raw.numbers(qid), err_msg=qid)


def test_computed_values_whose_floats_cancel_make_the_exact_modes_zero():
    """In the sigmoid(3) + sigmoid(-3) - 1 network, dL/dK of the first conv sums computed
    gradients whose floats cancel exactly: the plain float pass left 6.9e-18, exact mode
    gives 0. (The sum sigmoid(3) + sigmoid(-3) - 1 itself stays: its floats do not
    cancel.)"""
    spec = from_dict(sigmoid_symmetry(3.0))
    assert engine(spec).numbers("conv1.grad_weight").item() != 0
    floats = run_pass(spec, "float")
    assert floats.numbers("conv1.grad_weight").item() == 0
    assert floats.numbers("conv2.out").item() == engine(spec).numbers("conv2.out").item() != 0
    assert abs(run_pass(spec, "exact").numbers("conv1.grad_weight").item()) < 1e-30


def test_overlapping_pool_routes_of_a_given_gradient_are_cleaned():
    """0.1 + 0.2 - 0.3 arriving at one cell from three windows at stride 1."""
    spec = from_dict({"input": [[[0, 0, 0], [0, 9, 0], [0, 0, 0]]],
                      "grad_out": [[0.1, 0.2], [-0.3, 0]],
                      "layers": [{"type": "maxpool2d", "size": 2, "stride": 1}]})
    assert engine(spec).numbers("input.grad")[0, 1, 1] != 0
    for mode in ("float", "exact"):
        assert not np.any(run_pass(spec, mode).numbers("input.grad")), mode


@pytest.mark.parametrize("given, zero", [([0.5, 0.5, 0.5], True), ([0.5, 0.25, 0.5], False)])
def test_softmax_cancels_a_gradient_that_is_the_same_for_every_class(given, zero):
    """y (g - sum_j g_j y_j) = 0 when g is the same for all classes (sum y = 1); for any
    other g the sum of computed values stays as computed."""
    spec = from_dict({"input": [[[1, 2, 0]]], "grad_out": given,
                      "layers": [{"type": "flatten"}, {"type": "softmax"}]})
    floats, raw = run_pass(spec, "float"), engine(spec)
    if zero:
        assert np.any(raw.numbers("flatten1.grad"))
        assert not np.any(floats.numbers("flatten1.grad"))
    else:
        np.testing.assert_array_equal(floats.numbers("flatten1.grad"),
                                      raw.numbers("flatten1.grad"))


@pytest.mark.parametrize("targets", [[1, 0], [0.3, 0.7]])
def test_equal_dense_weights_times_a_softmax_gradient_are_zero_as_in_exact_mode(targets):
    """dL/da = 0.5 · (ŷ0 - y0) + 0.5 · (ŷ1 - y1) is 0 (the probabilities and the targets
    each sum to 1); floats left 1.1e-16, and 3.3e-16 in every conv gradient after it."""
    import tomllib
    from decimal import Decimal

    from tracer.spec import EXAMPLES_DIR
    data = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    data["layers"][-2]["weight"] = [[Decimal("0.5"), Decimal("0.5")]]
    data["target"] = [Decimal(str(t)) for t in targets]
    spec = from_dict(data, "equal weights")
    floats, exact = run_pass(spec), run_pass(spec, "exact")
    for qid in ("flatten1.grad", "conv1.grad_weight", "conv1.grad_bias", "input.grad"):
        assert (floats.numbers(qid) == exact.numbers(qid)).all(), qid
        assert not floats.numbers(qid).any()
    unequal = dict(data, layers=[*data["layers"][:-2], dict(data["layers"][-2],
                                 weight=[[Decimal("0.5"), Decimal("0.25")]]), data["layers"][-1]])
    assert run_pass(from_dict(unequal, "unequal")).numbers("flatten1.grad").all()
