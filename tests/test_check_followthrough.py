"""Follow-through from numbers kept to more digits than written: a later cell is right
from the student's earlier numbers whether they carried them as written (rounded) or as
they had them before rounding; a number matching neither stays wrong."""

from __future__ import annotations

import numpy as np
import pytest
from check_support import check_mapping, marks_by_label, rich_spec, sheet_from_values

from tracer import from_dict, load_example
from tracer.check import Checker
from tracer.check.answers import parse_answers
from tracer.check.walk import carry

# `cnntrace generate --seed 3`: conv1.out = [[3, 10], [4, -3]], pooled to 10
SEED_3 = {
    "title": "generated, seed 3",
    "learning_rate": 0.1,
    "input": [[4, 1, 5, 5], [3, 5, 1, 0], [3, 0, 1, 2], [3, 0, 0, 5]],
    "target": 0,
    "layers": [
        {"type": "conv2d", "weight": [[-1, 1, 1], [0, 0, 0], [0, 0, 0]], "bias": 1},
        {"type": "relu"},
        {"type": "maxpool2d", "size": 2, "stride": 2},
        {"type": "flatten"},
        {"type": "dense", "weight": [[0.2, 0.3]], "bias": [-0.5, 0.1]},
        {"type": "softmax"},
    ],
}


@pytest.fixture(scope="module")
def lecture():
    return Checker(load_example("lecture"))


@pytest.fixture(scope="module")
def seed_3():
    return Checker(from_dict(SEED_3, "seed-3"))


def _verdicts(checker: Checker, answers: str) -> dict[str, str]:
    marking = checker.check(parse_answers(answers, "yaml"))
    return {label: mark.verdict for label, mark in marks_by_label(marking).items()}


# conv1.out[0,1,0] = 12: logits (6.1, -5.8), y_hat_0 = 0.99999321, L = 6.7904e-6
ROUNDED_PROBABILITY = "conv1.out: [[5, 7], [12, 10]]\nsoftmax1.out: [1.000, 6.790e-6]\n"


@pytest.mark.parametrize("loss,verdict", [
    ("6.790e-6", "follows"),  # -log 0.99999321, from y_hat_0 kept to more digits
    ("0", "follows"),         # -log 1.000, from y_hat_0 as written
    ("6.791e-6", "wrong"),
    ("1.846e-5", "correct"),
])
def test_loss_follows_from_a_probability_kept_to_more_digits(lecture, loss, verdict):
    verdicts = _verdicts(lecture, ROUNDED_PROBABILITY + f"loss.out: {loss}\n")
    assert verdicts["conv1.out[0,1,0]"] == "wrong"
    assert verdicts["softmax1.out[0]"] == "correct"
    assert verdicts["softmax1.out[1]"] == "follows"
    assert verdicts["loss.out"] == verdict


@pytest.mark.parametrize("update,verdict", [
    ("0.00757657", "follows"),  # 0.3 - 0.1 (4 y_hat_1) = 0.3 - 0.29242343
    ("0.007577", "follows"),    # 0.3 - 0.1 (2.92423), from the gradient as written
    ("0.00757660", "wrong"),
])
def test_update_follows_from_a_gradient_kept_to_more_digits(seed_3, update, verdict):
    verdicts = _verdicts(seed_3, "conv1.out: [[3, 2], [4, -3]]\n"
                                 "dense1.grad_weight: [[-2.92423, 2.92423]]\n"
                                 f"dense1.weight_new: [[0.492423, {update}]]\n")
    assert verdicts["conv1.out[0,0,1]"] == "wrong"
    assert verdicts["dense1.grad_weight[0,1]"] == "follows"
    assert verdicts["dense1.weight_new[0,0]"] == "follows"
    assert verdicts["dense1.weight_new[0,1]"] == verdict


# `cnntrace generate --seed 7`: dL/dZ = [[-0.0273369, 0], [0, 0]], K[0,1] = 1, eta = 0.1
SEED_7 = {
    "title": "generated, seed 7", "learning_rate": 0.1, "target": 0,
    "input": [[1, 4, 1, 3], [3, 2, 3, 0], [0, 1, 4, 2], [1, 3, 2, 1]],
    "layers": [
        {"type": "conv2d", "weight": [[1, 1, -1], [0, 0, 1], [1, -1, 1]], "bias": -2},
        {"type": "relu"},
        {"type": "maxpool2d", "size": 2, "stride": 2},
        {"type": "flatten"},
        {"type": "dense", "weight": [[0.2, -0.1]], "bias": [0.4, 0.5]},
        {"type": "softmax"},
    ],
}


