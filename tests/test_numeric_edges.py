"""Edges of the float mode's zero and tie tolerance (per sample, non-finite values), the
exact default leaky_relu slope, and YAML exponent numbers; exact mode is the oracle."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from tracer import from_dict, load_spec, run_pass
from tracer.network import build, trace_pass
from tracer.numeric import FLOAT
from tracer.spec import SpecError

INF = np.inf


def both(spec):
    return run_pass(spec, "float"), run_pass(spec, "exact")


# ---------------------------------------------------------------- per-sample tolerance
def relu_batch(inputs):
    return from_dict({"inputs": inputs, "targets": [0] * len(inputs), "layers": [
        {"type": "dense", "weight": [[1, 0], [0, 1]], "bias": [0, 0]}, {"type": "relu"},
        {"type": "dense", "weight": [[10, -10], [1, 1]], "bias": [0, 0]},
        {"type": "softmax"}]}, "relu batch")


def test_relu_tolerance_is_per_sample_not_over_the_batch():
    floats, exacts = both(relu_batch([[1e-7, -1], [5e5, 1]]))
    for qid in ("relu1.out", "relu1.mask"):
        np.testing.assert_array_equal(floats.numbers(qid), exacts.numbers(qid), err_msg=qid)
    assert floats.numbers("relu1.out")[0].tolist() == [1e-7, 0]
    alone = run_pass(relu_batch([[1e-7, -1]]), "float")  # the same sample on its own
    np.testing.assert_array_equal(alone.numbers("relu1.out")[0], floats.numbers("relu1.out")[0])


def test_relu_tolerance_still_zeroes_float_noise_in_each_sample():
    """0.1 + 0.2 - 0.3 is 5.6e-17 in floats: 0 for ReLU in every sample, as in exact mode."""
    spec = from_dict({"inputs": [[0.1, 0.2], [100, 0.2]], "targets": [0, 1], "layers": [
        {"type": "dense", "weight": [[1, 0], [1, 1]], "bias": [-0.3, 0]}, {"type": "relu"},
        {"type": "dense", "weight": [[1, 0], [0, 1]], "bias": [0, 0]},
        {"type": "softmax"}]}, "noise")
    floats, exacts = both(spec)
    engine = trace_pass(build(spec, "float"))  # the pass as computed, noise not yet zeroed
    assert engine.numbers("dense1.out")[0, 0] != 0  # the float noise is there
    assert floats.numbers("dense1.out")[0, 0] == 0  # and recorded as 0 (tracer.noise)
    for trace in (engine, floats):
        np.testing.assert_array_equal(trace.numbers("relu1.mask"), exacts.numbers("relu1.mask"))
    assert floats.numbers("relu1.mask").tolist() == [[0, 1], [1, 1]]


def pool_batch(other):
    """Sample 0's window [3.7, 3.6999999999963, 0, 0]: top (1 - 1e-12) and top - 1e-12 top
    round to the two sides of its second cell; ``other`` is the second sample's window."""
    return from_dict({"inputs": [[[[3.7, 3.6999999999963], [0, 0]]], [[other[:2], other[2:]]]],
                      "layers": [{"type": "maxpool2d", "size": 2}]}, "pool batch")


def test_maxpool_ties_do_not_depend_on_the_other_samples():
    exact = run_pass(pool_batch([1, 1, 1, 1]), "exact")
    for other in ([1, 1, 1, 1], [1, 1, 1, -1], [-1, -2, -3, -4]):
        floats = run_pass(pool_batch(other), "float")
        for qid in ("pool1.ties", "pool1.argmax"):
            np.testing.assert_array_equal(floats.numbers(qid)[0], exact.numbers(qid)[0],
                                          err_msg=f"{qid} next to {other}")


