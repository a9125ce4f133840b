"""Trace -> Document: the worked example in the lecture's order.

architecture · parameters · forward (each layer, the loss) · backward (the output
gradient, then each layer in reverse) · update (with the before/after table) · checks.
"""

from __future__ import annotations

from dataclasses import replace

from . import mathtree as m
from .blanks import hides
from .backward import BACKWARD, output_backward
from .context import Context
from .document import Document, Para, Section
from .formulas import FORMULAS
from .forward import FORWARD, loss_forward, sigmoid_output_forward, softmax_forward
from .overview import architecture_section, conventions, parameters_section
from .update import checks_section, update_section


def subtitle_key(trace) -> str:
    """The message under a document's title: what the pass covers."""
    kind = trace.conventions.get("pass", "train")
    return "doc.subtitle" if kind == "train" else f"doc.subtitle.{kind}"


def build_document(trace, digits: int = 4, max_cells: int = 16,
                   hidden=frozenset()) -> Document:
    """The worked example of a trace. Worksheet and key render this same document,
    built with the cells they hide (``hidden``): a long vector they blank is shown whole.

    A training pass shows forward, loss, backward, update and checks; a forward-only
    pass stops after the forward; a pass from a given upstream gradient shows the
    backward of every layer from that gradient."""
    ctx = Context(trace, digits, max_cells, frozenset(ref.split("[")[0] for ref in hidden))
    kind = trace.conventions.get("pass", "train")
    if kind in FORMULAS:
        document = Document(title=trace.title, description="", mode=trace.mode, digits=digits,
                            conventions=[], sections=FORMULAS[kind](ctx),
                            subtitle="doc.subtitle.formula")
        document.refs = shown_refs(document)
        return document
    layers = trace.layers
    hidden_layers = layers[:-1] if kind == "train" else layers

    sections = [architecture_section(ctx), parameters_section(ctx),
                Section("forward.title", level=1, anchor="forward")]
    for info in hidden_layers:
        sections.append(_forward(ctx, info, last=info is layers[-1]))
    if kind == "train":
        output = layers[-1]
        present_output = softmax_forward if output["type"] == "softmax" else \
            sigmoid_output_forward
        sections += [present_output(ctx, output), loss_forward(ctx, output)]

    if kind != "forward":
        sections.append(Section("backward.title", level=1, anchor="backward"))
    if kind == "train" and hidden_layers:
        sections.append(output_backward(ctx, layers[-1], hidden_layers[-1]))
    if kind != "forward":
        for info in reversed(hidden_layers):
            sections.append(BACKWARD[info["type"]](ctx, info))

    if kind == "train":
        update = update_section(ctx)
        update.level = 1
        sections += [update, checks_section(ctx)]
    if ctx.shortened:  # say once what ⋯ means
        sections[0].blocks.insert(0, Para("doc.shortened"))
    document = Document(title=trace.title, description=trace.description,
                        mode=trace.mode, digits=digits, conventions=conventions(trace),
                        sections=sections,
                        subtitle=subtitle_key(trace))
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


def _section_refs(section: Section):
    for block in section.blocks:
        for node in _nodes(block):
            for leaf in m.walk(node):
                if isinstance(leaf, m.Num) and leaf.ref:
                    yield leaf.ref


def worksheet_document(document: Document, hidden) -> Document:
    """The document a worksheet (and its key) shows: it ends with the last section that
    works out a blank (where a blanked cell first appears), since every later step is
    worked from the blanked values and would give them away (K_new = K - eta * dL/dK
    shows a blanked dL/dK); a closing sentence says so."""
    first: dict[str, int] = {}
    for i, section in enumerate(document.sections):
        for ref in _section_refs(section):
            first.setdefault(ref, i)
    last = max((i for ref, i in first.items() if hides(hidden, ref)), default=None)
    if last is None or last == len(document.sections) - 1:
        return document
    end = document.sections[last]
    end = replace(end, blocks=[*end.blocks, Para("worksheet.rest_left_out")])
    return replace(document, sections=[*document.sections[:last], end])


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
