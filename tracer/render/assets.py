"""The package's own assets: templates, the stylesheet, fonts, message catalogs.

In a wheel they live in tracer/templates (hatch force-include); in a source checkout
in the top-level templates/ folder.
"""

from __future__ import annotations

import base64
import functools
import html
import re
import string
import tomllib
from pathlib import Path

from ..errors import CnnTraceError
from .particles import attach

LANGUAGES = ("en", "ko")
FONT_FACES = (("LM Roman", "lmroman-regular", "normal", "normal"),
              ("LM Roman", "lmroman-italic", "italic", "normal"),
              ("LM Roman", "lmroman-bold", "normal", "bold"),
              ("LM Math", "lmmath", "normal", "normal"))


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "handout.html.j2").is_file():
            return candidate
    raise CnnTraceError("cnntrace is installed without its templates; reinstall it")


@functools.cache
def messages(lang: str) -> dict[str, str]:
    """The message catalog of ``lang`` (en, ko)."""
    if lang not in LANGUAGES:
        raise CnnTraceError(f"--lang: expected one of {', '.join(LANGUAGES)}, got {lang!r}")
    with open(templates_dir() / "messages" / f"{lang}.toml", "rb") as handle:
        return tomllib.load(handle)


@functools.cache
def help_texts(lang: str) -> dict[str, str]:
    """The command line's help in ``lang``: each English help text (as gettext's msgid)
    with its translation; empty for English."""
    if lang == "en":
        return {}
    with open(templates_dir() / "messages" / f"help.{lang}.toml", "rb") as handle:
        return tomllib.load(handle)


def fill(lang: str, key: str, params: dict, literal, value, glue=None) -> str:
    """The message ``key`` of ``lang`` (English when the catalog lacks it) with its text
    passed through ``literal`` (escaping) and each {field} through ``value``.

    ``glue(value, word)``, if given, joins a filled-in value with the word written right
    after it ('{count}개', '{layer}의'), so that a renderer can keep them on one line. In
    Korean a particle written in both forms after a value ('{file}이(가)') takes the one
    the value's last sound calls for (:mod:`.particles`)."""
    template = messages(lang).get(key, messages("en").get(key))
    if template is None:
        raise CnnTraceError(f"message catalog {lang}.toml: no message {key!r}")
    out, after_field = [], False
    for text, field, _, _ in string.Formatter().parse(template):
        if after_field and lang == "ko":
            text = attach(_visible(out[-1]), text)
        if glue and after_field and text[:1].strip():
            word, text = re.match(r"(\S+)(.*)", text, re.S).groups()
            out[-1] = glue(out[-1], literal(word))
        out.append(literal(text))
        if field is not None:
            out.append(value(params[field]))
        after_field = field is not None
    return "".join(out)


def plain(lang: str, key: str, params: dict | None = None) -> str:
    """The message ``key`` of ``lang`` as plain text (the terminal, titles, file text)."""
    return fill(lang, key, params or {}, str, str)


def _visible(markup: str) -> str:
    """The text a reader sees of a rendered value (tags dropped, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(markup)))


@functools.cache
def font_css(inline: bool = True) -> str:
    """@font-face rules for the Latin Modern subsets: inlined as data: URLs (a
    self-contained HTML file) or linked relative to the templates folder (the PDF,
    whose renderer reads them from the package; parsing 250 kB of base64 CSS would
    cost it a quarter of a second)."""
    rules = []
    for family, name, style, weight in FONT_FACES:
        if inline:
            data = base64.b64encode((templates_dir() / "fonts" / f"{name}.woff2").read_bytes())
            url = f"data:font/woff2;base64,{data.decode()}"
        else:
            url = f"fonts/{name}.woff2"
        rules.append(f'@font-face {{ font-family: "{family}"; font-style: {style}; '
                     f'font-weight: {weight}; src: url({url}) format("woff2"); }}')
    return "\n".join(rules)


@functools.cache
def stylesheet() -> str:
    return (templates_dir() / "handout.css").read_text(encoding="utf-8")
