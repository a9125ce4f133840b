"""`cnntrace check` end to end: the table, the JSON, formats, tolerances, a class."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tracer.check.answers import Pairs, parse_yaml
from tracer.cli import main
from tracer.spec import EXAMPLES_DIR

FIXTURE = Path(__file__).parent / "fixtures" / "lecture_slides.yaml"
LECTURE = str(EXAMPLES_DIR / "lecture.toml")
REQUIRED = ["id", "index", "given", "expected", "verdict", "diagnosis"]


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table_names_counts_first_wrong_cell_and_diagnosis(capsys):
    code, out, err = run(["check", "--example", "lecture", str(FIXTURE)], capsys)
    assert code == 0 and err == ""
    row = next(line for line in out.splitlines() if line.startswith("dense1.grad_weight "))
    assert row.split()[:7] == ["dense1.grad_weight", "2", "-", "1", "1", "-", "-"]
    assert "[0,0]" in row and "-0.000203" in row and "0.00022" in row and "sign flipped" in row
    conv = next(line for line in out.splitlines() if line.startswith("conv1.weight_new "))
    assert "learning rate not applied (x7)" in conv
    assert "first divergence: dense1.grad_weight[0,0]" in out
    assert "score: 80/91 cells = 87.91 %" in out


def test_json_has_score_and_one_entry_per_cell_with_full_indices(tmp_path, capsys):
    target = tmp_path / "marks.json"
    code, _, _ = run(["check", LECTURE, str(FIXTURE), "--json", str(target), "-q"], capsys)
    assert code == 0
    data = json.loads(target.read_text())
    assert data["score"] == 87.91 and data["points"] == 80 and data["out_of"] == 91
    assert len(data["cells"]) == 91
    assert all(list(cell)[:6] == REQUIRED for cell in data["cells"])
    by_label = {(c["id"], tuple(c["index"])): c for c in data["cells"]}
    # the fixture gives conv1.out squeezed (2x2); the index is the full (1, 2, 2) one
    assert by_label[("conv1.out", (0, 1, 0))]["given"] == 11
    assert by_label[("pool1.argmax", (0, 0, 0, 1))]["expected"] == 0
    first = by_label[("dense1.grad_weight", (0, 0))]
    assert first["verdict"] == "wrong" and first["diagnosis"] == "sign_flipped"
    assert first["given"] == 0.00022 and first["given_text"] == "0.00022"
    assert first["expected"] == pytest.approx(-2.0304e-4, rel=1e-4)
    assert first["follow_through"] == pytest.approx(-0.00022)
    assert by_label[("dense1.weight_new", (0, 1))]["verdict"] == "follows"
    assert data["first_divergence"] == {"id": "dense1.grad_weight", "index": [0, 0],
                                        "label": "dense1.grad_weight[0,0]"}


def test_output_is_deterministic(tmp_path, capsys):
    texts = []
    for name in ("one.json", "two.json"):
        code, out, _ = run(["check", "--example", "lecture", str(FIXTURE),
                            "--json", str(tmp_path / name)], capsys)
        texts.append((out, (tmp_path / name).read_text()))
    assert texts[0] == texts[1]


def test_existing_json_is_not_replaced_without_force(tmp_path, capsys):
    target = tmp_path / "marks.json"
    target.write_text("my notes")
    code, _, err = run(["check", "--example", "lecture", str(FIXTURE), "--json", str(target)],
                       capsys)
    assert code == 2 and "already exists" in err and target.read_text() == "my notes"
    code, _, _ = run(["check", "--example", "lecture", str(FIXTURE), "--json", str(target),
                      "--force", "-q"], capsys)
    assert code == 0 and json.loads(target.read_text())["score"] == 87.91


@pytest.mark.parametrize("sheets", [1, 2])
def test_a_refused_html_leaves_no_json_written_before_it(sheets, tmp_path, capsys):
    """--json was written, then --html refused (a user's file): half the output."""
    user = tmp_path / "user.html"
    user.write_text("my page")
    marks = tmp_path / "marks.json"
    copies = tmp_path / "copies"  # each answer file once (a file given twice is refused)
    copies.mkdir()
    files = [copies / f"{n}.yaml" for n in range(sheets)]
    for file in files:
        file.write_bytes(FIXTURE.read_bytes())
    code, _, err = run(["check", "--example", "lecture", *map(str, files), "--json",
                        str(marks), "--html", str(user), "-q"], capsys)
    assert code == 2 and "user.html: already exists" in err
    assert not marks.exists() and user.read_text() == "my page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copies", "user.html"]  # no temp


