"""Math tree -> LaTeX, dispatched on the node kind like sympy's printers.

``hidden`` holds cell refs (or whole quantity ids) to print as blanks; ``answers``
says whether hidden cells print as marked answers (the key) instead.
"""

from __future__ import annotations

import re

from . import mathtree as m
from .blanks import hides, shown_marks

SYMBOLS = {"η": r"\eta", "∂": r"\partial", "⊙": r"\odot", "·": r"\cdot", "×": r"\times",
           "≈": r"\approx", "−": "-", "∑": r"\sum", "→": r"\to", "⌊": r"\lfloor",
           "⌋": r"\rfloor", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "…": r"\ldots",
           "δ": r"\delta", "σ": r"\sigma", "Σ": r"\Sigma", "∈": r"\in", "⇒": r"\Rightarrow",
           "α": r"\alpha", "λ": r"\lambda", "ε": r"\varepsilon", "ŷ": r"\hat{y}",
           "⋮": r"\vdots", "⋯": r"\cdots", "⊤": r"\top", "Δ": r"\Delta", "<": "<", ">": ">",
           "X̃": r"\tilde{X}", "S̃": r"\tilde{S}"}
_TEXT_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                  "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
                  "<": r"\textless{}", ">": r"\textgreater{}"}
_SCI = re.compile(r"^([-+]?)([0-9.]+)e(-?[0-9]+)$")


def escape_text(text: str) -> str:
    """Plain text made safe for LaTeX: every special character is escaped."""
    return "".join(_TEXT_SPECIALS.get(ch, ch) for ch in text)


def number(text: str) -> str:
    """'-1.846e-5' -> '-1.846 \\times 10^{-5}'."""
    match = _SCI.match(text)
    if match:
        sign, mantissa, power = match.groups()
        return f"{sign}{mantissa} \\times 10^{{{power}}}"
    return text


class LatexPrinter:
    def __init__(self, hidden=frozenset(), answers=False):
        self.hidden, self.answers = hidden, answers

    def print(self, node: m.Node) -> str:
        return getattr(self, f"_print_{type(node).__name__}")(node)

    def _is_hidden(self, ref) -> bool:
        return hides(self.hidden, ref)

    def _print_Num(self, node: m.Num) -> str:
        if self._is_hidden(node.ref):
            return rf"\answer{{{number(node.text)}}}" if self.answers else r"\blank"
        return number(node.text)

    def _print_Sym(self, node: m.Sym) -> str:
        name = SYMBOLS.get(node.name, node.name)
        if node.style == "upright":
            name = rf"\mathrm{{{name}}}"
        elif node.style == "bold":
            name = rf"\mathbf{{{name}}}"
        if node.hat:
            name = rf"\hat{{{name}}}"
        if node.sub is not None:
            name += f"_{{{self.print(node.sub)}}}"
        if node.sup is not None:
            name += f"^{{{self.print(node.sup)}}}"
        return name

    def _print_Op(self, node: m.Op) -> str:
        text = SYMBOLS.get(node.text, escape_text(node.text))
        return text if node.text in (",", ";") else f" {text} "

    def _print_Row(self, node: m.Row) -> str:
        return re.sub(r"  +", " ", "".join(self.print(i) for i in node.items)).strip()

    def _print_Group(self, node: m.Group) -> str:
        if node.for_sign and not self.answers and self._is_hidden(node.body.ref):
            return self.print(node.body)  # a blank must not give its sign away
        left = SYMBOLS.get(node.left, node.left)
        right = SYMBOLS.get(node.right, node.right)
        if any(isinstance(n, (m.Frac, m.Matrix, m.BigOp)) for n in m.walk(node.body)):
            return rf"\left{left} {self.print(node.body)} \right{right}"
        return f"{left}{self.print(node.body)}{right}"

    def _print_Frac(self, node: m.Frac) -> str:
        return rf"\frac{{{self.print(node.num)}}}{{{self.print(node.den)}}}"

    def _print_Power(self, node: m.Power) -> str:
        base = self.print(node.base)
        if isinstance(node.base, (m.Frac, m.Row)) or base.startswith("-"):
            base = rf"\left( {base} \right)"
        elif len(base) > 1 and not isinstance(node.base, m.Sym):
            base = f"{{{base}}}"
        return f"{base}^{{{self.print(node.exp)}}}"

    def _print_Matrix(self, node: m.Matrix) -> str:
        lines = []
        marked = shown_marks(node, self.hidden, self.answers)
        for r, cells in enumerate(node.rows):
            texts = []
            for c, cell in enumerate(cells):
                text = self.print(cell)
                if (r, c) in marked:
                    text = rf"\mk{{{text}}}"
                if (r, c) in node.highlight:
                    text = rf"\hl{{{text}}}"
                elif (r, c) in node.padding:
                    text = rf"\pad{{{text}}}"
                texts.append(text)
            lines.append(" & ".join(texts))
        return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"

    def _print_BigOp(self, node: m.BigOp) -> str:
        out = SYMBOLS.get(node.symbol, rf"\operatorname*{{{node.symbol}}}")
        if node.lower is not None:
            out += f"_{{{self.print(node.lower)}}}"
        if node.upper is not None:
            out += f"^{{{self.print(node.upper)}}}"
        return out + " "

    def _print_Func(self, node: m.Func) -> str:
        known = {"max", "log", "exp", "min"}
        return (rf"\{node.name}" if node.name in known
                else rf"\operatorname{{{escape_text(node.name)}}}")

    def _print_Heatmap(self, node: m.Heatmap) -> str:
        h, w = node.values.shape
        limit = number(f"{node.limit:.3g}")
        return rf"\fbox{{\text{{heatmap {h}$\times${w}, $|x| \leq {limit}$}}}}"

    def _print_Space(self, node: m.Space) -> str:
        return r" \quad "

    def _print_Text(self, node: m.Text) -> str:
        return rf"\text{{{escape_text(node.text)}}}"


def to_latex(node: m.Node, hidden=frozenset(), answers=False) -> str:
    """LaTeX source for a math tree."""
    return LatexPrinter(hidden, answers).print(node)
