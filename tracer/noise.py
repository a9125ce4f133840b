"""Float rounding noise: sums that are 0 but for rounding, made 0 as the pass runs.

A spec written in decimals (0.1, 0.2, -0.3) has window sums whose exact value is 0 while
the float value is 1.1e-16: no digit of it is significant, a handout would print
1.11e-16 where the exact pass prints 0, and a ReLU would pass it on where exact
arithmetic stops it. Each sum a layer makes, forward and backward, and each update is
checked as it is made:

1. a candidate is a cell within the sum's own rounding of 0: |v| <= c u M, with M the sum
   of its terms' sizes, c the roundings of that one operation and u = 2^-53 (the float
   sum of n terms is within about n u M of their exact sum);
2. it is set to 0 only if the same operation in exact arithmetic, on the decimals the
   recorded values print as (0.1 for the float 0.1), gives exactly 0.

So 0.1 + 0.2 - 0.3 becomes 0 before any later step uses it, while 1 + 1e-15 - 1 (a real
1e-15 within the rounding of its terms) and a saturated softmax's 1e-14 keep their
digits. Noise that earlier steps carried in (values that print with 17 digits) stays.
"""

from __future__ import annotations

import copy
import math
from fractions import Fraction

import numpy as np

from .layers import Conv2D, Dense
from .numeric import FLOAT

UNIT_ROUNDOFF = 2.0 ** -53  # a sum's bound holds for any order of summation (BLAS, FMA)
_DECIMAL = np.frompyfunc(lambda v: Fraction(repr(float(v))), 1, 1)


class Cleaner:
    """Hooks for one float pass (see :func:`tracer.network.trace_pass`); ``zeroed``
    counts the cells set to 0."""

    def __init__(self):
        self.zeroed = 0
        self.inputs = {}  # layer name -> its input, for the backward's terms

    def output(self, layer, x, out):
        """A layer's output Z = sum of fan-in products + b (conv2d, dense): c = fan-in + 3
        (the products, the sum, the kernel and the input read from decimals)."""
        self.inputs[layer.name] = x
        if not isinstance(layer, (Conv2D, Dense)):
            return out
        size = _absolute(layer).forward(np.abs(x), FLOAT)[0]
        candidates = _candidates(out, size, _fan_in(layer) + 3)
        if not candidates.any() or not _finite(x, layer.weight, layer.bias):
            return out
        exact = _decimal_layer(layer).forward(_decimal(x), _exact())[0]
        return self._zero(out, candidates & (exact == 0))

    def backward(self, layer, grad, grad_input, records, x=None):
        """A linear layer's sums: dL/dX (c = fan-out + 2), dL/dK over the batch and the
        positions (+ 3) and dL/db (+ 1); ``x`` is the layer's input (default: the one
        :meth:`output` saw)."""
        x = self.inputs.pop(layer.name) if x is None else x
        if not isinstance(layer, (Conv2D, Dense)):
            return grad_input, records
        g = np.abs(grad)
        absolute = _absolute(layer)
        size, sizes = absolute.backward(g, absolute.forward(np.abs(x), FLOAT)[2], FLOAT)
        summed = _sample_terms(layer, grad)
        found = {"input": _candidates(grad_input, size, _fan_out(layer) + 2),
                 "grad_weight": _candidates(records["grad_weight"], sizes["grad_weight"],
                                            summed + 3),
                 "grad_bias": _candidates(records["grad_bias"], sizes["grad_bias"], summed + 1)}
        if not any(c.any() for c in found.values()) or \
                not _finite(x, grad, layer.weight, layer.bias):
            return grad_input, records
        exact_layer = _decimal_layer(layer)
        saved = exact_layer.forward(_decimal(x), _exact())[2]
        exact_input, exact = exact_layer.backward(_decimal(grad), saved, _exact())
        records = {name: self._zero(value, found[name] & (exact[name] == 0))
                   for name, value in records.items()}
        return self._zero(grad_input, found["input"] & (exact_input == 0)), records

    def update(self, param, rate, grad, new):
        """W_new = W - eta dL/dW: c = 4."""
        candidates = _candidates(new, np.abs(param) + abs(float(rate)) * np.abs(grad), 4)
        if not candidates.any() or not _finite(param, grad):
            return new
        exact = _decimal(param) - Fraction(repr(float(rate))) * _decimal(grad)
        return self._zero(new, candidates & (exact == 0))

    def _zero(self, value: np.ndarray, noise: np.ndarray) -> np.ndarray:
        if not noise.any():
            return value
        self.zeroed += int(noise.sum())
        return np.where(noise, 0.0, value)


def _candidates(value: np.ndarray, size: np.ndarray, count: int) -> np.ndarray:
    """Cells within a sum's own rounding of 0: 0 < |v| <= count u M (an infinite M tells
    nothing: the cell stays)."""
    with np.errstate(all="ignore"):
        return ((value != 0) & np.isfinite(size)
                & (np.abs(value) <= count * UNIT_ROUNDOFF * size))


def _finite(*arrays) -> bool:
    return all(np.isfinite(a).all() for a in arrays)


def _decimal(values) -> np.ndarray:
    """Each float as the decimal it prints as (0.1 -> 1/10), an object array."""
    values = np.asarray(values, dtype=np.float64)
    return np.asarray(_DECIMAL(values), dtype=object).reshape(values.shape)


def _decimal_layer(layer):
    """A copy of a conv2d or dense layer with its parameters as decimals."""
    exact = copy.copy(layer)
    exact.weight, exact.bias = _decimal(layer.weight), _decimal(layer.bias)
    return exact


def _exact():
    from .numeric import EXACT  # loaded (with mpmath) only when a candidate needs it
    return EXACT


def _fan_in(layer) -> int:
    """Products summed per output cell: C kh kw for conv2d, D for dense."""
    return math.prod(layer.weight.shape[1:]) if layer.type == "conv2d" else layer.weight.shape[0]


def _fan_out(layer) -> int:
    """Products summed per input-gradient cell (at most): F kh kw, or K."""
    shape = layer.weight.shape
    return shape[0] * math.prod(shape[2:]) if layer.type == "conv2d" else shape[1]


def _sample_terms(layer, grad) -> int:
    """Terms of a parameter gradient's sum: N Ho Wo for conv2d, N for dense."""
    return math.prod(grad.shape[:1] + grad.shape[2:]) if layer.type == "conv2d" else len(grad)


def _absolute(layer):
    """A copy of a conv2d or dense layer with |K| and |b|."""
    absolute = copy.copy(layer)
    absolute.weight, absolute.bias = np.abs(layer.weight), np.abs(layer.bias)
    return absolute
