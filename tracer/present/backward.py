"""Backward-pass presenters, in the lecture's order: output gradient, dense, flatten,
max-pool routing, activation mask, convolution. Each shows its formula, then the
substituted numbers for the cells it expands."""

from __future__ import annotations

import math

import numpy as np

from . import mathtree as m
from .blanks import hides
from .context import EXTRA, Context, cell_ref, named_slice, operand
from .document import Display, Para, Section
from .output import from_others, others
from .forward import (batch_cell, batch_prefix, cell_sym, flat_position, flat_source,
                      input_letter, or_zero)


def d(of: m.Node) -> m.Frac:
    """∂L/∂(of)."""
    return m.partial(m.Sym("L"), of)


def _section(info: dict, key: str, blocks: list) -> Section:
    return Section(key, {"layer": info["name"], "input": info["input"]}, blocks,
                   anchor=f"bwd-{info['name']}")


def output_backward(ctx: Context, output: dict, logits: dict) -> Section:
    """dL/dz = (y_hat - y) * scale, fused softmax/sigmoid + cross-entropy."""
    grad_id = f"{logits['name']}.grad"
    samples = batch_prefix(ctx)
    mean = ctx.trace.conventions["loss_reduction"] == "mean" and len(samples) > 1
    scale = [m.Frac(m.Num("1"), m.Num(str(len(samples))))] if mean else []
    general = m.row(d(m.sub("z", "k")), "=", *scale,
                    m.paren(m.row(m.sub("y", "k", hat=True), "-", m.sub("y", "k")))
                    if scale else m.row(m.sub("y", "k", hat=True), "-", m.sub("y", "k")))
    lines = [general]
    classes = output["out_shape"][0]
    for n in samples:
        for k in range(classes):
            diff = m.row(ctx.prob(f"{output['name']}.out", n + (k,)), "-",
                         operand(ctx.num("target.out", n + (k,))))
            worked = _near_one_difference(ctx, output, logits, n, k, scale) \
                if _one_minus_near_one(ctx, output, n + (k,)) else \
                [*scale, m.paren(diff) if scale else diff]
            line = [d(cell_sym("z", (k,), n=n)), "=", *worked, "=", ctx.num(grad_id, n + (k,))]
            form = ctx.exact_form(ctx.value(grad_id, n + (k,)))
            if form is not None:  # the exact value first: the rounded ŷ_k are no equal of it
                line[2:2] = [form, "≈"]
            lines.append(m.row(*line))
    title = "output.backward.title" + (".sigmoid" if output["type"] == "sigmoid" else "")
    return Section(title, {"layer": output["name"]},
                   [Para(f"output.backward.{output['type']}"), Display(lines)],
                   anchor="bwd-output")


def _one_minus_near_one(ctx: Context, output: dict, cell: tuple) -> bool:
    """Whether dL/dz_k = ŷ_k - 1 with ŷ_k near 1 (Context.near_one): 0.999999998 - 1 would read
    -2.000e-9 for the -2.061e-9 it is."""
    if ctx.value("target.out", cell) != 1:
        return False
    if output["type"] == "softmax":
        return from_others(ctx, output["name"], cell[:-1], cell[-1])
    return ctx.near_one(f"{output['name']}.out", cell)


def _near_one_difference(ctx: Context, output: dict, logits: dict, n: tuple, k: int,
                         scale: list) -> list:
    """ŷ_k - 1 = -(the other probabilities) (softmax) or -1/(1 + e^z) (sigmoid), whose
    printed numbers keep the digits of the difference."""
    diff = m.row(cell_sym("y", (k,), hat=True, n=n), "-", m.Num("1"))
    if output["type"] == "softmax":
        rest = others(ctx, output["name"], n, k)
    else:
        score = ctx.num(f"{logits['name']}.out", n + (k,))
        rest = m.Frac(m.Num("1"), m.row(m.Num("1"), "+", m.Power(m.Sym("e"), score)))
    negated = m.row("-", rest if isinstance(rest, (m.Group, m.Frac)) else m.paren(rest))
    return [*scale, m.paren(diff) if scale else diff, "=", *scale,
            m.paren(negated) if scale else negated]


