"""Handouts from a trace: the library behind `cnntrace render` and `cnntrace demo`.

>>> from tracer import load_example, run_pass
>>> from tracer.report import render
>>> files = render(run_pass(load_example("lecture")), formats=("html",))
>>> sorted(files)
['html']
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .errors import CnnTraceError, Said
from .files import check_folder, check_target, make_folder, write_all
from .present.blanks import select_hidden
from .present.handout import build_document
from .render.assets import plain

FORMATS = ("html", "pdf", "tex")


def check_formats(formats) -> None:
    """CnnTraceError unless ``formats`` names at least one of html, pdf, tex and no other."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        given = Said("error.format.unknown", {"names": ", ".join(unknown)}) if unknown \
            else Said("error.format.none")
        raise CnnTraceError.said("format", given=given)


def render(trace, formats=("html",), lang: str = "en", view: str = "worked",
           blank: str | None = None, digits: int = 4, max_cells: int | None = None,
           variant: str | None = None, progress: Callable[[str], None] = lambda step: None
           ) -> dict[str, str | bytes]:
    """The handout of ``trace`` in each format: {'html': str, 'pdf': bytes, 'tex': str}.
    ``max_cells``: cells expanded per step, of any tensor (None: 16, and a few of a large
    one)."""
    check_formats(formats)
    if view != "worked" and not blank:
        raise CnnTraceError.said("mode_needs_blank", view=view)
    hidden = select_hidden(trace, blank)
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
                 view: str = "worked", with_json: bool = True, **options) -> list[Path]:
    """Render and write ``<view>.<format>`` (and trace.json) into ``out_dir``. A worksheet
    gets no trace.json: it holds every value, its answers among them, and a worksheet's
    folder is what a teacher hands out."""
    out_dir = Path(out_dir)
    with_json = with_json and view != "worksheet"
    check_folder(out_dir)
    if out_dir.is_dir():  # refuse before the slow part, not after it
        for name in [f"{view}.{fmt}" for fmt in formats] + ["trace.json"] * with_json:
            check_target(out_dir / name, overwrite)
    rendered = render(trace, formats, view=view, **options)
    files = {out_dir / f"{view}.{fmt}": data for fmt, data in rendered.items()}
    if with_json:
        files[out_dir / "trace.json"] = trace.to_json()
    make_folder(out_dir)
    return write_all(files, overwrite=overwrite)


def trace_html(trace) -> str:
    """The worked example as an HTML fragment for a notebook (what Jupyter shows for a
    Trace): its stylesheet scoped to a wrapper, so the notebook's own page keeps its
    look, and no fonts inlined (the notebook's serif stands in)."""
    from .render.fragment import fragment
    return fragment(render(trace, ("html",))["html"])


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
