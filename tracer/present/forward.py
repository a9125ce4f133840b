"""Forward-pass presenters: one function per layer kind, trace -> Section.

Each expands the cells it shows into the arithmetic that produced them, with every
number tied to its cell, in the lecture's order and depth.
"""

from __future__ import annotations

import numpy as np

from ..numeric import TIE_TOLERANCE, same_number
from . import mathtree as m
from .blanks import hides
from .context import (LINE_EM, MATRIX_SIDE, MAX_DIGITS, Context, cell_ref, operand,
                      short_index)
from .document import Display, Para, Section


def batch_prefix(ctx: Context) -> list[tuple]:
    """(n,) for each sample of a batched trace, () for a single sample."""
    if not ctx.trace.batched:
        return [()]
    return [(n,) for n in range(ctx.shape("input.out")[0])]


def sample_mark(n: tuple) -> m.Node | None:
    """The sample of a batch as a superscript, (1) in z^(1)_0; nothing for one sample."""
    return m.Group(m.Num(str(n[0]))) if n else None


def cell_sym(letter: str, index, hat=False, n: tuple = ()) -> m.Sym:
    """A cell's symbol: Z_{0,1}; in a batch with the sample above it, Z^(1)_{0,1}."""
    return m.sub(letter, *index, hat=hat, sup=sample_mark(n))


def batch_cell(ctx: Context, qid: str, index: tuple) -> tuple[tuple, tuple]:
    """(sample prefix, the index within the sample as a reader writes it) of a cell of
    ``qid``: ((1,), (0, 1)) for (1, 0, 0, 1) of a batch of shape (2, 1, 2, 2)."""
    shape = ctx.shape(qid)
    n = tuple(index[:1]) if ctx.trace.batched else ()
    return n, short_index(tuple(index[len(n):]), shape[len(n):])


LETTERS = {"conv2d": "Z", "relu": "A", "leaky_relu": "A", "sigmoid": "A", "maxpool2d": "P",
           "flatten": "a", "dense": "z"}


# the network's input as the first layer's formulas name it: a dense layer's a, the
# softmax's scores z (explain dense, explain softmax); X otherwise
INPUT_LETTERS = {"dense": "a", "softmax": "z"}


def input_letter(ctx: Context, info: dict) -> str:
    """The letter of a layer's input: named after the layer that produced it (P after a
    max-pool, A after an activation, Z after a convolution; the network's input X, or a
    or z before a dense layer or a softmax)."""
    source = info["input"].split(".")[0]
    for layer in ctx.trace.layers:
        if layer["name"] == source:
            return LETTERS.get(layer["type"], "X")
    return INPUT_LETTERS.get(info["type"], "X")


def counted(key: str, count: int) -> Para:
    """'<key>.one' or '<key>.many' with {count}: English says 1 input, 2 inputs."""
    return Para(f"{key}.{'one' if count == 1 else 'many'}", {"count": count})


def layer_section(info: dict, key: str, blocks: list) -> Section:
    return Section(key, {"layer": info["name"], "input": info["input"]}, blocks,
                   anchor=f"fwd-{info['name']}")


def _telling_maximum(ctx: Context, qid: str, cells: list, top: tuple) -> int:
    """The fewest digits, at least the document's, that print a window's maximum apart
    from every value below it (11 and 10 both read 1×10¹ at --digits 1, a tie the pool
    did not see); values the pool takes as tied with it (in float mode within 1e-12) do
    not count. Where no digits up to the most a value prints to tell them, the document's
    (0.123456700000000000000000000000 would not)."""
    if ctx.exact:  # the pool compares exact values: no tolerance
        lower = [ctx.value(qid, cell) for cell in cells
                 if ctx.value(qid, cell) < ctx.value(qid, top)]
    else:
        high = float(ctx.trace.numbers(qid)[top])
        lower = [ctx.value(qid, cell) for cell in cells
                 if float(ctx.trace.numbers(qid)[cell]) < high - TIE_TOLERANCE * abs(high)]
    def tied(digits: int) -> bool:
        return any(same_number(ctx.text(ctx.value(qid, top), digits), ctx.text(value, digits))
                   for value in lower)
    telling = next((d for d in range(ctx.digits, MAX_DIGITS[ctx.trace.mode] + 1)
                    if not tied(d)), None)
    return ctx.digits if telling is None else telling  # none tells: as the document


