"""Unusual input that once escaped as a traceback (or a crash): one line naming the file,
field or option and what was expected."""

from __future__ import annotations

import json

import pytest
import yaml

from tracer.cli import main
from tracer.presets import preset


def run(args, capsys):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code, err, *texts):
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("cnntrace: error: "), err
    for text in texts:
        assert text in err, (text, err)


@pytest.mark.parametrize("suffix, text", [
    (".json", '{"input": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    (".toml", "input = " + "[" * 100_000 + "]" * 100_000),
    (".yaml", "input: " + "[" * 30_000 + "]" * 30_000),
])
def test_a_spec_nested_absurdly_deep_is_one_line(tmp_path, capsys, suffix, text):
    spec = tmp_path / f"deep{suffix}"
    spec.write_text(text)
    code, _, err = run(["trace", spec], capsys)
    one_line_error(code, err, f"{spec}: not valid", "nested too deeply")


@pytest.mark.parametrize("suffix, text", [
    (".json", '{"input": ' + "[" * 600 + "1" + "]" * 600 + ', "layers": [{"type": "relu"}]}'),
    (".yaml", "title: t\ninput: &x [*x]\nlayers: [{type: relu}]\n"),  # a list in itself
])
def test_a_spec_the_parser_reads_but_too_deep_for_the_fields_is_one_line(tmp_path, capsys,
                                                                         suffix, text):
    """~500 to 1000 levels passed JSON's parser and overflowed the fields' walk."""
    spec = tmp_path / f"deep{suffix}"
    spec.write_text(text)
    code, _, err = run(["trace", spec], capsys)
    one_line_error(code, err, f"{spec}: lists or tables nested too deeply")
    code, _, err = run(["explain", "relu", "--input", "[" * 600 + "1" + "]" * 600], capsys)
    one_line_error(code, err, "--input: lists nested too deeply; expected at most 3 levels")


def test_the_api_says_too_deep_and_too_many_values_plainly():
    from tracer import from_dict
    from tracer.spec import SpecError
    itself: list = []
    itself.append(itself)
    with pytest.raises(SpecError, match="nested too deeply"):
        from_dict({"title": "t", "input": itself})
    images = [[[[0.0] * 1300 for _ in range(1300)]] for _ in range(3)]  # none shared: no
    with pytest.raises(SpecError, match=r"holds 5,073,\d+ values, more than the 5,000,000 a "
                                        r"spec may have; expected a smaller input or batch"):
        from_dict({"title": "t", "inputs": images, "layers": [{"type": "relu"}]})  # aliases


@pytest.mark.parametrize("text", [
    "a: " + "[" * 30_000 + "]" * 30_000,  # libyaml's C composer overflowed its stack here
    "a: " + "{a: " * 30_000 + "1" + "}" * 30_000,
    "- " * 30_000 + "x",
])
def test_answers_nested_absurdly_deep_are_one_line(tmp_path, capsys, text):
    answers = tmp_path / "deep.yaml"
    answers.write_text(text)
    code, _, err = run(["check", "--example", "lecture", answers], capsys)
    # ours, or newer libyaml's own limit ("... exceeded maximum nesting depth")
    one_line_error(code, err, f"{answers}: not valid YAML: ", "nest")


@pytest.mark.parametrize("name, text", [
    ("a.toml", "loss = " + "9" * 5000),  # Python refuses ints of over 4300 digits
    ("a.yaml", "loss.out: 2020-02-30"),  # a date that does not exist
])
def test_answers_the_parser_rejects_with_a_value_error_are_one_line(tmp_path, capsys, name,
                                                                     text):
    answers = tmp_path / name
    answers.write_text(text)
    code, _, err = run(["check", "--example", "lecture", answers], capsys)
    one_line_error(code, err, f"{answers}: not valid")


@pytest.mark.parametrize("name, text, english, korean", [
    ("s.yaml", 'title: "x\nlayers: [\n', "line 3, column 1: found unexpected end of stream "
     "(while scanning a quoted scalar)", "3행 1열: found unexpected end of stream"),
    ("s.json", '{"title": [}', "line 1, column 12: Expecting value", "1행 12열: Expecting"),
    ("s.toml", 'title = "x"\nseed = 1\nseed = 2\n', "line 3, column 9: Cannot overwrite",
     "3행 9열: Cannot overwrite"),
    ("s.toml", "input = [1\n", "at the end of the file: Unclosed array", "파일 끝: Unclosed"),
])
def test_a_parser_error_says_where_in_the_readers_language(tmp_path, capsys, name, text,
                                                            english, korean):
    spec = tmp_path / name
    spec.write_text(text)
    code, _, err = run(["render", spec], capsys)
    one_line_error(code, err, f"{spec}: not valid {spec.suffix[1:].upper()}: {english}")
    assert "^" not in err and '"x' not in err  # PyYAML's quoted line and caret left out
    code, _, err = run(["render", spec, "--lang", "ko"], capsys)
    assert code == 2 and err.count("\n") == 1 and f"파일이 아닙니다: {korean}" in err, err


@pytest.mark.parametrize("layer", ["conv2d", "maxpool2d"])
def test_a_stride_beyond_the_input_is_named(tmp_path, capsys, layer):
    spec = tmp_path / "s.json"
    options = {"weight": [[1, 0], [0, 1]]} if layer == "conv2d" else {"size": 2}
    spec.write_text(json.dumps({"input": [[1, 2, 3], [3, 4, 5], [1, 1, 1]], "layers": [
        {"type": layer, **options, "stride": 10 ** 23}]}))
    code, _, err = run(["trace", spec], capsys)
    one_line_error(code, err, "layers[0].stride: 100000000000000000000000 is larger than",
                   "expected at most 3")


def test_softmax_on_a_grid_is_named_even_without_a_target(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('input = [[1,2],[3,4]]\n[[layers]]\ntype = "softmax"\n')
    for command in (["render", spec, "--format", "html", "--out", tmp_path / "o"],
                    ["sheet", spec], ["explain", "softmax", "--input", "[[1,2],[3,4]]"]):
        code, _, err = run(command, capsys)
        one_line_error(code, err, "layers[0]: softmax expects a flat input")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", [
    ["explain", "softmax", "--input", "[1e8, 0]", "--exact"],
    ["explain", "sigmoid", "--input", "[1e300]", "--exact"],
])
def test_exponents_beyond_exact_mode_are_one_line(capsys, command):
    code, _, err = run(command, capsys)
    one_line_error(code, err, "exact mode: e^x for x = ", "use float mode")


