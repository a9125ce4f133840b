"""The SGD update, the before/after comparison and the checks a careful reader does."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np

from ..numeric import decimal_text, same_number, spec_number
from . import mathtree as m
from .blanks import hides
from .context import EXTRA, LARGE_CELLS, MAX_DIGITS, Context, cell_ref, operand, short_index
from .document import Display, Para, Section, Table
from .forward import cell_sym
from .holding import evaluate, reads_as, significant, with_text
from ..trace import parse_cell

PARAM_SYMBOLS = {("conv2d", "weight"): "K", ("conv2d", "bias"): "b",
                 ("dense", "weight"): "W", ("dense", "bias"): "b"}


def visible(ctx: Context, old, new, grad, index_ref: str) -> tuple[m.Num, m.Num | None]:
    """The new value with enough digits to show the change to ``ctx.digits`` significant
    digits, and then the change itself (1 -> 1.000005537, Δ = +5.537e-6; 0.5 -> 0.50002030,
    Δ = +2.0304e-5 at 5 digits). The digits depend only on how much smaller the change is
    than the value, so more --digits never shows fewer of them: at 6 digits 1.00001 (a
    change of 1e-5 for one of 5.537e-6) becomes 1.00000553737 (Δ = +5.53737e-6)."""
    new_text = ctx.text(new)
    if ctx.trace.numbers(index_ref) == float(old):
        return m.Num(new_text, index_ref), None
    change = step(ctx.trace, old, new, grad)
    digits = change_digits(ctx.digits, float(new), float(change), MAX_DIGITS[ctx.trace.mode])
    longer = ctx.text(new_value(ctx.trace, old, new, change), digits)
    if same_number(longer, new_text):  # the usual digits show the change already, or
        return m.Num(new_text, index_ref), None  # none can (a change of 2e-16 on 1)
    return m.Num(longer, index_ref), change_num(ctx, change, index_ref)


def step(trace, old, new, grad):
    """The change a step makes, -η dL/dW: in float mode as the step computed it, for
    new - old keeps only the digits of the change that a float holds beside the value
    (1 - 0.1 · (-9.44914e-12) - 1 is 9.450e-13 in floats, not 9.449e-13)."""
    if trace.mode == "exact" or not trace._live:
        return new - old
    return -(float(trace.learning_rate) * float(grad))


def new_value(trace, old, new, change):
    """The new value to print with more digits: in float mode old + change in decimals,
    which a float rounds at its 16th digit (1.000000000000945 for 1.000000000000944914,
    printing 1.00000000000095 at 15 digits), where it is that float (not where a tiny sum
    was set to 0 as rounding noise, tracer.noise)."""
    if trace.mode == "exact" or not trace._live or not new:
        return new
    exactly = Decimal(repr(float(old))) + Decimal(repr(float(change)))
    return exactly if abs(float(exactly) - new) <= math.ulp(new) else new


def change_digits(digits: int, new: float, change: float, cap: int) -> int:
    """Significant digits of ``new`` that show its ``change`` to ``digits`` digits: as many
    more as the change is decades below the value (at most ``cap``; ``digits`` when
    either is 0)."""
    if not new or not change or not math.isfinite(new) or not math.isfinite(change):
        return digits
    extra = math.floor(math.log10(abs(new))) - math.floor(math.log10(abs(change)))
    return max(digits, min(digits + extra, cap))


def change_num(ctx: Context, change, index_ref: str) -> m.Num:
    """A parameter's change, signed as a change is: +1.846e-6, -2.03e-5, 0."""
    sign = "+" if float(change) > 0 else ""
    return m.Num(sign + ctx.text(change), index_ref, derived=True)


def hold_changes(document, ctx: Context) -> None:
    """Each update line's change (Δ = c) as the line's own numbers give it (in place;
    after :func:`~.holding.hold_document` has given the line its digits)."""
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Display):
                block.lines = [_held_change(line, ctx) for line in block.lines]


