"""Handouts from a trace: the library behind `cnntrace render` and `cnntrace demo`.

>>> from tracer import load_example, run_pass
>>> from tracer.report import render
>>> files = render(run_pass(load_example("lecture")), formats=("html",))
>>> sorted(files)
['html']
"""

from __future__ import annotations

import numbers
import re
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from .errors import CnnTraceError, Said
from .files import check_folder, check_target, make_folder, write_all
from .present.blanks import select_hidden
from .present.handout import build_document
from .render.assets import plain

FORMATS = ("html", "pdf", "tex")
ANSWER_FILES = ("trace.json", "worked.html", "worked.pdf", "worked.tex", "key.html", "key.pdf",
                "key.tex")  # a worksheet's folder holding one of these holds its answers
VIEWS = ("worked", "worksheet", "key")
LANGS = ("en", "ko")


def check_formats(formats) -> None:
    """CnnTraceError unless ``formats`` names at least one of html, pdf, tex and no other."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        given = Said("error.format.unknown", {"names": ", ".join(unknown)}) if unknown \
            else Said("error.format.none")
        raise CnnTraceError.said("format", given=given)


def format_list(formats) -> tuple[str, ...]:
    """``formats`` as a tuple: a str is one format or a comma list ("html,pdf"), as the
    command line's --format (iterated, "html" would be four letters)."""
    if isinstance(formats, str):
        return tuple(f.strip() for f in formats.split(",") if f.strip())
    if not isinstance(formats, (list, tuple, set, frozenset)) \
            or not all(isinstance(f, str) for f in formats):
        raise TypeError(f"formats: expected a str such as 'html' or 'html,pdf', or a list of "
                        f"them, got {type(formats).__name__} {formats!r}")
    return tuple(formats)


def blank_text(blank) -> str | None:
    """A --blank selection from a str ("conv1.out,pool1.out[0,0,0]") or a list of ids,
    cells and steps; None stays None."""
    if blank is None or isinstance(blank, str):
        return blank
    if isinstance(blank, (list, tuple, set, frozenset)) \
            and all(isinstance(b, str) for b in blank):
        return ",".join(blank)
    raise TypeError(f"blank: expected a str such as 'forward' or 'conv1.out,pool1.out', or a "
                    f"list of ids and cells, got {type(blank).__name__} {blank!r}")


def check_arguments(trace, formats=("html",), lang: str = "en", view: str = "worked",
                    blank=None, digits: int = 4, max_cells: int | None = None,
                    variant: str | None = None, progress=None) -> tuple[tuple, str | None]:
    """Check :func:`render`'s arguments as the command line checks its options, before
    any work: TypeError for a wrong type, ValueError (CnnTraceError) for a bad value, one
    line naming the argument. Returns the formats and the blank selection as str."""
    from .commands import check_blank_mode, check_digits, whole_number
    from .commands import digits as digits_type
    from .spec import Spec
    from .trace import Trace
    if isinstance(trace, Spec):
        raise TypeError("render takes a Trace, not a Spec; run the pass first: "
                        "render(run_pass(spec))")
    if not isinstance(trace, Trace):
        raise TypeError(f"render takes a Trace (run_pass(spec)), got {type(trace).__name__}")
    formats, blank = format_list(formats), blank_text(blank)
    for name, value, allowed in (("lang", lang, LANGS), ("view", view, VIEWS)):
        if value not in allowed:
            from .fields import described
            raise CnnTraceError.said("spec.choice", where=name, got=described(value),
                                     choices=", ".join(map(repr, allowed)))
    _check_count("digits", digits, digits_type)
    _check_count("max_cells", max_cells, whole_number("usage.noun.cells", minimum=0))
    if variant is not None and not isinstance(variant, str):
        raise TypeError(f"variant: expected a str or None, got {type(variant).__name__}")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress: expected a function of one str, got {progress!r}")
    try:
        check_formats(formats)
        check_digits(SimpleNamespace(digits=digits, exact=trace.mode == "exact"))
        check_blank_mode(SimpleNamespace(blank=blank, mode=view))
        if view != "worked" and not blank:
            raise CnnTraceError.said("mode_needs_blank", view=view)
    except CnnTraceError as err:
        raise as_keywords(err) from None
    return formats, blank


