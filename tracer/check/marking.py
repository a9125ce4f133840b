"""Per-cell verdicts and the score.

For every asked cell, with t its value in the trace and c its carried value (from the
student's own earlier numbers, see :mod:`tracer.check.followthrough`):

* correct    the written number matches t;
* follows    it does not match t but matches c: right given the student's earlier
             numbers (error carried forward); earns credit;
* wrong      neither; diagnosed with the mistake catalogue where one reproduces it;
* missing    left blank (null, an empty string);
* malformed  not usable (not a number, wrong shape, unknown id, given twice, ...).

score = 100 (correct + follows) / (every asked cell and every unusable item).
The first divergence is the first wrong cell in pass order.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from collections import Counter
from dataclasses import dataclass, field

from ..present.document import Para
from .diagnosis import Diagnoser, Diagnosis
from .followthrough import FollowThrough, follow_through
from .mistakes import MISTAKES
from .sheet import Malformed, Sheet
from .steps import PassModel
from .tolerance import Tolerance
from .written import Written

VERDICTS = ("correct", "follows", "wrong", "missing", "malformed")
CREDIT = {"correct", "follows"}


@dataclass
class CellMark:
    """The verdict on one asked cell (``index`` None for an item that names no cell)."""

    qid: str
    index: tuple | None
    verdict: str
    given: Written | None = None
    expected: float | None = None
    carried: float | None = None  # from the student's own numbers, where it differs
    diagnosis: Diagnosis | None = None
    reason: Para | None = None  # why malformed: a sentence of the message catalog

    @property
    def label(self) -> str:
        """'conv1.out[0,1,0]' (or the key as written, for items naming no cell)."""
        if self.index is None:
            return self.qid
        return f"{self.qid}[{','.join(map(str, self.index))}]" if self.index else self.qid


@dataclass
class Marking:
    """All verdicts of one answer sheet, in pass order."""

    path: str
    student: str | None
    marks: list[CellMark] = field(default_factory=list)
    # items naming no asked cell (an unknown id), reported but not scored: under a
    # worksheet's selection the score is out of the asked cells, the same for everyone
    unscored: list[CellMark] = field(default_factory=list)
    variant: str | None = None  # the class batch's variant whose spec it was marked against

    @property
    def counts(self) -> Counter:
        return Counter(m.verdict for m in self.marks)

    @property
    def points(self) -> int:
        return sum(m.verdict in CREDIT for m in self.marks)

    @property
    def out_of(self) -> int:
        return len(self.marks)

    @property
    def score(self) -> float:
        """Percent of asked cells that earn credit, cut (not rounded) to 2 decimals so that
        only a perfect sheet shows 100 (a sheet that asks and answers nothing scores 0)."""
        if not self.marks:
            return 0.0
        return math.floor(10000 * self.points / self.out_of) / 100

    @property
    def first_divergence(self) -> CellMark | None:
        """The first wrong cell in pass order: where the student's numbers first slip."""
        return next((m for m in self.marks if m.verdict == "wrong"), None)

    def by_quantity(self) -> dict[str, list[CellMark]]:
        groups: dict[str, list[CellMark]] = {}
        for m in self.marks:
            groups.setdefault(m.qid, []).append(m)
        return groups


def mark_sheet(model: PassModel, sheet: Sheet, truth: dict, tolerance: Tolerance) -> Marking:
    """Verdicts for every asked cell of ``sheet`` against ``truth`` (id -> float array)."""
    own = follow_through(model, sheet, truth, tolerance)
    diagnoser = Diagnoser(model, [("your numbers", own.written.context),
                                  ("your right numbers", own.repaired.context),
                                  ("the trace", truth)], tolerance)
    marking = Marking(sheet.path, sheet.student)
    for qid in sheet.cells:
        for index in sheet.asked(qid):
            marking.marks.append(_mark_cell(qid, index, sheet.cells[qid][index],
                                            truth, own, diagnoser, tolerance, sheet))
    for problem in sheet.problems:
        (marking.unscored if sheet.selected else marking.marks).append(
            CellMark(problem.key, None, "malformed", reason=problem.reason))
    _one_diagnosis_per_pattern(marking, diagnoser)
    _no_whole_mistake_the_right_cells_belie(marking, diagnoser)
    return marking


def _no_whole_mistake_the_right_cells_belie(marking: Marking, diagnoser: Diagnoser) -> None:
    """A wrong cell told by a mistake made for a whole tensor that the quantity's right
    cells belie is told by another mistake that fits it, if one does (a lone sign slip in
    dL/dX is not a flipped kernel where the other 15 cells are right)."""
    for qid, marks in marking.by_quantity().items():
        right = {m.index: m.given for m in marks if m.verdict == "correct"}
        for m in marks:
            if m.verdict == "wrong" and m.diagnosis and right \
                    and diagnoser.contradicted(qid, m.diagnosis, right):
                m.diagnosis = next((d for d in diagnoser.all_matches(qid, m.index, m.given)
                                    if not diagnoser.contradicted(qid, d, right)),
                                   m.diagnosis)


