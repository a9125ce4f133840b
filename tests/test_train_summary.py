"""The training summary (`cnntrace train --html`): inline SVG charts with one point per
epoch and finite coordinates, the epochs and settings tables, escaping, English and
Korean, deterministic output."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from tracer.cli import main
from tracer.render.training import line_chart, nice_step, render_summary, y_axis

POLYLINE = re.compile(r'<polyline class="line" points="([^"]*)"')
POINT = re.compile(r'<circle class="point" cx="([^"]*)" cy="([^"]*)"')
VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')


def coordinates(points: str) -> list[tuple[float, float]]:
    return [tuple(float(v) for v in pair.split(",")) for pair in points.split()]


def charts(html: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", html, re.S)


def assert_finite_inside(svg: str, count: int):
    width, height = (int(v) for v in VIEWBOX.search(svg).groups())
    lines = POLYLINE.findall(svg)
    assert len(lines) == 1, lines
    pairs = coordinates(lines[0])
    assert len(pairs) == count, pairs  # one vertex per epoch
    assert len(POINT.findall(svg)) == count  # one marker per epoch
    for x, y in pairs + [tuple(map(float, p)) for p in POINT.findall(svg)]:
        assert math.isfinite(x) and math.isfinite(y) and 0 <= x <= width and 0 <= y <= height
    xs = [x for x, _ in pairs]
    assert xs == sorted(xs) and len(set(xs)) == count  # epochs left to right


def write_npz(path, n=48, seed=3):
    """Bars on 8x8 images: 32 training and 16 test images, three classes."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.random((n, 8, 8)) * 0.3
    for image, label in zip(x, y):
        if label == 0:
            image[4] += 0.7
        elif label == 1:
            image[:, 4] += 0.7
        else:
            image += np.eye(8) * 0.7
    np.savez(path, x_train=(x[:32] * 255).astype(np.uint8), y_train=y[:32],
             x_test=(x[32:] * 255).astype(np.uint8), y_test=y[32:])
    return path


def test_train_writes_a_summary_with_one_point_per_epoch(tmp_path, capsys):
    folder = tmp_path / 'odd <b>&"name'  # user text in the page: must be escaped
    folder.mkdir()
    data = write_npz(folder / "bars.npz")
    summary = tmp_path / "summary.html"
    code = main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "4",
                 "--batch", "8", "--save", str(tmp_path / "w.npz"), "--html", str(summary),
                 "-q"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"summary written to {summary}" in out
    html = summary.read_text(encoding="utf-8")
    loss, accuracy = charts(html)
    assert 'class="chart loss"' in loss and 'class="chart accuracy"' in accuracy
    assert_finite_inside(loss, 4)
    assert_finite_inside(accuracy, 4)
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    # the table: one row per epoch, the settings, the final accuracy as printed
    body = html.split('<table class="epochs">')[1]
    assert body.count("<tr><td>") == 4
    final = re.search(r"test accuracy (\d+\.\d\d) %", out).group(1)
    assert f"Test accuracy after epoch 4: {final} % on 16 held-out images." in html
    for setting in ("digits-cnn", "<td>8</td>", "<td>0.1</td>", "32 for training, 16 held"):
        assert setting in html, setting
    # escaping: the folder name shows as text, never as markup
    assert "odd &lt;b&gt;&amp;&#34;name" in html and "<b>&" not in html
    assert 'odd <b>' not in html


def test_summary_in_korean(tmp_path, capsys):
    data = write_npz(tmp_path / "bars.npz")
    summary = tmp_path / "summary-ko.html"
    assert main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "2",
                 "--html", str(summary), "--lang", "ko", "-q"]) == 0
    html = summary.read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "학습 요약" in html
    assert '<span class="w">에포크</span>' in html  # Korean words kept whole in the text
    for svg in charts(html):
        assert "<span" not in svg  # ... but no HTML inside the SVG
        assert_finite_inside(svg, 2)
    # an existing summary cnntrace did not write is not replaced
    other = tmp_path / "mine.html"
    other.write_text("my notes")
    assert main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "1",
                 "--html", str(other), "-q"]) == 2
    assert "already exists" in capsys.readouterr().err and other.read_text() == "my notes"


HISTORY = [{"epoch": 1, "loss": 2.3, "accuracy": 0.1, "seconds": 0.5},
           {"epoch": 2, "loss": 1.1, "accuracy": 0.62, "seconds": 0.25},
           {"epoch": 3, "loss": 0.4, "accuracy": 0.9125, "seconds": 0.25}]
SETTINGS = {"network": "<script>alert(1)</script> net", "preset": None, "source": "a<b.toml",
            "epochs": 3, "batch": 4, "lr": "0.05", "seed": 1, "data": "x.npz", "train": 10,
            "test": 5, "weights": None}


def test_render_summary_is_deterministic_and_escapes_every_text():
    html = render_summary(HISTORY, SETTINGS)
    assert html == render_summary(HISTORY, SETTINGS)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; net" in html
    assert "a&lt;b.toml" in html
    assert "91.25 %" in html and "0.4000" in html
    for svg in charts(html):
        assert_finite_inside(svg, 3)
    # the handouts' fonts travel with the page (a fallback serif drew digits-cnn's hyphen
    # as a minus), as data: URLs: the page reads nothing beside it
    faces = re.findall(r"@font-face \{ font-family: \"([^\"]+)\".*?src: url\((\w+):", html)
    assert {family for family, _ in faces} >= {"LM Roman", "LM Math"}
    assert {scheme for _, scheme in faces} == {"data"}


