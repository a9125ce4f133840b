"""Float rounding noise: sums that are 0 but for rounding, made 0 as the pass runs.

A spec written in decimals (0.1, 0.2, -0.3) has window sums whose exact value is 0 while
the float value is 1.1e-16: no digit of it is significant, a handout would print
1.11e-16 where the exact pass prints 0, and a ReLU would pass it on where exact
arithmetic stops it. Each sum a linear layer makes, forward and backward, and each
update is checked as it is made:

1. a candidate is a cell within the sum's own rounding of 0: |v| <= c u M, with M the sum
   of its terms' sizes, c the roundings of that one operation and u = 2^-53 (the float
   sum of n terms is within about n u M of their exact sum);
2. it is set to 0 only if every factor of its terms prints as a short decimal (a spec's
   0.1, a student's 0.25) and the exact sum of those decimals is 0: 0.1 + 0.2 - 0.3 is,
   1 + 1e-15 - 1 is not and keeps its 1e-15; or if the exact sum of the floats
   themselves is 0: computed values that cancel, (-0.2689) * 0.1 + 0.2689 * 0.1, which
   a fused multiply-add leaves as -1.05e-19; or if the math makes it 0: a dense row of
   equal weights times softmax + cross-entropy's dL/dz, which sums to 0 over the classes.

Any other sum of computed values (sigmoid(3) + sigmoid(-3) - 1, printed with 17 digits)
has no decimals to confirm a zero with, and floats cannot tell it from a true 4.5e-16: it
stays as computed. A decimal zero is exact mode's own 0; a float zero is the exact value
of the floats as they are (which, like every computed float, may differ from exact mode's
by their own rounding: a probability saturated at 1.0 leaves exact mode's 1e-16).
"""

from __future__ import annotations

import copy
import functools
import math
from decimal import MAX_EMAX, MIN_EMIN, Decimal, Inexact, localcontext
from fractions import Fraction

import numpy as np

from .layers import Conv2D, Dense
from .layers.base import pad
from .numeric import FLOAT

UNIT_ROUNDOFF = 2.0 ** -53  # a sum's bound holds for any order of summation (BLAS, FMA)


class Cleaner:
    """Hooks for one float pass (see :func:`tracer.network.trace_pass`)."""

    def __init__(self):
        self.inputs = {}  # layer name -> its input, for the backward's terms
        self.summing_to_zero = None  # (dL/dz of softmax + cross-entropy, its samples)

    def loss_gradient(self, output: str, grad: np.ndarray, targets: np.ndarray) -> None:
        """Softmax + cross-entropy: dL/dz = scale (ŷ - y) sums to 0 over the classes in
        exact arithmetic for a sample whose targets sum to 1 (as the spec writes them: 0.3 +
        0.7), as the probabilities do. A dense row of equal weights times it is then 0
        (W_d ∑_k dz_k), where floats leave 1.1e-16 (the rounded ŷ_k do not sum to 1)."""
        if output == "softmax":
            rows = np.asarray(targets, dtype=float).reshape(len(targets), -1).tolist()
            ones = np.array([sum(map(_decimal, row)) == 1 for row in rows])  # as the spec's
            self.summing_to_zero = grad, ones[:, None]

    def output(self, layer, x, out):
        """A layer's output Z = sum of fan-in products + b (conv2d, dense): c = fan-in + 3
        (the products, the sum, the kernel and the input read from decimals)."""
        self.inputs[layer.name] = x
        if not isinstance(layer, (Conv2D, Dense)):
            return out
        size = _absolute(layer).forward(np.abs(x), FLOAT)[0]
        padded = pad(x, layer.padding, FLOAT) if layer.type == "conv2d" else x
        return self._zero(out, _noise(out, size, _fan_in(layer) + 3,
                                      lambda cell: _out_terms(layer, padded, cell)))

    def backward(self, layer, kept, grad, grad_input, records, x=None):
        """The sums of a backward step: a linear layer's dL/dX (c = fan-out + 2), dL/dK
        over the batch and positions (+ 3) and dL/db (+ 1); the routes of overlapping
        pooling windows (size^2); softmax's y (g - sum_j g_j y_j), exactly 0 when the
        given g is the same for every class (the probabilities sum to 1). ``kept`` is
        what the layer's forward saved, ``x`` its input (default: the one :meth:`output`
        saw)."""
        x = self.inputs.pop(layer.name) if x is None else x
        g = np.abs(grad)
        if layer.type == "maxpool2d" and layer.stride < layer.size:
            size = layer.backward(g, kept, FLOAT)[0]
            return self._zero(grad_input, _noise(
                grad_input, size, layer.size ** 2,
                lambda cell: _route_terms(layer, kept, grad, cell))), records
        if layer.type == "softmax":
            uniform = (grad == grad[..., :1]).all(axis=-1, keepdims=True)
            size = kept * (g + (g * kept).sum(axis=-1, keepdims=True))
            noise = _within(grad_input, size, g.shape[-1] + 3) & uniform \
                & _short_values(grad)
            return self._zero(grad_input, noise), records
        if not isinstance(layer, (Conv2D, Dense)):
            return grad_input, records
        padded = pad(x, layer.padding, FLOAT) if layer.type == "conv2d" else x
        absolute = _absolute(layer)
        size, sizes = absolute.backward(g, absolute.forward(np.abs(x), FLOAT)[2], FLOAT)
        summed = _sample_terms(layer, grad)
        counts = {"grad_weight": summed + 3, "grad_bias": summed + 1}
        records = {name: self._zero(value, _noise(
            value, sizes[name], counts[name],
            lambda cell, name=name: _gradient_terms(layer, name, padded, grad, cell)))
            for name, value in records.items()}
        noise = _noise(grad_input, size, _fan_out(layer) + 2,
                       lambda cell: _input_terms(layer, grad, cell))
        if layer.type == "dense" and self.summing_to_zero is not None \
                and grad is self.summing_to_zero[0]:  # exactly 0 whatever the floats left
            equal = (layer.weight == layer.weight[:, :1]).all(axis=1)  # a row of equal weights
            noise |= (grad_input != 0) & equal & self.summing_to_zero[1]
        return self._zero(grad_input, noise), records

    def update(self, param, rate, grad, new):
        """W_new = W - eta dL/dW: c = 4."""
        rate = float(rate)
        return self._zero(new, _noise(
            new, np.abs(param) + abs(rate) * np.abs(grad), 4,
            lambda cell: (np.array([param[cell], rate]), np.array([1.0, -grad[cell]]), 0.0)))

    def _zero(self, value: np.ndarray, noise: np.ndarray) -> np.ndarray:
        if not noise.any():
            return value
        return np.where(noise, 0.0, value)


