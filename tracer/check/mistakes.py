"""The catalogue of named mistakes: what value each common slip would give.

Every mistake is one small function ``mistake(step, values, model) -> [outputs, ...]``:
given a step of the pass and the values it reads (the trace's, or the student's own),
it returns the step's outputs (id -> array) as they come out when the slip is made,
one dict per way of making it; an empty list when the slip cannot happen in that step.
The computation is the engine's (see :mod:`tracer.check.steps`), with one input or one
rule changed. :data:`CATALOGUE` lists them in the order the diagnosis tries them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..layers.base import windows
from ..numeric import FLOAT
from .steps import PassModel, Step, Values
from .walk import carry, rounded

Outputs = dict[str, np.ndarray]
SHIFTS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # one row up / down, one column left / right
INTEGER_SUFFIXES = ("mask", "argmax", "ties")


@dataclass(frozen=True)
class Mistake:
    """A named slip: ``name`` (an id for scripts), ``title`` (for people), ``make``."""

    name: str
    title: str
    make: Callable[[Step, Values, PassModel], list[Outputs]]
    whole: bool = False  # made once for a whole tensor (a flipped kernel), never one cell


def _with(values: Values, qid: str, value) -> dict:
    out = dict(values)
    out[qid] = value
    return out


def _is(step: Step, kind: str, *layer_types: str) -> bool:
    return step.kind == kind and (not layer_types or getattr(step.layer, "type", None)
                                  in layer_types)


# ------------------------------------------------------------------------ updates
def not_updated(step, values, model):
    """W_new = W: the parameter copied, the step left out."""
    return [step.run(values, rate=0.0)] if _is(step, "update") else []


def learning_rate_not_applied(step, values, model):
    """W_new = W - dL/dW: the step taken with eta = 1."""
    return [step.run(values, rate=1.0)] if _is(step, "update") else []


def learning_rate_applied_twice(step, values, model):
    """W_new = W - eta^2 dL/dW: eta multiplied in twice."""
    return [step.run(values, rate=model.rate ** 2)] if _is(step, "update") else []


def plus_instead_of_minus(step, values, model):
    """W_new = W + eta dL/dW: a step up the gradient."""
    return [step.run(values, rate=-model.rate)] if _is(step, "update") else []


# ---------------------------------------------------------------- forward layers
def bias_forgotten(step, values, model):
    """Z = X * K (conv) or A W (dense) without the + b."""
    if not _is(step, "forward", "conv2d", "dense"):
        return []
    bias = f"{step.layer.name}.bias"
    return [step.run(_with(values, bias, np.zeros_like(values[bias])))]


def bias_added_twice(step, values, model):
    """Z = X * K + 2b (conv) or A W + 2b (dense)."""
    if not _is(step, "forward", "conv2d", "dense"):
        return []
    bias = f"{step.layer.name}.bias"
    return [step.run(_with(values, bias, 2 * values[bias]))]


def kernel_flipped(step, values, model):
    """True convolution: the kernel turned 180 degrees, K[f, c, kh-1-h, kw-1-w], in the
    forward sum or in dL/dX; in dL/dK the gradient itself turned."""
    if step.layer is None or step.layer.type != "conv2d" or step.kind not in ("forward",
                                                                               "backward"):
        return []
    weight = f"{step.layer.name}.weight"
    outputs = step.run(_with(values, weight, values[weight][..., ::-1, ::-1]))
    if step.kind == "backward":
        grad = f"{step.layer.name}.grad_weight"
        outputs[grad] = step.run(values)[grad][..., ::-1, ::-1]
    return [outputs]


def shifted(x: np.ndarray, rows: int, cols: int, fill: float) -> np.ndarray:
    """out[..., i, j] = x[..., i + rows, j + cols]; ``fill`` where that is off the grid."""
    out = np.full_like(np.asarray(x, dtype=np.float64), fill)
    h, w = out.shape[-2:]
    out[..., max(0, -rows):h - max(0, rows), max(0, -cols):w - max(0, cols)] = \
        np.asarray(x)[..., max(0, rows):h - max(0, -rows), max(0, cols):w - max(0, -cols)]
    return out


def shifted_step(step: Step, values: Values, source: str, rows: int, cols: int) -> Outputs:
    """``step`` with ``source`` read (rows, cols) off; a cell that depends on values off
    the grid is NaN (it changes when they are filled with +-10^6 max|x| instead)."""
    x = values[source]
    big = 1e6 * (float(np.max(np.abs(x), initial=0.0)) + 1)
    high = step.run(_with(values, source, shifted(x, rows, cols, big)))
    low = step.run(_with(values, source, shifted(x, rows, cols, -big)))
    return {q: np.where(high[q] == low[q], high[q], np.nan) for q in high}


def other_tied_maximum(step, values, model):
    """Where a window's maximum sits, recorded at the last of its tied maxima (row by
    row), not the first."""
    if not _is(step, "forward", "maxpool2d"):
        return []
    f, s = step.layer.size, step.layer.stride
    grid = windows(np.ascontiguousarray(model.batch(values[step.inputs[0]])), f, f, s)
    n, c, _, _, ho, wo = grid.shape  # (N, C, F, F, Ho, Wo)
    cand = np.ascontiguousarray(grid.reshape(n, c, f * f, ho, wo).transpose(2, 0, 1, 3, 4))
    _, is_max = FLOAT.maxima(cand)
    last = f * f - 1 - np.argmax(is_max[::-1], axis=0)  # (N, C, Ho, Wo)
    rows = last // f + (np.arange(ho) * s)[:, None]
    cols = last % f + np.arange(wo) * s
    return [{f"{step.layer.name}.argmax": model.unbatch(np.stack([rows, cols], -1))}]


def window_misplaced(step, values, model):
    """Each window read one row or one column off: X[i S + h + dr, j S + w + dc], for the
    conv or pool output, or for the input window under dL/dK (undefined off the grid)."""
    conv_or_pool = _is(step, "forward", "conv2d", "maxpool2d")
    if not (conv_or_pool or _is(step, "backward", "conv2d")):
        return []
    source = step.inputs[1] if step.kind == "backward" else step.inputs[0]
    return [shifted_step(step, values, source, r, c) for r, c in SHIFTS]


# ---------------------------------------------------------------- backward layers
def gradient_to_every_tied_max(step, values, model):
    """Max-pool backward sending dB to every tied maximum of its window (the lecture's
    code), where the convention sends it to the first one."""
    if not _is(step, "backward", "maxpool2d") or step.layer.ties != "first":
        return []
    return [step.run(values, ties="all")]


def gradient_to_wrong_window(step, values, model):
    """Max-pool backward routing each window's dB to the maximum of the next window up,
    down, left or right."""
    if not _is(step, "backward", "maxpool2d"):
        return []
    grad = step.inputs[0]
    return [step.run(_with(values, grad, shifted(values[grad], r, c, 0.0)))
            for r, c in SHIFTS]


def relu_derivative_at_zero_one(step, values, model):
    """ReLU'(0) taken as 1: dZ = dA 1(Z >= 0) instead of dA 1(Z > 0)."""
    layer = step.layer
    if step.kind not in ("forward", "backward") or layer is None \
            or layer.type not in ("relu", "leaky_relu") or layer.grad_at_zero != 0:
        return []
    return [step.run(values, grad_at_zero=1)]


