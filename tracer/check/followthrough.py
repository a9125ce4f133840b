"""Follow-through (error carried forward): every quantity recomputed from the student's
own earlier values.

:func:`carry` walks the pass once. Each step reads a *context* of earlier values and
gives the *carried* value of its outputs, ``carried[q] = f_q(context)``; a ``settle``
rule then decides what later steps read for q:

* as written:  the student's number where they wrote one, else the carried value
               (their conv output feeds their ReLU, their gradient feeds their update);
* repaired:    the student's number only where it is right (against the trace or
               against its own carried value), else the carried value (a slip in one
               cell does not spoil a later step that used the right number);
* rounded(k):  the carried value rounded to k significant digits (for the mistake
               "rounding too early").

A cell that is wrong against the trace but equals its carried value in either the
as-written or the repaired walk *follows* from the student's earlier numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .sheet import Sheet
from .steps import PassModel
from .tolerance import Tolerance, round_significant
from .written import Written

Settle = Callable[[str, np.ndarray], np.ndarray]


@dataclass
class Walk:
    """One walk through the pass: carried values and the context later steps read."""

    carried: dict[str, np.ndarray]
    context: dict[str, np.ndarray]


def carry(model: PassModel, leaves: Mapping[str, np.ndarray], settle: Settle) -> Walk:
    """carried[q] = f_q(context) step by step; context[q] = settle(q, carried[q]).

    Given quantities (input, target, parameters) are carried from ``leaves``.
    """
    walk = Walk({}, {})
    for step in model.steps:
        if step.kind == "given":
            outputs = {q: np.asarray(leaves[q], dtype=np.float64) for q in step.outputs}
        else:
            outputs = step.run(walk.context)
        for qid, value in outputs.items():
            walk.carried[qid] = value
            walk.context[qid] = settle(qid, value)
    return walk


def as_written(sheet: Sheet) -> Settle:
    """Read the student's number where given: where(given, student, carried)."""
    numbers = {q: sheet.numbers(q) for q in sheet.cells}

    def settle(qid, value):
        if qid not in numbers:
            return value
        own, given = numbers[qid]
        return np.where(given, own, value)
    return settle


def repaired(sheet: Sheet, truth: Mapping[str, np.ndarray], tolerance: Tolerance) -> Settle:
    """Read the student's number only where it matches the trace or its carried value."""
    def settle(qid, value):
        grid = sheet.cells.get(qid)
        if grid is None:
            return value
        out = np.array(value, dtype=np.float64, copy=True)
        for index, cell in np.ndenumerate(grid):
            if isinstance(cell, Written) and (
                    tolerance.matches(cell, float(truth[qid][index]))
                    or tolerance.matches(cell, float(value[index]))):
                out[index] = float(cell)
        return out
    return settle


def rounded(model: PassModel, digits: int) -> Settle:
    """Round every computed quantity to ``digits`` significant digits (given ones stay)."""
    given = {q for s in model.steps if s.kind == "given" for q in s.outputs}

    def settle(qid, value):
        return value if qid in given else round_significant(value, digits)
    return settle


@dataclass
class FollowThrough:
    """The student's two walks: as written and repaired."""

    written: Walk
    repaired: Walk

    def source(self, qid: str, index: tuple, cell: Written, tolerance: Tolerance) -> str | None:
        """'as written' or 'repaired' if ``cell`` equals a carried value there, else None."""
        for name, walk in (("as written", self.written), ("repaired", self.repaired)):
            if tolerance.matches(cell, float(walk.carried[qid][index])):
                return name
        return None


def follow_through(model: PassModel, sheet: Sheet, truth: Mapping[str, np.ndarray],
                   tolerance: Tolerance) -> FollowThrough:
    """Both walks of the student's sheet, starting from the trace's given values."""
    leaves = model.leaves(truth)
    return FollowThrough(carry(model, leaves, as_written(sheet)),
                         carry(model, leaves, repaired(sheet, truth, tolerance)))
