"""The document model: one structure for the worked example, the worksheet and the key.

A Document is language-neutral: sentences are message keys with parameters (looked up
in templates/messages/<lang>.toml by the renderers), formulas are math trees whose
numbers carry the cells they show. The worksheet and the key are the same Document
rendered with a set of hidden cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Para:
    """A sentence from the message catalog; params are math nodes or plain values."""

    key: str
    params: dict = field(default_factory=dict)
    kind = "para"


@dataclass
class Display:
    """Display math: one formula per line, optionally with a caption sentence."""

    lines: list
    caption: Para | None = None
    kind = "display"


@dataclass
class Table:
    """A table: header cells and rows of cells (message keys as Para, math nodes, text)."""

    header: list
    rows: list
    caption: Para | None = None
    style: str = "data"  # data | comparison | architecture (a CSS class)
    kind = "table"


@dataclass
class Bars:
    """A bar chart as a table: rows of (label, percent 0..100 or None for no bar, cells...)."""

    rows: list
    header: list
    kind = "bars"


@dataclass
class Section:
    """A numbered part of the handout: a heading (message key) and its blocks."""

    key: str
    params: dict = field(default_factory=dict)
    blocks: list = field(default_factory=list)
    level: int = 2
    anchor: str = ""
    # the quantities this step works out (a worksheet ends with the last step that works
    # out a blank); None: whatever it shows (a one-step exercise, a given parameter)
    results: frozenset | None = None


@dataclass
class Document:
    """Everything a renderer needs; no numbers are computed after this point."""

    title: str
    description: str
    mode: str  # numeric mode: float | exact
    digits: int
    conventions: list  # (message key, value) pairs
    sections: list
    refs: list = field(default_factory=list)  # every cell ref shown, in document order
    subtitle: str = "doc.subtitle"  # the message under the title
    footer: str = "doc.generated"  # the message at the end (with version and digits)
    given: frozenset = frozenset()  # ids of the given quantities (input, target, parameters)
