"""Exact values as math trees: 28/5, e^{28/5}/(e^{28/5} + e^{-53/10}) (exact mode)."""

from __future__ import annotations

from fractions import Fraction

from . import mathtree as m


def rational(q: Fraction) -> m.Node:
    """An exact value's rational part (its numbers are derived: the trace's own)."""
    if q.denominator == 1:
        return m.Num(str(q.numerator), derived=True)
    frac = m.Frac(m.Num(str(abs(q.numerator)), derived=True),
                  m.Num(str(q.denominator), derived=True))
    return m.row("-", frac) if q < 0 else frac


def _atom_node(atom) -> m.Node:
    """An exact.Atom as a math tree: e^a, log(a), or a (the caller divides by it)."""
    arg = atom.arg
    if atom.kind == "exp":
        return m.Power(m.Sym("e"), rational(arg) if isinstance(arg, Fraction) else real_node(arg))
    inner = rational(arg) if isinstance(arg, Fraction) else real_node(arg)
    if atom.kind == "log":
        return m.row(m.Func("log"), m.paren(inner))
    return inner  # 'inv': the caller puts it in a denominator


def real_node(x) -> m.Node:
    """A Real (sum of coefficient * atoms) as a math tree with fractions for 1/(...)."""
    parts = []
    terms = sorted(x.terms.items(), key=lambda mc: mc[0] == ())
    for i, (mono, coef) in enumerate(terms):
        top = [_atom_node(a) for a, p in mono for _ in range(p) if p > 0 and a.kind != "inv"]
        bottom = ([_atom_node(a) for a, p in mono for _ in range(-p) if p < 0] +
                  [_atom_node(a) for a, p in mono for _ in range(p) if p > 0 and a.kind == "inv"])
        magnitude = abs(coef)
        factors = top if (magnitude == 1 and top) else [rational(magnitude)] + top
        node = factors[0] if len(factors) == 1 else m.Row(tuple(factors))
        if bottom:
            den = bottom[0] if len(bottom) == 1 else m.Row(tuple(bottom))
            node = m.Frac(node, den)
        if coef < 0:
            parts += [m.Op("-"), node]
        else:
            parts += ([m.Op("+")] if i else []) + [node]
    return m.Row(tuple(parts))
