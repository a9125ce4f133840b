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

import re
from pathlib import Path

from ..errors import CnnTraceError, Said
from ..network import run_pass
from ..sheet import blank_cells, fingerprint
from ..spec import Spec, load_spec
from .answers import AnswerFile, AnswerFileError, read_answer_file
from .mapping import answers_from_mapping
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

    def check(self, answers, blank: str | list[str] | None = None) -> Marking:
        """Verdicts for one parsed answer file, or answers as a mapping ({"conv1.out":
        [[5, 7], [11, 10]]}, numpy arrays too; :func:`.mapping.answers_from_mapping})
        (AnswerFileError for a sheet of another variant of a class batch than the
        spec's). The cells asked are those of ``blank`` (a worksheet's --blank
        selection, as a str or a list), else of the file's ``blanks:`` line (`cnntrace
        sheet` writes it), else the cells the file names: asked cells the file leaves
        out are missing, and its cells outside them are not marked."""
        if not isinstance(answers, AnswerFile):
            answers = answers_from_mapping(answers)
        blank = _blank_text(blank)
        variant, given = (_variant(v) for v in (self.spec.variant, answers.variant))
        if given and variant and given != variant:
            raise AnswerFileError.said("other_variant", path=answers.path, given=given,
                                       variant=variant)
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
                from ..report import as_keywords  # --blank said as blank= in Python
                where = "--blank" if blank is not None else f"{answers.path}: blanks"
                if err.sentence is not None and err.sentence.key == "error.blank":
                    raise as_keywords(AnswerFileError.said(
                        "blank", where=where, reason=err.sentence.params["reason"])) from None
                raise as_keywords(AnswerFileError(
                    f"{where}: {str(err).removeprefix('--blank: ')}")) from None
        marking = mark_sheet(self.model, sheet, self.truth, self.tolerance)
        marking.variant = variant or None
        return marking

    def asked(self, blank: str) -> list[str]:
        """The cells an answer sheet for ``--blank blank`` asks (cached)."""
        if blank not in self._asked:
            self._asked[blank] = blank_cells(self.trace, blank)
        return self._asked[blank]

    def check_file(self, path: str | Path, blank: str | None = None) -> Marking:
        """Verdicts for one answer file (raises AnswerFileError if it is unusable)."""
        return self.check(read_answer_file(path), blank)


def _blank_text(blank) -> str | None:
    """--blank as a str: a list of ids, cells and steps joined with commas; an empty one
    refused as the command line refuses it (a sheet of no questions scores 0/0)."""
    from ..commands import require_blank
    from ..report import blank_text
    blank = blank_text(blank)
    try:
        require_blank(blank)
    except CnnTraceError as err:
        raise AnswerFileError.said("blank", where="blank", reason=err.sentence.params["reason"]) \
            from None
    return blank


def _variant(text) -> str:
    """A variant label as compared: runs of white space as one space, none at the ends."""
    return " ".join(str(text or "").split())


class ClassChecker:
    """The checkers of a class made by `cnntrace batch` (its folder's index.json), one per
    variant, each made when a sheet first needs it: a sheet is marked against the spec
    of its ``variant:`` line, or, without one, of the variant its fingerprint names."""

    def __init__(self, folder: str | Path, mode: str = "float",
                 tolerance: Tolerance | None = None):
        self.folder, self.index = read_class_index(folder)
        self.specs = {_variant(v["variant"]): self.folder / v["files"]["spec"]
                      for v in self.index["variants"]
                      if v.get("status") == "ok" and v.get("files", {}).get("spec")}
        if not self.specs:
            raise CnnTraceError.said("class_no_variants", folder=self.folder)
        self.mode, self.tolerance = mode, tolerance or Tolerance()
        self.checkers: dict[str, Checker] = {}

    def checker(self, variant: str) -> Checker:
        """The variant's checker; CnnTraceError if its spec cannot be read or run."""
        if variant not in self.checkers:
            self.checkers[variant] = Checker(load_spec(self.specs[variant]), self.mode,
                                             self.tolerance)
        return self.checkers[variant]

    def _usable(self, variant: str) -> Checker | None:
        try:
            return self.checker(variant)
        except CnnTraceError:
            return None

    @property
    def first(self) -> Checker:
        """The first variant's checker that can be made: its trace titles the class view
        (the variants of a batch share their title and their quantities); if none can,
        the first one's error."""
        for variant in self.specs:
            if self._usable(variant) is not None:
                return self.checkers[variant]
        return self.checker(next(iter(self.specs)))

    def checker_for(self, answers: AnswerFile) -> tuple[str, Checker]:
        """The variant ``answers`` was made for and its checker: AnswerFileError if there
        is none, or its spec cannot be used (the sheet's error: the others are marked)."""
        given = _variant(answers.variant)
        if given and given not in self.specs:
            raise AnswerFileError.said("class_unknown_variant", path=answers.path,
                                       variant=given, folder=self.folder,
                                       variants=", ".join(self.specs))
        if not given and not answers.fingerprint and len(self.specs) > 1:
            raise AnswerFileError.said("class_no_label", path=answers.path)
        if not given and answers.fingerprint:
            given = next((variant for variant in self.specs if self._usable(variant)
                          and self.checkers[variant].fingerprint == answers.fingerprint), "")
            if not given:
                raise AnswerFileError.said("class_no_variant", path=answers.path,
                                           folder=self.folder)
        variant = given or next(iter(self.specs))  # a class of one variant: that one
        try:
            return variant, self.checker(variant)
        except CnnTraceError as err:
            raise AnswerFileError.said("class_spec_unusable", path=answers.path,
                                       variant=variant, error=err.sentence or str(err)) \
                from None

    def check_file(self, path: str | Path, blank: str | None = None) -> Marking:
        """Verdicts for one answer file against its variant's spec."""
        answers = read_answer_file(path)
        variant, checker = self.checker_for(answers)
        marking = checker.check(answers, blank)
        marking.variant = variant  # as the class's index names it
        return marking


def read_class_index(path: str | Path) -> tuple[Path, dict]:
    """The folder of a class batch and its index (``path``: the folder or its
    index.json); CnnTraceError naming the file if it is not one."""
    import json

    from ..files import read_text
    path = Path(path)
    index = path / "index.json" if path.is_dir() else path
    if path.is_dir() and not index.is_file():
        raise CnnTraceError.said("class_no_index", folder=path)
    text = read_text(index, Said("error.kind.index"), CnnTraceError, 50_000_000)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not (isinstance(data, dict) and data.get("format") == "cnntrace-batch"
            and isinstance(data.get("variants"), list)
            and all(isinstance(v, dict) and isinstance(v.get("variant"), str)
                    and isinstance(v.get("files", {}), dict)
                    and isinstance(v.get("files", {}).get("spec", ""), str)
                    for v in data["variants"])):
        raise CnnTraceError.said("class_not_index", path=index)
    return index.parent, data


def is_class(path: str | Path) -> bool:
    """Whether ``path`` names a class batch: a folder, or the JSON of a batch's index."""
    path = Path(path)
    if path.is_dir():
        return True
    try:
        with path.open("rb") as file:
            start = file.read(200)
    except OSError:
        return False
    return path.suffix.lower() == ".json" and \
        re.search(rb'"format"\s*:\s*"cnntrace-batch"', start) is not None


__all__ = ["AnswerFileError", "Checker", "ClassChecker", "Marking", "Tolerance"]
