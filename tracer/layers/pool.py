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
        """Candidates cand[k, n, c, i, j] = A[n, c, i*S + k//F, j*S + k%F] (k row-major in the
        window); B = cand at the first maximum."""
        f, s = self.size, self.stride
        win = windows(x, f, f, s)  # (N, C, F, F, Ho, Wo) view
        n, c, _, _, ho, wo = win.shape
        cand = win.transpose(2, 3, 0, 1, 4, 5).reshape(f * f, n, c, ho, wo)
        is_max = nx.is_max(cand, axis=0)
        first = _first_true(is_max)  # the first maximum in row-major order
        out = np.take(cand, first * first.size + np.arange(first.size).reshape(first.shape))
        argmax = np.empty(first.shape + (2,), dtype=np.int64)  # (row, col) in A
        argmax[..., 0] = np.arange(ho)[:, None] * s + (np.arange(f * f) // f)[first]
        argmax[..., 1] = np.arange(wo) * s + (np.arange(f * f) % f)[first]
        records = {"argmax": argmax, "ties": is_max.sum(axis=0)}
        return out, records, (x.shape, first, is_max)

    def backward(self, grad, saved, nx):
        """dA[n,c,i*S+h,j*S+w] += dB[n,c,i,j] where (h, w) is a routed maximum."""
        x_shape, first, is_max = saved
        f, s = self.size, self.stride
        if self.ties == "all":
            route = is_max
        else:
            route = np.arange(f * f).reshape(-1, 1, 1, 1, 1) == first
        zero = nx.zeros(()).item()
        n, c, ho, wo = grad.shape
        if s == f:  # the windows tile the input: one select in (N, C, Ho, F, Wo, F) order
            route = route.reshape(f, f, n, c, ho, wo).transpose(2, 3, 4, 0, 5, 1)
            tiles = np.where(route, grad[:, :, :, None, :, None], zero)
            tiles = tiles.reshape(n, c, ho * f, wo * f)
            if tiles.shape == x_shape:
                return tiles, {}
            grad_input = nx.zeros(x_shape)  # rows / columns no window covers get 0
            grad_input[:, :, :ho * f, :wo * f] = tiles
            return grad_input, {}
        routed = np.where(route, grad, zero)  # (F*F, N, C, Ho, Wo)
        routed = routed.reshape(f, f, n, c, ho, wo).transpose(2, 3, 0, 1, 4, 5)
        return scatter_windows(routed, x_shape, s, nx), {}


def _first_true(flags: np.ndarray) -> np.ndarray:
    """Index of the first True along axis 0 of a bool array (K, ...), as int64 (K-1 if none).

    A loop over the K window offsets; numpy's argmax along a leading axis is ~10x slower.
    """
    first = np.zeros(flags.shape[1:], dtype=np.int64)
    none_yet = np.ones(flags.shape[1:], dtype=bool)
    for k in range(1, flags.shape[0]):
        none_yet &= ~flags[k - 1]
        first += none_yet
    return first