def _held_change(line, ctx: Context):
    """``line`` (W_new = old - η · g = new (Δ = c)) printed so that -η · g, worked from the
    printed η and g, rounds to the printed c: 0.3 - 0.05 · 1.5739 = 0.22131 gives a change
    of -0.078695, which by hand reads -0.07870 where the true change, -0.0786926, prints
    -0.07869. First g gets digits (1.57385: -0.0786925, and the new value still works out
    where it did), as a line's operands do; where none do, c, when the true change itself
    rounds at a half (Δ = -0.225 for -0.22, as a result does). At most EXTRA more digits
    either way."""
    items = list(line.items) if isinstance(line, m.Row) else []
    at = next((k for k, item in enumerate(items) if _is_change(item)), None)
    relations = [k for k, item in enumerate(items) if item == m.Op("=")]
    if at is None or len(relations) < 2:
        return line
    change, new = items[at].body.items[2], items[relations[1] + 1]
    qid, index = parse_cell(change.ref)
    before = qid.removesuffix("_new")
    layer, _, parameter = before.partition(".")
    grad = f"{layer}.grad_{parameter}"
    operand = next((n for n in m.walk(m.Row(tuple(items[relations[0] + 1:relations[1]])))
                    if isinstance(n, m.Num) and n.ref and n.ref.startswith(grad + "[")), None)
    if operand is None or not isinstance(new, m.Num):
        return line

    def worked(row) -> tuple:
        """(new, change) worked from the printed old, η and g of ``row``, all digits kept."""
        part = m.Row(tuple(row.items[relations[0] + 1:relations[1]]))  # old - η · g
        value, old = evaluate(part), evaluate(row.items[relations[0] + 1])
        if value is None or old is None:
            return None, None
        with localcontext(prec=100):
            return value, value - old

    value, by_hand = worked(line)
    if by_hand is None or reads_as(change, ctx)(by_hand):
        return line
    new_works = reads_as(new, ctx)(value)  # (a float line at --digits 12 may not, as it was)
    shown = significant(operand.text)
    for digits in range(shown + 1, shown + EXTRA + 1):  # g wider, c as printed
        text = ctx.text(ctx.value(grad, index), digits)
        if significant(text) <= shown:
            continue
        trial = with_text(line, operand.ref, text)
        value, by_hand = worked(trial)
        if reads_as(change, ctx)(by_hand) and (reads_as(new, ctx)(value) or not new_works):
            return trial
    true = step(ctx.trace, ctx.value(before, index), ctx.value(qid, index),
                ctx.value(grad, index))
    sign = "+" if change.text.startswith("+") else ""
    _, by_hand = worked(line)
    for digits in range(ctx.digits + 1, ctx.digits + EXTRA + 1):  # c wider
        text = sign + ctx.text(true, digits)
        if reads_as(m.Num(text), ctx)(by_hand):
            items[at] = m.paren(m.row(m.Sym("Δ"), "=", m.Num(text, change.ref, derived=True)))
            return m.Row(tuple(items))
    return line


def _is_change(item) -> bool:
    """Whether ``item`` is an update line's (Δ = c)."""
    return isinstance(item, m.Group) and isinstance(item.body, m.Row) and \
        len(item.body.items) == 3 and item.body.items[0] == m.Sym("Δ") and \
        isinstance(item.body.items[2], m.Num)


def parameters(trace) -> list[tuple[dict, str]]:
    """(layer info, 'weight' | 'bias') for every parameter, in forward order."""
    return [(info, p) for info in trace.layers for p in ("weight", "bias")
            if f"{info['name']}.{p}" in trace]


