"""Document -> a standalone .tex file (LaTeX-safe jinja delimiters), for teachers who
typeset with LaTeX or Beamer. Formulas come from the same math trees as the HTML."""

from __future__ import annotations

import jinja2

from .. import __version__
from ..present import mathtree as m
from ..present.document import Document, Para, Section
from ..present.handout import worksheet_document
from ..present.latex import escape_text, to_latex
from . import assets


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(assets.templates_dir()),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        line_statement_prefix="%%", line_comment_prefix="%#",
        trim_blocks=True, lstrip_blocks=True, autoescape=False,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


class _TexFormatter:
    def __init__(self, lang: str, hidden: frozenset, answers: bool):
        self.hidden, self.answers, self.lang = hidden, answers, lang

    def message(self, key: str, params: dict) -> str:
        return assets.fill(self.lang, key, params, escape_text, self.show)

    def show(self, value) -> str:
        if isinstance(value, (Para, Section)):
            return self.message(value.key, value.params)
        if isinstance(value, m.Node):
            return f"${to_latex(value, self.hidden, self.answers)}$"
        return escape_text("" if value is None else str(value))

    def math(self, node: m.Node) -> str:
        return to_latex(node, self.hidden, self.answers)


def render_tex(document: Document, lang: str = "en", view: str = "worked",
               hidden=frozenset(), variant: str | None = None) -> str:
    if view in ("worksheet", "key"):
        document = worksheet_document(document, hidden)
    fmt = _TexFormatter(lang, frozenset(hidden) if view != "worked" else frozenset(),
                        answers=view == "key")
    template = _environment().get_template("handout.tex.j2")
    return template.render(
        document=document, lang=lang, view=view, variant=variant, version=__version__,
        title=escape_text(document.title) or fmt.message(document.subtitle, {}),
        description=escape_text(document.description),
        t=lambda item: fmt.message(item.key, item.params),
        text=lambda key, **params: fmt.message(key, params), show=fmt.show, math=fmt.math,
        linebreak=r" \\")
