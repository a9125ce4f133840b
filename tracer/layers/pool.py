"""Max pooling, recording where every maximum came from."""

from __future__ import annotations

import numpy as np

from ..spec import SpecError
from .base import Layer, scatter_windows, shape_cache, windows


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
            raise SpecError.said("spec.pool_input", where=self.where, shape=shape)
        c, h, w = shape
        if self.size > h or self.size > w:
            raise SpecError.said("spec.pool_window", where=f"{self.where}.size", size=self.size,
                                 h=h, w=w)
        if self.stride > max(h, w):
            raise SpecError.said("spec.pool_stride", where=f"{self.where}.stride",
                                 stride=self.stride, h=h, w=w, most=max(h, w))
        return (c, (h - self.size) // self.stride + 1, (w - self.size) // self.stride + 1)

    def forward(self, x, nx):
        """Candidates cand[k] = A[:, :, i*S + k//F, j*S + k%F] for the F*F offsets k (row-major
        in the window), copied into one contiguous (F*F, N, C, Ho, Wo) array so that the max
        and the tie flags are plain elementwise operations; B = max_k cand[k].

        Records argmax (N, C, Ho, Wo, 2) int32: the (row, col) in A of the first maximum, and
        ties (N, C, Ho, Wo) int8: how many cells of the window tie for it."""
        f, s = self.size, self.stride
        n, c, h, w = x.shape
        ho, wo = (h - f) // s + 1, (w - f) // s + 1
        cand = np.empty((f * f, n, c, ho, wo), dtype=x.dtype)
        cand.reshape(f, f, n, c, ho, wo)[...] = windows(x, f, f, s).transpose(2, 3, 0, 1, 4, 5)
        out, is_max = nx.maxima(cand)  # is_max (F*F, N, C, Ho, Wo) bool
        first = _first_true(is_max)  # the first maximum, row-major
        argmax = _cell_offsets(f).take(first, axis=0)  # (row, col) in the window
        argmax += _window_origins(ho, wo, s)  # (row, col) in A
        ties = is_max.sum(axis=0, dtype=np.int8 if f * f < 128 else np.int64)
        saved = (x.shape, first, is_max if self.ties == "all" else None)
        return out, {"argmax": argmax, "ties": ties}, saved

    def backward(self, grad, saved, nx):
        """dA[n,c,i*S+h,j*S+w] += dB[n,c,i,j] where (h, w) is a routed maximum.

        Windows that do not overlap (S >= F) with one route each (ties="first") send every
        dB cell to one distinct cell of A: one flat put at the routed cells' flat indices."""
        x_shape, first, is_max = saved
        f, s = self.size, self.stride
        if is_max is None and s >= f:
            grad_input = nx.zeros(x_shape)
            grad_input.put(_corners(x_shape, f, s) + _offsets(x_shape[3], f).take(first), grad)
            return grad_input, {}
        if is_max is None:
            is_max = np.arange(f * f, dtype=first.dtype).reshape(-1, 1, 1, 1, 1) == first
        n, c, ho, wo = grad.shape
        routed = np.where(is_max, grad, nx.scalar(0))  # (F*F, N, C, Ho, Wo)
        routed = routed.reshape(f, f, n, c, ho, wo).transpose(2, 3, 0, 1, 4, 5)
        return scatter_windows(routed, x_shape, s, nx), {}


def _first_true(flags: np.ndarray) -> np.ndarray:
    """Index of the first True along axis 0 of a bool array (K, ...) as intp; K-1 where
    none. first = sum over j < K-1 of [flags[0..j] all False]: a loop over the K window
    offsets, each step elementwise on small integers (numpy's argmax along a leading axis
    is ~5x slower)."""
    count = flags.shape[0]
    if count == 1:
        return np.zeros(flags.shape[1:], dtype=np.intp)
    unset = ~flags
    run = unset[0]  # flags[0..j] all False
    first = run.astype(np.int8 if count < 128 else np.intp)
    for j in range(1, count - 1):
        run &= unset[j]
        first += run
    return first.astype(np.intp, copy=False)


@shape_cache
def _corners(x_shape: tuple, f: int, s: int) -> np.ndarray:
    """Flat index in A (N, C, H, W) of each window's top-left cell: (N, C, Ho, Wo), read-only."""
    n, c, h, w = x_shape
    ho, wo = (h - f) // s + 1, (w - f) // s + 1
    planes = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    corners = planes + (np.arange(ho) * (s * w))[:, None] + np.arange(wo) * s
    corners.flags.writeable = False
    return corners


@shape_cache
def _window_origins(ho: int, wo: int, s: int) -> np.ndarray:
    """(row, col) in A of each window's top-left cell (i*S, j*S): (Ho, Wo, 2), read-only."""
    rows, cols = np.meshgrid(np.arange(ho) * s, np.arange(wo) * s, indexing="ij")
    origins = np.stack([rows, cols], -1).astype(np.int32)
    origins.flags.writeable = False
    return origins


@shape_cache
def _cell_offsets(f: int) -> np.ndarray:
    """(row, col) of window cell k = (k // F, k % F): (F*F, 2), read-only."""
    k = np.arange(f * f)
    offsets = np.stack([k // f, k % f], -1).astype(np.int32)
    offsets.flags.writeable = False
    return offsets


@shape_cache
def _offsets(w: int, f: int) -> np.ndarray:
    """Flat offset of window cell k = (k // F, k % F) from the window's top-left cell."""
    k = np.arange(f * f)
    offsets = (k // f) * w + k % f
    offsets.flags.writeable = False
    return offsets
