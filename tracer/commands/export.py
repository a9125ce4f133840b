"""`cnntrace export moodle`: a Moodle XML quiz of a worksheet's blanks."""

from __future__ import annotations

from . import (add_out_file, add_spec_arguments, check_digits, check_out_file, digits,
               load_spec_argument, note_overflow, require_blank)

TARGETS = ("moodle",)


def register(commands) -> None:
    parser = commands.add_parser(
        "export", help="export a worksheet's blanks as a quiz for a learning management "
        "system (moodle: Moodle XML, numerical questions)")
    parser.add_argument("target", choices=TARGETS, help="the quiz format")
    add_spec_arguments(parser)
    parser.add_argument("--blank", default="all", metavar="IDS",
                        help="the cells to ask: forward, backward, update, all (default), "
                             "or ids/cells such as conv1.out,pool1.out[0,0,0]; at most 500 cells")
    parser.add_argument("--digits", type=digits, default=4, metavar="N",
                        help="significant digits asked (default 4); the tolerance is one "
                             "unit in the last of them")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language")
    parser.add_argument("--exact", action="store_true", help="exact arithmetic")
    parser.add_argument("--category", metavar="PATH",
                        help="Moodle question category (default $course$/top/cnntrace/TITLE)")
    parser.add_argument("--variant", metavar="ID", help="a variant id shown on the pages")
    parser.add_argument("--feedback", choices=("full", "none"), default="full",
                        help="general feedback: the whole worked example (default; at "
                             "most 32 MB of it in all; it answers every question, so use it "
                             "with Moodle's deferred feedback) or none")
    add_out_file(parser, "quiz", "cnntrace replaces its own quiz")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..files import write_output
    from ..network import run_pass
    from ..render.moodle import moodle_xml

    check_out_file(args, "Moodle XML", ".xml")
    check_digits(args)
    require_blank(args.blank)
    spec = load_spec_argument(args)
    trace = run_pass(spec, "exact" if args.exact else "float")
    note_overflow(trace, args.lang)
    variant = args.variant or spec.variant or None  # a batch variant's spec names it
    quiz = moodle_xml(trace, args.blank, digits=args.digits, lang=args.lang,
                      category=args.category, variant=variant, feedback=args.feedback)
    if write_output(quiz, args.out, overwrite=args.force):
        print(args.out)
    return 0
