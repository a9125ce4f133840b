"""Malformed answer files: a per-item reason in the marking, or one clear error line
(exit 2) when the file cannot be used at all; never a traceback."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from tracer.cli import main

SPEC = ["--example", "lecture"]

# (file name, content, cell label or key as reported, words in the reason)
ITEM_CASES = {
    "wrong shape": ("a.yaml", "conv1.out: [[5, 7, 1], [11, 10, 2]]\n", "conv1.out[0,0,0]",
                    "wrong shape (2, 3); expected (2, 2) (or (1, 2, 2))"),
    "text": ("a.yaml", "loss.out: about zero\n", "loss.out", "not a number: 'about zero'"),
    "unknown id": ("a.yaml", "conv1.outt: 5\n", "conv1.outt",
                   "unknown quantity id 'conv1.outt' (did you mean 'conv1.out'?)"),
    "not an id": ("a.yaml", "conv 1 out: 5\n", "conv 1 out", "not a quantity id or cell"),
    "layer name only": ("a.yaml", "pool1: 11\n", "pool1", "did you mean 'pool1.out'?"),
    "duplicate YAML key": ("a.yaml", "loss.out: 0.00002\nloss.out: 0.00003\n", "loss.out",
                           "given twice"),
    "duplicate JSON key": ("a.json", '{"loss.out": 0.00002, "loss.out": 0.00003}', "loss.out",
                           "given twice"),
    "student given twice": ("a.json", '{"student": "Ann", "student": "Bob", "loss.out": 2e-5}',
                            "student", "given twice (key 'student')"),
    "cell given twice": ("a.yaml", "conv1.out: [[5, 7], [11, 10]]\nconv1.out[0,1,0]: 11\n",
                         "conv1.out[0,1,0]", "keys 'conv1.out' and 'conv1.out[0,1,0]'"),
    "index out of range": ("a.yaml", "conv1.out[0,2,0]: 1\n", "conv1.out[0,2,0]",
                           "out of range for shape (1, 2, 2)"),
    "too many indices": ("a.yaml", "conv1.out[0,1,0,0]: 1\n", "conv1.out[0,1,0,0]",
                         "expected 3 indices"),
    "cell given a list": ("a.yaml", "conv1.out[0,1,0]: [11, 10]\n", "conv1.out[0,1,0]",
                          "a single cell needs one number"),
    "ragged": ("a.yaml", "conv1.out: [[5, 7], [11]]\n", "conv1.out[0,1,1]",
               "not a rectangular array"),
    "empty list": ("a.yaml", "conv1.out: []\n", "conv1.out[0,0,0]", "an empty list"),
    "boolean": ("a.yaml", "loss.out: true\n", "loss.out", "true is not a number"),
    "table in a matrix": ("a.yaml", "conv1.out: [[5, {a: 1}], [11, 10]]\n", "conv1.out[0,0,1]",
                          "expected a number, got a table"),
    "nan": ("a.yaml", "loss.out: .nan\n", "loss.out", "not a finite number"),
    "decimal comma": ("a.yaml", 'loss.out: "0,5"\n', "loss.out", "decimal comma"),
    "divide by zero": ("a.yaml", "loss.out: 1/0\n", "loss.out", "divides by zero"),
    "divide by a long zero": ("a.yaml", f"loss.out: 1/{'0' * 5000}\n", "loss.out",
                              "divides by zero"),
    "a zero of another script": ("a.yaml", 'loss.out: "1/\u0660"\n', "loss.out",
                                 "divides by zero"),
    "long denominator": ("a.yaml", f"loss.out: 1/{'9' * 4301}\n", "loss.out", "float64 range"),
    "date": ("a.yaml", "loss.out: 2024-01-01\n", "loss.out", "got a date"),
    "one number for a tensor": ("a.yaml", "conv1.out: 5\n", "conv1.out[0,1,1]",
                                "expected (1, 2, 2) values, got one number"),
    "csv one column": ("a.csv", "id,value\nloss.out\n", "loss.out", "expected two columns"),
    "csv three columns": ("a.csv", "loss.out,1,2\n", "loss.out", "got more"),
    "csv broken bracket": ("a.csv", "conv1.out,[[5,7],[11,10]\n", "conv1.out[0,0,0]",
                           "is not a list"),
    "out of range number": ("a.yaml", "loss.out: 1e999\n", "loss.out", "float64 range"),
    "percentage": ("a.yaml", "loss.out: 2%\n", "loss.out", "percentage"),
    "alias bomb": ("a.yaml", "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
        + "conv1.out: *i\n", "conv1.out[0,0,0]", "far too many values"),
    "deep nesting": ("a.yaml", "loss.out: " + "[" * 40 + "1" + "]" * 40 + "\n", "loss.out",
                     "far too many values or levels"),
    "list as a key": ("a.yaml", "? [1, 2]\n: 5\n", "(a list)", "not a quantity id"),
    "transposed": ("a.yaml", "input.out: [[1, 2], [3, 4]]\n", "input.out[0,0,0]",
                   "wrong shape (2, 2); expected (4, 4) (or (1, 4, 4))"),
    "decimal commas in a list": ("a.yaml", "dense1.out: [0,99998, 0,00001846]\n",
                                 "dense1.out[0]", "wrong shape (4,); expected (2,) (decimal "
                                 "commas? 0,99998 reads as two numbers; write 0.99998)"),
    "a decimal comma making rows ragged": ("a.yaml", "conv1.out: [[5, 7,5], [11, 10]]\n",
                                           "conv1.out[0,0,0]", "rows of different lengths "
                                           "or depths (decimal commas? 7,5 reads as two "
                                           "numbers; write 7.5)"),
    "one decimal comma in a list": ("a.yaml", "dense1.out: [5.5, -0,3]\n", "dense1.out[0]",
                                    "wrong shape (3,); expected (2,) (decimal commas? -0,3 "
                                    "reads as two numbers; write -0.3)"),
}

def _npz_bytes() -> bytes:
    """A weights file's bytes (an .npz given for an answer file)."""
    import io

    import numpy as np
    buffer = io.BytesIO()
    np.savez(buffer, weight=np.arange(12.0).reshape(3, 4))
    return buffer.getvalue()


