"""`cnntrace ... --help --lang ko`: every help text in Korean, wrapped to the terminal."""

from __future__ import annotations

import argparse

import pytest

from tracer.cli import main, make_parser
from tracer.render.assets import help_texts
from tracer.render.text import display_width

ARGPARSE_WORDS = {"usage: ", "positional arguments", "options"}


def english_texts(parser: argparse.ArgumentParser) -> set[str]:
    """Every help text, description and group title of a parser and its subcommands."""
    texts = {parser.description} if parser.description else set()
    texts |= {group.title for group in parser._action_groups if group.title}
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            texts.add(action.help)
        if isinstance(action, argparse._SubParsersAction):
            texts |= {listed.help for listed in action._choices_actions}
            for command in action.choices.values():
                texts |= english_texts(command)
    return texts


def test_every_help_text_has_its_korean_and_none_is_left_over():
    """A new option's help, or a reworded one, needs its Korean in help.ko.toml; an entry
    no help uses any more is removed."""
    english = english_texts(make_parser("en")) | ARGPARSE_WORDS
    korean = help_texts("ko")
    assert sorted(english - korean.keys()) == []
    assert sorted(korean.keys() - english) == []
    assert all(text.strip() for text in korean.values())


COMMANDS = [[], ["render"], ["check"], ["train"], ["explain", "conv"], ["batch"], ["export"],
            ["trace"], ["sheet"], ["generate"], ["demo"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "cnntrace")
def test_help_in_korean_fits_the_terminal(command, capsys, monkeypatch):
    """Hangul takes two columns: the help wraps to 80 of them, with no English help text
    left (only the options, metavars and values, which stay as typed)."""
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as done:
        main([*command, "--help", "--lang", "ko"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("사용법: cnntrace")
    assert "옵션:" in out and "이 도움말을 보이고 끝냅니다" in out
    assert max(display_width(line) for line in out.splitlines()) <= 80
    english = english_texts(make_parser("en")) - {"ReLU"}
    left = [text for text in english if len(text) > 12 and text in " ".join(out.split())]
    assert left == []


def test_help_in_english_is_argparse_own(capsys):
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: cnntrace render") and "\noptions:\n" in out
    assert "significant digits (default 4)" in out and "유효숫자" not in out
