"""The output layer and the loss: softmax or sigmoid probabilities, cross-entropy."""

from __future__ import annotations

import numpy as np

from . import mathtree as m
from .context import Context, cell_ref, operand
from .document import Display, Para, Section
from .forward import batch_prefix, cell_sym, layer_section, sample_mark


def softmax_forward(ctx: Context, info: dict) -> Section:
    name, z_id = info["name"], info["input"]
    formula = m.row(m.sub("y", "k", hat=True), "=",
                    m.Frac(m.Power(m.Sym("e"), m.sub("z", "k")),
                           m.row(m.BigOp("∑", m.Sym("j")), m.Power(m.Sym("e"), m.sub("z", "j")))))
    blocks = [Para("softmax.intro"), Display([formula])]
    classes = info["out_shape"][0]
    for n in batch_prefix(ctx):
        if not ctx.exact and _out_of_float_range(ctx, name, n):
            blocks.append(stable_softmax(ctx, info, n))
            continue
        exps = []
        for k in range(classes):
            line = [m.Power(m.Sym("e"), ctx.num(z_id, n + (k,))), "≈",
                    ctx.num(f"{name}.exp", n + (k,))]
            exps.append(m.row(*line))
        total = m.row(m.Sym("S", None, sample_mark(n)), "=",
                      m.joined([ctx.num(f"{name}.exp", n + (k,)) for k in range(classes)], "+"),
                      "≈", ctx.num(f"{name}.sum", n))
        probs = []
        for k in range(classes):
            line = [cell_sym("y", (k,), hat=True, n=n), "=",
                    m.Frac(ctx.num(f"{name}.exp", n + (k,)), ctx.num(f"{name}.sum", n)),
                    "≈", ctx.prob(f"{name}.out", n + (k,))]
            form = ctx.exact_form(ctx.value(f"{name}.out", n + (k,)))
            if form is not None:
                line[3:3] = ["=", form]
            probs.append(m.row(*line))
        blocks.append(Display(exps + [total] + probs))
    return layer_section(info, "softmax.title", blocks)


def _out_of_float_range(ctx: Context, name: str, n: tuple) -> bool:
    """Whether sample ``n``'s softmax cannot be written with the trace's own e^z: their sum
    overflows or underflows in float64, or an e^z underflows below a probability that
    does not (e^-960 is 0, and 0 / 3.061e-278 ≈ 3.904e-140 would not read as arithmetic).
    Otherwise the trace's e^z and sum are shown, as the worksheet and the checker ask."""
    exps, total = ctx.trace.numbers(f"{name}.exp")[n], ctx.trace.numbers(f"{name}.sum")[n]
    probs = ctx.trace.numbers(f"{name}.out")[n]
    return not 0 < total < np.inf or \
        ((exps < np.finfo(np.float64).tiny) & (probs > 0)).any()


def stable_softmax(ctx: Context, info: dict, n: tuple) -> Display:
    """Softmax when an e^z overflows or underflows in floating point: the largest
    score m is subtracted first, ŷ_k = e^(z_k − m) / ∑_j e^(z_j − m); e^(−m) cancels.
    The shifted exps and their sum stand for the trace's exp and sum cells (hidden with
    them), which hold inf or 0."""
    name, z_id = info["name"], info["input"]
    z = ctx.trace.numbers(z_id)[n]
    top = int(z.argmax())
    shifted = ctx.nx.exp(z - z[top])
    m_num = ctx.num(z_id, n + (top,))
    exps = [m.Num(ctx.text(v), cell_ref(f"{name}.exp", n + (k,)), derived=True)
            for k, v in enumerate(shifted)]
    total = m.Num(ctx.text(shifted.sum()), cell_ref(f"{name}.sum", n), derived=True)
    lines = [m.row(m.sub("y", "k", hat=True), "=", m.Frac(
        m.Power(m.Sym("e"), m.row(m.sub("z", "k"), "-", m.Sym("m"))),
        m.row(m.BigOp("∑", m.Sym("j")), m.Power(m.Sym("e"), m.row(m.sub("z", "j"), "-",
                                                                  m.Sym("m"))))))]
    for k, e_k in enumerate(exps):
        power = m.Power(m.Sym("e"), m.row(ctx.num(z_id, n + (k,)), "-", operand(m_num)))
        lines.append(m.row(power, "≈", e_k))
    lines.append(m.row(m.Sym("S̃", None, sample_mark(n)), "=", m.joined(exps, "+"), "≈", total))
    lines += [m.row(cell_sym("y", (k,), hat=True, n=n), "=", m.Frac(e_k, total), "≈",
                    ctx.prob(f"{name}.out", n + (k,))) for k, e_k in enumerate(exps)]
    return Display(lines, Para("softmax.stable", {"max": m_num}))


