"""Shared helpers for the checker tests: a spec where every catalogued mistake can
happen, and answer sheets written from a trace."""

from __future__ import annotations

import json

import numpy as np

from tracer import from_dict
from tracer.check import Checker
from tracer.check.answers import parse_answers

# Two 5x5 samples; the 2x2 kernel [[1, 0], [0, 0]] makes Z = X[:4, :4] (an asymmetric
# kernel: flipped, it reads X[1:, 1:]). Sample 0's pool windows, in Z:
#   (0,0) [[0, -1], [-2, -3]]  all <= 0, first max Z = 0      -> ReLU'(0) matters, 4 ties
#   (0,1) [[3, 1], [2, 3]]     two tied maxima 3              -> tie rule matters
#   (1,0) [[1, 4], [2, 0]], (1,1) [[-1, 2], [5, 1]]
# 2x2 pool windows (a neighbour for every window), a square 4x4 dense weight,
# a batch of 2 (mean vs sum).
RICH = {
    "title": "every mistake can happen",
    "learning_rate": 0.1,
    "inputs": [
        [[0, -1, 3, 1, 2], [-2, -3, 2, 3, 1], [1, 4, -1, 2, 0], [2, 0, 5, 1, -1],
         [1, 2, 0, 3, 1]],
        [[2, 1, 0, 1, 3], [1, 0, 2, 4, 0], [3, 1, 1, 0, 2], [0, 2, 1, 3, 1],
         [1, 0, 2, 1, 1]],
    ],
    "targets": [1, 2],
    "layers": [
        {"type": "conv2d", "weight": [[1, 0], [0, 0]], "bias": 0},
        {"type": "relu"},
        {"type": "maxpool2d", "size": 2, "stride": 2},
        {"type": "flatten"},
        {"type": "dense", "weight": [[0.1, -0.2, 0.3, 0.0], [0.2, 0.1, -0.1, 0.2],
                                     [-0.3, 0.2, 0.1, 0.1], [0.1, 0.0, 0.2, -0.2]],
         "bias": [0.1, 0.0, -0.1, 0.05]},
        {"type": "softmax"},
    ],
}


def rich_spec():
    return from_dict(RICH, "rich")


def rounded_text(value: float, digits: int = 4) -> str:
    """A float to ``digits`` significant digits, as a student would write it: 1.000 for
    1.0000055 (a bare 1 would claim only one digit), 0 for exactly 0."""
    return f"{float(value):#.{digits}g}" if value != 0 else "0"


def sheet_from_values(values: dict, ids, digits: int = 4) -> dict:
    """An answer mapping: each id's array written to ``digits`` significant digits."""
    def text(array):
        array = np.asarray(array, dtype=float)
        if array.ndim == 0:
            return rounded_text(array, digits)
        return [text(a) for a in array]
    return {qid: text(values[qid]) for qid in ids}


def perfect_sheet(checker: Checker, digits: int = 4) -> dict:
    return sheet_from_values(checker.truth, checker.trace.ids(), digits)


def check_mapping(checker: Checker, mapping: dict):
    """Check an answer mapping given as Python data (written out as JSON first)."""
    return checker.check(parse_answers(json.dumps(mapping), "json"))


def marks_by_label(marking) -> dict:
    return {m.label: m for m in marking.marks}
