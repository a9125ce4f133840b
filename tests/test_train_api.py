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
from tracer.train import TrainingError, accuracy, history_json, logits, predict, train
from tracer.weights import save_weights


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 1, 8, 8)), rng.integers(0, 10, 40)
    return Dataset("noise", x[:32], y[:32], x[32:], y[32:], "noise")


@pytest.fixture(scope="module")
def spec():
    return load_preset("digits-cnn")


@pytest.mark.parametrize("rate", [-1, 0, float("nan"), float("inf"), "abc", True, [0.1]])
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