# ------------------------------------------------------------------------ conv2d
def conv_window(ctx: Context, info: dict, n: tuple, f: int, i: int, j: int):
    """The products of one output cell: [(channel, [(x node, k node) per kernel row])]."""
    x_id, name = info["input"], info["name"]
    s, p = info["stride"], info["padding"]
    kh, kw = info["kernel"]
    _, height, width = info["in_shape"]
    channels = []
    for c in range(info["in_shape"][0]):
        rows = []
        for h in range(kh):
            pairs = []
            for w in range(kw):
                r, col = i * s + h - p, j * s + w - p
                inside = 0 <= r < height and 0 <= col < width
                x = ctx.num(x_id, n + (c, r, col)) if inside else m.Num("0")
                pairs.append((x, ctx.num(f"{name}.weight", (f, c, h, w))))
            rows.append(pairs)
        channels.append(rows)
    return channels


def padded_matrix(ctx: Context, info: dict, n: tuple, c: int, window=None) -> m.Matrix:
    """Channel c of the layer input, zero border drawn, an optional window highlighted."""
    x_id, p = info["input"], info["padding"]
    _, height, width = info["in_shape"]
    rows, pad, hl = [], set(), set()
    for r in range(height + 2 * p):
        cells = []
        for col in range(width + 2 * p):
            inside = p <= r < p + height and p <= col < p + width
            cells.append(ctx.num(x_id, n + (c, r - p, col - p)) if inside else m.Num("0"))
            if not inside:
                pad.add((r, col))
            if window and window[0] <= r < window[0] + window[2] and \
                    window[1] <= col < window[1] + window[3]:
                hl.add((r, col))
        rows.append(tuple(cells))
    return m.Matrix(tuple(rows), frozenset(hl), frozenset(pad))


def window_matrix(ctx: Context, info: dict, n: tuple, c: int, i: int, j: int) -> m.Matrix:
    """The kh x kw values under the window of output cell (i, j), channel c."""
    s, p = info["stride"], info["padding"]
    kh, kw = info["kernel"]
    _, height, width = info["in_shape"]
    rows = []
    for h in range(kh):
        r = i * s + h - p
        rows.append(tuple(ctx.num(info["input"], n + (c, r, j * s + w - p))
                          if 0 <= r < height and 0 <= j * s + w - p < width else m.Num("0")
                          for w in range(kw)))
    return m.Matrix(tuple(rows), frozenset((h, w) for h in range(kh) for w in range(kw)))


def window_position(info: dict, i: int, j: int) -> m.Node:
    """X_{i·S+h, j·S+w} with the cell's i, j and the stride put in."""
    s = m.Num(str(info["stride"]))
    return m.Sym("X̃" if info["padding"] else "X", m.joined(
        [m.row(m.Num(str(i)), "·", s, "+", m.Sym("h")),
         m.row(m.Num(str(j)), "·", s, "+", m.Sym("w"))], ","))


def conv_cell_expansion(ctx: Context, info: dict, n: tuple, f: int, i: int, j: int) -> m.Node:
    """Z_{i,j} = (x·k + x·k + x·k) + (...) + b = value, the lecture's layout."""
    groups = []
    for rows in conv_window(ctx, info, n, f, i, j):
        for pairs in rows:
            products = [m.row(operand(x), "·", operand(k)) for x, k in pairs]
            groups.append(m.paren(m.joined(products, "+")))
    bias = ctx.num(f"{info['name']}.bias", (f,))
    out = ctx.num(f"{info['name']}.out", n + (f, i, j))
    index = (f, i, j) if info["filters"] > 1 else (i, j)
    return m.row(cell_sym("Z", index, n=n), "=", ctx.sum_of(groups + [operand(bias)]), "=",
                 out)