def test_a_folder_no_file_can_be_made_in_is_refused_before_writing(tmp_path, capsys):
    marks = tmp_path / "marks.json"
    code, _, err = run(["check", "--example", "lecture", str(FIXTURE), "--json", str(marks),
                        "--html", "/proc/report.html", "-q"], capsys)
    assert code == 2 and err.startswith("cnntrace: error: /proc/report.html: cannot write")
    assert not marks.exists()


def test_html_marking_report_shows_each_verdict_in_place(tmp_path, capsys):
    target = tmp_path / "m.html"
    code, _, _ = run(["check", "--example", "lecture", str(FIXTURE), "--html", str(target),
                      "-q"], capsys)
    assert code == 0
    html = target.read_text()
    # the slide's dL/dW_dense[0,0] = 0.00022: wrong, with the truth, what the slide's own
    # numbers give (as the terminal's 'yours') and the diagnosis beside
    wrong = re.search(r'<span class="mark wrong" data-ref="dense1\.grad_weight\[0,0\]">'
                      r'0\.00022</span><span class="expected">([^<]*)</span>', html)
    assert wrong and wrong.group(1) == "expected −0.0002030; yours −0.00022; sign flipped"
    assert '<span class="mark follows" data-ref="dense1.weight_new[0,1]">' in html
    assert '<span class="mark correct" data-ref="conv1.out[0,1,0]">11</span>' in html
    assert "Score: 87.91 % (80 of 91 cells earn credit)." in html
    assert "The first slip: <span class=\"math\">dense1.grad_weight[0,0]</span>" in html
    korean = tmp_path / "ko.html"
    assert run(["check", "--example", "lecture", str(FIXTURE), "--html", str(korean), "-q",
                "--lang", "ko"], capsys)[0] == 0
    assert "부호가 바뀜" in korean.read_text()
    # a quantity left out is one row of the table, not one per cell
    left_out = tmp_path / "left_out.yaml"
    left_out.write_text("conv1.out: [[5, 7], [11, 10]]\ninput.grad: [[null, null, null, null], "
                        "[null, null, null, null], [null, null, null, null], "
                        "[null, null, null, null]]\nconv1.bias_new: [null]\n")
    assert run(["check", "--example", "lecture", str(left_out), "--html", str(target), "-q",
                "--force"], capsys)[0] == 0
    table = re.search(r'<table class="marking">.*?</table>', target.read_text(), re.S)
    rows = re.findall(r"<tr><td>(.*?)</td>", table.group(0))
    assert rows == ['<span class="math">input.grad</span>: 16 cells',
                    '<span class="math">conv1.bias_new[0]</span>'], rows


def test_html_marking_report_stops_after_the_last_asked_step(tmp_path, capsys):
    """A forward worksheet's report would otherwise go on to dL/dz0 = [the student's
    y_hat0] - 1 = [the trace's], an equation that does not hold."""
    sheet, target = tmp_path / "forward.yaml", tmp_path / "m.html"
    sheet.write_text("blanks: forward\nconv1.out: [[4, 7], [11, 10]]\n")
    assert run(["check", "--example", "lecture", str(sheet), "--html", str(target), "-q"],
               capsys)[0] == 0
    html = target.read_text()
    assert 'id="fwd-loss"' in html and 'id="backward"' not in html and "∂L" not in html
    assert "the answer sheet asks about nothing after this step" in html
    everything = tmp_path / "all.html"
    assert run(["check", "--example", "lecture", str(FIXTURE), "--html", str(everything),
                "-q"], capsys)[0] == 0
    assert 'id="update"' in everything.read_text()


