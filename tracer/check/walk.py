"""A walk through the pass: every quantity recomputed, step by step, from earlier values.

:func:`carry` walks the pass once. Each step reads a *context* of earlier values and
gives the *carried* value of its outputs, ``carried[q] = f_q(context)``; a *settle* rule
then decides what later steps read for q, ``context[q] = settle(q, carried[q])`` (the
student's own numbers in :mod:`tracer.check.followthrough`, rounded ones for the mistake
"rounding too early").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .steps import PassModel
from .tolerance import round_significant

Settle = Callable[[str, np.ndarray], np.ndarray]


@dataclass
class Walk:
    """One walk through the pass: carried values and the context later steps read."""

    carried: dict[str, np.ndarray] = field(default_factory=dict)
    context: dict[str, np.ndarray] = field(default_factory=dict)


def carry(model: PassModel, leaves: Mapping[str, np.ndarray], settle: Settle,
          walk: Walk | None = None) -> Walk:
    """carried[q] = f_q(context) step by step; context[q] = settle(q, carried[q]).

    Given quantities (input, target, parameters) are carried from ``leaves``. ``walk``
    (empty) is the walk to fill, for a settle rule that reads its context as it grows.
    """
    walk = Walk() if walk is None else walk
    for step in model.steps:
        if step.kind == "given":
            outputs = {q: np.asarray(leaves[q], dtype=np.float64) for q in step.outputs}
        else:
            outputs = step.run(walk.context)
        for qid, value in outputs.items():
            walk.carried[qid] = value
            walk.context[qid] = settle(qid, value)
    return walk


def rounded(model: PassModel, digits: int) -> Settle:
    """Round every computed quantity to ``digits`` significant digits (given ones stay)."""
    given = {q for s in model.steps if s.kind == "given" for q in s.outputs}

    def settle(qid, value):
        return value if qid in given else round_significant(value, digits)
    return settle
