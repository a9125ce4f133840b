"""Math tree -> HTML with CSS typesetting (fractions, matrices, limits), no JavaScript.

Formulas stay text, so numbers can be found in the PDF and selected in a browser;
every piece of text is escaped. Few elements per formula (spacing is done with
Unicode spaces, not boxes): the PDF layout time grows with the number of boxes.
Blanks and answers follow the same ``hidden`` rule as the LaTeX printer.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..present import mathtree as m
from ..present.blanks import hides, shown_marks
from ..present.widths import width_em
from .assets import plain
from .png import heatmap_uri, scale_uri

_SCI = re.compile(r"^([-+]?)([0-9.]+)e([-+]?[0-9]+)$")
RELATIONS = {"=", "≈", "≤", "≥", "≠", "⇒", "→", "∈", "<", ">"}
PUNCTUATION = {",", ";", ":"}
THIN, MEDIUM = "\u2009", "\u2005"  # TeX's \, and \; around operators and relations
PRECOMPOSED_HAT = {"y": "ŷ", "Y": "Ŷ", "a": "â", "x": "x̂"}
SCALE_PX = 36  # the colour scale under a heatmap
FIT_EM = 42.0  # a matrix wider than this (in em) is set smaller: the text column is ~44 em


def _units(node: m.Row) -> list | None:
    """The 'name = matrix' (or heatmap) units of a line of slices joined by ';', or None
    when the row is anything else."""
    units, items = [], node.items
    if len(items) < 3 or len(items) % 2 == 0:
        return None
    for k, item in enumerate(items):
        if k % 2:
            if not (isinstance(item, m.Op) and item.text == ";"):
                return None
        elif not (isinstance(item, m.Row) and len(item.items) == 3
                  and isinstance(item.items[1], m.Op) and item.items[1].text == "="
                  and isinstance(item.items[2], (m.Matrix, m.Heatmap))):
            return None
        else:
            units.append(item)
    return units


def _minus(text: str) -> str:
    return text.replace("-", "−")


def _is_sign(items: tuple, k: int) -> bool:
    """Whether items[k] is a sign (+ or - first in a row, or after a relation), not an
    operation between two terms."""
    item = items[k]
    if not (isinstance(item, m.Op) and item.text in ("-", "−", "+")):
        return False
    return k == 0 or (isinstance(items[k - 1], m.Op) and items[k - 1].text in RELATIONS)


class HtmlMathPrinter:
    """``marks`` (ref -> MarkView) shows a marked answer sheet: the student's number in
    place of the trace's, coloured by verdict, the expected value and the diagnosis
    beside a wrong one (``describe`` turns a mistake name into words). ``given`` (the
    ids of the given quantities) on a marked sheet: every other number the student did
    not write is the trace's own result and is shown as such. ``lang`` words the text a
    formula carries (a heatmap's alt text)."""

    def __init__(self, hidden=frozenset(), answers=False, marks=None, describe=str,
                 given=None, lang: str = "en"):
        self.hidden, self.answers = hidden, answers
        self.marks, self.describe, self.given = marks or {}, describe, given
        self.lang = lang

    def print(self, node: m.Node) -> str:
        return getattr(self, f"_print_{type(node).__name__}")(node)

    def _is_hidden(self, ref) -> bool:
        return hides(self.hidden, ref)

    @staticmethod
    def _number(text: str) -> str:
        match = _SCI.match(text)
        if match:
            sign, mantissa, power = match.groups()
            power = str(int(power))  # a student's -3.5e-05 as 10⁻⁵, not 10⁻⁰⁵
            return f"{_minus(sign)}{escape(mantissa)}×10<sup>{escape(_minus(power))}</sup>"
        return str(escape(_minus(text)))

    def _print_Num(self, node: m.Num) -> str:
        if node.ref in self.marks and not node.derived:
            return self._marked(node, self.marks[node.ref])
        ref = f' data-ref="{escape(node.ref)}"' if node.ref else ""
        if self._is_hidden(node.ref):
            if self.answers:
                return f'<span class="answer"{ref}>{self._number(node.text)}</span>'
            return f'<span class="blank"{ref}></span>'
        if self._from_trace(node):
            return f'<span class="trace"{ref}>{self._number(node.text)}</span>'
        return self._number(node.text)

    def _from_trace(self, node: m.Num) -> bool:
        """On a marked sheet: a result the student did not write (the trace's own)."""
        if self.given is None:
            return False
        return node.derived or (node.ref is not None
                                and node.ref.split("[")[0] not in self.given)

    def _marked(self, node: m.Num, mark) -> str:
        ref = f' data-ref="{escape(node.ref)}"'
        given = self._number(mark.given) if mark.given else "?"
        out = f'<span class="mark {mark.verdict}"{ref}>{given}</span>'
        if mark.verdict in ("wrong", "missing") and mark.expected:
            # a blank's number is worked on from the student's own numbers where they differ
            label = "mark.yours" if mark.own else "mark.expected.note"
            note = f"{escape(plain(self.lang, label))} {self._number(mark.expected)}"
            if mark.yours:  # what the line's own numbers, the student's, come to
                note += f"; {escape(plain(self.lang, 'mark.yours'))} {self._number(mark.yours)}"
            if mark.mistake:
                note += f"; {escape(self.describe(mark.mistake))}"
            out += f'<span class="expected">{note}</span>'
            return f'<span class="w">{out}</span>'  # the note stays beside its number
        return out

    def _print_Sym(self, node: m.Sym) -> str:
        name = str(escape(node.name))
        if node.hat:
            name = PRECOMPOSED_HAT.get(node.name, name + "\u0302")
        tag = {"italic": "i", "upright": "", "bold": "b"}[node.style]
        out = f"<{tag}>{name}</{tag}>" if tag else name
        if node.sup is not None:
            out += f"<sup>{self.print(node.sup)}</sup>"
        if node.sub is not None:
            out += f"<sub>{self.print(node.sub)}</sub>"
        return out

    def _print_Op(self, node: m.Op) -> str:
        text = str(escape(_minus(node.text)))
        if node.text in RELATIONS:
            return f"{MEDIUM}{text}{MEDIUM}"
        if node.text in PUNCTUATION:
            return f"{text}{THIN}"
        return f"{THIN}{text}{THIN}"

    def _print_Row(self, node: m.Row) -> str:
        units = _units(node)
        if units is not None:
            return self._print_units(units)
        return "".join(self._sign(i) if _is_sign(node.items, k) else self.print(i)
                       for k, i in enumerate(node.items))

    def _sign(self, node: m.Op) -> str:
        """A leading sign, set close to its number: −53/10, not the ' − ' of a difference."""
        return str(escape(_minus(node.text)))

    def _print_units(self, units: list) -> str:
        """Slices side by side ('K(0) = …; K(1) = …'), each kept whole: a line breaks only
        between them. Heatmaps become tiles, the name above the picture."""
        if all(isinstance(unit.items[2], m.Heatmap) for unit in units):
            tiles = "".join(f'<span class="tile"><span class="tile-name">'
                            f'{self.print(unit.items[0])}</span>{self.print(unit.items[2])}'
                            f'</span>' for unit in units)
            return f'<span class="tiles">{tiles}</span>'
        return f";{MEDIUM}".join(f'<span class="unit">{self.print(unit)}</span>'
                                 for unit in units)

    def _print_Group(self, node: m.Group) -> str:
        if node.for_sign and not self.answers and not self.marks and \
                self._is_hidden(node.body.ref):
            return self.print(node.body)  # a blank must not give its sign away
        body = self.print(node.body)
        left, right = escape(node.left), escape(node.right)
        if any(isinstance(n, (m.Frac, m.Matrix, m.BigOp)) for n in m.walk(node.body)):
            return f'<span class="tall">{left}</span>{body}<span class="tall">{right}</span>'
        return f"{left}{body}{right}"

    def _print_Frac(self, node: m.Frac) -> str:
        return (f'<span class="frac"><span class="num">{self.print(node.num)}</span>'
                f'<span class="den">{self.print(node.den)}</span></span>')

    def _print_Power(self, node: m.Power) -> str:
        base = self.print(node.base)
        if isinstance(node.base, m.Frac):  # (∂L/∂W)^⊤: parentheses as tall as the fraction
            base = f'<span class="tall">(</span>{base}<span class="tall">)</span>'
        elif isinstance(node.base, m.Row) or (
                isinstance(node.base, m.Num) and node.base.text.startswith("-")):
            base = f"({base})"
        return f"{base}<sup>{self._inline(node.exp)}</sup>"

    def _inline(self, node: m.Node) -> str:
        """An exponent with its fractions on the line, 28/5: stacked in a superscript,
        e^(28 over 5) sat at the baseline and read as e · 28/5."""
        if isinstance(node, m.Frac):  # a sum or a fraction over or under the bar: bracketed
            num, den = (f"({self._inline(part)})" if isinstance(part, m.Frac) or (
                isinstance(part, m.Row) and len(part.items) > 1) else self._inline(part)
                for part in (node.num, node.den))
            return f"{num}/{den}"
        if isinstance(node, m.Row) and any(isinstance(item, m.Frac) for item in node.items):
            return "".join(self._sign(item) if _is_sign(node.items, k) else self._inline(item)
                           for k, item in enumerate(node.items))
        return self.print(node)

    def _print_Matrix(self, node: m.Matrix) -> str:
        width = width_em(node, self._hidden_ids())
        # wider than the text column (a wide matrix cannot break): set it smaller to fit
        style = f' style="font-size: {max(55, int(100 * FIT_EM / width))}%"' \
            if width > FIT_EM else ""
        rows = []
        n = len(node.rows)
        marked = shown_marks(node, self.hidden, self.answers)
        for r, cells in enumerate(node.rows):
            tds = [f'<td class="bl" rowspan="{n}"></td>'] if r == 0 else []
            for c, cell in enumerate(cells):
                classes = [name for name, marks in (("hl", node.highlight), ("pad", node.padding),
                                                    ("mk", marked)) if (r, c) in marks]
                cls = f' class="{" ".join(classes)}"' if classes else ""
                tds.append(f"<td{cls}>{self.print(cell)}</td>")
            if r == 0:
                tds.append(f'<td class="br" rowspan="{n}"></td>')
            rows.append("<tr>" + "".join(tds) + "</tr>")
        return f'<table class="mat"{style}>' + "".join(rows) + "</table>"

    def _hidden_ids(self) -> frozenset:
        """The quantities whose cells are drawn as (wider) blank boxes."""
        if self.answers or not self.hidden:
            return frozenset()
        return frozenset(ref.split("[")[0] for ref in self.hidden)

    def _print_BigOp(self, node: m.BigOp) -> str:
        upper = self.print(node.upper) if node.upper is not None else "\u200b"
        lower = self.print(node.lower) if node.lower is not None else "\u200b"
        cls = "sym" if len(node.symbol) == 1 else "sym word"
        return (f'<span class="bigop"><span class="lim">{upper}</span>'
                f'<span class="{cls}">{escape(node.symbol)}</span>'
                f'<span class="lim">{lower}</span></span>{THIN}')

    def _print_Func(self, node: m.Func) -> str:
        return f"{escape(node.name)}{THIN}"

    def _print_Heatmap(self, node: m.Heatmap) -> str:
        if self._is_hidden(node.ref):
            return '<span class="blank heatmap-blank"></span>'
        uri, width, height = heatmap_uri(node.values, node.limit, longest=84)
        h, w = node.values.shape
        limit = self._number(f"{node.limit:.3g}")
        return (f'<span class="heatmap"><img src="{uri}" width="{width}" height="{height}" '
                f'alt="{escape(plain(self.lang, "heatmap.alt", {"h": h, "w": w}))}">'
                f'<span class="scale">−{limit}'
                f'<img src="{scale_uri(SCALE_PX)}" width="{SCALE_PX}" height="6" alt="">'
                f'{limit}</span></span>')

    def _print_Space(self, node: m.Space) -> str:
        return "\u2003"

    def _print_Text(self, node: m.Text) -> str:
        return str(escape(node.text))


def to_html(node: m.Node, hidden=frozenset(), answers=False, marks=None,
            describe=str, given=None, lang: str = "en") -> Markup:
    """Safe HTML for a math tree (wrap it in an element with class 'math')."""
    return Markup(HtmlMathPrinter(hidden, answers, marks, describe, given, lang).print(node))
