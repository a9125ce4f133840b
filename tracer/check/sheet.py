"""Match an answer file's pairs to the trace: one entry per asked cell.

A key is a quantity id (a whole tensor, possibly squeezed: a 2x2 matrix for shape
(1, 2, 2)) or one cell (``conv1.out[0,1,0]``, or the squeezed ``conv1.out[1,0]``).
Each asked cell holds a :class:`~tracer.check.written.Written` number, ``None``
(blank: missing) or a :class:`Malformed` reason. Items that name no cell (unknown ids,
keys that are not ids) become problems with no index.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..present.document import Para
from ..trace import full_index, parse_cell
from .answers import STUDENT, AnswerFile, CsvValue, Pairs, TwoReadings, description
from .reasons import reason
from .written import NotANumber, Written, parse_written


@dataclass(frozen=True)
class Malformed:
    """Why a cell (or an item) cannot be marked: a sentence of the message catalog."""

    reason: Para


@dataclass
class Problem:
    """An item that names no cell of the trace: its key and why."""

    key: str
    reason: Para


@dataclass
class Sheet:
    """Asked cells per quantity id (in the trace's order) and unplaceable items.

    ``cells[qid]`` is an object array of the quantity's full shape: a Written,
    None (missing), a Malformed, or NOT_ASKED for cells the file does not mention.
    """

    path: str
    student: str | None
    cells: dict[str, np.ndarray] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    selected: bool = False  # the asked cells were set by :meth:`ask`

    def asked(self, qid: str) -> list[tuple]:
        """Full indices of the asked cells of ``qid``, row-major."""
        grid = self.cells.get(qid)
        if grid is None:
            return []
        return [i for i, v in np.ndenumerate(grid) if v is not NOT_ASKED]

    def ask(self, refs: list[str], shapes: dict[str, tuple]) -> None:
        """Mark exactly the cells ``refs`` ('conv1.out[0,1,0]', full indices): those the
        file leaves out become missing, as a null does, and the file's other cells (a
        given value copied in) are not asked, so they earn nothing."""
        asked: dict[str, np.ndarray] = {}
        for ref in refs:
            qid, index = parse_cell(ref)
            index = index or ()  # a scalar's ref has no brackets
            grid = asked.setdefault(qid, _empty(shapes[qid]))
            given = self.cells.get(qid)
            cell = given[index] if given is not None else NOT_ASKED
            grid[index] = None if cell is NOT_ASKED else cell
        self.cells = {q: asked[q] for q in shapes if q in asked}  # pass order
        self.selected = True

    def numbers(self, qid: str) -> tuple[np.ndarray, np.ndarray]:
        """(float values, mask of cells given as numbers) of ``qid``."""
        grid = self.cells[qid]
        mask = np.zeros(grid.shape, dtype=bool)
        values = np.zeros(grid.shape)
        for index, cell in np.ndenumerate(grid):
            if isinstance(cell, Written):
                mask[index], values[index] = True, float(cell)
        return values, mask


class _NotAsked:
    def __repr__(self):
        return "NOT_ASKED"


NOT_ASKED = _NotAsked()


def read_sheet(answers: AnswerFile, shapes: dict[str, tuple]) -> Sheet:
    """Place every pair of ``answers`` onto the quantities ``shapes`` (id -> full shape)."""
    sheet = Sheet(answers.path, answers.student)
    if len(answers.students) > 1:
        sheet.problems.append(Problem(STUDENT, reason("given_twice", key=repr(STUDENT))))
    sources: dict[tuple, str] = {}  # (qid, index) -> the key that gave it
    for key, raw in answers.pairs:
        try:
            qid, index = _parse_key(key, shapes)
        except UnknownKey as err:
            shown = key if len(key) <= 80 else key[:77] + "..."
            sheet.problems.append(Problem(shown, err.reason))
            continue
        grid = sheet.cells.setdefault(qid, _empty(shapes[qid]))
        for cell, value in _place(raw, index, shapes[qid]):
            _put(grid, qid, cell, value, key, sources)
    sheet.cells = {q: sheet.cells[q] for q in shapes if q in sheet.cells}  # pass order
    return sheet


def _empty(shape) -> np.ndarray:
    grid = np.empty(shape, dtype=object)
    grid.fill(NOT_ASKED)
    return grid


def _put(grid, qid, cell, value, key, sources):
    if (qid, cell) in sources:
        first = sources[(qid, cell)]
        value = Malformed(reason("given_twice", key=repr(key)) if first == key
                          else reason("given_twice_keys", first=repr(first), key=repr(key)))
    sources[(qid, cell)] = key
    grid[cell] = value


# ------------------------------------------------------------------------------ keys
class UnknownKey(LookupError):
    """A key that names no cell of the trace; ``reason`` says why."""

    def __init__(self, why: Para):
        super().__init__(why)
        self.reason = why


def _parse_key(key: str, shapes: dict) -> tuple[str, tuple | None]:
    """The quantity id and full cell index (None: the whole tensor) of a key."""
    try:
        qid, index = parse_cell(str(key))
    except KeyError:
        raise UnknownKey(reason("not_a_key", suggestion=_suggest(key, shapes))) from None
    if qid not in shapes:
        raise UnknownKey(reason("unknown_id", qid=repr(qid), suggestion=_suggest(qid, shapes)))
    if index is None:
        return qid, None
    return qid, _full_index(index, shapes[qid])


def _suggest(word, shapes) -> Para | str:
    base = str(word).split("[")[0][:100]
    close = difflib.get_close_matches(base, list(shapes), n=1, cutoff=0.6)
    if not close and f"{base}.out" in shapes:
        close = [f"{base}.out"]
    return reason("did_you_mean", qid=repr(close[0])) if close else ""


def _full_index(index: tuple, shape: tuple) -> tuple:
    """A full index from a full one, or from an index into the squeezed shape."""
    full = full_index(index, shape)
    if full is None:
        raise UnknownKey(reason("index_count", count=len(shape), shape=_shape(shape),
                                given=len(index)))
    for i, size in zip(full, shape):
        if not 0 <= i < size:
            raise UnknownKey(reason("index_range", index=",".join(map(str, index)),
                                    shape=_shape(shape)))
    return full


def _shape(shape) -> Para | str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")" \
        if shape else reason("scalar_shape")


def _expected_shape(shape) -> Para | str:
    """The shape as the sheet asks it ((2, 2) for conv1.out of one filter: leading axes of
    length 1 dropped down to a matrix), and the full one beside it where that differs."""
    from ..sheet import squeezed
    asked = squeezed(shape)
    if asked == tuple(shape):
        return _shape(shape)
    return reason("shape_or", squeezed=_shape(asked), full=_shape(shape))


# ---------------------------------------------------------------------------- values
def _place(raw, index, shape) -> list[tuple[tuple, object]]:
    """(full index, cell value) pairs for one key's raw value."""
    raw = _fitting_reading(raw, (1,) if index is not None else tuple(shape))
    if index is not None:
        if _is_list(raw) and _nested_shape(raw, 64) in (((1,) * d, None) for d in range(33)):
            raw = _first(raw)
        if _is_list(raw):
            return [(index, Malformed(reason("one_cell", value=description(raw))))]
        return [(index, leaf(raw))]
    whole = list(np.ndindex(shape))
    if not _is_list(raw):
        single = leaf(raw)
        if len(whole) == 1 or single is None or isinstance(raw, CsvValue):
            return [(i, single) for i in whole]
        got = reason("value.one_number") if isinstance(single, Written) else description(raw)
        return [(i, Malformed(reason("values_for_shape", shape=_shape(shape), value=got)))
                for i in whole]
    given, why = _nested_shape(raw, 4 * len(whole) + 1000)
    if why is not None and why.key == "malformed.ragged":  # [[5, 7,5], [11, 10]]
        why = reason("ragged", hint=_decimal_comma_hint(raw, None, shape))
    if why is None and not _fits(given, shape):
        why = reason("wrong_shape", given=_shape(given), shape=_expected_shape(shape),
                     hint=_transposed_hint(given, shape) or _decimal_comma_hint(raw, given,
                                                                                shape))
    if why is not None:
        return [(i, Malformed(why)) for i in whole]
    leaves = _flat(raw)
    return [(i, leaf(v)) for i, v in zip(whole, leaves)]