def _within(value: np.ndarray, size: np.ndarray, count: float) -> np.ndarray:
    """Cells with 0 < |v| <= count u M (an infinite M tells nothing: the cell stays)."""
    with np.errstate(all="ignore"):
        return ((value != 0) & np.isfinite(size)
                & (np.abs(value) <= count * UNIT_ROUNDOFF * size))


def _noise(value: np.ndarray, size: np.ndarray, count: int, terms) -> np.ndarray:
    """The cells of a sum that are 0 but for rounding: within count u M (its rounding,
    at worst), with every factor of ``terms(cell)`` (a, b, bias: the cell's sum is
    sum_k a_k b_k + bias) a short decimal, and their exact sum 0."""
    noise = _within(value, size, count)
    for cell in zip(*np.nonzero(noise)):
        a, b, bias = terms(tuple(int(i) for i in cell))
        noise[cell] = _float_zero(a, b, bias) or _decimal_zero(a, b, bias)
    return noise


def _float_zero(a, b, bias) -> bool:
    """Whether sum_k a_k b_k + bias is exactly 0 in the floats as they are (exact
    rational arithmetic on their binary values)."""
    a, b = np.ravel(a).tolist(), np.ravel(b).tolist()
    if not all(map(math.isfinite, (*a, *b, bias))):
        return False
    return sum((Fraction(p) * Fraction(q) for p, q in zip(a, b)), Fraction(bias)) == 0


@functools.lru_cache(maxsize=1 << 14)
def _decimal(value: float) -> Decimal:
    """The decimal a float prints as, without trailing zeros (0.1 -> 0.1, 2e14 -> 2E+14)."""
    return Decimal(repr(value)).normalize()


