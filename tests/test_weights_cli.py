"""Presets and trained weights in every command that runs a pass: `trace|render|check|sheet
--preset NAME` and `--weights FILE.npz --sample K [--data PATH]`, with one-line errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tracer.cli import main


def run(argv, capsys):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit:  # argparse usage errors
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, *needles):
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("cnntrace"), err
    for needle in needles:
        assert needle in err, (needle, err)


# ------------------------------------------------------------------------ presets
def test_trace_with_a_preset(tmp_path, capsys):
    code, out, err = run(["trace", "--preset", "lecture-cnn", "--json", tmp_path / "t.json",
                          "--seed", "2", "-q"], capsys)
    assert code == 0, err
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["title"].startswith("lecture-cnn")
    assert np.shape(data["quantities"]["input.out"]) == (1, 28, 28)
    assert np.shape(data["quantities"]["conv2.weight"]) == (16, 8, 3, 3)
    # --seed reaches the preset: another seed draws other weights
    run(["trace", "--preset", "lecture-cnn", "--json", tmp_path / "t0.json", "-q"], capsys)
    other = json.loads((tmp_path / "t0.json").read_text())["quantities"]
    assert other["conv1.weight"] != data["quantities"]["conv1.weight"]


def test_render_with_a_preset(tmp_path, capsys):
    code, out, err = run(["render", "--preset", "lecture-cnn", "--format", "html",
                          "--max-cells", "1", "--out", tmp_path], capsys)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trace.json", "worked.html"]
    html = (tmp_path / "worked.html").read_text()
    assert "lecture-cnn" in html and "conv2" in html


# ------------------------------------------------------------ trained weights round trip
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """digits-cnn trained for one epoch on 200 of scikit-learn's 8x8 digits, saved."""
    pytest.importorskip("sklearn")
    folder = tmp_path_factory.mktemp("weights")
    weights = folder / "digits.npz"
    assert main(["train", "--preset", "digits-cnn", "--epochs", "1", "--limit", "200",
                 "--test-limit", "50", "--save", str(weights), "-q"]) == 0
    return weights


def test_train_save_then_trace_a_real_digit(trained, tmp_path, capsys):
    from tracer.data import load_data
    code, out, err = run(["trace", "--weights", trained, "--sample", 7, "--json",
                          tmp_path / "t.json", "-q"], capsys)
    assert code == 0, err
    data = json.loads((tmp_path / "t.json").read_text())
    q = data["quantities"]
    digits = load_data("digits")  # the data the weights were trained on, from their meta
    np.testing.assert_array_equal(q["input.out"], digits.x_test[7])
    label = int(digits.y_test[7])
    assert q["target.out"] == [float(k == label) for k in range(10)]
    assert f"test image 7 (digit {label})" in data["title"]
    with np.load(trained) as saved:  # the trained weights, not the preset's seeded ones
        for key in ("conv1.weight", "conv1.bias", "dense1.weight", "dense1.bias"):
            np.testing.assert_array_equal(q[key], saved[key], err_msg=key)


def test_weights_in_render_check_and_sheet(trained, tmp_path, capsys):
    code, out, err = run(["render", "--weights", trained, "--sample", 3, "--format", "html",
                          "--max-cells", "1", "--out", tmp_path / "r"], capsys)
    assert code == 0, err
    quantities = json.loads((tmp_path / "r" / "trace.json").read_text())["quantities"]
    assert "test image 3 (digit" in (tmp_path / "r" / "worked.html").read_text()
    # check: with --weights the first positional is an answer file
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"dense1.out": quantities["dense1.out"]}))
    code, out, err = run(["check", "--weights", trained, "--sample", 3, answers,
                          "--rtol", "1e-12"], capsys)
    assert code == 0 and "= 100.00 %" in out, out + err
    code, out, err = run(["check", "--weights", trained, "--sample", 4, answers,
                          "--rtol", "1e-12"], capsys)
    assert code == 0 and "= 100.00 %" not in out  # another image, other logits
    code, out, err = run(["sheet", "--weights", trained, "--sample", 3, "--blank",
                          "dense1.out"], capsys)
    assert code == 0, err
    assert f"cnntrace check --weights {trained} --sample 3 answers.yaml" in out


