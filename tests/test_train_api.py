"""The training API on bad arguments: the package's own errors naming the argument and
what was expected; predict on one image; a diverging run stops and its weights are not
saved."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tracer.data import DataError, Dataset
from tracer.errors import CnnTraceError
from tracer.presets import load_preset
from tracer.train import (RUNAWAY, TrainingError, _reference_loss, _runaway, accuracy,
                          history_json, logits, predict, train)
from tracer.weights import save_weights


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 1, 8, 8)), rng.integers(0, 10, 40)
    return Dataset("noise", x[:32], y[:32], x[32:], y[32:], "noise")


@pytest.fixture(scope="module")
def spec():
    return load_preset("digits-cnn")


@pytest.mark.parametrize("rate", [-1, 0, float("nan"), float("inf"), "abc", True, [0.1],
                                  "1e999999", "1e-999999"])  # inf and 0 as float64
def test_a_bad_learning_rate_is_refused(spec, data, rate):
    with pytest.raises(CnnTraceError, match="learning_rate: expected a positive number, got"):
        train(spec, data, epochs=1, learning_rate=rate)


def test_a_learning_rate_as_text_or_float(spec, data):
    assert str(train(spec, data, epochs=1, learning_rate="0.05").learning_rate) == "0.05"
    assert str(train(spec, data, epochs=1, learning_rate=0.05).learning_rate) == "0.05"


@pytest.mark.parametrize("option, value", [("batch", 8.0), ("batch", "8"), ("batch", 0),
                                           ("epochs", 1.5), ("epochs", True), ("seed", -1)])
def test_counts_must_be_whole_numbers(spec, data, option, value):
    with pytest.raises(CnnTraceError, match=f"{option}: expected a whole number >= "):
        train(spec, data, **{"epochs": 1, option: value})


def test_numpy_integers_are_whole_numbers(spec, data):
    result = train(spec, data, epochs=np.int64(1), batch=np.int32(8), seed=np.uint8(2))
    assert len(result.history) == 1


def test_predict_takes_one_image_or_a_batch(spec, data):
    net = train(spec, data, epochs=1).net
    batch = predict(net, data.x_test)
    assert predict(net, data.x_test[3]) == batch[3] and isinstance(
        predict(net, data.x_test[3]), int)
    np.testing.assert_allclose(logits(net, data.x_test[3]), logits(net, data.x_test)[3],
                               rtol=1e-12, atol=1e-14)  # BLAS may sum a batch differently
    with pytest.raises(DataError, match=r"x: expected images of shape \(N, 1, 8, 8\) or one "
                                        r"image of shape \(1, 8, 8\), got .* \(8, 8\)"):
        predict(net, data.x_test[3, 0])
    with pytest.raises(DataError, match="y: expected one label per image"):
        accuracy(net, data.x_test, data.y_test[:2])


def test_a_diverging_run_stops_and_its_weights_are_not_saved(spec, data, tmp_path):
    result = train(spec, data, epochs=3, batch=8, learning_rate=1e300)
    assert result.diverged and "in epoch 1, step" in result.diverged
    assert len(result.history) == 1 and not math.isfinite(result.history[0]["loss"])
    with pytest.raises(TrainingError, match="not saved: .* NaN or infinite: training "
                                            "diverged .* probably too large"):
        save_weights(result, tmp_path / "w.npz")
    assert not (tmp_path / "w.npz").exists()
    text = history_json(result)  # standard JSON: NaN as a string, not a bare NaN
    records = json.loads(text, parse_constant=lambda name: pytest.fail(name))["history"]
    assert records[0]["loss"] in ("NaN", "Infinity") and records[0]["accuracy"] == "NaN"


@pytest.mark.parametrize("rate", [1000, 1e8])
def test_a_loss_that_runs_away_stops_training_while_finite(spec, data, rate):
    """lr 1000 or 1e8 keeps every number finite (no NaN to stop at) but the mean loss of
    epoch 1 is 1e5 to 1e15, against 3.5 for the untrained network: diverged."""
    result = train(spec, data, epochs=3, batch=8, learning_rate=rate)
    assert len(result.history) == 1 and math.isfinite(result.history[0]["loss"])
    assert result.diverged.startswith("the mean training loss of epoch 1, ")
    assert f"is over {RUNAWAY} times the untrained network's loss 3.53" in result.diverged


def test_the_runaway_rule_measures_against_the_start_or_a_uniform_guess():
    assert _reference_loss(10, 50.0)[0] == 50.0  # a spec starting far off is not stopped
    loss, what = _reference_loss(10, 0.01)  # a lucky first batch: ln K instead
    assert loss == pytest.approx(math.log(10)) and what.text("en").endswith("(ln 10 = 2.3)")
    assert _runaway(RUNAWAY * 2.0 - 0.01, (2.0, "x"), 3) is None
    assert _runaway(RUNAWAY * 2.0, (2.0, "x"), 3).text("en") == (
        "the mean training loss of epoch 3, 20, is over 10 times x")
    # a runaway loss reads as the rest of the summary's numbers: 2.03e5, not 2.03e+05
    assert ", 2.03e5, is over" in _runaway(203456.0, (2.0, "x"), 1).text("en")
    assert _reference_loss(10, 123456.0)[1].text("en") == "the untrained network's loss 1.23e5"
    assert _runaway(0.0, _reference_loss(1, 0.0), 1) is None  # one class: nothing to lose


def test_the_api_refuses_to_save_a_run_whose_loss_ran_away(spec, data, tmp_path):
    """The command line never saved such a run, but save_weights did: its weights are
    finite, only far off."""
    result = train(spec, data, epochs=1, batch=8, learning_rate=1000)
    assert result.diverged and "times" in result.diverged
    with pytest.raises(TrainingError, match="not saved: training diverged"):
        save_weights(result, tmp_path / "w.npz")
    assert not (tmp_path / "w.npz").exists()
