"""Trained weights put into a network: refused, naming the weights file, the parameter and
both shapes (or the setting), when they belong to another network, before any data is
read; the data they were trained on found from any folder."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tracer.cli import main
from tracer.data import DataError, load_data
from tracer.presets import preset
from tracer.weights import spec_with_weights

OTHER = "weights of another network"


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, *needles):
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("cnntrace: error: "), err
    for needle in needles:
        assert needle in err, (needle, err)


def images(path, side, n_train=24, n_test=6, seed=0):
    rng = np.random.default_rng(seed)
    np.savez(path, x_train=rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
             y_train=np.arange(n_train) % 10,
             x_test=rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
             y_test=np.arange(n_test) % 10)
    return path


def trained(folder, name, preset_name, data, capsys):
    path = folder / name
    code, _, err = run(["train", "--preset", preset_name, "--data", data, "--epochs", "1",
                        "--batch", "8", "--save", path, "-q"], capsys)
    assert code == 0, err
    return path


@pytest.fixture(scope="module")
def nets(tmp_path_factory):
    """digits-cnn weights trained on 8x8 images, lecture-cnn weights on 28x28 ones."""
    folder = tmp_path_factory.mktemp("nets")
    eight, big = images(folder / "eight.npz", 8), images(folder / "big.npz", 28)
    for argv in (["--preset", "digits-cnn", "--data", eight, "--save", folder / "d.npz"],
                 ["--preset", "lecture-cnn", "--data", big, "--save", folder / "lec.npz"]):
        assert main(["train", *map(str, argv), "--epochs", "1", "-q"]) == 0
    return folder


def test_a_spec_with_other_filters_is_not_overridden_by_the_weights(nets, tmp_path, capsys):
    """The spec says 8 filters: the 16 saved ones are refused, not traced silently."""
    other = tmp_path / "other.toml"
    layers = ['type = "conv2d"\nfilters = 8\nsize = 3\npadding = 1', 'type = "relu"',
              'type = "maxpool2d"\nsize = 2', 'type = "flatten"', 'type = "dense"\nunits = 10',
              'type = "softmax"']
    other.write_text(f"input = {[[0] * 8] * 8}\ntarget = 0\n"
                     + "".join(f"[[layers]]\n{layer}\n" for layer in layers))
    weights = nets / "d.npz"
    one_line_error(*run(["trace", other, "--weights", weights, "--sample", 0], capsys)[::2],
                   f"{weights}: conv1.weight is (16, 1, 3, 3) but the network needs "
                   f"(8, 1, 3, 3): {OTHER}")


@pytest.mark.parametrize("data", [None, "eight.npz"])
def test_weights_of_the_lecture_network_in_the_digits_network(nets, capsys, data):
    """Named as the weights' fault, before the data (its size or a dense layer's rows)."""
    weights = nets / "lec.npz"
    argv = ["trace", "--preset", "digits-cnn", "--weights", weights, "--sample", 0]
    if data:
        argv += ["--data", nets / data]
    one_line_error(*run(argv, capsys)[::2],
                   f"{weights}: conv1.weight is (8, 1, 3, 3) but the network needs "
                   f"(16, 1, 3, 3): {OTHER}")


def test_the_weights_are_checked_before_the_data_is_read(nets):
    with pytest.raises(DataError, match=f"conv1.weight is .* needs .*: {OTHER}"):
        spec_with_weights(preset("digits-cnn"), nets / "lec.npz", 0, data="no-such-data")


def test_another_flatten_order_is_refused(nets):
    """digits-cnn flattens C,H,W: its dense weights read in H,W,C order predict wrongly."""
    eight = load_data(str(nets / "eight.npz"))
    with pytest.raises(DataError, match="flatten1's flatten order chw, but the network has "
                                        "flatten order hwc"):
        spec_with_weights(preset("digits-cnn", flatten_order="hwc"), nets / "d.npz", 3,
                          data=eight)
    spec = preset("digits-cnn")  # the order as a convention, not a layer option
    spec["layers"] = [{k: v for k, v in raw.items() if k != "order"} for raw in spec["layers"]]
    spec["conventions"] = {"flatten_order": "hwc"}
    with pytest.raises(DataError, match=r"d\.npz: the weights were trained with flatten1's "
                                        "flatten order chw"):
        spec_with_weights(spec, nets / "d.npz", 3, data=eight)
    # conventions of the backward pass only are the spec's choice
    spec["conventions"] = {"pool_ties": "all", "relu_grad_at_zero": 1}
    assert spec_with_weights(spec, nets / "d.npz", 3, data=eight)["target"] == 3


def test_other_layers_are_refused(nets):
    spec = preset("digits-cnn")
    spec["layers"][1] = {"type": "sigmoid"}
    with pytest.raises(DataError, match="trained in a network of the layers conv2d, relu, "
                                        "maxpool2d"):
        spec_with_weights(spec, nets / "d.npz", 0, data=load_data(str(nets / "eight.npz")))


# --------------------------------------------------------- the data the weights name
def test_the_training_data_is_found_from_another_folder(tmp_path, monkeypatch, capsys):
    """`train --data big.npz --save lec.npz`, then `cd sub && trace --weights ../lec.npz`."""
    monkeypatch.chdir(tmp_path)
    images(tmp_path / "big.npz", 8)
    assert main(["train", "--preset", "digits-cnn", "--data", "big.npz", "--epochs", "1",
                 "--save", "out.npz", "-q"]) == 0
    (tmp_path / "sub").mkdir()
    (tmp_path / "keep").mkdir()
    assert main(["train", "--preset", "digits-cnn", "--data", "big.npz", "--epochs", "1",
                 "--save", "keep/w.npz", "-q"]) == 0
    monkeypatch.chdir(tmp_path / "sub")
    expected = load_data(str(tmp_path / "big.npz")).x_test[2]
    for weights in ("../out.npz", "../keep/w.npz"):  # beside the data, or in another folder
        code, _, err = run(["trace", "--weights", weights, "--sample", 2, "--json", "t.json",
                            "--force", "-q"], capsys)
        assert code == 0, err
        traced = json.loads(open("t.json", encoding="utf-8").read())["quantities"]
        np.testing.assert_array_equal(traced["input.out"], expected)


def test_missing_training_data_names_the_weights_and_suggests_data(tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.chdir(tmp_path)
    images(tmp_path / "big.npz", 8)
    trained(tmp_path, "w.npz", "digits-cnn", "big.npz", capsys)
    shutil.move(tmp_path / "big.npz", tmp_path / "moved.npz")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    one_line_error(*run(["trace", "--weights", "../w.npz", "--sample", 0], capsys)[::2],
                   "../w.npz: the weights were trained on the data big.npz, which is not "
                   "there", "give --data")
    code, _, err = run(["trace", "--weights", "../w.npz", "--sample", 0, "--data",
                        "../moved.npz", "-q"], capsys)
    assert code == 0, err


def test_an_empty_test_split_is_named_as_empty(nets, tmp_path, capsys):
    empty = images(tmp_path / "none.npz", 8, n_test=0)
    one_line_error(*run(["trace", "--weights", nets / "d.npz", "--sample", 0, "--data",
                         empty], capsys)[::2],
                   f"{empty}: the test split is empty, so there is no --sample 0")