def test_a_handout_names_its_weights_file_and_data(tmp_path, monkeypatch, capsys):
    """Which weights and which data a traced image comes from, by their file names, so
    the same handout comes out from any folder; seeded weights are said to be untrained."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "class"
    folder.mkdir()
    np.savez(folder / "eight.npz", x_train=rng.integers(0, 256, (8, 8, 8), dtype=np.uint8),
             y_train=np.arange(8), x_test=rng.integers(0, 256, (3, 8, 8), dtype=np.uint8),
             y_test=np.array([5, 6, 7]))
    monkeypatch.chdir(folder)
    assert run(["train", "--preset", "digits-cnn", "--data", "eight.npz", "--epochs", 1,
                "--save", "l.npz", "-q"], capsys)[0] == 0
    pages = []
    for weights, out in (("l.npz", "here"), (folder / "l.npz", tmp_path / "there")):
        code, _, err = run(["render", "--weights", weights, "--sample", 2, "--format", "html",
                            "--max-cells", "1", "--out", out], capsys)
        assert code == 0, err
        pages.append((folder / out / "worked.html").read_text(encoding="utf-8"))
        described = json.loads((folder / out / "trace.json").read_text())["description"]
        assert described == ("Weights: l.npz (trained with cnntrace train); the input is "
                             "test image 2 of the data eight.npz.")
    assert described in pages[0] and pages[0] == pages[1]
    code, _, err = run(["render", "--preset", "digits-cnn", "--sample", 2, "--data",
                        "eight.npz", "--format", "html", "--out", "seeded", "--lang", "ko"],
                       capsys)
    assert code == 0, err
    page = (folder / "seeded" / "worked.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]*>", "", page)
    assert "8x8 손글씨 숫자를 분류하는 작은 CNN입니다. 가중치: 학습하지 않은 신경망 자체의 " \
           "가중치. 입력은 데이터 eight.npz의 테스트 이미지 2입니다." in text


def test_a_preset_on_a_real_digit_without_weights(tmp_path, capsys):
    """--preset digits-cnn --sample K: the seeded weights, the image from the preset's
    own data (scikit-learn's digits)."""
    pytest.importorskip("sklearn")
    from tracer.presets import load_preset
    from tracer.network import build
    code, out, err = run(["trace", "--preset", "digits-cnn", "--sample", 5, "--json",
                          tmp_path / "t.json", "-q"], capsys)
    assert code == 0, err
    q = json.loads((tmp_path / "t.json").read_text())["quantities"]
    seeded = build(load_preset("digits-cnn"), "float")
    np.testing.assert_array_equal(q["conv1.weight"], seeded.layers[0].weight)
    assert np.shape(q["input.out"]) == (1, 8, 8) and q["input.out"] != seeded.inputs[0].tolist()


def test_data_from_an_npz_file(trained, tmp_path, capsys):
    rng = np.random.default_rng(0)
    mnist = tmp_path / "eight.npz"
    np.savez(mnist, x_train=rng.integers(0, 256, (4, 8, 8), dtype=np.uint8),
             y_train=np.arange(4), x_test=rng.integers(0, 256, (3, 8, 8), dtype=np.uint8),
             y_test=np.array([5, 6, 7]))
    code, out, err = run(["trace", "--weights", trained, "--sample", 2, "--data", mnist,
                          "--json", tmp_path / "t.json", "-q"], capsys)
    assert code == 0, err
    q = json.loads((tmp_path / "t.json").read_text())["quantities"]
    assert q["target.out"][7] == 1.0
    with np.load(mnist) as raw:
        np.testing.assert_array_equal(q["input.out"][0], raw["x_test"][2] / 255.0)
    code, out, err = run(["trace", "--weights", trained, "--sample", 3, "--data", mnist],
                         capsys)
    one_line_error(code, err, f"{mnist}: --sample 3 is out of range", "has 3 images (0..2)")


# ------------------------------------------------------------------------- errors
def test_weights_errors_are_one_line(trained, tmp_path, capsys):
    missing = tmp_path / "none.npz"
    one_line_error(*run(["trace", "--weights", missing], capsys)[::2], f"{missing}: no such file")
    bad = tmp_path / "bad.npz"
    bad.write_text("not an archive")
    one_line_error(*run(["render", "--weights", bad, "--out", tmp_path], capsys)[::2],
                   f"{bad}: not a weights file written by cnntrace train --save")
    cut = tmp_path / "cut.npz"
    cut.write_bytes(trained.read_bytes()[:2000])
    one_line_error(*run(["trace", "--weights", cut], capsys)[::2], f"{cut}: not a weights")
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(2))
    one_line_error(*run(["trace", "--weights", other], capsys)[::2],
                   f"{other}: not a weights file")
    one_line_error(*run(["trace", "--weights", trained, "--sample", 100000], capsys)[::2],
                   "digits: --sample 100000 is out of range")
    one_line_error(*run(["trace", "--preset", "lecture-cnn", "--weights", trained], capsys)[::2],
                   f"{trained}: conv1.weight is (16, 1, 3, 3) but the network needs "
                   "(8, 1, 3, 3): weights of another network")
    one_line_error(*run(["trace", "--sample", "-1"], capsys)[::2], "--sample",
                   "expected a test image number >= 0")
    with np.load(trained) as npz:  # a file of a later cnntrace: refused, not misread
        arrays = {key: npz[key] for key in npz.files}
    meta = json.loads(str(arrays["__meta__"]))
    arrays["__meta__"] = np.array(json.dumps({**meta, "version": 999}))
    later = tmp_path / "later.npz"
    np.savez(later, **arrays)
    one_line_error(*run(["trace", "--weights", later], capsys)[::2],
                   f"{later}: weights format version 999; this cnntrace reads version 1")
    arrays["__meta__"] = np.array(json.dumps(meta))
    extra = tmp_path / "extra.npz"  # an array no layer of the saved network takes
    np.savez(extra, **arrays, **{"junk.weight": np.zeros(3)})
    one_line_error(*run(["trace", "--weights", extra], capsys)[::2],
                   f"{extra}: has junk.weight, which the network saved with it has no layer")


