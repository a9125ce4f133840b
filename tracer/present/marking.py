"""A marked answer sheet as view data: the worked example with the student's numbers in
place of the trace's, coloured by verdict, plus a summary; and the class view."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from . import mathtree as m
from .blanks import given_ids, select_hidden
from .context import cell_ref
from .document import Bars, Document, Para, Section, Table
from .handout import build_document, ending_with



@dataclass(frozen=True)
class MarkView:
    """How one marked cell shows: the number written, its verdict, what was expected."""

    verdict: str  # correct | follows | wrong | missing | malformed
    given: str
    expected: str | None = None  # shown beside: what the cell should be
    mistake: str | None = None  # a catalogue name, for the message "mistake.<name>"
    yours: str | None = None  # a wrong cell's value from the student's own earlier numbers
    own: bool = False  # ``expected`` is a blank's value from the student's own numbers


def _expected_text(mark, value=None) -> str | None:
    from ..check.report import expected_text
    return expected_text(mark, value) if mark.expected is not None else None


def _beside(mark) -> str | None:
    """What a wrong cell should be (the trace's value); what a blank one comes to from
    the student's own earlier numbers (the carried value, where it differs)."""
    if mark.verdict == "wrong":
        return _expected_text(mark)
    if mark.verdict == "missing":
        return _expected_text(mark, mark.carried)
    return None


def marks_by_ref(marking) -> dict[str, MarkView]:
    """Every marked cell under the ref the document gives its number."""
    views = {}
    for mark in marking.marks:
        if mark.index is None:
            continue
        yours = mark.carried is not None and mark.verdict == "wrong"  # as the terminal's
        views[cell_ref(mark.qid, mark.index)] = MarkView(
            mark.verdict, mark.given.text if mark.given else "", _beside(mark),
            mark.diagnosis.mistake.name if mark.diagnosis else None,
            _expected_text(mark, mark.carried) if yours else None,
            own=mark.verdict == "missing" and mark.carried is not None)
    return views


def summary_section(marking) -> Section:
    """Score, counts, the first slip, and every cell that did not earn credit."""
    counts = marking.counts
    blocks = [Para("mark.score", {"score": f"{marking.score:.2f}", "points": marking.points,
                                  "total": marking.out_of}),
              Para("mark.counts", {v: counts.get(v, 0) for v in
                                   ("correct", "follows", "wrong", "missing", "malformed")}),
              Para("mark.trace")]
    first = marking.first_divergence
    if first is not None:
        blocks.append(Para("mark.first", {"cell": m.Text(first.label),
                                          "given": m.Num(first.given.text),
                                          "expected": m.Num(_expected_text(first))}))
    else:
        blocks.append(Para("mark.no_slip"))
    rows = []
    for mark, count in _missing_runs(mk for mk in marking.marks
                                     if mk.verdict not in ("correct", "follows")):
        if count > 1:  # a quantity left out: one row, not 16 of 'not attempted'
            rows.append([Para("mark.cells_of", {"quantity": m.Text(mark.qid), "count": count}),
                         "", "", Para("verdict.missing"), ""])
            continue
        rows.append([m.Text(mark.label), m.Num(mark.given.text) if mark.given else "",
                     m.Num(_expected_text(mark)) if mark.expected is not None else "",
                     Para(f"verdict.{mark.verdict}"),
                     Para(f"mistake.{mark.diagnosis.mistake.name}") if mark.diagnosis
                     else (mark.reason or "")])
    rows += [[m.Text(mark.label), "", "", Para("verdict.unscored"), mark.reason or ""]
             for mark in marking.unscored]
    if rows:
        blocks.append(Table([Para(f"mark.{h}") for h in
                             ("cell", "given", "expected", "verdict", "diagnosis")],
                            rows, style="marking"))
    return Section("mark.title", {"student": marking.student or marking.path}, blocks,
                   level=1, anchor="marking")


def _missing_runs(marks):
    """(mark, count) for each mark, where a run of ``count`` > 1 cells of one quantity
    left out (verdict 'missing') is its first mark."""
    for (_, missing), run in groupby(marks, key=lambda mk: (mk.qid, mk.verdict == "missing")):
        run = list(run)
        if missing and len(run) > 1:
            yield run[0], len(run)
        else:
            yield from ((mark, 1) for mark in run)


def marking_document(trace, marking, digits: int = 4, max_cells: int = 10**6) -> Document:
    """The worked example with the summary in front (every marked cell is shown), up to
    the last step the answer sheet asks about: a later step would work the trace's
    result from the student's numbers (dL/dz0 = [their y_hat0] - 1 = [the trace's]).
    The numbers the student did not write are the trace's: the renderer shows them as
    such (all but the given ones), so no equation mixes their numbers with the trace's
    silently."""
    # laid out as the key of every computed cell: each the student's or the trace's
    every = "all,loss.after" if "loss.after" in trace else "all"  # all leaves it out
    document = build_document(trace, digits=digits, max_cells=max_cells,
                              hidden=select_hidden(trace, every))
    asked = frozenset(mark.label for mark in marking.marks)
    document.sections = ending_with(document.sections, asked, Para("mark.rest_left_out"))
    document.sections.insert(0, summary_section(marking))
    document.given = frozenset(given_ids(trace))
    return document


def class_document(trace, markings, unread=()) -> Document:
    """Per quantity: how many sheets got it wrong, the error rate as a bar, and the most
    common diagnosed mistake; then the files that could not be marked (``unread``:
    {"file", "error"} entries), counted in the first line and listed with why."""
    from ..check.classview import why_unread
    from ..check.classview import class_stats, most_missed
    stats = class_stats(markings)
    bars = []
    for s in stats:
        common = s.common_mistake
        bars.append((m.Text(s.qid), s.error_rate,
                     Para({0: "class.row", 1: "class.row.unanswered.one"}.get(
                         s.unanswered, "class.row.unanswered"),
                          {"wrong": s.sheets_wrong, "sheets": s.sheets,
                           "unanswered": s.unanswered}),
                     Para(f"mistake.{common[0]}") if common else ""))
    blocks = [Para("class.intro.one" if len(markings) == 1 else "class.intro",
                   {"sheets": len(markings)})]
    if unread:
        blocks.append(Para("class.unread.note.one" if len(unread) == 1 else
                           "class.unread.note", {"unread": len(unread)}))
    blocks += [
              Bars(bars, [Para("class.quantity"), Para("class.error_rate"),
                          Para("class.sheets_wrong"), Para("class.common")])]
    worst = most_missed(stats)
    if worst is not None:
        blocks.append(Para("class.most_missed", {"quantity": m.Text(worst.qid),
                                                 "wrong": worst.sheets_wrong,
                                                 "sheets": worst.sheets}))
    sheets = Table([Para("class.sheet"), Para("class.score"), Para("class.first")],
                   [[mk.student or mk.path, f"{mk.score:.2f} %",
                     m.Text(mk.first_divergence.label) if mk.first_divergence else "-"]
                    for mk in markings], style="marking")
    if unread:
        sheets = [sheets, Para("class.unread"), Table(
            [Para("class.unread.file"), Para("class.unread.why")],
            [[item["file"], why_unread(item)] for item in unread], style="marking")]
    else:
        sheets = [sheets]
    sections = [Section("class.title", {}, blocks + sheets, level=1, anchor="class")]
    return Document(title=trace.title, description="", mode=trace.mode, digits=4,
                    conventions=[], sections=sections, subtitle="doc.subtitle.class",
                    footer="doc.generated.class")
