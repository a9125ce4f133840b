"""Answer-sheet templates: what `cnntrace sheet` writes is what `cnntrace check` reads."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml

from tracer import from_dict, load_example, run_pass
from tracer.check import Checker
from tracer.check.answers import parse_answers
from tracer.cli import main
from tracer.generate import generate, options
from tracer.report import render
from tracer.sheet import blank_cells, sheet_text


def fill(text: str, trace, digits: int | None = None) -> str:
    """The sheet with every null replaced by the trace's value (as YAML again)."""
    data = yaml.safe_load(text)
    for key, value in data.items():
        if key in ("student", "variant", "blanks", "fingerprint"):
            continue
        true = trace.numbers(key)
        assert np.size(value if value is not None else 0) == true.size, key
        true = true.reshape(np.shape(value))  # the sheet's (squeezed) shape
        data[key] = (true.tolist() if digits is None else
                     np.vectorize(lambda v: float(f"{v:.{digits}g}"))(true).tolist())
    return yaml.safe_dump(data)


@pytest.fixture(scope="module")
def lecture():
    return load_example("lecture"), run_pass(load_example("lecture"))


@pytest.mark.parametrize("blank", ["all", "forward", "backward", "update",
                                   "conv1.out[0,1,0],pool1.argmax,loss.out"])
def test_a_filled_sheet_scores_100_on_every_blank_cell(lecture, blank):
    spec, trace = lecture
    text = sheet_text(trace, blank)
    checker = Checker(spec)
    marking = checker.check(parse_answers(fill(text, trace), "yaml", "filled.yaml"))
    assert marking.score == 100.0
    assert marking.out_of == len(blank_cells(trace, blank)) > 0
    assert set(marking.counts) == {"correct"}


def test_the_unfilled_sheet_reads_as_all_missing(lecture):
    spec, trace = lecture
    marking = Checker(spec).check(parse_answers(sheet_text(trace, "all"), "yaml"))
    assert marking.counts == {"missing": 81}  # every blank box of the lecture worksheet
    assert marking.student == ""


def test_a_sheet_with_one_wrong_number_is_not_100(lecture):
    spec, trace = lecture
    data = yaml.safe_load(fill(sheet_text(trace, "forward"), trace))
    data["conv1.out"][1][0] = 12  # the lecture's 11
    marking = Checker(spec).check(parse_answers(yaml.safe_dump(data), "yaml"))
    assert marking.counts["wrong"] == 1 and marking.score < 100


def test_sheet_lists_exactly_the_worksheets_blank_boxes(lecture):
    _, trace = lecture
    html = render(trace, ("html",), view="worksheet", blank="forward")["html"]
    boxes = html.count('class="blank"')
    cells = blank_cells(trace, "forward")
    assert all(f'data-ref="{ref}"' in html for ref in cells)
    assert len(set(cells)) == len(cells) <= boxes


def test_generated_spec_with_three_classes_round_trips_to_4_digits():
    spec = from_dict(generate(4, options("wide")))
    trace = run_pass(spec)
    text = sheet_text(trace, "all", variant="2025-04")
    assert text.startswith("# cnntrace answer sheet: ") and "# Variant 2025-04" in text
    assert '\nvariant: "2025-04"\n' in text
    marking = Checker(spec).check(parse_answers(fill(text, trace, digits=4), "yaml"))
    assert marking.score == 100.0 and marking.out_of == len(blank_cells(trace, "all"))


def test_shapes_nulls_and_cells_as_written(lecture):
    _, trace = lecture
    text = sheet_text(trace, "conv1.grad_weight,softmax1.sum,conv1.out[0,1,0]")
    assert "conv1.grad_weight: [[null, null, null],\n" in text  # (1,1,3,3) as 3x3
    assert "shape (1, 1, 3, 3), written as a 3x3 matrix" in text
    assert 'softmax1.sum: null' in text
    assert '"conv1.out[0,1,0]": null' in text
    data = yaml.safe_load(text)
    assert np.shape(data["conv1.grad_weight"]) == (3, 3)


def test_cells_with_commas_in_blank_lists(lecture):
    _, trace = lecture
    html = render(trace, ("html",), view="worksheet",
                  blank="pool1.out[0,0,0], conv1.out[0, 1, 0]")["html"]
    assert html.count('class="blank"') >= 2
    assert 'data-ref="conv1.out[0,1,0]"' in html and 'data-ref="conv1.out[0,0,0]"' not in html
    relu = [f"relu1.{q}[0,{i},{j}]" for q in ("out", "mask") for i in (0, 1) for j in (0, 1)]
    assert blank_cells(trace, "pool1.out[0,0,0],conv1.out[0,1,0]") == \
        ["conv1.out[0,1,0]", *relu,  # worked from conv1.out[0,1,0]: max(0, ▢) = 11 told it
         "pool1.out[0,0,0]", "pool1.argmax[0,0,0,0]", "pool1.argmax[0,0,0,1]",
         "pool1.ties[0,0,0]"]


