"""Several answer sheets at once: which step the class got wrong, and how.

Per quantity (pass order), over the sheets that ask it:

* sheets wrong   = sheets with at least one wrong cell in it;
* error rate     = wrong cells / attempted cells (correct + follows + wrong), in percent;
* unanswered     = cells left blank or unreadable (not in the error rate);
* common mistake = the diagnosed mistake found in the most sheets (each sheet counts a
                   mistake once per quantity; ties go to catalogue order).

Files that could not be marked (unreadable, or another variant's sheet; ``unread``:
{"file", "error"} entries) count nowhere, so the terminal table and the HTML page name
each of them and why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .marking import Marking
from .mistakes import CATALOGUE
from .report import mistake_title, say, table

ATTEMPTED = ("correct", "follows", "wrong")
ORDER = {m.name: i for i, m in enumerate(CATALOGUE)}


@dataclass
class QuantityStats:
    """The class's results on one quantity."""

    qid: str
    sheets: int = 0
    sheets_wrong: int = 0
    attempted: int = 0
    wrong: int = 0
    unanswered: int = 0
    mistakes: Counter = None

    @property
    def error_rate(self) -> float | None:
        """Wrong cells per attempted cell, in percent; None where no sheet attempted a
        cell (0.0 % would read as 'everyone got it')."""
        return round(100 * self.wrong / self.attempted, 1) if self.attempted else None

    @property
    def rate_text(self) -> str:
        return "—" if self.error_rate is None else f"{self.error_rate:.1f} %"

    @property
    def common_mistake(self) -> tuple[str, int] | None:
        if not self.mistakes:
            return None
        name = min(self.mistakes, key=lambda n: (-self.mistakes[n], ORDER[n]))
        return name, self.mistakes[name]


def class_stats(markings: list[Marking]) -> list[QuantityStats]:
    """Per-quantity statistics over ``markings``, in pass order of first appearance."""
    stats: dict[str, QuantityStats] = {}
    for marking in markings:
        for qid, marks in marking.by_quantity().items():
            if marks[0].index is None:
                continue  # unknown ids: no quantity to count them under
            row = stats.setdefault(qid, QuantityStats(qid, mistakes=Counter()))
            verdicts = Counter(m.verdict for m in marks)
            row.sheets += 1
            row.sheets_wrong += verdicts["wrong"] > 0
            row.attempted += sum(verdicts[v] for v in ATTEMPTED)
            row.wrong += verdicts["wrong"]
            row.unanswered += verdicts["missing"] + verdicts["malformed"]
            row.mistakes.update({m.diagnosis.mistake.name for m in marks if m.diagnosis})
    return list(stats.values())


def most_missed(stats: list[QuantityStats]) -> QuantityStats | None:
    """The quantity most sheets got wrong (then the highest error rate; pass order)."""
    wrong = [s for s in stats if s.sheets_wrong]
    return max(wrong, key=lambda s: (s.sheets_wrong, s.error_rate), default=None)


def _title(name: str, lang: str = "en") -> str:
    return mistake_title(next(m for m in CATALOGUE if m.name == name), lang)


def render_class(markings: list[Marking], lang: str = "en", unread: list[dict] = ()) -> str:
    """The class table: per quantity, sheets wrong, error rate, most common mistake; then
    the files not read."""
    stats = class_stats(markings)
    rows = []
    for s in stats:
        common = s.common_mistake
        rows.append([s.qid, str(s.sheets), f"{s.sheets_wrong}" if s.sheets_wrong else "-",
                     s.rate_text, str(s.unanswered) if s.unanswered else "-",
                     say(lang, "class.common", mistake=_title(common[0], lang),
                         sheets=common[1]) if common else ""])
    header = tuple(say(lang, f"class.column.{c}") for c in
                   ("quantity", "sheets", "sheets_wrong", "error_rate", "unanswered", "common"))
    if len(markings) == 1:
        out = [say(lang, "class.title.one"), ""]
    else:
        out = [say(lang, "class.title", count=len(markings)), ""]
    out += table(rows, header)
    worst = most_missed(stats)
    if worst:
        out += ["", say(lang, "class.most_missed", quantity=worst.qid,
                        wrong=worst.sheets_wrong, sheets=worst.sheets,
                        rate=f"{worst.error_rate:.1f}")]
    if unread:
        out += ["", say(lang, "class.unread.title.one" if len(unread) == 1
                        else "class.unread.title", count=len(unread))]
        out += [f"  {item['file']}: {why_unread(item)}" for item in unread]
    return "\n".join(out) + "\n"


def why_unread(item: dict) -> str:
    """An unread file's error without the file name it starts with."""
    return item["error"].removeprefix(f"{item['file']}: ")


def class_json(markings: list[Marking]) -> list[dict]:
    rows = []
    for s in class_stats(markings):
        common = s.common_mistake
        rows.append({"id": s.qid, "sheets": s.sheets, "sheets_wrong": s.sheets_wrong,
                     "attempted_cells": s.attempted, "wrong_cells": s.wrong,
                     "unanswered_cells": s.unanswered,
                     "error_rate": s.error_rate,
                     "common_mistake": common[0] if common else None,
                     "common_mistake_sheets": common[1] if common else 0})
    return rows
