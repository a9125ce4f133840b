"""How wide math is typeset, in em: enough to choose how many matrices or heatmaps share a
line and how many of a vector's entries fit on one."""

from __future__ import annotations

from . import mathtree as m

CELL_PAD_EM = 0.9  # a matrix cell's padding
BLANK_EM = 5.82  # a worksheet's box: .blank in handout.css, 5.5em, 0.1em margins, 0.06em borders
# for LM Roman at the handout's size: a reader's estimate, not a layout
CHAR_EM = {".": 0.28, ",": 0.28, "-": 0.78, "−": 0.78, "+": 0.78, "(": 0.39, ")": 0.39,
           "⋯": 1.2, " ": 0.33, "×": 0.78}


def text_em(text: str) -> float:
    """The width of a short text: digits are half an em, letters a little more."""
    return sum(CHAR_EM.get(ch, 0.5 if ch.isdigit() else 0.6) for ch in text)


def width_em(node: m.Node, blanked=frozenset()) -> float:
    """About how wide a math node is typeset, in em: enough to choose how many matrices
    or heatmaps share a line and how many of a vector's entries fit on one."""
    if isinstance(node, m.Num):
        width = text_em(node.text.replace("e", "×10")) - (0.3 if "e" in node.text else 0)
        hidden = node.ref is not None and node.ref.split("[")[0] in blanked
        return max(width, BLANK_EM) if hidden else width
    if isinstance(node, m.Sym):
        scripts = sum(width_em(part, blanked) for part in (node.sub, node.sup) if part)
        return 0.7 * len(node.name) + 0.72 * scripts
    if isinstance(node, m.Op):
        return text_em(node.text) + (0.56 if node.text in "=≈≤≥<>" else 0.33)
    if isinstance(node, m.Row):
        return sum(width_em(item, blanked) for item in node.items)
    if isinstance(node, m.Group):
        return width_em(node.body, blanked) + 0.8
    if isinstance(node, m.Frac):
        return max(width_em(node.num, blanked), width_em(node.den, blanked)) + 0.5
    if isinstance(node, m.Power):
        return width_em(node.base, blanked) + 0.72 * width_em(node.exp, blanked)
    if isinstance(node, m.Matrix):
        columns = max((len(r) for r in node.rows), default=0)
        widest = [max((width_em(r[c], blanked) for r in node.rows if c < len(r)), default=0)
                  for c in range(columns)]
        return sum(widest) + CELL_PAD_EM * columns + 0.8
    if isinstance(node, m.BigOp):
        limits = [width_em(p, blanked) * 0.7 for p in (node.lower, node.upper) if p]
        return max([1.3] + limits) + 0.25
    if isinstance(node, m.Func):
        return text_em(node.name) + 0.2
    if isinstance(node, m.Heatmap):
        return 7.5
    if isinstance(node, m.Text):
        return text_em(node.text)
    return 1.0
