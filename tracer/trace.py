"""The trace: every quantity of one pass under its public id. Pure data.

A :class:`Trace` holds numbers and provenance, never LaTeX or HTML. Values keep the
backend's type (float64, or exact Fraction/Real objects); ``numbers(id)`` gives float64.
JSON export is deterministic; export -> import -> export is byte-identical.
"""

from __future__ import annotations

import json
import numbers
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .numeric import backend

FORMAT = "cnntrace-trace"
VERSION = 1
_CELL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_]+)"
                   r"(?:\[\s*((?:[0-9]+\s*(?:,\s*[0-9]+\s*)*,?\s*)?)\])?$")  # [0, 1, 0]


@dataclass(slots=True)
class Quantity:
    """One recorded tensor: ``value`` (backend array), where it came from, exact text."""

    id: str
    value: np.ndarray
    layer: str  # the layer that produced it ("input", "loss" or a layer name)
    step: str  # "forward", "backward", "update" or "after"
    exact_text: object = None  # nested lists of str (exact mode); computed on demand

    @property
    def shape(self) -> tuple:
        return tuple(np.shape(self.value))

    def __repr__(self):  # short: a lecture-cnn weight holds thousands of numbers
        kind = "exact" if self.value.dtype == object else self.value.dtype.name
        return f"<Quantity {self.id} {self.shape} {kind}, {self.step} of {self.layer}>"