@pytest.mark.parametrize("member", ["conv1.weight.npy", "dense1.bias.npy", "__meta__.npy"])
def test_a_weights_member_that_is_not_an_npy_file_is_named(member, trained, tmp_path, capsys):
    """numpy hands over such a member as raw bytes: trace crashed on .tolist/.shape."""
    import zipfile
    junk = tmp_path / "junk.npz"
    with zipfile.ZipFile(trained) as source, zipfile.ZipFile(junk, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, "junk" if name == member else source.read(name))
    key = member.removesuffix(".npy")
    for network in ([], ["--preset", "digits-cnn"], ["--preset", "lecture-cnn"]):
        one_line_error(*run(["trace", *network, "--weights", junk, "--sample", 0], capsys)[::2],
                       f"{junk}: not a weights file written by cnntrace train --save ({key} is "
                       "not a numpy array)")


def test_network_source_errors_are_one_line(tmp_path, capsys):
    spec = tmp_path / "x.toml"
    one_line_error(*run(["trace", spec, "--preset", "lecture-cnn"], capsys)[::2],
                   "not both SPEC (", "x.toml) and --preset lecture-cnn")
    one_line_error(*run(["render", "--example", "lecture", "--preset", "digits-cnn"],
                        capsys)[::2], "not both --example lecture and --preset digits-cnn")
    one_line_error(*run(["trace", "--example", "lecture", "--data", "digits"], capsys)[::2],
                   "--data names where --sample K comes from")
    one_line_error(*run(["trace", "--sample", "2"], capsys)[::2],
                   "--sample without --weights", "give SPEC, --example or --preset")
    one_line_error(*run(["trace", "--preset", "lecture-cnn", "--sample", "2"], capsys)[::2],
                   "--sample 2: give --data")
    one_line_error(*run(["trace"], capsys)[::2], "missing SPEC", "--preset NAME")


# ------------------------------------------------- a real image of the wrong size
def mnist_like(path, side: int):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (4, side, side), dtype=np.uint8),
             y_train=np.arange(4), x_test=rng.integers(0, 256, (3, side, side), dtype=np.uint8),
             y_test=np.array([5, 6, 7]))
    return path


@pytest.mark.parametrize("command", [["render", "--format", "html"], ["trace"], ["sheet"],
                                     ["export", "moodle"]])
def test_digits_through_the_28x28_network_names_both_sizes(command, tmp_path, capsys):
    pytest.importorskip("sklearn")
    argv = [*command, "--preset", "lecture-cnn", "--sample", 3, "--data", "digits"]
    if command[0] == "render":
        argv += ["--out", tmp_path]
    one_line_error(*run(argv, capsys)[::2],
                   "--data digits: its images are 8x8, but the network of --preset "
                   "lecture-cnn takes 28x28 inputs, so --sample cannot trace one")
    assert list(tmp_path.iterdir()) == []