def test_html_class_view_has_error_rate_bars(tmp_path, capsys):
    careless = tmp_path / "careless.yaml"
    careless.write_text("conv1.out: [[4, 6], [10, 9]]\nconv1.bias_new: 1.00002\n")
    target = tmp_path / "class.html"
    code, _, _ = run(["check", "--example", "lecture", str(FIXTURE), str(careless),
                      "--html", str(target), "-q"], capsys)
    assert code == 0
    html = target.read_text()
    assert '<td class="bar"><span style="width: 50.0%"></span> 50.0 %</td>' in html
    assert "The most missed step: <span class=\"math\">conv1.bias_new</span>, wrong on 2 of " \
           "the 2 sheets that include it." in html
    assert "learning rate not applied" in html and "bias forgotten" in html


def test_atol_overrides_the_written_precision(capsys):
    code, out, _ = run(["check", "--example", "lecture", str(FIXTURE), "--atol", "1e-4"],
                       capsys)
    assert code == 0
    # |1.00006 - 1.0000055| < 1e-4, but |270.43 - 270.4264| and |0.00022 + 0.000203| > 1e-4
    assert "score: 89/91" in out and "|given - expected| <= 0.0001" in out
    assert "first divergence: softmax1.exp[0]" in out


def test_rtol_zero_demands_exact_values(capsys):
    code, out, _ = run(["check", "--example", "lecture", str(FIXTURE), "--rtol", "0"], capsys)
    assert code == 0
    assert "score: 80/91" not in out  # rounded probabilities no longer pass


def test_parameters_copied_from_before_the_update_are_wrong(tmp_path, capsys):
    """0.5 for 0.5000203 is right to the digits written, but it is W itself: the step was
    left out. 0.500 (three digits claimed) and the exact old value where the gradient is
    0 keep their credit; the expected value is shown to the digits that tell them apart."""
    answers = tmp_path / "a.yaml"
    answers.write_text("dense1.weight_new: [0.5, '-0.500']\n"
                       "conv1.weight_new: [[1, 0, 1], [0, 1, 0], [1, 0, 1]]\n")
    code, out, _ = run(["check", LECTURE, str(answers)], capsys)
    assert code == 0
    assert "dense1.weight_new[0,0]: given 0.5, expected 0.50002  <- not updated" in out
    assert "dense1.weight_new[0,1]" not in out
    conv = next(line for line in out.splitlines() if line.startswith("conv1.weight_new "))
    assert conv.split()[:5] == ["conv1.weight_new", "9", "2", "-", "7"]  # dL/dK = 0 twice
    assert "1.00001      1  not updated" in conv
    code, out, _ = run(["check", LECTURE, str(answers), "--atol", "1e-3"], capsys)
    assert "score: 11/11" in out  # the teacher's explicit tolerance decides


def test_an_unchanged_parameter_is_not_flagged_when_the_step_is_float_noise_or_their_own(
        tmp_path, capsys):
    """A zero gradient computed as 1e-17 changes nothing: 0 stays right. And a student
    whose own (wrong) gradient is 0 gets follow-through credit for copying W."""
    image = [[1, 2, 0, 1], [3, 1, 1, 5], [0, 2, 2, 0], [1, 0, 3, 1]]
    spec = tmp_path / "zero.json"
    spec.write_text(json.dumps({
        "inputs": [image] * 3, "targets": [0, 1, 2],
        "layers": [{"type": "conv2d", "weight": [[1, 0, 1], [0, 1, 0], [1, 0, 1]], "bias": 1},
                   {"type": "relu"}, {"type": "maxpool2d", "size": 2}, {"type": "flatten"},
                   {"type": "dense", "weight": [[0, 0, 0]], "bias": [0, 0, 0]},
                   {"type": "softmax"}]}))
    answers = tmp_path / "zero.yaml"
    answers.write_text("dense1.grad_bias: [0, 0, 0]\ndense1.bias_new: [0, 0, 0]\n"
                       "dense1.weight_new: [[0, 0, 0]]\n")
    code, out, _ = run(["check", str(spec), str(answers)], capsys)
    assert code == 0 and "score: 9/9" in out
    own = tmp_path / "own.yaml"
    own.write_text("dense1.grad_bias: [0, 0]\ndense1.bias_new: [0.1, 0.2]\n")
    code, out, _ = run(["check", LECTURE, str(own)], capsys)
    assert "follow-through: 2 cell(s) right given your earlier numbers: dense1.bias_new[0], " \
        "dense1.bias_new[1]" in out and "not updated" not in out
    coarse = tmp_path / "coarse.yaml"  # 0.000 is right for -0.000203: W must still move
    coarse.write_text("dense1.grad_weight: [[0.000, 0.000]]\ndense1.weight_new: [[0.5, -0.5]]\n")
    code, out, _ = run(["check", LECTURE, str(coarse)], capsys)
    assert "score: 2/4" in out and "not updated" in out
    code, out, _ = run(["check", str(spec), str(answers), "--rtol", "0.01"], capsys)
    assert "score: 9/9" in out  # a bare 0 for a zero computed as 1e-17, with --rtol too


