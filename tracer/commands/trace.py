"""`cnntrace trace`: print every value of one pass; optionally write the JSON trace."""

from __future__ import annotations

import sys

from . import add_spec_arguments, check_digits, digits, load_spec_argument, note_overflow, path_name


def register(commands) -> None:
    parser = commands.add_parser("trace", help="print every value of one pass; optionally "
                                 "write the trace as JSON")
    add_spec_arguments(parser)
    parser.add_argument("--exact", action="store_true",
                        help="exact arithmetic: rationals, with e^x and log kept symbolic")
    parser.add_argument("--digits", type=digits, default=4, metavar="N",
                        help="significant digits to print (default 4)")
    parser.add_argument("--json", metavar="FILE", type=path_name,
                        help="write the trace as JSON to FILE")
    parser.add_argument("--force", action="store_true", help="overwrite existing output files")
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="language of the headings and messages (the ids stay)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..files import write_atomic
    from ..network import run_pass
    from ..present.text import render_text

    check_digits(args)
    trace = run_pass(load_spec_argument(args), "exact" if args.exact else "float")
    note_overflow(trace, args.lang)
    if args.json:
        write_atomic(args.json, trace.to_json(), overwrite=args.force)
    if not args.quiet:
        sys.stdout.write(render_text(trace, digits=args.digits, lang=args.lang))
    return 0