def conv_formula(info: dict) -> m.Node:
    s, (kh, kw) = info["stride"], info["kernel"]
    many_c, many_f = info["in_shape"][0] > 1, info["filters"] > 1
    pos = (lambda v, o: m.row(m.Sym(v), "·", m.Num(str(s)), "+", m.Sym(o))) if s > 1 else \
        (lambda v, o: m.row(m.Sym(v), "+", m.Sym(o)))
    x_index = ([m.Sym("c")] if many_c else []) + [pos("i", "h"), pos("j", "w")]
    k_index = ([m.Sym("f")] if many_f else []) + ([m.Sym("c")] if many_c else []) + \
        [m.Sym("h"), m.Sym("w")]
    out_index = (["f"] if many_f else []) + ["i", "j"]
    sums = [m.BigOp("∑", m.Sym("c"))] if many_c else []
    sums += [m.BigOp("∑", m.row(m.Sym("h"), "=", m.Num("0")), m.Num(str(kh - 1))),
             m.BigOp("∑", m.row(m.Sym("w"), "=", m.Num("0")), m.Num(str(kw - 1)))]
    x_name = "X̃" if info["padding"] else "X"
    return m.row(m.sub("Z", *out_index), "=", *sums,
                 m.Sym(x_name, m.joined(x_index, ",")), m.Sym("K", m.joined(k_index, ",")),
                 "+", m.sub("b", "f") if many_f else m.Sym("b"))


def conv_forward(ctx: Context, info: dict) -> Section:
    name = info["name"]
    s, p, (kh, kw) = info["stride"], info["padding"], info["kernel"]
    blocks = [Para("conv.intro", {"stride": s, "padding": p, "kh": kh, "kw": kw,
                                  "filters": info["filters"]}),
              Display([conv_formula(info)])]
    letter = input_letter(ctx, info)
    if letter != "X":  # X is this layer's input, not the network's
        blocks.insert(1, Para("conv.input_named", {"source": m.Text(info["input"]),
                                                   "letter": m.Sym(letter), "x": m.Sym("X")}))
    if p:
        blocks.append(Para("conv.padding", {"padding": p}))
        for n in batch_prefix(ctx)[:1]:
            blocks.append(Display([m.row(m.Sym("X̃"), "=", padded_matrix(ctx, info, n, c))
                                   for c in range(info["in_shape"][0])]))
    out_id = f"{name}.out"
    channels = info["in_shape"][0]
    whole = max(info["in_shape"][1:]) + 2 * p <= MATRIX_SIDE
    for n in batch_prefix(ctx):
        shape = ctx.shape(out_id)[len(n):]
        for count, (f, i, j) in enumerate(ctx.pick(shape, ctx.top_cells(out_id, n),
                                                   cap=shape[0],  # each filter
                                                   asked=ctx.asked(out_id, n))):
            window = (i * s, j * s, kh, kw)
            # the whole (padded) input with the window marked; on a big network, where
            # every filter has its cell, that picture once and then just the windows
            if whole and not (ctx.compact and count):
                mats = [padded_matrix(ctx, info, n, c, window) for c in range(channels)]
            else:
                mats = [window_matrix(ctx, info, n, c, i, j) for c in range(channels)]
            kernels = [ctx.matrix(f"{name}.weight", (f, c)) for c in range(channels)]
            pictures = conv_pictures(ctx, mats, kernels) if channels <= 3 else []
            params = {"row": i, "col": j, "filter": f, "sample": n[0] if n else 0,
                      "position": window_position(info, i, j),  # rows and columns of X̃
                      "rows": f"{i * s}–{i * s + kh - 1}", "cols": f"{j * s}–{j * s + kw - 1}",
                      "input": Para("conv.cell.padded" if p else "conv.cell.input")}
            key = "conv.cell_sample" if n else \
                "conv.cell_filter" if info["filters"] > 1 else "conv.cell"  # which filter's
            blocks.append(Display(pictures + [conv_cell_expansion(ctx, info, n, f, i, j)],
                                  Para(key, params)))
    blocks.append(Display(ctx.tensor(out_id, m.Sym("Z"))))
    return layer_section(info, "conv.title", blocks)


