"""The `cnntrace` command: thin argument parsing over the library (see tracer.commands)."""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys

from . import __version__
from .commands import (batch, check, explain, export, generate, render, sheet, terminal_safe,
                       trace, train)
from .errors import CnnTraceError
from .files import keeping_inputs
from .usage import help_said, language, say_help, usage_error

COMMANDS = [trace, render, explain, check, train, sheet, generate, batch, export]


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (and exit code 2), like every other error, in the command
    line's language; a range that starts with a minus sign (`--kernel-values -1..1`) is a
    value, as -1 is."""

    def __init__(self, *args, lang: str = "en", **kwargs):
        kwargs.setdefault("formatter_class", functools.partial(
            _Formatter, usage_prefix=help_said("usage: ", lang)))
        super().__init__(*args, **kwargs)
        self.lang = lang
        # argparse takes an unknown '-...' word for an option unless this (private) pattern
        # calls it a negative number; subparsers are _Parsers too, so every command has it
        matcher = getattr(self, "_negative_number_matcher", None)
        if matcher is not None:  # without it only --kernel-values=-1..1 works
            self._negative_number_matcher = re.compile(rf"{matcher.pattern}|^-[\d.]+\.\.")

    def add_subparsers(self, **kwargs):
        """Subcommands (and theirs: explain OP) word their errors in this language too."""
        kwargs.setdefault("parser_class", functools.partial(_Parser, lang=self.lang))
        return super().add_subparsers(**kwargs)

    def error(self, message: str):
        self.exit(2, terminal_safe(usage_error(self.prog, message, self.lang,
                                               self._option_string_actions)) + "\n")


class _Formatter(argparse.HelpFormatter):
    """argparse's help, its 'usage: ' in the command line's language."""

    def __init__(self, prog: str, usage_prefix: str = "usage: ", **kwargs):
        super().__init__(prog, **kwargs)
        self.usage_prefix = usage_prefix

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, self.usage_prefix if prefix is None else prefix)

    def _split_lines(self, text, width):
        """Lines of at most ``width`` terminal columns, where Hangul takes two (argparse
        counts characters, so a Korean help would run past the terminal's edge)."""
        from .render.text import display_width
        if display_width(text) == len(text):
            return super()._split_lines(text, width)
        lines, line = [], ""
        for word in text.split():
            longer = f"{line} {word}" if line else word
            if line and display_width(longer) > width:
                lines.append(line)
                longer = word
            line = longer
        return lines + [line] if line else lines

    def _fill_text(self, text, width, indent):
        return "\n".join(indent + line for line in self._split_lines(text, width - len(indent)))


def make_parser(lang: str = "en") -> argparse.ArgumentParser:
    """The command line's parser; ``lang`` words its help and usage errors."""
    parser = _Parser(
        prog="cnntrace", lang=lang,
        description="Worked examples of one forward/backward/update pass of a small CNN.")
    parser.add_argument("--version", action="version", version=f"cnntrace {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    say_help(parser, lang)
    return parser


def parse(argv=None) -> argparse.Namespace:
    """The command line, where a command's trailing list of files may also follow its
    options (`check SPEC --rtol 0.01 a.yaml b.yaml`), which argparse alone rejects."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = make_parser(language(argv))
    args, rest = parser.parse_known_args(argv)
    trailing = getattr(args, "trailing", None)
    if rest and trailing and not any(arg.startswith("-") for arg in rest):
        getattr(args, trailing).extend(rest)
    elif rest:  # said by the command's own parser (explain's OP's): its --help, its options
        _own_parser(parser, args).error(f"unrecognized arguments: {' '.join(rest)}")
    return args


def _own_parser(parser: argparse.ArgumentParser, args) -> argparse.ArgumentParser:
    """The parser of the command that ``args`` ran, down to a subcommand's (explain relu)."""
    while True:
        commands = next((a for a in parser._actions
                         if isinstance(a, argparse._SubParsersAction)), None)
        if commands is None or getattr(args, commands.dest, None) not in commands.choices:
            return parser
        parser = commands.choices[getattr(args, commands.dest)]


def main(argv=None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name or key that is not UTF-8 (lone
        if hasattr(stream, "reconfigure"):  # surrogates) prints as \udcfc, not a crash
            stream.reconfigure(errors="backslashreplace")
    args = parse(argv)
    try:
        with keeping_inputs():
            status = args.run(args)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return status
    except CnnTraceError as err:
        from .render.assets import plain
        lang = getattr(args, "lang", "en")
        print(terminal_safe(f"cnntrace: {plain(lang, 'terminal.error')}: {err.text(lang)}"),
              file=sys.stderr)
        return 2
    except BrokenPipeError:  # `cnntrace sheet ... | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as err:  # the system's, e.g. writing to a full disk
        where = f"{err.filename}: " if err.filename else ""
        print(f"cnntrace: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        from .render.assets import plain
        print(f"cnntrace: {plain(getattr(args, 'lang', 'en'), 'terminal.interrupted')}",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