def test_maxima_of_one_window_agree_with_the_batch():
    """The presenters recompute one window's maxima on its own: same ties as the layer."""
    windows = np.array([[3.7, 3.6999999999963, 0, 0], [1, 1, 1, -1], [-2, -2 - 1e-12, -5, 0.5],
                        [1e-300, 0, 1e-300 * (1 - 1e-13), -1e-290]]).T
    _, together = FLOAT.maxima(windows)
    for k in range(windows.shape[1]):
        _, alone = FLOAT.maxima(windows[:, k].copy())
        np.testing.assert_array_equal(alone, together[:, k], err_msg=str(windows[:, k]))


# ------------------------------------------------------------------ non-finite values
def test_relu_with_an_infinite_value_keeps_the_other_cells():
    spec = from_dict({"input": [1e200, 1], "layers": [  # forward only: exact e^(1e400) fails
        {"type": "dense", "weight": [[1e200, 0], [0, 1]], "bias": [0, 0]},
        {"type": "relu"}]}, "inf relu")
    with np.errstate(all="ignore"):
        floats = run_pass(spec, "float")
    exacts = run_pass(spec, "exact")
    assert floats.numbers("dense1.out").tolist() == [INF, 1]
    assert floats.numbers("relu1.out").tolist() == [INF, 1]  # as torch.relu
    np.testing.assert_array_equal(floats.numbers("relu1.mask"), exacts.numbers("relu1.mask"))


@pytest.mark.parametrize("or_zero", [False, True])
def test_positive_measures_the_tolerance_over_finite_values(or_zero):
    x = np.array([[INF, 1, -INF, 1e-13, -1e-13, 0, np.nan],
                  [5e5, 1e-6, -1, 0, 2, 3, 4]])
    want = [[1, 1, 0, or_zero, or_zero, or_zero, 0], [1, 1, 0, or_zero, 1, 1, 1]]
    assert FLOAT.positive(x, or_zero=or_zero).astype(int).tolist() == want
    for n in range(2):  # each sample on its own: the same
        assert FLOAT.positive(x[n:n + 1], or_zero=or_zero).astype(int).tolist() == [want[n]]


def test_maxpool_infinite_maximum_ties_only_with_equal_cells():
    """Window [inf, -1e200, -2e200, -3e200] (1e200 * 1e200 overflows): the max is the
    first cell, alone (top - 1e-12 * inf was NaN: no cell was the max)."""
    spec = from_dict({"input": [[[1e200, -1], [-2, -3]]], "layers": [
        {"type": "conv2d", "weight": [[1e200]], "bias": 0},
        {"type": "maxpool2d", "size": 2}]}, "inf pool")
    with np.errstate(all="ignore"):
        floats = run_pass(spec, "float")
    exacts = run_pass(spec, "exact")
    assert floats.numbers("conv1.out").ravel().tolist() == [INF, -1e200, -2e200, -3e200]
    assert floats.numbers("pool1.out").ravel().tolist() == [INF]
    for qid in ("pool1.argmax", "pool1.ties"):
        np.testing.assert_array_equal(floats.numbers(qid), exacts.numbers(qid), err_msg=qid)
    assert floats.numbers("pool1.ties").ravel().tolist() == [1]


@pytest.mark.parametrize("window, want", [
    ([INF, -1e200, -2e200, -3e200], [1, 0, 0, 0]),
    ([INF, -INF, 1, 2], [1, 0, 0, 0]),
    ([INF, INF, -1, 5], [1, 1, 0, 0]),
    ([1, -INF, 1 - 1e-13, 0.5], [1, 0, 1, 0]),  # the finite cells' tolerance still applies
    ([-INF, -INF, -INF, -INF], [1, 1, 1, 1]),
    ([-5, -INF, -5 - 1e-12, -6], [1, 0, 1, 0]),
    ([np.nan, 1, -1, np.nan], [1, 0, 0, 1]),  # a NaN window: its NaNs, never no cell
])
def test_maxima_with_non_finite_candidates(window, want):
    cand = np.array([window, [4, 3, 2, -1]]).T  # (K, windows): a finite window beside
    top, is_max = FLOAT.maxima(cand)
    assert is_max[:, 0].astype(int).tolist() == want
    assert is_max[:, 1].astype(int).tolist() == [1, 0, 0, 0]
    _, alone = FLOAT.maxima(np.array(window))
    assert alone.astype(int).tolist() == want