def conv_pictures(ctx: Context, mats: list, kernels: list) -> list[m.Node]:
    """'input ⊙ kernel' per channel: on one line, or a line each when that is too wide
    (and '⊙ kernel' below the input when even one is)."""
    pairs = [m.row(x, "⊙", k) for x, k in zip(mats, kernels)]
    if sum(ctx.width(pair) + 1 for pair in pairs) <= LINE_EM:
        return [m.joined(pairs, ";")] if len(pairs) > 1 else pairs
    lines = []
    for pair, x, k in zip(pairs, mats, kernels):
        lines += [pair] if ctx.width(pair) <= LINE_EM else [m.row(x), m.row("⊙", k)]
    return lines


# ------------------------------------------------------------------- activations
def or_zero(ctx: Context, kind: str) -> str:
    """'.or_zero' for the sentences of a ReLU (or leaky ReLU) whose gradient passes at a
    zero input too (relu_grad_at_zero = 1): the mask is 1 where the input was >= 0."""
    at_zero = ctx.trace.conventions.get("relu_grad_at_zero", 0)
    return ".or_zero" if kind in ("relu", "leaky_relu") and int(at_zero) == 1 else ""


def activation_forward(ctx: Context, info: dict) -> Section:
    name, kind = info["name"], info["type"]
    z, a = info["input"], f"{name}.out"
    x = m.Sym(input_letter(ctx, info))  # Z after a convolution, X on the network's input
    if kind == "relu":
        formula = m.row(m.Sym("A"), "=", m.Func("max"), m.paren(m.row(m.Num("0"), ",", x)))
    elif kind == "leaky_relu":
        formula = m.row(m.Sym("A"), "=", m.Func("max"), m.paren(m.row(
            x, ",", ctx.const(info["slope"]), "·", x)))
    else:
        formula = m.row(m.Sym("A"), "=", m.Sym("σ"), m.paren(x), "=",
                        m.Frac(m.Num("1"), m.row(m.Num("1"), "+",
                                                 m.Power(m.Sym("e"), m.row("-", x)))))
    blocks = [Para(f"{kind}.intro"), Display([formula])]
    shape = ctx.shape(a)
    lines = []
    local, letter = (f"{name}.mask", "M") if kind == "relu" else (f"{name}.local_grad", "D")
    for index in ctx.pick(shape, ctx.extreme_cells(z), cap=4 if ctx.compact else 8,
                          asked=ctx.asked(a) + ctx.asked(local)):
        zi = ctx.num(z, index)
        if kind == "relu":
            rhs = m.row(m.Func("max"), m.paren(m.row(m.Num("0"), ",", zi)))
        elif kind == "leaky_relu":  # as the formula: max(z, slope·z), never "A = z = z"
            rhs = m.row(m.Func("max"), m.paren(m.row(
                zi, ",", ctx.const(info["slope"]), "·", operand(zi))))
        else:
            rhs = m.Frac(m.Num("1"),
                         m.row(m.Num("1"), "+", m.Power(m.Sym("e"), m.row("-", operand(zi)))))
        # σ(z) is irrational for every rational z but 0 (σ(0) = 1/2): shown rounded
        rel = "≈" if kind == "sigmoid" and ctx.value(z, index) != 0 else "="
        n, shown = batch_cell(ctx, a, index)
        line = m.row(cell_sym("A", shown, n=n), "=", rhs, rel, ctx.num(a, index))
        # a blanked cell of a mask (or local derivative) drawn as a heatmap: on its line,
        # where a worksheet has a box to fill in
        if ctx.large(local) and hides(ctx.hidden, cell_ref(local, index)):
            derivative = [ctx.num(local, index)]
            if kind == "sigmoid":  # A(1 - A)
                derivative[:0] = [operand(ctx.num(a, index)), "·", m.paren(m.row(
                    m.Num("1"), "-", operand(ctx.num(a, index)))), "≈"]
            line = m.row(line, ";", cell_sym(letter, shown, n=n), "=", *derivative)
        lines.append(line)
    blocks.append(Display(lines))
    blocks.append(Display(ctx.tensor(a, m.Sym("A")) + ctx.tensor(local, m.Sym(letter)),
                          Para(f"{kind}.mask" + (or_zero(ctx, kind) if kind == "relu" else ""))))
    return layer_section(info, f"{kind}.title", blocks)