# (file name, content or bytes, words in the one-line error)
FILE_CASES = {
    "empty file": ("a.yaml", "", "the file is empty"),
    "only comments": ("a.yaml", "# nothing yet\n", "no answers in the file"),
    "csv header only": ("a.csv", "id,value\n", "no answers in the file"),
    "bad YAML": ("a.yaml", "conv1.out: [[5, 7]\n", "not valid YAML"),
    "bad JSON": ("a.json", '{"conv1.out": [5, 7}', "not valid JSON"),
    "bad TOML": ("a.toml", "conv1.out = [5, 7\n", "not valid TOML"),
    "TOML duplicate": ("a.toml", '"loss.out" = 1\n"loss.out" = 2\n', "not valid TOML"),
    "top-level list": ("a.yaml", "- 5\n- 7\n", "at the top level"),
    "top-level number": ("a.json", "5", "at the top level"),
    "unknown file type": ("a.txt", "loss.out: 1\n", "unknown answer file type '.txt'"),
    "not UTF-8": ("a.yaml", b"loss.out: \xff\xfe\n", "is not UTF-8 text"),
    "binary": ("a.csv", _npz_bytes(), "is a binary file, not text; expected an answer file"),
}


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", list(ITEM_CASES), ids=list(ITEM_CASES))
def test_malformed_items_get_a_reason_each(case, tmp_path, capsys):
    name, content, label, words = ITEM_CASES[case]
    answers = tmp_path / name
    answers.write_text(content)
    out_json = tmp_path / "marks.json"
    code, out, err = run(["check", *SPEC, str(answers), "--json", str(out_json)], capsys)
    assert code == 0 and err == ""
    assert "Traceback" not in out
    cells = json.loads(out_json.read_text())["cells"]
    labelled = {c["id"] + ("[" + ",".join(map(str, c["index"])) + "]"
                           if c["index"] else "") for c in cells}
    found = [c for c in cells if c["verdict"] == "malformed" and words in (c["reason"] or "")]
    assert found, cells
    assert label in labelled or any(c["id"] == label for c in found)
    assert "unreadable (malformed; no credit):" in out and words in out


@pytest.mark.parametrize("name,content", [
    ("a.json", '{"student": "Ann", "loss.out": 2e-5, "student": "Bob"}'),
    ("a.yaml", "student: Ann\nloss.out: 2e-5\nstudent: Bob\n"),
])
def test_a_student_named_twice_is_unreadable_like_any_answer_given_twice(name, content,
                                                                          tmp_path, capsys):
    answers = tmp_path / name
    answers.write_text(content)
    marks = tmp_path / "marks.json"
    code, out, _ = run(["check", *SPEC, str(answers), "--json", str(marks)], capsys)
    assert code == 0
    data = json.loads(marks.read_text())
    assert data["student"] is None
    assert data["cells"][-1] == {
        "id": "student", "index": None, "given": None, "expected": None,
        "verdict": "malformed", "diagnosis": None, "given_text": None, "follow_through": None,
        "diagnosis_text": None, "reason": "given twice (key 'student'); give each answer once"}
    assert data["points"] == 1 and data["out_of"] == 2
    assert "(Ann)" not in out and "(Bob)" not in out