def dense_backward(ctx: Context, info: dict) -> Section:
    name, a_id = info["name"], info["input"]
    grad = f"{name}.grad"
    samples = batch_prefix(ctx)
    sum_n = [m.BigOp("∑", m.Sym("n"))] if len(samples) > 1 else []
    formulas = [m.row(d(m.sub("W", "d", "k")), "=", *sum_n, m.sub("a", "d"), d(m.sub("z", "k"))),
                m.row(d(m.sub("b", "k")), "=", *sum_n, d(m.sub("z", "k"))),
                m.row(d(m.sub("a", "d")), "=", m.BigOp("∑", m.Sym("k")), d(m.sub("z", "k")),
                      m.sub("W", "d", "k"))]
    blocks = [Para("dense.backward.intro"), Display(formulas)]
    lines = []
    for dd, k in ctx.pick((info["inputs"], info["units"]),
                          [(int(abs(ctx.trace.numbers(f"{name}.grad_weight")[:, k]).argmax()), k)
                           for k in range(info["units"])],
                          asked=ctx.asked(f"{name}.grad_weight")):
        terms = [m.row(operand(ctx.num(a_id, n + (dd,))), "·", operand(ctx.num(grad, n + (k,))))
                 for n in samples]
        lines.append(m.row(d(m.sub("W", dd, k)), "=", ctx.sum_of(terms), "=",
                           ctx.num(f"{name}.grad_weight", (dd, k))))
    blocks.append(Display(lines + ctx.tensor(f"{name}.grad_weight", d(m.Sym("W")))))
    lines = []
    for (k,) in ctx.pick((info["units"],), asked=ctx.asked(f"{name}.grad_bias")):
        terms = [ctx.num(grad, n + (k,)) for n in samples]
        rhs = [ctx.sum_of([operand(t) for t in terms]), "="] if len(terms) > 1 else []
        lines.append(m.row(d(m.sub("b", k)), "=", *rhs, ctx.num(f"{name}.grad_bias", (k,))))
    blocks.append(Display(lines + ctx.tensor(f"{name}.grad_bias", d(m.Sym("b", style="bold")))))
    if f"{a_id.split('.')[0]}.grad" in ctx.trace:
        lines = []
        source = f"{a_id.split('.')[0]}.grad"
        for n in samples[:1] + [n for n in samples[1:] if ctx.asked(source, n)]:
            for (dd,) in ctx.pick((info["inputs"],), asked=ctx.asked(source, n)):
                terms = [m.row(operand(ctx.num(grad, n + (k,))), "·",
                               operand(ctx.num(f"{name}.weight", (dd, k))))
                         for k in range(info["units"])]
                lines.append(m.row(d(cell_sym("a", (dd,), n=n)), "=", ctx.sum_of(terms), "=",
                                   ctx.num(f"{a_id.split('.')[0]}.grad", n + (dd,))))
        blocks.append(Display(lines + ctx.tensor(f"{a_id.split('.')[0]}.grad",
                                                 d(m.Sym("a", style="bold")))))
    return _section(info, "dense.backward.title", blocks)


def flatten_backward(ctx: Context, info: dict) -> Section:
    name = info["name"]
    source = info["input"].split(".")[0]
    letter = input_letter(ctx, info)  # named after the layer before: P after a max-pool
    in_shape, order = tuple(info["in_shape"]), info["order"]
    lines = []
    samples = batch_prefix(ctx)
    for n in samples[:1] + [n for n in samples[1:] if ctx.asked(f"{source}.grad", n)]:
        asked = [(flat_position(in_shape, order, index),)
                 for index in ctx.asked(f"{source}.grad", n)]  # a blanked cell of dL/dP
        for (k,) in ctx.pick((ctx.shape(f"{name}.grad")[-1],), asked=asked):
            index = flat_source(in_shape, order, k)
            lines.append(m.row(d(cell_sym(letter, index, n=n)), "=",
                               d(cell_sym("a", (k,), n=n)), "=",
                               ctx.num(f"{source}.grad", n + index)))
    blocks = [Para("flatten.backward.intro"), Display(lines),
              Display(ctx.tensor(f"{source}.grad", d(m.Sym(letter))))]
    return _section(info, "flatten.backward.title", blocks)