def test_28x28_images_are_not_traced_through_the_8x8_network(tmp_path, capsys):
    """Not silently: the preset's seeded weights would be drawn for the larger image."""
    mnist = mnist_like(tmp_path / "m28.npz", 28)
    one_line_error(*run(["trace", "--preset", "digits-cnn", "--sample", 0, "--data", mnist],
                        capsys)[::2], f"--data {mnist}: its images are 28x28",
                   "--preset digits-cnn takes 8x8 inputs")
    one_line_error(*run(["trace", "--example", "lecture", "--sample", 0, "--data", mnist],
                        capsys)[::2], "--example lecture takes 4x4 inputs")


def test_other_images_for_saved_weights_name_both_sizes(trained, tmp_path, capsys):
    mnist = mnist_like(tmp_path / "m28.npz", 28)
    one_line_error(*run(["trace", "--weights", trained, "--sample", 1, "--data", mnist],
                        capsys)[::2], f"--data {mnist}: its images are 28x28",
                   f"--weights {trained} takes 8x8 inputs")
    code, _, err = run(["trace", "--weights", trained, "--sample", 1, "--data",
                        mnist_like(tmp_path / "m8.npz", 8), "-q"], capsys)
    assert code == 0, err


def test_a_text_file_as_data_is_not_an_mnist_npz(trained, tmp_path, capsys):
    junk = tmp_path / "junk.npz"
    junk.write_text("hello\n")
    one_line_error(*run(["trace", "--weights", trained, "--data", junk], capsys)[::2],
                   f"{junk}: not an MNIST .npz", "x_train, y_train, x_test, y_test")


def test_check_names_a_sample_of_the_wrong_size_too(tmp_path, capsys):
    """check loads its spec as every other command does (one loader)."""
    pytest.importorskip("sklearn")
    answers = tmp_path / "a.yaml"
    answers.write_text("conv1.out[0,0,0]: 1\n", encoding="utf-8")
    assert main(["check", "--preset", "lecture-cnn", "--sample", "3", "--data", "digits",
                 str(answers)]) == 2
    err = capsys.readouterr().err
    assert "images are 8x8, but the network of --preset lecture-cnn takes 28x28" in err


def test_a_korean_handout_of_a_preset_names_its_network_and_digit_in_korean(tmp_path, capsys):
    """The preset's description and a real digit's title follow --lang (sheet and
    render); the English ones are unchanged."""
    pytest.importorskip("sklearn")
    code, out, err = run(["sheet", "--preset", "digits-cnn", "--sample", 3, "--lang", "ko",
                          "--blank", "dense1.out"], capsys)
    assert code == 0, err
    assert out.splitlines()[0].endswith(": 테스트 이미지 3 (숫자 2)")
    code, out, err = run(["sheet", "--preset", "digits-cnn", "--sample", 3,
                          "--blank", "dense1.out"], capsys)
    assert out.splitlines()[0].endswith(": test image 3 (digit 2)")
    code, _, err = run(["render", "--preset", "digits-cnn", "--lang", "ko", "--format",
                        "html", "--out", tmp_path / "ko"], capsys)
    assert code == 0, err
    page = (tmp_path / "ko" / "worked.html").read_text(encoding="utf-8")
    assert "8x8 손글씨 숫자를 분류하는 작은 CNN" in page and "A small CNN" not in page


def test_a_trained_presets_title_follows_the_handouts_language(trained, tmp_path, capsys):
    """Weights trained under --lang ko titled an English handout '합성곱 16@3x3 ...', and
    English-trained ones a Korean handout 'conv 16@3x3 ...' (the title saved with them)."""
    korean = tmp_path / "ko.npz"
    assert main(["train", "--preset", "digits-cnn", "--epochs", "1", "--limit", "64",
                 "--test-limit", "16", "--save", str(korean), "-q", "--lang", "ko"]) == 0
    capsys.readouterr()
    for weights in (trained, korean):
        code, out, err = run(["trace", "--weights", weights, "--sample", 3], capsys)
        assert code == 0 and out.startswith("digits-cnn: conv 16@3x3 (padding 1), ReLU, "
                                            "pool 2, dense 10, softmax: test image 3"), err
        code, out, err = run(["trace", "--weights", weights, "--sample", 3, "--lang", "ko"],
                             capsys)
        assert code == 0 and out.startswith("digits-cnn: 합성곱 16@3x3 (패딩 1), ReLU, "
                                            "최대 풀링 2, 완전연결층 10, 소프트맥스: 테스트 "
                                            "이미지 3"), err
