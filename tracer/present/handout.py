"""Trace -> Document: the worked example in the lecture's order.

architecture · parameters · forward (each layer, the loss) · backward (the output
gradient, then each layer in reverse) · update (with the before/after table) · checks.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import mathtree as m
from .blanks import hides
from .backward import BACKWARD, output_backward
from .context import Context
from .document import Document, Para, Section
from .formulas import FORMULAS
from .forward import FORWARD
from .holding import hold_document
from .output import loss_forward, sigmoid_output_forward, softmax_forward
from .overview import architecture_section, conventions, parameters_section
from .steps import backward_results, forward_results, step_results
from .update import checks_section, hold_changes, update_section


def subtitle_key(trace) -> str:
    """The message under a document's title: what the pass covers."""
    kind = trace.conventions.get("pass", "train")
    return "doc.subtitle" if kind == "train" else f"doc.subtitle.{kind}"


def build_document(trace, digits: int = 4, max_cells: int = 16,
                   hidden=frozenset(), large_cells: int | None = None) -> Document:
    """The worked example of a trace. Worksheet and key render this same document,
    built with the cells they hide (``hidden``): a long vector they blank is shown whole.
    A step expands at most ``max_cells`` cells, of a large tensor ``large_cells`` (None:
    a few, :meth:`~tracer.present.context.Context.pick`).

    A training pass shows forward, loss, backward, update and checks; a forward-only
    pass stops after the forward; a pass from a given upstream gradient shows the
    backward of every layer from that gradient."""
    with np.errstate(all="ignore"):  # a pass beyond float64 shows its inf and nan as they are
        return _build_document(trace, digits, max_cells, hidden, large_cells)


def _build_document(trace, digits: int, max_cells: int, hidden, large_cells) -> Document:
    ctx = Context(trace, digits, max_cells, hidden, large_cells)
    kind = trace.conventions.get("pass", "train")
    if kind in FORMULAS:
        document = Document(title=trace.title, description="", mode=trace.mode, digits=digits,
                            conventions=[], sections=FORMULAS[kind](ctx),
                            subtitle="doc.subtitle.formula")
        hold_document(document, ctx)
        document.refs = shown_refs(document)
        return document
    layers = trace.layers
    hidden_layers = layers[:-1] if kind == "train" else layers

    sections = [architecture_section(ctx), parameters_section(ctx),
                Section("forward.title", level=1, anchor="forward")]
    for info in hidden_layers:
        sections.append(works_out(_forward(ctx, info, last=info is layers[-1]),
                                  forward_results(trace, info["name"])))
    if kind == "train":
        output = layers[-1]
        present_output = softmax_forward if output["type"] == "softmax" else \
            sigmoid_output_forward
        sections += [works_out(present_output(ctx, output), forward_results(trace, output["name"])),
                     works_out(loss_forward(ctx, output), forward_results(trace, "loss"))]

    if kind != "forward":
        sections.append(Section("backward.title", level=1, anchor="backward"))
    if kind == "train" and hidden_layers:
        logits_grad = frozenset({f"{hidden_layers[-1]['name']}.grad"})
        sections.append(works_out(output_backward(ctx, layers[-1], hidden_layers[-1]),
                                  logits_grad))
    if kind != "forward":
        for info in reversed(hidden_layers):
            sections.append(works_out(BACKWARD[info["type"]](ctx, info),
                                      backward_results(trace, info)))

    if kind == "train":
        update = works_out(update_section(ctx), step_results(trace, "update"))
        update.level = 1
        sections += [update, works_out(checks_section(ctx), step_results(trace, "after"))]
    if ctx.shortened:  # say once what ⋯ and '+ 664 × 0' mean
        sections[0].blocks.insert(0, Para("doc.shortened"))
    if ctx.selected:  # and that a step may work out only some of its cells
        sections[0].blocks.insert(0, Para("doc.selected", {"cells": max_cells}))
    document = Document(title=trace.title, description=trace.description,
                        mode=trace.mode, digits=digits, conventions=conventions(trace),
                        sections=sections,
                        subtitle=subtitle_key(trace))
    hold_document(document, ctx)
    hold_changes(document, ctx)
    document.refs = shown_refs(document)
    return document


