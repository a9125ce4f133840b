"""The lecture's own section-5 numbers (tests/fixtures/lecture_slides.yaml), marked.

Worked out by hand (p1 = 1 / (1 + e^10.9) = 1.8458e-5, the true y_hat_1):

* forward: all right, the rounded softmax (0.99998, 0.00002) and loss (0.00002) too;
* backward: dL/dz = (-0.00002, 0.00002) is the truth rounded to 5 decimals, so is every
  later gradient, except dL/dW_dense = [[0.00022, 0.00022]]: the truth is
  11 (y_hat - y) = [[-0.000203, 0.000203]].
  - [0,0] has the wrong sign: from the slide's own dL/dz, 11 * -0.00002 = -0.00022
    -> wrong, "sign flipped";
  - [0,1] = 11 * 0.00002 is right from the slide's own (rounded) dL/dz, although
    0.00022 is not 0.000203 to 5 decimals -> follows;
* update:
  - W_dense,new = [[0.500022, -0.500022]]: the truth is 0.5 -/+ 0.1 * 0.000203 =
    +-0.5000203 (wrong to 6 decimals), but 0.5 - 0.1 (-0.00022) and -0.5 - 0.1 (0.00022)
    are right from the slide's numbers -> follows (the first entry from the corrected
    sign, as the update slide itself uses it);
  - b_dense,new = [0.100002, 0.199998]: right (0.1 + 0.1 p1 = 0.1000018);
  - W_conv,new: 1 + 0.00006 = 1.00006 etc. is W - dL/dW, the learning rate not applied
    (truth 1.0000055) -> 7 cells wrong, "learning rate not applied"; the two cells at
    [1,0] and [2,1] take 0 -> 0.00002 although their gradient is 0 (the slide's update
    uses -0.00002 / -0.00004 there): wrong, no catalogued mistake gives it;
  - b_conv,new = 1.00002 = 1 - (-0.00002): wrong, "learning rate not applied"
    (truth 1.0000018).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from check_support import marks_by_label

from tracer import load_example
from tracer.check import Checker

FIXTURE = Path(__file__).parent / "fixtures" / "lecture_slides.yaml"
FORWARD = ["input.out", "conv1.weight", "conv1.bias", "conv1.out", "relu1.out", "pool1.out",
           "pool1.argmax", "flatten1.out", "dense1.weight", "dense1.bias", "dense1.out",
           "softmax1.exp", "softmax1.out", "target.out", "loss.out"]
RIGHT_GRADIENTS = ["dense1.grad", "dense1.grad_bias", "flatten1.grad", "pool1.grad",
                   "relu1.grad", "conv1.grad", "conv1.grad_weight", "conv1.grad_bias"]
LR_NOT_APPLIED = ["conv1.weight_new[0,0,0,0]", "conv1.weight_new[0,0,0,1]",
                  "conv1.weight_new[0,0,0,2]", "conv1.weight_new[0,0,1,1]",
                  "conv1.weight_new[0,0,1,2]", "conv1.weight_new[0,0,2,0]",
                  "conv1.weight_new[0,0,2,2]", "conv1.bias_new[0]"]


@pytest.fixture(scope="module", params=["float", "exact"])
def marking(request):
    return Checker(load_example("lecture"), request.param).check_file(FIXTURE)


@pytest.fixture(scope="module")
def marks(marking):
    return marks_by_label(marking)


def _verdicts(marking, qid):
    return {m.verdict for m in marking.marks if m.qid == qid}


@pytest.mark.parametrize("qid", FORWARD)
def test_forward_values_and_rounded_softmax_and_loss_pass(marking, qid):
    assert _verdicts(marking, qid) == {"correct"}


@pytest.mark.parametrize("qid", RIGHT_GRADIENTS + ["dense1.bias_new"])
def test_right_gradients_and_dense_bias_update_pass(marking, qid):
    assert _verdicts(marking, qid) == {"correct"}


def test_dense_weight_gradient_first_entry_has_its_sign_flipped(marks):
    mark = marks["dense1.grad_weight[0,0]"]
    assert mark.verdict == "wrong"
    assert mark.diagnosis.mistake.name == "sign_flipped"
    assert mark.diagnosis.basis == "your numbers"
    assert mark.carried == pytest.approx(-0.00022)  # 11 * the slide's -0.00002
    assert mark.expected == pytest.approx(-2.0304e-4, rel=1e-4)


def test_dense_weight_gradient_second_entry_follows_from_rounded_dl_dz(marks):
    mark = marks["dense1.grad_weight[0,1]"]
    assert mark.verdict == "follows"
    assert mark.expected == pytest.approx(2.0304e-4, rel=1e-4)


def test_dense_weight_update_follows_from_the_slides_gradient(marks):
    assert marks["dense1.weight_new[0,0]"].verdict == "follows"
    assert marks["dense1.weight_new[0,0]"].carried == pytest.approx(0.500022)
    assert marks["dense1.weight_new[0,1]"].verdict == "follows"
    assert marks["dense1.weight_new[0,1]"].carried == pytest.approx(-0.500022)


@pytest.mark.parametrize("label", LR_NOT_APPLIED)
def test_conv_update_without_the_learning_rate_is_diagnosed(marks, label):
    mark = marks[label]
    assert mark.verdict == "wrong"
    assert mark.diagnosis.mistake.name == "learning_rate_not_applied"


@pytest.mark.parametrize("label", ["conv1.weight_new[0,0,1,0]", "conv1.weight_new[0,0,2,1]"])
def test_conv_update_of_zero_gradient_cells_is_wrong_without_a_diagnosis(marks, label):
    mark = marks[label]
    assert mark.verdict == "wrong" and mark.diagnosis is None
    assert mark.expected == 0.0


def test_first_divergence_and_score(marking):
    assert marking.first_divergence.label == "dense1.grad_weight[0,0]"
    assert dict(marking.counts) == {"correct": 77, "follows": 3, "wrong": 11}
    assert marking.points == 80 and marking.out_of == 91
    assert marking.score == pytest.approx(87.91)
    assert marking.student == "lecture slides (section 5)"


def test_every_wrong_slide_value_is_one_of_the_hand_derived_ones(marking):
    wrong = {m.label for m in marking.marks if m.verdict == "wrong"}
    assert wrong == set(LR_NOT_APPLIED) | {"dense1.grad_weight[0,0]",
                                          "conv1.weight_new[0,0,1,0]",
                                          "conv1.weight_new[0,0,2,1]"}
