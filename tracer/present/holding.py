"""Printed arithmetic that works out: a line's numbers get the digits its result needs.

A worked line ``lhs = a · b + c · d = r`` prints every number to the document's digits.
Rounded operands change the sum by a few units of r's last digit, as a reader expects;
but when the terms cancel (or r is a small difference such as 0.99998 - 1), the rounding
is as large as r itself: (-0.4444)·2 + 0.3118·3 + (-0.01558)·3 = -0.0002459 reads as
-0.00014 on a calculator. Such a line is printed again with more digits for the numbers
it works from (the same cells, never other values) until the arithmetic of the printed
numbers gives r to its last digit.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext

from . import mathtree as m
from .document import Display
from ..trace import parse_cell

SLACK = 5  # last-digit units of the result that rounded operands may be off by
TIGHT = 1  # once a line gets more digits, how close its arithmetic comes
MAX_DIGITS = {"float": 15, "exact": 30}
_ADD = {"+": 1, "-": -1, "−": -1}
_MUL = {"·", "×"}
_RELATIONS = {"=", "≈"}


def hold_document(document, ctx) -> None:
    """Give every display line of ``document`` the digits that make it work out (in place)."""
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Display):
                block.lines = [hold(line, ctx) for line in block.lines]


def hold(line, ctx):
    """``line`` with each ``= expression = result`` (or ``≈ result``) printed so that the
    expression, worked from its printed numbers, gives the result to within :data:`SLACK`
    units of its last digit; when it does not, its numbers get more digits until within
    :data:`TIGHT`."""
    if not isinstance(line, m.Row):
        return line
    items = list(line.items)
    cuts = [k for k, item in enumerate(items)
            if isinstance(item, m.Op) and item.text in _RELATIONS]
    for start, end in zip(cuts, cuts[1:]):
        result = items[end + 1] if end + 1 < len(items) else None
        if not (isinstance(result, m.Num) and result.ref and not result.derived):
            continue
        span = items[start + 1:end]
        expr = span[0] if len(span) == 1 else m.Row(tuple(span))
        if not (isinstance(expr, m.Frac) or isinstance(expr, m.Row) and len(expr.items) > 1):
            continue  # a number (or a symbol): nothing worked
        held = _held(expr, result, ctx)
        if held is not expr:
            items[start + 1:end] = [held] if len(span) == 1 else list(held.items)
    return m.Row(tuple(items))


def _held(expr: m.Row, result: m.Num, ctx) -> m.Row:
    """``expr``, or it printed with as many more digits as make it work out to ``result``."""
    true = _decimal(ctx.trace.numbers(result.ref))
    worked = evaluate(expr)
    if worked is None or true is None or not true:
        return expr
    digits = max(ctx.digits, significant(result.text))
    unit = Decimal(1).scaleb(true.adjusted() - digits + 1)
    if abs(worked - true) <= SLACK * unit:
        return expr
    best = expr
    for more in range(ctx.digits + 1, MAX_DIGITS[ctx.trace.mode] + 1):
        best = _reprinted(expr, more, ctx)
        worked = evaluate(best)
        if worked is not None and abs(worked - true) <= TIGHT * unit:
            break
    return best


def evaluate(node) -> Decimal | None:
    """The value of printed arithmetic (numbers, + - · ×, a leading minus, brackets,
    fractions of numbers, log) in 100-digit decimal arithmetic; None for anything else
    (a symbol, e^x, a shortened sum's ⋯)."""
    if isinstance(node, m.Num):
        return _decimal(node.text)
    if isinstance(node, m.Group) and node.left in "([":
        return evaluate(node.body)
    if isinstance(node, m.Frac):
        over, under = evaluate(node.num), evaluate(node.den)
        return None if over is None or not under else _exact(lambda: over / under)
    if isinstance(node, m.Row):
        return _sum(node.items)
    return None


def _sum(items) -> Decimal | None:
    """A row's terms added up: products of operands (side by side or joined by · ×), each
    with the sign before it; ``log x`` is one operand."""
    terms, sign, product, k = [], 1, None, 0
    while k < len(items):
        item = items[k]
        if isinstance(item, m.Op) and item.text in _ADD:
            if product is not None:
                terms.append(sign * product)
                sign, product = _ADD[item.text], None
            else:  # a leading minus
                sign *= _ADD[item.text]
        elif isinstance(item, m.Op):
            if item.text not in _MUL or product is None:
                return None
        else:
            if isinstance(item, m.Func):
                k += 1
                argument = evaluate(items[k]) if item.name == "log" and k < len(items) else None
                value = None if argument is None or argument <= 0 else _exact(argument.ln)
            else:
                value = evaluate(item)
            if value is None:
                return None
            product = value if product is None else product * value
        k += 1
    if product is None:
        return None
    return _exact(lambda: sum(terms, sign * product))


def _exact(compute) -> Decimal:
    with localcontext(prec=100):
        return compute()


def significant(text: str) -> int:
    """How many significant digits a printed number shows ('0.0250' -> 3, '1.2e-5' -> 2)."""
    mantissa = text.lstrip("-").partition("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def _reprinted(node, digits: int, ctx):
    """``node`` with every number that shows a cell printed to ``digits`` significant
    digits (never fewer than it shows)."""
    if isinstance(node, m.Num):
        if not node.ref or node.derived:
            return node
        qid, index = parse_cell(node.ref)
        text = ctx.text(ctx.value(qid, index or ()), digits)
        return m.Num(text, node.ref) if significant(text) > significant(node.text) else node
    if isinstance(node, m.Group):
        return m.Group(_reprinted(node.body, digits, ctx), node.left, node.right, node.for_sign)
    if isinstance(node, m.Frac):
        return m.Frac(_reprinted(node.num, digits, ctx), _reprinted(node.den, digits, ctx))
    if isinstance(node, m.Row):
        return m.Row(tuple(_reprinted(item, digits, ctx) for item in node.items))
    return node


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value) if isinstance(value, str) else repr(float(value)))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None
