"""Layers with hand-written forward and backward passes.

Each layer keeps what its backward needs from the forward call; ``backward(dout)`` returns the
gradient with respect to the layer's input and leaves parameter gradients on the layer
(``dW``, ``db``, ``dgamma``, ``dbeta``). Parameter arrays are shared with the network's
``params`` dict, so an optimizer updating ``params`` in place updates the layers.
"""
from __future__ import annotations

import numpy as np

from bench.textbook.functions import log_softmax, relu, sigmoid
from bench.textbook.im2col import col2im, conv_output_size, im2col


class Relu:
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x > 0
        return relu(x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return np.where(self.mask, dout, 0)


class Sigmoid:
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1 - self.out) * self.out


class Affine:
    """y = x W + b with W: (in, out), b: (out,); x: (N, ...) is flattened to (N, in)."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        self.W, self.b = W, b

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the mean cross-entropy against integer labels t: (N,)."""

    def forward(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        logp = log_softmax(x)
        self.y, self.t = np.exp(logp), t
        self.loss = -logp[np.arange(len(t)), t].mean()
        return self.loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        # d loss / d x = (softmax(x) - onehot(t)) / N: no need to go through the softmax Jacobian.
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        dx *= dout / len(self.t)
        return dx


class Convolution:
    """2-D convolution through im2col: W: (FN, C, KH, KW), b: (FN,); x: (N, C, H, W)."""

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        fn, _, kh, kw = self.W.shape
        n, _, h, w = x.shape
        oh = conv_output_size(h, kh, self.stride, self.pad)
        ow = conv_output_size(w, kw, self.stride, self.pad)
        self.x_shape = x.shape
        self.col = im2col(x, kh, kw, self.stride, self.pad)   # (N*OH*OW, C*KH*KW)
        self.col_W = self.W.reshape(fn, -1).T                 # (C*KH*KW, FN)
        out = self.col @ self.col_W + self.b                  # (N*OH*OW, FN)
        return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2)

    def _flat(self, dout: np.ndarray) -> np.ndarray:
        return dout.transpose(0, 2, 3, 1).reshape(-1, self.W.shape[0])

    def backward_weight(self, dout: np.ndarray) -> None:
        """Sets dW and db from dout: (N, FN, OH, OW)."""
        d = self._flat(dout)
        self.db = d.sum(axis=0)
        self.dW = (self.col.T @ d).T.reshape(self.W.shape)

    def backward_data(self, dout: np.ndarray) -> np.ndarray:
        """d loss / d x from dout: (N, FN, OH, OW)."""
        _, _, kh, kw = self.W.shape
        dcol = self._flat(dout) @ self.col_W.T
        return col2im(dcol, self.x_shape, kh, kw, self.stride, self.pad)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.backward_weight(dout)
        return self.backward_data(dout)


class _Pooling:
    """Shared shape bookkeeping of the pooling layers (no padding; stride defaults to the
    window, as in ``F.max_pool2d``)."""

    def __init__(self, pool_h: int, pool_w: int, stride: int | None = None):
        self.pool_h, self.pool_w = pool_h, pool_w
        self.stride = pool_h if stride is None else stride

    def _windows(self, x: np.ndarray) -> np.ndarray:
        """x: (N, C, H, W) -> (N*OH*OW*C, PH*PW), one window per row."""
        h, w = x.shape[2:]
        self.x_shape = x.shape
        self.out_hw = (conv_output_size(h, self.pool_h, self.stride),
                       conv_output_size(w, self.pool_w, self.stride))
        return im2col(x, self.pool_h, self.pool_w, self.stride).reshape(-1, self.pool_h *
                                                                        self.pool_w)

    def _to_nchw(self, flat: np.ndarray) -> np.ndarray:
        n, c = self.x_shape[:2]
        return flat.reshape(n, *self.out_hw, c).transpose(0, 3, 1, 2)

    def _scatter(self, dwin: np.ndarray) -> np.ndarray:
        """dwin: (N*OH*OW*C, PH*PW) -> gradient of x via col2im."""
        n = self.x_shape[0]
        dcol = dwin.reshape(n * self.out_hw[0] * self.out_hw[1], -1)
        return col2im(dcol, self.x_shape, self.pool_h, self.pool_w, self.stride)


class Pooling(_Pooling):
    """Max pooling: the gradient goes to the position of each window's maximum."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        win = self._windows(x)
        self.arg_max = win.argmax(axis=1)
        return self._to_nchw(win.max(axis=1))

    def backward(self, dout: np.ndarray) -> np.ndarray:
        d = dout.transpose(0, 2, 3, 1).ravel()
        dwin = np.zeros((d.size, self.pool_h * self.pool_w), dtype=dout.dtype)
        dwin[np.arange(d.size), self.arg_max] = d
        return self._scatter(dwin)


class AvgPooling(_Pooling):
    """Average pooling: every window element gets 1 / (PH*PW) of the window's gradient."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._to_nchw(self._windows(x).mean(axis=1))

    def backward(self, dout: np.ndarray) -> np.ndarray:
        size = self.pool_h * self.pool_w
        d = dout.transpose(0, 2, 3, 1).reshape(-1, 1) / size
        return self._scatter(np.repeat(d, size, axis=1))


class BatchNormalization:
    """Training-mode batch norm on (N, D) features, or per channel on (N, C, H, W).

    gamma, beta: (D,) or (C,). Normalises with the batch mean and biased variance, and updates
    running_mean / running_var (unbiased) with ``momentum`` as ``nn.BatchNorm2d`` does.
    """

    def __init__(self, gamma: np.ndarray, beta: np.ndarray, momentum: float = 0.1,
                 eps: float = 1e-5):
        self.gamma, self.beta, self.momentum, self.eps = gamma, beta, momentum, eps
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)

    @staticmethod
    def _rows(x: np.ndarray) -> np.ndarray:
        # Channels last, then one row per (n, h, w) position: statistics are per channel.
        return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1]) if x.ndim == 4 else x

    def _back(self, y: np.ndarray) -> np.ndarray:
        if len(self.shape) != 4:
            return y
        n, c, h, w = self.shape
        return y.reshape(n, h, w, c).transpose(0, 3, 1, 2)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape = x.shape
        x = self._rows(x)
        n = x.shape[0]
        mu = x.mean(axis=0)
        self.xc = x - mu
        var = (self.xc ** 2).mean(axis=0)
        self.std = np.sqrt(var + self.eps)
        self.xn = self.xc / self.std
        m = self.momentum
        self.running_mean = (1 - m) * self.running_mean + m * mu
        self.running_var = (1 - m) * self.running_var + m * var * (n / (n - 1))
        return self._back(self.gamma * self.xn + self.beta)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._rows(dout)
        n = dout.shape[0]
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (self.xn * dout).sum(axis=0)
        # Back through xn = xc / std, std = sqrt(var + eps), var = mean(xc^2), xc = x - mean(x).
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -((dxn * self.xc) / (self.std * self.std)).sum(axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / n) * self.xc * dvar
        dmu = dxc.sum(axis=0)
        return self._back(dxc - dmu / n)
