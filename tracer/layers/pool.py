"""Max pooling, recording where every maximum came from."""

from __future__ import annotations

import numpy as np

from ..spec import SpecError
from .base import Layer, scatter_windows, windows


class MaxPool2D(Layer):
    """B[n,c,i,j] = max_{h,w < F} A[n,c,i*S+h,j*S+w]; Ho = floor((H - F) / S) + 1.

    Backward routes dB[n,c,i,j] to the window's first maximum in row-major order
    (ties="first", PyTorch) or to every tied maximum (ties="all", the lecture's code).
    """

    type = "maxpool2d"

    def __init__(self, name, where, size=2, stride=None, ties="first"):
        super().__init__(name, where)
        self.size, self.stride, self.ties = size, stride or size, ties

    def info(self):
        return {"size": self.size, "stride": self.stride, "ties": self.ties}

    def output_shape(self, shape):
        if len(shape) != 3:
            raise SpecError(f"{self.where}: maxpool2d expects a (C, H, W) input, got shape "
                            f"{shape}")
        c, h, w = shape
        if self.size > h or self.size > w:
            raise SpecError(f"{self.where}.size: pool window {self.size}x{self.size} is larger "
                            f"than its input {h}x{w}")
        return (c, (h - self.size) // self.stride + 1, (w - self.size) // self.stride + 1)

    def forward(self, x, nx):
        f, s = self.size, self.stride
        patches = windows(x, f, f, s)
        flat = patches.reshape(patches.shape[:4] + (f * f,))
        is_max = nx.is_max(flat)
        first = is_max.argmax(axis=-1)  # the first maximum in row-major order
        out = np.take_along_axis(flat, first[..., None], axis=-1)[..., 0]
        ho, wo = out.shape[2:]
        rows = np.arange(ho)[:, None] * s + first // f
        cols = np.arange(wo)[None, :] * s + first % f
        argmax = np.stack([rows, cols], axis=-1)
        records = {"argmax": argmax, "ties": is_max.sum(axis=-1)}
        return out, records, (x.shape, first, is_max)

    def backward(self, grad, saved, nx):
        """dA[n,c,i*S+h,j*S+w] += dB[n,c,i,j] where (h, w) is a routed maximum."""
        x_shape, first, is_max = saved
        f = self.size
        if self.ties == "all":
            route = is_max
        else:
            route = np.arange(f * f) == first[..., None]
        route = route.astype(np.int64).reshape(first.shape + (f, f))
        grad_input = scatter_windows(route * grad[..., None, None], x_shape, self.stride, nx)
        return grad_input, {}