def pool_routes(ctx: Context, info: dict, n: tuple) -> dict[tuple, list[tuple]]:
    """Where the pool's gradient goes: input cell (c, r, col) -> the output cells (c, i, j)
    whose windows send it their gradient (the window's first maximum; with ties="all"
    every tied one, found as the layer finds them). Overlapping windows can send several."""
    name, size, s = info["name"], info["size"], info["stride"]
    argmax = ctx.trace.numbers(f"{name}.argmax").astype(int)
    ties = ctx.trace.numbers(f"{name}.ties").astype(int)
    values = ctx.trace.quantity(info["input"]).value
    routes: dict[tuple, list[tuple]] = {}
    for c, i, j in np.ndindex(*ctx.shape(f"{name}.out")[len(n):]):
        cells = [tuple(int(v) for v in argmax[n + (c, i, j)])]
        if info["ties"] == "all" and ties[n + (c, i, j)] > 1:
            window = [(i * s + h, j * s + w) for h in range(size) for w in range(size)]
            _, is_max = ctx.nx.maxima(np.array([values[n + (c,) + rc] for rc in window],
                                               dtype=values.dtype))
            cells = [rc for rc, top in zip(window, is_max) if top]
        for r, col in cells:
            routes.setdefault((c, r, col), []).append((c, i, j))
    return routes


def pool_backward(ctx: Context, info: dict) -> Section:
    """One line per input cell that receives gradient: the sum of what its windows send."""
    name = info["name"]
    source = info["input"].split(".")[0]
    letter = input_letter(ctx, info)  # A after a ReLU
    every = {n: pool_routes(ctx, info, n) for n in batch_prefix(ctx)}
    blocks = [Para(f"maxpool2d.backward.{info['ties']}")]
    if any(len(outs) > 1 for routes in every.values() for outs in routes.values()):
        blocks.append(Para("maxpool2d.backward.sum"))  # overlapping windows
    for n, routes in every.items():
        shape = ctx.shape(f"{name}.out")[len(n):]
        asked = ctx.asked(f"{source}.grad", n)  # blanked cells of dL/dA: the windows
        shown = ctx.pick(shape, ctx.top_cells(f"{name}.grad", n),  # that send to them
                         asked=ctx.asked(f"{name}.grad", n) + [
                             out for cell in asked for out in routes.get(cell, [])])
        cells = [cell for out in shown for cell, outs in routes.items() if out in outs]
        lines = []
        for c, r, col in dict.fromkeys(cells):
            outs = routes[(c, r, col)]
            index = (c, r, col) if shape[0] > 1 else (r, col)
            grads = [d(cell_sym("P", o if shape[0] > 1 else o[1:], n=n)) for o in outs]
            values = [ctx.num(f"{name}.grad", n + o) for o in outs]
            if len(outs) == 1:  # a blanked dL/dA cell is the box, else the value it copies
                result = cell_ref(f"{source}.grad", n + (c, r, col))
                value = ctx.num(f"{source}.grad", n + (c, r, col)) \
                    if hides(ctx.hidden, result) else values[0]
                lines.append(m.row(d(cell_sym(letter, index, n=n)), "=", grads[0], "=", value))
            else:
                lines.append(m.row(d(cell_sym(letter, index, n=n)), "=", m.joined(grads, "+"), "=",
                                   ctx.sum_of([operand(v) for v in values]), "=",
                                   ctx.num(f"{source}.grad", n + (c, r, col))))
        for cell in asked:  # no window's maximum: it is sent nothing
            if cell not in routes:
                index = cell if shape[0] > 1 else cell[1:]
                lines.append(m.row(d(cell_sym(letter, index, n=n)), "=",
                                   ctx.num(f"{source}.grad", n + cell)))
        blocks.append(Display(lines))
        if ctx.large(f"{source}.grad"):
            continue
        # each window's maximum, marked with the window's argmax (one channel only)
        marked = frozenset(((r, col), cell_ref(f"{name}.argmax", n + out + (0,)))
                           for (_, r, col), outs in routes.items() for out in outs
                           if shape[0] == 1)
        prefixes = [n + (c,) for c in range(shape[0])]
        for prefix in prefixes:
            mat = ctx.matrix(f"{source}.grad", prefix)
            mat = m.Matrix(mat.rows, mat.highlight, mat.padding, marked)
            label = m.Sym(letter) if len(every) * len(prefixes) == 1 else \
                named_slice(m.Sym(letter), m.joined([m.Num(str(i)) for i in prefix], ","))
            blocks.append(Display([m.row(d(label), "=", mat)]))
    if ctx.large(f"{source}.grad"):
        blocks.append(Display(ctx.tensor(f"{source}.grad", d(m.Sym(letter)))))
    return _section(info, "maxpool2d.backward.title", blocks)


