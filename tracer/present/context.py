"""What every presenter needs: numbers as math nodes tied to their cells, matrices,
slices of tensors, the choice of cells to expand, exact forms."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..numeric import FLOAT
from . import mathtree as m

EXACT_TERMS = 3  # exact forms with more terms than this are not worth printing
MATRIX_SIDE = 12  # larger 2-D slices are drawn as heatmaps
MATRIX_CELLS = 100  # and so are tensors with more cells than this (a vector: shortened)
LARGE_CELLS = 64  # tensors with more cells expand only representative cells
SUM_TERMS = 9  # longer sums show their first and last terms around ⋯
LONG_VECTOR = 16  # longer vectors show their first eight and last four entries
COMPACT_VALUES = 5000  # a trace with more values than this is presented compactly


def cell_ref(qid: str, index) -> str:
    """'conv1.out', (0, 1, 0) -> 'conv1.out[0,1,0]'."""
    index = tuple(int(i) for i in index)
    return f"{qid}[{','.join(map(str, index))}]" if index else qid


class Context:
    """A trace plus the presentation settings (digits, how many cells to expand, the
    quantities a worksheet blanks: long vectors among them are shown whole)."""

    def __init__(self, trace, digits: int = 4, max_cells: int = 16, blanked=frozenset()):
        self.trace, self.digits, self.max_cells = trace, digits, max_cells
        self.blanked = blanked
        self.nx = trace.numeric
        self.exact = trace.mode == "exact"
        self.shortened = False  # did a long sum get shortened with ⋯ ?
        sizes = [q.value.size for q in trace.quantities.values()]
        self.compact = sum(sizes) > COMPACT_VALUES  # a big network: fewer cells per step

    # numbers -------------------------------------------------------------------------
    def value(self, qid: str, index=()):
        value = self.trace.quantity(qid).value
        return value[tuple(index)] if index else (value.item() if value.ndim == 0 else value)

    def text(self, value, digits: int | None = None) -> str:
        return self.nx.format(value, digits or self.digits)

    def num(self, qid: str, index=(), digits: int | None = None) -> m.Num:
        """One cell as a number node that remembers which cell it is."""
        return m.Num(self.text(self.value(qid, index), digits), cell_ref(qid, index))

    def prob(self, qid: str, index=()) -> m.Num:
        """A probability with enough digits not to round to 1 (0.99998, not 1)."""
        value, digits = self.value(qid, index), self.digits
        while self.text(value, digits) == "1" and float(value) != 1 and digits < 15:
            digits += 1
        return self.num(qid, index, digits)

    def approx(self, value):
        """A value to compare or subtract across kinds (exact vs 60-digit): an mpmath
        number in exact mode, the float itself in float mode."""
        if not self.exact:
            return value
        from .. import exact
        return exact.evaluate(value, 40)

    def const(self, value, digits: int | None = None) -> m.Num:
        """A number that is not a quantity cell (a stride, the learning rate)."""
        if isinstance(value, float):
            return m.Num(FLOAT.format(value, digits or self.digits))
        return m.Num(self.text(value, digits))

    def shape(self, qid: str) -> tuple:
        return self.trace.quantity(qid).shape

    # matrices ----------------------------------------------------------------------
    def slices(self, qid: str) -> list[tuple]:
        """Index prefixes of the 2-D (or 1-D) slices a tensor is shown as."""
        shape = self.shape(qid)
        lead = shape[:-2] if len(shape) > 2 else ()
        return [tuple(p) for p in np.ndindex(lead)] if lead else [()]

    def matrix(self, qid: str, prefix=(), highlight=(), padding=()) -> m.Node:
        """The 2-D slice at ``prefix`` (a row for vectors, a number for scalars)."""
        shape = self.shape(qid)[len(prefix):]
        if len(shape) == 0:
            return self.num(qid, prefix)
        if len(shape) == 1:
            shown = range(shape[0]) if shape[0] <= LONG_VECTOR else \
                list(range(8)) + [None] + list(range(shape[0] - 4, shape[0]))
            rows = ((tuple(self.num(qid, prefix + (j,)) if j is not None else m.Op("⋯")
                           for j in shown)),)
        else:
            rows = tuple(tuple(self.num(qid, prefix + (i, j)) for j in range(shape[1]))
                         for i in range(shape[0]))
        return m.Matrix(rows, frozenset(highlight), frozenset(padding))

    def large(self, qid: str) -> bool:
        """Whether a tensor is shown as heatmaps rather than matrices of numbers."""
        shape = self.shape(qid)
        return len(shape) >= 2 and (max(shape[-2:]) > MATRIX_SIDE
                                    or int(np.prod(shape)) > MATRIX_CELLS)

    def tensor(self, qid: str, label: m.Node) -> list[m.Node]:
        """Display lines 'label(prefix) = matrix' for every 2-D slice: the whole tensor;
        a vector too long for one line on several (a very long one only where a worksheet
        blanks it, else shortened); a large tensor as heatmaps on one colour scale, four
        to a line."""
        shape = self.shape(qid)
        if len(shape) == 1 and LONG_VECTOR < shape[0] and (shape[0] <= MATRIX_CELLS
                                                           or qid in self.blanked):
            lines = []
            for start in range(0, shape[0], LONG_VECTOR):
                part = range(start, min(start + LONG_VECTOR, shape[0]))
                row = tuple(self.num(qid, (k,)) for k in part)
                lines.append(m.row(named_slice(label, m.Text(f"{part[0]}–{part[-1]}")), "=",
                                   m.Matrix((row,))))
            return lines
        slices = self.slices(qid)
        named = [(prefix, label if len(slices) == 1 else
                  named_slice(label, m.joined([m.Num(str(p)) for p in prefix], ",")))
                 for prefix in slices]
        if not self.large(qid):
            items = [m.row(name, "=", self.matrix(qid, prefix)) for prefix, name in named]
            per_line = 1 if len(items) <= 2 else 4  # many small slices: side by side
            return [m.joined(items[i:i + per_line], ";") if per_line > 1 else items[i]
                    for i in range(0, len(items), per_line)]
        values = self.trace.numbers(qid)
        limit_value = float(np.abs(values).max()) or 1.0
        if values.ndim == 4:  # kernels (F, C, kh, kw): one mosaic, a row of kernels per filter
            f, c, kh, kw = values.shape
            mosaic = values.transpose(0, 2, 1, 3).reshape(f * kh, c * kw)
            return [m.row(label, "=", m.Heatmap(mosaic, limit_value, qid))]
        if values.ndim == 2 and values.shape[0] > 4 * values.shape[1]:  # tall: lie it down
            if isinstance(label, m.Sym) and label.sup is None:
                top = m.Sym(label.name, label.sub, m.Op("⊤"), label.hat, label.style)
            else:  # (W^new)^⊤, (∂L/∂W)^⊤
                top = m.Power(m.paren(label) if isinstance(label, m.Sym) else label, m.Op("⊤"))
            return [m.row(top, "=", m.Heatmap(values.T, limit_value, qid))]
        maps = [m.row(name, "=", m.Heatmap(values[prefix], limit_value, qid))
                for prefix, name in named]
        return [m.joined(maps[i:i + 4], ";") for i in range(0, len(maps), 4)]

    # choosing cells ----------------------------------------------------------------
    def pick(self, shape, must=(), cap: int = 8) -> list[tuple]:
        """Cells to expand: all of a small tensor (at most max_cells); of a large one only
        ``must`` (e.g. each filter's largest cell; at most ``cap`` of them, and at most
        max_cells) or, without it, the first few."""
        every_count = int(np.prod(shape)) if len(shape) else 1
        must = list(dict.fromkeys(tuple(int(i) for i in index) for index in must))
        if every_count > LARGE_CELLS:
            chosen = must[: min(self.max_cells, cap)] or [tuple(i) for _, i in zip(
                range(min(self.max_cells, 4)), np.ndindex(*shape))]
            return sorted(chosen)
        every = [tuple(i) for i in np.ndindex(*shape)]
        if len(every) <= self.max_cells:
            return every
        chosen = must[: self.max_cells]
        for index in every:
            if len(chosen) >= self.max_cells:
                break
            if index not in chosen:
                chosen.append(index)
        return sorted(chosen)

    def top_cells(self, qid: str, prefix=()) -> list[tuple]:
        """For each slice along the first axis after ``prefix`` (each filter, each
        channel), the cell with the largest magnitude: representative cells to expand."""
        values = np.abs(self.trace.numbers(qid)[prefix] if prefix else self.trace.numbers(qid))
        if values.ndim <= 1:
            return [(int(values.argmax()),)] if values.size else []
        return [(k,) + tuple(int(i) for i in np.unravel_index(values[k].argmax(), values[k].shape))
                for k in range(values.shape[0])]

    def sum_of(self, terms: list, op: str = "+") -> m.Node:
        """terms joined by ``op``; a long sum keeps its first three and last two terms."""
        if len(terms) <= SUM_TERMS:
            return m.joined(terms, op)
        self.shortened = True
        return m.Row(tuple(m.joined(terms[:3], op).items) + (m.Op(op), m.Op("⋯"), m.Op(op))
                     + tuple(m.joined(terms[-2:], op).items))

    # exact forms -------------------------------------------------------------------
    def exact_form(self, value) -> m.Node | None:
        """The exact form of a value as a math tree when it is short and says more than
        its decimal (28/5, e^{28/5}/(e^{28/5} + e^{-53/10})); else None."""
        if not self.exact:
            return None
        from .. import exact
        if isinstance(value, (int, np.integer)):
            return None
        if isinstance(value, Fraction):
            return None if value.denominator == 1 else rational(value)
        if isinstance(value, exact.Real) and len(value.terms) <= EXACT_TERMS:
            return real_node(value)
        return None


def named_slice(label: m.Node, where: m.Node) -> m.Node:
    """A tensor's name with the slice shown: K^(0,1) for a plain symbol, else beside it."""
    where = m.Group(where, "(", ")")
    if isinstance(label, m.Sym) and label.sup is None:
        return m.Sym(label.name, label.sub, where, label.hat, label.style)
    return m.row(label, where)