# ------------------------------------------------------------------------ maxpool
def pool_forward(ctx: Context, info: dict) -> Section:
    name, a_id = info["name"], info["input"]
    size, s = info["size"], info["stride"]
    letter = m.Sym(input_letter(ctx, info))
    formula = m.row(m.sub("P", "i", "j"), "=",
                    m.BigOp("max", m.row(m.Num("0"), "≤", m.Sym("h"), ",", m.Sym("w"), "<",
                                         m.Num(str(size)))),
                    m.Sym(letter.name,
                          m.joined([m.row(m.Sym("i"), "·", m.Num(str(s)), "+", m.Sym("h")),
                                    m.row(m.Sym("j"), "·", m.Num(str(s)), "+", m.Sym("w"))],
                                   ",")))
    blocks = [Para("maxpool2d.intro", {"size": size, "stride": s, "ties": info["ties"]}),
              Display([formula])]
    out_id = f"{name}.out"
    argmax = ctx.trace.numbers(f"{name}.argmax").astype(int)
    ties = ctx.trace.numbers(f"{name}.ties").astype(int)
    for n in batch_prefix(ctx):
        shape = ctx.shape(out_id)[len(n):]
        # a blanked cell of where a maximum sits or of how many tie: its window
        asked = ctx.asked(out_id, n) + ctx.asked(f"{name}.ties", n) + [
            index[:3] for index in ctx.asked(f"{name}.argmax", n)]
        for c, i, j in ctx.pick(shape, ctx.top_cells(out_id, n), cap=4 if ctx.compact else 8,
                                asked=asked):
            cell = n + (c, i, j)
            r0, c0 = argmax[cell]
            where = cell_ref(f"{name}.argmax", cell + (0,))  # hidden with the pool output
            window = {(i * s + h, j * s + w) for h in range(size) for w in range(size)}
            if ctx.large(a_id):  # just the window, its maximum marked
                mat = m.Matrix(tuple(tuple(ctx.num(a_id, n + (c, i * s + h, j * s + w))
                                           for w in range(size)) for h in range(size)),
                               marked=frozenset({((int(r0) - i * s, int(c0) - j * s), where)}))
            else:
                mat = ctx.matrix(a_id, n + (c,), highlight=window, padding=())
                mat = m.Matrix(mat.rows, mat.highlight, mat.padding,
                               frozenset({((int(r0), int(c0)), where)}))
            digits = _telling_maximum(ctx, a_id, [n + (c, r, col) for r, col in window],
                                      n + (c, int(r0), int(c0)))
            values = [ctx.num(a_id, n + (c, r, col), digits) for r, col in sorted(window)]
            index = (c, i, j) if shape[0] > 1 else (i, j)
            line = m.row(cell_sym("P", index, n=n), "=", m.Func("max"),
                         m.paren(m.joined(values, ",")), "=",
                         ctx.num(out_id, n + (c, i, j), digits))
            tied = int(ties[cell])
            where = {"row": ctx.num(f"{name}.argmax", cell + (0,)),
                     "col": ctx.num(f"{name}.argmax", cell + (1,)), "letter": letter}
            key = "maxpool2d.window_tie" if tied > 1 else "maxpool2d.window"
            if hides(ctx.hidden, cell_ref(f"{name}.ties", cell)):  # a box: words that do
                key = "maxpool2d.window_count"  # not tell 1 from several, every window
            if key != "maxpool2d.window":
                where["ties"] = ctx.num(f"{name}.ties", cell)
            if shape[0] > 1:  # which channel's window
                key, where["channel"] = f"{key}_channel", c
            caption = Para(key, where)
            blocks.append(Display([m.row(mat), line], caption))
    blocks.append(Display(ctx.tensor(out_id, m.Sym("P"))))
    return layer_section(info, "maxpool2d.title", blocks)


