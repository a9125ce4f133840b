"""`cnntrace batch`: a class set of generated variants, each with worksheet and key."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path

from . import check_digits, count, digits, path_name, positive_count, require_blank, terminal_safe
from .generate import add_generator_arguments, generator_options


def register(commands) -> None:
    parser = commands.add_parser(
        "batch", help="generate N variants (one per student): worksheet and key PDFs (HTML "
        "on request), answer sheets, specs and an index, on all cores")
    parser.add_argument("--count", type=positive_count, required=True, metavar="N",
                        help="number of variants")
    parser.add_argument("--seed", type=count, default=0, metavar="S",
                        help="batch seed (default 0); variant n uses generator seed "
                             "S*10000 + n-1 and has the id S-nn")
    add_generator_arguments(parser)
    parser.add_argument("--blank", default="all", metavar="LEVEL",
                        help="what the worksheets leave blank: forward, backward, update, "
                             "all (default), or ids/cells")
    parser.add_argument("--html", action="store_true", help="write HTML worksheets and keys too")
    parser.add_argument("--no-pdf", action="store_true", help="write no PDFs (with --html: "
                        "the handouts as HTML only)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language")
    parser.add_argument("--digits", type=digits, default=4, metavar="N",
                        help="significant digits (default 4)")
    parser.add_argument("--jobs", type=count, default=0, metavar="J",
                        help="worker processes (default: all cores)")
    parser.add_argument("--out", required=True, metavar="DIR", type=path_name, help="output folder")
    parser.add_argument("--force", action="store_true",
                        help="replace existing files that cnntrace did not write")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..batch import INDEX_FILES, Settings, plan, run_batch
    from ..errors import CnnTraceError
    from ..render.assets import plain

    check_digits(args)
    if args.no_pdf and not args.html:
        raise CnnTraceError.said("batch_no_format")
    variants = plan(args.count, args.seed, replace(generator_options(args), lang=args.lang))
    require_blank(args.blank)
    settings = Settings(out_dir=args.out, blank=args.blank, pdf=not args.no_pdf,
                        html=args.html, lang=args.lang, digits=args.digits)
    if variants[0].spec is not None:  # a bad --blank is one error, not one per variant
        _check_blank(variants[0], args.blank)
    result = run_batch(variants, settings, jobs=args.jobs or None, overwrite=args.force,
                       progress=not args.quiet)
    failed = [v for v in result if v.error]
    for variant in failed:
        print(terminal_safe("cnntrace: " + plain(args.lang, "batch.failed", {
            "error": plain(args.lang, "terminal.error"), "variant": variant.id,
            "seed": variant.seed,
            "why": variant.said.text(args.lang) if variant.said else variant.error})),
            file=sys.stderr)
    if not args.quiet:
        print(plain(args.lang, "batch.written", {
            "written": len(result) - len(failed), "count": len(result), "out": args.out,
            "index": ", ".join(str(Path(args.out) / name) for name in INDEX_FILES),
            "command": f"cnntrace check {shlex.quote(str(args.out))} ANSWERS..."}))
    return 1 if failed else 0


def _check_blank(variant, blank: str) -> None:
    from ..network import run_pass
    from ..present.blanks import select_hidden
    from ..spec import from_dict
    # with the loss after the update, which --blank loss.after asks
    select_hidden(run_pass(from_dict(variant.spec)), blank)
