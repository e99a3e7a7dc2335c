"""The NumPy baselines: deep learning "from scratch", the way the textbook teaches it.

Layers are objects with a hand-written ``forward`` and ``backward``; convolution and pooling go
through ``im2col`` / ``col2im`` written with NumPy slicing; optimizers update a dict of arrays
in place. This is the code a learner writes before picking up an autograd library, so it is
what minigrad is compared against. It follows *Deep Learning from Scratch* (Saito, O'Reilly
Japan) in structure, in our own code, with three deliberate differences so that minigrad and
the baseline compute the same thing (the benchmark checks they agree):

- ``SoftmaxWithLoss`` takes the loss from a log-softmax instead of ``log(y + 1e-7)``;
- ``BatchNormalization`` on (N, C, H, W) normalises per channel, like ``nn.BatchNorm2d``
  (the book normalises every (c, h, w) feature separately);
- ``Adam`` puts ``eps`` where PyTorch does (after bias correction).

Arrays keep their dtype (float32 in, float32 out), as minigrad and PyTorch do.
"""
from bench.textbook.functions import log_softmax, numerical_gradient, relu, sigmoid, softmax
from bench.textbook.im2col import col2im, conv_output_size, im2col
from bench.textbook.layers import (
    Affine,
    AvgPooling,
    BatchNormalization,
    Convolution,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)
from bench.textbook.networks import ConvNet, SimpleConvNet, TwoLayerNet
from bench.textbook.optimizer import SGD, Adam, Momentum

__all__ = [
    "SGD",
    "Adam",
    "Affine",
    "AvgPooling",
    "BatchNormalization",
    "ConvNet",
    "Convolution",
    "Momentum",
    "Pooling",
    "Relu",
    "Sigmoid",
    "SimpleConvNet",
    "SoftmaxWithLoss",
    "TwoLayerNet",
    "col2im",
    "conv_output_size",
    "im2col",
    "log_softmax",
    "numerical_gradient",
    "relu",
    "sigmoid",
    "softmax",
]
