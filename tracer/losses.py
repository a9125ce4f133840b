"""Losses, each fused with its output layer's backward.

Each takes the logits z (N, K) that enter the output layer, the output layer's values
y_hat = f(z) (softmax or sigmoid, already computed by its forward), the targets y (N, K)
and ``scale`` (1/N for the mean over the batch, 1 for the sum); each returns
``(loss, grad_logits)``: the scalar loss and dL/dz.
"""

from __future__ import annotations


def cross_entropy(z, y_hat, y, scale, nx):
    """L = -scale * sum_{n,k} y[n,k] log y_hat[n,k],  log y_hat = z - log sum_j e^{z_j};
    dL/dz = scale * (y_hat - y), where y_hat_k - 1 = -sum_{j != k} y_hat_j for a one-hot y."""
    loss = -(y * nx.log_softmax(z)).sum() * scale
    return loss, nx.minus(y_hat, y, lambda: (y_hat * (y != 1)).sum(axis=-1, keepdims=True)) \
        * scale


def binary_cross_entropy(z, s, y, scale, nx):
    """L = -scale * sum [y log s + (1 - y) log(1 - s)] with s = sigmoid(z),
    using -log s = softplus(-z) and -log(1 - s) = softplus(z);  dL/dz = scale * (s - y),
    where s - 1 = -sigmoid(-z)."""
    loss = (y * nx.softplus(-z) + (1 - y) * nx.softplus(z)).sum() * scale
    return loss, nx.minus(s, y, lambda: nx.sigmoid(-z)) * scale


LOSSES = {"softmax": ("cross_entropy", cross_entropy),
          "sigmoid": ("binary_cross_entropy", binary_cross_entropy)}
