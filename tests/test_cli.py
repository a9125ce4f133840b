"""The `cnntrace` command end to end: examples, formats, JSON output, safe writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tracer.cli import main
from tracer.spec import EXAMPLES_DIR

LECTURE_YAML = """
title: 4x4 input, one 3x3 filter
learning_rate: 0.1
input: [[1,2,0,1],[3,1,1,5],[0,2,2,0],[1,0,3,1]]
target: [1, 0]
layers:
  - {type: conv2d, weight: [[1,0,1],[0,1,0],[1,0,1]], bias: 1, stride: 1, padding: 0}
  - {type: relu}
  - {type: maxpool2d, size: 2, stride: 2}
  - {type: flatten}
  - {type: dense, weight: [[0.5, -0.5]], bias: [0.1, 0.2]}
  - {type: softmax}
"""


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_trace_example_prints_every_step(capsys):
    code, out, err = run(["trace", "--example", "lecture"], capsys)
    assert code == 0 and err == ""
    for text in ("Forward pass", "Backward pass", "SGD update", "conv1.out  (1x2x2)",
                 "[ 5   7]", "[11  10]", "dense1.grad_weight", "-0.000203"):
        assert text in out, text


def test_exact_mode_prints_exact_forms(capsys):
    code, out, _ = run(["trace", "--example", "lecture", "--exact", "--digits", "8"], capsys)
    assert code == 0
    assert "= log(exp(28/5) + exp(-53/10)) - 28/5" in out
    assert "0.99998154" in out


def test_toml_yaml_and_json_specs_give_the_same_trace(tmp_path, capsys):
    toml_file = EXAMPLES_DIR / "lecture.toml"
    yaml_file = tmp_path / "lecture.yaml"
    yaml_file.write_text(LECTURE_YAML)
    import yaml
    json_file = tmp_path / "lecture.json"
    json_file.write_text(json.dumps(yaml.safe_load(LECTURE_YAML)))
    outputs = []
    for spec in (toml_file, yaml_file, json_file):
        target = tmp_path / f"{spec.suffix[1:]}-trace.json"
        code, _, _ = run(["trace", str(spec), "--exact", "--json", str(target), "-q"], capsys)
        assert code == 0
        outputs.append(target.read_text())
    assert outputs[0] == outputs[1] == outputs[2]


def test_json_output_is_written_and_never_overwritten_silently(tmp_path, capsys):
    target = tmp_path / "trace.json"
    code, _, _ = run(["trace", "--example", "lecture", "--json", str(target), "-q"], capsys)
    assert code == 0
    first = target.read_text()
    assert json.loads(first)["quantities"]["pool1.out"] == [[[11.0]]]
    target.write_text("my notes")
    code, _, err = run(["trace", "--example", "lecture", "--json", str(target), "-q"], capsys)
    assert code == 2 and "already exists" in err and err.count("\n") == 1
    assert target.read_text() == "my notes"
    code, _, _ = run(["trace", "--example", "lecture", "--json", str(target), "-q",
                      "--force"], capsys)
    assert code == 0 and target.read_text() == first
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]  # no temp files left


def test_missing_output_folder_is_one_line(tmp_path, capsys):
    code, _, err = run(["trace", "--example", "lecture", "--json",
                        str(tmp_path / "nope" / "t.json")], capsys)
    assert code == 2 and "does not exist" in err and err.count("\n") == 1


def test_spec_and_example_together_is_an_error(capsys):
    code, _, err = run(["trace", str(EXAMPLES_DIR / "lecture.toml"), "--example", "lecture"],
                       capsys)
    assert code == 2 and "not both" in err


def test_examples_folder_ships_the_lecture_spec():
    top = Path(__file__).resolve().parents[1] / "examples" / "lecture.toml"
    assert top.read_text() == (EXAMPLES_DIR / "lecture.toml").read_text()


@pytest.mark.parametrize("args", [["-m", "tracer", "trace", "--example", "lecture"],
                                  ["-m", "tracer", "--version"]])
def test_python_dash_m_tracer_works(args):
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "cnntrace" in result.stdout or "conv1.out" in result.stdout


def test_bad_digits_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["trace", "--example", "lecture", "--digits", "0"])
    assert exit_info.value.code == 2
    assert "significant digits" in capsys.readouterr().err


KO_TITLE, EN_TITLE = "4x4 입력, 3x3 필터 하나", "4x4 input, one 3x3 filter"


@pytest.mark.parametrize("command, where", [
    (["sheet", "--blank", "forward"], lambda out, tmp: out.splitlines()[0]),
    (["export", "moodle"], lambda out, tmp: out),
    (["render", "--format", "html", "--out", "{tmp}"],
     lambda out, tmp: (tmp / "worked.html").read_text(encoding="utf-8")),
])
def test_the_lecture_example_takes_its_title_in_the_language(command, where, tmp_path,
                                                             capsys):
    """As `demo --lang ko` does: a Korean handout, sheet or quiz of --example lecture is
    not headed by the English title."""
    command = [part.format(tmp=tmp_path) for part in command]
    code, out, err = run([*command, "--example", "lecture", "--lang", "ko"], capsys)
    assert code == 0, err
    shown = where(out, tmp_path)
    assert KO_TITLE in shown and EN_TITLE not in shown
    code, out, err = run([*command, "--example", "lecture", "--force"], capsys)
    assert code == 0 and EN_TITLE in where(out, tmp_path) and KO_TITLE not in where(out,
                                                                                    tmp_path)


def test_check_of_the_lecture_example_in_korean_names_it_in_korean(tmp_path, capsys):
    sheet = tmp_path / "answers.yaml"
    assert run(["sheet", "--example", "lecture", "--blank", "forward", "--out", str(sheet)],
               capsys)[0] == 0
    code, out, err = run(["check", "--example", "lecture", str(sheet), "--lang", "ko"], capsys)
    assert KO_TITLE in out and EN_TITLE not in out, out


def test_a_users_spec_keeps_its_own_title_in_korean(tmp_path, capsys):
    """Only the example's own title is translated: a spec file (even a copy of the
    example, same title) is the user's, and its title is printed as written."""
    spec = tmp_path / "mine.toml"
    spec.write_text((EXAMPLES_DIR / "lecture.toml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    code, out, err = run(["sheet", str(spec), "--blank", "forward", "--lang", "ko"], capsys)
    assert code == 0 and out.splitlines()[0].endswith(EN_TITLE), out


def test_the_example_title_message_is_the_examples_own_title():
    """The translation applies only while the catalog's English title is the example's
    (a retitled example would keep its new title in every language)."""
    from tracer.commands import EXAMPLE_TITLES
    from tracer.render.assets import messages
    from tracer.spec import load_example
    for name, key in EXAMPLE_TITLES.items():
        assert messages("en")[key] == load_example(name).title


def test_ctrl_c_is_said_in_the_command_lines_language(monkeypatch, capsys):
    import tracer.network

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(tracer.network, "run_pass", stopped)
    assert main(["trace", "--example", "lecture", "--lang", "ko"]) == 130
    assert capsys.readouterr().err == "cnntrace: 중단됨\n"
    assert main(["trace", "--example", "lecture"]) == 130
    assert capsys.readouterr().err == "cnntrace: interrupted\n"
