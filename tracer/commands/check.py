"""`cnntrace check`: mark answer files against the trace of a spec."""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from ..errors import CnnTraceError, Said
from ..usage import english
from . import add_spec_arguments, load_spec_argument, path_name, require_blank, terminal_safe


def tolerance_value(text: str) -> float:
    """argparse type: a finite, non-negative number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(english("usage.number", value=repr(text))) from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(english("usage.at_least", noun="usage.noun.number",
                                                  minimum=0, value=repr(text)))
    return value


def register(commands) -> None:
    parser = commands.add_parser(
        "check", help="mark answer files (hand calculations) cell by cell, with "
        "follow-through credit and a diagnosis of each wrong cell")
    add_spec_arguments(parser)
    parser.add_argument("answers", nargs="*", metavar="ANSWERS",
                        help="answer files (.yaml .json .toml .csv); several give a class view")
    parser.add_argument("--json", metavar="FILE", type=path_name,
                        help="write the marking as JSON to FILE")
    parser.add_argument("--html", metavar="FILE", type=path_name,
                        help="write a marking report as HTML (for "
                        "several answer files: the class view)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="language of the terminal output and the HTML report")
    parser.add_argument("--rtol", type=tolerance_value, metavar="R",
                        help="relative tolerance (instead of following the written digits)")
    parser.add_argument("--atol", type=tolerance_value, metavar="A",
                        help="absolute tolerance (instead of following the written digits)")
    parser.add_argument("--blank", metavar="IDS",
                        help="the cells the worksheet asked, as for `cnntrace sheet --blank` "
                             "(default: each sheet's own `blanks:` line); asked cells an "
                             "answer file leaves out count as missing")
    parser.add_argument("--exact", action="store_true",
                        help="compute the true values in exact arithmetic")
    parser.add_argument("--force", action="store_true", help="overwrite existing output files")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing")
    parser.set_defaults(run=run, trailing="answers")


def _spec_and_answers(args):
    """SPEC is optional with --example, --preset or --weights (the network saved with
    them), so then the first positional is an answer file; with --weights, unless it
    reads as a spec (a table with layers)."""
    if args.spec and (args.example or args.preset or (args.weights and not _is_spec(args.spec))):
        args.answers = [args.spec] + list(args.answers)
        args.spec = None
    if args.spec and not args.answers and _is_answer_file(args.spec):
        raise _order_hint(args.spec, [])
    if not (args.spec or args.answers or args.example or args.preset or args.weights):
        raise CnnTraceError.said("check.missing_both", usage=USAGE)
    if not args.answers:
        raise CnnTraceError.said("check.missing_answers", after=Said("error.check.the_spec"))
    try:
        return load_spec_argument(args), args.answers
    except CnnTraceError:
        if args.spec and _is_answer_file(args.spec):
            raise _order_hint(args.spec, args.answers) from None
        raise


USAGE = "cnntrace check SPEC ANSWERS..."


def _order_hint(first: str, rest: list[str]) -> CnnTraceError:
    """The error for an answer file given where the spec goes, with the command in the
    right order when one of the other files is the spec."""
    import shlex
    spec = next((path for path in rest if _is_spec(path)), None)
    if spec is None:
        return CnnTraceError.said("order", first=first, usage=USAGE)
    answers = [first] + [path for path in rest if path != spec]
    return CnnTraceError.said("order_swapped", first=first, spec=spec, command="cnntrace check "
                              + " ".join(map(shlex.quote, [spec] + answers)))


def _is_answer_file(path: str) -> bool:
    """Whether the file reads as an answer file: no ``layers``, and a student label, a
    ``blanks:`` line or a quantity id (conv1.out, conv1.out[0,1,0]) among its keys."""
    from ..check.answers import read_answer_file
    if _is_spec(path):
        return False
    try:
        answers = read_answer_file(path)
    except CnnTraceError:
        return False
    return bool(answers.students or answers.blanks is not None
                or any(_names_a_quantity(key) for key, _ in answers.pairs))


def _names_a_quantity(key: str) -> bool:
    """'conv1.out', 'loss.out[0]': a layer and a quantity; not a spec's nested key
    ('conventions.pool_ties' once flattened)."""
    from ..spec import TOP_KEYS
    match = re.match(r"([A-Za-z_]\w*)(\.\w|\[)", key)
    return match is not None and match[1] not in TOP_KEYS


def _is_spec(path: str) -> bool:
    """Whether the file has a top-level ``layers`` key (a spec; answer files name
    quantities), read from the text: an answer file may be megabytes of YAML."""
    from ..check.answers import MAX_BYTES
    from ..files import read_text
    from ..spec import FORMATS, SpecError
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:  # e.g. a .csv answer file
        return False
    try:
        text = read_text(Path(path), Said("error.kind.file"), SpecError, MAX_BYTES)
    except SpecError:
        return False
    return _LAYERS_KEY[fmt].search(text) is not None


_LAYERS_KEY = {"toml": re.compile(r"""^\s*(\[\[\s*["']?layers["']?\s*\]\]|["']?layers["']?\s*=)""",
                                  re.M),
               "yaml": re.compile(r"""^["']?layers["']?\s*:|["']layers["']\s*:""", re.M),
               "json": re.compile(r'"layers"\s*:')}


def run(args) -> int:
    from ..check import Checker, ClassChecker, Tolerance, is_class
    from ..check.answers import AnswerFileError
    from ..check.classview import class_json, render_class
    from ..check.report import dumps, marking_json, render_marking, summary_line
    from ..files import write_all
    from ..render.assets import plain
    from ..report import class_html, marking_html

    mode, tolerance = "exact" if args.exact else "float", Tolerance(rtol=args.rtol,
                                                                     atol=args.atol)
    if args.spec and not (args.example or args.preset or args.weights) and is_class(args.spec):
        if not args.answers:
            raise CnnTraceError.said("check.missing_answers", after=args.spec)
        group, paths = ClassChecker(args.spec, mode, tolerance), args.answers
        checker = group.first
    else:
        spec, paths = _spec_and_answers(args)
        group = checker = Checker(spec, mode, tolerance)
    require_blank(args.blank)
    if args.json and args.html and Path(args.json).resolve() == Path(args.html).resolve():
        raise CnnTraceError.said("check.same_output", path=args.html)
    if args.blank is not None:
        checker.asked(args.blank)  # a bad --blank is the command's error, not a sheet's
    if len(paths) == 1:
        marking = group.check_file(paths[0], args.blank)
        if group is not checker:  # the trace of the variant it was marked against
            checker = group.checker(marking.variant)
        files = {}
        if args.json:
            files[Path(args.json)] = dumps(marking_json(marking))
        if args.html:
            files[Path(args.html)] = marking_html(checker.trace, marking, args.lang)
        write_all(files, overwrite=args.force)  # both targets checked before either is written
        if not args.quiet:
            sys.stdout.write(terminal_safe(render_marking(
                marking, checker.trace.title, checker.tolerance, checker.trace.mode, args.lang)))
        return 0

    markings, unusable, said = [], [], []  # said: as unusable, the errors in --lang
    given = {}  # a file given twice would count twice in the class statistics
    for path in paths:
        try:
            if Path(path).resolve() in given:
                raise AnswerFileError.said("answers_twice", path=path,
                                           other=given[Path(path).resolve()])
            given[Path(path).resolve()] = path
            markings.append(group.check_file(path, args.blank))
        except AnswerFileError as err:
            unusable.append({"file": str(path), "error": str(err)})
            said.append({"file": str(path), "error": err.text(args.lang)})
    files = {}
    if args.json:
        data = {"format": "cnntrace-class-marking", "version": 1,
                "sheets": [marking_json(m) for m in markings],
                "class": class_json(markings), "unusable": unusable}
        files[Path(args.json)] = dumps(data)
    if args.html:
        files[Path(args.html)] = class_html(checker.trace, markings, args.lang, said)
    write_all(files, overwrite=args.force)
    if not args.quiet:
        lines = [f"{m.path}{f' ({m.student})' if m.student else ''}: "
                 f"{summary_line(m, args.lang)}{_first_text(m, args.lang)}" for m in markings]
        sys.stdout.write(terminal_safe("\n".join(lines) + "\n\n"
                                       + render_class(markings, args.lang, said)))
    for item in said:
        print(terminal_safe(f"cnntrace: {plain(args.lang, 'terminal.error')}: {item['error']}"),
              file=sys.stderr)
    return 2 if unusable else 0


def _first_text(marking, lang: str = "en") -> str:
    from ..check.report import mistake_title, say
    first = marking.first_divergence
    if first is None:
        return ""
    if first.diagnosis:
        return "; " + say(lang, "sheet.first.diagnosis", cell=first.label,
                          mistake=mistake_title(first.diagnosis.mistake, lang))
    return "; " + say(lang, "sheet.first", cell=first.label)
