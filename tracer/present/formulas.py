"""Presenters of the formula exercises (cross-entropy, one-hot, output size): traces
without layers, made by :mod:`tracer.explain`."""

from __future__ import annotations

from . import mathtree as m
from .context import Context, operand
from .document import Display, Para, Section


def cross_entropy_sections(ctx: Context) -> list[Section]:
    classes = ctx.shape("input.out")[0]
    general = m.row(m.Sym("L"), "=", "-", m.BigOp("∑", m.Sym("k")), m.sub("y", "k"),
                    m.Func("log"), m.sub("p", "k"))
    lines = [general]
    for k in range(classes):
        lines.append(m.row(ctx.num("target.out", (k,)), "·", m.Func("log"),
                           ctx.num("input.out", (k,)), "=", ctx.num("loss.terms", (k,))))
    lines.append(m.row(m.Sym("L"), "=", "-", m.paren(m.joined(
        [operand(ctx.num("loss.terms", (k,))) for k in range(classes)], "+")), "=",
        ctx.num("loss.out")))
    form = ctx.exact_form(ctx.value("loss.out"))
    if form is not None:
        lines.append(m.row(m.Sym("L"), "=", form))
    blocks = [Para("ce.intro"),
              Display([m.row(m.Sym("p", style="bold"), "=", ctx.matrix("input.out")),
                       m.row(m.Sym("y", style="bold"), "=", ctx.matrix("target.out"))]),
              Display(lines, Para("ce.steps"))]
    return [Section("ce.title", {}, blocks, level=1, anchor="cross-entropy")]


def onehot_sections(ctx: Context) -> list[Section]:
    labels = ctx.trace.conventions["labels"]
    index = int(ctx.value("input.out"))
    lines = [m.row(m.Text(label), m.Op("→"), m.Matrix(((tuple(
        (ctx.num("onehot.out", (k,)) if i == index else m.Num(str(int(k == i))))
        for k in range(len(labels))),)))) for i, label in enumerate(labels)]
    blocks = [Para("onehot.intro", {"count": len(labels)}), Display(lines),
              Para("onehot.answer", {"label": labels[index]}),
              Display([m.row(m.Sym("y", style="bold"), "=", ctx.matrix("onehot.out"))])]
    return [Section("onehot.title", {}, blocks, level=1, anchor="onehot")]


def output_size_sections(ctx: Context) -> list[Section]:
    c = ctx.trace.conventions
    conv = c["op"] == "conv"
    general_top = [m.Sym("H", m.Text("in")), "-", m.Sym("F")] + (["+", m.Num("2"), m.Sym("P")]
                                                                   if conv else [])
    general = m.row(m.Sym("H", m.Text("out")), "=",
                    m.Group(m.Frac(m.row(*general_top), m.Sym("S")), "⌊", "⌋"), "+", m.Num("1"))
    top = [m.Num(str(c["size"])), "-", m.Num(str(c["kernel"]))] + (
        ["+", m.Num("2"), "·", m.Num(str(c["padding"]))] if conv else [])
    value = m.row(m.Sym("H", m.Text("out")), "=",
                  m.Group(m.Frac(m.row(*top), m.Num(str(c["stride"]))), "⌊", "⌋"), "+",
                  m.Num("1"), "=", ctx.num("size.out"))
    blocks = [Para(f"size.intro.{c['op']}", {"size": c["size"], "kernel": c["kernel"],
                                            "stride": c["stride"], "padding": c["padding"]}),
              Display([general, value])]
    return [Section("size.title", {}, blocks, level=1, anchor="output-size")]


FORMULAS = {"cross_entropy": cross_entropy_sections, "onehot": onehot_sections,
            "output_size": output_size_sections}
