"""Generated specs: every constraint recomputed from the traced pass (not from the
generator's own bookkeeping), TOML round trip, determinism, impossible options."""

from __future__ import annotations

from fractions import Fraction

import shlex

import numpy as np
import pytest

from tracer import from_dict, load_example, load_spec, run_pass
from tracer.cli import main
from tracer.generate import GenerateError, generate, options, spec_toml

UP_TO_LOGITS = ("input.out", "conv1.weight", "conv1.bias", "conv1.out", "relu1.out",
                "pool1.out", "flatten1.out", "dense1.weight", "dense1.bias", "dense1.out")


def _cells(trace, qid):
    return list(np.asarray(trace[qid], dtype=object).ravel())


def violations(trace) -> list[str]:
    """Every hand-friendliness constraint the exact trace breaks (empty: all met)."""
    broken = []
    for qid in ("input.out", "conv1.weight", "conv1.bias"):
        if any(Fraction(v).denominator != 1 or abs(v) > 20 for v in _cells(trace, qid)):
            broken.append(f"{qid}: not small integers")
    for qid in UP_TO_LOGITS:
        if any((Fraction(v) * 100).denominator != 1 for v in _cells(trace, qid)):
            broken.append(f"{qid}: more than 2 decimals")
    relu = next(info for info in trace.layers if info["type"] == "relu")
    if not any(v < 0 for v in _cells(trace, relu["input"])):
        broken.append("no negative ReLU input")
    pre_activations = [relu["input"], trace.layers[-1]["input"]]  # conv output, logits
    if any(v == 0 for qid in pre_activations for v in _cells(trace, qid)):
        broken.append("a pre-activation is exactly 0")
    for info in (i for i in trace.layers if i["type"] == "maxpool2d"):
        x = np.asarray(trace[info["input"]], dtype=object)
        size, stride = info["size"], info["stride"]
        for c, i, j in np.ndindex(*info["out_shape"]):
            window = x[c, i * stride:i * stride + size, j * stride:j * stride + size].ravel()
            if sum(v == max(window) for v in window) > 1:
                broken.append(f"{info['name']}: tie in window ({c},{i},{j})")
    probabilities = trace.numbers("softmax1.out")
    if not 0.55 <= probabilities.max() <= 0.95:
        broken.append(f"largest probability {probabilities.max():.5f}")
    if probabilities.min() < 0.01:
        broken.append(f"smallest probability {probabilities.min():.3g}")
    return broken


def test_the_checks_catch_an_unfriendly_spec():
    """The lecture's own example is saturated and its ReLU passes everything."""
    broken = violations(run_pass(load_example("lecture"), "exact", after=False))
    assert "no negative ReLU input" in broken
    assert any(b.startswith("largest probability 0.99998") for b in broken)
    tie = from_dict({"input": [[1, 1], [1, 1]], "target": 0, "layers": [
        {"type": "conv2d", "weight": [[1]], "bias": 0}, {"type": "relu"},
        {"type": "maxpool2d", "size": 2}, {"type": "flatten"},
        {"type": "dense", "weight": [[0.125, 0]]}, {"type": "softmax"}]})
    broken = violations(run_pass(tie, "exact", after=False))
    assert "pool1: tie in window (0,0,0)" in broken
    assert "dense1.weight: more than 2 decimals" in broken
    assert "a pre-activation is exactly 0" in broken


def test_200_generated_specs_meet_every_constraint():
    failures = {}
    for seed in range(200):
        spec = from_dict(generate(seed), f"seed-{seed}")
        broken = violations(run_pass(spec, "exact", after=False))
        if broken:
            failures[seed] = broken
    assert not failures


@pytest.mark.parametrize("preset", ["tiny", "wide"])
def test_other_presets_meet_every_constraint(preset):
    for seed in range(40):
        spec = from_dict(generate(seed, options(preset)), f"{preset}-{seed}")
        assert not violations(run_pass(spec, "exact", after=False)), (preset, seed)


def test_toml_reads_back_as_the_same_spec_and_carries_the_seed(tmp_path):
    for seed in (0, 1, 42):
        data = generate(seed)
        path = tmp_path / f"g{seed}.toml"
        path.write_text(spec_toml(data, f"cnntrace generate --seed {seed}"), encoding="utf-8")
        loaded, direct = load_spec(path), from_dict(data)
        assert loaded.seed == seed
        assert (loaded.inputs, loaded.targets, loaded.layers, loaded.learning_rate) == \
               (direct.inputs, direct.targets, direct.layers, direct.learning_rate)
        a, b = run_pass(loaded), run_pass(direct)
        assert all(np.array_equal(a.numbers(q), b.numbers(q)) for q in a.ids())


