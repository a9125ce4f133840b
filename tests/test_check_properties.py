"""Properties of the marking: perfect sheets score 100 %, each injected catalogued
mistake is diagnosed as itself, and an early slip gives follow-through credit later."""

from __future__ import annotations

import numpy as np
import pytest
from check_support import (check_mapping, marks_by_label, perfect_sheet, rich_spec,
                           rounded_text, sheet_from_values)
from conftest import random_spec

from tracer import from_dict, load_example
from tracer.check import Checker
from tracer.check.diagnosis import Diagnoser
from tracer.check.followthrough import carry
from tracer.check.mistakes import CATALOGUE

SPECS = {"lecture": load_example("lecture"), "rich": rich_spec()}


@pytest.fixture(scope="module")
def rich():
    return Checker(SPECS["rich"])


@pytest.mark.parametrize("name,mode", [("lecture", "float"), ("lecture", "exact"),
                                       ("rich", "float"), ("rich", "exact")])
def test_perfect_sheet_rounded_to_4_digits_scores_100(name, mode):
    checker = Checker(SPECS[name], mode)
    marking = check_mapping(checker, perfect_sheet(checker))
    assert marking.score == 100.0
    assert set(marking.counts) == {"correct"}
    assert marking.out_of == sum(np.size(checker.truth[q]) for q in checker.trace.ids())


@pytest.mark.parametrize("seed", range(6))
def test_perfect_sheet_of_random_networks_scores_100(seed):
    rng = np.random.default_rng(seed)
    checker = Checker(from_dict(random_spec(rng), f"random-{seed}"))
    marking = check_mapping(checker, perfect_sheet(checker))
    assert marking.score == 100.0, [m.label for m in marking.marks if m.verdict != "correct"]


def _visible(a: float, b: float) -> bool:
    return np.isfinite(a) and abs(a - b) > 1e-3 * max(1.0, abs(b))


def _distinct_cell(checker: Checker, mistake):
    """A cell where ``mistake`` (on the trace's values) gives a visibly wrong value that
    no other catalogued mistake gives; (qid, index, value)."""
    diagnoser = Diagnoser(checker.model, [("the trace", checker.truth)], checker.tolerance)
    for qid in checker.trace.ids():
        if checker.model.producer[qid].kind == "given":
            continue
        truth = checker.truth[qid]
        for array in diagnoser.candidates(mistake, qid, "the trace", checker.truth):
            for index in np.ndindex(truth.shape):
                value = float(array[index])
                if not _visible(value, float(truth[index])):
                    continue
                others = [float(a[index]) for m in CATALOGUE if m is not mistake
                          for a in diagnoser.candidates(m, qid, "the trace", checker.truth)]
                if all(not np.isclose(value, o, rtol=1e-6, atol=1e-9) for o in others):
                    return qid, index, value
    raise AssertionError(f"no cell shows {mistake.name} alone")


def _set(sheet: dict, qid: str, index: tuple, text: str):
    node = sheet[qid]
    if not index:
        sheet[qid] = text
        return
    for i in index[:-1]:
        node = node[i]
    node[index[-1]] = text


@pytest.mark.parametrize("mistake", CATALOGUE, ids=[m.name for m in CATALOGUE])
def test_one_injected_mistake_is_diagnosed_as_that_kind(rich, mistake):
    qid, index, value = _distinct_cell(rich, mistake)
    sheet = perfect_sheet(rich)
    _set(sheet, qid, index, rounded_text(value, 8))
    marking = check_mapping(rich, sheet)
    label = f"{qid}[{','.join(map(str, index))}]" if index else qid
    mark = marks_by_label(marking)[label]
    assert mark.verdict == "wrong", (label, mark.verdict)
    assert mark.diagnosis is not None and mark.diagnosis.mistake.name == mistake.name, \
        (label, value, mark.diagnosis)
    assert marking.first_divergence.label == label
    others = [m for m in marking.marks if m.label != label]
    assert {m.verdict for m in others} <= {"correct", "follows"}


def _careful_student(checker: Checker, slip: tuple, value: float, digits: int = 4) -> dict:
    """A sheet worked through in pass order from the student's own rounded numbers,
    with one slip: every later value follows from it. Written to ``digits`` significant
    digits (0.5000, which a bare 0.5, the weight before the update, is not)."""
    qid_slip, index_slip = slip

    def settle(qid, array):
        out = np.vectorize(lambda x: float(rounded_text(x, digits)))(np.asarray(array))
        if qid == qid_slip:
            out = np.array(out, dtype=float)
            out[index_slip] = value
        return out

    walk = carry(checker.model, checker.model.leaves(checker.truth), settle)
    return sheet_from_values(walk.context, checker.trace.ids(), digits)  # 0.5000, not 0.5


@pytest.mark.parametrize("name,slip,value", [
    ("rich", ("conv1.out", (0, 0, 2, 1)), 7.0),       # a window max in sample 0: 4 -> 7
    ("lecture", ("conv1.out", (0, 1, 0)), 12.0),       # the pooled maximum 11 -> 12
    ("lecture", ("dense1.out", (0,)), 5.5),            # the bias forgotten in z_0
])
def test_early_error_gives_follow_through_credit_later(name, slip, value):
    checker = Checker(SPECS[name])
    sheet = _careful_student(checker, slip, value)
    marking = check_mapping(checker, sheet)
    label = f"{slip[0]}[{','.join(map(str, slip[1]))}]"
    marks = marks_by_label(marking)
    assert marks[label].verdict == "wrong"
    assert marking.first_divergence.label == label
    follows = [m for m in marking.marks if m.verdict == "follows"]
    assert len(follows) >= 5, [m.label for m in follows]
    for m in follows:  # credited although wrong against the trace
        assert not checker.tolerance.matches(m.given, m.expected)
    assert {m.verdict for m in marking.marks if m.label != label} == {"correct", "follows"}
    assert marking.points == marking.out_of - 1


def test_follow_through_is_not_given_for_an_unrelated_wrong_value():
    checker = Checker(SPECS["lecture"])
    sheet = _careful_student(checker, ("conv1.out", (0, 1, 0)), 12.0)
    sheet["loss.out"] = 0.5  # follows from nothing
    mark = marks_by_label(check_mapping(checker, sheet))["loss.out"]
    assert mark.verdict == "wrong"


def test_only_a_perfect_sheet_shows_100():
    from tracer.check.marking import CellMark, Marking
    marking = Marking("x", None, [CellMark("q", (i,), "correct") for i in range(9999)]
                      + [CellMark("q", (9999,), "wrong")])
    assert marking.score == 99.99
    assert Marking("x", None, [CellMark("q", (0,), "follows")]).score == 100.0


@pytest.mark.parametrize("name", ["lecture", "rich"])
def test_first_divergence_is_the_one_changed_cell_wherever_it_is(name):
    checker = Checker(SPECS[name])
    base = perfect_sheet(checker)
    for qid in checker.trace.ids()[::1 if name == "lecture" else 4]:
        sheet = {q: v for q, v in base.items()}
        index = next(np.ndindex(checker.truth[qid].shape))
        value = float(checker.truth[qid][index]) * -1.5 + 0.37
        sheet[qid] = np.array(base[qid], dtype=object)
        sheet[qid][index] = rounded_text(value)
        sheet[qid] = sheet[qid].tolist() if index else sheet[qid].item()
        marking = check_mapping(checker, sheet)
        assert marking.first_divergence is not None, qid
        assert (marking.first_divergence.qid, marking.first_divergence.index) == (qid, index)
