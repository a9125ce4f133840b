"""A sheet made for one spec is not marked against another: its marks would be noise (a
batch variant's filled-in key scored 62.50 % against the lecture example, with a made-up
diagnosis)."""

from __future__ import annotations

import pytest

from tracer import from_dict, load_example, run_pass
from tracer.check import Checker
from tracer.check.answers import AnswerFileError, parse_answers
from tracer.cli import main
from tracer.sheet import fingerprint, sheet_text

from test_sheet import fill, preset_free_lecture


def other_spec():
    data = preset_free_lecture()
    data["input"][0][0] += 1  # one input cell changed: another variant
    return from_dict(data, "variant")


def test_a_sheet_is_refused_against_another_spec():
    lecture, other = load_example("lecture"), other_spec()
    sheet = fill(sheet_text(run_pass(other), "forward", variant="2025-01"), run_pass(other))
    assert Checker(other).check(parse_answers(sheet, "yaml")).score == 100.0
    with pytest.raises(AnswerFileError, match=r"made for another spec \(fingerprint \w{12}; "
                       r"this spec's is \w{12}\).*against variant 2025-01's spec"):
        Checker(lecture).check(parse_answers(sheet, "yaml", "kim.yaml"))
    reverse = fill(sheet_text(run_pass(lecture), "forward"), run_pass(lecture))
    with pytest.raises(AnswerFileError, match="against the spec it was made for"):
        Checker(other).check(parse_answers(reverse, "yaml", "lee.yaml"))


def test_the_fingerprint_is_the_same_in_both_modes_and_tells_specs_apart():
    lecture = load_example("lecture")
    assert fingerprint(run_pass(lecture)) == fingerprint(run_pass(lecture, "exact"))
    assert fingerprint(run_pass(lecture)) != fingerprint(run_pass(other_spec()))
    sheet = fill(sheet_text(run_pass(lecture), "all"), run_pass(lecture), digits=6)
    assert Checker(lecture, "exact").check(parse_answers(sheet, "yaml")).score == 100.0


def test_a_hand_written_file_without_a_fingerprint_is_marked():
    answers = parse_answers("conv1.out: [[5, 7], [11, 10]]", "yaml")
    marking = Checker(load_example("lecture")).check(answers)
    assert marking.score == 100.0


def test_a_trace_given_as_the_answers_is_named(tmp_path, capsys):
    trace = tmp_path / "trace.json"
    assert main(["trace", "--example", "lecture", "--json", str(trace), "-q"]) == 0
    assert main(["check", "--example", "lecture", str(trace)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cnntrace: error: {trace}: a trace (cnntrace trace --json), not "
                          "answers") and err.count("\n") == 1


def test_a_spec_with_minus_zero_has_one_fingerprint_in_both_modes():
    """float64 keeps a spec's -0.0 (np.round(-0.004, 2) writes it), exact mode's 0 has no
    sign: a sheet made for the spec was refused by check --exact as another spec's."""
    import tomllib

    from tracer import from_dict, run_pass
    from tracer.sheet import fingerprint
    from tracer.spec import EXAMPLES_DIR
    data = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    data["layers"][-2]["bias"] = [0.1, -0.0]
    spec = from_dict(data, "minus zero")
    assert fingerprint(run_pass(spec)) == fingerprint(run_pass(spec, "exact"))
