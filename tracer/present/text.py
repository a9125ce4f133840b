"""The pass as plain text, step by step: what `cnntrace trace` prints."""

from __future__ import annotations

import numpy as np

from ..numeric import same_number, spec_number
from ..render.assets import plain
from ..render.text import display_width
from ..trace import Trace
from .context import MAX_DIGITS, probability_digits
from .update import change_digits, new_value, step


def matrix_lines(cells: np.ndarray, indent: str = "  ") -> list[str]:
    """Aligned rows for a 0-, 1-, 2- or higher-D array of strings (one block per 2-D slice)."""
    if cells.ndim == 0:
        return [indent + str(cells.item())]
    if cells.ndim == 1:
        return [indent + "[" + "  ".join(cells.tolist()) + "]"]
    if cells.ndim == 2:
        width = max(len(c) for c in cells.ravel())
        return [indent + "[" + "  ".join(c.rjust(width) for c in row) + "]" for row in cells]
    lines = []
    for k in range(cells.shape[0]):
        lines.append(f"{indent}[{k}]")
        lines.extend(matrix_lines(cells[k], indent + "  "))
    return lines


def format_cells(trace: Trace, qid: str, digits: int) -> np.ndarray:
    """Every cell of a quantity as text to ``digits`` significant digits; a parameter
    after the update with as many more as show its change (0.5 -> 0.50002030, as the
    worked example prints it), so that it never reads as unchanged; a probability of the
    output layer with as many more as keep it from reading 1 when it is not (0.99998, as
    the handout prints it: a student reading 1 takes the loss for 0)."""
    value = np.asarray(trace.quantity(qid).value)
    before = qid.removesuffix("_new")
    layer, _, parameter = before.partition(".")
    grad = f"{layer}.grad_{parameter}"
    updated = qid.endswith("_new") and before in trace and grad in trace
    fmt = trace.numeric.format
    cap = MAX_DIGITS[trace.numeric.name]
    probabilities = qid == _output_probabilities(trace)
    cells = np.empty(value.shape, dtype=object)
    for index in np.ndindex(value.shape):
        shown, printed = digits, value[index]
        old = trace.quantity(before).value[index] if updated else None
        # as the update's line: old + change, to the digits that show the change (a step
        # too small to change the float value, as it is)
        if updated and float(value[index]) != float(old):
            change = step(trace, old, value[index], trace.quantity(grad).value[index])
            shown = change_digits(digits, float(value[index]), float(change), cap)
            printed = new_value(trace, old, value[index], change)
        if probabilities:
            shown = probability_digits(trace.numeric, value[index], shown, cap)
        text = fmt(printed, shown)
        if shown > digits and same_number(text, fmt(value[index], digits)):
            text = fmt(value[index], digits)  # no digit shows the change: 1.6, not 1.6000...
        cells[index] = text
    return cells


def _output_probabilities(trace: Trace) -> str | None:
    """The id of the output layer's probabilities (softmax or sigmoid), if any: a hidden
    sigmoid's values are no probabilities."""
    last = trace.layers[-1] if trace.layers else {}
    return f"{last['name']}.out" if last.get("type") in ("softmax", "sigmoid") else None


def render_text(trace: Trace, digits: int = 4, exact_forms: bool = True,
                lang: str = "en") -> str:
    """A readable listing of every quantity, grouped by step, with shapes; headings in
    ``lang`` (the ids and the conventions' names are the trace's own)."""
    title = trace.title or plain(lang, "trace.untitled")
    out = [plain(lang, "trace.heading", {"title": title, "rate": spec_number(trace.learning_rate),
                                         "mode": plain(lang, f"terminal.mode.{trace.mode}")})]
    conv = trace.conventions_ran
    out.append(plain(lang, "trace.conventions",
                     {"list": ", ".join(f"{k}={v}" for k, v in conv.items())}))
    step = None
    for q in trace.quantities.values():
        if q.step != step:
            step = q.step
            heading = plain(lang, f"trace.step.{step}")
            out += ["", heading, "-" * display_width(heading)]
        shape = "x".join(map(str, q.shape)) or plain(lang, "trace.scalar")
        out.append(f"{q.id}  ({shape})")
        out.extend(matrix_lines(format_cells(trace, q.id, digits)))
        exact = trace.exact(q.id) if exact_forms else None
        if exact is not None and q.value.size <= 4:
            flat = np.asarray(exact, dtype=object).ravel().tolist()
            if any("(" in s for s in flat):
                out.extend(f"    = {s}" for s in flat)
    return "\n".join(out) + "\n"
