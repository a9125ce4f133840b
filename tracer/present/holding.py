"""Printed arithmetic that works out: a line's numbers get the digits its result needs.

A worked line ``lhs = a · b + c · d = r`` prints every number to the document's digits.
Worked from those rounded numbers, the line mostly rounds to the printed r; but when the
terms cancel (or r is a small difference such as 0.99998 - 1), the rounding is as large
as r itself: (-0.4444)·2 + 0.3118·3 + (-0.01558)·3 = -0.0002459 reads as -0.00014 on a
calculator. And a student who works a worksheet's line from its printed numbers writes
what they round to, which the checker compares with the true value. So a line whose
printed numbers do not round to its printed result is printed again with more digits for
the numbers it works from (the same cells, never other values), only those whose
rounding matters, until they do.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation, localcontext

from . import mathtree as m
from .document import Display
from .blanks import hides
from .context import EXTRA, MAX_DIGITS
from ..numeric import FLOAT, decimal_text
from ..trace import parse_cell

NOISE = Decimal("1e-12")  # a result this much smaller than its largest term is float noise
_ADD = {"+": 1, "-": -1, "−": -1}
_MUL = {"·", "×"}
_RELATIONS = {"=", "≈"}
MAX_POWER = 10**6  # e^x beyond this is no printed arithmetic (and Decimal's range ends)


def hold_document(document, ctx) -> None:
    """Give every display line of ``document`` the digits that make it work out, a cell
    the same digits on every worked line of its block (in place)."""
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Display):
                block.lines = _one_way([hold(line, ctx) for line in block.lines], ctx)


def _one_way(lines: list, ctx) -> list:
    """``lines`` with a cell that one worked line prints with more digits printed so on
    every worked line (no matrix) of the block, each changed line held again: S ≈ 270.431
    on the line that sums it, as ŷ0 = 270.426/270.431 below needs it, not 270.4. A line
    that would then no longer work out (its result wider than its terms can give within
    EXTRA digits) keeps its own digits. Digits only grow, so the rounds end."""
    worked = [i for i, line in enumerate(lines)
              if not any(isinstance(n, (m.Matrix, m.Heatmap)) for n in m.walk(line))]
    kept = set()  # lines that keep their own digits
    changed = True
    while changed:
        widest: dict[str, str] = {}
        for i in worked:
            for n in _cells(lines[i]):
                if n.ref not in widest or significant(n.text) > significant(widest[n.ref]):
                    widest[n.ref] = n.text
        changed = False
        for i in (i for i in worked if i not in kept):
            line = lines[i]
            for ref in {n.ref for n in _cells(line)}:
                line = with_text(line, ref, widest[ref])
            if line == lines[i]:
                continue
            held = hold(line, ctx)
            if _works_out(held, ctx) or not _works_out(lines[i], ctx):
                lines[i], changed = held, True
            else:
                kept.add(i)
    return lines


def _works_out(line, ctx) -> bool:
    """Whether every arithmetic part of ``line`` gives its result (see :func:`hold`); a
    part that is no printed arithmetic (a symbol, a sum shortened with ⋯) passes."""
    values = ((evaluate(expr), result) for _, _, expr, result in _parts(line))
    return all(value is None or reads_as(result, ctx)(value) for value, result in values)


def _parts(line):
    """(start, end, expression, result) of each arithmetic part of a line: the items
    ``start:end`` between two relations (= or ≈; or before the first), and the first
    cell shown after them."""
    if not isinstance(line, m.Row):
        return
    items = list(line.items)
    cuts = [k for k, item in enumerate(items)
            if isinstance(item, m.Op) and item.text in _RELATIONS]
    bounds = [-1] + cuts + [len(items)]
    spans = [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
    for i, (start, end) in enumerate(spans[:-1]):
        result = next((items[a] for a, b in spans[i + 1:] if a < b and _is_result(items[a])),
                      None)
        span = items[start:end]
        expr = span[0] if len(span) == 1 else m.Row(tuple(span))
        if result is not None and not isinstance(expr, m.Num):  # a number is no arithmetic
            yield start, end, expr, result


def _cells(line) -> list[m.Num]:
    """The numbers of ``line`` that show a cell (not derived sums or indices)."""
    return [n for n in m.walk(line) if isinstance(n, m.Num) and n.ref and not n.derived]


def hold(line, ctx):
    """``line`` with each arithmetic part (``expression = ... = result``, the part before
    the first relation too, as in '1 · log 0.99998 = -2e-5') printed so that, worked from
    its printed numbers and rounded as it is printed, it gives the first cell shown after
    it on its own (the result)."""
    if not isinstance(line, m.Row):
        return line
    items = _cell_by_cell(list(line.items), ctx)
    for start, end, expr, result in reversed(list(_parts(line))):  # later spans first:
        held, wider = _held(expr, result, ctx)  # the indices of earlier ones stay put
        if held is not expr:
            items[start:end] = [held] if end - start == 1 else list(held.items)
        if wider is not None:
            items[end:] = [with_text(item, result.ref, wider) for item in items[end:]]
        if _near_zero(held, result, ctx) and items[end] == m.Op("="):
            items[end] = m.Op("≈")
    return m.Row(tuple(items))


def _near_zero(expr, result: m.Num, ctx) -> bool:
    """Whether a result that is exactly 0 is worked from printed terms that do not cancel
    (ŷ_k - y_k times equal weights, 0.07233 · 0.1 + 0.001308 · 0.1 + (-0.07364) · 0.1 is
    -2×10⁻⁷): they are '≈ 0'. Not for a worksheet's box, which '≈' would give away."""
    if hides(ctx.hidden, result.ref) or _true(result, ctx) != 0:
        return False
    worked = evaluate(expr)
    return worked is not None and worked != 0


