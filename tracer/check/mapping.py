"""Answers given as Python data (a notebook's dict) read as an answer file's parser reads
a file: {"conv1.out": [[5, 7], [11, 10]]} is the YAML line conv1.out: [[5, 7], [11, 10]]."""

from __future__ import annotations

import numbers
from collections.abc import Mapping

from .answers import AnswerFile, Pairs, answer_file


def answers_from_mapping(mapping, source: str = "<answers>") -> AnswerFile:
    """Answers given as Python data, as in a notebook: {"conv1.out": [[5, 7], [11, 10]],
    "dense1.grad[0]": -1.846e-5}, values numbers (numpy's too, arrays among them),
    numbers' text ("28/5", "−1.846×10⁻⁵"), None (blank) or nested tables; read as the
    same answers written in YAML."""
    if not isinstance(mapping, Mapping):
        raise TypeError(f"answers: expected a mapping of quantity ids or cells to values, "
                        f"or an AnswerFile (parse_answers, read_answer_file), got "
                        f"{type(mapping).__name__}")
    return answer_file(_written(mapping), source, "yaml")


def _written(value):
    """Python data as an answer file's parser gives it: tables as :class:`Pairs`, numbers
    as their text (float32's 0.1 as '0.1', each number in its own precision)."""
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"answers: keys are quantity ids or cells as str, such as "
                                f"'conv1.out[0,1,0]', got {type(key).__name__} {key!r}")
        return Pairs((key, _written(v)) for key, v in value.items())
    if type(value).__module__ == "numpy" and hasattr(value, "dtype"):
        if value.dtype.kind == "f":  # each number's shortest text in its own precision
            return _written(value.astype(str).tolist())
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_written(v) for v in value]
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, numbers.Number):  # int, Fraction ('28/5'), Decimal
        return str(value)
    return value  # reported as malformed, as a date in a YAML file is
