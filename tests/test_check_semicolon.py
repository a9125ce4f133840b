"""A CSV saved by a spreadsheet set to a decimal comma (`id;value` rows, 0,5) is read
like the `id,value` one, not scored as one malformed column per row."""

from __future__ import annotations

import json

import pytest

from tracer.check.answers import parse_csv
from tracer.cli import main

COMMA = ("id,value\nconv1.out[0,0],5\nconv1.out[0,1],7\ndense1.out[0],5.6\n"
         "loss.out,1.846E-05\n")
SEMICOLON = ("id;value\nconv1.out[0,0];5\nconv1.out[0,1];7\ndense1.out[0];5,6\n"
             "loss.out;1,846E-05\n")


def _marks(tmp_path, name, content):
    answers, marks = tmp_path / name, tmp_path / f"{name}.json"
    answers.write_text(content, encoding="utf-8")
    assert main(["check", "--example", "lecture", str(answers), "--json", str(marks),
                 "-q"]) == 0
    data = json.loads(marks.read_text())
    return data, [(c["id"], c["index"], c["given"], c["verdict"]) for c in data["cells"]]


def test_a_semicolon_csv_is_marked_like_the_comma_one(tmp_path):
    comma, comma_cells = _marks(tmp_path, "comma.csv", COMMA)
    semicolon, semicolon_cells = _marks(tmp_path, "semicolon.csv", SEMICOLON)
    assert semicolon_cells == comma_cells
    assert (semicolon["points"], semicolon["out_of"]) == (4, 4)


def test_the_semicolon_is_found_without_a_header_and_with_quotes():
    pairs = parse_csv('"conv1.out[0,0]";"5"\n# a comment\nconv1.out[0,1];-0,25\n')
    assert list(pairs) == [("conv1.out[0,0]", "5"), ("conv1.out[0,1]", "-0.25")]


def test_a_headerless_semicolon_csv_may_start_with_a_decimal_comma(tmp_path):
    """'softmax1.sum;8,13' splits at the comma into 'softmax1.sum;8' and '13' too: the
    first separator outside brackets decides."""
    pairs = parse_csv("dense1.out[0];5,6\nloss.out;1,846E-05\n")
    assert list(pairs) == [("dense1.out[0]", "5.6"), ("loss.out", "1.846E-05")]
    headerless = SEMICOLON.split("\n", 1)[1]
    assert _marks(tmp_path, "g.csv", headerless)[1] == _marks(tmp_path, "c.csv", COMMA)[1]


@pytest.mark.parametrize("row,words", [
    ("conv1.out[0,0];5;6", "line 2: expected two columns 'id;value', got more"),
    ("conv1.out[0,0]", "line 2: expected two columns 'id;value', got one"),
    ("conv1.out[0,0];1.234,5", "not a number: '1.234,5'")])
def test_bad_semicolon_rows_name_the_line_and_the_columns_expected(row, words, tmp_path):
    data, _ = _marks(tmp_path, "bad.csv", f"id;value\n{row}\n")
    reasons = [c["reason"] for c in data["cells"] if c["verdict"] == "malformed"]
    assert any(words in reason for reason in reasons), reasons


def test_a_comma_csv_keeps_reading_as_before():
    pairs = parse_csv("id,value\nconv1.out[0,1,0],11\nconv1.out,[[5,7],[11,10]]\nx;y,1\n")
    assert list(pairs) == [("conv1.out[0,1,0]", "11"),
                           ("conv1.out", [["5", "7"], ["11", "10"]]), ("x;y", "1")]


def test_a_decimal_comma_tensor_lists_its_numbers_with_semicolons(tmp_path):
    """[5,6; -5,3] in a semicolon CSV is [5.6, -5.3] (it got a shape error), marked as
    the comma CSV's tensor."""
    pairs = parse_csv("id;value\ndense1.out;[5,6; -5,3]\nconv1.out;[[5; 7]; [11; 10]]\n")
    assert list(pairs) == [("dense1.out", ["5.6", "-5.3"]),
                           ("conv1.out", [["5", "7"], ["11", "10"]])]
    _, comma = _marks(tmp_path, "comma.csv", "id,value\nconv1.out,[[5,7],[11,10]]\n")
    _, semicolon = _marks(tmp_path, "semi.csv", "id;value\nconv1.out;[[5;7];[11;10]]\n")
    assert semicolon == comma and {verdict for *_, verdict in comma} == {"correct"}


def test_a_tensor_without_semicolons_is_read_the_way_that_fits(tmp_path):
    """[-1,846e-5] for a one-number tensor was read as [-1, 846e-5], a wrong shape; [5,7]
    where two numbers are asked stays two numbers."""
    _, cells = _marks(tmp_path, "one.csv", "id;value\nflatten1.grad;[-1,846e-5]\n"
                      "conv1.out;[[5,7],[11,10]]\ndense1.out[0];[5,6]\n")
    assert sorted((qid, float(given), verdict) for qid, _, given, verdict in cells) == [
        ("conv1.out", 5, "correct"), ("conv1.out", 7, "correct"), ("conv1.out", 10, "correct"),
        ("conv1.out", 11, "correct"), ("dense1.out", 5.6, "correct"),
        ("flatten1.grad", -1.846e-5, "correct")]


@pytest.mark.parametrize("row", ['loss.out,"1,846e-5"', "loss.out: 1,846e-5"])
def test_a_decimal_comma_in_e_notation_is_named(row, tmp_path):
    """1,846e-5 was 'not a number', and quoted in a comma CSV 'more than two columns'."""
    name = "a.csv" if "," in row.split("loss.out")[1][:1] else "a.yaml"
    data, _ = _marks(tmp_path, name, ("id,value\n" if name == "a.csv" else "") + row + "\n")
    [cell] = [c for c in data["cells"] if c["id"] == "loss.out"]
    assert cell["verdict"] == "malformed"
    assert "'1,846e-5' uses a decimal comma; write '1.846e-5'" in cell["reason"], cell


@pytest.mark.parametrize("value", ['"[5,7;11,10]"', "[5,7;11,10]", "[5, 7; 11, 10]",
                                   "[5 7;11 10]", '"[5 7; 11 10;]"'])
def test_a_comma_csv_reads_a_matrix_written_as_matlab_does(value):
    """Rows split at ';' in a comma CSV: [5,7;11,10] was read as [5, '7;11', 10], 'wrong
    shape (3,)'; MATLAB's mat2str writes [5 7;11 10], and MATLAB takes a last ';'."""
    assert parse_csv(f"id,value\nconv1.out,{value}\n") == [("conv1.out", [["5", "7"],
                                                                        ["11", "10"]])]


@pytest.mark.parametrize("value, read", [
    ('"[0.5 × 10^1, 7; 11, 10]"', [["0.5 × 10^1", "7"], ["11", "10"]]),
    ('"[10 / 2, 7; 11, 10]"', [["10 / 2", "7"], ["11", "10"]]),
    ('"[1 -2; 3 4]"', [["1", "-2"], ["3", "4"]])])
def test_a_matlab_row_with_commas_keeps_its_spaced_numbers_whole(value, read):
    """Spaces split a row's numbers only where it has no commas: 0.5 × 10^1 is one."""
    assert parse_csv(f"conv1.out,{value}\n") == [("conv1.out", read)]


def test_a_matlab_matrix_with_an_empty_entry_is_unreadable_as_written():
    [(_, why)] = parse_csv('conv1.out,"[5,,7;11,10]"\n')
    assert "'[5,,7;11,10]'" in why