def test_sheet_command_prints_the_sheet_and_check_accepts_it(tmp_path, capsys):
    assert main(["sheet", "--example", "lecture", "--blank", "forward"]) == 0
    text = capsys.readouterr().out
    assert text == sheet_text(run_pass(load_example("lecture")), "forward",
                              spec_name="--example lecture")
    path = tmp_path / "answers.yaml"
    path.write_text(fill(text, run_pass(load_example("lecture"))), encoding="utf-8")
    assert main(["check", "--example", "lecture", str(path), "--quiet"]) == 0
    assert main(["sheet", "--example", "lecture", "--blank", "conv9.out"]) == 2
    assert "--blank: no quantity 'conv9.out'" in capsys.readouterr().err


def test_a_cell_may_be_named_squeezed_as_check_reads_it(capsys):
    """conv1.out[1,0] is conv1.out[0,1,0] (shape (1, 2, 2)), as in answer files; a wrong
    number of indices says how many it takes, not that the cell is outside."""
    trace = run_pass(load_example("lecture"))
    assert blank_cells(trace, "conv1.out[1,0]") == ["conv1.out[0,1,0]"]
    assert blank_cells(trace, "pool1.out[0,0]")[0] == "pool1.out[0,0,0]"  # as the sheet's 1x1
    assert main(["sheet", "--example", "lecture", "--blank", "conv1.out[1]"]) == 2
    err = capsys.readouterr().err
    assert "'conv1.out[1]' has 1 index; conv1.out of shape (1, 2, 2) takes 3 (or 2," in err
    assert main(["sheet", "--example", "lecture", "--blank", "conv1.out[2,0]"]) == 2
    assert "'conv1.out[2,0]' is outside conv1.out of shape (1, 2, 2)" in capsys.readouterr().err


def test_the_sheet_asks_where_each_blanked_maximum_sits_and_ties_where_the_sheet_shows_them():
    """The worksheet blanks the row and column of each blanked window's maximum, and its
    tie count, tied or not (a box only where windows tie would tell that they do): the
    answer sheet asks exactly those."""
    data = preset_free_lecture()
    data["inputs"] = [data.pop("input"), [[5] * 4] * 4]  # sample 1: every window ties
    data["targets"] = [data.pop("target"), 1]
    trace = run_pass(from_dict(data))
    cells = blank_cells(trace, "forward")
    assert {"pool1.argmax[0,0,0,0,0]", "pool1.argmax[0,0,0,0,1]", "pool1.argmax[1,0,0,0,0]",
            "pool1.argmax[1,0,0,0,1]", "pool1.ties[1,0,0,0]"} <= set(cells)
    assert "pool1.ties[0,0,0,0]" in cells  # no tie there, and a box all the same
    assert blank_cells(trace, "pool1.ties") == ["pool1.ties[0,0,0,0]", "pool1.ties[1,0,0,0]"]
    assert set(blank_cells(trace, "pool1.out")) == {
        "pool1.out[0,0,0,0]", "pool1.out[1,0,0,0]", "pool1.argmax[0,0,0,0,0]",
        "pool1.argmax[0,0,0,0,1]", "pool1.argmax[1,0,0,0,0]", "pool1.argmax[1,0,0,0,1]",
        "pool1.ties[0,0,0,0]", "pool1.ties[1,0,0,0]"}


def preset_free_lecture() -> dict:
    import tomllib

    from tracer.spec import EXAMPLES_DIR
    return tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ --lang ko
@pytest.mark.parametrize("blank", ["all", "conv1.out[0,1,0],pool1.argmax,loss.out"])
def test_a_korean_sheet_has_korean_comments_and_the_same_yaml(lecture, blank):
    spec, trace = lecture
    english = sheet_text(trace, blank, variant="3-01")
    korean = sheet_text(trace, blank, variant="3-01", lang="ko")
    assert "# null을 모두 여러분이 계산한 수로 바꾸세요" in korean
    assert "# 변형 3-01" in korean and "# 채점: cnntrace check SPEC answers.yaml" in korean
    assert "Replace every null" not in korean and "written as" not in korean
    assert yaml.safe_load(korean) == yaml.safe_load(english)  # keys, ids, nulls, variant
    for text in (english, korean):
        marking = Checker(spec).check(parse_answers(fill(text, trace), "yaml"))
        assert marking.score == 100.0 and marking.out_of == len(blank_cells(trace, blank))


def test_a_korean_sheet_is_checked_exactly_like_the_english_one(lecture):
    spec, trace = lecture
    marks = []
    for lang in ("en", "ko"):
        data = yaml.safe_load(fill(sheet_text(trace, "forward", lang=lang), trace))
        data["conv1.out"][1][0] = 12  # the lecture's 11
        marking = Checker(spec).check(parse_answers(yaml.safe_dump(data), "yaml"))
        marks.append((marking.score, marking.counts))
    assert marks[0] == marks[1] and marks[0][1]["wrong"] == 1