@dataclass(repr=False)
class Trace:
    """A recorded pass. ``layers`` lists each layer's type, shapes, input id, settings."""

    mode: str
    title: str
    learning_rate: str
    batched: bool
    conventions: dict
    layers: list[dict]
    quantities: dict[str, Quantity] = field(default_factory=dict)
    description: str = ""  # the spec's, shown under the title

    # lookup ---------------------------------------------------------------------------
    def __contains__(self, key: str) -> bool:
        """Whether ``key`` names a quantity or one of its cells (what ``trace[key]`` takes)."""
        if not isinstance(key, str):
            return False
        if key in self.quantities:
            return True
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self):
        """The quantity ids, in the order the pass recorded them (as a dict's keys)."""
        return iter(self.quantities)

    def __len__(self) -> int:
        return len(self.quantities)

    def __bool__(self) -> bool:  # a trace is a value, true even before it holds quantities
        return True

    def __getitem__(self, key: str):
        """The value of a quantity id, or of one cell: ``trace["conv1.out[0,1,0]"]``."""
        qid, index = parse_cell(key)
        value = self.quantity(qid).value
        if index is None:
            return value
        try:
            return np.asarray(value)[index]
        except IndexError:
            raise KeyError(f"no cell {key!r}: {qid} has shape "
                           f"{tuple(np.shape(value))}") from None

    def quantity(self, qid: str) -> Quantity:
        try:
            return self.quantities[qid]
        except KeyError:
            raise KeyError(f"no quantity {qid!r} in this trace") from None

    def ids(self) -> list[str]:
        return list(self.quantities)

    def numbers(self, key: str) -> np.ndarray:
        """float64 values of a quantity or cell (both modes)."""
        return backend(self.mode).to_float(self[key]) if self._live else np.asarray(
            self[key], dtype=np.float64)

    def exact(self, key: str):
        """Exact forms of a quantity or cell: nested lists of strings, or one string for
        a cell (exact mode); None in float mode."""
        qid, index = parse_cell(key)
        if index is not None:
            self[key]  # KeyError naming the shape for a cell outside it
        q = self.quantity(qid)
        if q.exact_text is None and self.mode == "exact" and self._live:
            q.exact_text = backend("exact").exact_text(q.value)
        if q.exact_text is None or index is None:
            return q.exact_text
        cell = np.asarray(q.exact_text, dtype=object)[index]
        return cell.tolist() if isinstance(cell, np.ndarray) else cell

    @property
    def numeric(self):
        """The backend that formats and evaluates this trace's values."""
        return backend(self.mode if self._live else "float")

    def format(self, key: str, digits: int = 4) -> str:
        """One cell's value as text to ``digits`` significant digits (at most 15 in float
        mode, which holds no more: past them a float prints rounding noise; 50 exact)."""
        most = 50 if self.mode == "exact" else 15
        if not isinstance(digits, numbers.Integral) or isinstance(digits, bool) \
                or not 1 <= digits <= most:
            raise ValueError(f"digits: expected a whole number from 1 to {most} in {self.mode} "
                             f"mode, got {digits!r}")
        nx = self.numeric
        value = self[key]
        if isinstance(value, np.ndarray):
            if value.ndim:
                raise ValueError(f"{key!r} is a tensor; format one cell, e.g. {key}[0]")
            value = value.item()
        if not self._live and self.mode == "exact":  # the JSON's floats stop at ~16 digits
            qid, index = parse_cell(key)
            text = self.quantity(qid).exact_text
            if text is not None:
                cell = np.asarray(text, dtype=object)[index if index is not None else ()]
                return backend("exact").format(_parse_exact(cell), digits)
        return nx.format(value, digits)

    @property
    def conventions_ran(self) -> dict:
        """The conventions as the pass ran them: a flatten layer's own order (lecture-cnn's
        H,W,C) as the flatten order. (``conventions`` are the spec's, which an answer
        sheet's fingerprint hashes.)"""
        orders = {info["order"] for info in self.layers if info.get("type") == "flatten"}
        if len(orders) != 1:
            return dict(self.conventions)
        return {**self.conventions, "flatten_order": orders.pop()}

    def layer(self, name: str) -> dict:
        for info in self.layers:
            if info["name"] == name:
                return info
        raise KeyError(f"no layer {name!r} in this trace")

    _live = True  # False for a trace loaded from JSON: values are float64 there

    # JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        nx = backend(self.mode) if self._live else backend("float")
        data = {
            "format": FORMAT, "version": VERSION, "title": self.title,
            **({"description": self.description} if self.description else {}),
            "mode": self.mode,
            "batched": self.batched, "learning_rate": self.learning_rate,
            "conventions": self.conventions, "layers": self.layers,
            "provenance": {q.id: {"layer": q.layer, "step": q.step, "shape": list(q.shape)}
                           for q in self.quantities.values()},
            "quantities": {q.id: _plain(nx.to_float(q.value) if q.value.dtype == object
                                        else q.value)
                           for q in self.quantities.values()},
        }
        if self.mode == "exact":
            data["exact"] = {qid: self.exact(qid) for qid in self.quantities}
        return data

    def to_json(self) -> str:
        """Deterministic JSON text: one line per quantity."""
        return _dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> Trace:
        """A trace from its JSON data (:meth:`to_dict`); ValueError if it is not one."""
        if not isinstance(data, dict):
            raise ValueError(f"not a cnntrace trace: expected a JSON object, got "
                             f"{type(data).__name__}")
        if data.get("format") != FORMAT:
            raise ValueError(f"not a cnntrace trace (format {data.get('format')!r})")
        if data.get("version", VERSION) != VERSION:  # (one without is damaged: below)
            raise ValueError(f"a cnntrace trace of version {data.get('version')!r}; this "
                             f"cnntrace reads version {VERSION}")
        if data.get("mode", "float") not in ("float", "exact"):
            raise ValueError(f"a damaged cnntrace trace: mode {data.get('mode')!r}, expected "
                             "'float' or 'exact'")
        damage = _damage(data)
        if damage:
            raise ValueError(f"a damaged cnntrace trace: {damage}")
        try:
            return cls._from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ValueError(f"a damaged cnntrace trace: {type(err).__name__} {err}") from None

    @classmethod
    def _from_dict(cls, data: dict) -> Trace:
        trace = cls(mode=data["mode"], title=data["title"], learning_rate=data["learning_rate"],
                    batched=data["batched"], conventions=data["conventions"],
                    layers=data["layers"], description=data.get("description", ""))
        trace._live = False
        exact = data.get("exact", {})
        for qid, values in data["quantities"].items():
            info = data["provenance"][qid]
            value = np.asarray(values, dtype=_dtype(values)).reshape(info["shape"])
            trace.quantities[qid] = Quantity(qid, value, info["layer"], info["step"],
                                             exact.get(qid))
        return trace

    @classmethod
    def from_json(cls, text: str) -> Trace:
        """A trace from JSON text (:meth:`to_json`); for a file, :meth:`load`."""
        if isinstance(text, os.PathLike):
            raise TypeError(f"Trace.from_json takes JSON text, not a path; read the file "
                            f"with Trace.load({str(text)!r})")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            if isinstance(text, str) and _looks_like_path(text):
                raise ValueError(f"Trace.from_json takes JSON text, and {text!r} looks like "
                                 f"a file name; read the file with Trace.load({text!r})") \
                    from None
            raise ValueError(f"not a cnntrace trace: not valid JSON (line {err.lineno}, "
                             f"column {err.colno}: {err.msg})") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Trace:
        """A trace from a JSON file (:meth:`save`, or `cnntrace trace --json`);
        CnnTraceError (a ValueError) naming the file if it cannot be read or is not one."""
        from .errors import CnnTraceError, Said
        from .files import read_text
        path = _path(path)
        text = read_text(path, Said("error.kind.trace"), CnnTraceError, MAX_TRACE_BYTES)
        try:
            return cls.from_json(text)
        except ValueError as err:
            raise CnnTraceError(f"{path}: {err}") from None

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write :meth:`to_json` to ``path`` atomically (a temp file beside it, then a
        rename: a reader never sees half a trace). An existing file is kept unless
        ``overwrite``: FileExistsError."""
        from .files import write_atomic
        path = _path(path)
        if not overwrite and (path.exists() or path.is_symlink()):
            raise FileExistsError(f"{path}: already exists; pass overwrite=True to replace it")
        return write_atomic(path, self.to_json(), overwrite=True)

    def revived(self) -> Trace:
        """This trace with exact values again: a trace loaded from JSON holds floats, and
        in exact mode the exact forms as text, which are read back (so that it renders as
        the pass it was read from does). Float traces and live ones are returned as they
        are; ValueError for an exact trace whose file lacks an exact form."""
        if self._live or self.mode != "exact":
            return self
        revived = Trace(self.mode, self.title, self.learning_rate, self.batched,
                        self.conventions, self.layers, description=self.description)
        for qid, q in self.quantities.items():
            value = q.value
            if value.dtype.kind == "f":
                if q.exact_text is None:
                    raise ValueError(f"{qid}: this exact trace's JSON lacks its exact forms "
                                     "(the 'exact' table); render it from its spec: "
                                     "run_pass(spec, mode='exact')")
                value = _exact_values(q.exact_text, q.shape)
            revived.quantities[qid] = Quantity(qid, value, q.layer, q.step, q.exact_text)
        return revived

    def __repr__(self):  # short: a lecture-cnn trace holds ~100,000 numbers
        return f"<Trace {self.title!r} ({self.mode}): {len(self.quantities)} quantities>"

    def _repr_pretty_(self, printer, cycle):  # IPython plain-text display
        printer.text(repr(self))


MAX_TRACE_BYTES = 4_000_000_000  # an exact trace of a lecture-cnn batch is ~80 MB a sample


def parse_cell(key: str) -> tuple[str, tuple | None]:
    """'conv1.out[0,1,0]' -> ('conv1.out', (0, 1, 0)); 'loss.out' -> ('loss.out', None);
    TypeError for a key that is no str (trace[0]: a trace is looked up by id)."""
    if not isinstance(key, str):
        raise TypeError(f"a trace's keys are quantity ids or cells as str, such as "
                        f"'conv1.out' or 'conv1.out[0,1,0]', got {type(key).__name__} {key!r}; "
                        "list(trace) gives the ids")
    match = _CELL.match(key.strip())
    if not match:
        raise KeyError(f"not a quantity id or cell: {key!r} (expected e.g. 'conv1.out' or "
                       "'conv1.out[0,1,0]')")
    qid, index = match.groups()
    if index is None:
        return qid, None
    return qid, tuple(int(i) for i in index.split(",") if i.strip())


def full_index(index: tuple, shape: tuple) -> tuple | None:
    """The full index of a cell given in full, with the axes of length 1 left out, as a
    squeezed tensor is written: (1, 0) -> (0, 1, 0) in shape (1, 2, 2), or in the shape
    an answer sheet writes (leading axes of length 1 dropped down to a matrix): (0, 0) ->
    (0, 0, 0) in shape (1, 1, 1). None when the count fits none (the range is not
    checked)."""
    if len(index) == len(shape):
        return tuple(index)
    leading = 0
    while len(shape) - leading > 2 and shape[leading] == 1:
        leading += 1
    if leading and len(index) == len(shape) - leading:
        return (0,) * leading + tuple(index)
    kept = [axis for axis, size in enumerate(shape) if size != 1]
    if len(index) != len(kept):
        return None
    full = [0] * len(shape)
    for axis, i in zip(kept, index):
        full[axis] = i
    return tuple(full)


def _path(path) -> Path:
    """A file name as a Path; TypeError naming what was expected for anything else."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file name (str or Path), got {type(path).__name__}")
    return Path(path)


