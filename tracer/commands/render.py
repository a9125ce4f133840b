"""`cnntrace render` and `cnntrace demo`: handouts as HTML, PDF and TeX."""

from __future__ import annotations

import sys

from ..spec import SpecError
from . import add_spec_arguments, check_blank_mode, digits, load_spec_argument, whole_number


def _formats(text: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in text.split(",") if f.strip())


def _add_output_arguments(parser, default_formats: str) -> None:
    parser.add_argument("--format", type=_formats, default=_formats(default_formats),
                        metavar="LIST", help=f"html, pdf, tex (default {default_formats})")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language")
    parser.add_argument("--digits", type=digits, default=4, metavar="N",
                        help="significant digits (default 4)")
    parser.add_argument("--max-cells", type=whole_number("a cell count"), default=16,
                        metavar="K", help="cells expanded per step (default 16)")
    parser.add_argument("--exact", action="store_true", help="exact arithmetic")
    parser.add_argument("--force", action="store_true",
                        help="replace existing files that cnntrace did not write")


def register(commands) -> None:
    render = commands.add_parser("render", help="render a worked example (HTML, PDF, TeX)")
    add_spec_arguments(render)
    _add_output_arguments(render, "html,pdf")
    render.add_argument("--out", default="reports", metavar="DIR",
                        help="output folder (default reports/)")
    render.add_argument("--mode", choices=("worked", "worksheet", "key"), default="worked",
                        help="worked example, worksheet with blanks, or answer key")
    render.add_argument("--blank", metavar="IDS",
                        help="what a worksheet leaves blank: forward, backward, update, all, "
                             "or ids/cells such as conv1.out,pool1.out[0,0,0]")
    render.set_defaults(run=run_render)

    demo = commands.add_parser("demo", help="render the lecture's 4x4 walkthrough")
    _add_output_arguments(demo, "html,pdf")
    demo.add_argument("--out", default=None, metavar="DIR",
                      help="output folder (default reports/lecture/, or reports/section4/)")
    demo.add_argument("--section", type=int, choices=(4, 5), default=5,
                      help="5: the full pass (default); 4: each operation on its own")
    demo.set_defaults(run=run_demo, example="lecture", spec=None, mode="worked", blank=None,
                      lecture_title=True)


def load_sample_spec(args):
    """:func:`load_spec_argument`, checking that a --sample image has the shape of the
    network's input: an image of another size is reported as that (both shapes, naming
    --data), not as the layer it happens to break (`pool window 2x2 is larger than its
    input 1x1`), nor traced through seeded weights drawn for its size."""
    try:
        spec = load_spec_argument(args)
    except SpecError as err:
        raise _sample_misfit(args) or err from None
    misfit = _sample_misfit(args, spec)
    if misfit is not None:
        raise misfit
    return spec


def _sample_misfit(args, spec=None):
    """The DataError of a --sample image (``spec``'s input; without a spec, the data's)
    that does not fit the network, or None: it fits, no real image was asked for, or
    the shapes cannot be told."""
    import numpy as np

    from ..data import image_misfit, load_data
    from ..errors import CnnTraceError
    from . import _spec_dict
    if getattr(args, "sample", None) is None and getattr(args, "weights", None) is None:
        return None  # e.g. demo, which has neither
    try:
        base = _spec_dict(args)
        trained_on = _weights_data(args)
        source = args.data or trained_on or _preset_data(args)
        if not source or (base is None and source == trained_on):
            return None  # no data to take an image from, or the weights' own data
        image = np.shape(spec.inputs[0]) if spec is not None else load_data(source).image_shape
        network, shape = _network_input(args, base, trained_on)
    except CnnTraceError:
        return None
    where = f"--data {source}" if args.data else f"{source} (the default --data)"
    return image_misfit(image, shape, network, where)


def _network_input(args, base: dict | None, trained_on: str | None) -> tuple[str, tuple]:
    """The network as the user named it, and the input shape it takes: its spec's input,
    or with only --weights the images it was trained on."""
    import numpy as np

    from ..data import load_data
    from ..spec import from_dict
    from . import _given
    if base is not None:
        return _given(args)[0], np.shape(from_dict(base).inputs[0])
    return f"--weights {args.weights}", load_data(trained_on).image_shape


def _weights_data(args):
    """The data the --weights were trained on (None without --weights)."""
    from ..train import load_weights
    return load_weights(args.weights)[1].get("data") if args.weights else None


def _preset_data(args):
    from ..presets import TRAINING
    return TRAINING.get(args.preset or "", {}).get("data")


def _progress(step: str) -> None:
    print(f"cnntrace: {step} ...", file=sys.stderr, flush=True)


def run_render(args) -> int:
    from ..network import run_pass
    from ..report import write_report

    check_blank_mode(args)
    spec = load_sample_spec(args)
    if getattr(args, "lecture_title", False):  # the demo: the lecture's title in --lang
        from dataclasses import replace

        from ..render.assets import fill
        spec = replace(spec, title=fill(args.lang, "demo.title", {}, str, str))
    trace = run_pass(spec, "exact" if args.exact else "float")
    paths = write_report(trace, args.out, args.format, overwrite=args.force, view=args.mode,
                         lang=args.lang, blank=args.blank, digits=args.digits,
                         max_cells=args.max_cells, progress=_progress)
    for path in paths:
        print(path)
    return 0


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
    rendered = render_document(document, args.format, args.lang, progress=_progress)
    make_folder(out)
    for path in write_all({out / f"section4.{fmt}": data for fmt, data in rendered.items()},
                          overwrite=args.force):
        print(path)
    return 0