def _fitting_reading(raw, want: tuple):
    """A semicolon CSV's [-1,846e-5] (:class:`TwoReadings`) read with its decimal comma
    where that reading, and not the list of two, has the quantity's shape ``want``."""
    if not isinstance(raw, TwoReadings) or raw.decimal is None:
        return raw
    limit = 4 * int(np.prod(want)) + 1000
    if _fits(_nested_shape(raw, limit)[0], want) or \
            not _fits(_nested_shape(raw.decimal, limit)[0], want):
        return raw
    return raw.decimal


def _is_text(raw) -> bool:
    return isinstance(raw, str) and not isinstance(raw, CsvValue)


def leaf(raw) -> Written | Malformed | None:
    """One cell's raw value as a number, a blank (None) or a malformed reason."""
    if raw is None or (_is_text(raw) and not raw.strip()):
        return None
    if isinstance(raw, CsvValue):
        return Malformed(raw.reason)
    if _is_text(raw):
        try:
            return parse_written(raw)
        except NotANumber as err:
            return Malformed(err.reason)
    if isinstance(raw, bool):
        return Malformed(reason("bool", value=description(raw)))
    return Malformed(reason("expected_number", value=description(raw)))


class _TooBig(Exception):
    pass


def _nested_shape(raw, limit: int = 10**6) -> tuple[tuple, Para | None]:
    """The shape of nested lists, or a reason when they are not rectangular (or hold
    more than ``limit`` values or 32 levels: YAML aliases can repeat a list endlessly)."""
    budget = [limit]

    def walk(node, depth):
        budget[0] -= 1
        if budget[0] < 0 or depth > 32:
            raise _TooBig
        if not _is_list(node):
            return (), None
        if not node:
            return (0,), reason("value.empty_list")
        inner = [walk(v, depth + 1) for v in node]
        for _, why in inner:
            if why:
                return (), why
        shapes = {s for s, _ in inner}
        if len(shapes) > 1:
            return (), reason("ragged", hint="")
        return (len(node),) + shapes.pop(), None

    try:
        return walk(raw, 0)
    except _TooBig:
        return (), reason("too_big", limit=limit)


