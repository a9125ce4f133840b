"""The `cnntrace` command: thin argument parsing over the library."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .files import OutputError, write_atomic
from .network import run_pass
from .present.text import render_text
from .spec import SpecError, example_names, load_example, load_spec


def _spec_source(args):
    if args.example and args.spec:
        raise SpecError("give either a SPEC file or --example, not both")
    if args.example:
        return load_example(args.example)
    if not args.spec:
        raise SpecError("missing SPEC: give a spec file (.toml, .yaml, .json) or "
                        f"--example {{{','.join(example_names())}}}")
    return load_spec(args.spec)


def cmd_trace(args) -> int:
    spec = _spec_source(args)
    trace = run_pass(spec, "exact" if args.exact else "float")
    if args.json:
        write_atomic(args.json, trace.to_json(), overwrite=args.force)
    if not args.quiet:
        sys.stdout.write(render_text(trace, digits=args.digits))
    return 0


def _digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(f"expected 1 to 50 significant digits, got {value}")
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnntrace",
        description="Trace one forward/backward/update pass of a small CNN, exactly.")
    parser.add_argument("--version", action="version", version=f"cnntrace {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    trace = commands.add_parser("trace", help="print every value of one pass; optionally "
                                "write the trace as JSON")
    trace.add_argument("spec", nargs="?", metavar="SPEC", help="spec file (.toml .yaml .json)")
    trace.add_argument("--example", choices=example_names(),
                       help="use a built-in example instead of a file")
    trace.add_argument("--exact", action="store_true",
                       help="exact arithmetic: rationals, with e^x and log kept symbolic")
    trace.add_argument("--digits", type=_digits, default=4, metavar="N",
                       help="significant digits to print (default 4)")
    trace.add_argument("--json", metavar="FILE", help="write the trace as JSON to FILE")
    trace.add_argument("--force", action="store_true", help="overwrite existing output files")
    trace.add_argument("--quiet", "-q", action="store_true", help="print nothing")
    trace.set_defaults(run=cmd_trace)
    return parser


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (SpecError, OutputError) as err:
        print(f"cnntrace: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cnntrace: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
