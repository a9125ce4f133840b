"""Float rounding noise is recorded as 0 (tracer.noise), and nothing else is: exact mode
is the oracle for every cell of random decimal specs."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tracer import from_dict, run_pass
from tracer.network import build, trace_pass
from tracer.noise import error_bounds
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


def test_an_update_that_cancels_is_recorded_as_zero():
    """Equal logits of 2 classes: dL/db = (0.5 - 1, 0.5) and b_new = 0.3 - 0.6 * 0.5,
    exactly 0 (and 0.6 for the other class), -5.6e-17 in floats."""
    spec = from_dict({"learning_rate": 0.6, "input": [[[1.0]]], "target": 0,
                      "layers": [{"type": "flatten"},
                                 {"type": "dense", "weight": [[0, 0]], "bias": [0.3, 0.3]},
                                 {"type": "softmax"}]})
    assert 0 < abs(engine(spec).numbers("dense1.bias_new")[1]) < 1e-15
    floats = run_pass(spec, "float").numbers("dense1.bias_new")
    assert floats[1] == 0 and floats[0] == pytest.approx(0.6, rel=1e-15)
    assert run_pass(spec, "exact").numbers("dense1.bias_new").tolist() == [0.6, 0]


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
def test_float_is_zero_exactly_where_exact_mode_is(seed):
    """Every exact 0 is a float 0, and every cell zeroed as noise is an exact 0."""
    spec = from_dict(noisy_spec(seed))
    floats, raw = run_pass(spec, "float", after=False), engine(spec)
    exacts = run_pass(spec, "exact", after=False)
    for qid in floats.ids():
        value, computed = floats.numbers(qid), raw.numbers(qid)
        exact_zero = exacts.numbers(qid) == 0
        assert not np.any(exact_zero & (value != 0)), qid
        assert not np.any((value != computed) & ~exact_zero), qid


def test_the_random_specs_do_meet_noise():
    """The property above is not vacuous: its specs have noise in sums, gradients and
    the input's gradient."""
    zeroed = set()
    for seed in range(42):
        spec = from_dict(noisy_spec(seed))
        floats, raw = run_pass(spec, "float", after=False), engine(spec)
        zeroed |= {qid.split(".")[-1] if not qid.startswith("input") else qid
                   for qid in floats.ids()
                   if np.any(floats.numbers(qid) != raw.numbers(qid))}
    assert {"out", "grad", "input.grad"} <= zeroed


def test_every_value_is_within_its_bound_of_the_exact_one():
    """|v - exact| <= c u M for every cell with a bound, and |v| <= M."""
    for seed in (2, 3, 4, 8, 9, 10):
        spec = from_dict(noisy_spec(seed))
        net = build(spec, "float")
        trace, exacts = trace_pass(net), run_pass(spec, "exact")
        bounds = error_bounds(net, trace)
        if spec.kind == "train":
            assert {"conv1.out", "conv1.grad", "dense1.grad_weight", "conv1.weight_new",
                    "input.grad"} <= set(bounds)
        for qid, (bound, count) in bounds.items():
            value = trace.numbers(qid)
            bound = bound.reshape(value.shape)
            assert np.all(np.abs(value) <= bound * (1 + 1e-15)), qid
            error = np.abs(value - exacts.numbers(qid))
            assert np.all(error <= count * 2.0 ** -53 * bound), qid
