"""One module per `cnntrace` subcommand: ``register(subparsers)`` adds its parser and
sets ``run(args) -> exit code``. Heavy imports happen inside ``run``, so that the
command line starts fast.

Every command that runs a pass names its network the same way (:func:`add_spec_arguments`,
:func:`load_spec_argument`): a SPEC file, ``--example NAME`` or ``--preset NAME`` (with
``--seed S``), and optionally ``--weights FILE.npz --sample K [--data DATA]``: the weights
of ``cnntrace train --save`` and test image K of the data, so the pass is one of a trained
network on a real digit.
"""

from __future__ import annotations

import argparse
import re

from ..spec import SpecError, example_names
from ..usage import english

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters but tab and newline shown as escapes (\\x1b): a
    student's name or key in an answer file must not move the marker's cursor or clear
    their screen."""
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def digits(text: str) -> int:
    """argparse type: significant digits, 1..50."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(english("usage.whole", value=repr(text))) from None
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(english("usage.digits", value=value))
    return value


def check_digits(args) -> None:
    """Refuse --digits beyond what float64 holds unless --exact: from the 16th digit on,
    a float prints rounding noise (270.42640742615254 for 270.42640742615262...)."""
    from ..present.context import MAX_DIGITS
    if args.digits > MAX_DIGITS["float"] and not getattr(args, "exact", False):
        from ..errors import CnnTraceError
        raise CnnTraceError.said("float_digits" if hasattr(args, "exact") else
                                 "float_digits_only", digits=args.digits,
                                 most=MAX_DIGITS["float"])


def whole_number(noun: str, minimum: int = 0):
    """argparse type: a whole number >= ``minimum``, the error naming ``noun`` (a
    usage.noun.* message)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(english("usage.whole", value=repr(text))) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(english("usage.at_least", noun=noun, minimum=minimum,
                                                     value=value))
        return value
    return parse


def path_name(text: str) -> str:
    """argparse type: a file or folder name, not an empty one (`--out ''` wrote into the
    current folder, `--json ''` wrote nothing, both without a word)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(english("usage.empty_name"))
    return text


count = whole_number("usage.noun.whole")  # argparse types
positive_count = whole_number("usage.noun.whole", minimum=1)
sample_index = whole_number("usage.noun.sample")


def check_blank_mode(args) -> None:
    """--blank without --mode worksheet/key would silently write the full solution."""
    from ..present.blanks import blank_error
    if args.blank and args.mode == "worked":
        raise blank_error("worked_mode")
    require_blank(args.blank)  # "--blank ," would make a worksheet with every answer in it


def warn_of_answers_beside(mode: str, out, lang: str = "en") -> None:
    """Print :func:`tracer.report.answers_notes` on stderr: answers beside a worksheet."""
    import sys

    from ..report import answers_notes
    for note in answers_notes(mode, out, lang) if out is not None else ():
        print(f"cnntrace: {note}", file=sys.stderr)


def note_overflow(trace, lang: str = "en") -> None:
    """Say where a float pass first leaves float64 (inf or nan in a value other than an
    e^z or its sum, which overflow harmlessly: the softmax is computed in a stable form),
    since the handout then reads 'nan' from there on."""
    import sys

    import numpy as np

    from ..render.assets import plain
    if trace.mode != "float":
        return
    for qid in trace.ids():
        if qid.endswith((".exp", ".sum")):
            continue
        value = trace.numbers(qid)
        if not np.all(np.isfinite(value)):
            print("cnntrace: " + plain(lang, "terminal.note.overflow", {"qid": qid}),
                  file=sys.stderr)
            return


def require_blank(blank: str | None) -> None:
    """An empty --blank would make a sheet (or worksheet) with no blanks, scored 0/0."""
    from ..present.blanks import blank_error
    if blank is not None and not blank.strip(" ,"):
        raise blank_error("nothing")


def add_out_file(parser: argparse.ArgumentParser, noun: str, force_help: str) -> None:
    """--out FILE (standard output without it) and --force, for a command that writes one
    ``noun``; :func:`check_out_file` refuses an existing one before the work."""
    parser.add_argument("--out", metavar="FILE", type=path_name,
                        help=f"write the {noun} to FILE (default: standard output)")
    parser.add_argument("--force", action="store_true",
                        help=f"replace an existing --out FILE ({force_help})")


