"""Mark hand calculations against a trace: per-cell verdicts, follow-through, diagnosis.

>>> from tracer import load_example
>>> from tracer.check import Checker
>>> from tracer.check.answers import parse_answers
>>> checker = Checker(load_example("lecture"))
>>> marking = checker.check(parse_answers("conv1.out: [[5, 7], [11, 10]]", "yaml"))
>>> marking.score
100.0

Modules, one job each: :mod:`.written` (a number as written), :mod:`.answers` (answer
files), :mod:`.sheet` (answers placed on the trace's cells), :mod:`.reasons` (why an
item is unreadable, from the message catalog), :mod:`.tolerance`, :mod:`.steps` (the
pass as steps over the engine's layers), :mod:`.walk` (recomputing the pass from any
values), :mod:`.followthrough`, :mod:`.mistakes` (the catalogue), :mod:`.diagnosis`,
:mod:`.marking`, :mod:`.report` (terminal table and JSON), :mod:`.classview` (several
sheets at once).
"""

from __future__ import annotations

from pathlib import Path

from ..network import run_pass
from ..spec import Spec
from .answers import AnswerFile, AnswerFileError, read_answer_file
from .marking import Marking, mark_sheet
from .sheet import read_sheet
from .steps import PassModel
from .tolerance import Tolerance


class Checker:
    """One spec's trace and pass model, to check any number of answer sheets."""

    def __init__(self, spec: Spec, mode: str = "float", tolerance: Tolerance | None = None):
        self.spec = spec
        self.trace = run_pass(spec, mode)
        self.model = PassModel(spec, self.trace)
        self.truth = self.model.truth()
        self.shapes = {q: self.trace.quantity(q).shape for q in self.trace.ids()}
        self.tolerance = tolerance or Tolerance()

    def check(self, answers: AnswerFile) -> Marking:
        """Verdicts for one parsed answer file (AnswerFileError for a sheet of another
        variant of a class batch than the spec's)."""
        variant, given = (" ".join(str(v or "").split())
                          for v in (self.spec.variant, answers.variant))
        if given and variant and given != variant:
            raise AnswerFileError(f"{answers.path}: an answer sheet for variant {given}, but "
                                  f"the spec is variant {variant}; check it against variant "
                                  f"{given}'s spec")
        self.model.memo.clear()
        sheet = read_sheet(answers, self.shapes)
        return mark_sheet(self.model, sheet, self.truth, self.tolerance)

    def check_file(self, path: str | Path) -> Marking:
        """Verdicts for one answer file (raises AnswerFileError if it is unusable)."""
        return self.check(read_answer_file(path))


__all__ = ["AnswerFileError", "Checker", "Marking", "Tolerance"]
