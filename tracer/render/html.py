"""Document -> one self-contained HTML file (fonts and styles inline, no JavaScript).

The same document renders as the worked example (``view="worked"``), the worksheet
(``"worksheet"``: the ``hidden`` cells left blank) and the key (``"key"``: the hidden
cells filled in and marked).
"""

from __future__ import annotations

import re

import jinja2
from markupsafe import Markup, escape

from .. import __version__
from ..errors import CnnTraceError
from ..present import mathtree as m
from ..present.document import Document, Para, Section
from ..present.handout import worksheet_document
from . import assets
from .mathhtml import to_html

VIEWS = ("worked", "worksheet", "key", "marking", "class")
_HANGUL_WORD = re.compile(r"(\S*[\uac00-\ud7a3]\S*)")


def _together(value: str, word: str) -> str:
    """A value and the particle or counter written right after it, never broken apart."""
    return f'<span class="w">{value}{word}</span>'


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(assets.templates_dir()),
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


class _Formatter:
    """Message lookup and value display for one language, view and hidden set."""

    def __init__(self, lang: str, hidden: frozenset, answers: bool, marks=None, given=None):
        self.catalog = assets.messages(lang)
        self.fallback = assets.messages("en")
        self.lang, self.hidden, self.answers, self.marks = lang, hidden, answers, marks
        self.given = given

    def message(self, key: str, params: dict) -> Markup:
        glue = _together if self.lang == "ko" else None  # '3개', 'conv1의': one line
        return Markup(assets.fill(self.lang, key, params, self._words, self.show, glue))

    def _words(self, text: str) -> str:
        """Escaped text; Korean words wrapped so no renderer breaks them inside."""
        safe = str(escape(text))
        if self.lang == "ko":
            safe = _HANGUL_WORD.sub(r'<span class="w">\1</span>', safe)
        return safe

    def show(self, value) -> Markup:
        if isinstance(value, (Para, Section)):
            return self.message(value.key, value.params)
        if isinstance(value, m.Node):
            return Markup(f'<span class="math">{self.math(value)}</span>')
        return escape("" if value is None else str(value))

    def math(self, node: m.Node) -> Markup:
        return to_html(node, self.hidden, self.answers, self.marks, self.mistake, self.given,
                       self.lang)

    def mistake(self, name: str) -> str:
        """A mistake's name as plain text (the math printer escapes it)."""
        key = f"mistake.{name}"
        return self.catalog.get(key, self.fallback.get(key, name)) if name else ""


def render_html(document: Document, lang: str = "en", view: str = "worked",
                hidden=frozenset(), variant: str | None = None, inline_fonts: bool = True,
                marks=None) -> str:
    """The handout as one HTML string; deterministic for the same inputs.

    ``inline_fonts=False`` links the fonts from the package instead (for the PDF);
    ``marks`` (view "marking") shows a marked answer sheet in place."""
    if view not in VIEWS:
        raise CnnTraceError(f"--mode: expected one of {', '.join(VIEWS)}, got {view!r}")
    if view in ("worksheet", "key"):
        document = worksheet_document(document, hidden)
    shown_hidden = frozenset(hidden) if view in ("worksheet", "key") else frozenset()
    fmt = _Formatter(lang, shown_hidden, answers=view == "key", marks=marks,
                     given=document.given if view == "marking" else None)
    template = _environment().get_template("handout.html.j2")
    title = document.title or fmt.message(document.subtitle, {})
    return template.render(
        document=document, lang=lang, view=view, variant=variant, version=__version__,
        title=title, css=Markup(assets.stylesheet()), fonts=Markup(assets.font_css(inline_fonts)),
        t=lambda item: fmt.message(item.key, item.params),
        text=lambda key, **params: fmt.message(key, params),
        show=fmt.show, math=fmt.math)
