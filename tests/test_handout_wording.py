"""Sentences a reader sees: English counts in the singular for one (Korean has no plural)."""

from __future__ import annotations

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
    assert "출력 2 개는 각각 입력 1 개의 가중합에 편향을 더한 값입니다." in \
        dense_handout(1, 2, "ko").replace('<span class="w">', "").replace("</span>", "")


def test_training_reports_the_accuracy_after_one_epoch(tmp_path, capsys):
    rng = np.random.default_rng(0)
    images = (rng.random((30, 8, 8)) * 255).astype(np.uint8)
    labels = rng.integers(0, 3, 30)
    data = tmp_path / "tiny.npz"
    np.savez(data, x_train=images[:20], y_train=labels[:20], x_test=images[20:],
             y_test=labels[20:])
    for epochs, words in (("1", "after 1 epoch ("), ("2", "after 2 epochs (")):
        assert main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs",
                     epochs, "--batch", "10", "-q"]) == 0
        out = capsys.readouterr().out
        assert words in out.splitlines()[-1], out
