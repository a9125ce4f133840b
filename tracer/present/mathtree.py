"""A tiny math tree: what a formula is, independent of how it is printed.

Presenters build these nodes; :mod:`tracer.present.latex` prints LaTeX and
:mod:`tracer.render.mathhtml` prints HTML from the same tree. Every number is a
:class:`Num` that may carry ``ref``, the quantity cell it shows (``conv1.out[0,1,0]``),
so a worksheet can blank exactly the cells it hides, wherever they appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Node:
    """Base class of math nodes."""


@dataclass(frozen=True)
class Num(Node):
    """A number already formatted (``"-1.846e-5"``); ``ref`` is the cell it shows.

    ``derived``: a number worked out from the trace (a change, a check sum, an exact
    form), not a cell itself: hidden with ``ref``, never replaced by a student's number."""

    text: str
    ref: str | None = None
    derived: bool = False


@dataclass(frozen=True)
class Sym(Node):
    """A variable: ``name`` (one letter or a Greek letter), optional subscript node,
    superscript node, a hat, upright or bold style."""

    name: str
    sub: Node | None = None
    sup: Node | None = None
    hat: bool = False
    style: str = "italic"  # italic | upright | bold


@dataclass(frozen=True)
class Op(Node):
    """An operator or relation: + - = ≈ · × ⊙ , ; and the like (unicode)."""

    text: str


@dataclass(frozen=True)
class Row(Node):
    """Nodes side by side."""

    items: tuple


@dataclass(frozen=True)
class Group(Node):
    """``body`` in delimiters: ( ), [ ], ⌊ ⌋, | |."""

    body: Node
    left: str = "("
    right: str = ")"
    for_sign: bool = False  # only there because the number is negative: a blank drops it


@dataclass(frozen=True)
class Frac(Node):
    num: Node
    den: Node


@dataclass(frozen=True)
class Power(Node):
    """``base`` raised to ``exp`` (e^{5.6}, 10^{-5})."""

    base: Node
    exp: Node


@dataclass(frozen=True)
class Matrix(Node):
    """A bracketed matrix of nodes. ``highlight`` marks cells (r, c) to emphasise (a
    window), ``padding`` the zero border of a padded input, ``marked`` single cells, each
    with the cell the mark shows: ((r, c), ref) pairs (a worksheet hiding ref drops it)."""

    rows: tuple
    highlight: frozenset = field(default_factory=frozenset)
    padding: frozenset = field(default_factory=frozenset)
    marked: frozenset = field(default_factory=frozenset)  # e.g. ((1, 0), pool1.argmax[0,0,0,0])


@dataclass(frozen=True)
class BigOp(Node):
    """∑ (or another large operator) with limits below and above."""

    symbol: str
    lower: Node | None = None
    upper: Node | None = None


@dataclass(frozen=True)
class Func(Node):
    """An upright function name: max, log, exp, reshape."""

    name: str


@dataclass(frozen=True, eq=False)
class Heatmap(Node):
    """A 2-D slice of a large tensor as a picture: ``values`` (a float array) on a
    colour scale from -``limit`` to +``limit`` (0 is white)."""

    values: object  # numpy float64 array (H, W)
    limit: float
    ref: str | None = None  # the quantity it shows (a worksheet may hide it)


@dataclass(frozen=True)
class Space(Node):
    """A wide space between two parts of a formula (TeX's \\quad)."""


@dataclass(frozen=True)
class Text(Node):
    """Upright words inside a formula (never interpreted as markup or LaTeX)."""

    text: str


# -------------------------------------------------------------------- constructors
def row(*items) -> Row:
    """A Row from nodes and plain strings (strings become operators)."""
    return Row(tuple(Op(i) if isinstance(i, str) else i for i in items if i is not None))


def joined(items, sep: str) -> Row:
    """items separated by an operator, e.g. joined(terms, "+")."""
    out = []
    for i, item in enumerate(items):
        if i:
            out.append(Op(sep))
        out.append(item)
    return Row(tuple(out))


def paren(node: Node) -> Group:
    return Group(node)


def sub(name: str, *indices, hat=False, style="italic", sup=None) -> Sym:
    """A symbol with a comma-separated subscript: sub("Z", 0, 1) is Z_{0,1}."""
    if not indices:
        return Sym(name, None, sup, hat, style)
    parts = [i if isinstance(i, Node) else Sym(i) if _is_letter(i) else Num(str(i))
             for i in indices]
    return Sym(name, joined(parts, ","), sup, hat, style)


def _is_letter(value) -> bool:
    return isinstance(value, str) and value.isalpha() and len(value) == 1


def partial(numerator: Node, denominator: Node) -> Frac:
    """∂numerator / ∂denominator."""
    return Frac(row(Op("∂"), numerator), row(Op("∂"), denominator))


def walk(node: Node):
    """Every node of the tree, depth first."""
    yield node
    if isinstance(node, Row):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Group):
        yield from walk(node.body)
    elif isinstance(node, Frac):
        yield from walk(node.num)
        yield from walk(node.den)
    elif isinstance(node, Power):
        yield from walk(node.base)
        yield from walk(node.exp)
    elif isinstance(node, Matrix):
        for cells in node.rows:
            for cell in cells:
                yield from walk(cell)
    elif isinstance(node, Sym):
        for part in (node.sub, node.sup):
            if part is not None:
                yield from walk(part)
    elif isinstance(node, BigOp):
        for part in (node.lower, node.upper):
            if part is not None:
                yield from walk(part)
