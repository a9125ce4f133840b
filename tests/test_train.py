"""Training with the engine's own layers: the loss goes down, one step equals a traced
pass's update, saved weights give identical predictions, and `cnntrace train`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tracer import from_dict
from tracer.cli import main
from tracer.data import DataError, Dataset
from tracer.network import build, trace_pass
from tracer.presets import load_preset, preset
from tracer.train import logits, train
from tracer.weights import load_weights, save_weights, spec_with_weights


def bars(n, seed=0, side=8):
    """Class 0: a horizontal bar, 1: a vertical bar, 2: a diagonal; with noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    images = rng.random((n, 1, side, side)) * 0.3
    for image, label in zip(images, labels):
        k = rng.integers(1, side - 1)
        if label == 0:
            image[0, k] += 0.7
        elif label == 1:
            image[0, :, k] += 0.7
        else:
            image[0] += np.eye(side) * 0.7
    return images, labels


@pytest.fixture(scope="module")
def tiny():
    x, y = bars(96)
    return Dataset("bars", x[:64], y[:64], x[64:], y[64:], "bars")


def test_training_on_a_tiny_subset_lowers_the_loss(tiny):
    result = train(load_preset("digits-cnn"), tiny, epochs=4, batch=8, seed=1)
    losses = [h["loss"] for h in result.history]
    assert len(losses) == 4 and losses[-1] < 0.6 * losses[0], losses
    assert result.accuracy >= 0.9
    assert [h["epoch"] for h in result.history] == [1, 2, 3, 4]
    assert len(result.seconds) == 4 and all(s >= 0 for s in result.seconds)
    assert all(set(h) == {"epoch", "loss", "accuracy"} for h in result.history)  # no timings


def test_the_loss_goes_down_on_real_digits():
    pytest.importorskip("sklearn")
    from tracer.data import load_data
    data = load_data("digits").limit(200, 100)
    result = train(load_preset("digits-cnn"), data, epochs=3, batch=16)
    losses = [h["loss"] for h in result.history]
    assert losses[-1] < losses[0] and result.accuracy > 0.5, (losses, result.accuracy)


def test_one_training_step_is_the_traced_update(tiny):
    """One epoch of one batch: the trained weights are the traced pass's weight_new."""
    x, y = tiny.x_train[:8], tiny.y_train[:8]
    data = Dataset("bars", x, y, x, y)
    spec = load_preset("digits-cnn", seed=2)
    result = train(spec, data, epochs=1, batch=8, seed=0)
    order = np.random.default_rng(0).permutation(8)  # the trainer's shuffle
    batch = preset("digits-cnn", seed=2)
    batch.pop("input"), batch.pop("target")
    batch["inputs"], batch["targets"] = x[order].tolist(), y[order].tolist()
    trace = trace_pass(build(from_dict(batch), "float"))
    for layer in result.net.layers:
        for p in layer.param_names:
            np.testing.assert_allclose(getattr(layer, p), trace.numbers(f"{layer.name}.{p}_new"),
                                       rtol=1e-13, atol=1e-15)
    assert result.history[0]["loss"] == pytest.approx(float(trace.numbers("loss.out")))


def test_saved_weights_give_identical_predictions(tiny, tmp_path):
    result = train(load_preset("digits-cnn"), tiny, epochs=2, batch=8)
    path = save_weights(result, tmp_path / "w.npz", extra={"preset": "digits-cnn"})
    arrays, meta = load_weights(path)
    assert sorted(arrays) == ["conv1.bias", "conv1.weight", "dense1.bias", "dense1.weight"]
    assert meta["history"] == result.history and meta["preset"] == "digits-cnn"
    spec = spec_with_weights(None, path, 3, data=tiny)
    assert spec["target"] == int(tiny.y_test[3])
    net = build(from_dict(spec), "float")
    np.testing.assert_array_equal(net.inputs[0], tiny.x_test[3])
    np.testing.assert_array_equal(logits(net, tiny.x_test), logits(result.net, tiny.x_test))
    # the given architecture may be the preset's own dict
    again = build(from_dict(spec_with_weights(preset("digits-cnn"), path, 3, data=tiny)),
                  "float")
    np.testing.assert_array_equal(logits(again, tiny.x_test), logits(result.net, tiny.x_test))


