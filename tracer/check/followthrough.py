"""Follow-through (error carried forward): every quantity recomputed from the student's
own earlier numbers.

Five walks through the pass (:func:`~tracer.check.walk.carry`) read the student's
numbers five ways. For a written cell c with carried value v and trace value t
(c ~ x: c is x to its written digits), later steps read:

* as written:     c (their conv output feeds their ReLU, their gradient feeds their
                  update);
* repaired:       c where c ~ t or c ~ v, else v (a slip in one cell does not spoil a
                  later step that used the right number);
* kept:           the number behind c, kept to more digits than written: v where c ~ v,
                  else t where c ~ t, else the value of a catalogued mistake that gives c
                  (their sign flip of 1.84579e-5), else c itself (a student rounds what
                  they write, not what they carry on with: y_hat_0 = 0.99999321 written
                  1.000 still gives L = 6.79e-6);
* kept repaired:  v where c ~ v, else t where c ~ t, else v;
* kept as worked: w where c ~ w, w being the cell worked from the student's numbers as
                  written (the as-written walk's carried value), else c: dL/dK worked
                  from their dL/dZ = -0.02734 as -0.10936, written -0.1094, and the
                  update worked from -0.10936, not from the -0.1094 on the page.

A cell that is wrong against the trace but equals its carried value in any walk
*follows* from the student's earlier numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .diagnosis import Diagnoser
from .sheet import Sheet
from .steps import PassModel
from .tolerance import Tolerance
from .walk import Settle, Walk, carry
from .written import Written

BehindSlip = Callable[[str, tuple, Written, float], float]


def as_written(sheet: Sheet) -> Settle:
    """Read the student's number where given: where(given, student, carried)."""
    numbers = {q: sheet.numbers(q) for q in sheet.cells}

    def settle(qid, value):
        if qid not in numbers:
            return value
        own, given = numbers[qid]
        return np.where(given, own, value)
    return settle


def _cell_by_cell(sheet: Sheet, read: Callable[[str, tuple, Written, float], float | None]
                  ) -> Settle:
    """Settle each written cell as ``read(qid, index, cell, carried)`` says (None: keep
    the carried value); every other cell keeps its carried value."""
    def settle(qid, value):
        grid = sheet.cells.get(qid)
        if grid is None:
            return value
        out = np.array(value, dtype=np.float64, copy=True)
        for index, cell in np.ndenumerate(grid):
            if isinstance(cell, Written):
                own = read(qid, index, cell, float(value[index]))
                if own is not None:
                    out[index] = own
        return out
    return settle


def repaired(sheet: Sheet, truth: Mapping[str, np.ndarray], tolerance: Tolerance) -> Settle:
    """Read the student's number only where it matches the trace or its carried value."""
    def read(qid, index, cell, carried):
        right = tolerance.matches(cell, float(truth[qid][index]))
        return float(cell) if right or tolerance.matches(cell, carried) else None
    return _cell_by_cell(sheet, read)


def kept_digits(sheet: Sheet, truth: Mapping[str, np.ndarray], tolerance: Tolerance,
                behind_slip: BehindSlip) -> Settle:
    """Read the number behind each written one: its carried value, or the trace's, where
    the writing matches it; else ``behind_slip(qid, index, cell, carried)``."""
    def read(qid, index, cell, carried):
        if tolerance.matches(cell, carried):
            return None
        true = float(truth[qid][index])
        return true if tolerance.matches(cell, true) else behind_slip(qid, index, cell, carried)
    return _cell_by_cell(sheet, read)


def kept_as_worked(sheet: Sheet, worked: Walk, tolerance: Tolerance) -> Settle:
    """Read the number behind each written one as the student worked it from their
    numbers as written (``worked``'s carried value) where the writing matches it, else
    the writing."""
    def read(qid, index, cell, carried):
        behind = float(worked.carried[qid][index])
        return behind if tolerance.matches(cell, behind) else float(cell)
    return _cell_by_cell(sheet, read)


@dataclass
class FollowThrough:
    """The student's five walks (see the module docstring)."""

    written: Walk
    repaired: Walk
    kept: Walk
    kept_repaired: Walk
    kept_as_worked: Walk

    def carried_match(self, qid: str, index: tuple, cell: Written,
                      tolerance: Tolerance) -> float | None:
        """The first walk's carried value that ``cell`` matches, else None."""
        for walk in (self.written, self.repaired, self.kept, self.kept_repaired,
                     self.kept_as_worked):
            carried = float(walk.carried[qid][index])
            if tolerance.matches(cell, carried):
                return carried
        return None


def follow_through(model: PassModel, sheet: Sheet, truth: Mapping[str, np.ndarray],
                   tolerance: Tolerance) -> FollowThrough:
    """The five walks of the student's sheet, starting from the trace's given values."""
    leaves = model.leaves(truth)
    kept_walk = Walk()
    slips = Diagnoser(model, [("your numbers", kept_walk.context)], tolerance)

    def mistake_or_written(qid, index, cell, carried):
        diagnosis = slips.diagnose(qid, index, cell)
        return float(cell) if diagnosis is None else diagnosis.value

    def carried_instead(qid, index, cell, carried):
        return carried

    written = carry(model, leaves, as_written(sheet))
    return FollowThrough(
        written,
        carry(model, leaves, repaired(sheet, truth, tolerance)),
        carry(model, leaves, kept_digits(sheet, truth, tolerance, mistake_or_written),
              kept_walk),
        carry(model, leaves, kept_digits(sheet, truth, tolerance, carried_instead)),
        carry(model, leaves, kept_as_worked(sheet, written, tolerance)))