def sigmoid_output_forward(ctx: Context, info: dict) -> Section:
    name, z_id = info["name"], info["input"]
    formula = m.row(m.sub("y", "k", hat=True), "=", m.Frac(m.Num("1"), m.row(
        m.Num("1"), "+", m.Power(m.Sym("e"), m.row("-", m.sub("z", "k"))))))
    blocks = [Para("sigmoid_out.intro"), Display([formula])]
    for n in batch_prefix(ctx):
        lines = []
        for k in range(info["out_shape"][0]):
            exponent = m.row("-", operand(ctx.num(z_id, n + (k,))))
            lines.append(m.row(cell_sym("y", (k,), hat=True, n=n), "=", m.Frac(m.Num("1"), m.row(
                m.Num("1"), "+", m.Power(m.Sym("e"), exponent))),
                "≈", ctx.prob(f"{name}.out", n + (k,))))
        blocks.append(Display(lines))
    return layer_section(info, "sigmoid_out.title", blocks)


def loss_forward(ctx: Context, output: dict) -> Section:
    name = output["name"]
    samples = batch_prefix(ctx)
    mean = ctx.trace.conventions["loss_reduction"] == "mean" and len(samples) > 1
    from_scores = []  # log S of each sample whose loss is worked from the scores
    if output["type"] == "softmax":
        general = m.row(m.Sym("L"), "=", "-", m.BigOp("∑", m.Sym("k")), m.sub("y", "k"),
                        m.Func("log"), m.sub("y", "k", hat=True))
        per_sample = []
        for n in samples:
            if _log_of_zero(ctx, name, n):
                log_sum = _log_sum(ctx, output, n)
                from_scores.append(m.row(m.Func("log"), m.Sym("S", None, sample_mark(n)),
                                         "≈", log_sum))
                terms = [m.row(operand(ctx.num("target.out", n + (k,))), "·", m.paren(
                    m.row(ctx.num(output["input"], n + (k,)), "-", log_sum)))
                    for k in range(output["out_shape"][0])]
            else:
                terms = [m.row(operand(ctx.num("target.out", n + (k,))), "·", m.Func("log"),
                               ctx.prob(f"{name}.out", n + (k,)))
                         for k in range(output["out_shape"][0])]
            per_sample.append(m.paren(m.joined(terms, "+")))
    else:
        general = m.row(m.Sym("L"), "=", "-", m.BigOp("∑", m.Sym("k")), m.Group(m.row(
            m.sub("y", "k"), m.Func("log"), m.sub("y", "k", hat=True), "+",
            m.paren(m.row(m.Num("1"), "-", m.sub("y", "k"))), m.Func("log"),
            m.paren(m.row(m.Num("1"), "-", m.sub("y", "k", hat=True)))), "[", "]"))
        per_sample = []
        for n in samples:
            terms = []
            for k in range(output["out_shape"][0]):
                y, y_hat = ctx.num("target.out", n + (k,)), ctx.prob(f"{name}.out", n + (k,))
                terms.append(m.row(operand(y), "·", m.Func("log"), y_hat, "+",
                                   m.paren(m.row(m.Num("1"), "-", y)), "·", m.Func("log"),
                                   m.paren(m.row(m.Num("1"), "-", y_hat))))
            per_sample.append(m.paren(m.joined(terms, "+")))
    scale = [m.Frac(m.Num("1"), m.Num(str(len(samples))))] if mean else []
    # several samples: −½[(…) + (…)], the minus and the ½ applying to the whole sum
    total = m.Group(m.joined(per_sample, "+"), "[", "]") if len(per_sample) > 1 \
        else per_sample[0]
    value = m.row(m.Sym("L"), "=", "-", *scale, total, "=", ctx.num("loss.out"))
    form = ctx.exact_form(ctx.value("loss.out"))
    if from_scores:
        from_scores.insert(0, m.row(m.Func("log"), m.sub("y", "k", hat=True), "=",
                                    m.sub("z", "k"), "-", m.Func("log"), m.Sym("S")))
    lines = [general, *from_scores, value] + \
        ([m.row(m.Sym("L"), "=", form)] if form is not None else [])
    return Section("loss.title", {"loss": ctx.trace.conventions["loss"]},
                   [Para(f"loss.{ctx.trace.conventions['loss']}",
                         {"reduction": Para("convention.loss_reduction."
                                            + ctx.trace.conventions["loss_reduction"])}),
                    Display(lines, Para("loss.from_scores") if from_scores else None)],
                   anchor="fwd-loss")


def _log_of_zero(ctx: Context, name: str, n: tuple) -> bool:
    """Whether sample ``n``'s loss takes the log of a probability that float64 holds as 0
    (e^-900 / 1): 'log 0' would read as -inf where the loss is finite."""
    if ctx.exact:
        return False
    probs = ctx.trace.numbers(f"{name}.out")[n]
    return bool(((probs == 0) & (ctx.trace.numbers("target.out")[n] != 0)).any())


def _log_sum(ctx: Context, output: dict, n: tuple) -> m.Num:
    """log S = log sum_j e^{z_j} of sample ``n``, worked stably from the scores (S itself
    may overflow); shown with, and hidden with, the sum's cell."""
    z = ctx.trace.numbers(output["input"])[n]
    return m.Num(ctx.text(ctx.nx.log_sum_exp(z)), cell_ref(f"{output['name']}.sum", n),
                 derived=True)
