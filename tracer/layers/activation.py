"""Elementwise activations: ReLU, leaky ReLU, sigmoid."""

from __future__ import annotations

import numpy as np

from .base import Layer


class ReLU(Layer):
    """A = max(0, Z);  dZ = dA * 1(Z > 0)  (1(Z >= 0) when relu_grad_at_zero = 1)."""

    type = "relu"

    def __init__(self, name, where, grad_at_zero=0):
        super().__init__(name, where)
        self.grad_at_zero = grad_at_zero

    def info(self):
        return {"grad_at_zero": self.grad_at_zero}

    def forward(self, x, nx):
        """Records mask (N, ...) as 0/1 int8: a view of the bool array, no copy."""
        passes = nx.positive(x)
        mask = nx.positive(x, or_zero=True) if self.grad_at_zero else passes
        out = np.where(passes, x, nx.scalar(0))
        return out, {"mask": mask.view(np.int8)}, mask

    def backward(self, grad, mask, nx):
        return np.where(mask, grad, nx.scalar(0)), {}


class LeakyReLU(Layer):
    """A = Z if Z > 0 else a*Z;  dZ = dA * (1 if Z > 0 else a)."""

    type = "leaky_relu"

    def __init__(self, name, where, slope, grad_at_zero=0):
        super().__init__(name, where)
        self.slope, self.grad_at_zero = slope, grad_at_zero

    def info(self):
        return {"slope": float(self.slope), "grad_at_zero": self.grad_at_zero}

    def forward(self, x, nx):
        one = nx.array(1).item()
        local_grad = np.where(nx.positive(x, or_zero=self.grad_at_zero), one, self.slope)
        out = np.where(nx.positive(x), x, self.slope * x)
        return out, {"local_grad": local_grad}, local_grad

    def backward(self, grad, local_grad, nx):
        return grad * local_grad, {}


class Sigmoid(Layer):
    """A = 1 / (1 + e^{-Z});  dZ = dA * A (1 - A)."""

    type = "sigmoid"

    def forward(self, x, nx):
        out = nx.sigmoid(x)
        local_grad = out * nx.complement(out, lambda: nx.sigmoid(-x))  # 1 - A = sigmoid(-Z)
        return out, {"local_grad": local_grad}, local_grad

    def backward(self, grad, local_grad, nx):
        return grad * local_grad, {}
