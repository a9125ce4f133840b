"""Float rounding noise: sums that are 0 but for rounding, made 0 as the pass runs.

A spec written in decimals (0.1, 0.2, -0.3) has window sums whose exact value is 0 while
the float value is 1.1e-16: no digit of it is significant, a handout would print
1.11e-16 where the exact pass prints 0, and a ReLU would pass it on where exact
arithmetic stops it. Each sum the pass makes (a layer's output, a gradient, an update)
is checked as it is made, from the values of its terms: the float sum of n terms is
within about n u M of the exact sum of the same terms (u = 2^-53, M = the sum of the
terms' sizes), so a result with |v| <= c u M, c counting the roundings of that one
operation, has no significant digit and is set to 0 before any later step uses it. A
small value its own terms make (1e-14 from a saturated softmax) keeps its digits.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from .layers import Conv2D, Dense
from .numeric import FLOAT

UNIT_ROUNDOFF = 2.0 ** -53  # a sum's bound holds for any order of summation (BLAS, FMA)


class Cleaner:
    """Hooks for one float pass (see :func:`tracer.network.trace_pass`); ``zeroed``
    counts the cells set to 0."""

    def __init__(self):
        self.zeroed = 0
        self.inputs = {}  # layer name -> its input, for the backward's term sizes

    def output(self, layer, x, out):
        """A layer's output Z = sum of fan-in products + b (conv2d, dense): c = fan-in + 3
        (the products, the sum, the kernel and the input read from decimals)."""
        self.inputs[layer.name] = x
        if not isinstance(layer, (Conv2D, Dense)):
            return out
        size = _absolute(layer).forward(np.abs(x), FLOAT)[0]
        return self._zero(out, size, _fan_in(layer) + 3)

    def loss_grad(self, y_hat, y, scale, grad):
        """dL/dz = scale (y_hat - y): c = 3."""
        return self._zero(grad, abs(float(scale)) * (np.abs(y_hat) + np.abs(y)), 3)

    def backward(self, layer, kept, grad, grad_input, records):
        """The sums of a backward step: a linear layer's dL/dX (fan-out + 2), dL/dK over
        the batch and positions (+ 3) and dL/db (+ 1); overlapping pooling windows'
        routes (size^2); softmax's y (g - sum_j g_j y_j) (classes + 3)."""
        g, x = np.abs(grad), self.inputs.pop(layer.name)
        if isinstance(layer, (Conv2D, Dense)):
            absolute = _absolute(layer)
            size, sizes = absolute.backward(g, absolute.forward(np.abs(x), FLOAT)[2], FLOAT)
            summed = _sample_terms(layer, grad)
            records = {"grad_weight": self._zero(records["grad_weight"], sizes["grad_weight"],
                                                 summed + 3),
                       "grad_bias": self._zero(records["grad_bias"], sizes["grad_bias"],
                                               summed + 1)}
            return self._zero(grad_input, size, _fan_out(layer) + 2), records
        if layer.type == "maxpool2d" and layer.stride < layer.size:
            return self._zero(grad_input, layer.backward(g, kept, FLOAT)[0], layer.size ** 2), \
                records
        if layer.type == "softmax":
            y = kept
            size = y * (g + (g * y).sum(axis=-1, keepdims=True))
            return self._zero(grad_input, size, grad.shape[-1] + 3), records
        return grad_input, records

    def update(self, param, rate, grad, new):
        """W_new = W - eta dL/dW: c = 4."""
        return self._zero(new, np.abs(param) + abs(float(rate)) * np.abs(grad), 4)

    def _zero(self, value: np.ndarray, size: np.ndarray, count: int) -> np.ndarray:
        """``value`` with its cells |v| <= count u M set to 0 (a new array if any)."""
        with np.errstate(all="ignore"):  # an infinite M tells nothing: the cell stays
            noise = ((value != 0) & np.isfinite(size)
                     & (np.abs(value) <= count * UNIT_ROUNDOFF * size))
        if not noise.any():
            return value
        self.zeroed += int(noise.sum())
        return np.where(noise, 0.0, value)


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
