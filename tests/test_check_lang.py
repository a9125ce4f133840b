"""`cnntrace check --lang ko`: the terminal report and the class view in Korean, with
columns that line up in a terminal (a Hangul syllable takes two columns); English stays
the default, byte for byte, and the JSON keeps its English machine keys."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from tracer.check import Checker
from tracer.check.report import render_marking, table
from tracer.cli import main
from tracer.spec import load_example

FIXTURE = Path(__file__).parent / "fixtures" / "lecture_slides.yaml"
CARELESS = ("conv1.out: [[4, 6], [10, 9]]\nconv1.bias_new: 1.00002\n"
            "conv1.weight_new: x\nfoo.bar: 1\n")
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# the English report of CARELESS as `cnntrace check` printed it before --lang reached the
# terminal ({path} is the answer file)
CARELESS_EN = """\
cnntrace check: {path}
spec: 4x4 input, one 3x3 filter | float arithmetic | tolerance: to the digits written \
(rounded or truncated)

quantity          cells  correct  follows  wrong  missing  malformed  first wrong   \
expected    given  diagnosis
conv1.out             4        -        -      4        -          -  [0,0,0]      \
        5        4  bias forgotten (x4)
conv1.weight_new      9        -        -      -        -          9
conv1.bias_new        1        -        -      1        -          -  [0]          \
1.0000018  1.00002  learning rate not applied
(other keys)          1        -        -      -        -          1

wrong cells (expected = the trace; yours = from your own earlier numbers):
  conv1.out[0,0,0]: given 4, expected 5  <- bias forgotten
  conv1.out[0,0,1]: given 6, expected 7  <- bias forgotten
  conv1.out[0,1,0]: given 10, expected 11  <- bias forgotten
  conv1.out[0,1,1]: given 9, expected 10  <- bias forgotten
  conv1.bias_new[0]: given 1.00002, expected 1.0000018, yours 1.0000050  \
<- learning rate not applied (from your right numbers)
first divergence: conv1.out[0,0,0] (bias forgotten)

unreadable (malformed; no credit):
  conv1.weight_new (9 cells): expected (1, 1, 3, 3) values, got the text 'x'
  foo.bar: unknown quantity id 'foo.bar'

score: 0/15 cells = 0.00 %  (0 correct, 0 follows, 5 wrong, 0 missing, 10 malformed)
"""


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def cell_spans(line: str) -> list[tuple[int, int]]:
    """(first, past-last) display column of each cell of a table line: cells are runs of
    words one space apart, two or more spaces apart from each other."""
    return [(width(line[:m.start()]), width(line[:m.end()]))
            for m in re.finditer(r"\S+(?: \S+)*", line)]


def assert_lines_up(lines: list[str]) -> None:
    """Every column's cells all start, or (numbers, right-aligned) all end, at the same
    display column as the header's."""
    header = cell_spans(lines[0])
    rows = [cell_spans(line) for line in lines[1:]]
    for column, (start, end) in enumerate(header):
        cells = [row[column] for row in rows if len(row) > column]
        assert cells, f"column {column} is empty"
        starts = all(cell[0] == start for cell in cells)
        ends = all(cell[1] == end for cell in cells)
        assert starts or ends, (column, (start, end), cells)


def table_lines(out: str, first_word: str) -> list[str]:
    """The table of ``out`` whose header begins with ``first_word``: up to a blank line."""
    lines = out.splitlines()
    top = next(i for i, line in enumerate(lines) if line.split()[:1] == [first_word])
    bottom = next((i for i in range(top, len(lines)) if not lines[i].strip()), len(lines))
    return lines[top:bottom]