_FIELDS = {"mode": str, "title": str, "learning_rate": str, "batched": bool, "conventions": dict,
           "layers": list, "quantities": dict, "provenance": dict}


def _damage(data: dict) -> str | None:
    """What makes a trace's JSON data unusable, said as 'field: what was expected', or
    None (a trace edited by hand rendered 'K_new = 1 - fast · ...' or failed deep inside)."""
    from decimal import Decimal, InvalidOperation
    for name, kind in _FIELDS.items():
        if name not in data:
            return f"{name}: missing"
        if not isinstance(data[name], kind):
            return f"{name}: expected a JSON {kind.__name__}, got {data[name]!r:.60}"
    if not all(isinstance(layer, dict) and isinstance(layer.get("name"), str)
               and isinstance(layer.get("type"), str) for layer in data["layers"]):
        return "layers: expected objects with a 'name' and a 'type'"
    try:
        Decimal(data["learning_rate"])
    except InvalidOperation:
        return f"learning_rate: expected a number, got {data['learning_rate']!r:.60}"
    unknown = next((qid for qid in data["quantities"] if qid not in data["provenance"]), None)
    if unknown is not None:
        return f"quantities: {unknown!r:.60} has no entry in 'provenance'"
    return None


def _looks_like_path(text: str) -> bool:
    """Whether text given as JSON is rather a file's name: one short line, no JSON
    brackets, and a .json name or an existing file."""
    text = text.strip()
    if not text or len(text) > 1000 or "\n" in text or text[0] in "{[\"":
        return False
    return text.lower().endswith(".json") or os.path.isfile(text)


