"""The cells a sheet asks: left out of an answer file they count as missing (a sheet's
`blanks:` line or `check --blank`), so deleting a question never raises the score."""

from __future__ import annotations

import pytest

from tracer import load_example
from tracer.check import AnswerFileError, Checker
from tracer.check.answers import parse_answers
from tracer.cli import main
from tracer.sheet import blank_cells
from tracer.trace import parse_cell

RIGHT_CONV = "conv1.out: [[5, 7], [11, 10]]\n"


@pytest.fixture(scope="module")
def checker():
    return Checker(load_example("lecture"))


def test_without_a_selection_only_the_named_cells_are_marked(checker):
    marking = checker.check(parse_answers(RIGHT_CONV, "yaml"))
    assert (marking.points, marking.out_of, marking.score) == (4, 4, 100.0)


def test_a_sheets_blanks_line_counts_the_cells_left_out_as_missing(checker):
    marking = checker.check(parse_answers("blanks: forward\n" + RIGHT_CONV, "yaml"))
    asked = blank_cells(checker.trace, "forward")
    assert marking.out_of == len(asked) > 4
    assert marking.points == 4 and marking.counts["missing"] == len(asked) - 4
    assert [m.label for m in marking.marks] == sorted(  # in pass order
        (m.label for m in marking.marks),
        key=lambda label: checker.trace.ids().index(parse_cell(label)[0]))


def test_check_blank_overrides_the_sheets_line(checker):
    marking = checker.check(parse_answers("blanks: forward\n" + RIGHT_CONV, "yaml"),
                            blank="conv1.out,relu1.out")
    # 4 + 4 cells, and relu1.mask's 4: worked from the blanked conv1.out, so blank too
    assert (marking.points, marking.out_of) == (4, 12)


def test_under_a_selection_an_unknown_key_is_reported_not_scored(checker):
    """Every sheet of a worksheet is marked out of its asked cells: a typo's key names
    no asked cell (its cell is already missing), so it is listed but not scored."""
    text = "blanks: conv1.out\nconv1.out[0,0,0]: 5\nconv1.otu[0,0,1]: 7\n"
    marking = checker.check(parse_answers(text, "yaml"))
    assert (marking.points, marking.out_of, marking.counts["missing"]) == (1, 4, 3)
    assert [m.label for m in marking.unscored] == ["conv1.otu[0,0,1]"]
    without = checker.check(parse_answers(text.split("\n", 1)[1], "yaml"))
    assert (without.points, without.out_of, without.counts["malformed"]) == (1, 2, 1)