def update_section(ctx: Context) -> Section:
    rate = m.Num(spec_number(ctx.trace.learning_rate))
    blocks = [Para("update.intro", {"lr": rate}),
              Display([m.row(m.Sym("W", m.Text("new")), "=", m.Sym("W", m.Text("old")), "-",
                             m.Sym("η"), "·", m.partial(m.Sym("L"), m.Sym("W")))])]
    on_lines = set()
    for info, p in parameters(ctx.trace):
        name = info["name"]
        letter = PARAM_SYMBOLS[(info["type"], p)]
        lines = []
        shape = ctx.shape(f"{name}.{p}")
        # a worksheet (and its key) gives no line of a blanked parameter its change: the
        # new value is the one box its answer sheet asks (a Δ box on some lines only would
        # tell, too, which cells the step leaves alone: K_new = 1 - 0.1 · [ ] = [ ])
        blanked = f"{name}.{p}_new" in ctx.blanked
        for index in ctx.pick(shape, ctx.top_cells(f"{name}.grad_{p}"),
                              cap=4 if ctx.compact else 8, asked=ctx.asked(f"{name}.{p}_new")):
            old, new = ctx.value(f"{name}.{p}", index), ctx.value(f"{name}.{p}_new", index)
            ref = cell_ref(f"{name}.{p}_new", index)
            on_lines.add(ref)
            new_num, change = visible(ctx, old, new, ctx.value(f"{name}.grad_{p}", index), ref)
            if blanked:  # the same form on every line (see above)
                change = None
            shown = short_index(index, shape)
            line = [m.sub(letter, *shown, sup=m.Text("new")) if shown else
                    m.Sym(letter, None, m.Text("new")), "=", ctx.num(f"{name}.{p}", index), "-",
                    rate, "·", operand(ctx.num(f"{name}.grad_{p}", index)), "=", new_num]
            if change is not None:
                line += [m.Space(), m.paren(m.row(m.Sym("Δ"), "=", change))]
            lines.append(m.row(*line))
        blocks.append(Display(lines, Para(f"update.{p}", {"layer": name})))
    blocks += comparison(ctx, on_lines)
    return Section("update.title", {}, blocks, anchor="update")


def comparison(ctx: Context, on_lines=frozenset()) -> list:
    """The lecture's 'final comparison': every parameter cell before and after, in a
    table; a tensor with more cells than a table should hold after it, as a whole
    (matrices, or heatmaps when large). A worksheet's blanked cell has its one box on its
    update line, where there is one (``on_lines``), else in the table, without its change
    (which would give it away)."""
    rows, large = [], []
    for info, p in parameters(ctx.trace):
        qid = f"{info['name']}.{p}"
        if int(np.prod(ctx.shape(qid))) > LARGE_CELLS:
            large += ctx.tensor(f"{qid}_new", m.Sym(PARAM_SYMBOLS[(info["type"], p)], None,
                                                   m.Text("new")))
            continue
        for index in np.ndindex(*ctx.shape(qid)):
            old, new = ctx.value(qid, index), ctx.value(f"{qid}_new", index)
            ref = cell_ref(f"{qid}_new", index)
            blanked = hides(ctx.hidden, ref)
            if blanked and ref in on_lines:
                continue
            grad = ctx.value(f"{info['name']}.grad_{p}", index)
            new_num, change = visible(ctx, old, new, grad, ref)
            rows.append([m.Text(cell_ref(qid, index)), ctx.num(qid, index), new_num,
                         m.Text("") if blanked else
                         change or change_num(ctx, step(ctx.trace, old, new, grad), ref)])
    header = [Para("table.parameter"), Para("table.before"), Para("table.after"),
              Para("table.change")]
    table = [Table(header, rows, Para("update.comparison"), style="comparison")] if rows else []
    return table + ([Display(large, Para("update.comparison_large"))] if large else [])


