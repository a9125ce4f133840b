"""One module per `cnntrace` subcommand: ``register(subparsers)`` adds its parser and
sets ``run(args) -> exit code``. Heavy imports happen inside ``run``, so that the
command line starts fast."""

from __future__ import annotations

import argparse

from ..spec import SpecError, example_names


def digits(text: str) -> int:
    """argparse type: significant digits, 1..50."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(f"expected 1 to 50 significant digits, got {value}")
    return value


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    """SPEC or --example NAME, shared by every command that runs a pass."""
    parser.add_argument("spec", nargs="?", metavar="SPEC", help="spec file (.toml .yaml .json)")
    parser.add_argument("--example", choices=example_names(),
                        help="use a built-in example instead of a file")


def load_spec_argument(args):
    """The Spec named by SPEC or --example (exactly one of them)."""
    from ..spec import load_example, load_spec
    if args.example and args.spec:
        raise SpecError("give either a SPEC file or --example, not both")
    if args.example:
        return load_example(args.example)
    if not args.spec:
        raise SpecError("missing SPEC: give a spec file (.toml, .yaml, .json) or "
                        f"--example {{{','.join(example_names())}}}")
    return load_spec(args.spec)