def _check_count(name: str, value, parse) -> None:
    """A whole number argument (None allowed for max_cells) checked by the command line's
    argparse type ``parse``."""
    import argparse
    if value is None and name == "max_cells":
        return
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name}: expected a whole number (int), got {type(value).__name__} "
                        f"{value!r}")
    try:
        parse(str(int(value)))
    except argparse.ArgumentTypeError as err:
        raise CnnTraceError(f"{name}: {err}") from None


_OPTIONS = re.compile(r"--exact\b|--digits(?: (\d+))?|--mode(?: (worked|worksheet|key)\b)?"
                      r"|--blank\b|--format\b|--force\b|--out\b")


def as_keywords(err: CnnTraceError) -> CnnTraceError:
    """A command line error said with :func:`render`'s (and :func:`write_report`'s)
    keywords for its options (--digits 20 as digits=20, --mode key as view='key', --exact
    as run_pass's mode, --force as overwrite=True); within a command it stays as it is,
    naming the options typed."""
    if _in_command_line():
        return err

    def keyword(match) -> str:
        option = match.group(0).split()[0]
        if option == "--exact":
            return "run_pass(spec, mode='exact')"
        if option == "--digits":
            return f"digits={match.group(1)}" if match.group(1) else "digits"
        if option == "--mode":
            return f"view={match.group(2)!r}" if match.group(2) else "view"
        return {"--blank": "blank", "--format": "formats", "--force": "overwrite=True",
                "--out": "out_dir"}[option]
    return err.edited(lambda text: _OPTIONS.sub(keyword, text))


def render(trace, formats=("html",), lang: str = "en", view: str = "worked",
           blank: str | None = None, digits: int = 4, max_cells: int | None = None,
           variant: str | None = None, progress: Callable[[str], None] = lambda step: None
           ) -> dict[str, str | bytes]:
    """The handout of ``trace`` in each format: {'html': str, 'pdf': bytes, 'tex': str}.
    ``formats``: 'html', 'html,pdf' or a list; ``view``: worked, worksheet or key (the
    last two with ``blank``: a str or a list of ids, cells, steps); ``max_cells``: cells
    expanded per step, of any tensor (None: 16, and a few of a large one). Arguments are
    checked as the command line checks its options (:func:`check_arguments`)."""
    formats, blank = check_arguments(trace, formats, lang, view, blank, digits, max_cells,
                                     variant, progress)
    digits, max_cells = int(digits), None if max_cells is None else int(max_cells)  # np.int64
    trace = trace.revived()  # an exact trace read from JSON: its exact forms read back
    try:
        hidden = select_hidden(trace, blank)
    except CnnTraceError as err:
        raise as_keywords(err) from None
    progress(plain(lang, f"progress.layout.{view}"))
    document = build_document(trace, digits=digits, hidden=hidden, large_cells=max_cells,
                              **({} if max_cells is None else {"max_cells": max_cells}))
    return render_document(document, formats, lang, view, hidden, variant, progress)


def render_document(document, formats=("html",), lang: str = "en", view: str = "worked",
                    hidden=frozenset(), variant: str | None = None,
                    progress: Callable[[str], None] = lambda step: None) -> dict:
    """A built document in each format (see :func:`render`)."""
    check_formats(formats)
    from .render.html import render_html
    from .render.tex import render_tex

    out: dict[str, str | bytes] = {}
    if "html" in formats:
        out["html"] = render_html(document, lang, view, hidden, variant)
    if "tex" in formats:
        out["tex"] = render_tex(document, lang, view, hidden, variant)
    if "pdf" in formats:
        from .render.pdf import render_pdf
        progress(plain(lang, "progress.pdf"))
        out["pdf"] = render_pdf(render_html(document, lang, view, hidden, variant,
                                            inline_fonts=False))
    return out