def test_weights_errors_name_the_file(tiny, tmp_path):
    result = train(load_preset("digits-cnn"), tiny, epochs=1, batch=32)
    path = save_weights(result, tmp_path / "w.npz")
    with pytest.raises(DataError, match="--sample 32 is out of range; the test split has 32"):
        spec_with_weights(None, path, 32, data=tiny)
    with pytest.raises(DataError, match=r"conv1.weight is \(16, 1, 3, 3\) but the network "
                       r"needs \(8, 1, 3, 3\): weights of another network"):
        spec_with_weights(preset("lecture-cnn"), path, 0, data=tiny)
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(DataError, match="other.npz: not a weights file"):
        load_weights(tmp_path / "other.npz")
    with pytest.raises(DataError, match="no such file"):
        load_weights(tmp_path / "none.npz")
    with pytest.raises(DataError, match=r"images of shape \(1, 8, 8\), but the network"):
        train(load_preset("lecture-cnn"), tiny, epochs=1)


def write_npz(tmp_path, n=60):
    x, y = bars(n, seed=3)
    path = tmp_path / "bars.npz"
    np.savez(path, x_train=(x[:40, 0] * 255).astype(np.uint8), y_train=y[:40],
             x_test=(x[40:, 0] * 255).astype(np.uint8), y_test=y[40:])
    return path


def test_train_command(tmp_path, capsys):
    data = write_npz(tmp_path)
    weights, history = tmp_path / "w.npz", tmp_path / "h.json"
    code = main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "3",
                 "--batch", "8", "--lr", "0.05", "--save", str(weights), "--history",
                 str(history), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "40 training and 20 test images (bars), 3 epochs of batch 8" in out
    assert out.count("train loss") == 3 and "test accuracy" in out.splitlines()[-3]
    assert out.splitlines()[-2:] == [f"weights written to {weights}",
                                     f"history written to {history}"]
    records = json.loads(history.read_text())["history"]
    assert [r["epoch"] for r in records] == [1, 2, 3]
    _, meta = load_weights(weights)
    assert meta["spec"]["learning_rate"] == "0.05" and meta["data"] == str(data)
    # the same trained network, traced on a real test image
    spec = spec_with_weights(None, weights, 0)
    assert float(from_dict(spec).learning_rate) == 0.05
    # trained weights are kept (answer sheets name them): replaced only with --force
    before = weights.read_bytes()
    code = main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "1",
                 "--save", str(weights), "-q"])
    assert code == 2 and "it holds trained weights" in capsys.readouterr().err
    assert weights.read_bytes() == before
    code = main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "1",
                 "--save", str(weights), "-q", "--force"])
    assert code == 0, capsys.readouterr().err
    assert weights.read_bytes() != before
    mine = weights.with_name("mine.npz")
    mine.write_bytes(b"PK\x03\x04 not cnntrace's")
    code = main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "1",
                 "--save", str(mine), "-q"])
    assert code == 2 and "already exists" in capsys.readouterr().err


def test_train_command_errors(tmp_path, capsys):
    data = write_npz(tmp_path)
    assert main(["train", "--preset", "lecture-cnn", "--data", str(data), "-q"]) == 2
    assert "expects inputs of shape (1, 28, 28)" in capsys.readouterr().err
    assert main(["train", "--preset", "lecture-cnn", "-q"]) == 2
    assert "give --data" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--preset", "digits-cnn", "--epochs", "0"])
    assert "argument --epochs: expected a whole number >= 1, got 0" in capsys.readouterr().err


def test_a_real_sample_without_saved_weights(tiny):
    spec = spec_with_weights(preset("digits-cnn", seed=4), None, 5, data=tiny)
    net = build(from_dict(spec), "float")
    seeded = build(load_preset("digits-cnn", seed=4), "float")
    np.testing.assert_array_equal(net.inputs[0], tiny.x_test[5])
    np.testing.assert_array_equal(net.layers[0].weight, seeded.layers[0].weight)
    assert spec["target"] == int(tiny.y_test[5]) and "test image 5" in spec["title"]
    with pytest.raises(DataError, match="needs a spec and --data"):
        spec_with_weights(None, None, 0)


def test_train_speaks_korean_on_the_terminal(tmp_path, capsys):
    """train --lang ko wrote its summary page in Korean but every terminal line in English."""
    data = write_npz(tmp_path)
    code = main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "2",
                 "--batch", "8", "--lr", "0.05", "--history", str(tmp_path / "h.json"),
                 "--quiet", "--lang", "ko"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "학습 이미지 40개, 테스트 이미지 20개 (bars), 2에포크, 배치 크기 8" in out
    assert out.count("학습 손실") == 2 and "2에포크 후 따로 떼어 둔 테스트 이미지 20개에서" in out
    assert f"기록을 {tmp_path / 'h.json'}에 저장했습니다" in out
    assert "train loss" not in out and "written to" not in out