def _cell_by_cell(items: list, ctx) -> list:
    """``items`` with an elementwise product of matrices, A ⊙ D = R, held cell by cell:
    each a_k · d_k = r_k gets the digits it needs (a sigmoid's local derivatives,
    0.11 · 0.0046 printed 0.00048 for the 0.00051 it reads)."""
    for k in range(len(items) - 4):
        a, times, b, equals, r = items[k:k + 5]
        if not (isinstance(a, m.Matrix) and isinstance(b, m.Matrix) and
                isinstance(r, m.Matrix) and isinstance(times, m.Op) and times.text == "⊙"
                and isinstance(equals, m.Op) and equals.text == "="):
            continue
        cells = [[list(row) for row in matrix.rows] for matrix in (a, b, r)]
        for i, row in enumerate(cells[2]):
            for j, result in enumerate(row):
                if not _is_result(result):
                    continue
                expr = m.row(cells[0][i][j], "·", cells[1][i][j])
                held, wider = _held(expr, result, ctx)
                if held is not expr:
                    cells[0][i][j], cells[1][i][j] = held.items[0], held.items[2]
                if wider is not None:
                    row[j] = m.Num(wider, result.ref)
        items[k], items[k + 2], items[k + 4] = (
            replace(matrix, rows=tuple(tuple(row) for row in rows))
            for matrix, rows in zip((a, b, r), cells))
    return items


def _is_result(item) -> bool:
    return isinstance(item, m.Num) and bool(item.ref) and not item.derived


