"""The SGD update, the before/after comparison and the checks a careful reader does."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from ..numeric import same_number, spec_number
from . import mathtree as m
from .blanks import hides
from .context import LARGE_CELLS, MAX_DIGITS, Context, cell_ref, operand, short_index
from .document import Display, Para, Section, Table
from .forward import cell_sym

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
                           m.joined(terms, "+"), _relation(terms, total), total))
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
        lines.append(m.row(m.BigOp("∑", m.Sym("k")), diff, "=", m.joined(terms, "+"),
                           _relation(terms, total), total))
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


def _relation(terms: list, total: m.Num) -> str:
    """'=' when the printed terms add up to the printed total, else '≈': three rounded
    probabilities rarely sum to exactly 1 (0.2447 + 0.6652 + 0.09003 = 0.99993)."""
    printed = [Decimal(n.text.replace("−", "-")) for term in terms for n in m.walk(term)
               if isinstance(n, m.Num)]
    return "=" if sum(printed, Decimal(0)) == Decimal(total.text) else "≈"


def _verdict(key: str, ok) -> str:
    return f"{key}.{'ok' if ok else 'fail'}"


def _tidy(value: float, ctx: Context) -> str:
    """A sum that should be exactly 0 or 1, shown without float dust."""
    return ctx.const(0.0 if abs(value) < 1e-12 else float(value)).text