def test_exact_mode_still_prints_e_to_a_million(capsys):
    code, out, err = run(["explain", "softmax", "--input", "[1e6, 0]", "--exact"], capsys)
    assert code == 0, err
    assert "e^1000000" in out and "×10⁻⁴³⁴²⁹⁵" in out  # 1/(e^1000000 + 1) = 3.3×10^-434295


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """digits-cnn trained briefly on 200 of scikit-learn's 8x8 digits, saved."""
    pytest.importorskip("sklearn")
    path = tmp_path_factory.mktemp("weights") / "digits.npz"
    assert main(["train", "--preset", "digits-cnn", "--epochs", "1", "--limit", "200",
                 "--test-limit", "50", "--save", str(path), "-q"]) == 0
    return path


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_check_with_weights_takes_a_spec_given_first_as_the_spec(weights, tmp_path, capsys,
                                                                 suffix):
    spec = tmp_path / f"digits{suffix}"
    data = json.loads(json.dumps(preset("digits-cnn"), default=float))
    spec.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data))
    answers = tmp_path / "answers.yaml"
    answers.write_text("loss.out: 1\n")
    code, out, err = run(["check", spec, answers, "--weights", weights, "--sample", 2], capsys)
    assert code == 0, err
    assert f"{spec}:" not in out and "1 cell" in out  # one sheet marked: the answers


def test_a_spec_with_a_byte_order_mark_works_with_weights(weights, tmp_path, capsys):
    spec = tmp_path / "bom.json"
    spec.write_text("\ufeff" + json.dumps(preset("digits-cnn"), default=float), encoding="utf-8")
    code, _, err = run(["trace", spec, "--weights", weights, "--sample", 3, "-q"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("name, text, is_spec", [
    ("s.toml", "[[layers]]\ntype = 'relu'\n", True), ("s.toml", "[[ layers ]]\n", True),
    ("s.toml", "'layers' = [{type = 'relu'}]\n", True),
    ("s.yaml", "layers:\n  - {type: relu}\n", True),
    ("s.yaml", '{"input": [1], "layers": [{"type": "relu"}]}', True),
    ("s.json", '{"input": [1], "layers": []}', True),
    ("a.toml", "loss.out = 0.5\n", False), ("a.yaml", "conv1.out: [[5, 7]]\n", False),
    ("a.json", '{"conv1.out": [[5, 7]]}', False), ("a.csv", "id,value\nlayers,1\n", False)])
def test_with_weights_a_file_given_first_is_a_spec_when_it_has_layers(tmp_path, name, text,
                                                                       is_spec):
    from tracer.commands.check import _is_spec
    path = tmp_path / name
    path.write_text(text)
    assert _is_spec(str(path)) is is_spec


@pytest.mark.parametrize("command", [
    ["render", "--example", "lecture", "--blank", "forward"],
    ["explain", "relu", "--input", "[[1,-2]]", "--blank", "relu.out", "--format", "html"],
])
def test_blanks_without_a_worksheet_mode_are_an_error_not_a_full_solution(tmp_path, capsys,
                                                                          command):
    out = tmp_path / "out"
    code, _, err = run(command + ["--out", out], capsys)
    one_line_error(code, err, "--blank", "--mode worksheet")
    assert not out.exists()  # nothing written: no handout with every answer in it


def test_a_folder_given_as_the_spec_is_called_a_folder(tmp_path, capsys):
    """It was "unknown spec file type '(none)'"."""
    code, _, err = run(["render", tmp_path], capsys)
    one_line_error(code, err, f"{tmp_path}: is a folder, expected a spec file")


def test_a_control_character_in_yaml_names_its_position_not_pyyamls_source(tmp_path, capsys):
    spec = tmp_path / "c.yaml"
    spec.write_text('title: "a\x07b"\n')
    code, _, err = run(["trace", spec], capsys)
    one_line_error(code, err, f"{spec}: not valid YAML: line 1, column 10: unacceptable "
                              "character #x0007: special characters are not allowed")
    assert "unicode string" not in err and "position" not in err