# ---------------------------------------------------------------- exact leaky_relu slope
def test_leaky_relu_default_slope_is_exactly_one_hundredth():
    spec = from_dict({"input": [-1, 2], "layers": [{"type": "leaky_relu"}]}, "leaky")
    exact = run_pass(spec, "exact")
    assert exact.quantity("leaky_relu1.out").value.tolist() == [Fraction(-1, 100), 2]
    assert exact.quantity("leaky_relu1.local_grad").value.tolist() == [Fraction(1, 100), 1]
    assert run_pass(spec, "float").numbers("leaky_relu1.out").tolist() == [-0.01, 2]
    given = from_dict({"input": [-1, 2], "layers": [{"type": "leaky_relu", "slope": 0.01}]},
                      "given")
    assert run_pass(given, "exact").quantity("leaky_relu1.out").value.tolist() == \
        [Fraction(-1, 100), 2]


# ---------------------------------------------------------------- YAML exponent numbers
def yaml_spec(tmp_path, text):
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return load_spec(path)


def test_yaml_reads_exponents_without_a_dot_or_sign_as_exact_numbers(tmp_path):
    spec = yaml_spec(tmp_path, "input: [1e-3, 2, 1.5e0, 2E+5, -3e-2, +4e1, .5e1, 1.5, 1.5e-3]\n"
                               "layers:\n  - type: relu\n")
    assert spec.inputs[0] == (Decimal("0.001"), 2, Decimal("1.5"), Decimal("200000"),
                              Decimal("-0.03"), Decimal("40"), Decimal(5), Decimal("1.5"),
                              Decimal("0.0015"))
    assert all(isinstance(v, (int, Decimal)) for v in spec.inputs[0])
    exact = run_pass(spec, "exact")
    assert exact.quantity("input.out").value[:5].tolist() == [
        Fraction(1, 1000), 2, Fraction(3, 2), 200000, Fraction(-3, 100)]


def test_yaml_exponent_numbers_work_in_every_field(tmp_path):
    spec = yaml_spec(tmp_path, "learning_rate: 1e-1\ninput: [[1, 2], [3, 4]]\ntarget: 0\n"
                               "layers:\n  - {type: conv2d, weight: [[1e0]], bias: 5e-1}\n"
                               "  - {type: flatten}\n"
                               "  - {type: dense, weight: [[1e0, 0], [0, 1], [0, 0], [0, 0]]}\n"
                               "  - {type: softmax}\n")
    assert spec.learning_rate == Decimal("0.1")
    floats, exacts = both(spec)
    assert exacts.quantity("conv1.out").value.ravel().tolist() == [
        Fraction(3, 2), Fraction(5, 2), Fraction(7, 2), Fraction(9, 2)]
    np.testing.assert_allclose(floats.numbers("loss.out"), exacts.numbers("loss.out"),
                               rtol=1e-12)


def test_yaml_text_that_only_looks_like_an_exponent_stays_text(tmp_path):
    for value in ("'1e-3'", "1e", "e5", "1e-3x"):
        with pytest.raises(SpecError, match="expected a number, got the text"):
            yaml_spec(tmp_path, f"input: [{value}, 2]\nlayers:\n  - type: relu\n")


def test_exact_loss_after_a_step_beyond_exact_range_is_computed_to_60_digits():
    """A learning rate of 10 on an input of 3000 pushes the logits to -9e7 and 9e7: e^x
    beyond exact mode's |x| <= 10^7 for the second pass only; the pass still works and
    the loss after it (shown to 60 digits anyway) is the float one's."""
    spec = from_dict({"input": [3000, 1], "target": 1, "learning_rate": 10,
                      "layers": [{"type": "dense", "weight": [[1, 0], [0, 1]], "bias": [0, 0]},
                                 {"type": "softmax"}]})
    exact_trace, float_trace = run_pass(spec, "exact"), run_pass(spec, "float")
    assert float(exact_trace.numbers("loss.out")) == 2999
    assert abs(float(exact_trace.numbers("loss.after")) -
               float(float_trace.numbers("loss.after"))) <= 1e-10


