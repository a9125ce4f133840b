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
                    _near_one_division(ctx, name, n, k) if from_others(ctx, name, n, k) else
                    m.Frac(ctx.num(f"{name}.exp", n + (k,)), ctx.num(f"{name}.sum", n)),
                    "≈", ctx.prob(f"{name}.out", n + (k,))]
            form = ctx.exact_form(ctx.value(f"{name}.out", n + (k,)))
            if form is not None:  # the exact value first: the rounded e^z are no equal of it
                line[2:2] = [form, "≈"]
            probs.append(m.row(*line))
        blocks.append(Display(exps + [total] + probs))
    return layer_section(info, "softmax.title", blocks)


def _near_one_division(ctx: Context, name: str, n: tuple, k: int) -> m.Node:
    """ŷ_k = 1 - (the other classes' e^z) / S for ŷ_k near 1 (Context.near_one): e^z_k / S with
    the two printed alike (1.319×10⁹ / 1.319×10⁹) reads as 1."""
    rest = _other_classes(ctx, f"{name}.exp", n, k)
    return m.row(m.Num("1"), "-", m.Frac(rest[0] if len(rest) == 1 else ctx.sum_of(rest),
                                         ctx.num(f"{name}.sum", n)))


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
    """The loss of each sample from its probabilities; a sample whose loss takes the log of
    a probability float64 holds as 0 (or 1 - ŷ as 0) has it worked from the scores."""
    samples = batch_prefix(ctx)
    mean = ctx.trace.conventions["loss_reduction"] == "mean" and len(samples) > 1
    terms = _softmax_terms if output["type"] == "softmax" else _sigmoid_terms
    general, per_sample, from_scores = terms(ctx, output, samples)
    scale = [m.Frac(m.Num("1"), m.Num(str(len(samples))))] if mean else []
    # several samples: −½[(…) + (…)], the minus and the ½ applying to the whole sum
    total = m.Group(m.joined(per_sample, "+"), "[", "]") if len(per_sample) > 1 \
        else per_sample[0]
    value = m.row(m.Sym("L"), "=", "-", *scale, total, "=", ctx.num("loss.out"))
    form = ctx.exact_form(ctx.value("loss.out"))
    lines = [general, *from_scores, value] + \
        ([m.row(m.Sym("L"), "=", form)] if form is not None else [])
    near = output["type"] == "softmax" and any(
        from_others(ctx, output["name"], n, k) and ctx.value("target.out", n + (k,))
        for n in samples for k in range(output["out_shape"][0]))
    caption = Para(f"loss.from_scores.{output['type']}") if from_scores else None
    return Section("loss.title", {"loss": ctx.trace.conventions["loss"]},
                   [Para(f"loss.{ctx.trace.conventions['loss']}",
                         {"reduction": Para("convention.loss_reduction."
                                            + ctx.trace.conventions["loss_reduction"])}),
                    Display(lines, caption)] + ([Para("loss.near_one")] if near else []),
                   anchor="fwd-loss")


def _softmax_terms(ctx: Context, output: dict, samples: list) -> tuple:
    """L = -sum_k y_k log ŷ_k: (the formula, each sample's bracket, the lines that work
    log ŷ_k = z_k - log S for the samples that need it)."""
    name, classes = output["name"], output["out_shape"][0]
    general = m.row(m.Sym("L"), "=", "-", m.BigOp("∑", m.Sym("k")), m.sub("y", "k"),
                    m.Func("log"), m.sub("y", "k", hat=True))
    per_sample, from_scores = [], []
    for n in samples:
        ys = [operand(ctx.num("target.out", n + (k,))) for k in range(classes)]
        if _log_of_zero(ctx, name, n):
            log_sum = _derived(ctx, ctx.nx.log_sum_exp(ctx.trace.numbers(output["input"])[n]),
                               cell_ref(f"{name}.sum", n))
            from_scores.append(m.row(m.Func("log"), m.Sym("S", None, sample_mark(n)), "≈",
                                     log_sum))
            terms = [m.row(y, "·", m.paren(m.row(ctx.num(output["input"], n + (k,)), "-",
                                                 log_sum))) for k, y in enumerate(ys)]
        else:
            terms = [m.row(y, "·", m.Func("log"), _probability(ctx, name, n, k))
                     for k, y in enumerate(ys)]
        per_sample.append(m.paren(m.joined(terms, "+")))
    if from_scores:
        from_scores.insert(0, m.row(m.Func("log"), m.sub("y", "k", hat=True), "=",
                                    m.sub("z", "k"), "-", m.Func("log"), m.Sym("S")))
    return general, per_sample, from_scores


