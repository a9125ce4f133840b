"""check on exercises without a target (one operation forward, or backward from a given
dL/d(output)), and the CSV form of a sheet's blanks: line."""

from __future__ import annotations

import numpy as np
import pytest

from tracer import from_dict, load_example, run_pass
from tracer.check import Checker
from tracer.check.answers import parse_answers
from tracer.sheet import blank_cells

FORWARD = {"input": [[[0.1, 0.2], [0.3, 0.0]]], "layers": [
    {"type": "conv2d", "weight": [[1, 1], [-1, 0]], "bias": 0}, {"type": "flatten"},
    {"type": "dense", "weight": [[0.1, 0.2, -0.3]], "bias": [0, 0, 0]}]}
BACKWARD = {"input": [[[1, 2, 0], [0, 1, 3], [2, 1, 0]]], "grad_out": [[[0.5, -1], [2, 0.25]]],
            "layers": [{"type": "conv2d", "weight": [[1, 0], [-1, 2]], "bias": 1},
                       {"type": "relu"}]}


def perfect(trace) -> str:
    """Every cell of every computed quantity, as the trace has it."""
    lines = []
    for qid in trace.ids():
        if trace.quantity(qid).step != "forward" or qid.endswith(".out"):
            value = np.asarray(trace.numbers(qid))
            lines.append(f"{qid}: {value.tolist()!r}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("data", [FORWARD, BACKWARD], ids=["forward", "backward"])
def test_a_perfect_sheet_scores_100_without_a_target(data):
    checker = Checker(from_dict(data))
    marking = checker.check(parse_answers(perfect(checker.trace), "yaml"))
    assert marking.out_of > 4 and marking.score == 100.0


def test_a_forward_slip_is_followed_through_without_a_target():
    checker = Checker(from_dict(FORWARD))
    marking = checker.check(parse_answers("conv1.out: [[1]]\ndense1.out: [0.1, 0.2, -0.3]\n",
                                          "yaml"))
    verdicts = [m.verdict for m in marking.marks]
    assert verdicts == ["wrong", "follows", "follows", "follows"]


def test_a_backward_exercise_marks_the_gradients():
    spec = from_dict(BACKWARD)
    trace = run_pass(spec)
    checker = Checker(spec)
    wrong = np.asarray(trace.numbers("conv1.grad_weight")) + 1
    marking = checker.check(parse_answers(f"conv1.grad_weight: {wrong.tolist()!r}\n", "yaml"))
    assert {m.verdict for m in marking.marks} == {"wrong"}


def test_a_csv_blanks_row_is_one_selection():
    checker = Checker(load_example("lecture"))
    text = 'blanks,"conv1.out,relu1.out"\nconv1.out,[[5,7],[11,10]]\n'
    marking = checker.check(parse_answers(text, "csv"))
    assert (marking.points, marking.out_of) == (4, len(blank_cells(checker.trace,
                                                                   "conv1.out,relu1.out")))


@pytest.mark.parametrize("row", ['blanks,"conv1.out,relu1.out"', "blanks,conv1.out,relu1.out",
                                 "blanks,[conv1.out, relu1.out]",
                                 'blanks,"[conv1.out, relu1.out]"'])
def test_every_csv_form_of_the_blanks_row_is_read(row):
    checker = Checker(load_example("lecture"))
    marking = checker.check(parse_answers(row + "\nconv1.out,[[5,7],[11,10]]\n", "csv"))
    assert (marking.points, marking.out_of) == (4, 12)  # and relu1.mask, worked from conv1


def test_a_csv_blanks_row_without_a_value_is_an_error():
    from tracer.check import AnswerFileError
    with pytest.raises(AnswerFileError, match=r"^s\.csv: blanks: "):
        Checker(load_example("lecture")).check(
            parse_answers("blanks\nconv1.out,[[5,7],[11,10]]\n", "csv", source="s.csv"))


def test_a_given_gradient_is_printed_on_the_worksheet_and_not_asked():
    from tracer.present.blanks import select_hidden
    trace = run_pass(from_dict(BACKWARD))
    assert "relu1.grad" not in select_hidden(trace, "all")
    assert not any(ref.startswith("relu1.grad") for ref in blank_cells(trace, "all"))


def test_a_forward_softmax_exercise_is_marked_step_by_step():
    """e^z, their sum and the probabilities are three steps, as in a training pass: a
    slip in e^z is carried into the sum and y_hat."""
    spec = from_dict({"input": [[[0.5, -0.5]]], "layers": [{"type": "flatten"},
                                                           {"type": "softmax"}]})
    trace = run_pass(spec)
    exps = np.asarray(trace.numbers("softmax1.exp")).copy()
    exps[0] += 1
    total = float(exps.sum())
    answers = (f"softmax1.exp: {exps.tolist()!r}\nsoftmax1.sum: {total!r}\n"
               f"softmax1.out: {(exps / total).tolist()!r}\n")
    marking = Checker(spec).check(parse_answers(answers, "yaml"))
    verdicts = {m.label: m.verdict for m in marking.marks}
    assert verdicts["softmax1.exp[0]"] == "wrong" and verdicts["softmax1.sum"] == "follows"
    assert verdicts["softmax1.out[0]"] == "follows" == verdicts["softmax1.out[1]"]


def test_the_class_view_of_a_forward_exercise_says_so(tmp_path):
    from tracer.cli import main
    spec, sheet = tmp_path / "f.json", tmp_path / "a.yaml"
    import json
    spec.write_text(json.dumps(FORWARD), encoding="utf-8")
    sheet.write_text("conv1.out: [[1]]\n", encoding="utf-8")
    other = tmp_path / "b.yaml"
    other.write_text("conv1.out: [[2]]\n", encoding="utf-8")
    html = tmp_path / "class.html"
    assert main(["check", str(spec), str(sheet), str(other), "--html", str(html), "-q"]) == 0
    text = html.read_text(encoding="utf-8")  # (no 'worked example of ... SGD update':
    assert "SGD update" not in text and "worked example" not in text  # it marks, 5
    assert '<p class="subtitle">The class view: every answer sheet marked</p>' in text
    assert "from the answer sheets marked against their traced passes" in text  # variants)


def test_a_sigmoid_output_slip_is_carried_into_its_backward():
    """Backward from a given gradient through a sigmoid output: a wrong y, with y(1 - y)
    and dL/dz worked correctly from it, costs one cell."""
    spec = from_dict({"input": [[[0.5, -1.0]]], "grad_out": [0, -1, 0], "layers": [
        {"type": "flatten"},
        {"type": "dense", "weight": [[1, 0, 0.5], [0, 1, 0.5]], "bias": [0, 0, 0]},
        {"type": "sigmoid"}]})
    trace = run_pass(spec)
    y = np.asarray(trace.numbers("sigmoid1.out")).copy()
    y[1] = 0.9
    local = y * (1 - y)
    answers = (f"sigmoid1.out: {y.tolist()!r}\nsigmoid1.local_grad: {local.tolist()!r}\n"
               f"dense1.grad: {(np.array([0, -1, 0]) * local).tolist()!r}\n")
    marking = Checker(spec).check(parse_answers(answers, "yaml"))
    verdicts = [m.verdict for m in marking.marks]
    assert verdicts.count("wrong") == 1 and "follows" in verdicts