def checks_section(ctx: Context) -> Section:
    trace = ctx.trace
    output = trace.layers[-1]
    y_hat = trace.numbers(f"{output['name']}.out")
    logits = trace.layers[-2]["name"] if len(trace.layers) > 1 else "input"
    lines = []
    items = []
    if output["type"] == "softmax":
        probs = y_hat.reshape(-1, y_hat.shape[-1])[0]
        n = (0,) if trace.batched else ()  # the first sample's
        terms = [ctx.prob(f"{output['name']}.out", n + (k,)) for k in range(probs.size)]
        total = m.Num(_tidy(probs.sum(), ctx), derived=True)
        lines.append(m.row(m.BigOp("∑", m.Sym("k")), cell_sym("y", ("k",), hat=True, n=n), "=",
                           *_summed(ctx, terms, total)))
        items.append(Para(_verdict("check.softmax_sums_to_one", abs(probs.sum() - 1) < 1e-9)))
        grads = trace.numbers(f"{logits}.grad").reshape(-1, probs.size)[0]
        # the numbers are ∂L/∂z_k: ŷ_k − y_k, times 1/N for the mean over a batch of N
        diff = m.paren(m.row(cell_sym("y", ("k",), hat=True, n=n), "-",
                             cell_sym("y", ("k",), n=n)))
        samples = y_hat.shape[0] if trace.batched else 1
        if samples > 1 and trace.conventions["loss_reduction"] == "mean":
            diff = m.row(m.Frac(m.Num("1"), m.Num(str(samples))), diff)
        terms = [operand(ctx.num(f"{logits}.grad", n + (k,))) for k in range(probs.size)]
        total = m.Num(_tidy(grads.sum(), ctx), derived=True)
        lines.append(m.row(m.BigOp("∑", m.Sym("k")), diff, "=", *_summed(ctx, terms, total)))
        items.append(Para(_verdict("check.gradient_sums_to_zero", abs(grads.sum()) < 1e-9)))
    if "loss.after" in trace:
        before, after = trace.numbers("loss.out"), trace.numbers("loss.after")
        digits = telling_digits(ctx, ctx.approx(ctx.value("loss.out")),
                                ctx.approx(ctx.value("loss.after")))
        lines.append(m.row(m.Sym("L", None, m.Text("after")), "=",
                           ctx.num("loss.after", digits=digits),
                           "<" if after < before else "≥", ctx.num("loss.out", digits=digits),
                           "=", m.Sym("L")))
        items.append(Para(_verdict("check.loss_decreased", after < before)))
    return Section("check.title", {}, [Display(lines)] + items, level=1, anchor="checks")


def telling_digits(ctx: Context, before, after) -> int:
    """The fewest digits, at least ``ctx.digits``, that tell two values apart (the loss
    before and after the step); never fewer for a larger ``ctx.digits``."""
    cap = MAX_DIGITS[ctx.trace.mode]
    digits = ctx.digits
    while digits < cap and float(before) != float(after) and \
            same_number(ctx.text(before, digits), ctx.text(after, digits)):
        digits += 1
    return digits


def _summed(ctx: Context, terms: list, total: m.Num) -> list:
    """terms = total when the printed terms add up to the printed total; else ≈ total,
    and where their sum does not read as the total at the document's digits, that sum
    first: (-0.9799) + 0.01554 + ... + 0.08683 = -0.000118 ≈ 0, which a student who adds
    them gets (not where a term is a worksheet's box: the sum would tell it)."""
    numbers = [n for term in terms for n in m.walk(term) if isinstance(n, m.Num)]
    with localcontext(prec=100):  # every digit printed (Decimal's usual 28 made up 3e-33)
        printed = sum((Decimal(n.text.replace("−", "-")) for n in numbers), Decimal(0))
    if printed == Decimal(total.text):
        return [m.joined(terms, "+"), m.Op("="), total]
    if any(n.ref and hides(ctx.hidden, n.ref) for n in numbers) or \
            Decimal(decimal_text(printed, ctx.digits)) == Decimal(total.text):
        return [m.joined(terms, "+"), m.Op("≈"), total]  # 0.99998 + 1.846e-5 ≈ 1
    return [m.joined(terms, "+"), m.Op("="), m.Num(spec_number(str(printed)), derived=True),
            m.Op("≈"), total]


def _verdict(key: str, ok) -> str:
    return f"{key}.{'ok' if ok else 'fail'}"


def _tidy(value: float, ctx: Context) -> str:
    """A sum that should be exactly 0 or 1, shown without float dust."""
    return ctx.const(0.0 if abs(value) < 1e-12 else float(value)).text