def _squeezed(shape: tuple) -> tuple:
    """The shape without its axes of length 1."""
    return tuple(n for n in shape if n != 1)


def _fits(given: tuple, shape: tuple) -> bool:
    """Equal shapes, or equal once every axis of length 1 is squeezed out."""
    return given == tuple(shape) or _squeezed(given) == _squeezed(shape)


def _transposed_hint(given: tuple, shape: tuple) -> Para | str:
    want = _squeezed(shape)
    if len(given) == 2 and len(want) == 2 and given[::-1] == want:
        return reason("transposed")
    return ""


_COMMA_PAIR = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")


def _decimal_comma_hint(raw, given: tuple | None, shape: tuple) -> Para | str:
    """For [0,99998, 0,00001846] (YAML reads four numbers where two are asked): the first
    pair written with its decimal comma, and with a point. Where the file shows which
    commas have a space after them (YAML), the ones without are the decimal commas ([2,
    -0,3]) and a list with a space after every comma ([[8, 8]]) has none; else (JSON, or
    no spaces at all) every row must be twice as long, read in pairs."""
    leaves = _flat(raw)
    if not all(isinstance(v, str) for v in leaves):
        return ""
    after = [getattr(v, "after_comma", None) for v in leaves]
    tight = [i for i, comma in enumerate(after) if comma]
    if False in after:  # some commas are followed by a space: the others join decimals
        if len(leaves) - len(tight) != math.prod(shape):  # joined, they would not fit
            return ""
        pairs = [f"{leaves[i - 1].strip()},{leaves[i].strip()}" for i in tight]
        pairs = [pair for pair in pairs if _COMMA_PAIR.match(pair)]
        return reason("decimal_comma_list", text=pairs[0],
                      fixed=pairs[0].replace(",", ".")) if pairs else ""
    if given is None:  # rows of different lengths: only where the spaces tell
        return ""
    want, got = _squeezed(shape) or (1,), _squeezed(given)  # one number: [0,5] reads as two
    if got != want[:-1] + (2 * want[-1],):
        return ""
    pairs = [f"{a.strip()},{b.strip()}" for a, b in zip(leaves[::2], leaves[1::2])]
    if not all(_COMMA_PAIR.match(pair) for pair in pairs):
        return ""
    return reason("decimal_comma_list", text=pairs[0], fixed=pairs[0].replace(",", "."))


def _is_list(raw) -> bool:
    return isinstance(raw, list) and not isinstance(raw, Pairs)


def _flat(raw) -> list:
    if _is_list(raw):
        return [v for item in raw for v in _flat(item)]
    return [raw]


def _first(raw):
    while _is_list(raw):
        raw = raw[0]
    return raw
