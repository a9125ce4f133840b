"""Single-operation exercises (the lecture's section 4): one layer, or one formula, for
any numbers. Layers become ordinary one-layer specs (forward only, or backward from a
given dL/dB); cross-entropy, one-hot encoding and the output-size formula become small
traces of their own, so that every exercise renders, blanks and checks the same way."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .errors import CnnTraceError
from .network import run_pass
from .numeric import backend
from .spec import SpecError, array, from_dict, number
from .trace import Quantity, Trace

LAYER_OPS = ("conv", "maxpool", "relu", "sigmoid", "softmax", "dense")
OPS = LAYER_OPS + ("cross-entropy", "onehot", "output-size")


def parse_matrix(text: str, where: str, ndims=(1, 2, 3)):
    """'[[1,2],[3,4]]' (JSON-style) -> nested lists of Decimal, shape-checked."""
    try:
        value = json.loads(text, parse_float=Decimal)
    except (ValueError, TypeError, RecursionError):  # JSON's errors, an integer of 5000
        # digits (Python's int_max_str_digits), '[' * 3000
        raise CnnTraceError.said("explain.matrix", where=where,
                                 text=repr(text if len(text) <= 60 else text[:57] + "...")) \
            from None
    try:
        nested, _ = array(value, where, ndims)
    except SpecError as err:
        error = CnnTraceError(str(err))  # the option's error, not a spec's
        error.sentence = err.sentence
        raise error from None
    return value


def layer_spec(op: str, values: dict, title: str = "") -> dict:
    """The one-layer spec of a layer exercise (``values`` from the command line)."""
    layer = {"conv": "conv2d", "maxpool": "maxpool2d"}.get(op, op)
    spec = {"title": title or op, "input": values["input"], "layers": [{"type": layer}]}
    options = spec["layers"][0]
    if op == "conv":
        options["weight"] = values["kernel"]
        for key in ("stride", "padding", "bias"):
            if values.get(key) is not None:
                options[key] = values[key]
    elif op == "maxpool":
        options["size"] = values.get("size") or 2
        if values.get("stride") is not None:
            options["stride"] = values["stride"]
    elif op == "dense":
        options["weight"] = values["weight"]
        if values.get("bias") is not None:
            options["bias"] = values["bias"]
    if values.get("grad_out") is not None:
        spec["grad_out"] = values["grad_out"]
    return spec


def explain_layer(op: str, values: dict, mode: str = "float", title: str = "") -> Trace:
    """One layer's pass; an error names the command-line option (--kernel), not the
    one-layer spec's field (layers[0].weight)."""
    try:
        return run_pass(from_dict(layer_spec(op, values, title), f"explain {op}"), mode)
    except SpecError as err:
        options = {**_OPTIONS, "weight": "--kernel" if op == "conv" else "--weight"}
        raise err.edited(lambda message: re.sub(
            r"(?<=: )(layers\[0\]\.)?(\w+)(?=[:\[.])", lambda m: options.get(m[2], m[0]),
            message, count=1)) from None


_OPTIONS = {"input": "--input", "grad_out": "--grad-out", "bias": "--bias",
            "stride": "--stride", "padding": "--padding", "size": "--size"}


def _trace(title: str, mode: str, kind: str, quantities: dict, nx) -> Trace:
    """A trace of a formula exercise: pure data, like any pass."""
    trace = Trace(mode=mode, title=title, learning_rate="0", batched=False,
                  conventions={"pass": kind}, layers=[])
    for qid, (value, step) in quantities.items():
        value = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=nx.dtype)
        trace.quantities[qid] = Quantity(qid, value, qid.split(".")[0], step)
    return trace


def cross_entropy(probs, target, mode: str = "float", title: str = "") -> Trace:
    """L = -sum_k y_k log p_k for given probabilities p and a one-hot (or index) y."""
    nx = backend(mode)
    p_values = [number(v, f"--probs[{i}]") for i, v in enumerate(probs)]
    if any(v <= 0 or v > 1 for v in p_values):
        raise CnnTraceError.said("explain.probs")
    if sum(Fraction(v) for v in p_values) != 1:
        raise CnnTraceError.said("explain.probs_sum",
                                 got=sum(Decimal(str(v)) for v in p_values))
    y = one_hot_vector(target, len(p_values), "--target")
    p = nx.array(p_values)
    y_arr = nx.array(y)
    terms = y_arr * nx.log(p)
    loss = -terms.sum()
    return _trace(title or "cross-entropy", mode, "cross_entropy", {
        "input.out": (p, "forward"), "target.out": (y_arr, "forward"),
        "loss.terms": (terms, "forward"), "loss.out": (np.asarray(loss, dtype=nx.dtype),
                                                       "forward")}, nx)


