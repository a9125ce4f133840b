"""`cnntrace generate`: a hand-friendly random spec (TOML) on standard output or --out."""

from __future__ import annotations

import argparse
import re

from ..usage import english
from . import add_out_file, check_out_file, count


def _size(text: str) -> tuple[int, int]:
    """argparse type: '4x4', '4x5' or '4'."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[xX×]\s*(\d+))?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(english("usage.size", value=repr(text)))
    h = int(match.group(1))
    return h, int(match.group(2) or h)


def _range(text: str) -> tuple[int, int]:
    """argparse type: 'LO..HI' of integers, e.g. 0..5 or -1..1."""
    match = re.fullmatch(r"\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(english("usage.range", value=repr(text)))
    return int(match.group(1)), int(match.group(2))


def add_generator_arguments(parser: argparse.ArgumentParser) -> None:
    """The generator's options, shared by `generate` and `batch`."""
    from ..generate import PRESETS
    parser.add_argument("--preset", choices=list(PRESETS), default="lecture",
                        help="sizes and value ranges to start from (default lecture: 4x4 "
                             "input, 3x3 kernel, 2 classes)")
    parser.add_argument("--input", type=_size, metavar="HxW", help="input size, e.g. 4x4")
    parser.add_argument("--kernel", type=int, metavar="K", help="kernel size K (KxK)")
    parser.add_argument("--classes", type=int, metavar="N", help="number of classes")
    parser.add_argument("--input-values", type=_range, metavar="LO..HI",
                        help="range of the input's integers (lecture preset: 0..5)")
    parser.add_argument("--kernel-values", type=_range, metavar="LO..HI",
                        help="range of the kernel's integers (lecture preset: -1..1)")
    parser.add_argument("--allow-zero", action="store_true", default=None,
                        help="allow pre-activations that are exactly 0")


def generator_options(args):
    from ..generate import options
    return options(args.preset, input=args.input, kernel=args.kernel, classes=args.classes,
                   input_values=args.input_values, kernel_values=args.kernel_values,
                   allow_zero=args.allow_zero)


def command_line(args, seed: int) -> str:
    """The generate command that reproduces a spec (written into its header)."""
    parts = ["cnntrace generate", f"--seed {seed}", f"--preset {args.preset}"]
    if args.input:
        parts.append(f"--input {args.input[0]}x{args.input[1]}")
    for flag, value in (("--kernel", args.kernel), ("--classes", args.classes)):
        if value is not None:
            parts.append(f"{flag} {value}")
    for flag, value in (("--input-values", args.input_values),
                        ("--kernel-values", args.kernel_values)):
        if value is not None:
            parts.append(f"{flag} {value[0]}..{value[1]}")
    if args.allow_zero:
        parts.append("--allow-zero")
    if getattr(args, "lang", "en") != "en":
        parts.append(f"--lang {args.lang}")
    return " ".join(parts)


def register(commands) -> None:
    parser = commands.add_parser(
        "generate", help="write a random spec whose pass is pleasant by hand (small integers, "
        "short decimals, no ties, not saturated) as TOML")
    parser.add_argument("--seed", type=count, default=0, metavar="N",
                        help="random seed (default 0); the same seed gives the same spec in the "
                             "same cnntrace version")
    add_generator_arguments(parser)
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="language of the spec's title (default en)")
    add_out_file(parser, "spec", "e.g. a spec you edited")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dataclasses import replace

    from ..files import write_output
    from ..generate import generate, spec_toml

    check_out_file(args, "TOML", ".toml")
    data = generate(args.seed, replace(generator_options(args), lang=args.lang))
    if write_output(spec_toml(data, command_line(args, args.seed), args.lang), args.out,
                    overwrite=args.force):
        print(args.out)
    return 0
