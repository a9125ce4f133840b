"""Output layers: softmax (with its exps and their sum recorded)."""

from __future__ import annotations

from ..spec import SpecError
from .base import Layer


class Softmax(Layer):
    """y_hat[n,k] = e^{z[n,k]} / sum_j e^{z[n,j]}.

    In a training pass its backward is fused with the cross-entropy loss
    (dL/dz = (y_hat - y) / N, see :mod:`tracer.losses`); :meth:`backward` is the general
    one, for a given upstream gradient.
    """

    type = "softmax"

    def output_shape(self, shape):
        if len(shape) != 1:
            raise SpecError.said("spec.softmax_input", where=self.where, shape=shape)
        return shape

    def forward(self, z, nx):
        e = nx.exp(z)
        y_hat = nx.softmax(z)
        return y_hat, {"exp": e, "sum": e.sum(axis=-1)}, y_hat

    def backward(self, grad, y_hat, nx):
        """dz_k = y_hat_k (g_k - sum_j g_j y_hat_j), the Jacobian diag(y) - y y^T times g."""
        return y_hat * (grad - (grad * y_hat).sum(axis=-1, keepdims=True)), {}
