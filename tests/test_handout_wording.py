"""Sentences a reader sees: English counts in the singular for one (Korean has no plural)."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np

from tracer import from_dict, run_pass
from tracer.cli import main
from tracer.report import render


def dense_handout(inputs: int, units: int, lang: str = "en") -> str:
    data = {"input": [1.0] * inputs, "target": 0,
            "layers": [{"type": "dense", "weight": [[0.5] * units] * inputs},
                       {"type": "softmax" if units > 1 else "sigmoid"}]}
    return render(run_pass(from_dict(data)), ("html",), lang=lang)["html"]


def test_a_dense_layer_counts_its_inputs_and_outputs():
    assert "Each of the 2 outputs is a weighted sum of the one input plus a bias." in \
        dense_handout(1, 2)
    assert "Each of the 3 outputs is a weighted sum of the 2 inputs plus a bias." in \
        dense_handout(2, 3)
    assert "The output is a weighted sum of the 2 inputs plus a bias." in dense_handout(2, 1)
    assert "출력 2개는 각각 입력 1개의 가중합에 편향을 더한 값입니다." in \
        dense_handout(1, 2, "ko").replace('<span class="w">', "").replace("</span>", "")
    assert "출력은 입력 2개의 가중합에 편향을 더한 값입니다." in \
        dense_handout(2, 1, "ko").replace('<span class="w">', "").replace("</span>", "")


def test_training_reports_the_accuracy_after_one_epoch(tmp_path, capsys):
    rng = np.random.default_rng(0)
    images = (rng.random((30, 8, 8)) * 255).astype(np.uint8)
    labels = rng.integers(0, 3, 30)
    data = tmp_path / "tiny.npz"
    np.savez(data, x_train=images[:20], y_train=labels[:20], x_test=images[20:],
             y_test=labels[20:])
    for epochs, plural in (("1", ""), ("2", "s")):
        assert main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs",
                     epochs, "--batch", "10", "-q"]) == 0
        out = capsys.readouterr().out
        assert f"{epochs} epoch{plural} of batch 10" in out.splitlines()[0], out
        assert f"after {epochs} epoch{plural} (" in out.splitlines()[-1], out


def test_training_draws_no_progress_bar_into_a_log(tmp_path):
    """Where stderr is a file, not a terminal, tqdm's carriage returns stay out of it."""
    data = tmp_path / "tiny.npz"
    rng = np.random.default_rng(0)
    np.savez(data, x_train=(rng.random((20, 8, 8)) * 255).astype(np.uint8),
             y_train=rng.integers(0, 3, 20), x_test=(rng.random((5, 8, 8)) * 255).astype(
                 np.uint8), y_test=rng.integers(0, 3, 5))
    with open(tmp_path / "err.log", "w") as log:
        result = subprocess.run([sys.executable, "-m", "tracer", "train", "--preset",
                                 "digits-cnn", "--data", str(data), "--epochs", "2"],
                                stdout=subprocess.PIPE, stderr=log, text=True, timeout=120)
    assert result.returncode == 0
    assert b"\r" not in (tmp_path / "err.log").read_bytes()  # read_text turns \r into \n


def test_the_conventions_box_gives_a_flatten_layers_own_order():
    data = {"input": [[1, 2], [3, 4]], "target": 0, "layers": [
        {"type": "conv2d", "weight": [[[[1]]], [[[2]]]], "bias": [0, 0]},
        {"type": "flatten", "order": "hwc"}, {"type": "dense", "units": 2},
        {"type": "softmax"}]}
    text = re.sub(r"<[^>]+>", " ", render(run_pass(from_dict(data)), ("html",))["html"])
    assert "Flatten order  row, column, channel (H, W, C)" in " ".join(text.split("\n"))


def test_a_second_convolution_says_whose_output_its_x_is_and_a_pool_names_its_input():
    """Conv2's window read 'X_{8·1+h,...} of the input', X being the image everywhere else;
    a pool window's maximum sat 'at row 1, column 0 of the input' (which input?)."""
    import html

    def plain(page: str) -> str:  # the words a reader sees
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))
    data = {"input": [[1, 2, 0, 1], [3, 1, 1, 5], [0, 2, 2, 0], [1, 0, 3, 1]], "target": 0,
            "layers": [{"type": "conv2d", "weight": [[1, 0], [0, 1]], "bias": 0},
                       {"type": "relu"}, {"type": "maxpool2d", "size": 1},
                       {"type": "conv2d", "weight": [[1, -1], [0, 1]], "bias": 0},
                       {"type": "flatten"}, {"type": "dense", "weight": [[1, 0]] * 4},
                       {"type": "softmax"}]}
    trace = run_pass(from_dict(data))
    words = plain(render(trace, ("html",))["html"])
    assert words.count("Here X is this layer's input, pool1.out: the P above.") == 1
    pool = re.findall(r"maximum sits at row \d+, column \d+ of the input[^.]*\.", words)
    assert pool and set(s.rsplit(" ", 1)[1] for s in pool) == {"A."}, pool
    korean = plain(render(trace, ("html",), lang="ko")["html"])
    assert "여기서 X는 이 층의 입력, 곧 앞의 pool1.out인 P입니다." in korean
