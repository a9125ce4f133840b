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