def dense_weight_transposed(step, values, model):
    """W^T used for W (a square W): Z = A W^T + b, dA = dZ W; or dL/dW written as its
    transpose dZ^T A."""
    layer = step.layer
    if step.kind not in ("forward", "backward") or layer is None or layer.type != "dense":
        return []
    weight = f"{layer.name}.weight"
    w = values[weight]
    outputs = []
    if w.shape[0] == w.shape[1]:
        outputs.append(step.run(_with(values, weight, w.T)))
    if step.kind == "backward":
        grad = step.run(values)[f"{layer.name}.grad_weight"]
        if grad.shape[0] == grad.shape[1]:
            outputs.append({f"{layer.name}.grad_weight": grad.T})
    return outputs


# -------------------------------------------------------------------- the output
def loss_summed_not_averaged(step, values, model):
    """L and dL/dz summed over the batch, without the 1/N of the mean (N > 1)."""
    if step.kind not in ("loss", "output_grad") or model.samples == 1 or model.scale == 1:
        return []
    return [step.run(values, scale=1.0)]


def log_base_10(step, values, model):
    """L = -sum y log_10 y_hat: the common logarithm for the natural one."""
    return [step.run(values, log_base=10)] if step.kind == "loss" else []


def softmax_not_normalised(step, values, model):
    """y_hat_k = e^{z_k}, not divided by sum_j e^{z_j}."""
    return [step.run(values, normalise=False)] if step.kind == "softmax" else []


# ------------------------------------------------------------------------- anywhere
def sign_flipped(step, values, model):
    """-v: the right value with the opposite sign."""
    if step.kind == "given":
        return []
    return [{q: -v for q, v in step.run(values).items()
             if q.rsplit(".", 1)[-1] not in INTEGER_SUFFIXES}]


def rounding_too_early(step, values, model):
    """The earlier numbers rounded to k = 1, 2 or 3 significant digits before this step
    (values the student did not write down, or wrote with more digits than they used)."""
    if step.kind == "given":
        return []
    outputs = []
    for digits in (1, 2, 3):
        key = ("rounded", id(values), digits)
        if key not in model.memo:
            walk = carry(model, model.leaves(values), rounded(model, digits))
            model.memo[key] = (values, walk)  # keeps ``values`` alive: its id stays unique
        outputs.append(step.run(model.memo[key][1].context))
    return outputs


CATALOGUE = (
    Mistake("not_updated", "not updated (the value before the step)", not_updated),
    Mistake("learning_rate_not_applied", "learning rate not applied", learning_rate_not_applied),
    Mistake("learning_rate_applied_twice", "learning rate applied twice",
            learning_rate_applied_twice),
    Mistake("plus_instead_of_minus", "update with + instead of -", plus_instead_of_minus),
    Mistake("bias_forgotten", "bias forgotten", bias_forgotten),
    Mistake("bias_added_twice", "bias added twice", bias_added_twice),
    Mistake("kernel_flipped", "kernel flipped (true convolution)", kernel_flipped, whole=True),
    Mistake("other_tied_maximum", "another of the tied maxima (not the first)",
            other_tied_maximum),
    Mistake("window_misplaced", "window misplaced by one row/column", window_misplaced),
    Mistake("gradient_to_every_tied_max", "gradient routed to every tied max",
            gradient_to_every_tied_max),
    Mistake("gradient_to_wrong_window", "gradient routed to the wrong window",
            gradient_to_wrong_window),
    Mistake("relu_derivative_at_zero_one", "ReLU'(0) taken as 1", relu_derivative_at_zero_one),
    Mistake("dense_weight_transposed", "dense weight transposed", dense_weight_transposed,
            whole=True),
    Mistake("loss_summed_not_averaged", "loss summed instead of averaged",
            loss_summed_not_averaged),
    Mistake("log_base_10", "log base 10 instead of natural", log_base_10),
    Mistake("softmax_not_normalised", "softmax without normalisation", softmax_not_normalised),
    Mistake("sign_flipped", "sign flipped", sign_flipped),
    Mistake("rounding_too_early", "rounding too early", rounding_too_early),
)
MISTAKES = {m.name: m for m in CATALOGUE}