def test_a_pass_beyond_float64_is_one_note_not_a_page_of_numpy_warnings(tmp_path, capsys):
    """Inputs of 1e308 overflow the convolution: numpy printed ~18 RuntimeWarnings with
    source lines; now the CLI says once where the pass leaves float64, and a notebook
    pass raises no warning either."""
    import warnings

    from tracer.cli import main
    from tracer.spec import EXAMPLES_DIR
    text = (EXAMPLES_DIR / "lecture.toml").read_text(encoding="utf-8")
    spec = tmp_path / "big.toml"
    big = text.replace("input  = [[1, 2, 0, 1]", "input  = [[1e308, 1e308, 1e308, 1e308]")
    spec.write_text(big, encoding="utf-8")
    assert "1e308" in spec.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["render", str(spec), "--format", "html", "--out", str(tmp_path / "o"),
                     "--lang", "ko"]) == 0
        assert "참고: conv1.out이 float64 범위를 넘었습니다" in capsys.readouterr().err
        for command in (["sheet", str(spec)], ["export", "moodle", str(spec), "--blank",
                                              "conv1.out"]):
            assert main(command) == 0
            assert "conv1.out is beyond float64" in capsys.readouterr().err, command
        assert main(["trace", str(spec), "-q"]) == 0
        assert capsys.readouterr().err.splitlines() == [
            "cnntrace: note: conv1.out is beyond float64 (inf or nan), and so may be what is "
            "worked from it; expected smaller inputs, weights or learning rate"]
        trace = run_pass(load_spec(spec))
    assert np.isinf(trace.numbers("conv1.out")).any()