def test_single_sheet_report_is_korean(tmp_path, capsys):
    korean_json, english_json = tmp_path / "ko.json", tmp_path / "en.json"
    code, out, err = run(["check", "--example", "lecture", str(FIXTURE), "--lang", "ko",
                          "--json", str(korean_json)], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"cnntrace 채점: {FIXTURE}  (lecture slides (section 5))"
    assert lines[1].startswith("명세: 4x4 입력, 3x3 필터 하나 | 부동소수점 산술 | "
                               "허용 오차: 쓴 자릿수까지 (반올림 또는 버림)")
    header = table_lines(out, "값")[0]
    for word in ("칸", "맞음", "이어짐", "틀림", "답 없음", "읽을 수 없음", "첫 실수", "정답",
                 "쓴 값", "진단"):
        assert word in header
    row = next(line for line in lines if line.startswith("dense1.grad_weight "))
    assert row.split()[:7] == ["dense1.grad_weight", "2", "-", "1", "1", "-", "-"]
    assert row.endswith("-0.0002030  0.00022  부호가 바뀜")  # the diagnosis: sign flipped
    conv = next(line for line in lines if line.startswith("conv1.weight_new "))
    assert conv.endswith("학습률을 곱하지 않음 (7칸)")
    assert ("  dense1.grad_weight[0,0]: 쓴 값 0.00022, 정답 -0.0002030, 여러분의 계산 -0.00022"
            "  <- 부호가 바뀜 (여러분이 쓴 값으로 계산)") in lines
    assert "첫 실수: dense1.grad_weight[0,0] (부호가 바뀜)" in lines
    assert lines[-1] == ("점수: 80/91칸 = 87.91 %  "
                         "(맞음 77, 이어짐 3, 틀림 11, 답 없음 0, 읽을 수 없음 0)")
    for english in ("score:", "correct,", "cells =", "quantity", "diagnosis", "wrong cells",
                    "first divergence", "follow-through", "sign flipped",
                    "learning rate not applied", "arithmetic", "tolerance"):
        assert english not in out, english
    # the JSON keeps its English machine keys and texts
    assert run(["check", "--example", "lecture", str(FIXTURE), "-q",
                "--json", str(english_json)], capsys)[0] == 0
    assert korean_json.read_text() == english_json.read_text()
    cell = next(c for c in json.loads(korean_json.read_text())["cells"]
                if c["id"] == "dense1.grad_weight" and c["index"] == [0, 0])
    assert cell["diagnosis"] == "sign_flipped" and cell["diagnosis_text"] == "sign flipped"


def test_unmarked_items_and_tolerance_are_korean(tmp_path, capsys):
    answers = tmp_path / "careless.yaml"
    answers.write_text(CARELESS)
    code, out, _ = run(["check", "--example", "lecture", str(answers), "--lang", "ko",
                        "--atol", "1e-4"], capsys)
    assert code == 0
    assert "허용 오차: |쓴 값 - 정답| <= 0.0001 + 0 |정답|" in out
    # its inputs are all given numbers: no "from your numbers" to tell
    assert "  conv1.out[0,0,0]: 쓴 값 4, 정답 5  <- 편향을 빠뜨림" in out.splitlines()
    assert "편향을 빠뜨림 (4칸)" in out
    assert "읽을 수 없음 (점수 없음):" in out
    assert "  conv1.weight_new (9칸): 모양 (1, 1, 3, 3)의 값들이 필요한데 글자 'x'입니다" in out
    assert "  foo.bar: 알 수 없는 값 이름 'foo.bar'" in out
    assert "not marked" not in out and "unknown quantity id" not in out
    assert "bias forgotten" not in out and "given -" not in out


def test_class_view_is_korean(tmp_path, capsys):
    careless = tmp_path / "careless.yaml"
    careless.write_text(CARELESS)
    code, out, _ = run(["check", "--example", "lecture", str(FIXTURE), str(careless),
                        "--lang", "ko"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (f"{FIXTURE} (lecture slides (section 5)): 점수: 80/91칸 = 87.91 %  "
                        "(맞음 77, 이어짐 3, 틀림 11, 답 없음 0, 읽을 수 없음 0); "
                        "첫 실수: dense1.grad_weight[0,0] (부호가 바뀜)")
    assert lines[1].endswith("; 첫 실수: conv1.out[0,0,0] (편향을 빠뜨림)")
    assert "반 전체: 답안지 2장" in lines
    header = table_lines(out, "값")[0]
    assert header.split("  ")[0] == "값" and "실수한 답안지" in header and "오답률" in header \
        and "가장 흔한 실수" in header
    row = next(line for line in lines if line.startswith("conv1.bias_new "))
    assert row.split()[:4] == ["conv1.bias_new", "2", "2", "100.0"]
    assert row.endswith("학습률을 곱하지 않음 (2장)")
    assert lines[-1] == ("가장 많이 틀린 단계: conv1.bias_new (이 값이 있는 답안지 2장 중 "
                         "2장에서 실수, 답을 쓴 칸 중 100.0 %가 틀림)")
    for english in ("score:", "correct,", "first slip", "class view", "sheets wrong",
                    "most missed", "learning rate not applied", "bias forgotten"):
        assert english not in out, english


def test_english_is_the_default_and_unchanged(tmp_path, capsys):
    answers = tmp_path / "careless.yaml"
    answers.write_text(CARELESS)
    outputs = {}
    for lang in (None, "en", "ko"):
        code, outputs[lang], _ = run(["check", "--example", "lecture", str(answers)]
                                     + (["--lang", lang] if lang else []), capsys)
        assert code == 0
    assert outputs[None] == CARELESS_EN.format(path=answers)
    assert outputs["en"] == outputs[None]
    assert outputs["ko"] != outputs[None] and HANGUL.search(outputs["ko"])
    # library callers: the default is English, lang= picks the language
    checker = Checker(load_example("lecture"))
    marking = checker.check_file(str(answers))
    args = (marking, checker.trace.title, checker.tolerance, checker.trace.mode)
    assert render_marking(*args) == outputs[None]
    korean = (marking, "4x4 입력, 3x3 필터 하나", *args[2:])  # --lang ko: the example's
    assert render_marking(*korean, lang="ko") == outputs["ko"]  # Korean title (as demo)


def test_korean_columns_line_up(tmp_path, capsys):
    careless = tmp_path / "careless.yaml"
    careless.write_text(CARELESS)
    code, out, _ = run(["check", "--example", "lecture", str(FIXTURE), "--lang", "ko"],
                       capsys)
    assert code == 0
    marking_table = table_lines(out, "값")
    assert len(marking_table) == 29 and HANGUL.search(marking_table[0])
    assert_lines_up(marking_table)
    code, out, _ = run(["check", "--example", "lecture", str(FIXTURE), str(careless),
                        "--lang", "ko"], capsys)
    class_table = table_lines(out, "값")
    assert HANGUL.search(class_table[0]) and any(HANGUL.search(r) for r in class_table[1:])
    assert_lines_up(class_table)


def test_table_pads_to_display_width():
    lines = table([["편향을 빠뜨림", "1", "a"], ["sign flipped", "22", "b"]],
                  ("진단", "칸", "값"))
    assert lines == ["진단" + " " * 11 + "칸  값",  # 진단 is 4 columns wide, not 2
                     "편향을 빠뜨림" + " " * 3 + "1  a",
                     "sign flipped" + " " * 3 + "22  b"]
    assert_lines_up(lines)


def test_a_sheet_asking_only_the_update_is_not_told_from_your_numbers(tmp_path, capsys):
    """The student wrote no gradient: the + for - slip is worked from the trace's own
    numbers, and the carried value is the trace's (no "yours" twin differing in the 12th
    digit where the gradient's terms cancel)."""
    trace = Checker(load_example("lecture")).trace
    wrong = trace.numbers("conv1.weight") + float(trace.learning_rate) * trace.numbers(
        "conv1.grad_weight")
    answers = tmp_path / "update.yaml"
    answers.write_text("conv1.weight_new: " + str([[float(f"{v:.10g}") for v in row]
                                                     for row in wrong[0, 0]]) + "\n")
    code, out, _ = run(["check", "--example", "lecture", str(answers)], capsys)
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("  conv1.weight_new[")]
    assert len(lines) == 7
    for line in lines:
        assert line.endswith("<- update with + instead of -"), line
        assert "yours" not in line and "from your" not in line, line


def test_file_errors_are_said_in_korean_and_stay_english_for_the_library(tmp_path, capsys):
    """The errors a teacher meets first (a missing or unreadable file, a file that would
    be overwritten, a class's empty sheet) follow --lang; str(err) stays English."""
    import pytest

    from tracer.files import OutputError, check_target
    from tracer.spec import SpecError, load_spec
    user = tmp_path / "user.html"
    user.write_text("my page", encoding="utf-8")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    sheet = tmp_path / "ok.yaml"
    sheet.write_text("conv1.out: [[5, 7], [11, 10]]\n", encoding="utf-8")
    cases = [
        (["render", str(tmp_path / "none.toml"), "--lang", "ko"],
         f"cnntrace: 오류: {tmp_path / 'none.toml'}: 파일이 없습니다"),
        (["check", "--example", "lecture", str(sheet), "--html", str(user), "--lang", "ko"],
         f"cnntrace: 오류: {user}: 이미 있고 cnntrace가 만든 파일이 아닙니다. 다른 이름을 "
         "고르거나 --force를 붙이세요"),
        (["render", str(empty), "--lang", "ko"],
         f"cnntrace: 오류: {empty}: 파일이 비어 있습니다. input, target, layers가 있는 명세를 "
         "주세요"),
    ]
    for argv, line in cases:
        code, out, err = run(argv, capsys)
        assert code == 2 and err.splitlines() == [line], err
    code, out, err = run(["check", "--example", "lecture", str(sheet), str(empty), "--lang",
                          "ko"], capsys)
    assert code == 2
    assert "  empty.yaml: 파일이 비어 있습니다" in out.replace(str(tmp_path) + "/", "")
    assert not HANGUL.search(str(pytest.raises(SpecError, load_spec, tmp_path / "x.toml").value))
    with pytest.raises(OutputError) as info:
        check_target(user)
    assert str(info.value) == (f"{user}: already exists and was not written by cnntrace; "
                               "choose another name or pass --force")
    assert info.value.text("ko").startswith(f"{user}: 이미 있고")


def test_blank_errors_are_said_in_korean(capsys):
    code, _, err = run(["render", "--example", "lecture", "--mode", "worksheet", "--blank",
                        "conv1.ot", "--lang", "ko"], capsys)
    assert code == 2 and err == ("cnntrace: 오류: --blank: 'conv1.ot'(이)라는 값이 없습니다 "
                                 "(혹시 'conv1.out'?). conv1.out 같은 값 이름, "
                                 "conv1.out[0,1,0] 같은 칸, 또는 forward, backward, update, "
                                 "all 중 하나를 주세요\n")
    code, _, err = run(["sheet", "--example", "lecture", "--blank", "conv1.out[0,1,0,0,0]",
                        "--lang", "ko"], capsys)
    assert code == 2 and err == ("cnntrace: 오류: --blank: 'conv1.out[0,1,0,0,0]'에 첨자가 "
                                 "5개 있습니다. 모양이 (1, 2, 2)인 conv1.out에는 3개가 "
                                 "필요합니다(길이 1인 축을 빼면 2개)\n")
    code, _, err = run(["render", "--example", "lecture", "--mode", "key", "--blank", ",",
                        "--lang", "ko"], capsys)
    assert code == 2 and err.startswith("cnntrace: 오류: --blank: 값 이름(conv1.out)")
    code, _, err = run(["sheet", "--example", "lecture", "--blank", "input.out"], capsys)
    assert code == 2 and "is given on every worksheet" in err


def test_not_updated_cells_are_told_without_a_basis(tmp_path, capsys):
    """'not updated (from the trace)' on eight cells and no basis on the ninth: the
    value before the step is no computation from anyone's numbers."""
    answers = tmp_path / "before.yaml"
    answers.write_text("conv1.weight_new: [[1, 0, 1], [0, 1, 0], [1, 0, 1]]\n"
                       "conv1.bias_new: 1\n", encoding="utf-8")
    code, out, _ = run(["check", "--example", "lecture", str(answers)], capsys)
    assert code == 0
    lines = [line for line in out.splitlines() if "<-" in line]
    assert len(lines) == 8  # the two weights the step leaves at 0 are right as written
    assert all(line.endswith("<- not updated (the value before the step)") for line in lines)


def test_an_answer_sheets_own_blanks_line_is_faulted_in_korean(tmp_path, capsys):
    answers = tmp_path / "blanks.yaml"
    answers.write_text('blanks: "conv1.ot"\nconv1.out: [[5, 7], [11, 10]]\n', encoding="utf-8")
    code, out, err = run(["check", "--example", "lecture", str(answers), "--lang", "ko"],
                         capsys)
    assert code == 2 and err == (f"cnntrace: 오류: {answers}: blanks: 'conv1.ot'(이)라는 값이 "
                                 "없습니다 (혹시 'conv1.out'?). conv1.out 같은 값 이름, "
                                 "conv1.out[0,1,0] 같은 칸, 또는 forward, backward, update, "
                                 "all 중 하나를 주세요\n")
    code, out, err = run(["check", "--example", "lecture", str(answers)], capsys)
    assert code == 2 and err.startswith(f"cnntrace: error: {answers}: blanks: no quantity "
                                        "'conv1.ot' (did you mean 'conv1.out'?)")


def test_an_unreadable_answer_file_is_said_in_korean(tmp_path, capsys):
    answers = tmp_path / "bad.json"
    answers.write_text('{"conv1.out": [−5]}', encoding="utf-8")
    code, _, err = run(["check", "--example", "lecture", str(answers), "--lang", "ko"], capsys)
    assert code == 2 and err.startswith(f"cnntrace: 오류: {answers}: 올바른 JSON 파일이 아닙니다: ")
    assert err.endswith(". ×, ⁻, −를 쓴 수는 따옴표로 감싸세요. 예: \"9.555×10⁻²\"\n")
    code, _, err = run(["check", "--example", "lecture", str(answers)], capsys)
    assert err.endswith('; put a number written with ×, ⁻ or − in quotes, e.g. "9.555×10⁻²"\n')


def test_a_korean_generated_spec_is_kept_as_an_editable_file(tmp_path, capsys):
    """It was called 'not written by cnntrace': the Korean header was no marker."""
    spec = tmp_path / "ex.toml"
    assert run(["generate", "--seed", "12", "--lang", "ko", "--out", str(spec)], capsys)[0] == 0
    assert spec.read_text(encoding="utf-8").startswith("# cnntrace 생성 (")
    code, _, err = run(["generate", "--seed", "3", "--lang", "ko", "--out", str(spec)], capsys)
    assert code == 2 and "cnntrace가 채우거나 고치라고 만든 파일(답안지나 명세)이라" in err


def test_the_commands_usage_errors_are_said_in_korean(tmp_path, capsys):
    sheet = tmp_path / "answers.yaml"
    sheet.write_text("conv1.out: [[5, 7], [11, 10]]\n", encoding="utf-8")
    cases = [
        (["render", "--lang", "ko"], "cnntrace: 오류: SPEC이 없습니다. 명세 파일(.toml, .yaml, "
         ".json), --example {lecture} 또는 --preset NAME을 주세요"),
        (["render", "--example", "lecture", "--mode", "worksheet", "--lang", "ko"],
         "cnntrace: 오류: --mode worksheet에는 --blank가 필요합니다(값 이름, 칸, 또는 forward, "
         "backward, update, all)"),
        (["render", "--example", "lecture", "--format", "docx", "--lang", "ko"],
         "cnntrace: 오류: --format: 알 수 없는 형식 docx. html, pdf, tex 중에서 주세요"),
        (["check", str(sheet), "--lang", "ko"],
         f"cnntrace: 오류: {sheet}: 명세가 아니라 답안 파일로 보입니다. 명세를 먼저 주세요: "
         "cnntrace check SPEC ANSWERS... (또는 --example NAME ANSWERS...)"),
    ]
    for argv, line in cases:
        code, _, err = run(argv + ["--out", str(tmp_path / "o")] if argv[0] == "render"
                           else argv, capsys)
        assert code == 2 and err.splitlines() == [line], err
    code, _, err = run(["render", "--lang", "en", "--out", str(tmp_path / "o")], capsys)
    assert err == ("cnntrace: error: missing SPEC: give a spec file (.toml, .yaml, .json), "
                   "--example {lecture} or --preset NAME\n")


def test_generate_errors_are_said_in_korean(capsys):
    code, _, err = run(["generate", "--input-values", "0..0", "--lang", "ko"], capsys)
    assert code == 2 and err == (
        "cnntrace: 오류: generate: 4000번 뽑는 동안 '어떤 풀링 영역에도 동점이 없음' 조건을 "
        "만족하는 명세가 없었습니다(입력 4x4, 값 0..0, 커널 3x3, 값 -1..1, 클래스 2개). "
        "--input-values나 --kernel-values를 넓히거나 크기를 바꾸세요\n")
    code, _, err = run(["generate", "--input", "2x2", "--kernel", "3", "--lang", "ko"],
                       capsys)
    assert code == 2
    assert err == "cnntrace: 오류: --kernel: 3x3 커널이 2x2 입력에 들어가지 않습니다\n"
    code, _, err = run(["generate", "--input-values", "0..0"], capsys)
    assert err == ("cnntrace: error: generate: no spec met 'no ties in any pooling window' in "
                   "4000 draws (input 4x4 with values 0..0, kernel 3x3 with values -1..1, 2 "
                   "classes); widen --input-values or --kernel-values, or change the sizes\n")


def test_a_blank_with_a_bracket_left_open_is_named_whole(capsys):
    """'conv1.out[0,1' was split at its comma and reported as no quantity 'conv1.out[0'."""
    code, _, err = run(["sheet", "--example", "lecture", "--blank", "conv1.out[0,1"], capsys)
    assert code == 2 and err == ("cnntrace: error: --blank: 'conv1.out[0,1' has a bracket left "
                                 "open or unopened; expected cells such as conv1.out[0,1,0]\n")
    code, _, err = run(["sheet", "--example", "lecture", "--blank", "conv1.out[0,1",
                        "--lang", "ko"], capsys)
    assert err == ("cnntrace: 오류: --blank: 'conv1.out[0,1'에 짝이 맞지 않는 괄호가 있습니다. "
                   "conv1.out[0,1,0]처럼 써 주세요\n")


def test_the_last_blank_errors_and_a_batchs_generate_error_are_korean(tmp_path, capsys):
    cases = [
        (["render", "--example", "lecture", "--blank", "forward", "--out", str(tmp_path / "r")],
         "cnntrace: 오류: --blank: 빈칸은 연습지나 정답지에만 나옵니다. --mode worksheet(또는 "
         "--mode key)를 붙이세요"),
        (["export", "moodle", "--preset", "digits-cnn", "--blank", "all"],
         "cnntrace: 오류: --blank: all은(는) 915칸을 고릅니다. 퀴즈로 물을 만한 500문항보다 "
         "많으니 pool1.out 또는 conv1.out[0,5,4]처럼 값 이름이나 칸을 주세요"),
        (["export", "moodle", "--example", "lecture", "--blank", ""],
         "cnntrace: 오류: --blank: 값 이름(conv1.out), 칸(conv1.out[0,1,0]) 또는 forward, "
         "backward, update, all을 주세요. 아무것도 없으면 빈칸 없는 연습지가 됩니다"),
    ]
    for argv, line in cases:
        code, _, err = run(argv + ["--lang", "ko"], capsys)
        assert code == 2 and err.splitlines() == [line], err
    code, _, err = run(["batch", "--count", "1", "--input-values", "0..0", "--lang", "ko",
                        "--html", "--no-pdf", "--quiet", "--out", str(tmp_path / "b")], capsys)
    assert code == 1 and err.startswith("cnntrace: 오류: 변형 0-01(시드 0): generate: 4000번 ")
    code, _, err = run(["generate", "--input", "3x3", "--kernel", "3", "--lang", "ko"], capsys)
    assert err.endswith("3x3 입력과 3x3 커널의 합성곱 출력은 1x1입니다\n")


@pytest.mark.parametrize("name, text, korean, english", [
    ("list.yaml", "[1, 2, 3]\n", "맨 위에 값 이름과 값이 있어야 하는데(예: conv1.out: [[5, 7], "
     "[11, 10]]) 값 3개의 목록입니다", "expected quantity ids with values at the top level "
     "(e.g. conv1.out: [[5, 7], [11, 10]]), got a list of 3"),
    ("b.csv", "id,value\nblanks\nconv1.out,5\n", "blanks: 2번째 줄: 'id,value' 두 열이어야 "
     "하는데 한 열입니다", "blanks: line 2: expected two columns"),
    ("b.yaml", "blanks: {a: 1}\n", "blanks: \"forward\"나 \"conv1.out,relu1.out\" 같은 "
     "--blank 선택이어야 하는데 표입니다", "blanks: expected a --blank selection such as "
     "\"forward\" or \"conv1.out,relu1.out\", got a table"),
])
def test_an_answer_file_of_the_wrong_shape_is_said_in_korean(tmp_path, capsys, name, text,
                                                              korean, english):
    """These three were said in English under --lang ko."""
    answers = tmp_path / name
    answers.write_text(text, encoding="utf-8")
    code, _, err = run(["check", "--example", "lecture", str(answers), "--lang", "ko"], capsys)
    assert code == 2 and err.startswith(f"cnntrace: 오류: {answers}: {korean}"), err
    code, _, err = run(["check", "--example", "lecture", str(answers)], capsys)
    assert code == 2 and err.startswith(f"cnntrace: error: {answers}: {english}"), err


def test_batch_and_train_option_errors_are_said_in_korean(tmp_path, capsys):
    code, _, err = run(["batch", "--count", "100000", "--out", str(tmp_path / "b"), "--lang",
                        "ko"], capsys)
    assert code == 2 and err == "cnntrace: 오류: --count: 1부터 5000 사이여야 하는데 100000입니다\n"
    same = tmp_path / "s.json"
    code, _, err = run(["train", "--preset", "digits-cnn", "--history", str(same), "--html",
                        str(same), "--lang", "ko"], capsys)
    assert code == 2 and err == (f"cnntrace: 오류: --html {same}: --history와(과) 같은 "
                                 "파일입니다. 출력마다 다른 이름을 주세요\n")