def _held(expr, result: m.Num, ctx):
    """(``expr``, or it printed with more digits for the numbers whose rounding keeps it
    from working out to ``result``; the result's own text where it needs more digits
    too, else None). Where no digits would do, ``expr`` itself.

    A result needs them when it rounds at a half the operands cannot settle: 1 - 0.5 ·
    3.1499999999949 is -0.57499999999745, -0.57, but 3.15 gives -0.575, -0.58; so the line
    reads 1 - 0.5 · 3.15 = -0.575 (its value to 3 digits)."""
    terms = []
    worked = evaluate(expr, terms)
    true = _true(result, ctx)
    gives = reads_as(result, ctx)
    if worked is None or not true or gives(worked) or \
            abs(true) < NOISE * max((abs(t) for t in terms), default=abs(worked)):
        return expr, None
    # a result printed wider than the document (an update that shows its change: 12
    # digits for a change 8 decades below the value) lets its operands be as wide
    most = min(max(ctx.digits + EXTRA, significant(result.text) + 2), MAX_DIGITS[ctx.trace.mode])
    for digits in range(ctx.digits + 1, most + 1):
        longer = _reprinted(expr, digits, ctx)
        if gives(evaluate(longer)):
            return _shortened(longer, expr, gives, ctx), None
    qid, index = parse_cell(result.ref)
    for digits in range(significant(result.text) + 1, most + 1):
        wider = m.Num(ctx.text(ctx.value(qid, index or ()), digits), result.ref)
        longer, gives = _reprinted(expr, digits, ctx), reads_as(wider, ctx)
        if significant(wider.text) > significant(result.text) and gives(evaluate(longer)):
            return _shortened(longer, expr, gives, ctx), wider.text
    return expr, None


def reads_as(result: m.Num, ctx):
    """A test of whether a value, rounded as the result is printed (to its digits, at least the
    document's), reads as the printed result: what a student who works the line from its
    printed numbers writes, and what the checker then compares with the true value."""
    digits = max(ctx.digits, significant(result.text))
    printed = Decimal(result.text)

    # as by pencil, in decimals, and, up to a float's 15 digits, as by calculator: a
    # pencil's 2.84999999999999999828 is 2.8 to 2 digits where a calculator shows 2.85,
    # and a calculator's 1.845806364467565e-05 reads as a half where the pencil's
    # 1.845806364467564955e-5 does not; such a line gets digits until both agree
    def gives(worked) -> bool:
        return worked is not None and Decimal(decimal_text(worked, digits)) == printed \
            and (digits > 15 or Decimal(FLOAT.format(float(worked), digits)) == printed)
    return gives


def _true(result: m.Num, ctx) -> Decimal | None:
    """The result's value, to 30 digits (exact mode's too)."""
    qid, index = parse_cell(result.ref)
    return _decimal(ctx.text(ctx.value(qid, index or ()), MAX_DIGITS["exact"]))


def _shortened(longer, original, gives, ctx):
    """``longer`` with each cell's numbers put back to their ``original`` text, one cell
    at a time (every place it shows, so that a line never shows one cell two ways), where
    the line still ``gives`` its result without its extra digits (a term times 0, a small
    term); then a cell still wider than EXTRA digits allow (an update's parameter and its
    gradient, as wide as the new value) to the fewest digits that do, the last cell first
    (the gradient, 8 decades below the parameter, needs 5 of the parameter's 13)."""
    texts = {n.ref: n.text for n in m.walk(original) if isinstance(n, m.Num) and n.ref}
    for ref, text in texts.items():
        trial = with_text(longer, ref, text)
        if trial != longer and gives(evaluate(trial)):
            longer = trial
    for ref, text in reversed(texts.items()):
        shown = max((significant(n.text) for n in _cells(longer) if n.ref == ref), default=0)
        if shown <= ctx.digits + EXTRA:  # (as wide as a line got before: as it was)
            continue
        qid, index = parse_cell(ref)
        for digits in range(significant(text) + 1, shown):
            narrower = ctx.text(ctx.value(qid, index or ()), digits)
            trial = with_text(longer, ref, narrower)
            if significant(narrower) < shown and gives(evaluate(trial)):
                longer = trial
                break
    return longer


def with_text(node, ref: str, text: str):
    """``node`` with every number that shows the cell ``ref`` printed as ``text``."""
    def swap(n):
        if isinstance(n, m.Num):
            return m.Num(text, n.ref, n.derived) if n.ref == ref and not n.derived else n
        return _rebuilt(n, swap)
    return swap(node)


