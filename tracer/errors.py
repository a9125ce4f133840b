"""Errors the command line reports as one line with exit code 2 (no traceback).

An error made with :meth:`CnnTraceError.said` takes its message from the message catalogs
(``error.<key>`` in templates/messages/<lang>.toml): ``str(err)`` is English, as a
notebook shows it, and the command line says it in ``--lang``
(:meth:`CnnTraceError.text`). A param may be another catalog sentence,
``Said("error.kind.spec")``, said in the same language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Said:
    """A catalog sentence (key and params) to be said in some language."""

    key: str
    params: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        from .render.assets import fill
        return fill(lang, self.key, self.params, str,
                    lambda value: value.text(lang) if isinstance(value, Said) else str(value))


class CnnTraceError(ValueError):
    """Unusable input or output; the message names the file or field and what was expected.
    A ValueError, so that a notebook's ``except ValueError`` catches every bad input."""

    sentence: Said | None = None

    @classmethod
    def said(cls, key: str, /, **params):
        """The error whose message is the catalogs' ``error.<key>`` with ``params``."""
        sentence = Said(f"error.{key}", params)
        err = cls(sentence.text("en"))
        err.sentence = sentence
        return err

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` where the catalogs have it, else as raised (English)."""
        if self.sentence is None or lang == "en":
            return str(self)
        return self.sentence.text(lang)

    def within(self, where: str):
        """This error with ``where: `` (a file's name) before it, in every language."""
        return type(self).said("within", where=where, error=self.sentence or str(self))

    def edited(self, edit):
        """This error with ``edit`` (text -> text) applied to it in every language."""
        err = type(self)(edit(str(self)))
        err.sentence = Edited(self.sentence, edit) if self.sentence else None
        return err


@dataclass(frozen=True)
class Edited:
    """A catalog sentence changed after it is said (a field renamed to an option)."""

    sentence: Said
    edit: object

    def text(self, lang: str) -> str:
        return self.edit(self.sentence.text(lang))


def either(*options) -> Said | str:
    """'a or b or c' (the catalogs' ``error.either``), said in any language."""
    first, *rest = options
    return Said("error.either", {"a": first, "b": either(*rest)}) if rest else first


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_END = "(at end of document)"


def parse_detail(err: Exception, source: str | None = None) -> Said | str:
    """What a parser (PyYAML, json, tomllib) found wrong in ``source`` (the text parsed), as
    'line L, column C: problem': the position said in the reader's language, the problem
    in the parser's words (PyYAML's quoted lines and carets left out: a one-line message
    has no room for them)."""
    text, line, column = str(err), None, None
    mark = getattr(err, "problem_mark", None)  # PyYAML
    at = getattr(err, "position", None)  # PyYAML's reader: a character it does not take
    if mark is None and isinstance(at, int) and source is not None and at <= len(source):
        line = source.count("\n", 0, at) + 1
        column, text = at - source.rfind("\n", 0, at), text.partition("\n")[0]
    elif mark is not None:
        line, column = mark.line + 1, mark.column + 1
        context = getattr(err, "context", None)
        text = f"{err.problem} ({context})" if context else str(err.problem)
    elif all(hasattr(err, a) for a in ("lineno", "colno", "msg")):  # json.JSONDecodeError
        line, column, text = err.lineno, err.colno, err.msg
    elif at := _TOML_AT.search(text):  # tomllib (Python 3.11 keeps no attributes)
        line, column, text = int(at[1]), int(at[2]), text[:at.start()]
    elif text.endswith(_TOML_END):
        return Said("error.parse_at_end", {"problem": " ".join(text[:-len(_TOML_END)].split())})
    text = " ".join(text.split())
    return Said("error.parse_at", {"line": line, "column": column, "problem": text}) \
        if line is not None else text


class SpecError(CnnTraceError, ValueError):
    """A spec that cannot be used; the message names the file and field."""
