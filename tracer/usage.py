"""argparse's usage errors in the language of the command line (``--lang ko``).

argparse words its errors in English ('argument --digits: expected one argument'); each
of its forms, and each of cnntrace's own argument types' ('expected a whole number, got
'x''), is a ``usage.*`` template in the message catalogs, the English one word for word
as argparse says it. An error is matched against the English templates and said again
with the other language's; a form no template matches stays as argparse says it.
"""

from __future__ import annotations

import argparse
import functools
import re
import string

from .render.assets import help_texts, messages, plain

_TYPED = {"value", "words", "option"}  # the fields of usage.* templates a user typed
_ARGUMENT = re.compile(r"argument (?P<argument>\S+): (?P<problem>.*)", re.S)
_CHOICE = re.compile(r"'([^']*)'")


def language(argv: list[str]) -> str:
    """The --lang of a command line not yet parsed (English unless it says ko)."""
    for at, word in enumerate(argv):
        if word == "--lang" and argv[at + 1:at + 2] == ["ko"] or word == "--lang=ko":
            return "ko"
    return "en"


def help_said(text: str, lang: str) -> str:
    """One help text (or argparse's own word, 'usage: ') in ``lang``."""
    return help_texts(lang).get(text, text)


def say_help(parser: argparse.ArgumentParser, lang: str) -> None:
    """Put every help text of ``parser`` and of its subcommands into ``lang``: the options',
    the commands' list, the description and the group titles ('options'). argparse has no
    public way to reach the last three, hence its private attributes."""
    if lang == "en":
        return
    if parser.description:
        parser.description = help_said(parser.description, lang)
    for group in parser._action_groups:
        if group.title:
            group.title = help_said(group.title, lang)
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            action.help = help_said(action.help, lang)
        if isinstance(action, argparse._SubParsersAction):
            for listed in action._choices_actions:
                listed.help = help_said(listed.help, lang)
            for command in set(action.choices.values()):
                say_help(command, lang)


def usage_error(prog: str, message: str, lang: str, options=()) -> str:
    """The line a usage error prints: 'cnntrace render: error: ... (see cnntrace render
    --help)'; ``options``, the command's, for a did-you-mean after an unknown one."""
    see = plain(lang, "usage.see", {"command": f"{prog} --help"})
    return f"{prog}: {plain(lang, 'terminal.error')}: {said(message, lang, options)} ({see})"


def said(message: str, lang: str, options=()) -> str:
    """argparse's ``message`` in ``lang``, with a did-you-mean for a mistyped choice or
    option (one of ``options``)."""
    match = _ARGUMENT.fullmatch(message)
    if match:
        problem = _problem(match["problem"], lang, options)
        return plain(lang, "usage.argument", {"argument": match["argument"], "problem": problem})
    return _problem(message, lang, options)


def _problem(text: str, lang: str, options=()) -> str:
    for key, pattern in _patterns():
        match = pattern.fullmatch(text)
        if match:
            params = match.groupdict()
            if params.get("noun") in _nouns():
                params["noun"] = plain(lang, _nouns()[params["noun"]])
            hint = _hint(key, params, options)
            return plain(lang, key, params) + (plain(lang, "error.did_you_mean", hint)
                                              if hint else "")
    return text


def _hint(key: str, params: dict, options=()) -> dict | None:
    """{'name': 'render'} for the choice closest to a mistyped one (rendr), or the option
    closest to an unknown one (--formt)."""
    from .fields import closest
    if key == "usage.choice":
        hint = closest(params["value"].strip("'"), _CHOICE.findall(params["choices"]))
    elif key == "usage.unrecognized":
        unknown = next((w for w in params["words"].split() if w.startswith("--")), None)
        typed = (unknown or "-").partition("=")[0].lstrip("-")
        names = {option.lstrip("-"): option for option in options  # '--' alike in all;
                 if option.lstrip("-")[:1] == typed[:1]}  # --digits is no typo of --weights
        near = unknown and closest(typed, names)
        hint = near and names[near]
    else:
        return None
    return {"name": repr(hint)} if hint else None


@functools.cache
def _nouns() -> dict[str, str]:
    """The key of each noun an argument type names, by its English text."""
    return {text: key for key, text in messages("en").items() if key.startswith("usage.noun.")}


@functools.cache
def _patterns() -> list[tuple[str, re.Pattern]]:
    """(key, regex) of every English usage template but the argument wrapper: its text
    literal, each {field} any text: the shortest, but the longest for what was typed
    (:data:`_TYPED`), which may hold a template's words (--mode 'a (choose from b)')."""
    found = []
    for key, template in messages("en").items():
        if not key.startswith("usage.") or key in ("usage.argument", "usage.see") \
                or key.startswith("usage.noun."):
            continue
        regex = "".join(re.escape(text) + (
            f"(?P<{field}>.+{'' if field in _TYPED else '?'})" if field else "")
            for text, field, _, _ in string.Formatter().parse(template))
        found.append((key, re.compile(regex, re.S)))
    return found


def english(key: str, **params) -> str:
    """A usage template in English: the message of an argument type's error (said again
    in the command line's language by :func:`said`); a ``noun`` is a usage.noun.* key."""
    if "noun" in params:
        params["noun"] = plain("en", params["noun"])
    return plain("en", key, params)
