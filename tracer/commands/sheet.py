"""`cnntrace sheet`: the fill-in answer sheet (YAML) of a worksheet's blanks."""

from __future__ import annotations

from . import (add_out_file, add_spec_arguments, check_out_file, describe_spec_argument,
               load_spec_argument, note_overflow, require_blank)


def register(commands) -> None:
    parser = commands.add_parser(
        "sheet", help="write the fill-in answer sheet (YAML, nulls to replace) that "
        "`cnntrace check` reads, for the blanks of a worksheet")
    add_spec_arguments(parser)
    parser.add_argument("--blank", default="all", metavar="IDS",
                        help="what the worksheet leaves blank: forward, backward, update, "
                             "all (default), or ids/cells such as conv1.out,pool1.out[0,0,0]")
    parser.add_argument("--variant", metavar="ID", help="a variant id for the header (default: "
                        "the spec's own)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="language of the sheet's comments (its keys stay the quantity "
                        "ids, so check reads it in any language)")
    parser.add_argument("--exact", action="store_true",
                        help="exact arithmetic: the cells a worksheet rendered with --exact "
                        "asks (they can differ where float values tie)")
    add_out_file(parser, "sheet", "e.g. a filled-in sheet")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..files import write_output
    from ..network import run_pass
    from ..sheet import sheet_text

    check_out_file(args, "YAML", ".yaml", ".yml")
    require_blank(args.blank)
    spec = load_spec_argument(args)
    name = describe_spec_argument(args)
    trace = run_pass(spec, "exact" if args.exact else "float", after=True)
    note_overflow(trace, args.lang)
    if args.variant and spec.variant and args.variant != spec.variant:
        from ..errors import CnnTraceError
        raise CnnTraceError.said("sheet_variant", variant=spec.variant)
    variant = args.variant or spec.variant or None  # a batch variant's spec names it
    text = sheet_text(trace, args.blank, variant=variant, lang=args.lang,
                      spec_name=f"{name} --exact" if args.exact else name,
                      answers_name=args.out or "answers.yaml")
    if write_output(text, args.out, overwrite=args.force):
        print(args.out)
    return 0