def _one_diagnosis_per_pattern(marking: Marking, diagnoser: Diagnoser) -> None:
    """A quantity's wrong cells told by the mistake that explains the most of them (each
    cell counted for every mistake that reproduces it), where it explains a cell too: a
    flipped kernel's 6 is also 4 + 2 without the bias, but one slip made the tensor."""
    for qid, marks in marking.by_quantity().items():
        wrong = [m for m in marks if m.verdict == "wrong" and m.diagnosis]
        if len({m.diagnosis.mistake.name for m in wrong}) < 2:
            continue
        fits = {id(m): {d.mistake.name: d for d in diagnoser.all_matches(qid, m.index, m.given)}
                for m in wrong}
        explained = Counter(name for found in fits.values() for name in found)
        (best, count), *rest = explained.most_common()
        if rest and rest[0][1] == count:
            continue  # two mistakes explain as many cells: each cell keeps its own
        for m in wrong:
            m.diagnosis = fits[id(m)].get(best, m.diagnosis)


def _mark_cell(qid, index, cell, truth, own: FollowThrough, diagnoser: Diagnoser,
               tolerance: Tolerance, sheet: Sheet) -> CellMark:
    expected = float(truth[qid][index])
    carried = float(own.written.carried[qid][index])
    mark = CellMark(qid, index, "missing", expected=expected,
                    carried=None if _same(carried, expected) else carried)
    if cell is None:
        return mark
    if isinstance(cell, Malformed):
        mark.verdict, mark.reason = "malformed", cell.reason
        return mark
    mark.given = cell
    if tolerance.matches(cell, expected):
        mark.verdict = "correct"
        before = _before_update(qid, index, cell, truth, tolerance)
        if before is not None and _unchanged(carried, before) \
                and _gradient_slipped(qid, index, sheet, truth, tolerance):
            mark.verdict, mark.carried = "follows", carried  # their own dL/dW was a wrong 0
        elif before is not None:
            mark.verdict = "wrong"
            mark.diagnosis = Diagnosis(MISTAKES["not_updated"], "", before)  # no basis
    elif (carried := own.carried_match(qid, index, cell, tolerance)) is not None:
        mark.verdict, mark.carried = "follows", carried
    else:
        mark.verdict = "wrong"
        mark.diagnosis = diagnoser.diagnose(qid, index, cell)
    return mark


def _before_update(qid, index, cell: Written, truth, tolerance: Tolerance) -> float | None:
    """For a parameter after the update written as the value before it (0.5 for 0.5000203
    when W = 0.5, no more digits than 0.5 has): that value, else None. "0.500" keeps
    its credit (right to the digits written); explicit --rtol/--atol are the teacher's
    call."""
    if tolerance.overridden or cell.place is None or not qid.endswith("_new"):
        return None
    before = float(truth[qid.removesuffix("_new")][index])
    if _unchanged(float(truth[qid][index]), before) or cell.value != Fraction(repr(before)) \
            or cell.place < _last_place(before):
        return None
    return before


def _gradient_slipped(qid, index, sheet: Sheet, truth, tolerance: Tolerance) -> bool:
    """Whether the student wrote this parameter's gradient and it is wrong (a 0 that
    leaves W as it was; "0.000" for -0.000203 is right, so W must then show the step)."""
    layer, name = qid.rsplit(".", 1)
    grad = f"{layer}.grad_{name.removesuffix('_new')}"
    written = sheet.cells.get(grad)
    cell = written[index] if written is not None else None
    return isinstance(cell, Written) and not tolerance.matches(cell, float(truth[grad][index]))


def _unchanged(new: float, before: float) -> bool:
    """No change but float noise (a zero gradient computed as 1e-17): within 1e-9, as a
    bare 0 matches."""
    return abs(new - before) <= 1e-9 * max(1.0, abs(before))


def _last_place(x: float) -> int:
    """The power of ten of the last digit of x as it reads, at most the units (0.5 -> -1,
    1 -> 0, 20 -> 0)."""
    return min(0, Decimal(repr(x)).normalize().as_tuple().exponent)


def _same(a: float, b: float) -> bool:
    """Equal but for float noise: a value recomputed from the trace's own numbers can
    differ in the 12th digit where its terms cancel (as :func:`_unchanged`)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300) or (math.isnan(a) and math.isnan(b))