def activation_backward(ctx: Context, info: dict) -> Section:
    name, kind = info["name"], info["type"]
    source = info["input"].split(".")[0]
    local = f"{name}.mask" if kind == "relu" else f"{name}.local_grad"
    letter = "M" if kind == "relu" else "D"
    before = input_letter(ctx, info)  # Z after a convolution
    general = m.row(d(m.Sym(before)), "=", d(m.Sym("A")), "⊙", m.Sym(letter))
    lines = [general]
    if ctx.large(f"{name}.grad"):
        result = f"{source}.grad"
        cells = ctx.asked(result)  # a blanked cell, worked out; of a whole blanked
        if result in ctx.hidden:  # tensor a few cells, for the boxes a sheet asks
            cells = ctx.pick(ctx.shape(result), ctx.top_cells(f"{name}.grad"),
                             cap=4 if ctx.compact else 8, asked=cells)
        for index in cells:
            n, shown = batch_cell(ctx, f"{source}.grad", index)
            lines.append(m.row(d(cell_sym(before, shown, n=n)), "=",
                               operand(ctx.num(f"{name}.grad", index)), "·",
                               operand(ctx.num(local, index)), "=",
                               ctx.num(f"{source}.grad", index)))
        lines += ctx.tensor(f"{source}.grad", d(m.Sym(before)))
    else:
        slices = ctx.slices(f"{name}.grad")
        for prefix in slices:
            label = m.Sym(before) if len(slices) == 1 else \
                named_slice(m.Sym(before), m.joined([m.Num(str(i)) for i in prefix], ","))
            lines.append(m.row(d(label), "=", ctx.matrix(f"{name}.grad", prefix), "⊙",
                               ctx.matrix(local, prefix), "=",
                               ctx.matrix(f"{source}.grad", prefix)))
    return _section(info, f"{kind}.backward.title",
                    [Para(f"{kind}.backward.intro" + or_zero(ctx, kind),
                          {"at_zero": ctx.trace.conventions["relu_grad_at_zero"]}),
                     Display(lines)])


def conv_backward(ctx: Context, info: dict) -> Section:
    name, x_id = info["name"], info["input"]
    s, p, (kh, kw) = info["stride"], info["padding"], info["kernel"]
    channels, filters = info["in_shape"][0], info["filters"]
    grad = f"{name}.grad"
    samples = batch_prefix(ctx)
    out_h, out_w = info["out_shape"][1:]
    over_i_j = m.BigOp("∑", m.row(m.Sym("i"), ",", m.Sym("j")))
    row_of = m.row(m.Sym("i"), "·", m.Num(str(s)), "+", m.Sym("h"))
    col_of = m.row(m.Sym("j"), "·", m.Num(str(s)), "+", m.Sym("w"))
    formulas = [
        m.row(d(m.sub("K", "f", "c", "h", "w")), "=", over_i_j, d(m.sub("Z", "f", "i", "j")),
              m.Sym("X̃" if p else "X", m.joined([m.Sym("c"), row_of, col_of], ","))),
        m.row(d(m.sub("b", "f")), "=", over_i_j, d(m.sub("Z", "f", "i", "j")))]
    blocks = [Para("conv.backward.intro"), Display(formulas)]

    lines = []
    for f, c, h, w in ctx.pick((filters, channels, kh, kw), ctx.top_cells(f"{name}.grad_weight"),
                               asked=ctx.asked(f"{name}.grad_weight")):
        terms = []
        for n in samples:
            for i in range(out_h):
                for j in range(out_w):
                    r, col = i * s + h - p, j * s + w - p
                    if 0 <= r < info["in_shape"][1] and 0 <= col < info["in_shape"][2]:
                        terms.append(m.row(operand(ctx.num(grad, n + (f, i, j))), "·",
                                           operand(ctx.num(x_id, n + (c, r, col)))))
        index = (f, c, h, w) if channels > 1 or filters > 1 else (h, w)
        lines.append(m.row(d(m.sub("K", *index)), "=", ctx.sum_of(terms) if terms else m.Num("0"),
                           "=", ctx.num(f"{name}.grad_weight", (f, c, h, w))))
    blocks.append(Display(lines + ctx.tensor(f"{name}.grad_weight", d(m.Sym("K")))))

    lines = []
    for f in range(filters):
        terms = [operand(ctx.num(grad, n + (f, i, j))) for n in samples
                 for i in range(out_h) for j in range(out_w)]
        lines.append(m.row(d(m.sub("b", f) if filters > 1 else m.Sym("b")), "=",
                           ctx.sum_of(terms), "=", ctx.num(f"{name}.grad_bias", (f,))))
    blocks.append(Display(lines))

    source = x_id.split(".")[0]
    if f"{source}.grad" in ctx.trace:
        blocks.append(Para("conv.backward.input"))
        lines = []
        for n in samples[:1] + [n for n in samples[1:] if ctx.asked(f"{source}.grad", n)]:
            for c, r, col in ctx.pick(tuple(info["in_shape"]), ctx.top_cells(f"{source}.grad", n),
                                      asked=ctx.asked(f"{source}.grad", n)):
                terms = []
                for f in range(filters):
                    for i in range(out_h):
                        for j in range(out_w):
                            h, w = r + p - i * s, col + p - j * s
                            if 0 <= h < kh and 0 <= w < kw:
                                weight = ctx.num(f"{name}.weight", (f, c, h, w))
                                terms.append(m.row(operand(ctx.num(grad, n + (f, i, j))), "·",
                                                   operand(weight)))
                index = (c, r, col) if channels > 1 else (r, col)
                lines.append(m.row(d(cell_sym("X", index, n=n)), "=",
                                   ctx.sum_of(terms) if terms else m.Num("0"), "=",
                                   ctx.num(f"{source}.grad", n + (c, r, col))))
        blocks.append(Display(lines + ctx.tensor(f"{source}.grad", d(m.Sym("X")))))
    return _section(info, "conv.backward.title", blocks)