def _decimal_zero(a, b, bias) -> bool:
    """Whether sum_k a_k b_k + bias is exactly 0 in the decimals the factors print as,
    every factor a short decimal (at most 15 significant digits); False otherwise."""
    a, b = np.ravel(a).tolist(), np.ravel(b).tolist()
    factors = [_decimal(float(v)) for v in (*a, *b, bias)]
    if not all(v.is_finite() and len(v.as_tuple().digits) <= 15 for v in factors):
        return False
    terms = [(p, q) for p, q in zip(factors[:len(a)], factors[len(a):-1]) if p and q]
    if factors[-1]:
        terms.append((factors[-1], Decimal(1)))
    if not terms:
        return True
    # each product's digits span [e_p + e_q, e_p + e_q + len_p + len_q): the sum is exact
    # with the whole span of the terms, and room for n carries
    low = min(p.as_tuple().exponent + q.as_tuple().exponent for p, q in terms)
    high = max(p.adjusted() + q.adjusted() + 2 for p, q in terms)
    with localcontext(prec=high - low + len(str(len(terms))) + 2, Emax=MAX_EMAX,
                      Emin=MIN_EMIN) as context:
        context.traps[Inexact] = True  # a rounded sum would prove nothing
        try:
            return sum((p * q for p, q in terms), Decimal(0)) == 0
        except Inexact:
            return False


def _short_values(values: np.ndarray) -> np.ndarray:
    """Per sample (axis 0 kept), whether every value prints as a short decimal."""
    short = np.vectorize(lambda v: bool(np.isfinite(v)) and len(
        _decimal(float(v)).as_tuple().digits) <= 15, otypes=[bool])(values)
    return short.reshape(len(values), -1).all(axis=1).reshape((-1,) + (1,) * (values.ndim - 1))


# ----------------------------------------------------------- the terms of one cell
def _out_terms(layer, x, cell):
    """Z[n, f, i, j] = sum window * K[f] + b[f] (``x`` padded); Z[n, k] = sum_d X[n, d]
    W[d, k] + b[k]."""
    if layer.type == "dense":
        n, k = cell
        return x[n], layer.weight[:, k], layer.bias[k]
    n, f, i, j = cell
    _, _, kh, kw = layer.weight.shape
    s = layer.stride
    return x[n, :, i * s:i * s + kh, j * s:j * s + kw], layer.weight[f], layer.bias[f]


def _gradient_terms(layer, name: str, x, grad, cell):
    """dW[d, k] = sum_n X[n, d] dZ[n, k]; db[k] = sum_n dZ[n, k]; dK[f, c, h, w] =
    sum_{n,i,j} dZ[n, f, i, j] Xp[n, c, i S + h, j S + w] (``x`` padded); db[f] = sum
    dZ[:, f]."""
    if name == "grad_bias":
        column = grad[:, cell[0]]
        return column, np.ones_like(column), 0.0
    if layer.type == "dense":
        d, k = cell
        return x[:, d], grad[:, k], 0.0
    f, c, h, w = cell
    s = layer.stride
    ho, wo = grad.shape[2:]
    taps = x[:, c, h:h + s * (ho - 1) + 1:s, w:w + s * (wo - 1) + 1:s]
    return grad[:, f], taps, 0.0


def _route_terms(pool, kept, grad, cell):
    """dA[n, c, y, x] = sum of dP[n, c, i, j] over the windows (i, j) that route their
    gradient to (y, x): its first maximum (or, ties "all", any tied maximum there)."""
    _, first, is_max = kept
    n, c, y, x = cell
    f, s = pool.size, pool.stride
    ho, wo = grad.shape[2:]
    routed = []
    for i in range(max(0, -(-(y - f + 1) // s)), min(ho - 1, y // s) + 1):
        for j in range(max(0, -(-(x - f + 1) // s)), min(wo - 1, x // s) + 1):
            k = (y - i * s) * f + (x - j * s)
            if (is_max[k, n, c, i, j] if is_max is not None else first[n, c, i, j] == k):
                routed.append(grad[n, c, i, j])
    routed = np.array(routed or [0.0])
    return routed, np.ones_like(routed), 0.0


def _input_terms(layer, grad, cell):
    """dX[n, d] = sum_k dZ[n, k] W[d, k]; dX[n, c, y, x] = sum of dZ[n, f, i, j]
    K[f, c, h, w] over the windows (i, j) whose tap (h, w) lands on (y, x)."""
    if layer.type == "dense":
        n, d = cell
        return grad[n], layer.weight[d], 0.0
    n, c, y, x = cell
    _, _, kh, kw = layer.weight.shape
    s, p = layer.stride, layer.padding
    ho, wo = grad.shape[2:]
    a, b = [], []
    for h in range(kh):
        for w in range(kw):
            i, rest_i = divmod(y + p - h, s)
            j, rest_j = divmod(x + p - w, s)
            if not rest_i and not rest_j and 0 <= i < ho and 0 <= j < wo:
                a.append(grad[n, :, i, j])
                b.append(layer.weight[:, c, h, w])
    return (np.concatenate(a), np.concatenate(b), 0.0) if a else (np.zeros(1), np.zeros(1), 0.0)


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