def test_answer_files_may_follow_the_options(tmp_path, capsys):
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(FIXTURE.read_bytes())
    code, out, _ = run(["check", LECTURE, "--atol", "1e-4", str(FIXTURE), str(copy)], capsys)
    assert code == 0 and out.count("score: 89/91") == 2
    with pytest.raises(SystemExit) as info:  # an unknown option there is still an error
        main(["check", LECTURE, "--atol", "1e-4", str(FIXTURE), "--bogus"])
    assert info.value.code == 2


def test_rtol_zero_takes_a_decimal_as_the_float_nearest_to_it(tmp_path, capsys):
    answers = tmp_path / "logits.yaml"
    answers.write_text("dense1.out: [5.6, -5.3]\n")  # the floats 5.6 and -5.3 are not exact
    code, out, _ = run(["check", LECTURE, str(answers), "--rtol", "0"], capsys)
    assert "score: 2/2" in out


def test_exact_mode_gives_the_same_verdicts(capsys):
    code, out, _ = run(["check", "--example", "lecture", str(FIXTURE), "--exact"], capsys)
    assert code == 0 and "exact arithmetic" in out and "score: 80/91" in out


@pytest.mark.parametrize("value", ["-1", "x", "nan"])
def test_bad_tolerance_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as info:
        main(["check", "--example", "lecture", str(FIXTURE), "--rtol", value])
    assert info.value.code == 2


# ------------------------------------------------------------------- file formats
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


def _text(value, quote):
    if isinstance(value, list):
        return "[" + ", ".join(_text(v, quote) for v in value) + "]"
    return value if _NUMBER.match(value) else quote(value)


def _as(fmt: str) -> str:
    pairs = parse_yaml(FIXTURE.read_text())
    assert isinstance(pairs, Pairs)
    rows = [(k, v) for k, v in pairs if k != "student"]
    if fmt == "json":
        return "{" + ",\n".join(f"{json.dumps(k)}: {_text(v, json.dumps)}" for k, v in rows) + "}"
    if fmt == "toml":
        return "\n".join(f"{json.dumps(k)} = {_text(v, json.dumps)}" for k, v in rows) + "\n"
    return "id,value\n" + "\n".join(f"{k},{_text(v, str)}" for k, v in rows) + "\n"


@pytest.mark.parametrize("fmt", ["json", "toml", "csv"])
def test_json_toml_and_csv_answers_give_the_yaml_verdicts(fmt, tmp_path, capsys):
    answers = tmp_path / f"slides.{fmt}"
    answers.write_text(_as(fmt))
    results = []
    for path in (FIXTURE, answers):
        target = tmp_path / f"{path.suffix[1:]}-marks.json"
        code, _, _ = run(["check", "--example", "lecture", str(path), "--json", str(target),
                          "-q"], capsys)
        assert code == 0
        results.append([(c["id"], c["index"], c["verdict"], c["diagnosis"])
                        for c in json.loads(target.read_text())["cells"]])
    assert results[0] == results[1]