def test_entry_comments_follow_the_language(lecture):
    _, trace = lecture
    text = sheet_text(trace, "conv1.grad_weight,softmax1.sum,conv1.out[0,1,0]", lang="ko")
    assert "# conv1.grad_weight: conv1의 dL/dW (풀이의 ∂L/∂K), 모양 (1, 1, 3, 3), 3x3 행렬로 " \
        "적기" in text
    assert "# softmax1.sum: softmax1의 e^z의 합 (풀이의 S), 모양 (), 수 하나로 적기" in text
    assert "# conv1.out[0,1,0]: conv1의 출력 (풀이의 Z) 중 한 칸, 모양 (1, 2, 2)" in text


def test_sheet_command_lang_ko_and_out(tmp_path, capsys):
    path = tmp_path / "답안 3.yaml"
    assert main(["sheet", "--example", "lecture", "--blank", "forward", "--lang", "ko",
                 "--out", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    korean = dataclasses.replace(load_example("lecture"), title="4x4 입력, 3x3 필터 하나")
    assert text == sheet_text(run_pass(korean), "forward", lang="ko",  # the Korean title
                              spec_name="--example lecture", answers_name=str(path))
    assert f"# 채점: cnntrace check --example lecture '{path}'" in text  # quoted: a space
    path.write_text(fill(text, run_pass(load_example("lecture"))), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "--example", "lecture", str(path), "--quiet"]) == 0
    filled = path.read_bytes()  # sheet again would wipe the student's numbers
    assert main(["sheet", "--example", "lecture", "--lang", "ko", "--out", str(path)]) == 2
    assert "이미 있" in capsys.readouterr().err and path.read_bytes() == filled  # --lang ko
    with pytest.raises(SystemExit):
        main(["sheet", "--example", "lecture", "--lang", "fr"])


def test_each_entry_names_what_the_worked_example_calls_it(lecture):
    """'relu1 dL/d(out)' beside a handout that writes ∂L/∂A (in its max-pool step) sent
    answers under the wrong key."""
    _, trace = lecture
    text = sheet_text(trace, "all")
    for line in ("# relu1.grad: relu1 dL/d(out) (∂L/∂A in the worked example), shape",
                 "# pool1.grad: pool1 dL/d(out) (∂L/∂P in the worked example), shape",
                 "# conv1.grad_weight: conv1 dL/dW (∂L/∂K in the worked example), shape",
                 "# conv1.weight_new: conv1 W after the update (K_new in the worked example)",
                 "# softmax1.out: softmax1 output (ŷ in the worked example), shape"):
        assert line in text, line
    assert "(풀이의 ∂L/∂A)" in sheet_text(trace, "all", lang="ko")


def test_a_spec_file_name_with_a_newline_stays_on_the_comment_line(tmp_path):
    """'a\\nstudent: x\\nb.toml' split the `# Check it:` comment and put a student key
    into the sheet; the name is written as bash's $'...' (still a command to paste)."""
    import shutil

    from tracer.files import shell_quote
    from tracer.spec import EXAMPLES_DIR
    spec = tmp_path / "a\nstudent: x\nb.toml"
    shutil.copy(EXAMPLES_DIR / "lecture.toml", spec)
    out = tmp_path / "s.yaml"
    assert main(["sheet", str(spec), "--blank", "forward", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["student"] == ""
    assert "student: x\\x0ab.toml' " in text and not any(
        line.startswith("b.toml") for line in text.splitlines())
    assert shell_quote("it's\tdone") == "$'it\\'s\\x09done'"
    assert shell_quote("plain name.toml") == "'plain name.toml'"
    # YAML ends a comment at these too
    assert shell_quote("a\u2028b\x85c\u2029") == "$'a\\u2028b\\u0085c\\u2029'"


def test_sheet_exact_lists_the_cells_an_exact_worksheet_asks(tmp_path, capsys):
    """Where float values tie (saturated sigmoids in a pooling window) the cells a large
    step expands can differ between float and exact mode (a reviewer's spec: a float sheet
    listed 289 cells where check --exact asks 288). `sheet --exact` makes the sheet of an
    --exact worksheet, and its 'Check it' line marks it in exact mode."""
    import re

    from tracer.cli import main
    answers = tmp_path / "answers.yaml"
    assert main(["sheet", "--preset", "digits-cnn", "--blank", "forward", "--exact",
                 "--out", str(answers)]) == 0
    capsys.readouterr()
    text = answers.read_text()
    assert "# Check it: cnntrace check --preset digits-cnn --exact " in text
    main(["check", "--preset", "digits-cnn", str(answers), "--exact"])
    out = capsys.readouterr().out
    asked = int(re.search(r"score: 0/(\d+) cells", out)[1])
    assert asked == int(re.search(r"# Blanks: .* entries, (\d+) cells\)", text)[1])
    assert "not scored" not in out
