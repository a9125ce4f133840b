"""A forgotten or misplaced spec: one line that says the file is an answer file and
gives the order `cnntrace check SPEC ANSWERS...`, not "missing ANSWERS" or the spec
reader's "unknown key 'student'"."""

from __future__ import annotations

import pytest

from tracer.cli import main
from tracer.spec import EXAMPLES_DIR

LECTURE = str(EXAMPLES_DIR / "lecture.toml")
ANSWERS = {"filled.yaml": 'student: "Ann"\nconv1.out: [[5, 7], [11, 10]]\n',
           "filled.json": '{"conv1.out[0,1,0]": 11}',
           "filled.csv": "id,value\nconv1.out[0,1,0],11\n",
           "blank.toml": 'blanks = "forward"\n'}


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(code, out, err):
    assert code == 2 and out == ""
    assert err.startswith("cnntrace: error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("name", list(ANSWERS))
def test_an_answer_file_alone_is_not_taken_for_missing_answers(name, tmp_path, capsys):
    answers = tmp_path / name
    answers.write_text(ANSWERS[name])
    err = one_line(*run(["check", str(answers)], capsys))
    assert f"{answers}: looks like an answer file, not a spec; the spec comes first: " \
           "cnntrace check SPEC ANSWERS..." in err
    assert "missing ANSWERS" not in err


def test_swapped_spec_and_answers_give_the_command_in_order(tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text(ANSWERS["filled.yaml"])
    err = one_line(*run(["check", str(answers), LECTURE], capsys))
    assert "unknown key" not in err
    assert f"{answers}: looks like an answer file, not a spec, and {LECTURE} like the spec; " \
           f"the spec comes first: cnntrace check {LECTURE} {answers}" in err


def test_an_answer_file_first_among_answer_files_names_the_order(tmp_path, capsys):
    first, second = tmp_path / "a.yaml", tmp_path / "b.csv"
    first.write_text(ANSWERS["filled.yaml"])
    second.write_text(ANSWERS["filled.csv"])
    err = one_line(*run(["check", str(first), str(second)], capsys))
    assert f"{first}: looks like an answer file, not a spec; the spec comes first: " \
           "cnntrace check SPEC ANSWERS..." in err


def test_nothing_given_names_both(capsys):
    err = one_line(*run(["check"], capsys))
    assert "missing SPEC and ANSWERS: cnntrace check SPEC ANSWERS..." in err


def test_a_spec_alone_still_asks_for_answers(capsys):
    err = one_line(*run(["check", LECTURE], capsys))
    assert "missing ANSWERS" in err


def test_a_broken_spec_keeps_its_own_error(tmp_path, capsys):
    """A spec with a mistake is not an answer file: its error names the field."""
    spec = tmp_path / "spec.yaml"
    spec.write_text("input: [[1, 2], [3, 4]]\ntarget: 0\nlayer: []\n")
    answers = tmp_path / "a.yaml"
    answers.write_text(ANSWERS["filled.yaml"])
    err = one_line(*run(["check", str(spec), str(answers)], capsys))
    assert "unknown key 'layer'" in err and "answer file" not in err