def test_several_malformed_items_in_one_file_are_each_reported(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    answers.write_text("conv1.out: [[5, 7], [11, 10]]\nloss.out: zero\nconv1.outt: 1\n"
                       "pool1.out: [[11, 12]]\n")
    code, out, _ = run(["check", *SPEC, str(answers)], capsys)
    assert code == 0
    assert "loss.out: not a number: 'zero'" in out
    assert "conv1.outt: unknown quantity id" in out
    assert "pool1.out[0,0,0]: wrong shape (1, 2)" in out
    assert "4 correct" in out and "3 malformed" in out


@pytest.mark.parametrize("case", list(FILE_CASES), ids=list(FILE_CASES))
def test_unusable_files_give_one_line_and_exit_2(case, tmp_path, capsys):
    name, content, words = FILE_CASES[case]
    answers = tmp_path / name
    if isinstance(content, bytes):
        answers.write_bytes(content)
    else:
        answers.write_text(content)
    code, out, err = run(["check", *SPEC, str(answers)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("cnntrace: error: ") and err.count("\n") == 1
    assert str(answers) in err and words in err, err


def test_missing_file_and_folder_are_one_line(tmp_path, capsys):
    for path, words in ((tmp_path / "nope.yaml", "no such file"), (tmp_path, "is a folder")):
        target = path if path.suffix else tmp_path / "dir.yaml"
        if words == "is a folder":
            target.mkdir()
        code, _, err = run(["check", *SPEC, str(target)], capsys)
        assert code == 2 and words in err and err.count("\n") == 1


def test_a_transposed_matrix_is_named(tmp_path, capsys):
    spec = tmp_path / "wide.yaml"
    spec.write_text("input: [[1,2,0,1,2],[3,1,1,5,0],[0,2,2,0,1],[1,0,3,1,2]]\ntarget: 0\n"
                    "layers:\n  - {type: conv2d, weight: [[1,0,1],[0,1,0],[1,0,1]], bias: 1}\n"
                    "  - {type: flatten}\n  - {type: dense, units: 2}\n  - {type: softmax}\n")
    answers = tmp_path / "a.yaml"
    answers.write_text("conv1.out: [[5, 7], [11, 10], [1, 2]]\n")  # (3, 2) for (1, 2, 3)
    code, out, _ = run(["check", str(spec), str(answers)], capsys)
    assert code == 0
    assert "wrong shape (3, 2); expected (2, 3) (or (1, 2, 3)) (transposed?)" in out


def test_no_answer_files_is_an_error(capsys):
    code, _, err = run(["check", *SPEC], capsys)
    assert code == 2 and "missing ANSWERS" in err


def test_one_unusable_file_among_several_still_checks_the_others(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text("conv1.out: [[5, 7], [11, 10]]\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("conv1.out: [[5, 7]\n")
    code, out, err = run(["check", *SPEC, str(good), str(bad)], capsys)
    assert code == 2
    assert f"{good}: score: 4/4" in out and "class view: 1 sheet" in out
    assert err.count("\n") == 1 and str(bad) in err and "not valid YAML" in err


def _reasons_in_html(html: str) -> dict[str, str]:
    """Cell label -> the text beside it in the summary table, for unreadable cells."""
    table = html[html.index('class="marking"'):]
    table = table[:table.index("</table>")]
    reasons = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL):
        cells = [" ".join(re.sub(r"<[^>]+>", "", c).split())
                 for c in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]
        if cells and cells[-2] in ("unreadable", "읽을 수 없음"):
            reasons[cells[0]] = unescape(cells[-1])
    return reasons


KOREAN_REPRO = ("conv1.out: [[5, 7], [11, 10]]\nconv1.out[0,1,0]: 12\n"
                "conv1.out: [[5, 7], [11, 9]]\nrelu1.out: [[5, 7], [11]]\nconv1.ot: 1\n"
                'dense1.out: [5.6, "abc"]\n')


def test_korean_report_gives_the_reasons_in_korean(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    answers.write_text(KOREAN_REPRO)
    report = tmp_path / "r.html"
    code, _, _ = run(["check", *SPEC, str(answers), "--lang", "ko", "--html", str(report),
                      "-q"], capsys)
    assert code == 0
    reasons = _reasons_in_html(report.read_text())
    assert reasons["conv1.out[0,0,0]"] == \
        "두 번 주어졌습니다 (키 'conv1.out'). 답은 한 번씩만 쓰세요"
    assert reasons["conv1.out[0,1,0]"] == \
        "두 번 주어졌습니다 (키 'conv1.out[0,1,0]', 'conv1.out'). 답은 한 번씩만 쓰세요"
    assert reasons["relu1.out[0,0,0]"] == "직사각형 배열이 아닙니다: 행의 길이나 깊이가 다릅니다"
    assert reasons["dense1.out[1]"] == "숫자가 아닙니다: 'abc'"
    assert reasons["conv1.ot"] == "알 수 없는 값 이름 'conv1.ot' ('conv1.out'을 뜻했나요?)"


@pytest.mark.parametrize("case", list(ITEM_CASES), ids=list(ITEM_CASES))
def test_every_reason_has_a_korean_sentence(case, tmp_path, capsys):
    name, content, _, words = ITEM_CASES[case]
    answers = tmp_path / name
    answers.write_text(content)
    reports = {lang: tmp_path / f"{lang}.html" for lang in ("en", "ko")}
    for lang, report in reports.items():
        assert run(["check", *SPEC, str(answers), "--lang", lang, "--html", str(report),
                    "-q"], capsys)[0] == 0
    english = _reasons_in_html(reports["en"].read_text())
    korean = _reasons_in_html(reports["ko"].read_text())
    assert any(words in reason for reason in english.values()), english
    assert korean.keys() == english.keys()
    for label_shown, reason in korean.items():
        assert re.search("[\uac00-\ud7a3]", reason), (label_shown, reason)
        assert words not in reason


def test_four_numbers_for_two_get_no_decimal_comma_hint_unless_they_pair_up(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    out_json = tmp_path / "marks.json"
    for written in ("[0.5, 99998, 0, 1846]", "[1, 2, 3]", "[1, -2, 3, 4]", "[[5, 6], [7, 8]]"):
        answers.write_text(f"dense1.out: {written}\n")
        run(["check", *SPEC, str(answers), "--json", str(out_json), "--force"], capsys)
        reasons = {c["reason"] for c in json.loads(out_json.read_text())["cells"]}
        assert not any("decimal" in (r or "") for r in reasons), (written, reasons)
        assert any((r or "").startswith("wrong shape") for r in reasons), (written, reasons)
    for written in ("dense1.out: [[0,5, 0,25]]", "conv1.out: [[0,5, 0,25], [1,5, 2,5]]",
                    "flatten1.out: [0,5]", "pool1.out: [[[0,5]]]", "softmax1.sum: [0,5]"):
        answers.write_text(written + "\n")
        run(["check", *SPEC, str(answers), "--json", str(out_json), "--force"], capsys)
        assert "write 0.5)" in json.loads(out_json.read_text())["cells"][0]["reason"]


@pytest.mark.parametrize("name, text", [("a.yaml", '"conv1.out[0 1,0]": 5\n'),
                                        ("a.csv", "conv1.out[0\t1,0],5\n")])
def test_a_cell_index_with_a_space_for_a_comma_is_malformed_not_a_traceback(
        name, text, tmp_path, capsys):
    """int('0 1') raised ValueError: 'conv1.out[0 1,0]' matched the id pattern, whose index
    allowed any whitespace (a tab- or space-separated spreadsheet row writes it)."""
    answers = tmp_path / name
    answers.write_text(text)
    assert main(["check", "--example", "lecture", str(answers)]) == 0
    out = capsys.readouterr().out
    assert "conv1.out[0" in out and "not a quantity id or cell" in out


@pytest.mark.parametrize("command", [["sheet"], ["render", "--mode", "worksheet"],
                                     ["export", "moodle"]])
def test_a_blank_cell_with_a_space_for_a_comma_is_one_line(command, tmp_path, capsys):
    code = main([*command, "--example", "lecture", "--blank", "conv1.out[0 1,0]",
                 *(["--out", str(tmp_path / "out")] if command[0] == "render" else [])])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--blank" in err and "Traceback" not in err


def test_a_cell_index_may_have_spaces_and_a_trailing_comma():
    from tracer.trace import parse_cell
    assert parse_cell("conv1.out[ 0 , 1 ,]") == ("conv1.out", (0, 1))
    for bad in ("conv1.out[0 1]", "conv1.out[0,,1]", "conv1.out[,]"):
        with pytest.raises(KeyError):
            parse_cell(bad)


@pytest.mark.parametrize("command", [["sheet"], ["render", "--mode", "worksheet"],
                                     ["export", "moodle"]])
def test_a_blank_that_selects_nothing_is_refused_as_export_refuses_it(command, tmp_path,
                                                                       capsys):
    """--blank backward on a forward-only spec made a worksheet with nothing to fill in
    and a sheet scored 0/0 (export refused it already)."""
    import tomllib

    from tracer.spec import EXAMPLES_DIR
    data = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    del data["target"]
    spec = tmp_path / "forward.json"
    spec.write_text(json.dumps(data))
    out = tmp_path / "out"
    code = main([*command, str(spec), "--blank", "backward",
                 *(["--out", str(out)] if command[0] == "render" else [])])
    assert code == 2 and "selects no cell to ask" in capsys.readouterr().err
    assert not out.exists()


def test_a_list_with_a_space_after_every_comma_gets_no_decimal_comma_hint(tmp_path, capsys):
    """[[8, 8]] for one pooled cell was told 'decimal commas? 8,8 ...; write 8.8'."""
    answers = tmp_path / "a.yaml"
    answers.write_text("pool1.out: [[8, 8]]\n")
    assert main(["check", "--example", "lecture", str(answers)]) == 0
    out = capsys.readouterr().out
    assert "pool1.out[0,0,0]: wrong shape (1, 2); expected (1, 1)" in out and "decimal" not in out


def test_uneven_spacing_in_a_list_of_whole_numbers_gets_no_decimal_comma_hint(tmp_path,
                                                                             capsys):
    """[[5,7], [11, 10], [1, 2]] was told 'write 5.7', which would make its rows ragged."""
    answers = tmp_path / "a.yaml"
    answers.write_text("conv1.out: [[5,7], [11, 10], [1, 2]]\n")
    assert main(["check", "--example", "lecture", str(answers)]) == 0
    out = capsys.readouterr().out
    assert "wrong shape (3, 2); expected (2, 2)" in out and "decimal" not in out


@pytest.mark.parametrize("name, text", [
    ("a.json", '{"a": ' * 600 + "1" + "}" * 600),  # json reads it; the tables' walk did not
    ("a.toml", "conv1.out = " + "[" * 900 + "1" + "]" * 900 + "\n"),
    ("a.yaml", "conv1.out: " + "[" * 150 + "1" + "]" * 150 + "\n"),
])
def test_answers_nested_too_deeply_say_so_in_either_language(tmp_path, capsys, name, text):
    """'maximum recursion depth exceeded' and 'nested more than 100 levels deep' were said
    in English under --lang ko."""
    answers = tmp_path / name
    answers.write_text(text)
    assert main(["check", "--example", "lecture", str(answers)]) == 2
    assert capsys.readouterr().err.endswith("lists or tables nested too deeply\n")
    assert main(["check", "--example", "lecture", str(answers), "--lang", "ko"]) == 2
    assert capsys.readouterr().err.endswith("목록이나 표가 너무 깊게 중첩되어 있습니다\n")


def test_a_spreadsheets_empty_columns_after_the_values_are_read_past(tmp_path, capsys):
    """A spreadsheet saves 'loss.out,1.846e-5,' with an empty third column: every row was
    'got more' columns, the sheet unreadable."""
    answers = tmp_path / "a.csv"
    answers.write_text("id,value,\nconv1.out,\"[[5,7],[11,10]]\",,\nloss.out,1.846e-5,\n"
                       "relu1.out,,\n")
    assert main(["check", "--example", "lecture", str(answers)]) == 0
    assert "score: 5/9 cells = 55.55 %  (5 correct, 0 follows, 0 wrong, 4 missing, 0 " \
           "malformed)" in capsys.readouterr().out


def test_an_unreadable_variant_row_is_named_not_taken_for_a_variant(tmp_path, capsys):
    """'variant,2025,01' made a variant id of its parse error: 'an answer sheet for
    variant line 2: expected two columns ...'."""
    answers = tmp_path / "a.csv"
    answers.write_text("id,value\nvariant,2025,01\nloss.out,0.2204\n")
    assert main(["check", "--example", "lecture", str(answers)]) == 2
    assert capsys.readouterr().err == (f"cnntrace: error: {answers}: variant: line 2: "
                                       "expected two columns 'id,value', got more; put a "
                                       "whole tensor in brackets\n")
