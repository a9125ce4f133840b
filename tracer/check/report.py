"""A marking as a terminal table and as a JSON object.

Terminal: one row per quantity (verdict counts; the first wrong cell with expected vs
given and its diagnosis), then every wrong cell, every unusable item, the first
divergence and the score, in the language ``lang`` (messages ``terminal.*``, with the
``mistake.*`` and ``malformed.*`` sentences, of templates/messages/<lang>.toml; columns
padded to their display width, a Hangul syllable counting two). JSON (for an LMS and
scripts), always with English machine keys and texts::

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
from ..present.document import Para
from ..render.assets import fill, messages, plain
from ..render.text import display_width
from .marking import VERDICTS, CellMark, Marking
from .mistakes import Mistake
from .reasons import english
from .tolerance import Tolerance

COLUMNS = ("quantity", "cells", "correct", "follows", "wrong", "missing", "malformed",
           "first wrong", "expected", "given", "diagnosis")
BASES = {"your numbers": "own", "your right numbers": "own_right", "the trace": "trace"}


# ------------------------------------------------------------------------ language
def say(lang: str, key: str, **params) -> str:
    """The terminal message ``terminal.<key>`` of ``lang`` as plain text."""
    return plain(lang, f"terminal.{key}", params)


def _has(key: str) -> bool:
    return f"terminal.{key}" in messages("en")


def mistake_title(mistake: Mistake, lang: str = "en") -> str:
    """A mistake's name for people: the catalogue's title in English, else the message
    ``mistake.<name>`` of ``lang``."""
    if lang == "en":
        return mistake.title
    return plain(lang, f"mistake.{mistake.name}")


def reason_text(sentence, lang: str = "en") -> str:
    """Why an item is not marked (a ``malformed.*`` sentence) in ``lang``."""
    if lang == "en" or not isinstance(sentence, Para):
        return english(sentence)
    return fill(lang, sentence.key, sentence.params, str, lambda p: reason_text(p, lang))


def tolerance_text(tolerance: Tolerance, lang: str = "en") -> str:
    if not tolerance.overridden:
        return say(lang, "tolerance.written")
    return say(lang, "tolerance.bounds", atol=f"{tolerance.atol or 0:g}",
               rtol=f"{tolerance.rtol or 0:g}")


def _basis_text(basis: str, lang: str) -> str:
    key = f"basis.{BASES.get(basis, '')}"
    return say(lang, key) if _has(key) else f"from {basis}"


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


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


def _diagnosis_text(mark: CellMark, lang: str = "en") -> str:
    return mistake_title(mark.diagnosis.mistake, lang) if mark.diagnosis else "-"


def quantity_row(qid: str, marks: list[CellMark], lang: str = "en") -> list[str]:
    """One table row: counts per verdict, then the first wrong cell."""
    counts = Counter(m.verdict for m in marks)
    row = [qid, str(len(marks))] + [str(counts[v]) if counts[v] else "-" for v in VERDICTS]
    wrong = [m for m in marks if m.verdict == "wrong"]
    if not wrong:
        return row + ["", "", "", ""]
    first = wrong[0]
    names = Counter(m.diagnosis.mistake.name for m in wrong if m.diagnosis)
    diagnosis = _diagnosis_text(first, lang)
    if first.diagnosis and names[first.diagnosis.mistake.name] > 1:
        diagnosis = say(lang, "repeated", mistake=diagnosis,
                        count=names[first.diagnosis.mistake.name])
    return row + [_index_text(first) or say(lang, "scalar"), expected_text(first),
                  first.given.text, diagnosis]


def table(rows: list[list[str]], header: tuple[str, ...]) -> list[str]:
    """Left-aligned text columns, numbers right-aligned, two spaces apart; widths are
    display widths, so that columns of Hangul line up in a terminal."""
    widths = [max(display_width(r[i]) for r in [list(header)] + rows)
              for i in range(len(header))]
    numeric = [all(r[i].lstrip("-").replace(".", "").replace("%", "").strip().isdigit()
                   or r[i] in ("-", "") for r in rows) and i > 0 for i in range(len(header))]
    lines = []
    for r in [list(header)] + rows:
        cells = [_pad(c, w, num) for c, w, num in zip(r, widths, numeric)]
        lines.append("  ".join(cells).rstrip())
    return lines


def columns(lang: str = "en") -> tuple[str, ...]:
    """The marking table's header in ``lang``."""
    return tuple(say(lang, "column." + c.replace(" ", "_")) for c in COLUMNS)


