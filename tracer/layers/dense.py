"""Flatten and the fully connected layer."""

from __future__ import annotations

import math

from ..spec import SpecError
from .base import Layer


class Flatten(Layer):
    """A_flat[n, :] = reshape(A[n]) in C,H,W order (or H,W,C, as the lecture's code)."""

    type = "flatten"

    def __init__(self, name, where, order="chw"):
        super().__init__(name, where)
        self.order = order

    def info(self):
        return {"order": self.order}

    def output_shape(self, shape):
        return (math.prod(shape),)

    def forward(self, x, nx):
        if self.order == "hwc" and x.ndim == 4:
            x = x.transpose(0, 2, 3, 1)
        return x.reshape(x.shape[0], -1), {}, x.shape

    def backward(self, grad, shape, nx):
        """The inverse reshape (and transpose back for H,W,C)."""
        grad = grad.reshape(shape)
        if self.order == "hwc" and grad.ndim == 4:
            grad = grad.transpose(0, 3, 1, 2)
        return grad, {}


class Dense(Layer):
    """Z = A W + b with A (N, D), W (D, K), b (K,), Z (N, K), as in the lecture."""

    type = "dense"
    param_names = ("weight", "bias")

    def __init__(self, name, where, weight, bias):
        super().__init__(name, where)
        self.weight, self.bias = weight, bias

    def info(self):
        return {"inputs": self.weight.shape[0], "units": self.weight.shape[1]}

    def output_shape(self, shape):
        if len(shape) != 1:
            raise SpecError.said("spec.dense_input", where=self.where, shape=shape)
        if self.weight.shape[0] != shape[0]:
            raise SpecError.said("spec.dense_rows", where=f"{self.where}.weight",
                                 rows=shape[0], shape=self.weight.shape)
        return (self.weight.shape[1],)

    def forward(self, x, nx):
        return nx.matmul(x, self.weight) + self.bias, {}, x

    def backward(self, grad, x, nx):
        """dW = A^T dZ;  db = sum_n dZ[n];  dA = dZ W^T."""
        records = {"grad_weight": nx.matmul(x.T, grad), "grad_bias": grad.sum(axis=0)}
        return nx.matmul(grad, self.weight.T), records
