"""Diagnosis: which named mistake reproduces a wrong cell.

Each mistake of the catalogue is tried, in catalogue order, on the step that produces
the cell, first with the student's own earlier numbers (as written, then repaired) and
then with the trace's; the first mistake whose value matches the written number (with
the same tolerance as the marking) is the diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .mistakes import CATALOGUE, Mistake
from .steps import PassModel
from .tolerance import Tolerance
from .written import Written


@dataclass(frozen=True)
class Diagnosis:
    """A mistake that reproduces a written number, from which values, giving what."""

    mistake: Mistake
    basis: str  # "your numbers", "your right numbers", "the trace", or "" (all the same)
    value: float


class Diagnoser:
    """Tries the catalogue on wrong cells; caches each mistake's outputs per step."""

    def __init__(self, model: PassModel, contexts: Sequence[tuple[str, Mapping]],
                 tolerance: Tolerance, catalogue: Sequence[Mistake] = CATALOGUE):
        self.model, self.contexts = model, list(contexts)
        self.tolerance, self.catalogue = tolerance, catalogue
        self._cache: dict = {}

    def candidates(self, mistake: Mistake, qid: str, basis: str, values) -> list[np.ndarray]:
        """The arrays ``mistake`` gives for ``qid`` from ``values`` (cached)."""
        step = self.model.producer[qid]
        key = (mistake.name, step.name, basis)
        if key not in self._cache:
            self._cache[key] = mistake.make(step, values, self.model)
        return [out[qid] for out in self._cache[key] if qid in out]

    def _matches(self, qid: str, index: tuple, written: Written):
        for mistake in self.catalogue:
            for basis, values in self.contexts:
                hit = next((float(a[index]) for a in self.candidates(mistake, qid, basis, values)
                            if self.tolerance.matches(written, float(a[index]))), None)
                if hit is not None:
                    yield Diagnosis(mistake, self._told_basis(qid, basis), hit)
                    break

    def _told_basis(self, qid: str, basis: str) -> str:
        """``basis``, or "" where the student's numbers as written (the first context)
        for every input of the step that makes ``qid`` are the trace's (within 1e-9):
        they wrote none of them (a sheet that asks only the update), so every basis
        gives the same and "from your numbers" would tell nothing."""
        truth = dict(self.contexts).get("the trace")
        own = self.contexts[0][1]
        if truth is not None and all(
                np.allclose(own[q], truth[q], rtol=1e-9, atol=0, equal_nan=True)
                for q in self.model.producer[qid].inputs if q in own and q in truth):
            return ""
        return basis

    def contradicted(self, qid: str, diagnosis: Diagnosis, right: Mapping) -> bool:
        """Whether a mistake made for a whole tensor (a flipped kernel) is belied by a cell
        of ``qid`` the student got right (``right``: index -> written) where that mistake
        gives another number: one slip in one cell is not a flipped kernel."""
        if not diagnosis.mistake.whole:
            return False
        basis = diagnosis.basis or self.contexts[0][0]
        arrays = self.candidates(diagnosis.mistake, qid, basis, dict(self.contexts)[basis])
        return any(not any(self.tolerance.matches(written, float(a[index])) for a in arrays)
                   for index, written in right.items())

    def all_matches(self, qid: str, index: tuple, written: Written) -> list[Diagnosis]:
        """Every mistake that reproduces ``written`` at ``qid[index]`` (catalogue order)."""
        return list(self._matches(qid, index, written))

    def diagnose(self, qid: str, index: tuple, written: Written) -> Diagnosis | None:
        """The first mistake in catalogue order that reproduces ``written``, or None."""
        return next(self._matches(qid, index, written), None)