def render_marking(marking: Marking, title: str = "", tolerance: Tolerance | None = None,
                   mode: str = "float", lang: str = "en") -> str:
    """The full terminal report of one answer sheet, in ``lang``."""
    if marking.student:
        out = [say(lang, "heading.student", file=marking.path, student=marking.student)]
    else:
        out = [say(lang, "heading", file=marking.path)]
    tolerance = tolerance or Tolerance()
    out.append(say(lang, "spec", title=title or say(lang, "untitled"),
                   mode=say(lang, f"mode.{mode}") if _has(f"mode.{mode}") else mode,
                   tolerance=tolerance_text(tolerance, lang)))
    groups = {q: ms for q, ms in marking.by_quantity().items() if ms[0].index is not None}
    rows = [quantity_row(q, ms, lang) for q, ms in groups.items()]
    unread = [m for m in marking.marks if m.index is None]  # scored keys it cannot read
    if unread:
        rows.append(quantity_row(say(lang, "other_keys"), unread, lang))
    out += [""] + table(rows, columns(lang))
    out += _wrong_section(marking, lang) + _problem_section(marking, lang)
    out += ["", summary_line(marking, lang)]
    return "\n".join(out) + "\n"


def _wrong_section(marking: Marking, lang: str = "en") -> list[str]:
    wrong = [m for m in marking.marks if m.verdict == "wrong"]
    if not wrong:
        return []
    lines = ["", say(lang, "wrong.title")]
    for m in wrong:
        text = "  " + say(lang, "wrong.cell", cell=m.label, given=m.given.text,
                          expected=expected_text(m))
        if m.carried is not None:
            text += say(lang, "wrong.yours", yours=expected_text(m, m.carried))
        if m.diagnosis:
            mistake = mistake_title(m.diagnosis.mistake, lang)
            text += "  <- " + (say(lang, "wrong.diagnosis", mistake=mistake,
                                   basis=_basis_text(m.diagnosis.basis, lang))
                               if m.diagnosis.basis else mistake)
        lines.append(text)
    first = marking.first_divergence
    if first.diagnosis:
        lines.append(say(lang, "first.diagnosis", cell=first.label,
                         mistake=mistake_title(first.diagnosis.mistake, lang)))
    else:
        lines.append(say(lang, "first", cell=first.label))
    follows = [m.label for m in marking.marks if m.verdict == "follows"]
    if follows:
        cells = ", ".join(follows[:8]) + (" ..." if len(follows) > 8 else "")
        lines.append(say(lang, "follows", count=len(follows), cells=cells))
    return lines


def _problem_section(marking: Marking, lang: str = "en") -> list[str]:
    return (_malformed_lines(marking.marks, "malformed.title", lang)
            + _malformed_lines(marking.unscored, "unscored.title", lang))


def _malformed_lines(marks: list[CellMark], title: str, lang: str) -> list[str]:
    reasons: dict[tuple[str, str], list[str]] = {}
    for m in marks:
        if m.verdict == "malformed":
            reasons.setdefault((m.qid, reason_text(m.reason, lang)), []).append(_index_text(m))
    if not reasons:
        return []
    lines = ["", say(lang, title)]
    for (qid, reason), cells in reasons.items():
        where = qid + cells[0] if len(cells) == 1 else say(lang, "malformed.cells", qid=qid,
                                                           count=len(cells))
        lines.append(f"  {where}: {reason}")
    return lines


def summary_line(marking: Marking, lang: str = "en") -> str:
    """The score and the count of each verdict, on one line."""
    counts = marking.counts
    parts = ", ".join(say(lang, f"count.{v}", count=counts[v]) for v in VERDICTS)
    return say(lang, "score", points=marking.points, out_of=marking.out_of,
               score=f"{marking.score:.2f}", counts=parts)


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
        "variant": marking.variant,
        "score": marking.score,
        "points": marking.points,
        "out_of": marking.out_of,
        "counts": {v: marking.counts[v] for v in VERDICTS},
        "first_divergence": None if first is None else {
            "id": first.qid, "index": list(first.index), "label": first.label},
        "cells": [cell_json(m) for m in marking.marks],
        "unscored": [cell_json(m) for m in marking.unscored],
    }


ONE_LINE_ITEMS = ("cells", "unscored", "class", "unusable")  # lists written one entry per line


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
