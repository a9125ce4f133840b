"""Why an item cannot be marked, as a sentence of the message catalog (keys
``malformed.*`` in templates/messages/<lang>.toml), so the HTML report and the terminal
table give it in their language; the JSON gives it in English."""

from __future__ import annotations

from ..errors import Said
from ..present.document import Para
from ..render.assets import fill


def reason(name: str, /, **params) -> Para:
    """The sentence ``malformed.<name>``; params are text, numbers or other sentences."""
    return Para(f"malformed.{name}", params)


def as_said(sentence):
    """A sentence (and the sentences among its params) as an error's :class:`Said`, to be
    said in the command line's language; else as it is."""
    if isinstance(sentence, Para):
        return Said(sentence.key, {k: as_said(v) for k, v in sentence.params.items()})
    return sentence


def english(sentence) -> str:
    """A sentence (and the sentences among its params) as English text; else str()."""
    if isinstance(sentence, Para):
        return fill("en", sentence.key, sentence.params, str, english)
    return str(sentence)
