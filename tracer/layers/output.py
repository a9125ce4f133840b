"""Output layers: softmax (with its exps and their sum recorded)."""

from __future__ import annotations

from .base import Layer


class Softmax(Layer):
    """y_hat[n,k] = e^{z[n,k]} / sum_j e^{z[n,j]}.

    Its backward is fused with the cross-entropy loss (dL/dz = (y_hat - y) / N), see
    :mod:`tracer.losses`, so it has no backward of its own.
    """

    type = "softmax"

    def forward(self, z, nx):
        e = nx.exp(z)
        return nx.softmax(z), {"exp": e, "sum": e.sum(axis=-1)}, None