def digits_lost(a, b) -> int:
    """The digits b needs beyond the document's so that a - b keeps them: the places a - b
    starts below b (1 - 0.94267 = 0.05733: 1) and one more to round with; 0 where none.
    (A line holds through its cells' digits, :mod:`.holding`, and b is no cell.)"""
    a, b = float(a), float(b)
    if a == b or b == 0 or not (math.isfinite(a) and math.isfinite(b)):
        return 0
    below = math.floor(math.log10(abs(b))) - math.floor(math.log10(abs(a - b)))
    return below + 1 if below > 0 else 0


def softmax_backward(ctx: Context, info: dict) -> Section:
    """A given gradient through softmax: dz_k = y_hat_k (g_k - sum_j g_j y_hat_j)."""
    name = info["name"]
    source = info["input"].split(".")[0]
    general = m.row(d(m.sub("z", "k")), "=", m.sub("y", "k", hat=True),
                    m.paren(m.row(d(m.sub("y", "k", hat=True)), "-",
                                  m.BigOp("∑", m.Sym("j")), d(m.sub("y", "j", hat=True)),
                                  m.sub("y", "j", hat=True))))
    blocks = [Para("softmax.backward.intro"), Display([general])]
    for n in batch_prefix(ctx):
        classes = ctx.shape(f"{name}.grad")[-1]
        given = [ctx.value(f"{name}.grad", n + (j,)) for j in range(classes)]
        total = sum(g * ctx.value(f"{name}.out", n + (j,)) for j, g in enumerate(given))
        blanked = bool(ctx.blanked & {f"{name}.out", f"{name}.grad"})
        # the sum's digits (and its terms'), enough for each g_k minus it below
        wide = ctx.digits if blanked else \
            ctx.digits + min(max(digits_lost(g, total) for g in given), EXTRA)
        dot = m.joined([m.row(operand(ctx.num(f"{name}.grad", n + (j,))), "·",
                              ctx.num(f"{name}.out", n + (j,), wide)) for j in range(classes)],
                       "+")
        y_j = cell_sym("y", ("j",), hat=True, n=n)  # ŷ⁽ⁿ⁾_j in a batch
        sum_line = m.row(m.BigOp("∑", m.Sym("j")), d(y_j), y_j, "=", dot)
        if blanked:  # its value would tell a blank
            lines, weighted = [sum_line], m.paren(dot)
        else:  # its value, shown once and used below (as an update's change is)
            weighted = ctx.const(total, wide)
            lines, weighted = [m.row(sum_line, "=", weighted)], operand(weighted)
        for k in range(classes):
            lines.append(m.row(d(cell_sym("z", (k,), n=n)), "=",
                               ctx.num(f"{name}.out", n + (k,)), "·",
                               m.paren(m.row(ctx.num(f"{name}.grad", n + (k,)), "-", weighted)),
                               "=", ctx.num(f"{source}.grad", n + (k,))))
        blocks.append(Display(lines))
    return _section(info, "softmax.backward.title", blocks)


BACKWARD = {"softmax": softmax_backward, "conv2d": conv_backward, "relu": activation_backward,
            "leaky_relu": activation_backward, "sigmoid": activation_backward,
            "maxpool2d": pool_backward, "flatten": flatten_backward, "dense": dense_backward}