def _forward(ctx, info, last: bool):
    """A layer's forward section; softmax only appears as the last layer."""
    if info["type"] == "softmax":
        return softmax_forward(ctx, info)
    return FORWARD[info["type"]](ctx, info)


def shown_refs(document: Document) -> list[str]:
    """Every cell the document shows, in order of first appearance."""
    seen = {}
    for section in document.sections:
        for ref in _section_refs(section):
            seen.setdefault(ref, None)
    return list(seen)


def _section_refs(section: Section, heatmaps: bool = False):
    """The cells a section shows as numbers (and with ``heatmaps``, the quantities it
    draws as heatmaps)."""
    for block in section.blocks:
        for node in _nodes(block):
            for leaf in m.walk(node):
                if isinstance(leaf, m.Num) and leaf.ref:
                    yield leaf.ref
                elif heatmaps and isinstance(leaf, m.Heatmap) and leaf.ref:
                    yield leaf.ref


def works_out(section: Section, results: frozenset) -> Section:
    """``section``, which works out the quantities ``results``."""
    section.results = results
    return section


def worksheet_document(document: Document, hidden) -> Document:
    """The document a worksheet (and its key) shows: it ends with the last section that
    works out a blank (shows a blanked cell of a quantity it computes), since every later
    step is worked from the blanked values and would give them away (K_new = K - eta *
    dL/dK shows a blanked dL/dK); a closing sentence says so. A step that only uses a
    blank does not count: on a large network the update expands other cells of dL/dW
    than the backward did, and those must not keep the update on a worksheet that blanks
    the backward. The opening note does not point to trace.json (the worked example's
    file with every value), which a worksheet's folder does not have."""
    sections = ending_with(document.sections, hidden, Para("worksheet.rest_left_out"))
    sections = [_without_trace_json(s) for s in sections]
    sheet = replace(document, sections=sections, subtitle=_sheet_subtitle(document, sections))
    sheet.refs = shown_refs(sheet)  # what its answer sheet may ask: not the steps cut off
    return sheet


def ending_with(sections: list, hidden, closing: Para) -> list:
    """``sections`` up to the last one that works out a cell of ``hidden``, which ends
    with ``closing`` when later ones are left out."""
    last = max((i for i, section in enumerate(sections) if _works_out_blank(section, hidden)),
               default=None)
    if last is None or last == len(sections) - 1:
        return list(sections)
    end = replace(sections[last], blocks=[*sections[last].blocks, closing])
    return [*sections[:last], end]


def _sheet_subtitle(document: Document, sections: list) -> str:
    """What a sheet's exercises cover: one cut after the loss is on the forward pass only,
    one cut in the backward on the forward and backward passes."""
    if document.subtitle != "doc.subtitle":  # a forward-only pass, a formula: as they are
        return document.subtitle.replace("doc.subtitle", "doc.subtitle.sheet")
    anchors = {section.anchor for section in sections}
    return "doc.subtitle.sheet" if "update" in anchors else \
        "doc.subtitle.sheet.train_backward" if "backward" in anchors else \
        "doc.subtitle.sheet.forward"


def _works_out_blank(section: Section, hidden) -> bool:
    """Whether ``section`` shows a blanked cell that it works out (a number, or a whole
    tensor drawn as a heatmap), not just one it uses."""
    for ref in _section_refs(section, heatmaps=True):
        if hides(hidden, ref) and (section.results is None
                                   or ref.split("[")[0] in section.results):
            return True
    return False


def _without_trace_json(section: Section) -> Section:
    """The section with the note on long sums and heatmaps told without trace.json (a
    worksheet run writes none; a class batch writes none for the key either)."""
    if not any(isinstance(b, Para) and b.key == "doc.shortened" for b in section.blocks):
        return section
    return replace(section, blocks=[Para("doc.shortened.worksheet")
                                    if isinstance(b, Para) and b.key == "doc.shortened" else b
                                    for b in section.blocks])


def _nodes(block):
    for attr in ("lines", "rows", "header"):
        for item in getattr(block, attr, ()) or ():
            if isinstance(item, list):
                yield from (c for c in item if isinstance(c, m.Node))
            elif isinstance(item, m.Node):
                yield item
    for value in getattr(block, "params", {}).values():
        if isinstance(value, m.Node):
            yield value
    if getattr(block, "caption", None) is not None:  # e.g. where a pool window's max sits
        yield from _nodes(block.caption)
