"""A marking as a terminal table and as a JSON object.

Terminal: one row per quantity (verdict counts; the first wrong cell with expected vs
given and its diagnosis), then every wrong cell, every unusable item, the first
divergence and the score. JSON (for an LMS and scripts)::

    {"score": 87.91, "points": 80, "out_of": 91, ...,
     "cells": [{"id": "dense1.grad_weight", "index": [0, 0], "given": 0.00022,
                "expected": -0.000203..., "verdict": "wrong",
                "diagnosis": "sign_flipped", ...}, ...]}

``index`` is the cell's index in the full (unsqueezed) shape; null for items that name
no cell (an unknown id). Output is deterministic: pass order, fixed formatting.
"""

from __future__ import annotations

import json
import math
from collections import Counter

from ..numeric import FLOAT
from .marking import VERDICTS, CellMark, Marking
from .reasons import english
from .tolerance import Tolerance

COLUMNS = ("quantity", "cells", "correct", "follows", "wrong", "missing", "malformed",
           "first wrong", "expected", "given", "diagnosis")


def number_text(value: float | None, digits: int = 4) -> str:
    """A float to ``digits`` significant digits ('-' for None, 'undefined' for NaN)."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return "undefined"
    return FLOAT.format(value, digits)


def expected_text(mark: CellMark, value: float | None = None) -> str:
    """The expected (or a carried) value with 2 more digits than the student wrote (at
    least 4), or as many more as it takes not to read as the given number (1.00001 beside
    a given 1; up to the 17 digits that tell any two floats apart)."""
    value = mark.expected if value is None else value
    written = mark.given.significant_digits if mark.given else None
    digits = max(4, (written or 0) + 2)
    text = number_text(value, digits)
    while mark.given is not None and digits < 17 and _reads_as(text, float(mark.given)):
        digits += 1
        text = number_text(value, digits)
    return text


def _reads_as(text: str, number: float) -> bool:
    try:
        return float(text) == number
    except ValueError:  # "undefined"
        return False


def _index_text(mark: CellMark) -> str:
    return "[" + ",".join(map(str, mark.index)) + "]" if mark.index else ""


def _diagnosis_text(mark: CellMark) -> str:
    return mark.diagnosis.mistake.title if mark.diagnosis else "-"


def quantity_row(qid: str, marks: list[CellMark]) -> list[str]:
    """One table row: counts per verdict, then the first wrong cell."""
    counts = Counter(m.verdict for m in marks)
    row = [qid, str(len(marks))] + [str(counts[v]) if counts[v] else "-" for v in VERDICTS]
    wrong = [m for m in marks if m.verdict == "wrong"]
    if not wrong:
        return row + ["", "", "", ""]
    first = wrong[0]
    names = Counter(m.diagnosis.mistake.title for m in wrong if m.diagnosis)
    diagnosis = _diagnosis_text(first)
    if first.diagnosis and names[diagnosis] > 1:
        diagnosis += f" (x{names[diagnosis]})"
    return row + [_index_text(first) or "(scalar)", expected_text(first), first.given.text,
                  diagnosis]


def table(rows: list[list[str]], header: tuple[str, ...]) -> list[str]:
    """Left-aligned text columns, numbers right-aligned, two spaces apart."""
    widths = [max(len(r[i]) for r in [list(header)] + rows) for i in range(len(header))]
    numeric = [all(r[i].lstrip("-").replace(".", "").replace("%", "").strip().isdigit()
                   or r[i] in ("-", "") for r in rows) and i > 0 for i in range(len(header))]
    lines = []
    for r in [list(header)] + rows:
        cells = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric)]
        lines.append("  ".join(cells).rstrip())
    return lines


def render_marking(marking: Marking, title: str = "", tolerance: Tolerance | None = None,
                   mode: str = "float") -> str:
    """The full terminal report of one answer sheet."""
    who = f"  ({marking.student})" if marking.student else ""
    out = [f"cnntrace check: {marking.path}{who}"]
    tolerance = tolerance or Tolerance()
    out.append(f"spec: {title or 'untitled'} | {mode} arithmetic | tolerance: "
               f"{tolerance.describe()}")
    groups = {q: ms for q, ms in marking.by_quantity().items() if ms[0].index is not None}
    out += [""] + table([quantity_row(q, ms) for q, ms in groups.items()], COLUMNS)
    out += _wrong_section(marking) + _problem_section(marking)
    out += ["", summary_line(marking)]
    return "\n".join(out) + "\n"


def _wrong_section(marking: Marking) -> list[str]:
    wrong = [m for m in marking.marks if m.verdict == "wrong"]
    if not wrong:
        return []
    lines = ["", "wrong cells (expected = the trace; yours = from your own earlier numbers):"]
    for m in wrong:
        text = f"  {m.label}: given {m.given.text}, expected {expected_text(m)}"
        if m.carried is not None:
            text += f", yours {expected_text(m, m.carried)}"
        if m.diagnosis:
            text += f"  <- {m.diagnosis.mistake.title} (from {m.diagnosis.basis})"
        lines.append(text)
    first = marking.first_divergence
    lines.append(f"first divergence: {first.label}"
                 + (f" ({first.diagnosis.mistake.title})" if first.diagnosis else ""))
    follows = [m.label for m in marking.marks if m.verdict == "follows"]
    if follows:
        lines.append(f"follow-through: {len(follows)} cell(s) right given your earlier "
                     f"numbers: {', '.join(follows[:8])}{' ...' if len(follows) > 8 else ''}")
    return lines


def _problem_section(marking: Marking) -> list[str]:
    reasons: dict[tuple[str, str], list[str]] = {}
    for m in marking.marks:
        if m.verdict == "malformed":
            reasons.setdefault((m.qid, english(m.reason)), []).append(_index_text(m))
    if not reasons:
        return []
    lines = ["", "not marked (malformed):"]
    for (qid, reason), cells in reasons.items():
        where = qid + (cells[0] if len(cells) == 1 else f" ({len(cells)} cells)")
        lines.append(f"  {where}: {reason}")
    return lines


def summary_line(marking: Marking) -> str:
    counts = marking.counts
    parts = ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
    return f"score: {marking.points}/{marking.out_of} cells = {marking.score:.2f} %  ({parts})"


# ---------------------------------------------------------------------------- JSON
def _finite(value: float | None):
    return value if value is not None and math.isfinite(value) else None


def cell_json(mark: CellMark) -> dict:
    """One cell's JSON entry (required keys first, then details)."""
    return {
        "id": mark.qid,
        "index": list(mark.index) if mark.index is not None else None,
        "given": float(mark.given) if mark.given else None,
        "expected": _finite(mark.expected),
        "verdict": mark.verdict,
        "diagnosis": mark.diagnosis.mistake.name if mark.diagnosis else None,
        "given_text": mark.given.text if mark.given else None,
        "follow_through": _finite(mark.carried) if mark.verdict in ("follows", "wrong")
        else None,
        "diagnosis_text": mark.diagnosis.mistake.title if mark.diagnosis else None,
        "reason": english(mark.reason) if mark.reason else None,
    }


FORMAT = "cnntrace-marking"


def marking_json(marking: Marking) -> dict:
    first = marking.first_divergence
    return {
        "format": FORMAT,
        "version": 1,
        "file": marking.path,
        "student": marking.student,
        "score": marking.score,
        "points": marking.points,
        "out_of": marking.out_of,
        "counts": {v: marking.counts[v] for v in VERDICTS},
        "first_divergence": None if first is None else {
            "id": first.qid, "index": list(first.index), "label": first.label},
        "cells": [cell_json(m) for m in marking.marks],
    }


ONE_LINE_ITEMS = ("cells", "class", "unusable")  # lists written one entry per line


def dumps(data) -> str:
    """Deterministic JSON text: objects indented, one line per cell / class row."""
    return _dump(data, "") + "\n"


def _dump(value, indent: str, key: str = "") -> str:
    inner = indent + " "
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {_dump(v, inner, k)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value and (key in ONE_LINE_ITEMS or key == "sheets"):
        if key == "sheets":
            rows = [inner + _dump(v, inner) for v in value]
        else:
            rows = [inner + json.dumps(v, ensure_ascii=False, allow_nan=False) for v in value]
        return "[\n" + ",\n".join(rows) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
