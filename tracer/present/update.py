"""The SGD update, the before/after comparison and the checks a careful reader does."""

from __future__ import annotations

import math

import numpy as np

from . import mathtree as m
from .context import LARGE_CELLS, Context, cell_ref, operand, short_index
from .document import Display, Para, Section, Table

PARAM_SYMBOLS = {("conv2d", "weight"): "K", ("conv2d", "bias"): "b",
                 ("dense", "weight"): "W", ("dense", "bias"): "b"}
MAX_DIGITS = {"float": 15, "exact": 30}


def visible(ctx: Context, old, new, index_ref: str) -> tuple[m.Num, m.Num | None]:
    """The new value with enough digits to differ from the old one, and the change
    itself when the usual digits would hide it (1 -> 1.0000055, change 5.537e-6)."""
    new_text, old_text = ctx.text(new), ctx.text(old)
    if new_text != old_text or ctx.trace.numbers(index_ref) == float(old):
        return m.Num(new_text, index_ref), None
    change = new - old
    old_f, change_f = abs(float(old)), abs(float(change))
    extra = math.floor(math.log10(old_f)) - math.floor(math.log10(change_f)) if old_f else 0
    digits = min(ctx.digits + max(extra, 0), MAX_DIGITS[ctx.trace.mode])
    return m.Num(ctx.text(new, digits), index_ref), change_num(ctx, change, index_ref)


def change_num(ctx: Context, change, index_ref: str) -> m.Num:
    """A parameter's change, signed as a change is: +1.846e-6, -2.03e-5, 0."""
    sign = "+" if float(change) > 0 else ""
    return m.Num(sign + ctx.text(change), index_ref, derived=True)


def parameters(trace) -> list[tuple[dict, str]]:
    """(layer info, 'weight' | 'bias') for every parameter, in forward order."""
    return [(info, p) for info in trace.layers for p in ("weight", "bias")
            if f"{info['name']}.{p}" in trace]


def update_section(ctx: Context) -> Section:
    rate = m.Num(ctx.trace.learning_rate)
    blocks = [Para("update.intro", {"lr": rate}),
              Display([m.row(m.Sym("W", m.Text("new")), "=", m.Sym("W", m.Text("old")), "-",
                             m.Sym("η"), "·", m.partial(m.Sym("L"), m.Sym("W")))])]
    for info, p in parameters(ctx.trace):
        name = info["name"]
        letter = PARAM_SYMBOLS[(info["type"], p)]
        lines = []
        shape = ctx.shape(f"{name}.{p}")
        for index in ctx.pick(shape, ctx.top_cells(f"{name}.grad_{p}"),
                              cap=4 if ctx.compact else 8):
            old, new = ctx.value(f"{name}.{p}", index), ctx.value(f"{name}.{p}_new", index)
            new_num, change = visible(ctx, old, new, cell_ref(f"{name}.{p}_new", index))
            shown = short_index(index, shape)
            line = [m.sub(letter, *shown, sup=m.Text("new")) if shown else
                    m.Sym(letter, None, m.Text("new")), "=", ctx.num(f"{name}.{p}", index), "-",
                    rate, "·", operand(ctx.num(f"{name}.grad_{p}", index)), "=", new_num]
            if change is not None:
                line += [m.Space(), m.paren(m.row(m.Sym("Δ"), "=", change))]
            lines.append(m.row(*line))
        blocks.append(Display(lines, Para(f"update.{p}", {"layer": name})))
    blocks += comparison(ctx)
    return Section("update.title", {}, blocks, anchor="update")


def comparison(ctx: Context) -> list:
    """The lecture's 'final comparison': every parameter cell before and after, in a
    table; a tensor with more cells than a table should hold after it, as a whole
    (matrices, or heatmaps when large)."""
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
            new_num, change = visible(ctx, old, new, ref)
            rows.append([m.Text(cell_ref(qid, index)), ctx.num(qid, index), new_num,
                         change or change_num(ctx, new - old, ref)])
    header = [Para("table.parameter"), Para("table.before"), Para("table.after"),
              Para("table.change")]
    table = Table(header, rows, Para("update.comparison"), style="comparison")
    return [table] + ([Display(large, Para("update.comparison_large"))] if large else [])


def checks_section(ctx: Context) -> Section:
    trace = ctx.trace
    output = trace.layers[-1]
    y_hat = trace.numbers(f"{output['name']}.out")
    logits = trace.layers[-2]["name"] if len(trace.layers) > 1 else "input"
    lines = []
    items = []
    if output["type"] == "softmax":
        probs = y_hat.reshape(-1, y_hat.shape[-1])[0]
        n = (0,) if trace.batched else ()
        lines.append(m.row(m.BigOp("∑", m.Sym("k")), m.sub("y", "k", hat=True), "=",
                           m.joined([ctx.prob(f"{output['name']}.out", n + (k,))
                                     for k in range(probs.size)], "+"),
                           "=", m.Num(_tidy(probs.sum(), ctx), derived=True)))
        items.append(Para(_verdict("check.softmax_sums_to_one", abs(probs.sum() - 1) < 1e-9)))
        grads = trace.numbers(f"{logits}.grad").reshape(-1, probs.size)[0]
        lines.append(m.row(m.BigOp("∑", m.Sym("k")), m.paren(m.row(m.sub("y", "k", hat=True),
                                                                   "-", m.sub("y", "k"))), "=",
                           m.joined([operand(ctx.num(f"{logits}.grad", n + (k,)))
                                     for k in range(probs.size)], "+"),
                           "=", m.Num(_tidy(grads.sum(), ctx), derived=True)))
        items.append(Para(_verdict("check.gradient_sums_to_zero", abs(grads.sum()) < 1e-9)))
    if "loss.after" in trace:
        before, after = trace.numbers("loss.out"), trace.numbers("loss.after")
        shown_after, _ = visible(ctx, ctx.approx(ctx.value("loss.out")),
                                 ctx.approx(ctx.value("loss.after")), "loss.after")
        digits = max(ctx.digits, len(shown_after.text.split("e")[0].replace(".", "").lstrip("-0")))
        lines.append(m.row(m.Sym("L", None, m.Text("after")), "=", shown_after,
                           "<" if after < before else "≥", ctx.num("loss.out", digits=digits),
                           "=", m.Sym("L")))
        items.append(Para(_verdict("check.loss_decreased", after < before)))
    return Section("check.title", {}, [Display(lines)] + items, level=1, anchor="checks")


def _verdict(key: str, ok) -> str:
    return f"{key}.{'ok' if ok else 'fail'}"


def _tidy(value: float, ctx: Context) -> str:
    """A sum that should be exactly 0 or 1, shown without float dust."""
    return ctx.const(0.0 if abs(value) < 1e-12 else float(value)).text