def write_report(trace, out_dir: str | Path, formats=("html", "pdf"), *, overwrite=False,
                 view: str = "worked", with_json: bool = True, warn: bool = True,
                 lang: str = "en", blank=None, digits: int = 4, max_cells: int | None = None,
                 variant: str | None = None, progress: Callable[[str], None] = lambda step: None
                 ) -> list[Path]:
    """Render and write ``<view>.<format>`` (and trace.json) into ``out_dir``. A worksheet
    gets no trace.json: it holds every value, its answers among them, and a worksheet's
    folder is what a teacher hands out; answers that sit beside a worksheet are warned of
    (:func:`answers_notes`; UserWarning) unless ``warn`` is False."""
    options = {"lang": lang, "blank": blank, "digits": digits, "max_cells": max_cells,
               "variant": variant, "progress": progress}
    formats, _ = check_arguments(trace, formats, view=view, **options)
    out_dir = Path(out_dir)
    with_json = with_json and view != "worksheet"
    try:
        check_folder(out_dir)
        if out_dir.is_dir():  # refuse before the slow part, not after it
            for name in [f"{view}.{fmt}" for fmt in formats] + ["trace.json"] * with_json:
                check_target(out_dir / name, overwrite)
        rendered = render(trace, formats, view=view, **options)
        files = {out_dir / f"{view}.{fmt}": data for fmt, data in rendered.items()}
        if with_json:
            files[out_dir / "trace.json"] = trace.to_json()
        make_folder(out_dir)
        paths = write_all(files, overwrite=overwrite)
    except CnnTraceError as err:
        raise as_keywords(err) from None
    for note in answers_notes(view, out_dir, lang) if warn else ():
        warnings.warn(note, UserWarning, stacklevel=2)
    return paths


def answers_notes(view: str, out_dir: str | Path, lang: str = "en") -> list[str]:
    """The notes `cnntrace render` prints after writing ``view`` into ``out_dir``: a
    worksheet's folder that holds an earlier run's answers (trace.json, the worked
    example, the key), or answers just written beside a worksheet; handing out the
    folder would hand out the answers."""
    out_dir = Path(out_dir)
    if view != "worksheet":
        sheets = [out_dir / f"worksheet.{fmt}" for fmt in ("pdf", "html", "tex")]
        return [plain(lang, "terminal.note.worksheet_beside", {"path": sheet})
                for sheet in sheets if sheet.is_file()][:1]
    return [plain(lang, "terminal.note.answers_beside", {"path": out_dir / name})
            for name in ANSWER_FILES if (out_dir / name).is_file()]


def _in_command_line() -> bool:
    """Whether a `cnntrace` command runs (within files.keeping_inputs): its errors name
    the options typed, not render's keywords."""
    from . import files
    return files._READ is not None


def trace_html(trace) -> str:
    """The worked example as an HTML fragment for a notebook (what Jupyter shows for a
    Trace): its stylesheet scoped to a wrapper, so the notebook's own page keeps its
    look, and no fonts inlined (the notebook's serif stands in)."""
    from .render.fragment import fragment
    return fragment(render(trace, ("html",))["html"])


def notebook_html(trace) -> str:
    """What Jupyter shows for a Trace: its worked example, or, should it not render, the
    trace's repr and the one line saying why (a notebook shows no traceback for it)."""
    import html
    try:
        return trace_html(trace)
    except (ValueError, TypeError, ArithmeticError) as err:
        return (f"<pre>{html.escape(repr(trace))}\n"
                f"cannot show the worked example: {html.escape(str(err))}</pre>")


def marking_html(trace, marking, lang: str = "en", digits: int = 4) -> str:
    """A marked answer sheet in the handout's style: the student's numbers in place,
    wrong ones with the expected value and the diagnosis beside."""
    from .present.marking import marking_document, marks_by_ref
    from .render.html import render_html
    return render_html(marking_document(trace, marking, digits), lang, "marking",
                       marks=marks_by_ref(marking))


def class_html(trace, markings, lang: str = "en", unread=()) -> str:
    """The class view: error rate per quantity as bars, the most common mistakes, and the
    files that could not be marked (``unread``: {"file", "error"} entries) with why."""
    from .present.marking import class_document
    from .render.html import render_html
    return render_html(class_document(trace, markings, unread), lang, "class")
