"""Float rounding noise: values that are 0 but for rounding, set to 0 in a float trace.

A spec written in decimals (0.1, 0.2, -0.3) has window sums whose exact value is 0 while
the float value is 1.1e-16: no digit of it is significant, and a handout would print
1.11e-16 where the exact pass prints 0. Each value v gets the classic a-priori bound on
its rounding error, |v - exact| <= c u M (u = 2^-53, the unit roundoff):

* M, per cell, the size of the terms behind it, carried through the network like a
  value: a sum's M is the sum of its terms' M (a linear layer runs on M with |K|, |b|);
  a masking or pooling layer passes M on as the pass routed the values; a smooth
  function scales M by its derivative;
* c, per quantity, counts the roundings along the way: a sum of n terms adds n + 1.

A cell with |v| <= c u M carries no significant digit and is recorded as 0. A value
small only against other cells (1e-14 from a saturated softmax) keeps its digits.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from .layers import Conv2D, Dense
from .numeric import FLOAT

UNIT_ROUNDOFF = 2.0 ** -53  # the bound holds for any summation order (BLAS, FMA)


def zero_float_noise(net, trace) -> int:
    """Set every cell of a float ``trace`` of ``net`` with |v| <= c u M to 0 (in new
    arrays; other values are untouched); returns how many cells."""
    zeroed = 0
    with np.errstate(all="ignore"):  # inf and NaN cells stay as they are (never <= M)
        for qid, (bound, count) in error_bounds(net, trace).items():
            quantity = trace.quantities.get(qid)
            if quantity is None:
                continue
            value, bound = np.asarray(quantity.value), bound.reshape(np.shape(quantity.value))
            # an infinite bound (terms beyond float range) tells nothing: the cell stays
            noise = ((value != 0) & np.isfinite(bound)
                     & (np.abs(value) <= count * UNIT_ROUNDOFF * bound))
            if noise.any():
                quantity.value = np.where(noise, 0.0, value)
                zeroed += int(noise.sum())
    return zeroed


def error_bounds(net, trace) -> dict[str, tuple[np.ndarray, int]]:
    """{qid: (M, c)} (M in batched shape) for each layer's output, the gradient flowing
    into it, the parameter gradients and the updated parameters: |v - exact| <= c u M."""
    bounds, input_counts, saved = {}, [], []
    m, count = np.abs(net.inputs), 1  # decimals read into floats: one rounding
    hidden = net.layers[:-1] if net.targets is not None else net.layers
    for layer in hidden:
        x = _recorded(trace, _input_id(trace, layer.name))
        input_counts.append(count)
        m, count, kept = _forward(layer, x, m, count)
        saved.append(kept)
        bounds[f"{layer.name}.out"] = (m, count)

    if net.targets is not None:  # dL/dz = scale (y_hat - y), y_hat = f(z) with its M
        from .network import _loss_scale
        output = net.layers[-1]
        y_hat = _recorded(trace, f"{output.name}.out")
        m_hat, count = _smooth_output(output, y_hat, m, count)
        grad = abs(float(_loss_scale(net))) * (m_hat + np.abs(net.targets))
        count += 2
    elif net.grad_outs is not None:
        grad, count = np.abs(net.grad_outs), 1
    else:
        return bounds

    param_grads = {}
    for layer, input_count, kept in zip(reversed(hidden), reversed(input_counts),
                                        reversed(saved)):
        bounds[f"{layer.name}.grad"] = (grad, count)
        grad, records, count, record_counts = _backward(layer, kept, grad, count, input_count)
        for suffix, value in records.items():
            bounds[f"{layer.name}.{suffix}"] = param_grads[(layer, suffix)] = (
                value, record_counts[suffix])
    bounds["input.grad"] = (grad, count)

    if net.targets is not None:  # W_new = W - eta dL/dW
        rate = abs(float(net.spec.learning_rate))
        for layer in net.layers:
            for p in layer.param_names:
                m_grad, c_grad = param_grads[(layer, f"grad_{p}")]
                bounds[f"{layer.name}.{p}_new"] = (np.abs(getattr(layer, p)) + rate * m_grad,
                                                   c_grad + 4)
    return bounds


def _forward(layer, x, m, count):
    """(M, c) of the layer's output and what the backward needs, from the real input x
    and the input's (M, c)."""
    if isinstance(layer, (Conv2D, Dense)):  # sum of fan_in products and the bias
        absolute = _absolute(layer)
        out, _, kept = absolute.forward(m, FLOAT)
        return out, count + _fan_in(layer) + 3, (absolute, kept)
    out, _, kept = layer.forward(x, FLOAT)  # the pass's own decisions
    if layer.type == "relu":
        return np.where(kept, m, 0.0), count, kept
    if layer.type == "leaky_relu":
        return m * np.abs(kept), count + 1, kept
    if layer.type in ("sigmoid", "softmax"):
        m_out, count = _smooth_output(layer, out, m, count)
        return m_out, count, (kept, m_out, count)
    if layer.type == "maxpool2d":  # the largest M of the window bounds the routed cell's
        return layer.forward(m, FLOAT)[0], count, kept
    return layer.forward(m, FLOAT)[0], count, kept  # flatten


def _smooth_output(layer, out, m, count):
    """(M, c) of sigmoid or softmax values ``out``: the rounding of out itself and the
    input's error through the derivative. Sigmoid: |out| + out (1 - out) M_in; softmax:
    y_k + 2 y_k (1 - y_k) max_j M_j, as dy_k = y_k sum_j y_j (dz_k - dz_j)."""
    if layer.type == "sigmoid":
        return out + out * (1 - out) * m, count + 4
    largest = m.reshape(len(m), -1).max(axis=1).reshape((-1,) + (1,) * (m.ndim - 1))
    return out + 2 * out * (1 - out) * largest, count + 4


def _backward(layer, kept, grad, count, input_count):
    """(M of dL/d(input), M of the parameter gradients, their c) from dL/d(output)'s."""
    if isinstance(layer, Conv2D | Dense):
        absolute, saved = kept
        grad_input, records = absolute.backward(grad, saved, FLOAT)
        sums = _sample_terms(layer, grad)  # dK and db sum over samples (and positions)
        return grad_input, records, count + _fan_out(layer) + 2, {
            "grad_weight": count + input_count + sums + 1, "grad_bias": count + sums}
    if layer.type == "leaky_relu":
        return grad * np.abs(kept), {}, count + 1, {}
    if layer.type == "sigmoid":  # g y (1 - y), y with its own M
        local_grad, m_out, out_count = kept
        return grad * (local_grad + m_out), {}, count + out_count + 3, {}
    if layer.type == "softmax":  # y (g - sum_j g_j y_j), y with its own M
        _, m_out, out_count = kept
        return (m_out * (grad + (grad * m_out).sum(axis=-1, keepdims=True)), {},
                count + out_count + grad.shape[-1] + 2, {})
    if layer.type == "maxpool2d":  # overlapping windows add up to size^2 routes
        return layer.backward(grad, kept, FLOAT)[0], {}, count + layer.size ** 2, {}
    return layer.backward(grad, kept, FLOAT)[0], {}, count, {}  # relu, flatten


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


def _input_id(trace, name: str) -> str:
    return next(info["input"] for info in trace.layers if info["name"] == name)


def _recorded(trace, qid: str) -> np.ndarray:
    """A per-sample value of the trace with its batch axis (N, ...)."""
    value = np.asarray(trace.quantities[qid].value, dtype=np.float64)
    return value if trace.batched else value[None, ...]
