"""`cnntrace explain OP ...`: the lecture's section-4 exercises for any numbers."""

from __future__ import annotations

import sys

from . import (check_blank_mode, check_digits, count, digits, path_name, positive_count,
               warn_of_answers_beside)


def _common(parser) -> None:
    parser.add_argument("--exact", action="store_true", help="exact arithmetic")
    parser.add_argument("--digits", type=digits, default=4, metavar="N")
    parser.add_argument("--lang", choices=("en", "ko"), default="en")
    parser.add_argument("--format", metavar="LIST",
                        help="text (printed, the default without --out), or html, pdf, tex "
                        f"written to --out (default {','.join(FILE_FORMATS)} with --out)")
    parser.add_argument("--out", metavar="DIR", type=path_name,
                        help=f"write the handout to DIR (default {DEFAULT_OUT}/ with --format)")
    parser.add_argument("--mode", choices=("worked", "worksheet", "key"), default="worked")
    parser.add_argument("--blank", metavar="IDS",
                        help="what a worksheet leaves blank (default: the results)")
    parser.add_argument("--title", default="")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print nothing (with --format: not the files written)")


FILE_FORMATS = ("html", "pdf")  # what --out alone writes: render's and demo's default
DEFAULT_OUT = "reports/explain"  # where --format html etc. alone writes

OPS = {
    "conv": ("convolution of a matrix with a kernel", [
        ("--input", dict(required=True, metavar="MATRIX")),
        ("--kernel", dict(required=True, metavar="MATRIX")),
        ("--stride", dict(type=positive_count, default=1)), ("--padding", dict(type=count,
                                                                         default=0)),
        ("--bias", dict(default=None, metavar="B")), ("--grad-out", dict(metavar="MATRIX"))]),
    "maxpool": ("max pooling", [
        ("--input", dict(required=True, metavar="MATRIX")),
        ("--size", dict(type=positive_count, default=2)), ("--stride", dict(type=positive_count)),
        ("--grad-out", dict(metavar="MATRIX"))]),
    "relu": ("ReLU", [("--input", dict(required=True, metavar="MATRIX")),
                      ("--grad-out", dict(metavar="MATRIX"))]),
    "sigmoid": ("sigmoid", [("--input", dict(required=True, metavar="MATRIX")),
                            ("--grad-out", dict(metavar="MATRIX"))]),
    "softmax": ("softmax of a vector", [("--input", dict(required=True, metavar="VECTOR")),
                                        ("--grad-out", dict(metavar="VECTOR"))]),
    "dense": ("a dense layer", [("--input", dict(required=True, metavar="VECTOR")),
                                ("--weight", dict(required=True, metavar="MATRIX")),
                                ("--bias", dict(metavar="VECTOR")),
                                ("--grad-out", dict(metavar="VECTOR"))]),
    "cross-entropy": ("cross-entropy of probabilities against a one-hot answer", [
        ("--probs", dict(required=True, metavar="VECTOR")),
        ("--target", dict(required=True, metavar="INDEX|VECTOR"))]),
    "onehot": ("one-hot encoding", [("--labels", dict(required=True, metavar="A,B,C")),
                                    ("--label", dict(required=True))]),
    "output-size": ("the output size of a convolution or pooling", [
        ("--size", dict(type=positive_count, required=True)),
        ("--kernel", dict(type=positive_count, required=True)),
        ("--stride", dict(type=positive_count,
                          help="default 1; with --pool the window size (--kernel)")),
        ("--padding", dict(type=count, default=0)),
        ("--pool", dict(action="store_true", help="a pooling window, not a convolution"))]),
}


def register(commands) -> None:
    explain = commands.add_parser("explain", help="one operation worked out (section 4)")
    ops = explain.add_subparsers(dest="op", required=True, metavar="OP")
    for op, (help_text, options) in OPS.items():
        parser = ops.add_parser(op, help=help_text)
        for flag, kwargs in options:
            parser.add_argument(flag, **kwargs)
        _common(parser)
        parser.set_defaults(run=run)


def make_trace(args):
    from .. import explain
    from ..render.assets import plain
    mode = "exact" if args.exact else "float"
    if not args.title:  # the exercise's name in the handout's language
        args.title = plain(args.lang, f"explain.title.{args.op}")
    matrix = explain.parse_matrix
    if args.op in explain.LAYER_OPS:
        values = {"input": matrix(args.input, "--input")}
        for key in ("kernel", "weight"):
            if getattr(args, key, None) is not None:
                values[key] = matrix(getattr(args, key), f"--{key}")
        if getattr(args, "bias", None) is not None:
            values["bias"] = matrix(args.bias, "--bias", (0, 1))
        if getattr(args, "grad_out", None) is not None:
            values["grad_out"] = matrix(args.grad_out, "--grad-out", (0, 1, 2, 3))
        for key in ("stride", "padding", "size"):
            if getattr(args, key, None) is not None:
                values[key] = getattr(args, key)
        return explain.explain_layer(args.op, values, mode, args.title)
    if args.op == "cross-entropy":
        target = matrix(args.target, "--target", (0, 1))
        return explain.cross_entropy(matrix(args.probs, "--probs", (1,)), target, mode,
                                     args.title)
    if args.op == "onehot":
        return explain.onehot([s.strip() for s in args.labels.split(",")], args.label.strip(),
                              mode, args.title)
    return explain.output_size(args.size, args.kernel, args.stride, args.padding, args.pool,
                               args.title)


def default_blank(trace) -> str:
    """The results: what the exercise asks for."""
    kind = trace.conventions.get("pass")
    return {"forward": "forward", "backward": "backward", "cross_entropy": "loss.terms,loss.out",
            "onehot": "onehot.out", "output_size": "size.out"}[kind]


def run(args) -> int:
    from ..errors import CnnTraceError
    from ..present.blanks import select_hidden
    from ..present.handout import build_document
    from ..render.text import render_text
    from ..report import write_report

    check_blank_mode(args)
    check_digits(args)
    formats = output_formats(args)
    trace = make_trace(args)
    blank = args.blank or (default_blank(trace) if args.mode != "worked" else None)
    if formats == ("text",):
        hidden = select_hidden(trace, blank)
        document = build_document(trace, digits=args.digits, hidden=hidden)
        if not args.quiet:
            sys.stdout.write(render_text(document, args.lang, args.mode, hidden))
        return 0
    if "text" in formats:
        raise CnnTraceError.said("format_text_alone")
    for path in write_report(trace, args.out or DEFAULT_OUT, formats, overwrite=args.force,
                             view=args.mode, lang=args.lang, blank=blank, digits=args.digits,
                             warn=False):
        if not args.quiet:
            print(path)
    warn_of_answers_beside(args.mode, args.out or DEFAULT_OUT, args.lang)
    return 0


def output_formats(args) -> tuple[str, ...]:
    """What to make: --format as given; without it the terminal text, or with --out the
    files render and demo write by default (an --out DIR that wrote nothing was a folder
    silently not made). Text with --out is refused: it would print and leave DIR empty."""
    from ..errors import CnnTraceError
    if args.format is None:
        return FILE_FORMATS if args.out else ("text",)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    if formats == ("text",) and args.out:
        raise CnnTraceError.said("format_text_out", out=args.out,
                                 formats=",".join(FILE_FORMATS))
    return formats
