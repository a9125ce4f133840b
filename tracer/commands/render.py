"""`cnntrace render` and `cnntrace demo`: handouts as HTML, PDF and TeX."""

from __future__ import annotations

import sys

from . import (add_spec_arguments, check_blank_mode, check_digits, digits, load_spec_argument,
               note_overflow, path_name, warn_of_answers_beside, whole_number)


def _formats(text: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in text.split(",") if f.strip())


def _add_output_arguments(parser, default_formats: str) -> None:
    parser.add_argument("--format", type=_formats, default=_formats(default_formats),
                        metavar="LIST", help=f"html, pdf, tex (default {default_formats})")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language")
    parser.add_argument("--digits", type=digits, default=4, metavar="N",
                        help="significant digits (default 4)")
    parser.add_argument("--max-cells", type=whole_number("usage.noun.cells", minimum=1),
                        metavar="K", help="cells expanded per step (default 16, and a few "
                        "representative ones of a large tensor)")
    parser.add_argument("--exact", action="store_true", help="exact arithmetic")
    parser.add_argument("--force", action="store_true",
                        help="replace existing files that cnntrace did not write")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print neither the files written nor the slow steps (notes and "
                             "errors still go to stderr)")


def register(commands) -> None:
    render = commands.add_parser("render", help="render a worked example (HTML, PDF, TeX)")
    add_spec_arguments(render)
    _add_output_arguments(render, "html,pdf")
    render.add_argument("--out", default="reports", metavar="DIR", type=path_name,
                        help="output folder (default reports/)")
    render.add_argument("--mode", choices=("worked", "worksheet", "key"), default="worked",
                        help="worked example, worksheet with blanks, or answer key")
    render.add_argument("--blank", metavar="IDS",
                        help="what a worksheet leaves blank: forward, backward, update, all, "
                             "or ids/cells such as conv1.out,pool1.out[0,0,0]")
    render.set_defaults(run=run_render)

    demo = commands.add_parser("demo", help="render the lecture's 4x4 walkthrough")
    _add_output_arguments(demo, "html,pdf")
    demo.add_argument("--out", default=None, metavar="DIR", type=path_name,
                      help="output folder (default reports/lecture/, or reports/section4/)")
    demo.add_argument("--section", type=int, choices=(4, 5), default=5,
                      help="5: the full pass (default); 4: each operation on its own")
    demo.set_defaults(run=run_demo, example="lecture", spec=None, mode="worked", blank=None,
                      lecture_title=True)


def _progress(step: str) -> None:
    """Say a slow step ('laying out the worksheet', in the handout's language) on stderr."""
    print(f"cnntrace: {step} ...", file=sys.stderr, flush=True)


def _said(args):
    """The progress callback and the printer of written paths, silent with --quiet."""
    if args.quiet:
        return (lambda step: None), (lambda path: None)
    return _progress, print


def run_render(args) -> int:
    from ..network import run_pass
    from ..report import write_report

    check_blank_mode(args)
    check_digits(args)
    spec = load_spec_argument(args)
    if getattr(args, "lecture_title", False):  # the demo: the lecture's title in --lang
        from dataclasses import replace

        from ..render.assets import plain
        spec = replace(spec, title=plain(args.lang, "demo.title"))
    trace = run_pass(spec, "exact" if args.exact else "float")
    note_overflow(trace, args.lang)
    progress, say_written = _said(args)
    paths = write_report(trace, args.out, args.format, overwrite=args.force, view=args.mode,
                         lang=args.lang, blank=args.blank, digits=args.digits,
                         max_cells=args.max_cells, progress=progress, warn=False)
    for path in paths:
        say_written(path)
    warn_of_answers_beside(args.mode, args.out, args.lang)
    _warn_of_older_formats(paths, args.lang)
    return 0


def _warn_of_older_formats(paths, lang: str) -> None:
    """worksheet.pdf beside a worksheet.html just written with --format html is an
    earlier run's, perhaps with other blanks: say so."""
    from pathlib import Path

    from ..render.assets import plain
    written = {Path(p) for p in paths}
    for path in sorted(written):
        if path.suffix not in (".html", ".pdf", ".tex"):
            continue
        for fmt in ("html", "pdf", "tex"):
            other = path.with_suffix(f".{fmt}")
            if other not in written and other.is_file():
                written.add(other)  # said once
                print("cnntrace: " + plain(lang, "terminal.note.older_format",
                                           {"path": other, "new": path.name}), file=sys.stderr)


def run_demo(args) -> int:
    if args.section == 5:
        args.out = args.out or "reports/lecture"
        return run_render(args)
    from ..explain import section4_traces
    from ..files import check_folder, make_folder, write_all
    from ..present.section4 import section4_document
    from ..render.assets import messages
    from ..report import render_document
    from pathlib import Path

    labels = messages(args.lang)["s4.labels"].split(",")
    traces = section4_traces("exact" if args.exact else "float", labels)
    document = section4_document(traces, args.digits)
    out = Path(args.out or "reports/section4")
    check_folder(out)
    progress, say_written = _said(args)
    rendered = render_document(document, args.format, args.lang, progress=progress)
    make_folder(out)
    for path in write_all({out / f"section4.{fmt}": data for fmt, data in rendered.items()},
                          overwrite=args.force):
        say_written(path)
    return 0
