"""2-D convolution (cross-correlation, as the lecture and every framework)."""

from __future__ import annotations

import numpy as np

from ..spec import SpecError
from .base import Layer, pad, scatter_windows, windows


class Conv2D(Layer):
    """Z[n,f,i,j] = sum_{c,h,w} Xp[n,c,i*S+h,j*S+w] * K[f,c,h,w] + b[f].

    Xp is X zero-padded by P. Shapes: X (N, C, H, W), K (F, C, kh, kw), b (F,),
    Z (N, F, Ho, Wo) with Ho = floor((H - kh + 2P) / S) + 1 (likewise Wo).
    """

    type = "conv2d"
    param_names = ("weight", "bias")

    def __init__(self, name, where, weight, bias, stride=1, padding=0):
        super().__init__(name, where)
        self.weight, self.bias = weight, bias
        self.stride, self.padding = stride, padding

    def info(self):
        f, c, kh, kw = self.weight.shape
        return {"filters": f, "kernel": [kh, kw], "stride": self.stride, "padding": self.padding}

    def output_shape(self, shape):
        if len(shape) != 3:
            raise SpecError.said("spec.conv_input_flat", where=self.where, shape=shape)
        c, h, w = shape
        f, kc, kh, kw = self.weight.shape
        if kc != c:
            raise SpecError.said("spec.conv_channels", where=f"{self.where}.weight", channels=c,
                                 shape=self.weight.shape)
        p, s = self.padding, self.stride
        if kh > h + 2 * p or kw > w + 2 * p:
            raise SpecError.said("spec.conv_kernel", where=f"{self.where}.weight", kh=kh, kw=kw,
                                 h=h + 2 * p, w=w + 2 * p, padding=p)
        if s > max(h, w) + 2 * p:
            raise SpecError.said("spec.conv_stride", where=f"{self.where}.stride", stride=s,
                                 h=h + 2 * p, w=w + 2 * p, most=max(h, w) + 2 * p)
        return (f, (h - kh + 2 * p) // s + 1, (w - kw + 2 * p) // s + 1)

    def forward(self, x, nx):
        """im2col: cols[n, (c,h,w), (i,j)] = Xp[n, c, i*S+h, j*S+w], so that the sum over
        every window is one matrix product per sample, Z[n] = K2 cols[n] + b, with K2 = K
        reshaped to (F, C*kh*kw). cols is (N, C*kh*kw, Ho*Wo)."""
        n = x.shape[0]
        f, c, kh, kw = self.weight.shape
        win = windows(pad(x, self.padding, nx), kh, kw, self.stride)  # (N, C, kh, kw, Ho, Wo)
        ho, wo = win.shape[4:]
        cols = np.empty((n, c * kh * kw, ho * wo), dtype=x.dtype)  # its own copy: the
        cols.reshape(win.shape)[...] = win  # backward writes over it
        z = nx.matmul(self.weight.reshape(f, -1), cols)
        z += self.bias[:, None]
        return z.reshape(n, f, ho, wo), {}, (x.shape, cols)

    def backward(self, grad, saved, nx):
        """dK2 = sum_n dZ[n] cols[n]^T, i.e. dK[f,c,h,w] = sum_{n,i,j} dZ[n,f,i,j]
        Xp[n,c,i*S+h,j*S+w];  db[f] = sum_{n,i,j} dZ[n,f,i,j];
        dcols[n] = K2^T dZ[n] (N, C*kh*kw, Ho*Wo), and dXp[n,c,i*S+h,j*S+w] += dcols[n,(c,h,w),
        (i,j)] (the adjoint of im2col), then crop the padding. dcols is written over cols,
        which is no longer needed."""
        x_shape, cols = saved
        n, f, ho, wo = grad.shape
        _, c, kh, kw = self.weight.shape
        g = grad.reshape(n, f, ho * wo)
        if n == 1:  # one product of two matrices: BLAS, without a batch loop
            grad_weight = nx.matmul(g[0], cols[0].T)
        else:
            grad_weight = nx.matmul(g, cols.transpose(0, 2, 1)).sum(axis=0)
        grad_weight = grad_weight.reshape(self.weight.shape)
        grad_bias = g.sum(axis=(0, 2))
        dcols = nx.matmul(self.weight.reshape(f, -1).T, g, out=cols)
        _, _, h, w = x_shape
        p = self.padding
        padded = (n, c, h + 2 * p, w + 2 * p)
        grad_padded = scatter_windows(dcols.reshape(n, c, kh, kw, ho, wo), padded, self.stride, nx)
        grad_input = grad_padded[:, :, p:p + h, p:p + w]
        return grad_input, {"grad_weight": grad_weight, "grad_bias": grad_bias}
