"""A Moodle XML quiz from a trace: one numerical question per blank cell.

Every question shows the givens (the handout's architecture and parameters sections)
and asks for one cell to ``digits`` significant digits; its answer is the true value and
its tolerance one unit in the last asked digit, so a value rounded or truncated to those
digits is accepted (as ``cnntrace check`` does). A value after the update (a ``_new``
parameter, the loss after the step) is asked to as many digits as the handout shows it
to, enough that the value before the step is outside the tolerance. The worked example
is each question's general feedback (Moodle XML has no feedback shared by several
questions, so a quiz asks at most ``MAX_QUESTIONS`` cells and repeats at most
``MAX_FEEDBACK`` bytes of feedback). A description item with the worksheet comes first.
The words around the numbers come from the message catalog of ``lang``. HTML goes in
CDATA sections (any ``]]>`` split); the handout's stylesheet is scoped to a wrapper class so
it cannot restyle the Moodle page. Deterministic for the same trace and options.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from xml.sax.saxutils import escape

import numpy as np

from ..errors import CnnTraceError, Said
from ..present.blanks import POSITIONS, blank_error, select_hidden
from ..present.context import MAX_DIGITS, Context
from ..present.handout import build_document, worksheet_document
from ..present.holding import significant
from ..present.update import telling_digits, visible
from ..sheet import blank_cells, shown_refs
from ..trace import parse_cell
from . import assets
from .fragment import fragment
from .html import render_html

ANSWER_DIGITS = 12  # an answer's digits (at least 3 more than asked: its rounding is no matter)
ZERO_TOLERANCE = Decimal("1e-9")  # a true 0: the checker's bare "0" rule
MAX_QUESTIONS = 500  # more is no quiz, and a file Moodle imports slowly if at all
WHOLE_NUMBERS = ("mask", "argmax", "ties")  # asked as whole numbers, not to N digits
MAX_FEEDBACK = 32_000_000  # bytes of worked example repeated as feedback


# ------------------------------------------------------------------------ numbers
def unit(value: float, digits: int) -> Decimal:
    """One unit in the ``digits``-th significant digit of ``value`` (a power of 10)."""
    exponent = math.floor(math.log10(abs(value))) - digits + 1
    return Decimal(1).scaleb(exponent)


def answer_and_tolerance(trace, ref: str, digits: int) -> tuple[str, str]:
    """The answer text (12 significant digits, more when more are asked) and the absolute
    tolerance text; a whole number (a mask, where a maximum sits) exactly."""
    value = float(trace.numbers(ref))
    qid, _ = parse_cell(ref)
    if qid.rsplit(".", 1)[-1] in WHOLE_NUMBERS:
        return str(round(value)), "0"
    if value == round(value) and len(str(abs(round(value)))) <= digits:
        return str(round(value)), "0"  # 11 is written whole: 10 and 12 are wrong
    scale = float(np.abs(trace.numbers(qid)).max(initial=0.0))
    if value == 0 or abs(value) <= 1e-12 * scale:  # float noise in a true zero
        return "0", _plain(ZERO_TOLERANCE)
    most = 15 if trace.mode == "float" else 50  # what Trace.format gives: a float's 15
    return trace.format(ref, min(max(ANSWER_DIGITS, digits + 3), most)), \
        _plain(unit(value, digits))


def before_step(ref: str) -> str | None:
    """The cell an updated value is told apart from: W for W_new, the loss before the
    step for the loss after it; None for a cell the update does not make."""
    qid, index = parse_cell(ref)
    if qid == "loss.after":
        return "loss.out"
    if not qid.endswith("_new"):
        return None
    return ref.replace(qid, qid.removesuffix("_new"), 1)


def shown_digits(ctx: Context, ref: str, before: str) -> int:
    """The significant digits the handout shows an updated value to (see
    :func:`~tracer.present.update.visible` and ``telling_digits``)."""
    old, new = _cell_value(ctx, before), _cell_value(ctx, ref)
    if ref == "loss.after":
        return telling_digits(ctx, ctx.approx(old), ctx.approx(new))
    qid = parse_cell(before)[0]
    layer, parameter = qid.split(".")
    grad = _cell_value(ctx, before.replace(qid, f"{layer}.grad_{parameter}", 1))
    return max(ctx.digits, significant(visible(ctx, old, new, grad, ref)[0].text))


def _cell_value(ctx: Context, ref: str):
    qid, index = parse_cell(ref)
    return ctx.value(qid, index or ())


def asked_digits(ctx: Context, ref: str) -> int:
    """The digits to ask ``ref`` to: ``ctx.digits``; for an updated value as many as the
    handout shows, and more while the value before the step would still be accepted
    (1 -> 1.001 shows 4 digits, but 1.000 is within one unit of 1.001)."""
    before = before_step(ref)
    if before is None:
        return ctx.digits
    digits = shown_digits(ctx, ref, before)
    new, old = float(ctx.trace.numbers(ref)), float(ctx.trace.numbers(before))
    if new and abs(new - old) < float(unit(new, MAX_DIGITS[ctx.trace.mode])):
        return digits  # no digit shows the change (2e-16 on 1): asked as the handout shows
    while new and new != old and abs(new - old) <= float(unit(new, digits)) \
            and digits < MAX_DIGITS[ctx.trace.mode]:
        digits += 1
    return digits


def _plain(number: Decimal) -> str:
    return format(number, "f")


def cdata(text: str) -> str:
    """``text`` as CDATA; a ']]>' inside is split across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# ------------------------------------------------------------------------ the quiz