def test_same_seed_same_spec_and_seeds_differ():
    assert spec_toml(generate(11)) == spec_toml(generate(11))
    texts = {spec_toml(generate(seed)) for seed in range(50)}
    assert len(texts) == 50


def test_allow_zero_lets_zeros_through():
    zeros = 0
    for seed in range(200):
        trace = run_pass(from_dict(generate(seed, options(allow_zero=True))), "exact",
                         after=False)
        zeros += any(v == 0 for v in _cells(trace, "conv1.out"))
    assert zeros > 0


@pytest.mark.parametrize("argv, words", [
    (["--input-values", "1..1"], "'no ties in any pooling window'"),
    (["--kernel-values", "0..0"], "'no ties in any pooling window'"),
    (["--input", "3x3"], "needs a convolution output of at least 2x2"),
    (["--kernel", "5"], "does not fit the 4x4 input"),
    (["--classes", "1"], "--classes: expected 2 to 10"),
    (["--input-values", "5..1"], "--input-values: expected LO..HI"),
])
def test_impossible_options_give_one_line_and_exit_2(argv, words, capsys):
    assert main(["generate", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("cnntrace: error: ") and words in captured.err
    assert captured.err.count("\n") == 1


def test_generator_error_is_a_library_exception_too():
    with pytest.raises(GenerateError, match="no ties in any pooling window"):
        generate(0, options(input_values=(3, 3)))


def test_generate_command_writes_a_spec_that_traces(tmp_path, capsys):
    assert main(["generate", "--seed", "3", "--preset", "wide"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Generated by cnntrace") and "--seed 3 --preset wide" in text
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    assert not violations(run_pass(load_spec(path), "exact", after=False))


@pytest.mark.parametrize("ranges", [["--kernel-values", "-1..1"],
                                    ["--kernel-values", "-2..2", "--input-values", "-3..3"]])
def test_negative_ranges_may_follow_their_option_after_a_space(ranges, capsys):
    assert main(["generate", "--seed", "7", *ranges]) == 0
    spaced = capsys.readouterr().out
    assert main(["generate", "--seed", "7", *(f"{flag}={value}" for flag, value
                                              in zip(ranges[::2], ranges[1::2]))]) == 0
    assert capsys.readouterr().out == spaced
    assert " ".join(ranges[:2]) in spaced.splitlines()[0]


def test_the_headers_command_runs_and_gives_the_same_spec(capsys):
    assert main(["generate", "--seed", "7", "--kernel-values=-2..2", "--input-values",
                 "-3..3"]) == 0
    text = capsys.readouterr().out
    command = text.splitlines()[0].split(": ", 1)[1]
    assert command.startswith("cnntrace generate ") and "--kernel-values -2..2" in command
    assert main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out == text


@pytest.mark.parametrize("bad", ["-2..x", "-1.5..1"])
def test_a_bad_negative_range_names_the_option(bad, capsys):
    with pytest.raises(SystemExit) as usage:  # argparse's own check, one line (tracer.cli)
        main(["generate", "--kernel-values", bad])
    assert usage.value.code == 2
    err = capsys.readouterr().err
    assert f"--kernel-values: expected LO..HI such as -1..1, got '{bad}'" in err


def test_batch_takes_negative_ranges_after_a_space(tmp_path, capsys):
    out = tmp_path / "kb"
    assert main(["batch", "--count", "1", "--kernel-values", "-2..2", "--input-values",
                 "-3..3", "--html", "--no-pdf", "--out", str(out), "-q"]) == 0, \
        capsys.readouterr().err
    [spec] = out.glob("*.toml")
    trace = run_pass(load_spec(spec), after=False)
    assert all(-3 <= v <= 3 for v in _cells(trace, "input.out"))
    assert all(-2 <= v <= 2 for v in _cells(trace, "conv1.weight"))


def test_generate_out_writes_the_file_and_never_a_users_file(tmp_path, capsys):
    path = tmp_path / "spec.toml"
    assert main(["generate", "--seed", "3", "--out", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}\n"
    assert main(["generate", "--seed", "3"]) == 0
    assert path.read_text(encoding="utf-8") == capsys.readouterr().out
    path.write_text("# my edited spec\n")
    assert main(["generate", "--seed", "4", "--out", str(path)]) == 2
    assert "already exists and was not written by cnntrace" in capsys.readouterr().err
    assert path.read_text() == "# my edited spec\n"
    assert main(["generate", "--seed", "4", "--out", str(path), "--force"]) == 0
    assert "--seed 4" in path.read_text(encoding="utf-8")
    assert main(["generate", "--classes", "1", "--out", str(tmp_path / "bad.toml")]) == 2
    assert not (tmp_path / "bad.toml").exists()
