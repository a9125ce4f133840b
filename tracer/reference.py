"""A naive loop implementation of one training pass: the engine's oracle and baseline.

Written like the lecture's section-6 numpy code (a Python loop over every output cell,
numpy only on one window at a time; ReLU, dense and softmax as whole-array formulas)
but with the engine's conventions: channel-first (N, C, H, W) tensors, stride and
padding, the first or every tied maximum, ReLU'(0) = 0 or 1, flatten C,H,W or H,W,C,
dense weight (inputs, outputs), loss mean or sum over the batch.

It shares no code with :mod:`tracer.layers` (only reads the built network's weights and
settings), so agreement between the two is evidence that both are right. Float64 only.
Supported layers: conv2d, relu, maxpool2d, flatten, dense, softmax.

    >>> from tracer.builder import build
    >>> values = reference_pass(build(spec, "float"))
    >>> values["conv1.grad_weight"]
"""

from __future__ import annotations

import numpy as np

SUPPORTED = ("conv2d", "relu", "maxpool2d", "flatten", "dense", "softmax")


# ------------------------------------------------------------------------------ conv
def conv_forward(x, kernel, bias, stride, padding):
    """Z[n,f,i,j] = sum(window * K[f]) + b[f], one output cell at a time."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n_, _, h, w = xp.shape
    f_, _, kh, kw = kernel.shape
    ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
    z = np.zeros((n_, f_, ho, wo))
    for n in range(n_):
        for i in range(ho):
            for j in range(wo):
                region = xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                for f in range(f_):
                    z[n, f, i, j] = np.sum(region * kernel[f]) + bias[f]
    return z


def conv_backward(x, kernel, grad, stride, padding):
    """dK, db and dX by accumulating every output cell's contribution (chain rule)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    _, _, kh, kw = kernel.shape
    d_kernel = np.zeros_like(kernel)
    d_bias = np.zeros(kernel.shape[0])
    d_xp = np.zeros_like(xp)
    n_, f_, ho, wo = grad.shape
    for n in range(n_):
        for i in range(ho):
            for j in range(wo):
                rows = slice(i * stride, i * stride + kh)
                cols = slice(j * stride, j * stride + kw)
                region = xp[n, :, rows, cols]
                for f in range(f_):
                    g = grad[n, f, i, j]
                    d_kernel[f] += g * region
                    d_bias[f] += g
                    d_xp[n, :, rows, cols] += g * kernel[f]
    h, w = x.shape[2:]
    return d_kernel, d_bias, d_xp[:, :, padding:padding + h, padding:padding + w]


