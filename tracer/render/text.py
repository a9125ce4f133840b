"""Document -> plain text for the terminal (Unicode math on one line per formula)."""

from __future__ import annotations

import re
import textwrap
import unicodedata

from ..present import mathtree as m
from ..present.blanks import hides, shown_marks
from ..present.document import Document, Para, Section
from ..present.handout import worksheet_document
from . import assets

_SCI = re.compile(r"^([-+]?)([0-9.]+)e(-?[0-9]+)$")
_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
RELATIONS = {"=", "≈", "≤", "≥", "≠", "<", ">", "→"}


class TextMathPrinter:
    def __init__(self, hidden=frozenset(), answers=False):
        self.hidden, self.answers = hidden, answers

    def print(self, node: m.Node) -> str:
        return getattr(self, f"_print_{type(node).__name__}")(node)

    def _is_hidden(self, ref) -> bool:
        return hides(self.hidden, ref)

    def _print_Num(self, node: m.Num) -> str:
        match = _SCI.match(node.text)
        text = node.text
        if match:
            sign, mantissa, power = match.groups()
            text = f"{sign}{mantissa}×10{power.translate(_SUPERSCRIPT)}"
        text = text.replace("-", "−")
        if self._is_hidden(node.ref):
            return f"[{text}]" if self.answers else "[____]"
        return text

    def _print_Sym(self, node: m.Sym) -> str:
        out = node.name + ("\u0302" if node.hat else "")
        if node.sup is not None:
            out += "^" + self._wrap(self.print(node.sup))
        if node.sub is not None:
            out += "_" + self._wrap(self.print(node.sub))
        return out

    @staticmethod
    def _wrap(text: str) -> str:
        return text if re.fullmatch(r"[\w.]+", text) else "{" + text + "}"

    def _print_Op(self, node: m.Op) -> str:
        text = node.text.replace("-", "−")
        return text + " " if node.text in (",", ";") else f" {text} "

    def _print_Row(self, node: m.Row) -> str:
        return re.sub(r"  +", " ", "".join(self.print(i) for i in node.items)).strip()

    def _print_Group(self, node: m.Group) -> str:
        if node.for_sign and not self.answers and self._is_hidden(node.body.ref):
            return self.print(node.body)  # a blank must not give its sign away
        return f"{node.left}{self.print(node.body)}{node.right}"

    def _print_Frac(self, node: m.Frac) -> str:
        num, den = self.print(node.num), self.print(node.den)
        simple = re.compile(r"[\w.−]+")
        return (f"{num if simple.fullmatch(num) else f'({num})'}/"
                f"{den if simple.fullmatch(den) else f'({den})'}")

    def _print_Power(self, node: m.Power) -> str:
        base = self.print(node.base)
        if not re.fullmatch(r"\w+", base) and not isinstance(node.base, m.Group):
            base = f"({base})"
        return f"{base}^{self._wrap(self.print(node.exp))}"

    def _print_Matrix(self, node: m.Matrix) -> str:
        rows = []
        marked = shown_marks(node, self.hidden, self.answers)
        for r, cells in enumerate(node.rows):
            texts = []
            for c, cell in enumerate(cells):
                text = self.print(cell)
                if (r, c) in marked:
                    text = f"*{text}*"
                elif (r, c) in node.highlight:
                    text = f"<{text}>"
                texts.append(text)
            rows.append(" ".join(texts))
        return "[" + "; ".join(rows) + "]"

    def _print_BigOp(self, node: m.BigOp) -> str:
        out = node.symbol
        if node.lower is not None:
            out += "_" + self._wrap(self.print(node.lower))
        if node.upper is not None:
            out += "^" + self._wrap(self.print(node.upper))
        return out + " "

    def _print_Func(self, node: m.Func) -> str:
        return node.name + " "

    def _print_Heatmap(self, node: m.Heatmap) -> str:
        h, w = node.values.shape
        return f"[heatmap {h}×{w}, |x| ≤ {node.limit:.3g}]"

    def _print_Space(self, node: m.Space) -> str:
        return "   "

    def _print_Text(self, node: m.Text) -> str:
        return node.text


def render_text(document: Document, lang: str = "en", view: str = "worked",
                hidden=frozenset(), width: int = 100) -> str:
    """The document for a terminal; formulas one per line, matrices as [a b; c d]
    (<x> marks a window, *x* its maximum), blanks as [____]."""
    if view in ("worksheet", "key"):
        document = worksheet_document(document, hidden)
    printer = TextMathPrinter(frozenset(hidden) if view in ("worksheet", "key") else frozenset(),
                              answers=view == "key")

    def message(key: str, params: dict) -> str:
        return assets.fill(lang, key, params, str, show)

    def show(value) -> str:
        if isinstance(value, (Para, Section)):
            return message(value.key, value.params)
        if isinstance(value, m.Node):
            return printer.print(value)
        return "" if value is None else str(value)

    title = document.title or message(document.subtitle, {})
    lines = [title, "=" * display_width(title), message(document.subtitle, {})]
    if view == "worksheet":
        lines += [message("doc.worksheet", {}),
                  f"{message('doc.name', {})}: ____________________   "
                  f"{message('doc.date', {})}: __________"]
    elif view == "key":
        lines.append(message("doc.key", {}))
    for key, value in document.conventions:
        lines.append(f"  {message(key, {})}: {show(value)}")
    for section in document.sections:
        heading = message(section.key, section.params)
        lines += ["", heading, ("=" if section.level == 1 else "-") * display_width(heading)]
        for block in section.blocks:
            if block.kind == "para":
                lines += textwrap.wrap(show(block), width)
            elif block.kind == "display":
                if block.caption:
                    lines += textwrap.wrap(show(block.caption), width)
                lines += [f"    {show(line)}" for line in block.lines]
            else:
                lines.append("    " + " | ".join(show(cell) for cell in block.header))
                lines += ["    " + " | ".join(show(cell) for cell in row)
                          for row in block.rows]
    return "\n".join(lines) + "\n"


def display_width(text: str) -> int:
    """Terminal columns: wide and fullwidth characters (Hangul, CJK) take two, combining
    marks none (so a Korean heading's underline, or a table column, lines up)."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)
