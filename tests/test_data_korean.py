"""The errors of loading data and trained weights are catalog sentences: English word for
word as before (str(err) and `--lang en`), Korean under `--lang ko`."""

from __future__ import annotations

import numpy as np
import pytest

from tracer.cli import main
from tracer.data import DataError, load_data
from tracer.render.assets import messages
from tracer.weights import load_weights


def error_line(argv, capsys) -> str:
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    return err.rstrip("\n")


@pytest.fixture
def eight(tmp_path):
    """An .npz of 8x8 digits: 4 training images, 2 test images."""
    path = tmp_path / "eight.npz"
    np.savez(path, x_train=np.zeros((4, 8, 8), np.uint8), y_train=np.arange(4),
             x_test=np.zeros((2, 8, 8), np.uint8), y_test=np.arange(2))
    return path


def test_missing_data_is_said_in_korean(tmp_path, capsys):
    missing = tmp_path / "nonexist"
    argv = ["train", "--preset", "lecture-cnn", "--data", missing, "-q"]
    assert error_line(argv, capsys) == (
        f"cnntrace: error: {missing}: no such file or folder; expected 'digits', a folder "
        "with the MNIST IDX files, or an MNIST .npz file")
    assert error_line(argv + ["--lang", "ko"], capsys) == (
        f"cnntrace: 오류: {missing}: 그런 파일이나 폴더가 없습니다. 'digits', MNIST IDX 파일이 "
        "든 폴더, MNIST .npz 파일 중 하나를 주세요")


def test_missing_weights_are_said_in_korean(tmp_path, capsys):
    missing = tmp_path / "nothere.npz"
    argv = ["render", "--weights", missing, "--sample", 0, "--out", tmp_path / "r"]
    assert error_line(argv, capsys) == f"cnntrace: error: {missing}: no such file"
    korean = error_line(argv + ["--lang", "ko"], capsys)
    assert korean == f"cnntrace: 오류: {missing}: 파일이 없습니다"


def test_a_sample_out_of_range_is_said_in_korean(eight, tmp_path, capsys):
    weights = tmp_path / "w.npz"
    assert main(["train", "--preset", "digits-cnn", "--data", str(eight), "--epochs", "1",
                 "--save", str(weights), "-q"]) == 0
    capsys.readouterr()
    argv = ["render", "--weights", weights, "--sample", 999, "--out", tmp_path / "r"]
    assert error_line(argv, capsys) == (f"cnntrace: error: {eight}: --sample 999 is out of "
                                        "range; the test split has 2 images (0..1)")
    assert error_line(argv + ["--lang", "ko"], capsys) == (
        f"cnntrace: 오류: {eight}: --sample 999가 범위를 벗어납니다. 테스트 이미지는 "
        "2개(0..1)입니다")


def test_a_file_error_keeps_its_english_and_has_korean(tmp_path):
    """str(err) is the English as it always was; err.text('ko') the Korean sentence."""
    bad = tmp_path / "bad.npz"
    bad.write_text("not an archive")
    with pytest.raises(DataError) as err:
        load_weights(bad)
    assert str(err.value) == (f"{bad}: not a weights file written by cnntrace train --save "
                              "(not an .npz archive)")
    assert err.value.text("ko") == (f"{bad}: cnntrace train --save가 쓴 가중치 파일이 "
                                    "아닙니다(.npz 압축 파일이 아님)")
    with pytest.raises(DataError) as err:
        load_data(str(bad))
    assert "MNIST .npz가 아닙니다" in err.value.text("ko")


def test_every_data_weights_and_training_error_has_its_own_korean():
    english, korean = messages("en"), messages("ko")
    keys = [key for key in english if key.startswith(("error.data.", "error.weights.",
                                                        "error.train."))]
    assert len(keys) > 40
    for key in keys:
        if key != "error.data.default_data":  # '{source} (the default --data)'
            assert korean[key] != english[key], key
