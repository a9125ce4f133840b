"""What every presenter needs: numbers as math nodes tied to their cells, matrices,
slices of tensors, the choice of cells to expand, exact forms (:mod:`.exactform`) and
widths (:mod:`.widths`)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np

from ..numeric import FLOAT
from ..trace import parse_cell
from . import mathtree as m
from .exactform import rational, real_node
from .widths import CELL_PAD_EM, width_em

EXACT_TERMS = 3  # exact forms with more terms than this are not worth printing
EXACT_DIGITS = 12  # nor those with a fraction of more digits (a float weight's 2^-52 ones)
EXTRA = 5  # a worked line's numbers get at most this many more digits than the document's:
# past them a line is left as it is (a probability 1 - 1e-15, printed so as not to read 1,
# would need 16-digit operands, which no reader works with)
MAX_DIGITS = {"float": 15, "exact": 50 + EXTRA}  # the most significant digits a value
# prints to: float64's, and exact mode's largest --digits with the EXTRA a line may add
MATRIX_SIDE = 12  # larger 2-D slices are drawn as heatmaps
MATRIX_CELLS = 100  # and so are tensors with more cells than this (a vector: shortened)
LARGE_CELLS = 64  # tensors with more cells expand only representative cells
SUM_TERMS = 9  # longer sums show their first and last terms around ⋯
LINE_EM = 42.0  # what a display line may hold, in em (the text column is 44 em wide)
TILES_PER_LINE = 6  # heatmap tiles (slices, filters) on one display line
WIDE_TILES_PER_LINE = 4  # the same for filters of several channels (kernels side by side)
LONG_VECTOR = 16  # a longer vector shown in one piece is shortened when it does not fit
COMPACT_VALUES = 5000  # a trace with more values than this is presented compactly


def cell_ref(qid: str, index) -> str:
    """'conv1.out', (0, 1, 0) -> 'conv1.out[0,1,0]'."""
    index = tuple(int(i) for i in index)
    return f"{qid}[{','.join(map(str, index))}]" if index else qid


class Context:
    """A trace plus the presentation settings (digits, how many cells to expand: of a
    tensor ``max_cells``, of a large one ``large_cells`` (None: a few per step, see
    :meth:`pick`), the quantities a worksheet blanks: long vectors among them are shown
    whole)."""

    def __init__(self, trace, digits: int = 4, max_cells: int = 16, hidden=frozenset(),
                 large_cells: int | None = None):
        self.trace, self.digits, self.max_cells = trace, digits, max_cells
        self.large_cells = large_cells
        self.hidden = frozenset(hidden)  # what a worksheet blanks: cells and quantities
        self.blanked = frozenset(ref.split("[")[0] for ref in self.hidden)  # their ids
        self.nx = trace.numeric
        self.exact = trace.mode == "exact" and trace._live  # a loaded trace holds floats
        self.shortened = False  # did a long sum get shortened with ⋯ ?
        self.selected = False  # did a step work out only some of its cells?
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
        value = self.value(qid, index)
        return self.num(qid, index, probability_digits(self.nx, value, self.digits))

    def near_one(self, qid: str, index=()) -> bool:
        """Whether a probability is too near 1 for a worked line to take it as printed
        (float64's 1.0 too, beside other classes' 4e-18): its log, or 1 minus it, is then
        worked from the other probabilities (softmax) or the score (sigmoid).

        p = 1 - ε printed to d digits gives log p or p - 1 to about d - log10(1/ε)
        digits, and a line may print p with at most EXTRA more digits than the
        document's, fewer where the mode's digits end (float64's 15 at --digits 12: 3 more,
        and one kept for a result that rounds at a half): so within 10^-room of 1, and
        never further than 0.1 (0.599 is no probability near 1, at any digits)."""
        p = float(self.trace.numbers(qid)[index])
        room = max(1, min(EXTRA, MAX_DIGITS[self.trace.mode] - self.digits - 1))
        return 0.5 < p <= 1 and 1 - p < 10.0 ** -room

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
        """The 2-D slice at ``prefix`` (a row for vectors, a number for scalars); a vector
        of more than LONG_VECTOR entries too wide for one line shows its first and last
        entries around ⋯ (a blanked one is shown whole: see :meth:`tensor`)."""
        shape = self.shape(qid)[len(prefix):]
        if len(shape) == 0:
            return self.num(qid, prefix)
        if len(shape) == 1:
            cells = [self.num(qid, prefix + (j,)) for j in range(shape[0])]
            fit = self.fitting(cells)
            if len(cells) > LONG_VECTOR and fit < len(cells) and qid not in self.blanked:
                cells = cells[:max(fit - 3, 1)] + [m.Op("⋯")] + cells[-2:]  # first, ⋯, last
            return m.Matrix((tuple(cells),))
        rows = tuple(tuple(self.num(qid, prefix + (i, j)) for j in range(shape[1]))
                     for i in range(shape[0]))
        return m.Matrix(rows, frozenset(highlight), frozenset(padding))

    def large(self, qid: str) -> bool:
        """Whether a tensor is shown as heatmaps rather than matrices of numbers."""
        return drawn_as_heatmap(self.shape(qid))

    # widths -------------------------------------------------------------------------
    def width(self, node: m.Node) -> float:
        """About how wide ``node`` is typeset, in em (a blank is as wide as its box)."""
        return width_em(node, self.blanked)

    def fitting(self, cells: list, budget: float = LINE_EM - 4) -> int:
        """How many of a vector's cells fit on one line beside a short label: all of them,
        or as many as the widest cells leave room for."""
        widths = sorted((self.width(c) + CELL_PAD_EM for c in cells), reverse=True)
        used, count = 1.0, 0  # the brackets
        for w in widths:
            if used + w > budget:
                return max(count, 3)
            used, count = used + w, count + 1
        return len(cells)

    def rows_of(self, cells: list, budget: float) -> list[list]:
        """A vector's cells in the fewest lines of about equal length that each fit."""
        widths = [self.width(c) + CELL_PAD_EM for c in cells]
        for lines in range(1, len(cells) + 1):
            per = -(-len(cells) // lines)
            if all(sum(widths[i:i + per]) + 1.0 <= budget for i in range(0, len(cells), per)):
                return [cells[i:i + per] for i in range(0, len(cells), per)]
        return [[c] for c in cells]

    def pack(self, items: list, budget: float = LINE_EM) -> list[m.Node]:
        """Items (each 'label = matrix') as display lines, as many to a line as fit, the
        lines about equally full; items on one line are separated by ';'."""
        widths = [self.width(item) + 1.0 for item in items]
        lines, line, used = [], [], 0.0
        for item, w in zip(items, widths):
            if line and used + w > budget:
                lines.append(line)
                line, used = [], 0.0
            line.append(item)
            used += w
        lines.append(line)
        if len(lines) > 1:  # balance: the same number on every line but the last
            per = -(-len(items) // len(lines))
            lines = [items[i:i + per] for i in range(0, len(items), per)]
        return [m.joined(line, ";") if len(line) > 1 else line[0] for line in lines]

    def tensor(self, qid: str, label: m.Node) -> list[m.Node]:
        """Display lines 'label(prefix) = matrix' for every 2-D slice: the whole tensor;
        a vector too long for one line on several (a very long one only where a worksheet
        blanks it, else shortened); a large tensor as heatmaps on one colour scale, a
        tile per slice (per filter for kernels), a few tiles to a line."""
        shape = self.shape(qid)
        if len(shape) == 1:
            return self.vector(qid, label)
        slices = self.slices(qid)
        named = [(prefix, label if len(slices) == 1 else
                  named_slice(label, m.joined([m.Num(str(p)) for p in prefix], ",")))
                 for prefix in slices]
        if not self.large(qid):
            items = [m.row(name, "=", self.matrix(qid, prefix)) for prefix, name in named]
            return self.pack(items) if len(items) > 1 else items
        values = self.trace.numbers(qid)
        limit_value = float(np.abs(values).max()) or 1.0
        if values.ndim == 4:  # kernels (F, C, kh, kw): a tile per filter, its channels in a row
            tiles = [m.row(named_slice(label, m.Num(str(f))), "=",
                           m.Heatmap(kernel_tile(values[f]), limit_value, qid))
                     for f in range(values.shape[0])]
            several = values.shape[1] > 1  # a mosaic of kernels is a wider tile
            return tile_lines(tiles, WIDE_TILES_PER_LINE if several else TILES_PER_LINE)
        if values.ndim == 2 and values.shape[0] > 4 * values.shape[1]:  # tall: lie it down
            if isinstance(label, m.Sym) and label.sup is None:
                top = m.Sym(label.name, label.sub, m.Op("⊤"), label.hat, label.style)
            else:  # (W^new)^⊤, (∂L/∂W)^⊤
                top = m.Power(m.paren(label) if isinstance(label, m.Sym) else label, m.Op("⊤"))
            return [m.row(top, "=", m.Heatmap(values.T, limit_value, qid))]
        maps = [m.row(name, "=", m.Heatmap(values[prefix], limit_value, qid))
                for prefix, name in named]
        return tile_lines(maps, TILES_PER_LINE)

    def vector(self, qid: str, label: m.Node) -> list[m.Node]:
        """A vector as one line, or on several lines named by the entries they hold
        (b^(0–7), b^(8–15)) when it is too wide for one; a vector longer than a handout
        should list is shortened (unless a worksheet blanks it: it must show every cell)."""
        count = self.shape(qid)[0]
        if count > MATRIX_CELLS and qid not in self.blanked:
            return [m.row(label, "=", self.matrix(qid))]
        cells = [self.num(qid, (k,)) for k in range(count)]
        if self.width(label) + 2 + sum(self.width(c) + CELL_PAD_EM for c in cells) <= LINE_EM:
            return [m.row(label, "=", m.Matrix((tuple(cells),)))]
        part = named_slice(label, m.Text(f"{max(count - 10, 0)}–{count - 1}"))  # the widest
        rows = self.rows_of(cells, LINE_EM - self.width(part) - 2)
        lines, start = [], 0
        for row in rows:
            where = m.Text(f"{start}–{start + len(row) - 1}")
            lines.append(m.row(named_slice(label, where), "=", m.Matrix((tuple(row),))))
            start += len(row)
        return lines

    # choosing cells ----------------------------------------------------------------
    def pick(self, shape, must=(), cap: int = 8, asked=()) -> list[tuple]:
        """Cells to expand: all of a small tensor (at most max_cells); of a large one only
        ``must`` (e.g. each filter's largest cell; at most large_cells of them, or by
        default ``cap`` and at most max_cells) or, without it, the first few. The cells a
        worksheet ``asked`` (see :meth:`asked`) always, first: a blank shown nowhere could
        not be filled in."""
        every_count = int(np.prod(shape)) if len(shape) else 1
        asked = list(dict.fromkeys(tuple(int(i) for i in index) for index in asked))
        must = [index for index in dict.fromkeys(tuple(int(i) for i in index) for index in must)
                if index not in asked]
        if every_count > LARGE_CELLS:
            few = (min(self.max_cells, cap), min(self.max_cells, 4)) \
                if self.large_cells is None else (self.large_cells,) * 2
            chosen = asked + (must[:few[0]] or [tuple(i) for _, i in zip(
                range(few[1]), np.ndindex(*shape))])
            self.selected = self.selected or len(chosen) < every_count
            return sorted(set(chosen))
        every = [tuple(i) for i in np.ndindex(*shape)]
        if len(every) <= max(self.max_cells, len(asked)):
            return every
        self.selected = True
        chosen = asked + must[: max(self.max_cells - len(asked), 0)]
        for index in every:
            if len(chosen) >= self.max_cells:
                break
            if index not in chosen:
                chosen.append(index)
        return sorted(chosen)

    def asked(self, qid: str, prefix=()) -> list[tuple]:
        """The cells of ``qid`` a worksheet blanks one by one, as indices after ``prefix``
        (a sample of a batch): what :meth:`pick` must expand."""
        cells = []
        for ref in self.hidden:
            name, index = parse_cell(ref)
            if name == qid and index is not None and tuple(index[:len(prefix)]) == prefix:
                cells.append(tuple(index[len(prefix):]))
        return sorted(cells)

    def top_cells(self, qid: str, prefix=()) -> list[tuple]:
        """For each slice along the first axis after ``prefix`` (each filter, each
        channel), the cell with the largest magnitude: representative cells to expand."""
        values = np.abs(self.trace.numbers(qid)[prefix] if prefix else self.trace.numbers(qid))
        if values.ndim <= 1:
            return [(int(values.argmax()),)] if values.size else []
        return [(k,) + _unravel(top.argmax(), top.shape) for k, top in enumerate(values)]

    def extreme_cells(self, qid: str) -> list[tuple]:
        """For each channel (each vector of a dense layer; per sample in a batch), the
        cell with the largest value and, where the channel has a negative one, the cell
        with the smallest: an activation's input that passes and one that ReLU zeroes.
        Each channel's pair together, so that capped they still show both."""
        values = self.trace.numbers(qid)
        sample_rank = values.ndim - (1 if self.trace.batched else 0)
        lead = values.shape[:values.ndim - min(sample_rank, 2)]  # (N,) (C,) (N, C) or ()
        cells = []
        for prefix in np.ndindex(*lead):
            channel = values[prefix]
            top, low = (prefix + _unravel(arg(channel), channel.shape)
                        for arg in (np.argmax, np.argmin))
            cells += [top] + ([low] if values[low] < 0 and low != top else [])
        return cells

    def sum_of(self, terms: list, op: str = "+") -> m.Node:
        """terms joined by ``op``. A long sum leaves out its terms that are 0 as recorded (a
        product with a factor exactly 0, a 0, a bracket of them) and ends with how many
        there were, '+ 664 × 0'; of the rest (or of every term, when all are 0) it keeps
        the first three and the last two around ⋯. Nothing is added up here: the count
        is of terms, and the terms shown are recorded numbers."""
        if len(terms) <= SUM_TERMS:
            return m.joined(terms, op)
        self.shortened = True
        kept = [t for t in terms if not self.is_zero(t)] if op == "+" else terms
        zeros = len(terms) - len(kept)
        if not kept:  # every term is 0: a few of them show it
            kept, zeros = terms, 0
        items = tuple(m.joined(kept, op).items) if len(kept) <= SUM_TERMS else \
            (tuple(m.joined(kept[:3], op).items) + (m.Op(op), m.Op("⋯"), m.Op(op))
             + tuple(m.joined(kept[-2:], op).items))
        if zeros:
            items += (m.Op(op), m.Num(str(zeros)), m.Op("×"), m.Num("0"))
        return m.Row(items)

    def is_zero(self, term: m.Node) -> bool:
        """Whether a term of a sum is 0 as recorded: a number whose recorded value is
        exactly 0 (or a 0 written in, as a padding cell), a product with such a factor, or
        a bracketed sum of such terms. A number a worksheet blanks never counts (leaving
        its terms out would tell which blanks are 0)."""
        if isinstance(term, m.Num):
            if term.text.lstrip("-") != "0":
                return False
            if term.ref is None:
                return True
            return term.ref.split("[")[0] not in self.blanked and \
                float(self.trace.numbers(term.ref)) == 0
        if isinstance(term, m.Group):
            return self.is_zero(term.body)
        if not isinstance(term, m.Row):
            return False
        items = term.items
        if len(items) == 1:
            return self.is_zero(items[0])
        operators, parts = items[1::2], items[::2]
        # a product or a sum: operands at the even places, one kind of operator between
        if len(items) % 2 == 0 or not all(isinstance(op, m.Op) for op in operators):
            return False
        kinds = {op.text for op in operators}
        if kinds == {"·"}:
            return any(self.is_zero(part) for part in parts)
        if kinds == {"+"}:
            return all(self.is_zero(part) for part in parts)
        return False

    # exact forms -------------------------------------------------------------------
    def printed_exactly(self, num: m.Num) -> bool:
        """Whether a cell's printed decimal is its value (5.6 for 28/5; not 0.3333)."""
        qid, index = parse_cell(num.ref)
        value = self.value(qid, index or ())
        return isinstance(value, (Fraction, int, np.integer)) and \
            Fraction(value) == Fraction(Decimal(num.text.replace("−", "-")))

    def exact_form(self, value) -> m.Node | None:
        """The exact form of a value as a math tree when it is short and says more than
        its decimal (28/5, e^{28/5}/(e^{28/5} + e^{-53/10})); else None: not for more
        than EXACT_TERMS terms, nor for a fraction of more than EXACT_DIGITS digits
        anywhere in it (lecture-cnn's He-initialised weights are float64 values, exactly
        fractions over 2^52 that would fill pages)."""
        if not self.exact:
            return None
        from .. import exact
        if isinstance(value, (int, np.integer)):
            return None
        if isinstance(value, Fraction):
            return None if value.denominator == 1 or not _short(value) else rational(value)
        if isinstance(value, exact.Real) and len(value.terms) <= EXACT_TERMS \
                and _short(value):
            return real_node(value)
        return None


def _short(value) -> bool:
    """Whether every fraction in an exact value (coefficients, exponents, arguments of
    atoms, nested) has at most EXACT_DIGITS digits."""
    from .. import exact
    if isinstance(value, Fraction):
        return len(str(abs(value.numerator))) + len(str(value.denominator)) <= EXACT_DIGITS
    if isinstance(value, exact.Real):
        return all(_short(coef) and all(_short(atom.arg) for atom, _ in mono)
                   for mono, coef in value.terms.items())
    return True


def drawn_as_heatmap(shape: tuple) -> bool:
    """Whether a tensor of ``shape`` is shown as heatmaps rather than matrices of numbers."""
    return len(shape) >= 2 and (max(shape[-2:]) > MATRIX_SIDE
                                or int(np.prod(shape)) > MATRIX_CELLS)


def probability_digits(nx, value, digits: int, cap: int = 15) -> int:
    """The fewest digits, at least ``digits`` (at most ``cap``), at which a probability
    that is not 1 does not print as 1 (0.99998, not 1: a reader takes 1 for a loss of 0)."""
    while float(nx.format(value, digits)) == 1 and float(value) != 1 and digits < cap:
        digits += 1
    return digits


def _unravel(flat, shape: tuple) -> tuple:
    """A flat index (np.argmax of an array) as a tuple of ints in ``shape``."""
    return tuple(int(i) for i in np.unravel_index(flat, shape))


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


def kernel_tile(kernels: np.ndarray) -> np.ndarray:
    """One filter's kernels (C, kh, kw) as one picture, channel by channel left to right,
    four to a row: the gaps between them are NaN (drawn as thin grey lines, not values)."""
    channels, kh, kw = kernels.shape
    per_row = min(channels, 4)
    rows = -(-channels // per_row)
    tile = np.full((rows * (kh + 1) - 1, per_row * (kw + 1) - 1), np.nan)
    for c in range(channels):
        r, col = divmod(c, per_row)
        tile[r * (kh + 1):r * (kh + 1) + kh, col * (kw + 1):col * (kw + 1) + kw] = kernels[c]
    return tile


def tile_lines(tiles: list, per_line: int) -> list[m.Node]:
    """Heatmap tiles ('label = heatmap') as display lines of about ``per_line`` each."""
    lines = -(-len(tiles) // per_line)
    per = -(-len(tiles) // lines)
    return [m.joined(tiles[i:i + per], ";") if len(tiles[i:i + per]) > 1 else tiles[i]
            for i in range(0, len(tiles), per)]
