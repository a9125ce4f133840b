"""The handout's opening: conventions, the architecture table with the output-size
formulas applied, and the parameters and input as matrices."""

from __future__ import annotations

from ..numeric import spec_number
from . import mathtree as m
from .context import Context
from .document import Display, Para, Section, Table
from .forward import LETTERS, input_letter

# each convention and the layer types it applies to (None: every training pass)
CONVENTION_KEYS = (("convolution", {"conv2d"}), ("pool_ties", {"maxpool2d"}),
                   ("relu_grad_at_zero", {"relu", "leaky_relu"}), ("loss_reduction", None),
                   ("flatten_order", {"flatten"}))


def conventions(trace) -> list[tuple[str, object]]:
    """(message key, value) pairs for the conventions box: those of the layers present."""
    conv, types = trace.conventions_ran, {info["type"] for info in trace.layers}
    train = conv.get("pass", "train") == "train"
    items = [(f"convention.{key}", Para(f"convention.{key}.{conv[key]}"))
             for key, applies in CONVENTION_KEYS if (train if applies is None else applies & types)]
    if not train:
        return [("convention.pass", Para(f"pass.{conv['pass']}"))] + items
    rate = m.Num(spec_number(trace.learning_rate))
    items.append(("convention.learning_rate", m.row(m.Sym("η"), "=", rate)))
    items.append(("convention.arithmetic", Para(f"convention.arithmetic.{trace.mode}")))
    return items


def _dims(shape: list) -> tuple:
    """(depth, height, width) as the lecture's table shows them: a vector of n values has
    depth n (after a dense layer, its number of outputs)."""
    if len(shape) == 3:
        return tuple(shape)
    return (shape[0], 1, 1)


def architecture_section(ctx: Context) -> Section:
    trace = ctx.trace
    if all(len(info["in_shape"]) == len(info["out_shape"]) == 1 for info in trace.layers):
        return _vector_architecture(trace)
    header = [Para(f"arch.{key}") for key in ("op", "depth", "height", "width",
                                              "filter_height", "filter_width")]
    rows = [[Para("op.input"), *map(str, _dims(trace.layers[0]["in_shape"])), "", ""]]
    formulas = []
    for info in trace.layers:
        kh = kw = ""
        if info["type"] == "conv2d":
            kh, kw = info["kernel"]
        elif info["type"] == "maxpool2d":
            kh = kw = info["size"]
        rows.append([Para(f"op.{info['type']}", {"layer": info["name"]}),
                     *map(str, _dims(info["out_shape"])), str(kh), str(kw)])
        if info["type"] in ("conv2d", "maxpool2d"):
            formulas += size_formulas(info)
    blocks = [Table(header, rows, style="architecture")]
    if formulas:
        blocks.append(Display(formulas, Para("arch.formula", {"conv": _general_size(True),
                                                              "pool": _general_size(False)})))
    return Section("arch.title", {}, blocks, level=1, anchor="architecture")


def _vector_architecture(trace) -> Section:
    """The table of a network on a vector (softmax or dense on their own): lengths."""
    rows = [[Para("op.input"), str(trace.layers[0]["in_shape"][0])]]
    rows += [[Para(f"op.{info['type']}", {"layer": info["name"]}), str(info["out_shape"][0])]
             for info in trace.layers]
    table = Table([Para("arch.op"), Para("arch.length")], rows, style="architecture")
    return Section("arch.title", {}, [table], level=1, anchor="architecture")


def _general_size(conv: bool) -> m.Node:
    """H_out = ⌊(H - F + 2P) / S⌋ + 1 (pooling: no padding), as the sentence over the
    numbers states it."""
    top = [m.Sym("H"), "-", m.Sym("F")] + (["+", m.Num("2"), m.Sym("P")] if conv else [])
    return m.row(m.Sym("H", m.Text("out")), "=",
                 m.Group(m.row(m.paren(m.row(*top)), "/", m.Sym("S")), "⌊", "⌋"), "+", m.Num("1"))


def size_formulas(info: dict) -> list[m.Node]:
    """H_out = floor((H - F + 2P) / S) + 1 with the numbers put in (and W_out)."""
    lines = []
    conv = info["type"] == "conv2d"
    pad = info.get("padding", 0)
    stride = info["stride"]
    for axis, name in ((1, "H"), (2, "W")):
        size = info["kernel"][axis - 1] if conv else info["size"]
        n_in, n_out = info["in_shape"][axis], info["out_shape"][axis]
        top = [m.Num(str(n_in)), "-", m.Num(str(size))]
        if conv:
            top += ["+", m.Num("2"), "·", m.Num(str(pad))]
        lines.append(m.row(m.Sym(name, m.Text("out")), "=",
                           m.Group(m.Frac(m.row(*top), m.Num(str(stride))), "⌊", "⌋"),
                           "+", m.Num("1"), "=", m.Num(str(n_out)),
                           m.Text(f"   ({info['name']})")))
    return lines


def parameters_section(ctx: Context) -> Section:
    trace = ctx.trace
    letter = input_letter(ctx, trace.layers[0]) if trace.layers else "X"
    symbol = m.Sym(letter, style="italic" if letter == "X" else "bold")  # a vector: bold a, z
    blocks = [Para("params.input", {"symbol": symbol}),
              Display(ctx.tensor("input.out", symbol))]
    for info in trace.layers:
        name = info["name"]
        if info["type"] in ("conv2d", "dense"):
            conv = info["type"] == "conv2d"
            kernel, key = ("K", "params.conv") if conv else ("W", "params.dense")
            bias = ctx.tensor(f"{name}.bias", m.Sym("b", style="bold"))  # a long one wraps
            blocks.append(Display(ctx.tensor(f"{name}.weight", m.Sym(kernel)) + bias,
                                  Para(key, {"layer": name})))
    if "target.out" in trace:
        blocks.append(Display(ctx.tensor("target.out", m.Sym("y", style="bold")),
                              Para(target_key(trace))))
    elif trace.conventions.get("pass") == "backward":
        last = trace.layers[-1]
        # the letter the layer's own formulas use for its output (Z for a convolution)
        output = m.sub("y", hat=True) if last["type"] == "softmax" else \
            m.Sym(LETTERS.get(last["type"], "Y"))
        blocks.append(Display(ctx.tensor(f"{last['name']}.grad", m.partial(m.Sym("L"), output)),
                              Para("params.grad_out", {"layer": last["name"], "output": output})))
    return Section("params.title", {}, blocks, level=1, anchor="parameters")


def target_key(trace) -> str:
    """The sentence over the target: one-hot for softmax; a sigmoid output's target is
    the label itself, 0 or 1 per output (not one-hot); a batch has a row per sample."""
    binary = trace.layers and trace.layers[-1]["type"] == "sigmoid"
    return "params.target" + (".binary" if binary else "") + (".batch" if trace.batched else "")
