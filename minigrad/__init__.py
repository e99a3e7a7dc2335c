"""minigrad: a small deep-learning engine with PyTorch's API and a C core.

``import minigrad as torch`` runs textbook PyTorch code: tensors with autograd, ``nn``,
``optim``, ``utils.data``, plus ``datasets`` and ``transforms`` for MNIST-style data.
"""
from minigrad.dtypes import (  # noqa: F401
    bool_ as bool, double, dtype, float, float16, float32, float64, get_default_dtype, half,
    int, int8, int16, int32, int64, long, set_default_dtype, short, uint8,
)
from minigrad.size import Size  # noqa: F401
from minigrad.random import Generator, default_generator, initial_seed, manual_seed, seed  # noqa
from minigrad.tensor import Tensor  # noqa: F401
from minigrad._device import device  # noqa: F401
from minigrad._tensor_str import set_printoptions  # noqa: F401
from minigrad import cuda  # noqa: F401
from minigrad.factories import *  # noqa: F401,F403
from minigrad.ops import *  # noqa: F401,F403
from minigrad import autograd  # noqa: F401
from minigrad.autograd.grad_mode import (  # noqa: F401
    enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled,
)
from minigrad.autograd.anomaly import (  # noqa: F401
    is_anomaly_check_nan_enabled, is_anomaly_enabled,
)
from minigrad import backend  # noqa: F401
from minigrad.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from minigrad.ops.pool import (  # noqa: F401  (the names PyTorch has at top level)
    adaptive_avg_pool1d, avg_pool1d, max_pool1d, max_pool1d_with_indices, max_pool2d,
)
from minigrad.ops.pool import adaptive_max_pool1d_with_indices as adaptive_max_pool1d  # noqa
from minigrad.config import get_num_threads, set_num_threads, show_config  # noqa: F401
from minigrad import optim  # noqa: F401
from minigrad.serialization import load, save  # noqa: F401
from minigrad import datasets, transforms, utils  # noqa: F401
from minigrad import nn  # noqa: F401
from minigrad.summary import summary  # noqa: F401
from minigrad import viz  # noqa: F401

__version__ = "0.1.0"


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    return input.numel()