def _sigmoid_terms(ctx: Context, output: dict, samples: list) -> tuple:
    """L = -sum_k [y_k log ŷ_k + (1 - y_k) log(1 - ŷ_k)], as :func:`_softmax_terms`; a log
    of a probability held as 0 or 1 is worked from the score: log ŷ = -log(1 + e^{-z}),
    log(1 - ŷ) = -log(1 + e^{z})."""
    name = output["name"]
    general = m.row(m.Sym("L"), "=", "-", m.BigOp("∑", m.Sym("k")), m.Group(m.row(
        m.sub("y", "k"), m.Func("log"), m.sub("y", "k", hat=True), "+",
        m.paren(m.row(m.Num("1"), "-", m.sub("y", "k"))), m.Func("log"),
        m.paren(m.row(m.Num("1"), "-", m.sub("y", "k", hat=True)))), "[", "]"))
    per_sample, from_scores = [], []
    for n in samples:
        terms = []
        for k in range(output["out_shape"][0]):
            cell = n + (k,)
            y, y_hat = ctx.num("target.out", cell), ctx.prob(f"{name}.out", cell)
            log_yes = m.row(m.Func("log"), m.paren(y_hat) if "e" in y_hat.text else y_hat)
            log_no = m.row(m.Func("log"), m.paren(m.row(m.Num("1"), "-", y_hat)))
            if _held_as_certain(ctx, f"{name}.out", cell):
                z = ctx.value(output["input"], cell)
                score = ctx.num(output["input"], cell)
                worked = []
                for exponent, value in ((m.row("-", operand(score)), -z), (score, z)):
                    # log(1 + e^{∓z}), hidden with ŷ
                    softplus = _derived(ctx, np.asarray(ctx.nx.softplus(value)).item(),
                                        cell_ref(f"{name}.out", cell))
                    from_scores.append(m.row(m.Func("log"), m.paren(m.row(
                        m.Num("1"), "+", m.Power(m.Sym("e"), exponent))), "≈", softplus))
                    worked.append(m.paren(m.row("-", softplus)))
                log_yes, log_no = worked
            terms.append(m.row(operand(y), "·", log_yes, "+",
                               m.paren(m.row(m.Num("1"), "-", y)), "·", log_no))
        per_sample.append(m.paren(m.joined(terms, "+")))
    if from_scores:
        from_scores[:0] = [
            m.row(m.Func("log"), m.sub("y", "k", hat=True), "=", "-", m.Func("log"), m.paren(
                m.row(m.Num("1"), "+", m.Power(m.Sym("e"), m.row("-", m.sub("z", "k")))))),
            m.row(m.Func("log"), m.paren(m.row(m.Num("1"), "-", m.sub("y", "k", hat=True))),
                  "=", "-", m.Func("log"), m.paren(
                      m.row(m.Num("1"), "+", m.Power(m.Sym("e"), m.sub("z", "k")))))]
    return general, per_sample, from_scores


def _probability(ctx: Context, name: str, n: tuple, k: int) -> m.Node:
    """ŷ_k as the loss takes its log: the cell (bracketed in powers of ten: log(1.846e-5),
    not log 1.846 x 10^-5), or, near 1 (Context.near_one) and counted (y_k not 0), (1 - the
    other probabilities), which keep the digits log ŷ_k needs (log 0.999999998 reads as
    -2.000e-9 where log(1 - 2.061e-9) gives the loss's 2.061e-9)."""
    if ctx.value("target.out", n + (k,)) == 0 or not from_others(ctx, name, n, k):
        cell = ctx.prob(f"{name}.out", n + (k,))
        return m.paren(cell) if "e" in cell.text else cell
    return m.paren(m.row(m.Num("1"), "-", others(ctx, name, n, k)))


def from_others(ctx: Context, name: str, n: tuple, k: int) -> bool:
    """Whether softmax's ŷ_k is worked from the other probabilities: near 1 (Context.near_one),
    with others that are not all 0 (then ŷ_k is 1 and 1 - 1 = 0 is right as printed)."""
    classes = ctx.shape(f"{name}.out")[-1]
    return ctx.near_one(f"{name}.out", n + (k,)) and any(
        ctx.value(f"{name}.out", n + (j,)) != 0 for j in range(classes) if j != k)


def others(ctx: Context, name: str, n: tuple, k: int) -> m.Node:
    """The sum of softmax's probabilities of every class but k (bracketed when more than
    one)."""
    terms = _other_classes(ctx, f"{name}.out", n, k)
    return terms[0] if len(terms) == 1 else m.paren(ctx.sum_of(terms))


def _other_classes(ctx: Context, qid: str, n: tuple, k: int) -> list[m.Num]:
    """The cells of sample ``n``'s every class but k (their e^z, or probabilities)."""
    return [ctx.num(qid, n + (j,)) for j in range(ctx.shape(qid)[-1]) if j != k]


def _log_of_zero(ctx: Context, name: str, n: tuple) -> bool:
    """Whether sample ``n``'s loss takes the log of a probability that float64 holds as 0
    (e^-900 / 1): 'log 0' would read as -inf where the loss is finite."""
    return not ctx.exact and bool((ctx.trace.numbers(f"{name}.out")[n] == 0).any())


def _held_as_certain(ctx: Context, qid: str, cell: tuple) -> bool:
    """Whether a sigmoid probability is held as exactly 0 or 1 in float64 (σ(40) = 1 -
    4e-18 is 1): log ŷ or log(1 - ŷ) would read as log 0; or is near 1 (Context.near_one),
    where 1 - ŷ printed would read far from its value (σ(20): 1 - 0.999999998; exact
    mode too)."""
    return (not ctx.exact and float(ctx.trace.numbers(qid)[cell]) in (0.0, 1.0)) \
        or ctx.near_one(qid, cell)


def _derived(ctx: Context, value, ref: str) -> m.Num:
    """A number worked from the scores for the loss (log S, log(1 + e^z)), hidden with the
    cell ``ref`` it stands in for."""
    return m.Num(ctx.text(value), ref, derived=True)
