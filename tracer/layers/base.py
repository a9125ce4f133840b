"""What every layer shares: the interface and the window helpers for conv and pool."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import as_strided


class Layer:
    """One step of the network. Subclasses put each derivative beside its forward.

    ``forward(x, nx)`` takes a batch (N, ...) and returns ``(out, records, saved)``;
    ``backward(grad_out, saved, nx)`` returns ``(grad_in, records)``. ``records`` maps
    an id suffix (``"mask"``, ``"grad_weight"``) to a batch array to keep in the trace.
    """

    type = ""
    param_names: tuple[str, ...] = ()

    def __init__(self, name: str, where: str):
        self.name = name
        self.where = where  # "layers[i]", for error messages

    def output_shape(self, shape: tuple) -> tuple:
        """Per-sample output shape for a per-sample input shape (raises SpecError)."""
        return shape

    def info(self) -> dict:
        """Hyperparameters recorded in the trace (JSON-ready)."""
        return {}

    def params(self) -> dict:
        return {p: getattr(self, p) for p in self.param_names}


def windows(x: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """All kh x kw windows of x (N, C, H, W) at the given stride: (N, C, kh, kw, Ho, Wo).

    A view, not a copy: [n, c, h, w, i, j] = x[n, c, i*S + h, j*S + w]. Window offsets
    come before the output grid, so a reshape to (N, C*kh*kw, Ho*Wo) is the im2col matrix
    (one copy, contiguous along Wo) and [:, :, h, w] is one strided slice of x.
    """
    n, c, h, w = x.shape
    ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
    sn, sc, sh, sw = x.strides
    shape, strides = (n, c, kh, kw, ho, wo), (sn, sc, sh, sw, sh * stride, sw * stride)
    if x.dtype != object and x.flags.c_contiguous:  # ~1 us, as_strided ~6 us
        view = np.ndarray(shape, x.dtype, x, 0, strides)
        view.flags.writeable = False
        return view
    return as_strided(x, shape, strides, writeable=False)


def scatter_windows(grad_windows: np.ndarray, shape: tuple, stride: int, nx) -> np.ndarray:
    """Adjoint of :func:`windows`: sum per-window gradients back onto the input grid,
    dX[n, c, i*S + h, j*S + w] += G[n, c, h, w, i, j]; overlapping windows add up.

    grad_windows G (N, C, kh, kw, Ho, Wo) -> dX (N, C, H, W): one scatter-add of G's cells
    at their flat positions in X (:func:`window_index`), e.g. numpy's bincount.
    """
    _, _, kh, kw, _, _ = grad_windows.shape
    index = window_index(shape, kh, kw, stride)
    return nx.scatter_add(grad_windows, index, math.prod(shape)).reshape(shape)


_CACHES = []


def shape_cache(fn):
    """Cache an index table per shape (a few recent shapes); :func:`clear_caches` frees
    them all."""
    cached = lru_cache(maxsize=8)(fn)
    _CACHES.append(cached)
    return cached


def clear_caches() -> None:
    """Drop every cached index table (they take about as much memory as one batch's
    im2col matrices)."""
    for cached in _CACHES:
        cached.cache_clear()


def _cell_index(shape: tuple, kh: int, kw: int, stride: int) -> np.ndarray:
    """Flat index into X (N, C, H, W) of every window cell: (N, C, kh, kw, Ho, Wo)."""
    return windows(np.arange(math.prod(shape)).reshape(shape), kh, kw, stride)


@shape_cache
def window_index(shape: tuple, kh: int, kw: int, stride: int) -> np.ndarray:
    """Flat index into X (N, C, H, W) of every window cell, in :func:`windows` order,
    ravelled; cached per shape (left writeable: numpy's bincount copies a read-only index)."""
    return _cell_index(shape, kh, kw, stride).ravel()


def pad(x: np.ndarray, padding: int, nx) -> np.ndarray:
    """Zero-pad the two spatial axes of x (N, C, H, W) by ``padding`` on every side."""
    if padding == 0:
        return x
    zero = nx.zeros(()).item()
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)),
                  constant_values=zero)
