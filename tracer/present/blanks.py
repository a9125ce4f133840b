"""Which cells a worksheet leaves blank: ids, single cells or whole steps."""

from __future__ import annotations

import difflib
import re

from ..errors import CnnTraceError, Said
from ..trace import full_index, parse_cell
from .steps import pass_steps

LEVELS = ("forward", "backward", "update", "all")
POSITIONS = (".argmax", ".ties")  # where a pool window's maximum sits, how many tie


def given_ids(trace) -> set[str]:
    """What a worksheet always prints: the input, the target, the starting parameters,
    and in a backward exercise the given dL/d(output) of the last layer."""
    params = {f"{info['name']}.{p}" for info in trace.layers for p in ("weight", "bias")}
    given = {"input.out", "target.out"} | (params & set(trace.ids()))
    if trace.conventions.get("pass") == "backward" and trace.layers:
        given.add(f"{trace.layers[-1]['name']}.grad")
    return given


def split_selection(selection: str) -> list[str]:
    """Split --blank at the commas outside brackets: 'a.out,b.out[0,1]' -> 2 tokens; a
    bracket left open ('conv1.out[0,1') is the error, not the pieces it would split into."""
    depth = 0
    for char in selection:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth not in (0, 1):
            break
    if depth:
        raise blank_error("brackets", selection=repr(selection))
    return re.split(r",(?![^\[]*\])", selection)


def select_hidden(trace, selection: str | None, worked: bool = True) -> frozenset[str]:
    """Parse --blank: 'forward', 'backward', 'update', 'all', quantity ids and cells
    ('conv1.out', 'pool1.out[0,0,0]'), comma separated; with ``worked``, plus what is
    worked from them before the last blank (:func:`worked_from`)."""
    hidden = _selected(trace, selection)
    return worked_from(trace, hidden) if worked and hidden else hidden


def worked_from(trace, hidden: frozenset[str]) -> frozenset[str]:
    """``hidden`` plus every quantity worked out, in a step up to the last one that works
    out a blank, from a hidden value (transitively): blanking conv1.out[0,1,0] and
    dense1.grad blanks relu1.out too, whose max(0, 11) = 11 would give the first away,
    and everything on to the logits. Whole steps (forward, ...) gain nothing."""
    hidden = frozenset(hidden | _telling(trace, hidden))
    tainted = {ref.split("[")[0] for ref in hidden}
    steps = pass_steps(trace)
    last = max((i for i, (results, _) in enumerate(steps) if results & tainted), default=-1)
    extended, given = set(hidden), given_ids(trace)
    for results, inputs in steps[:last + 1]:
        if inputs & tainted:  # every cell, not just those of a hidden cell: max(0, ▢) = 11
            new = results - given - extended
            extended |= new
            tainted |= new
    return frozenset(extended)


def _telling(trace, hidden) -> set[str]:
    """What a step shows beside a hidden cell that tells it, cell by cell: ReLU's mask and
    its output tell each other (A = Z where the mask is 1, given Z), as a sigmoid's
    output and y(1 - y) do; softmax's sum is worked from its exps and the sample's
    probabilities from both."""
    ids, told = set(trace.ids()), set()
    for info in trace.layers:
        name = info["name"]
        if info["type"] in ("relu", "leaky_relu", "sigmoid"):
            partners = [q for q in (f"{name}.out", f"{name}.mask", f"{name}.local_grad")
                        if q in ids]
            for ref in hidden:
                qid = ref.split("[")[0]
                if qid in partners:  # the same cell (or the whole tensor) of each partner
                    told |= {partner + ref[len(qid):] for partner in partners}
        elif info["type"] == "softmax":
            exps, total, probs = f"{name}.exp", f"{name}.sum", f"{name}.out"
            classes = info["out_shape"][0]
            for ref in hidden:
                qid, index = parse_cell(ref)
                if qid not in (exps, total):
                    continue
                if index is None or not trace.batched:  # the one sample's sum and ŷ
                    told |= {probs} | ({total} if qid == exps else set())
                    continue
                sample = index[0]
                told |= {f"{probs}[{sample},{k}]" for k in range(classes)}
                if qid == exps:
                    told.add(f"{total}[{sample}]")
    return told - set(hidden)