def check_out_file(args, fmt: str, *suffixes: str) -> None:
    """Refuse an --out FILE that may not be replaced, or whose name does not end in one of
    ``suffixes`` (the file is ``fmt``: a sheet.json of YAML would not read back), before
    any work, not after it."""
    if args.out:
        from pathlib import Path

        from ..errors import either
        from ..files import OutputError, check_target
        path = Path(args.out)
        if path.suffix.lower() not in suffixes and not path.is_dir():  # (a folder: below)
            raise OutputError.said("out_suffix", path=path, format=fmt,
                                   suffixes=either(*suffixes))
        check_target(path, args.force)


def add_spec_arguments(parser: argparse.ArgumentParser, *, sample: bool = True,
                       seed_help: str | None = None) -> None:
    """SPEC, --example NAME, --preset NAME and --seed S, shared by every command that runs
    a pass; with ``sample`` also --weights FILE, --sample K and --data DATA."""
    from ..presets import TRAINING, add_preset_argument
    parser.add_argument("spec", nargs="?", metavar="SPEC", help="spec file (.toml .yaml .json)")
    parser.add_argument("--example", choices=example_names(),
                        help="use a built-in example instead of a file")
    parser.add_argument("--seed", type=whole_number("usage.noun.seed"), default=None, metavar="S",
                        help=seed_help or "seed for weights the spec does not give (a "
                        "preset's weights and input; default: the spec's seed, 0 for presets)")
    add_preset_argument(parser)  # --preset (its --seed is the one above)
    if not sample:
        return
    parser.add_argument("--weights", metavar="FILE.npz", type=path_name,
                        help="trained weights (cnntrace train --save); the network is the "
                        "one saved with them unless SPEC, --example or --preset is given")
    parser.add_argument("--sample", type=sample_index, metavar="K",
                        help="trace test image K of the data (default 0 with --weights)")
    parser.add_argument("--data", metavar="DATA", type=path_name,
                        help="where --sample comes from: 'digits', a folder with the MNIST "
                        "IDX files or an MNIST .npz (default: the data the weights were "
                        "trained on; " + "; ".join(
                            f"--preset {name}: {entry['data']}"
                            for name, entry in sorted(TRAINING.items()) if entry["data"]) + ")")


def _given(args) -> list[str]:
    """The network sources given on the command line, as the user wrote them."""
    out = []
    if getattr(args, "spec", None):
        out.append(f"SPEC ({args.spec})")
    if getattr(args, "example", None):
        out.append(f"--example {args.example}")
    if getattr(args, "preset", None):
        out.append(f"--preset {args.preset}")
    return out


def _load_spec(args):
    """The Spec named by SPEC, --example or --preset (at most one of them), with --seed;
    with --weights and/or --sample, one pass of that (trained) network on a real test
    image. Every problem is a one-line :class:`~tracer.errors.CnnTraceError`."""
    import dataclasses

    from ..spec import from_dict, load_example, load_spec
    given = _given(args)
    if len(given) > 1:
        raise SpecError.said("spec_sources" if len(given) == 2 else "spec_sources.all",
                             **dict(zip("abc", given)))
    name, seed = getattr(args, "preset", None), getattr(args, "seed", None)
    weights, sample = getattr(args, "weights", None), getattr(args, "sample", None)
    # --data is --sample's only on parsers with --weights (train has its own --data)
    data = getattr(args, "data", None) if hasattr(args, "weights") else None
    if weights is None and sample is None:
        if data:
            raise SpecError.said("data_without_sample")
        if name:
            from ..presets import load_preset
            return load_preset(name, lang=getattr(args, "lang", "en"),
                               **({} if seed is None else {"seed": seed}))
        if args.example:
            spec = load_example(args.example)
            spec = dataclasses.replace(spec, title=example_title(args, spec.title))
        elif args.spec:
            spec = load_spec(args.spec)
        else:
            raise SpecError.said("missing_spec", examples=",".join(example_names()))
        return spec if seed is None else dataclasses.replace(spec, seed=seed)

    from ..weights import spec_with_weights
    base = _spec_dict(args)
    if base is None and weights is None:
        raise SpecError.said("sample_without_network")
    if data is None and weights is None and name:
        from ..presets import TRAINING
        data = TRAINING.get(name, {}).get("data")
    if data is None and weights is None:
        raise SpecError.said("sample_without_data", sample=sample)
    if seed is not None and base is not None:
        base["seed"] = seed
    if base is not None and getattr(args, "example", None) and "title" in base:
        base["title"] = example_title(args, base["title"])
    sample = 0 if sample is None else sample
    source = str(weights) if weights else (
        args.spec or (f"example {args.example}" if args.example else f"preset {name}"))
    return from_dict(spec_with_weights(base, weights, sample, data=data,
                                       lang=getattr(args, "lang", "en")), source)