def moodle_xml(trace, blank: str | None, *, digits: int = 4, lang: str = "en",
               category: str | None = None, variant: str | None = None,
               feedback: str = "full") -> str:
    """The quiz as Moodle XML text."""
    if feedback not in ("full", "none"):
        raise CnnTraceError(f"--feedback: expected full or none, got {feedback!r}")
    hidden = select_hidden(trace, blank)
    document = build_document(trace, digits=digits, hidden=hidden)
    cells = [ref for ref in blank_cells(trace, blank, refs=shown_refs(trace, hidden, document))
             if math.isfinite(float(trace.numbers(ref)))]  # e^1000 is no answer to type
    if not cells:
        raise blank_error("no_question")
    if len(cells) > MAX_QUESTIONS:
        sizes = Counter(parse_cell(ref)[0] for ref in cells)
        fitting = [q for q in sizes if 1 < sizes[q] <= MAX_QUESTIONS
                   and not q.endswith(POSITIONS)]  # named whole, they are far more
        example = Said("error.either", {"a": min(fitting, key=sizes.get), "b": cells[0]}) \
            if fitting else cells[0]
        raise blank_error("too_many_questions", blank=blank, count=len(cells),
                          most=MAX_QUESTIONS, example=example)
    title = trace.title or "cnntrace worked example"
    worked = fragment(render_html(document, lang, "worked", variant=variant,
                                  inline_fonts=False)) if feedback == "full" else ""
    size = len(worked.encode())
    if size * len(cells) > MAX_FEEDBACK:
        raise CnnTraceError(
            f"--feedback: the worked example ({size // 1000} kB) as feedback to each of "
            f"{len(cells)} questions would make {size * len(cells) // 1_000_000} MB; pass "
            "--feedback none or ask fewer cells with --blank")
    exercise = worksheet_document(document, hidden).subtitle  # "Exercises on ...", not
    givens = fragment(render_html(replace(document, sections=document.sections[:2],  # worked
                                          subtitle=exercise), lang,
                                  "worked", variant=variant, inline_fonts=False))
    sheet = fragment(render_html(document, lang, "worksheet", hidden, variant,
                                 inline_fonts=False))
    name = f"{title} ({variant})" if variant else title
    from .. import __version__
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             f"<!-- Generated by cnntrace {__version__} -->", "<quiz>",
             _category(category or f"$course$/top/cnntrace/{name.replace('/', '//')}"),
             _description(_message(lang, "moodle.worksheet", name=name), sheet)]
    width = max(3, len(str(len(cells))))  # names sort in question order
    ctx = Context(trace, digits)
    for number, ref in enumerate(cells, start=1):
        asked = asked_digits(ctx, ref)
        answer, tolerance = answer_and_tolerance(trace, ref, asked)
        whole = ref.split("[")[0].rsplit(".", 1)[-1] in WHOLE_NUMBERS
        ask = _message(lang, "moodle.ask_whole" if whole else "moodle.ask", literal=escape,
                       ref=f"<code>{escape(ref)}</code>", what=escape(_what(ref, lang)),
                       digits=asked)
        parts.append(_numerical(f"{number:0{width}d} {ref}", f"{givens}\n<p>{ask}</p>", answer,
                                tolerance, worked))
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"


def _what(ref: str, lang: str) -> str:
    """What a cell is, in ``lang``: 'conv1 output, cell [0, 1, 0]'."""
    qid, index = parse_cell(ref)
    layer, suffix = qid.split(".", 1)
    catalog = assets.messages(lang)
    key = next((k for k in (f"moodle.quantity.{qid}", f"moodle.quantity.{suffix}")
                if k in catalog), "moodle.quantity")
    what = _message(lang, key, layer=layer, suffix=suffix)
    return _message(lang, "moodle.cell", what=what, index=list(index)) if index else what


def _message(lang: str, key: str, literal=str, **params) -> str:
    """A catalog message; its fields are filled in as given (already escaped, if HTML)."""
    return assets.fill(lang, key, params, literal, str)


def _text(tag: str, value: str, fmt: str | None = None, html: bool = False) -> str:
    attr = f' format="{fmt}"' if fmt else ""
    body = cdata(value) if html else escape(value)
    return f"<{tag}{attr}><text>{body}</text></{tag}>"


def _category(path: str) -> str:
    return (' <question type="category">\n'
            f"  <category><text>{escape(path)}</text></category>\n"
            " </question>")


def _description(name: str, html: str) -> str:
    return (' <question type="description">\n'
            f"  {_text('name', name)}\n"
            f"  {_text('questiontext', html, 'html', html=True)}\n"
            f"  {_text('generalfeedback', '', 'html')}\n"
            "  <defaultgrade>0</defaultgrade>\n  <penalty>0</penalty>\n  <hidden>0</hidden>\n"
            " </question>")


def _numerical(name: str, text: str, answer: str, tolerance: str, feedback: str) -> str:
    return "\n".join([
        ' <question type="numerical">',
        f"  {_text('name', name)}",
        f"  {_text('questiontext', text, 'html', html=True)}",
        f"  {_text('generalfeedback', feedback, 'html', html=True)}",
        "  <defaultgrade>1.0000000</defaultgrade>",
        "  <penalty>0.3333333</penalty>",
        "  <hidden>0</hidden>",
        '  <answer fraction="100" format="moodle_auto_format">',
        f"   <text>{escape(answer)}</text>",
        '   <feedback format="html"><text></text></feedback>',
        f"   <tolerance>{escape(tolerance)}</tolerance>",
        "  </answer>",
        "  <unitgradingtype>0</unitgradingtype>",
        "  <unitpenalty>0.1000000</unitpenalty>",
        "  <showunits>3</showunits>",
        "  <unitsleft>0</unitsleft>",
        " </question>"])