def _selected(trace, selection: str | None) -> frozenset[str]:
    """The cells and quantities --blank names (levels expanded)."""
    if not selection:
        return frozenset()
    hidden, given = set(), given_ids(trace)
    # the loss after the update is a second forward pass the sheet does not lay out, and
    # rounded by hand it misses its 4 digits (0.04772 for 0.04791): asked only by its id
    steps = {"forward": {"forward"}, "backward": {"backward"}, "update": {"update"},
             "all": {"forward", "backward", "update"}}
    for token in (t.strip() for t in split_selection(selection)):
        if not token:
            continue
        if token in steps:
            hidden |= {q.id for q in trace.quantities.values()
                       if q.step in steps[token] and q.id not in given}
            continue
        try:
            qid, index = parse_cell(token)
        except KeyError:
            qid, index = token, None
        if qid not in trace:
            close = difflib.get_close_matches(qid, [*steps, *trace.ids()], n=1)
            hint = Said("error.did_you_mean", {"name": repr(close[0])}) if close else ""
            raise blank_error("unknown", token=repr(token), hint=hint, levels=", ".join(LEVELS))
        if qid in given:
            raise blank_error("given", token=repr(token), example=_computed_example(trace),
                              levels=", ".join(LEVELS))
        if index is not None:
            shape = trace.quantity(qid).shape
            full = full_index(index, shape)
            if full is None:
                squeezed = sum(n != 1 for n in shape)
                raise blank_error("indices", token=repr(token), count=len(index),
                                  indices=_indices(len(index)), qid=qid,
                                  shape=shape, takes=len(shape),
                                  squeezed=Said("error.blank.squeezed", {"count": squeezed})
                                  if squeezed != len(shape) else "")
            if any(not 0 <= i < n for i, n in zip(full, shape)):
                raise blank_error("outside", token=repr(token), qid=qid, shape=shape)
            index = full
        hidden.add(f"{qid}[{','.join(map(str, index))}]" if index is not None else qid)
    if not hidden:  # --blank backward on a forward pass: a sheet of no blanks, scored 0/0
        raise blank_error("no_question")
    return frozenset(hidden)


def blank_error(reason: str, /, **params) -> CnnTraceError:
    """'--blank: <reason>', the reason a catalog sentence (``error.blank.<reason>``) that
    check can put after an answer sheet's own 'blanks:' line instead."""
    return CnnTraceError.said("blank", where="--blank", reason=Said(f"error.blank.{reason}",
                                                                    params))


def _computed_example(trace) -> str:
    """The first layer's output id ('conv1.out'), or 'loss.out' for a trace without layers."""
    return f"{trace.layers[0]['name']}.out" if trace.layers else "loss.out"


def _indices(count: int) -> str:
    return f"{count} index" if count == 1 else f"{count} indices"


def hides(hidden, ref: str | None) -> bool:
    """Whether a worksheet hiding ``hidden`` blanks the number of cell ``ref``: the cell
    or its quantity is hidden, or the cell says where the maximum of a hidden pool
    output sits (``pool1.argmax[0,1,0,0]`` and ``pool1.ties[0,1,0]`` go with
    ``pool1.out[0,1,0]``): a worksheet must not point at its answer."""
    if ref is None or not hidden:
        return False
    qid = ref.split("[")[0]
    if ref in hidden or qid in hidden:
        return True
    if not qid.endswith(POSITIONS):
        return False
    layer, kind = qid.rsplit(".", 1)
    index = parse_cell(ref)[1]
    if index is None:
        return f"{layer}.out" in hidden
    out_index = index[:-1] if kind == "argmax" else index
    return hides(hidden, f"{layer}.out[{','.join(map(str, out_index))}]")


def shown_marks(matrix, hidden, answers: bool) -> frozenset:
    """The cells a matrix marks (each window's maximum); on a worksheet not those that
    show a hidden cell (a cell marked for several windows goes if any of them is)."""
    dropped = set() if answers else {cell for cell, ref in matrix.marked if hides(hidden, ref)}
    return frozenset(cell for cell, _ in matrix.marked if cell not in dropped)
