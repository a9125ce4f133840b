"""The lecture's section 4 in one handout: each operation on its own, worked out."""

from __future__ import annotations

from .document import Document, Section
from .handout import build_document

# (message key of the heading, the id of the exercise's trace)
EXAMPLES = (("s4.conv", "conv"), ("s4.maxpool", "maxpool"), ("s4.relu", "relu"),
            ("s4.sigmoid", "sigmoid"), ("s4.softmax", "softmax"), ("s4.onehot", "onehot"),
            ("s4.cross_entropy", "cross_entropy"), ("s4.conv_size", "conv_size"),
            ("s4.pool_size", "pool_size"))


def section4_document(traces: dict, digits: int = 4) -> Document:
    """One document from the section-4 traces (see tracer.explain.section4_traces): for
    a layer, its forward section; for a formula, its own sections."""
    sections = []
    for key, name in EXAMPLES:
        document = build_document(traces[name], digits=digits)
        sections.append(Section(key, {}, [], level=1, anchor=f"s4-{name}"))
        if traces[name].layers:
            forward = [s for s in document.sections if s.anchor.startswith("fwd-")]
            sections += forward
        else:
            for section in document.sections:
                section.level = 2
                sections.append(section)
    document = Document(title="", description="", mode=traces["conv"].mode, digits=digits,
                        conventions=[], sections=sections, subtitle="s4.subtitle")
    return document