def _exact_values(text, shape: tuple) -> np.ndarray:
    """Nested lists of exact forms (a loaded trace's) as an object array of values."""
    cells = np.asarray(text, dtype=object)
    values = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        values[index] = _parse_exact(cells[index])
    return values


@lru_cache(maxsize=4096)
def _parse_exact(text: str):
    """An exact string of a loaded trace read back as its value (cached: a handout
    formats the same cell several times)."""
    from . import exact
    return exact.parse(text)


def _dtype(values):
    flat = np.asarray(values).ravel()
    return np.int64 if flat.dtype.kind in "iub" else np.float64


def _plain(arr: np.ndarray):
    """Nested lists for JSON; inf and nan (not JSON numbers) as the strings "Infinity",
    "-Infinity" and "NaN", which numpy reads back as floats."""
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64).tolist()
    arr = arr.astype(np.float64)
    if np.isfinite(arr).all():
        return arr.tolist()
    return np.where(np.isfinite(arr), arr.astype(object),
                    np.where(np.isnan(arr), "NaN", np.where(arr > 0, "Infinity", "-Infinity"))
                    ).tolist()


def _dumps(data: dict) -> str:
    """JSON with the top level and the id maps indented, every value on one line."""
    lines = ["{"]
    items = list(data.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if key in ("quantities", "exact", "provenance"):
            inner = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                     for k, v in value.items()]
            lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(inner) + f"\n }}{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"