def test_single_cells_blanks_and_fractions(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    answers.write_text("dense1.out: [28/5, -53/10]\nconv1.out[1,0]: 11\n"
                       "conv1.out[0,0,1]:\nsoftmax1.out: [null, 0.00002]\n")
    target = tmp_path / "m.json"
    code, out, _ = run(["check", "--example", "lecture", str(answers), "--json", str(target)],
                       capsys)
    assert code == 0
    cells = json.loads(target.read_text())["cells"]
    verdicts = [(c["id"], c["index"], c["verdict"]) for c in cells]
    assert verdicts == [("conv1.out", [0, 0, 1], "missing"), ("conv1.out", [0, 1, 0], "correct"),
                        ("dense1.out", [0], "correct"), ("dense1.out", [1], "correct"),
                        ("softmax1.out", [0], "missing"), ("softmax1.out", [1], "correct")]
    assert "score: 4/6" in out


# ------------------------------------------------------------------------- a class
def test_several_sheets_give_a_class_view(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text("conv1.out: [[5, 7], [11, 10]]\nconv1.bias_new: 1.0000018\n")
    careless = tmp_path / "careless.yaml"
    careless.write_text("conv1.out: [[4, 6], [10, 9]]\nconv1.bias_new: 1.00002\n")
    target = tmp_path / "class.json"
    code, out, _ = run(["check", "--example", "lecture", str(FIXTURE), str(good),
                        str(careless), "--json", str(target)], capsys)
    assert code == 0
    assert f"{careless}: score: 0/5" in out and "first slip: conv1.out[0,0,0] (bias forgotten)" \
        in out
    assert "class view: 3 sheets" in out
    row = next(line for line in out.splitlines() if line.startswith("conv1.bias_new "))
    assert row.split()[:4] == ["conv1.bias_new", "3", "2", "66.7"]
    assert "learning rate not applied (2)" in row
    assert "most missed step: conv1.bias_new (wrong on 2 of the 3 sheets that include it" in out
    data = json.loads(target.read_text())
    assert [s["score"] for s in data["sheets"]] == [87.91, 100.0, 0.0]
    conv_out = next(r for r in data["class"] if r["id"] == "conv1.out")
    assert conv_out == {"id": "conv1.out", "sheets": 3, "sheets_wrong": 1,
                        "attempted_cells": 12, "wrong_cells": 4, "unanswered_cells": 0,
                        "error_rate": 33.3, "common_mistake": "bias_forgotten",
                        "common_mistake_sheets": 1}
    assert data["unusable"] == []


def test_the_class_view_counts_unanswered_cells_beside_the_error_rate(tmp_path, capsys):
    """A quantity two of three sheets left out showed a 0.0 % error rate and nothing else:
    a teacher read it as 'everyone got it'."""
    sheets = []
    for name, text in (("a", "conv1.out: [[5, 7], [11, 10]]\ndense1.out: [5.6, -5.3]\n"),
                       ("b", "conv1.out: [[5, 7], [11, 10]]\ndense1.out: [5.6, null]\n"),
                       ("c", "conv1.out: [[5, 7], [11, 10]]\ndense1.out: [x, null]\n")):
        sheets.append(tmp_path / f"{name}.yaml")
        sheets[-1].write_text(text, encoding="utf-8")
    target, page = tmp_path / "class.json", tmp_path / "class.html"
    code, out, _ = run(["check", "--example", "lecture", *map(str, sheets), "--json",
                        str(target), "--html", str(page)], capsys)
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("quantity"))
    row = next(line for line in out.splitlines() if line.startswith("dense1.out "))
    assert "error rate  blank or unreadable  most common mistake" in header
    assert row.split() == ["dense1.out", "3", "-", "0.0", "%", "3"]
    dense = next(r for r in json.loads(target.read_text())["class"] if r["id"] == "dense1.out")
    assert (dense["attempted_cells"], dense["unanswered_cells"]) == (3, 3)
    assert "0 of 3 (3 cells left blank or unreadable)" in page.read_text(encoding="utf-8")


def test_a_quantity_no_sheet_attempted_has_no_error_rate(tmp_path, capsys):
    """dense1.out left blank on every sheet showed '0.0 %' and no bar, as a quantity
    everyone got right: it is '—' in the terminal, the HTML and (null) the JSON."""
    sheets = []
    for name in ("a", "b"):
        sheets.append(tmp_path / f"{name}.yaml")
        sheets[-1].write_text("conv1.out: [[5, 7], [11, 10]]\ndense1.out: [null, null]\n")
    target, page = tmp_path / "class.json", tmp_path / "class.html"
    code, out, _ = run(["check", "--example", "lecture", *map(str, sheets), "--json",
                        str(target), "--html", str(page)], capsys)
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("dense1.out "))
    assert row.split() == ["dense1.out", "2", "-", "—", "4"]
    rows = {r["id"]: r for r in json.loads(target.read_text())["class"]}
    assert rows["dense1.out"]["error_rate"] is None and rows["conv1.out"]["error_rate"] == 0.0
    html = page.read_text(encoding="utf-8")
    dense = html[html.index("dense1.out"):]
    dense = dense[:dense.index("</tr>")]
    assert '<td class="bar">—</td>' in dense and "%" not in dense