def test_non_finite_losses_leave_a_gap_not_a_bad_coordinate():
    chart = line_chart([2.0, float("nan"), 1.0, float("inf"), 0.5], zero=True)
    assert chart.gaps == [2, 4] and len(chart.lines) == 3 and len(chart.points) == 3
    for line in chart.lines:
        for x, y in coordinates(line):
            assert math.isfinite(x) and math.isfinite(y)
    html = render_summary([{"epoch": 1, "loss": float("nan"), "accuracy": float("nan"),
                            "seconds": 0.1}], SETTINGS)
    assert "nan" in html and 'cx="nan' not in html and "NaN" not in html.split("<body>")[0]


def test_axes_hold_the_data_on_whole_steps():
    assert nice_step(1.0) == 0.2 and nice_step(40) == 10 and nice_step(0.9) == 0.2
    low, high, step = y_axis([91.3, 98.9], floor=0, ceiling=100)
    assert low <= 91.3 and high >= 98.9 and high <= 100 and step in (1, 2, 2.5)
    assert y_axis([100.0, 100.0], floor=0, ceiling=100)[1] == 100
    chart = line_chart([0.5], zero=True)  # one epoch: one point in the middle
    assert len(chart.points) == 1 and float(chart.points[0]["x"]) == (chart.left + chart.right) / 2
    labels = [label for _, label in line_chart([2.3, 1.1, 0.4], zero=True).yticks]
    assert labels[0] == "0.0" and float(labels[-1]) >= 2.3
    ys = [float(y) for y, _ in line_chart([2.3, 1.1, 0.4], zero=True).yticks]
    assert ys == sorted(ys, reverse=True)  # larger values higher up


@pytest.mark.parametrize("epochs", [1, 13, 40])
def test_epoch_ticks_stay_readable(epochs):
    chart = line_chart(list(np.linspace(1, 0.1, epochs)), zero=True)
    assert 1 <= len(chart.xticks) <= 13 and chart.xticks[0][1] == "1"
    assert len(chart.points) == epochs


TICK = re.compile(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end"[^>]*>([^<]*)</text>')


def assert_tick_labels_fit(svg: str):
    """Every y tick label starts right of the rotated axis title (x 6..18) at 11 px, where
    a digit is 5.5 px wide, and reads as a number."""
    ticks = TICK.findall(svg)
    assert ticks, svg
    for x, label in ticks:
        assert float(x) - 5.5 * len(label) >= 18, (x, label)
        assert math.isfinite(float(label))


def train_summary(tmp_path, capsys, rate, lang="en"):
    data = write_npz(tmp_path / "bars.npz")
    summary = tmp_path / f"diverged-{lang}.html"
    code = main(["train", "--preset", "digits-cnn", "--data", str(data), "--epochs", "3",
                 "--batch", "8", "--lr", rate, "--html", str(summary), "--lang", lang, "-q"])
    capsys.readouterr()
    assert code == 1  # diverged: the summary is written, the run failed
    return summary.read_text(encoding="utf-8")


def test_a_diverged_run_summary_says_where_it_stopped(tmp_path, capsys):
    html = train_summary(tmp_path, capsys, "1e8")
    assert ("Training diverged in epoch 1 and stopped there, after 1 of the 3 epochs asked "
            "for: the mean training loss of epoch 1, ") in html
    assert "The learning rate 1e8 is probably too large." in html
    assert "<tr><th>Epochs</th><td>1 of the 3 asked for (training diverged)</td></tr>" in html
    assert "<tr><th>Learning rate</th><td>1e8</td></tr>" in html and "1E+8" not in html
    loss, accuracy = charts(html)
    assert_tick_labels_fit(loss)
    assert_tick_labels_fit(accuracy)
    assert re.search(r"<tr><td>1</td><td>[\d.]+e\d+</td>", html)  # 3.5e30, not 31 digits


def test_a_summary_of_nan_says_there_is_no_accuracy(tmp_path, capsys):
    html = train_summary(tmp_path, capsys, "1e300")
    assert "Training diverged in epoch 1 and stopped there" in html
    assert "No test accuracy after epoch 1: the weights are NaN or infinite." in html
    assert ": nan on" not in html
    for svg in charts(html):
        assert "no finite value to plot" in svg
    assert html.count("Epoch 1 is not plotted: its value is not a finite number") == 2
    korean = re.sub(r"<[^>]*>", "", train_summary(tmp_path, capsys, "1e300", lang="ko"))
    assert "학습률 1e300이" in korean and "원인: 1에포크 " in korean
    assert "그릴 유한한 값이 없습니다" in korean


def test_large_ticks_are_compact_and_exact():
    chart = line_chart([1.16e14], zero=True)
    labels = [label for _, label in chart.yticks]
    assert labels == ["0", "2.5e13", "5e13", "7.5e13", "1e14", "1.25e14"]
    assert line_chart([1e-5, 3e-5], zero=True).yticks[-1][1] == "3e-5"
    assert [label for _, label in line_chart([2.3, 1.1, 0.4], zero=True).yticks][:2] == \
        ["0.0", "0.5"]  # short decimals stay as they were
