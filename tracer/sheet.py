"""Answer-sheet templates: the fill-in YAML that `cnntrace check` reads.

A worksheet leaves some cells blank (``--blank``, see :mod:`tracer.present.blanks`);
its answer sheet lists each blank quantity (or single cell) under its public id with
nulls in the quantity's shape, so a student replaces every null by a number and runs
``cnntrace check SPEC answers.yaml``. Tensors with leading axes of length 1 are written
squeezed down to a matrix (a 2x2 matrix for shape (1, 2, 2)), as the checker allows.
The comments come from the message catalogs (``sheet.*``) in the sheet's language; the
YAML keys are the quantity ids in every language, so `check` reads every sheet alike.

>>> from tracer import load_example, run_pass
>>> text = sheet_text(run_pass(load_example("lecture")), "conv1.out")
>>> "conv1.out: [[null, null],\\n" in text
True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from .files import shell_quote
from .present.blanks import (LEVELS, POSITIONS, given_ids, hides, select_hidden,
                             split_selection)
from .present.context import drawn_as_heatmap
from .render.assets import messages, plain
from .trace import parse_cell


@dataclass(frozen=True)
class Blank:
    """One entry of an answer sheet: a whole quantity (``index`` None) or one cell."""

    qid: str
    index: tuple | None
    shape: tuple  # the quantity's full shape

    @property
    def key(self) -> str:
        if self.index is None:
            return self.qid
        return f"{self.qid}[{','.join(map(str, self.index))}]"

    @property
    def written_shape(self) -> tuple:
        """The shape the sheet writes: () for a cell; leading 1-axes dropped down to 2-D."""
        if self.index is not None:
            return ()
        return squeezed(self.shape)

    def cells(self) -> list[tuple]:
        """Full indices of the cells this entry asks for, row-major."""
        return [self.index] if self.index is not None else list(np.ndindex(self.shape))

    def cell_refs(self) -> list[str]:
        return [_ref(self.qid, i) for i in self.cells()]


def squeezed(shape: tuple) -> tuple:
    """(1, 2, 2) -> (2, 2); (1, 1, 3, 3) -> (3, 3); (1, 2) and (2,) stay as they are."""
    shape = tuple(shape)
    while len(shape) > 2 and shape[0] == 1:
        shape = shape[1:]
    return shape


def _ref(qid: str, index: tuple) -> str:
    return f"{qid}[{','.join(map(str, index))}]" if index else qid


def shown_refs(trace, hidden=frozenset(), document=None) -> list[str]:
    """Every cell the worksheet that hides ``hidden`` shows, in document order (it works
    out each blanked cell, beside the cells the worked example expands; not the steps it
    cuts off). ``document``: the one already built with ``hidden``, if any."""
    from .present.handout import build_document, worksheet_document
    document = document or build_document(trace, hidden=hidden)
    return worksheet_document(document, hidden).refs


def blanks(trace, blank: str | None, refs: list[str] | None = None) -> list[Blank]:
    """The entries of the answer sheet for ``--blank`` (levels, ids, cells).

    A level (forward, backward, update, all) contributes the quantities the worksheet
    shows as blank boxes (of a tensor drawn as a heatmap, the cells worked out on its
    lines); an id or cell named explicitly is always listed, except where a
    pool window's maximum sits and how many tie: those exactly where the worksheet has
    their boxes. Order: as the worksheet shows them (the pass in the lecture's order),
    then the rest in pass order.
    """
    hidden = select_hidden(trace, blank)
    named = select_hidden(trace, ",".join(t for t in split_selection(blank or "")
                                          if t.strip() and t.strip() not in LEVELS),
                          worked=False)
    refs = shown_refs(trace, hidden) if refs is None else refs
    position: dict[str, int] = {}
    for i, ref in enumerate(refs):
        position.setdefault(ref, i)
        position.setdefault(ref.split("[")[0], i)
    order = {qid: i for i, qid in enumerate(trace.ids())}
    entries = []
    for token in hidden:
        qid, index = parse_cell(token)
        if qid.endswith(POSITIONS):
            continue  # asked where the worksheet has its boxes (below)
        first = position.get(token if index is not None else qid)
        if first is None and token not in named:
            continue  # a quantity the worksheet never shows (e.g. pool1.argmax)
        shape = trace.quantity(qid).shape
        if index is None and first is not None and drawn_as_heatmap(shape):
            # its heatmap has no boxes: the cells worked out on lines are asked
            entries += [((0, at, 0), Blank(qid, parse_cell(ref)[1], shape))
                        for ref, at in position.items() if ref.startswith(f"{qid}[")]
            continue
        rank = (0, first, 0) if first is not None else (1, order[qid], 0)
        entries.append((rank, Blank(qid, index, trace.quantity(qid).shape)))
    for ref, first in position.items():  # where a blanked maximum sits, how many tie
        qid, index = parse_cell(ref)
        if index is not None and qid.endswith(POSITIONS) and hides(hidden, ref):
            entries.append(((0, first, 0), Blank(qid, index, trace.quantity(qid).shape)))
    entries.sort(key=lambda item: (item[0], item[1].index or ()))
    return _without_covered([e for _, e in entries])


def _without_covered(entries: list[Blank]) -> list[Blank]:
    """Each cell once: not again on its own when its whole quantity is listed."""
    whole = {e.qid for e in entries if e.index is None}
    kept = {e.key: e for e in entries if e.index is None or e.qid not in whole}
    return list(kept.values())


def blank_cells(trace, blank: str | None, refs: list[str] | None = None) -> list[str]:
    """Every blank cell as a ref ('conv1.out[0,1,0]'), in the sheet's order."""
    return [ref for entry in blanks(trace, blank, refs) for ref in entry.cell_refs()]


# ----------------------------------------------------------------------- the YAML
def fingerprint(trace) -> str:
    """12 hex digits that tell one spec's pass from another's: a hash of what every sheet
    prints (input, target, starting parameters), the layers, conventions and learning
    rate; the same in float and exact mode (a spec's -0.0 is exact mode's 0). A sheet
    carries it, so that `check` refuses it against another spec (another variant of a
    batch, say), whose marks would be noise."""
    digest = hashlib.sha256()
    digest.update(json.dumps([trace.layers, trace.conventions, trace.learning_rate],
                             sort_keys=True).encode())
    for qid in sorted(given_ids(trace) & set(trace.ids())):
        values = np.ascontiguousarray(trace.numbers(qid), dtype="<f8") + 0.0  # -0.0 as 0
        digest.update(f"{qid}{values.shape}".encode() + values.tobytes())
    return digest.hexdigest()[:12]


def sheet_text(trace, blank: str | None, *, variant: str | None = None,
               spec_name: str = "SPEC", refs: list[str] | None = None, lang: str = "en",
               answers_name: str = "answers.yaml") -> str:
    """The fill-in answer sheet as YAML text: a comment header in ``lang`` (en, ko), then
    one entry per blank quantity (nulls in its shape) or cell (a null). The header's
    `cnntrace check` line names the spec ``spec_name`` and the sheet ``answers_name``."""
    entries = blanks(trace, blank, refs)
    lines = _header(trace, blank, entries, variant, lang)
    lines.append("# " + _say(lang, "sheet.check", spec=spec_name,
                             answers=shell_quote(answers_name)))
    lines.append('student: ""')
    if variant:  # `check` refuses the sheet against another variant's spec
        lines.append(f"variant: {json.dumps(_one_line(variant), ensure_ascii=False)}")
    lines.append(f'fingerprint: "{fingerprint(trace)}"  # '
                 + _say(lang, "sheet.fingerprint"))
    if blank:  # `check` counts an asked cell left out of the file as missing
        lines.append(f"blanks: {json.dumps(_one_line(blank), ensure_ascii=False)}")
    if not entries:
        lines.append("# " + _say(lang, "sheet.nothing_blank"))
    for entry in entries:
        lines.append("")
        lines.append(f"# {_describe(entry, lang, handout_symbol(trace, entry.qid))}")
        lines.append(_entry_line(entry))
    return "\n".join(lines) + "\n"


def _header(trace, blank: str | None, entries: list[Blank], variant: str | None,
            lang: str) -> list[str]:
    """The comment lines that open a sheet: title, variant, blanks and instructions."""
    title = _one_line(trace.title) or _say(lang, "sheet.untitled")
    lines = [_say(lang, "sheet.title", title=title)]
    if variant:
        lines.append(_say(lang, "sheet.variant", variant=_one_line(variant)))
    cells = sum(len(e.cells()) for e in entries)
    lines.append(_say(lang, "sheet.blanks",
                      blank=_one_line(blank or _say(lang, "sheet.blank_none")),
                      entries=_count(lang, "entries", len(entries)),
                      cells=_count(lang, "cells", cells)))
    lines += _say(lang, "sheet.instructions").splitlines()
    return [f"# {line}" for line in lines]


def _say(lang: str, key: str, /, **params) -> str:
    """The catalog message ``key`` in ``lang`` with ``params`` filled in as plain text."""
    return plain(lang, key, params)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def quantity_name(qid: str, lang: str = "en") -> str:
    """A short name for a quantity id in ``lang``: 'conv1.grad_weight' -> 'conv1 dL/dW'
    (the catalogs' quantity names, which Moodle quizzes show too)."""
    layer, suffix = qid.split(".", 1)
    catalog = messages(lang)
    key = next((k for k in (f"moodle.quantity.{qid}", f"moodle.quantity.{suffix}")
                if k in catalog), "moodle.quantity")
    return _say(lang, key, layer=layer, suffix=suffix)


def handout_symbol(trace, qid: str) -> str | None:
    """What the worked example calls a quantity, as plain text: relu1.grad is ∂L/∂A (the
    max-pool step sends it back), conv1.grad_weight ∂L/∂K, dense1.weight_new W_new; None
    for what it names otherwise (argmax, ties, loss.after)."""
    from .present.forward import LETTERS
    from .present.update import PARAM_SYMBOLS
    layer, suffix = qid.split(".", 1)
    if layer in ("input", "target", "loss"):
        return {"input.out": "X", "input.grad": "∂L/∂X", "target.out": "y",
                "loss.out": "L"}.get(qid)
    info = next((i for i in trace.layers if i["name"] == layer), None)
    if info is None:
        return None
    kind, last = info["type"], info is trace.layers[-1]
    letter = "ŷ" if last and kind in ("softmax", "sigmoid") else LETTERS.get(kind)
    param = {p: PARAM_SYMBOLS.get((kind, p)) for p in ("weight", "bias")}
    return {"out": letter, "grad": letter and f"∂L/∂{letter}", "mask": "M",
            "local_grad": "D", "exp": "e^z", "sum": "S",
            "grad_weight": param["weight"] and f"∂L/∂{param['weight']}",
            "grad_bias": param["bias"] and f"∂L/∂{param['bias']}",
            "weight_new": param["weight"] and f"{param['weight']}_new",
            "bias_new": param["bias"] and f"{param['bias']}_new"}.get(suffix)


def _describe(entry: Blank, lang: str = "en", symbol: str | None = None) -> str:
    what = quantity_name(entry.qid, lang)
    if symbol:  # the name a student reads beside the blank in the worked example
        what = _say(lang, "sheet.symbol", what=what, symbol=symbol)
    full = "(" + ", ".join(map(str, entry.shape)) + ("," if len(entry.shape) == 1 else "") + ")"
    if entry.index is not None:
        return _say(lang, "sheet.cell", key=entry.key, what=what, shape=full)
    return _say(lang, "sheet.quantity", qid=entry.qid, what=what, shape=full,
                form=_form(entry.written_shape, lang))


def _form(written: tuple, lang: str) -> str:
    """How an entry is written: one number, a list, a matrix or an array."""
    if not written:
        return _say(lang, "sheet.form.number")
    if len(written) == 1:
        return _say(lang, "sheet.form.list", length=written[0])
    kind = "sheet.form.matrix" if len(written) == 2 else "sheet.form.array"
    return _say(lang, kind, dims="x".join(map(str, written)))


def _entry_line(entry: Blank) -> str:
    if entry.index is not None:
        return f'"{entry.key}": null'
    shape = entry.written_shape
    prefix = f"{entry.key}: "
    if len(shape) <= 1:
        return prefix + _flow(shape)
    rows = [_flow(shape[1:])] * shape[0]
    indent = " " * (len(prefix) + 1)
    return prefix + "[" + (",\n" + indent).join(rows) + "]"


def _flow(shape: tuple) -> str:
    """Nested nulls in ``shape`` as a YAML flow sequence: (2, 2) -> [[null, null], ...]."""
    if not shape:
        return "null"
    return "[" + ", ".join([_flow(shape[1:])] * shape[0]) + "]"


def _count(lang: str, noun: str, n: int) -> str:
    """'1 entry', '3 entries' (the catalog's sheet.<noun> and sheet.<noun>.one)."""
    return _say(lang, f"sheet.{noun}.one" if n == 1 else f"sheet.{noun}", count=n)