# ------------------------------------------------------------------------------ pool
def pool_forward(x, size, stride):
    """Max of each window; (row, col) of its first maximum (row-major) and the tie count."""
    n_, c_, h, w = x.shape
    ho, wo = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((n_, c_, ho, wo))
    argmax = np.zeros((n_, c_, ho, wo, 2), dtype=np.int64)
    ties = np.zeros((n_, c_, ho, wo), dtype=np.int64)
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                for j in range(wo):
                    region = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    top = np.max(region)
                    first = int(np.argmax(region))  # numpy: the first maximum, row-major
                    out[n, c, i, j] = top
                    argmax[n, c, i, j] = (i * stride + first // size, j * stride + first % size)
                    ties[n, c, i, j] = np.sum(region == top)
    return out, argmax, ties


def pool_backward(x, grad, size, stride, ties):
    """Route each window's gradient to its first maximum, or to every tied maximum."""
    d_x = np.zeros_like(x)
    n_, c_, ho, wo = grad.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                for j in range(wo):
                    rows = slice(i * stride, i * stride + size)
                    cols = slice(j * stride, j * stride + size)
                    region = x[n, c, rows, cols]
                    if ties == "all":
                        d_x[n, c, rows, cols] += (region == np.max(region)) * grad[n, c, i, j]
                    else:
                        first = int(np.argmax(region))
                        d_x[n, c, i * stride + first // size, j * stride + first % size] += \
                            grad[n, c, i, j]
    return d_x


# ------------------------------------------------------------------------------ pass
def reference_pass(net) -> dict:
    """Forward, cross-entropy loss, backward and SGD update of a built float network.

    Returns {quantity id: float64 array} with the engine's ids and a leading batch axis
    on per-sample values; the network is not changed.
    """
    for layer in net.layers:
        if layer.type not in SUPPORTED:
            raise ValueError(f"the loop reference has no {layer.type} layer")
    if net.layers[-1].type != "softmax":
        raise ValueError("the loop reference needs a softmax output")
    rate = float(net.spec.learning_rate)
    x = np.asarray(net.inputs, dtype=np.float64)
    y = np.asarray(net.targets, dtype=np.float64)
    values = {"input.out": x}
    inputs = []  # what each hidden layer saw
    for layer in net.layers[:-1]:
        inputs.append(x)
        x = _forward(layer, x, values)
        values[f"{layer.name}.out"] = x

    # softmax + cross-entropy, as in the lecture (shifted exponentials)
    name = net.layers[-1].name
    shifted = x - np.max(x, axis=1, keepdims=True)
    exps = np.exp(shifted)
    probs = exps / np.sum(exps, axis=1, keepdims=True)
    values[f"{name}.out"] = probs
    with np.errstate(over="ignore"):  # recorded as they are: e^z may overflow to inf
        values[f"{name}.exp"] = np.exp(x)
        values[f"{name}.sum"] = np.sum(np.exp(x), axis=1)
    scale = 1 / len(x) if net.spec.conventions["loss_reduction"] == "mean" else 1.0
    log_probs = shifted - np.log(np.sum(exps, axis=1, keepdims=True))  # no log(0)
    values["loss.out"] = np.asarray(-np.sum(y * log_probs) * scale)
    grad = (probs - y) * scale

    for layer, seen in zip(reversed(net.layers[:-1]), reversed(inputs)):
        values[f"{layer.name}.grad"] = grad
        grad = _backward(layer, seen, grad, values)
    values["input.grad"] = grad

    for layer in net.layers:
        for p in getattr(layer, "param_names", ()):
            old = np.asarray(getattr(layer, p), dtype=np.float64)
            values[f"{layer.name}.{p}_new"] = old - rate * values[f"{layer.name}.grad_{p}"]
    return values


def _forward(layer, x, values):
    if layer.type == "conv2d":
        return conv_forward(x, np.asarray(layer.weight, float), np.asarray(layer.bias, float),
                            layer.stride, layer.padding)
    if layer.type == "relu":
        values[f"{layer.name}.mask"] = ((x >= 0) if layer.grad_at_zero else (x > 0)).astype(int)
        return np.maximum(0, x)
    if layer.type == "maxpool2d":
        out, argmax, ties = pool_forward(x, layer.size, layer.stride)
        values[f"{layer.name}.argmax"], values[f"{layer.name}.ties"] = argmax, ties
        return out
    if layer.type == "flatten":
        if layer.order == "hwc" and x.ndim == 4:
            x = x.transpose(0, 2, 3, 1)
        return x.reshape(len(x), -1)
    return np.dot(x, np.asarray(layer.weight, float)) + np.asarray(layer.bias, float)  # dense


def _backward(layer, seen, grad, values):
    name = layer.name
    if layer.type == "conv2d":
        d_kernel, d_bias, d_x = conv_backward(seen, np.asarray(layer.weight, float), grad,
                                              layer.stride, layer.padding)
        values[f"{name}.grad_weight"], values[f"{name}.grad_bias"] = d_kernel, d_bias
        return d_x
    if layer.type == "relu":
        return grad * values[f"{name}.mask"]
    if layer.type == "maxpool2d":
        return pool_backward(seen, grad, layer.size, layer.stride, layer.ties)
    if layer.type == "flatten":
        if layer.order == "hwc" and seen.ndim == 4:
            n, c, h, w = seen.shape
            return grad.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        return grad.reshape(seen.shape)
    values[f"{name}.grad_weight"] = np.dot(seen.T, grad)  # dense
    values[f"{name}.grad_bias"] = np.sum(grad, axis=0)
    return np.dot(grad, np.asarray(layer.weight, float).T)