def test_preset_networks_can_be_checked(tmp_path, capsys):
    from tracer.check import Checker
    from tracer.presets import load_preset
    truth = Checker(load_preset("digits-cnn")).truth
    answers = tmp_path / "a.yaml"
    answers.write_text("dense1.bias_new: [" + ", ".join(f"{v:.6g}" for v in
                                                       truth["dense1.bias_new"]) + "]\n")
    code, out, _ = run(["check", "--preset", "digits-cnn", str(answers)], capsys)
    assert code == 0 and "score: 10/10" in out


def test_control_characters_from_an_answer_file_reach_the_terminal_escaped(tmp_path, capsys):
    """A student name or key holding ESC [2J cleared the marker's screen."""
    named = tmp_path / "named.yaml"
    named.write_text('student: "Mallory\\e[2J\\e[H"\nconv1.out: [[5,7],[11,10]]\n',
                     encoding="utf-8")
    keyed = tmp_path / "keyed.json"
    keyed.write_text('{"conv1.out\\u001b[2K\\rscore: 100%": 1}', encoding="utf-8")
    for files in ([named], [keyed], [named, keyed]):
        code, out, err = run(["check", "--example", "lecture", *map(str, files)], capsys)
        assert code == 0, err
        assert "\x1b" not in out + err and "\r" not in out + err
    code, out, _ = run(["check", "--example", "lecture", str(named)], capsys)
    assert "(Mallory\\x1b[2J\\x1b[H)" in out.splitlines()[0]


def test_json_and_html_into_one_file_is_refused(tmp_path, capsys):
    """The HTML silently replaced the JSON just written."""
    both = tmp_path / "marks"
    code, _, err = run(["check", "--example", "lecture", str(FIXTURE), "--json", str(both),
                        "--html", str(both), "-q"], capsys)
    assert code == 2 and err == (f"cnntrace: error: --html {both}: the same file as --json; "
                                 "give each output its own name\n")
    assert not both.exists()


def test_a_marking_report_of_a_forward_only_spec(tmp_path, capsys):
    """check --html laid the report out as the key of 'all,loss.after', and a pass without
    a target has no loss after the update: '--blank: no quantity 'loss.after''."""
    import tomllib

    data = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    del data["target"]
    spec, answers, report = (tmp_path / name for name in ("f.json", "a.yaml", "r.html"))
    spec.write_text(json.dumps(data))
    assert main(["sheet", str(spec), "--blank", "forward", "--out", str(answers)]) == 0
    answers.write_text(answers.read_text().replace("conv1.out: [[null, null],",
                                                   "conv1.out: [[5, 7],"))
    assert main(["check", str(spec), str(answers), "--html", str(report)]) == 0
    assert 'data-ref="conv1.out[0,0,0]"' in report.read_text()
