"""What `cnntrace train` writes and prints: the same seed gives byte-identical files
(timings stay on the terminal), a diverging run saves no weights, writes standard JSON
and exits with 1, every output is announced, and errors come before the header line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tracer.cli import main
from tracer.train import figure


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def images(path, side=8, n_train=32, n_test=8):
    rng = np.random.default_rng(1)
    np.savez(path, x_train=rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
             y_train=np.arange(n_train) % 10,
             x_test=rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
             y_test=np.arange(n_test) % 10)
    return path


OUTPUTS = ["--save", "w.npz", "--history", "h.json", "--html", "s.html"]


def test_the_same_seed_gives_byte_identical_files(tmp_path, monkeypatch, capsys):
    data = images(tmp_path / "eight.npz")
    files = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        code, out, err = run(["train", "--preset", "digits-cnn", "--data", data, "--epochs",
                              "2", "--batch", "8", "--seed", "1", *OUTPUTS, "-q"], capsys)
        assert code == 0, err
        assert " s)" in out  # the timings are on the terminal
        files.append({name: (tmp_path / folder / name).read_bytes()
                      for name in OUTPUTS[1::2]})
    for name in OUTPUTS[1::2]:
        assert files[0][name] == files[1][name], name
    assert b"seconds" not in files[0]["h.json"]


@pytest.mark.parametrize("rate, why", [
    ("1e300", "the loss became nan"),  # NaN
    ("1000", "the mean training loss of epoch 1, "),  # finite, but 1e5 times the start's
])
def test_a_diverging_run_is_refused_with_save(rate, why, tmp_path, capsys):
    data = images(tmp_path / "eight.npz")
    weights, history = tmp_path / "div_w.npz", tmp_path / "div.json"
    code, out, err = run(["train", "--preset", "digits-cnn", "--data", data, "--lr", rate,
                          "--epochs", "3", "--save", weights, "--history", history, "-q"],
                         capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert f"--save {weights}: not written" in err and f"training diverged: {why}" in err
    assert f"learning rate {float(rate):g} is probably too large" in err
    assert not weights.exists() and not history.exists() and "held-out" not in out


def test_a_diverging_run_warns_and_writes_standard_json(tmp_path, capsys):
    data = images(tmp_path / "eight.npz")
    history, summary = tmp_path / "nan.json", tmp_path / "nan.html"
    code, out, err = run(["train", "--preset", "digits-cnn", "--data", data, "--lr", "1e300",
                          "--epochs", "3", "--history", history, "--html", summary, "-q"],
                         capsys)
    assert code == 1, err  # the outputs describe a failed training
    assert err.startswith("cnntrace: warning: training diverged: the loss became nan in "
                          "epoch 1") and "probably too large" in err and err.count("\n") == 1
    assert f"history written to {history}" in out and f"summary written to {summary}" in out
    text = history.read_text()
    assert "NaN" in text
    records = json.loads(text, parse_constant=lambda name: 1 / 0)["history"]  # no bare NaN
    assert [r["epoch"] for r in records] == [1]  # stopped where it diverged


def test_a_run_whose_loss_runs_away_warns_without_save(tmp_path, capsys):
    """lr 1000: every number stays finite but the loss is 1e5 times the start's."""
    data = images(tmp_path / "eight.npz")
    history = tmp_path / "div.json"
    code, out, err = run(["train", "--preset", "digits-cnn", "--data", data, "--lr", "1000",
                          "--epochs", "3", "--history", history, "-q"], capsys)
    assert code == 1 and err.startswith("cnntrace: warning: training diverged: the mean "
                                        "training loss of epoch 1") and err.count("\n") == 1
    assert [r["epoch"] for r in json.loads(history.read_text())["history"]] == [1]
    loss = json.loads(history.read_text())["history"][0]["loss"]
    assert f"train loss {figure(loss, 4)}," in out  # as the summary prints it
    assert figure(116298199168621.7031, 4) == "1.163e14" and figure(0.12345, 4) == "0.1235"


def test_every_output_written_is_announced(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    images(tmp_path / "eight.npz")
    code, out, err = run(["train", "--preset", "digits-cnn", "--data", "eight.npz",
                          "--epochs", "1", *OUTPUTS, "-q"], capsys)
    assert code == 0, err
    assert out.splitlines()[-3:] == ["weights written to w.npz", "history written to h.json",
                                     "summary written to s.html"]


def test_images_of_another_size_are_refused_before_the_header(tmp_path, capsys):
    data = images(tmp_path / "eight.npz")
    code, out, err = run(["train", "--preset", "lecture-cnn", "--data", data, "-q"], capsys)
    assert code == 2 and "expects inputs of shape (1, 28, 28)" in err
    assert out == ""


def test_the_data_suggested_fits_the_network(capsys):
    code, out, err = run(["train", "--example", "lecture", "-q"], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert "the network takes 4x4 images and tells 2 classes apart" in err
    assert "4x4 images and labels 0..1" in err and "MNIST IDX" not in err
    code, out, err = run(["train", "--preset", "lecture-cnn", "-q"], capsys)
    assert code == 2 and "MNIST IDX files" in err  # a 28x28 network: MNIST fits


def test_an_output_no_file_can_be_made_for_is_refused_before_training(tmp_path, monkeypatch,
                                                                      capsys):
    """--html into /proc passed the up-front check and failed after training, when
    --save and --history were already written."""
    monkeypatch.chdir(tmp_path)
    images(tmp_path / "eight.npz")
    code, out, err = run(["train", "--preset", "digits-cnn", "--data", "eight.npz",
                          "--epochs", "1", "--save", "w.npz", "--history", "h.json",
                          "--html", "/proc/s.html", "-q"], capsys)
    assert code == 2 and err == "cnntrace: error: /proc/s.html: cannot write: No such file or " \
                                "directory\n"
    assert out == "" and sorted(p.name for p in tmp_path.iterdir()) == ["eight.npz"]


def test_a_diverging_run_is_warned_of_in_korean(tmp_path, capsys):
    data = images(tmp_path / "eight.npz")
    code, out, err = run(["train", "--preset", "digits-cnn", "--data", data, "--lr", "1000",
                          "--epochs", "3", "--lang", "ko", "-q"], capsys)
    assert code == 1 and err.startswith("cnntrace: 경고: 학습이 발산했습니다: 1에포크의 평균 "
                                        "학습 손실 ") and err.count("\n") == 1, err
    assert "학습 전 신경망의 손실" in err and "학습률 1000이 너무 큰 것 같습니다" in err
