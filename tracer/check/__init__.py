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

from ..errors import CnnTraceError, Said
from ..network import run_pass
from ..sheet import blank_cells, fingerprint
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
        self._asked: dict[str, list[str]] = {}
        self.fingerprint = fingerprint(self.trace)

    def check(self, answers: AnswerFile, blank: str | None = None) -> Marking:
        """Verdicts for one parsed answer file (AnswerFileError for a sheet of another
        variant of a class batch than the spec's). The cells asked are those of
        ``blank`` (a worksheet's --blank selection), else of the file's ``blanks:``
        line (`cnntrace sheet` writes it), else the cells the file names: asked cells
        the file leaves out are missing, and its cells outside them are not marked."""
        variant, given = (" ".join(str(v or "").split())
                          for v in (self.spec.variant, answers.variant))
        if given and variant and given != variant:
            raise AnswerFileError(f"{answers.path}: an answer sheet for variant {given}, but "
                                  f"the spec is variant {variant}; check it against variant "
                                  f"{given}'s spec")
        if answers.fingerprint and answers.fingerprint != self.fingerprint:
            made_for = Said("error.made_for.variant", {"variant": given}) if given \
                else Said("error.made_for.spec")
            raise AnswerFileError.said("other_spec", path=answers.path,
                                       theirs=answers.fingerprint, ours=self.fingerprint,
                                       made_for=made_for)
        self.model.memo.clear()
        sheet = read_sheet(answers, self.shapes)
        selection = blank if blank is not None else answers.blanks
        if selection is not None:
            try:
                sheet.ask(self.asked(selection), self.shapes)
            except CnnTraceError as err:
                where = "--blank" if blank is not None else f"{answers.path}: blanks"
                if err.sentence is not None and err.sentence.key == "error.blank":
                    raise AnswerFileError.said("blank", where=where,
                                               reason=err.sentence.params["reason"]) from None
                raise AnswerFileError(f"{where}: {str(err).removeprefix('--blank: ')}") \
                    from None
        return mark_sheet(self.model, sheet, self.truth, self.tolerance)

    def asked(self, blank: str) -> list[str]:
        """The cells an answer sheet for ``--blank blank`` asks (cached)."""
        if blank not in self._asked:
            self._asked[blank] = blank_cells(self.trace, blank)
        return self._asked[blank]

    def check_file(self, path: str | Path, blank: str | None = None) -> Marking:
        """Verdicts for one answer file (raises AnswerFileError if it is unusable)."""
        return self.check(read_answer_file(path), blank)


__all__ = ["AnswerFileError", "Checker", "Marking", "Tolerance"]