# ------------------------------------------------------------------------ flatten
def flatten_forward(ctx: Context, info: dict) -> Section:
    name = info["name"]
    in_shape = tuple(info["in_shape"])
    order = info["order"]
    lines = []
    out_shape = ctx.shape(f"{name}.out")
    letter = input_letter(ctx, info)
    samples = batch_prefix(ctx)
    for n in samples[:1] + [n for n in samples[1:] if ctx.asked(f"{name}.out", n)]:
        for (k,) in ctx.pick((out_shape[-1],), asked=ctx.asked(f"{name}.out", n)):
            source = flat_source(in_shape, order, k)
            lines.append(m.row(cell_sym("a", (k,), n=n), "=", cell_sym(letter, source, n=n),
                               "=", ctx.num(f"{name}.out", n + (k,))))
    blocks = [Para("flatten.intro", {"order": order.upper()}), Display(lines),
              Display(ctx.tensor(f"{name}.out", m.Sym("a", style="bold")))]
    return layer_section(info, "flatten.title", blocks)


def flat_position(in_shape: tuple, order: str, index: tuple) -> int:
    """The inverse of :func:`flat_source`: the entry k of the flat vector that cell
    ``index`` (c, i, j) of the flattened tensor becomes."""
    if len(in_shape) == 3 and order == "hwc":
        c, h, w = in_shape
        return int(np.ravel_multi_index((index[1], index[2], index[0]), (h, w, c)))
    return int(np.ravel_multi_index(tuple(index), in_shape))


def flat_source(in_shape: tuple, order: str, k: int) -> tuple:
    """Where element k of the flat vector comes from, as a (c, i, j) index."""
    if len(in_shape) != 3:
        return tuple(int(v) for v in np.unravel_index(k, in_shape))
    c, h, w = in_shape
    if order == "hwc":
        i, j, ch = np.unravel_index(k, (h, w, c))
        return int(ch), int(i), int(j)
    return tuple(int(v) for v in np.unravel_index(k, in_shape))


# ------------------------------------------------------------------------- dense
def dense_forward(ctx: Context, info: dict) -> Section:
    name, a_id = info["name"], info["input"]
    d, k_count = info["inputs"], info["units"]
    formula = m.row(m.sub("z", "k"), "=",
                    m.BigOp("∑", m.row(m.Sym("d"), "=", m.Num("0")), m.Num(str(d - 1))),
                    m.sub("a", "d"), m.sub("W", "d", "k"), "+", m.sub("b", "k"))
    blocks = [Para("dense.intro", {"inputs": d, "units": k_count,
                                   "outputs_text": counted("dense.intro.outputs", k_count),
                                   "inputs_text": counted("dense.intro.inputs", d)}),
              Display([m.row(m.Sym("z", style="bold"), "=", m.Sym("a", style="bold"),
                             m.Sym("W"), "+", m.Sym("b", style="bold")), formula])]
    for n in batch_prefix(ctx):
        lines = []
        for (k,) in ctx.pick((k_count,), asked=ctx.asked(f"{name}.out", n)):
            terms = [m.row(operand(ctx.num(a_id, n + (i,))), "·",
                           operand(ctx.num(f"{name}.weight", (i, k)))) for i in range(d)]
            line = [cell_sym("z", (k,), n=n), "=",
                    ctx.sum_of(terms + [operand(ctx.num(f"{name}.bias", (k,)))]), "=",
                    ctx.num(f"{name}.out", n + (k,))]
            form = ctx.exact_form(ctx.value(f"{name}.out", n + (k,)))
            if form is not None:  # z = ... = 1/3 ≈ 0.3333 (= 28/5 = 5.6 where it ends)
                line[-1:-1] = [form, "=" if ctx.printed_exactly(line[-1]) else "≈"]
            lines.append(m.row(*line))
        blocks.append(Display(lines))
    blocks.append(Display(ctx.tensor(f"{name}.out", m.Sym("z", style="bold"))))
    return layer_section(info, "dense.title", blocks)


# ------------------------------------------------------------------- output + loss
FORWARD = {"conv2d": conv_forward, "relu": activation_forward, "leaky_relu": activation_forward,
           "sigmoid": activation_forward, "maxpool2d": pool_forward,
           "flatten": flatten_forward, "dense": dense_forward}
