"""Shared helpers: central differences, random networks for gradient and mode-agreement
checks."""

from __future__ import annotations

import numpy as np
import pytest

from tracer import from_dict

EPS = 1e-6


def numeric_grad(f, x: np.ndarray, indices) -> np.ndarray:
    """Central differences of the scalar f() with respect to x at ``indices`` (in place)."""
    out = []
    for index in indices:
        old = x[index]
        x[index] = old + EPS
        up = f()
        x[index] = old - EPS
        down = f()
        x[index] = old
        out.append((up - down) / (2 * EPS))
    return np.array(out)


def random_spec(rng: np.random.Generator, *, batch=None, hidden="relu", output="softmax",
                integer_weights=False, second_conv=None, max_side=9) -> dict:
    """A random valid spec: conv (stride 1-3, padding 0-2, 1-3 channels, 1-4 filters,
    rectangular input and kernel), an activation, maybe a pool and a second conv,
    flatten, dense and an output layer."""
    channels = int(rng.integers(1, 4))
    height, width = (int(v) for v in rng.integers(4, max_side + 1, size=2))
    n = int(rng.integers(1, 5)) if batch is None else batch

    def values(shape, scale=1.0):
        if integer_weights:
            return rng.integers(-3, 4, size=shape).tolist()
        return np.round(rng.normal(0, scale, size=shape), 2).tolist()

    layers = []
    padding = int(rng.integers(0, 3))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    stride = int(rng.integers(1, 4))
    filters = int(rng.integers(1, 5))
    layers.append({"type": "conv2d", "weight": values((filters, channels, kh, kw)),
                   "bias": values((filters,)), "stride": stride, "padding": padding})
    h = (height - kh + 2 * padding) // stride + 1
    w = (width - kw + 2 * padding) // stride + 1
    layers.append({"type": hidden} if hidden != "leaky_relu"
                  else {"type": "leaky_relu", "slope": 0.1})
    if min(h, w) >= 2 and rng.random() < 0.7:
        size = 2
        pool_stride = int(rng.integers(1, 3))
        layers.append({"type": "maxpool2d", "size": size, "stride": pool_stride})
        h, w = (h - size) // pool_stride + 1, (w - size) // pool_stride + 1
    if second_conv if second_conv is not None else (min(h, w) >= 2 and rng.random() < 0.5):
        f2 = int(rng.integers(1, 3))
        layers.append({"type": "conv2d", "weight": values((f2, filters, 2, 2)),
                       "bias": values((f2,)), "padding": 1})
        filters, h, w = f2, h + 1, w + 1
        layers.append({"type": "relu"})
    layers.append({"type": "flatten", "order": str(rng.choice(["chw", "hwc"]))})
    classes = int(rng.integers(2, 5)) if output == "softmax" else 1
    layers.append({"type": "dense", "weight": values((filters * h * w, classes), 0.5),
                   "bias": values((classes,))})
    layers.append({"type": output})
    inputs = rng.integers(-4, 6, size=(n, channels, height, width)).tolist()
    if output == "softmax":
        targets = rng.integers(0, classes, size=n).tolist()
    else:
        targets = rng.integers(0, 2, size=n).tolist()
    return {"title": "random", "learning_rate": 0.1, "inputs": inputs, "targets": targets,
            "layers": layers}


@pytest.fixture
def make_spec():
    def make(seed, **kwargs):
        rng = np.random.default_rng(seed)
        return from_dict(random_spec(rng, **kwargs), f"random-{seed}")
    return make
