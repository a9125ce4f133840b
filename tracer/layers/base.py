"""What every layer shares: the interface and the window helpers for conv and pool."""

from __future__ import annotations

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
    return as_strided(x, (n, c, kh, kw, ho, wo), (sn, sc, sh, sw, sh * stride, sw * stride),
                      writeable=False)


def scatter_windows(grad_windows: np.ndarray, shape: tuple, stride: int, nx) -> np.ndarray:
    """Adjoint of :func:`windows`: sum per-window gradients back onto the input grid.

    grad_windows (N, C, kh, kw, Ho, Wo) -> (N, C, H, W); overlapping windows add up.
    Loops over the kh*kw kernel offsets only; each step is one vectorized slice add.
    """
    n, c, kh, kw, ho, wo = grad_windows.shape

    def scatter(g):
        out = np.zeros(shape, dtype=g.dtype)
        for h in range(kh):
            for w in range(kw):
                out[:, :, h:h + stride * (ho - 1) + 1:stride,
                    w:w + stride * (wo - 1) + 1:stride] += g[:, :, h, w]
        return out

    return nx.linear(scatter, grad_windows)


def pad(x: np.ndarray, padding: int, nx) -> np.ndarray:
    """Zero-pad the two spatial axes of x (N, C, H, W) by ``padding`` on every side."""
    if padding == 0:
        return x
    zero = nx.zeros(()).item()
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)),
                  constant_values=zero)
