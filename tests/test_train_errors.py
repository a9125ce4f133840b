"""`cnntrace train` and `--weights` on bad input: one line naming the option or file, and
refused before the training starts, so that no output file is written."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tracer.cli import main


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(code, out, err, *needles):
    """A one-line error, and not one epoch trained."""
    assert code == 2, out + err
    assert err.count("\n") == 1 and err.startswith("cnntrace: error: "), err
    assert "train loss" not in out, out
    for needle in needles:
        assert needle in err, (needle, err)


def eight_by_eight(path, n_train=8, n_test=4):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (n_train, 8, 8), dtype=np.uint8),
             y_train=np.arange(n_train) % 10,
             x_test=rng.integers(0, 256, (n_test, 8, 8), dtype=np.uint8),
             y_test=np.arange(n_test) % 10)
    return path


@pytest.fixture
def digits(tmp_path):
    return eight_by_eight(tmp_path / "eight.npz")


def train_args(data, *more):
    return ["train", "--preset", "digits-cnn", "--data", data, "--epochs", "1", "-q", *more]


# ------------------------------------------------------------- outputs checked first
def test_a_users_file_is_refused_before_training(digits, tmp_path, capsys):
    mine = tmp_path / "notes.npz"
    mine.write_text("my notes")
    refused(*run(train_args(digits, "--save", mine), capsys),
            f"{mine}: already exists and was not written by cnntrace")
    assert mine.read_text() == "my notes"
    code, out, err = run(train_args(digits, "--save", mine, "--force"), capsys)
    assert code == 0 and f"weights written to {mine}" in out, err


def test_a_missing_folder_writes_none_of_the_outputs(digits, tmp_path, capsys):
    weights, summary = tmp_path / "w.npz", tmp_path / "s.html"
    refused(*run(train_args(digits, "--save", weights, "--html", summary, "--history",
                            tmp_path / "nodir" / "h.json"), capsys),
            f"{tmp_path / 'nodir' / 'h.json'}: folder {tmp_path / 'nodir'} "
            "does not exist")
    assert not weights.exists() and not summary.exists()


def test_a_folder_as_output_is_refused(digits, tmp_path, capsys):
    refused(*run(train_args(digits, "--html", tmp_path, "--force"), capsys),
            f"{tmp_path}: is a folder, expected a file name")


def test_two_outputs_in_one_file_are_refused(digits, tmp_path, capsys):
    refused(*run(train_args(digits, "--save", tmp_path / "out", "--history",
                            tmp_path / "." / "out"), capsys),
            "--history", "the same file as --save")
    assert not (tmp_path / "out").exists()


def test_every_output_is_written(digits, tmp_path, capsys):
    weights, history, summary = tmp_path / "w.npz", tmp_path / "h.json", tmp_path / "s.html"
    code, out, err = run(train_args(digits, "--save", weights, "--history", history,
                                    "--html", summary), capsys)
    assert code == 0, err
    assert f"weights written to {weights}" in out and f"summary written to {summary}" in out
    assert json.loads(history.read_text())["format"] == "cnntrace-history"
    assert str(weights) in summary.read_text()
    with np.load(weights) as saved:
        assert "conv1.weight" in saved.files


def test_training_again_replaces_its_own_outputs_without_force(digits, tmp_path, capsys):
    outputs = ["--history", tmp_path / "h.json", "--html", tmp_path / "s.html"]
    for _ in range(2):
        code, _, err = run(train_args(digits, *outputs), capsys)
        assert code == 0, err


def test_trained_weights_are_not_replaced_without_force(digits, tmp_path, capsys):
    """Answer sheets name the weights file (`cnntrace check --weights w.npz ...`): training
    again would mark old sheets against other numbers."""
    weights, history = tmp_path / "w.npz", tmp_path / "h.json"
    assert run(train_args(digits, "--save", weights), capsys)[0] == 0
    before = weights.read_bytes()
    refused(*run(train_args(digits, "--seed", 3, "--save", weights, "--history", history),
                 capsys),
            f"{weights}: already exists: it holds trained weights", "pass --force")
    assert weights.read_bytes() == before and not history.exists()
    code, out, err = run(train_args(digits, "--seed", 3, "--save", weights, "--force"), capsys)
    assert code == 0 and f"weights written to {weights}" in out, err
    assert weights.read_bytes() != before


# ------------------------------------------------------------------ data checked first
@pytest.mark.parametrize("test_limit, held_out", [(1, "on 1 held-out image after"),
                                                   (2, "on 2 held-out images after")])
def test_the_held_out_images_are_counted_in_words(digits, test_limit, held_out, capsys):
    code, out, err = run(train_args(digits, "--test-limit", test_limit), capsys)
    assert code == 0 and held_out in out, out + err


def test_an_empty_test_split_is_refused_before_training(tmp_path, capsys):
    empty = eight_by_eight(tmp_path / "no-test.npz", n_test=0)
    weights, summary = tmp_path / "w.npz", tmp_path / "s.html"
    refused(*run(train_args(empty, "--save", weights, "--html", summary), capsys),
            f"{empty}: no test images")
    assert not weights.exists() and not summary.exists()


def test_an_empty_training_split_is_refused_before_training(tmp_path, capsys):
    empty = eight_by_eight(tmp_path / "no-train.npz", n_train=0)
    code, out, err = run(train_args(empty), capsys)
    refused(code, out, err, f"{empty}: no training images")
    assert "training and" not in out  # not even the header of a training run


def test_a_flat_input_names_the_image_shape_training_needs(tmp_path, capsys):
    spec = tmp_path / "flat.toml"
    spec.write_text('input = [1, 2]\ntarget = 1\n[[layers]]\ntype = "sigmoid"\n')
    refused(*run(["train", spec, "--epochs", "1", "-q"], capsys),
            f"{spec}: input: the network takes inputs of shape (2,)",
            "one-channel images of shape (1, H, W)")


def test_pixels_that_are_not_numbers_in_train_and_trace(tmp_path, capsys):
    odd = tmp_path / "odd.npz"
    np.savez(odd, x_train=np.full((4, 8, 8), "a"), y_train=np.arange(4),
             x_test=np.zeros((2, 8, 8)), y_test=np.arange(2))
    refused(*run(train_args(odd), capsys), f"{odd}[x_train]: expected numeric pixel values")
    weights = tmp_path / "w.npz"
    assert run(train_args(eight_by_eight(tmp_path / "ok.npz"), "--save", weights),
               capsys)[0] == 0
    refused(*run(["trace", "--weights", weights, "--data", odd], capsys),
            f"{odd}[x_train]: expected numeric pixel values")


# ----------------------------------------------------------- a damaged weights __meta__
@pytest.fixture
def weights(digits, tmp_path, capsys):
    path = tmp_path / "w.npz"
    assert run(train_args(digits, "--save", path), capsys)[0] == 0
    return path


def rewrite_meta(weights, change):
    with np.load(weights) as saved:
        arrays = {key: saved[key] for key in saved.files}
    meta = change(json.loads(str(arrays["__meta__"])))
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(weights, **arrays)


def spec_change(**changes):
    return lambda meta: {**meta, "spec": {**meta["spec"], **changes}}


@pytest.mark.parametrize("change, message", [
    (lambda meta: [1, 2], "not a weights file written by cnntrace train --save"),
    (lambda meta: {k: v for k, v in meta.items() if k != "spec"},
     "__meta__ spec: expected the saved network"),
    (lambda meta: {**meta, "spec": {"title": "no layers"}},
     "__meta__ spec: expected the saved network"),
    (spec_change(layers=[1, 2]), "__meta__ spec: expected the saved network"),
    (spec_change(layers=[{"name": "a"}]), "layers[0].type: missing"),
    (spec_change(learning_rate="abc"), "__meta__ spec.learning_rate: expected a number"),
], ids=["a-list", "no-spec", "no-layers", "layers-not-tables", "no-layer-type", "text-rate"])
def test_a_damaged_meta_entry_is_one_line(weights, capsys, change, message):
    rewrite_meta(weights, change)
    code, _, err = run(["trace", "--weights", weights, "--sample", "3"], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"cnntrace: error: {weights}: ") and message in err, err
