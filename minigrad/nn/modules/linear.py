"""Fully connected layers: ``Linear`` (y = x W^T + b) and ``Bilinear`` (y = x1^T A x2 + b)."""
from __future__ import annotations

import math

from minigrad import factories
from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Linear", "Bilinear"]


def _fan_in(weight: Tensor) -> int:
    """Inputs feeding one output unit: dim 1 times the receptive field (PyTorch's rule)."""
    return weight.shape[1] * math.prod(weight.shape[2:]) if weight.ndim >= 2 else 0


def _uniform_bias_(bias: Tensor, fan_in: int) -> None:
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default bias initialisation."""
    from minigrad.nn import init

    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    init.uniform_(bias, -bound, bound)


def default_reset_(weight: Tensor, bias: Tensor | None) -> None:
    """kaiming_uniform_(a=sqrt(5)) for the weight, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    and the same bound for the bias: the default of Linear and the convolutions."""
    from minigrad.nn import init

    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        _uniform_bias_(bias, _fan_in(weight))


class Linear(Module):
    """y = x @ weight.T + bias.

    input: (*, in_features) -> (*, out_features); weight: (out_features, in_features),
    bias: (out_features,).
    """

    __constants__ = ["in_features", "out_features"]

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(factories.empty((out_features, in_features), dtype=dtype,
                                                device=device))
        if bias:
            self.bias = Parameter(factories.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        default_reset_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y[..., o] = x1 @ weight[o] @ x2 + bias[o].

    input1: (*, in1_features), input2: (*, in2_features) -> (*, out_features);
    weight: (out_features, in1_features, in2_features), bias: (out_features,).
    """

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(factories.empty((out_features, in1_features, in2_features),
                                                dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(factories.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        from minigrad.nn import init

        bound = 1.0 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
