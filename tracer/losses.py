"""Losses, each fused with its output layer's backward.

Each takes the logits z (N, K) that enter the output layer, the output layer's values
y_hat = f(z) (softmax or sigmoid, already computed by its forward), the targets y (N, K)
and ``scale`` (1/N for the mean over the batch, 1 for the sum); each returns
``(loss, grad_logits)``: the scalar loss and dL/dz.
"""

from __future__ import annotations


def cross_entropy(z, y_hat, y, scale, nx):
    """L = -scale * sum_{n,k} y[n,k] log y_hat[n,k],  log y_hat = z - log sum_j e^{z_j};
    dL/dz = scale * (y_hat - y)."""
    log_y_hat = z - nx.log_sum_exp(z)[:, None]
    loss = -(y * log_y_hat).sum() * scale
    return loss, (y_hat - y) * scale


def binary_cross_entropy(z, s, y, scale, nx):
    """L = -scale * sum [y log s + (1 - y) log(1 - s)] with s = sigmoid(z),
    using -log s = softplus(-z) and -log(1 - s) = softplus(z);  dL/dz = scale * (s - y)."""
    loss = (y * nx.softplus(-z) + (1 - y) * nx.softplus(z)).sum() * scale
    return loss, (s - y) * scale


LOSSES = {"softmax": ("cross_entropy", cross_entropy),
          "sigmoid": ("binary_cross_entropy", binary_cross_entropy)}