def test_an_overflowing_exp_alone_is_no_overflow_note(tmp_path, capsys):
    """e^800 is inf in float64, but the softmax, loss and gradients are computed stably
    and stay finite: no note."""
    from tracer.cli import main
    spec = tmp_path / "logit.json"
    spec.write_text('{"input": [[800]], "target": 1, "layers": ['
                    '{"type": "conv2d", "weight": [[1]], "bias": 0}, {"type": "flatten"}, '
                    '{"type": "dense", "weight": [[1, 0]], "bias": [0, 0]}, '
                    '{"type": "softmax"}]}', encoding="utf-8")
    assert main(["trace", str(spec), "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert np.isinf(run_pass(load_spec(spec)).numbers("softmax1.exp")[0])


@pytest.mark.parametrize("layers, target", [
    ([{"type": "dense", "weight": [[30, 10]], "bias": [0, 0]}, {"type": "softmax"}], 0),
    ([{"type": "dense", "weight": [[36, 0, -3]], "bias": [0, 0, 0]}, {"type": "softmax"}], 0),
    ([{"type": "dense", "weight": [[-5, 25]], "bias": [0, 0]}, {"type": "softmax"}], [0, 1]),
    ([{"type": "dense", "weight": [[30]], "bias": [0]}, {"type": "sigmoid"}], [1]),
    ([{"type": "dense", "weight": [[-38, 2]], "bias": [0, 0]}, {"type": "sigmoid"}], [0, 1]),
])
def test_a_confident_prediction_keeps_its_digits_in_float_mode(layers, target):
    """z = [30, 10]: 1 - y_hat_0 = 2.06e-9 lost seven digits to cancellation (the loss as
    z - log sum e^z, dL/dz as y_hat - 1), and z = [36, 0] gave a loss and gradients of
    exactly 0; every value now agrees with exact mode to 1e-13, as elsewhere."""
    spec = from_dict({"input": [1], "target": target, "layers": layers})
    floats, exact = run_pass(spec, "float"), run_pass(spec, "exact")
    for qid in floats.ids():
        got, want = floats.numbers(qid), exact.numbers(qid)
        assert np.all(np.abs(got - want) <= 1e-13 * np.abs(want)), (qid, got, want)
    assert floats.numbers("loss.out") > 0


def test_log_softmax_of_infinite_or_nan_scores_is_the_plain_formula():
    z = np.array([[np.inf, 0.0], [1.0, np.nan], [2.0, 1.0]])
    with np.errstate(invalid="ignore"):
        got = FLOAT.log_softmax(z)
        plain = z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(plain))
    np.testing.assert_allclose(got[2], plain[2], rtol=1e-15)


@pytest.mark.filterwarnings("error")
def test_log_softmax_of_a_batch_with_one_confident_row_warns_of_nothing():
    """Rows with no class above 1/2 took log1p(-1) (a numpy warning) before being left
    out, when another row of the batch was confident."""
    z = np.array([[30.0, 10.0], [0.0, 0.0], [1.0, 1.0 + 1e-9]])
    got = FLOAT.log_softmax(z)
    np.testing.assert_allclose(got[1:], np.log(0.5), rtol=1e-8)
    assert got[0, 0] == pytest.approx(-2.061153620314381e-09, rel=1e-14)


@pytest.mark.parametrize("a", [0.3, 0.07, 0.5, -4.2, 7.77])
def test_two_tied_logits_give_the_loss_log_2(a):
    """Both classes' log(1/2) could round to just above -log 2, so both were taken as the
    confident class and the loss of [a, a] came out 0 (a review found 154 such a)."""
    spec = from_dict({"input": [[1]], "target": 0, "layers": [
        {"type": "flatten"}, {"type": "dense", "weight": [[a, a]], "bias": 0},
        {"type": "softmax"}]})
    assert run_pass(spec).numbers("loss.out") == pytest.approx(np.log(2), rel=1e-15)
    z = np.array([[a, a], [a, a + 1e-12]])
    np.testing.assert_allclose(FLOAT.log_softmax(z), np.log(0.5), rtol=1e-11)


@pytest.mark.filterwarnings("error")
def test_the_loss_of_overflowing_logits_warns_of_nothing():
    from tracer.network import loss
    net = build(from_dict({"input": [10], "target": 0, "layers": [
        {"type": "dense", "weight": [[1e308, 0]], "bias": [0, 0]}, {"type": "softmax"}]}))
    assert np.isnan(loss(net)) or np.isinf(loss(net))


@pytest.mark.parametrize("value, digits, text", [
    (11316, 4, "11316"), (11, 1, "11"), (-10, 1, "-10"), (-0.0, 4, "0"),
    (123456789012345, 4, "123456789012345"), (10 ** 15, 4, "1e15"), (2.5, 1, "3"),
    (11316.5, 4, "1.132e4"),
])
def test_a_whole_number_prints_in_full_in_both_modes(value, digits, text):
    """An integer conv sum of 11316 printed 1.132×10⁴ (at --digits 1, Z = 11 as 1×10¹),
    and the next line, 11316 · 0.0001, used all of it."""
    from tracer.numeric_exact import EXACT
    assert FLOAT.format(value, digits) == text
    assert EXACT.format(Fraction(value), digits) == text


def test_the_lecture_at_one_digit_keeps_its_integer_sums():
    from tracer import load_example
    from tracer.present.text import render_text
    text = render_text(run_pass(load_example("lecture")), digits=1)
    block = text[text.index("conv1.out"):text.index("relu1")]
    assert block.split("\n")[2:4] == ["    [ 5   7]", "    [11  10]"]  # not 1e1


def test_an_updated_whole_number_prints_in_full_as_its_update_line_has_it():
    """An update worked in decimals (5 - 10 (-1) = 15) printed 2e1 in the before/after
    table and the listing, beside the line's 15."""
    from tracer.present.text import render_text
    spec = from_dict({"learning_rate": 10, "target": 1, "input": [1], "layers": [
        {"type": "dense", "weight": [[1000, -1000]], "bias": [20, 5]}, {"type": "softmax"}]})
    text = render_text(run_pass(spec), digits=1)
    assert "dense1.bias_new  (2)\n  [10  15]" in text