# the message holding a built-in example's title in each language (the demo is the lecture)
EXAMPLE_TITLES = {"lecture": "demo.title"}


def example_title(args, title: str | None) -> str | None:
    """The title of ``--example`` in ``--lang`` when ``title`` is the example's own English
    one (as `demo --lang ko` titles it), else ``title`` unchanged: a Korean handout, sheet
    or quiz should not carry an English heading the catalog translates."""
    from ..render.assets import plain
    key = EXAMPLE_TITLES.get(getattr(args, "example", None) or "")
    lang = getattr(args, "lang", "en") or "en"
    if key is None or title != plain("en", key):
        return title
    return plain(lang, key)


def _spec_dict(args) -> dict | None:
    """SPEC, --example or --preset as a plain spec dict (None when none was given)."""
    from ..spec import EXAMPLES_DIR, FORMATS, load_spec, parse_text
    if getattr(args, "preset", None):
        from ..presets import preset
        seed = getattr(args, "seed", None)
        return preset(args.preset, lang=getattr(args, "lang", "en"),
                      **({} if seed is None else {"seed": seed}))
    if getattr(args, "example", None):
        path = EXAMPLES_DIR / f"{args.example}.toml"
    elif getattr(args, "spec", None):
        path = args.spec
    else:
        return None
    load_spec(path)  # validates it: errors name the file and field
    from pathlib import Path
    path = Path(path)
    return parse_text(path.read_text(encoding="utf-8-sig"), FORMATS[path.suffix.lower()],
                      str(path))


def describe_spec_argument(args) -> str:
    """The network's arguments as they would be typed again (for `cnntrace check ...`
    hints in generated files)."""
    from ..files import shell_quote
    parts = [shell_quote(args.spec)] if getattr(args, "spec", None) else []
    for option in ("example", "preset", "seed", "weights", "sample", "data"):
        value = getattr(args, option, None)
        if value is not None:
            parts.append(f"--{option} {shell_quote(str(value))}")
    return " ".join(parts) or "SPEC"


def load_spec_argument(args):
    """The Spec named by SPEC, --example or --preset (at most one of them), with --seed;
    with --weights and/or --sample, one pass of that (trained) network on a real test
    image (:func:`_load_spec`), checking that the image has the shape of the network's
    input: an image of another size is reported as that (both shapes, naming
    --data), not as the layer it happens to break (`pool window 2x2 is larger than its
    input 1x1`), nor traced through seeded weights drawn for its size."""
    try:
        spec = _load_spec(args)
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
    from ..errors import CnnTraceError, Said
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
    where = f"--data {source}" if args.data else Said("error.data.default_data",
                                                     {"source": source})
    return image_misfit(image, shape, network, where)


def _network_input(args, base: dict | None, trained_on: str | None) -> tuple[str, tuple]:
    """The network as the user named it, and the input shape it takes: its spec's input,
    or with only --weights the images it was trained on."""
    import numpy as np

    from ..data import load_data
    from ..spec import from_dict
    if base is not None:
        return _given(args)[0], np.shape(from_dict(base).inputs[0])
    return f"--weights {args.weights}", load_data(trained_on).image_shape


def _weights_data(args):
    """Where the data the --weights were trained on is (None without --weights)."""
    from ..weights import load_weights, trained_data
    return trained_data(load_weights(args.weights)[1], args.weights) if args.weights else None


def _preset_data(args):
    from ..presets import TRAINING
    return TRAINING.get(args.preset or "", {}).get("data")