def one_hot_vector(target, classes: int, where: str) -> list[int]:
    if isinstance(target, list):
        if len(target) != classes or sorted(target) != [0] * (classes - 1) + [1]:
            raise CnnTraceError.said("explain.one_hot", where=where, classes=classes)
        return [int(t) for t in target]
    index = number(target, where, integer=True, minimum=0)
    if index >= classes:
        raise CnnTraceError.said("explain.class_index", where=where, index=index,
                                 last=classes - 1)
    return [int(k == index) for k in range(classes)]


def onehot(labels: list[str], label: str, mode: str = "float", title: str = "") -> Trace:
    """The one-hot vector of ``label`` among ``labels`` (each category its own axis)."""
    if len(set(labels)) != len(labels) or len(labels) < 2:
        raise CnnTraceError.said("explain.labels")
    if label not in labels:
        raise CnnTraceError.said("explain.label", label=repr(label), labels=", ".join(labels))
    nx = backend(mode)
    quantities = {"input.out": (np.asarray(labels.index(label)), "forward")}
    quantities["onehot.out"] = (np.asarray([int(x == label) for x in labels]), "forward")
    trace = _trace(title or "one-hot", mode, "onehot", quantities, nx)
    trace.conventions["labels"] = list(labels)
    return trace


def output_size(size: int, kernel: int, stride: int | None = None, padding: int = 0,
                pool: bool = False, title: str = "") -> Trace:
    """H_out = floor((H - F + 2P) / S) + 1 (pooling: no padding). Without a ``stride``,
    a convolution steps by 1 and a pooling by its window, as maxpool2d does."""
    if stride is None:
        stride = kernel if pool else 1
    for name, value, low in (("--size", size, 1), ("--kernel", kernel, 1),
                             ("--stride", stride, 1), ("--padding", padding, 0)):
        if value < low:
            raise CnnTraceError.said("explain.whole", where=name, least=low, got=value)
    if pool and padding:
        raise CnnTraceError.said("explain.pool_padding")
    if kernel > size + 2 * padding:
        raise CnnTraceError.said("explain.kernel", kernel=kernel, size=size + 2 * padding)
    out = math.floor((size - kernel + 2 * padding) / stride) + 1
    nx = backend("float")
    trace = _trace(title or "output size", "float", "output_size",
                   {"size.out": (np.asarray(out), "forward")}, nx)
    trace.conventions.update({"size": size, "kernel": kernel, "stride": stride,
                              "padding": padding, "op": "pool" if pool else "conv"})
    return trace


LECTURE_A = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]
LECTURE_K = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def section4_traces(mode: str = "float", labels=("apple", "pear", "watermelon")) -> dict:
    """The lecture's section-4 examples: conv and max-pool of 1..16, ReLU and sigmoid on
    the same numbers, softmax of (1.5, 2.5, 0.5), one-hot, the cross-entropy of
    (0.2, 0.7, 0.1) against 'cat', and the output sizes."""
    line = [-2, -1, 0, 1, 2]
    return {
        "conv": explain_layer("conv", {"input": LECTURE_A, "kernel": LECTURE_K}, mode),
        "maxpool": explain_layer("maxpool", {"input": LECTURE_A, "size": 2, "stride": 2}, mode),
        "relu": explain_layer("relu", {"input": line}, mode),
        "sigmoid": explain_layer("sigmoid", {"input": line}, mode),
        "softmax": explain_layer("softmax", {"input": [Decimal("1.5"), Decimal("2.5"),
                                                       Decimal("0.5")]}, mode),
        "onehot": onehot(list(labels), labels[1], mode),
        "cross_entropy": cross_entropy([Decimal("0.2"), Decimal("0.7"), Decimal("0.1")], 1,
                                       mode),
        "conv_size": output_size(4, 3, 1, 0),
        "pool_size": output_size(4, 2, 2, 0, pool=True),
    }