def test_unscored_items_are_shown_in_every_report(tmp_path, capsys):
    sheet = tmp_path / "answers.yaml"
    sheet.write_text("conv1.out: [[5, 7], [11, 10]]\nconv1.otu: 1\n", encoding="utf-8")
    out = tmp_path / "marking"
    assert main(["check", "--example", "lecture", str(sheet), "--blank", "conv1.out",
                 "--json", f"{out}.json", "--html", f"{out}.html"]) == 0
    text = capsys.readouterr().out
    assert "not scored (the score counts only the cells the sheet asks):\n  conv1.otu: " \
        "unknown quantity id 'conv1.otu'" in text and "score: 4/4 cells = 100.00 %" in text
    data = __import__("json").loads((tmp_path / "marking.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in data["unscored"]] == ["conv1.otu"] and data["out_of"] == 4
    assert "not scored: names no cell the sheet asks" in \
        (tmp_path / "marking.html").read_text(encoding="utf-8")


def test_an_empty_sheet_scores_0_not_100(checker):
    assert checker.check(parse_answers('student: "Kim"\n', "yaml")).score == 0.0
    marking = checker.check(parse_answers('student: "Kim"\nblanks: all\n', "yaml"))
    assert marking.score == 0.0 and marking.counts["missing"] == marking.out_of > 50


def test_a_bad_blanks_line_names_the_file(checker):
    with pytest.raises(AnswerFileError, match=r"^sheet\.yaml: blanks: no quantity 'conv9\.out'"):
        checker.check(parse_answers("blanks: conv9.out\n" + RIGHT_CONV, "yaml",
                                    source="sheet.yaml"))


def test_cli_blank_counts_a_deleted_question(tmp_path, capsys):
    sheet = tmp_path / "answers.yaml"
    sheet.write_text(RIGHT_CONV, encoding="utf-8")
    assert main(["check", "--example", "lecture", str(sheet)]) == 0
    assert "score: 4/4 cells = 100.00 %" in capsys.readouterr().out
    assert main(["check", "--example", "lecture", "--blank", "conv1.out,relu1.out",
                 str(sheet)]) == 0
    assert "score: 4/12 cells = 33.33 %" in capsys.readouterr().out  # relu1.mask too


def test_cli_bad_blank_is_a_one_line_error(tmp_path, capsys):
    sheet, other = tmp_path / "answers.yaml", tmp_path / "other.yaml"
    sheet.write_text(RIGHT_CONV, encoding="utf-8")
    other.write_text(RIGHT_CONV, encoding="utf-8")
    assert main(["check", "--example", "lecture", "--blank", "conv9.out", str(sheet),
                 str(other)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cnntrace: error: --blank: no quantity 'conv9.out'")
    assert len(err.strip().splitlines()) == 1


def test_a_sheet_names_its_blanks_and_a_deleted_question_counts_as_missing(tmp_path,
                                                                            capsys):
    sheet = tmp_path / "answers.yaml"
    assert main(["sheet", "--example", "lecture", "--blank", "forward", "--out",
                 str(sheet)]) == 0
    text = sheet.read_text(encoding="utf-8")
    assert '\nblanks: "forward"\n' in text
    kept = text.split("\n# relu1.out")[0].replace("[[null, null],\n            [null, null]]",
                                                  "[[5, 7], [11, 10]]")
    sheet.write_text(kept, encoding="utf-8")  # conv1.out answered, the rest deleted
    capsys.readouterr()
    assert main(["check", "--example", "lecture", str(sheet)]) == 0
    assert f"score: 4/{len(blank_cells(load_example_trace(), 'forward'))} cells" in \
        capsys.readouterr().out


def load_example_trace():
    from tracer import run_pass
    return run_pass(load_example("lecture"))


def test_cells_outside_the_asked_ones_earn_nothing(checker):
    """Copying the worksheet's givens (the input, the kernel) into the file does not pad
    the score: with a selection only its cells are marked."""
    padded = parse_answers("blanks: loss.out\nloss.out: 5\n"
                           "input.out: [[1, 2, 0, 1], [3, 1, 1, 5], [0, 2, 2, 0], [1, 0, 3, 1]]\n"
                           "conv1.weight: [[1, 0, 1], [0, 1, 0], [1, 0, 1]]\n", "yaml")
    marking = checker.check(padded)
    assert [m.label for m in marking.marks] == ["loss.out"]
    assert (marking.points, marking.out_of) == (0, 1)
    assert checker.check(padded, blank="loss.out").out_of == 1


def test_a_blanks_list_is_a_selection_and_anything_else_an_error(checker):
    listed = checker.check(parse_answers("blanks: [conv1.out, relu1.out]\n" + RIGHT_CONV,
                                         "yaml"))
    assert (listed.points, listed.out_of) == (4, 12)
    for bad in ("blanks: {a: 1}\n", "blanks: []\n"):
        with pytest.raises(AnswerFileError, match=r"^s\.yaml: blanks: expected a --blank "):
            checker.check(parse_answers(bad + RIGHT_CONV, "yaml", source="s.yaml"))
    with pytest.raises(AnswerFileError, match=r"^s\.yaml: blanks: no quantity '5'"):
        checker.check(parse_answers("blanks: 5\n" + RIGHT_CONV, "yaml", source="s.yaml"))
