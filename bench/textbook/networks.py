"""Networks assembled from the layers: an ordered list of layers and a dict of parameters.

``gradient(x, t)`` runs the forward pass, then every layer's backward in reverse order, and
returns the parameter gradients under the same keys as ``params`` (W1, b1, W2, ...). The loss
of that forward pass is left in ``last_layer.loss``.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from bench.textbook.functions import numerical_gradient
from bench.textbook.im2col import conv_output_size
from bench.textbook.layers import Affine, Convolution, Pooling, Relu, SoftmaxWithLoss


class _LayerNet:
    def __init__(self, weight_init_std: float, dtype, seed: int):
        self.params: dict = {}
        self.layers: OrderedDict = OrderedDict()
        self.last_layer = SoftmaxWithLoss()
        self._grad_of: dict = {}  # param key -> (layer, name of its gradient attribute)
        self._rng = np.random.default_rng(seed)
        self._std, self._dtype = weight_init_std, dtype

    def _add(self, name: str, layer) -> None:
        self.layers[name] = layer

    def _param(self, key: str, shape: tuple, zero: bool = False) -> np.ndarray:
        value = (np.zeros(shape) if zero else self._std * self._rng.standard_normal(shape))
        self.params[key] = value.astype(self._dtype)
        return self.params[key]

    def _affine(self, index: int, n_in: int, n_out: int) -> None:
        w, b = f"W{index}", f"b{index}"
        layer = Affine(self._param(w, (n_in, n_out)), self._param(b, (n_out,), zero=True))
        self._add(f"Affine{index}", layer)
        self._grad_of[w], self._grad_of[b] = (layer, "dW"), (layer, "db")

    def _conv(self, index: int, c_in: int, c_out: int, k: int, stride: int, pad: int) -> None:
        w, b = f"W{index}", f"b{index}"
        layer = Convolution(self._param(w, (c_out, c_in, k, k)),
                            self._param(b, (c_out,), zero=True), stride, pad)
        self._add(f"Conv{index}", layer)
        self._grad_of[w], self._grad_of[b] = (layer, "dW"), (layer, "db")

    def predict(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.last_layer.forward(self.predict(x), t)

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict:
        """Backpropagation: parameter gradients of loss(x, t)."""
        self.loss(x, t)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        return {key: getattr(layer, attr) for key, (layer, attr) in self._grad_of.items()}

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray, h: float = 1e-4) -> dict:
        """The same gradients by central differences (two forward passes per parameter)."""
        return {key: numerical_gradient(lambda: self.loss(x, t), p, h)
                for key, p in self.params.items()}


class TwoLayerNet(_LayerNet):
    """Affine -> ReLU -> Affine -> softmax cross-entropy."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 weight_init_std: float = 0.01, dtype=np.float32, seed: int = 0):
        super().__init__(weight_init_std, dtype, seed)
        self._affine(1, input_size, hidden_size)
        self._add("Relu1", Relu())
        self._affine(2, hidden_size, output_size)


class SimpleConvNet(_LayerNet):
    """Conv(filter_num, filter_size) -> ReLU -> 2x2 max pool -> Affine(hidden) -> ReLU ->
    Affine(output); input (N, C, H, W) with (C, H, W) = input_dim."""

    def __init__(self, input_dim: tuple = (1, 28, 28), filter_num: int = 30,
                 filter_size: int = 5, pad: int = 0, stride: int = 1, hidden_size: int = 100,
                 output_size: int = 10, weight_init_std: float = 0.01, dtype=np.float32,
                 seed: int = 0):
        super().__init__(weight_init_std, dtype, seed)
        c, h, w = input_dim
        oh = conv_output_size(h, filter_size, stride, pad)
        ow = conv_output_size(w, filter_size, stride, pad)
        self._conv(1, c, filter_num, filter_size, stride, pad)
        self._add("Relu1", Relu())
        self._add("Pool1", Pooling(2, 2))
        self._affine(2, filter_num * (oh // 2) * (ow // 2), hidden_size)
        self._add("Relu2", Relu())
        self._affine(3, hidden_size, output_size)


class ConvNet(_LayerNet):
    """conv3x3(c1) -> ReLU -> pool -> conv3x3(c2) -> ReLU -> pool -> Affine(hidden) -> ReLU ->
    Affine(output); 3x3 convolutions with padding 1, 2x2 max pools. The defaults are the
    conv32-pool-conv64-pool-fc128-fc10 network for 28x28 digits."""

    def __init__(self, input_dim: tuple = (1, 28, 28), channels: tuple = (32, 64),
                 hidden_size: int = 128, output_size: int = 10,
                 weight_init_std: float = 0.01, dtype=np.float32, seed: int = 0):
        super().__init__(weight_init_std, dtype, seed)
        c, h, w = input_dim
        self._conv(1, c, channels[0], 3, 1, 1)
        self._add("Relu1", Relu())
        self._add("Pool1", Pooling(2, 2))
        self._conv(2, channels[0], channels[1], 3, 1, 1)
        self._add("Relu2", Relu())
        self._add("Pool2", Pooling(2, 2))
        self._affine(3, channels[1] * (h // 4) * (w // 4), hidden_size)
        self._add("Relu3", Relu())
        self._affine(4, hidden_size, output_size)