@pytest.mark.parametrize("gradient,update,verdict", [
    ("-0.1094", "1.010936", "follows"),  # 4 (-0.02734) = -0.10936, kept for the update
    ("-0.1093", "1.010936", "follows"),  # the same -0.10936, its digits cut, not rounded
    ("-0.1094", "1.01094", "follows"),   # from -0.1094 as written
    ("-0.1094", "1.010937", "wrong"),
])
def test_an_update_follows_from_a_gradient_worked_from_written_numbers(gradient, update,
                                                                      verdict):
    """dL/dK worked from the written dL/dZ = -0.02734 (not from its true -0.0273369) to
    more digits than written, then used so: the update was marked wrong."""
    checker = Checker(from_dict(SEED_7, "seed-7"))
    verdicts = _verdicts(checker, "conv1.grad: [[-0.02734, 0], [0, 0]]\n"
                                  f'"conv1.grad_weight[0,0,0,1]": {gradient}\n'
                                  f'"conv1.weight_new[0,0,0,1]": {update}\n')
    assert verdicts["conv1.grad[0,0,0]"] == "correct"
    assert verdicts["conv1.weight_new[0,0,0,1]"] == verdict


@pytest.mark.parametrize("cell,verdict", [
    ("5.537e-5", "follows"),  # 3 (1.84579e-5): the flipped gradient kept to more digits
    ("5.538e-5", "follows"),  # 3 (1.846e-5): as written
    ("5.536e-5", "wrong"),
])
def test_a_flipped_sign_is_carried_with_the_digits_behind_it(lecture, cell, verdict):
    verdicts = _verdicts(lecture, "dense1.grad: [1.846e-5, -1.846e-5]\n"
                                  "flatten1.grad: [1.846e-5]\n"
                                  f"conv1.grad_weight[0,0,0,0]: {cell}\n")
    assert verdicts["dense1.grad[0]"] == "wrong"
    assert verdicts["flatten1.grad[0]"] == "follows"
    assert verdicts["conv1.grad_weight[0,0,0,0]"] == verdict


def test_a_number_behind_an_undiagnosed_slip_is_the_one_written(lecture):
    """dense1.out[0] = 5.61 is no catalogued mistake: later cells follow from 5.61 itself."""
    verdicts = _verdicts(lecture, "dense1.out: [5.61, -5.3]\nsoftmax1.out: [1.000, 1.827e-5]\n"
                                  "dense1.grad: [-1.827e-5, 1.827e-5]\n")
    assert verdicts["dense1.out[0]"] == "wrong"
    assert verdicts["softmax1.out[1]"] == "follows"
    assert verdicts["dense1.grad[0]"] == "follows"


FLIPPED = "the value with its sign flipped"


def _student_keeping_digits(checker: Checker, slip: tuple, value: float | str) -> dict:
    """A sheet worked through in pass order with every digit kept, one slip made, and
    each number written to 4 significant digits."""
    qid_slip, index_slip = slip

    def settle(qid, array):
        if qid != qid_slip:
            return array
        out = np.array(array, dtype=float)
        out[index_slip] = -out[index_slip] if value == FLIPPED else value
        return out

    walk = carry(checker.model, checker.model.leaves(checker.truth), settle)
    return sheet_from_values(walk.context, checker.trace.ids())


@pytest.mark.parametrize("spec,slip,value", [
    (rich_spec(), ("conv1.out", (0, 0, 2, 1)), 7.0),
    (load_example("lecture"), ("conv1.out", (0, 1, 0)), 12.0),
    (load_example("lecture"), ("dense1.out", (0,)), 5.5),
    (load_example("lecture"), ("flatten1.grad", (0,)), FLIPPED),
], ids=["rich pooled max", "lecture pooled max", "lecture bias forgotten",
        "lecture sign flipped"])
def test_every_cell_after_one_slip_earns_credit_when_digits_are_kept(spec, slip, value):
    checker = Checker(spec)
    marking = check_mapping(checker, _student_keeping_digits(checker, slip, value))
    label = f"{slip[0]}[{','.join(map(str, slip[1]))}]"
    assert marks_by_label(marking)[label].verdict == "wrong"
    assert marking.first_divergence.label == label
    assert marking.points == marking.out_of - 1, \
        [(m.label, m.given.text, m.carried) for m in marking.marks if m.label != label
         and m.verdict not in ("correct", "follows")]


def test_the_gradient_follows_the_students_own_maximum():
    """A 2x2 window whose maximum 7 sits twice, at (0, 1) and (1, 0): the convention
    routes dL/dP to the first. A student who records (1, 0) and routes it there slips once
    (the argmax) and earns follow-through credit for the routed gradient."""
    spec = from_dict({"input": [[1, 7], [7, 2]], "target": 0, "learning_rate": 0.1,
                      "layers": [{"type": "maxpool2d", "size": 2}, {"type": "flatten"},
                                 {"type": "dense", "weight": [[1, -1]], "bias": [0, 0]},
                                 {"type": "softmax"}]})
    checker = Checker(spec)
    dp = float(checker.truth["pool1.grad"].ravel()[0])
    answers = f"pool1.argmax: [1, 0]\ninput.grad: [[0, 0], [{dp:.4g}, 0]]\n"
    marks = marks_by_label(checker.check(parse_answers(answers, "yaml")))
    assert marks["pool1.argmax[0,0,0,0]"].verdict == "wrong"  # the first maximum is (0, 1)
    assert marks["pool1.argmax[0,0,0,0]"].diagnosis.mistake.name == "other_tied_maximum"
    assert marks["input.grad[0,1,0]"].verdict == "follows"
    assert marks["input.grad[0,0,1]"].verdict == "follows"  # 0 where the student routed none