def _reprinted(node, digits: int, ctx):
    """``node`` with every number that shows a cell printed to ``digits`` significant
    digits (never fewer than it shows)."""
    def longer(n):
        if not isinstance(n, m.Num):
            return _rebuilt(n, longer)
        if not n.ref or n.derived:
            return n
        qid, index = parse_cell(n.ref)
        text = ctx.text(ctx.value(qid, index or ()), digits)
        return m.Num(text, n.ref) if significant(text) > significant(n.text) else n
    return longer(node)


def _rebuilt(node, change):
    """``node`` with ``change`` applied to its children (rows, brackets, fractions)."""
    if isinstance(node, m.Row):
        return m.Row(tuple(change(item) for item in node.items))
    if isinstance(node, m.Group):
        return m.Group(change(node.body), node.left, node.right, node.for_sign)
    if isinstance(node, m.Frac):
        return m.Frac(change(node.num), change(node.den))
    if isinstance(node, m.Power):
        return m.Power(change(node.base), change(node.exp))
    return node


# ---------------------------------------------------------------------- evaluation
def evaluate(node, terms: list | None = None) -> Decimal | None:
    """The value of printed arithmetic (numbers, + - · ×, a leading sign, brackets,
    fractions of numbers, log, e^x) in 100-digit decimal arithmetic, read as it is printed
    (a row inside a row is no bracket); None for anything else (a symbol, a shortened
    sum's ⋯, an operator out of place). ``terms`` collects the top-level terms."""
    if isinstance(node, m.Num):
        return _decimal(node.text)
    if isinstance(node, m.Group) and node.left in "([":
        return evaluate(node.body)
    if isinstance(node, m.Frac):
        over, under = evaluate(node.num), evaluate(node.den)
        return None if over is None or not under else _exact(lambda: over / under)
    if isinstance(node, m.Power) and isinstance(node.base, m.Sym) and node.base.name == "e":
        power = evaluate(node.exp)
        return None if power is None or abs(power) > MAX_POWER else _exact(power.exp)
    if isinstance(node, m.Row):
        return _sum(_flat(node.items), [] if terms is None else terms)
    return None


def _flat(items) -> list:
    """A row's items with the rows inside it spread out, as they are printed."""
    flat = []
    for item in items:
        flat += _flat(item.items) if isinstance(item, m.Row) else [item]
    return flat


def _sum(items: list, terms: list) -> Decimal | None:
    """The terms of a row added up: products of operands (side by side or joined by
    · ×), each with the signs before it; ``log x`` is one operand."""
    sign, product, after_times, k = 1, None, False, 0
    while k < len(items):
        item = items[k]
        if isinstance(item, m.Op) and item.text in _ADD:
            if after_times:
                return None  # 2 · − 3
            if product is not None:
                terms.append(_signed(sign, product))
                sign, product = 1, None
            sign *= _ADD[item.text]
        elif isinstance(item, m.Op):
            if item.text not in _MUL or product is None or after_times:
                return None
            after_times = True
        else:
            if isinstance(item, m.Func):
                k += 1
                argument = evaluate(items[k]) if item.name == "log" and k < len(items) else None
                value = None if argument is None or argument <= 0 else _exact(argument.ln)
            else:
                value = evaluate(item)
            if value is None:
                return None
            product = value if product is None else _exact(lambda: product * value)
            after_times = False
        k += 1
    if product is None or after_times:
        return None
    terms.append(_signed(sign, product))
    return _exact(lambda: sum(terms, Decimal(0)))


def _signed(sign: int, value: Decimal) -> Decimal:
    """``value`` with the sign ``sign`` (1 or -1), all its digits kept: Decimal's own
    ``-value`` and ``-1 * value`` round to the context's 28 digits."""
    return value if sign == 1 else value.copy_negate()


def significant(text: str) -> int:
    """How many significant digits a printed number shows ('0.0250' -> 3, '1.2e-5' -> 2)."""
    mantissa = text.lstrip("+-−").partition("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def _exact(compute) -> Decimal:
    with localcontext(prec=100):
        return compute()


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value).replace("−", "-"))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None