def short_index(index: tuple, shape: tuple) -> tuple:
    """An index as a reader writes it: leading axes of length 1 dropped from tensors of
    three or more axes ((0, 1, 0) of shape (1, 2, 2) -> (1, 0))."""
    index, shape = tuple(index), tuple(shape)
    while len(index) > 2 and shape and shape[0] == 1:
        index, shape = index[1:], shape[1:]
    return index


def operand(node: m.Node) -> m.Node:
    """A factor in a product: negative numbers go in parentheses, 2·(−0.5)."""
    if isinstance(node, m.Num) and node.text.startswith("-"):
        return m.Group(node, for_sign=True)
    return node


def rational(q: Fraction) -> m.Node:
    """An exact value's rational part (its numbers are derived: the trace's own)."""
    if q.denominator == 1:
        return m.Num(str(q.numerator), derived=True)
    frac = m.Frac(m.Num(str(abs(q.numerator)), derived=True),
                  m.Num(str(q.denominator), derived=True))
    return m.row("-", frac) if q < 0 else frac


def _atom_node(atom) -> m.Node:
    """An exact.Atom as a math tree: e^a, log(a), or a (the caller divides by it)."""
    arg = atom.arg
    if atom.kind == "exp":
        return m.Power(m.Sym("e"), rational(arg) if isinstance(arg, Fraction) else real_node(arg))
    inner = rational(arg) if isinstance(arg, Fraction) else real_node(arg)
    if atom.kind == "log":
        return m.row(m.Func("log"), m.paren(inner))
    return inner  # 'inv': the caller puts it in a denominator


def real_node(x) -> m.Node:
    """A Real (sum of coefficient * atoms) as a math tree with fractions for 1/(...)."""
    parts = []
    terms = sorted(x.terms.items(), key=lambda mc: mc[0] == ())
    for i, (mono, coef) in enumerate(terms):
        top = [_atom_node(a) for a, p in mono for _ in range(p) if p > 0 and a.kind != "inv"]
        bottom = ([_atom_node(a) for a, p in mono for _ in range(-p) if p < 0] +
                  [_atom_node(a) for a, p in mono for _ in range(p) if p > 0 and a.kind == "inv"])
        magnitude = abs(coef)
        factors = top if (magnitude == 1 and top) else [rational(magnitude)] + top
        node = factors[0] if len(factors) == 1 else m.Row(tuple(factors))
        if bottom:
            den = bottom[0] if len(bottom) == 1 else m.Row(tuple(bottom))
            node = m.Frac(node, den)
        if coef < 0:
            parts += [m.Op("-"), node]
        else:
            parts += ([m.Op("+")] if i else []) + [node]
    return m.Row(tuple(parts))
