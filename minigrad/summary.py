"""``minigrad.summary``: the Keras-style layer table of the ``torchsummary`` package.

A forward pass on random input records, through forward hooks, each module's output shape and
parameter count; the text is ``torchsummary``'s, line for line, so course notes that print it
look the same.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import dtypes as _dtypes
from minigrad.autograd.grad_mode import no_grad
from minigrad.nn.module import Module
from minigrad.nn.modules.container import ModuleList, Sequential

__all__ = ["summary", "summary_string"]

_RULE = "-" * 64
_DOUBLE_RULE = "=" * 64
_ROW = "{:>20}  {:>25} {:>15}"


def _numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _make_input(size: tuple[int, ...], dtype: Any):
    """torchsummary's probe input: ``rand(2, *size)`` (two samples so BatchNorm can train)."""
    from minigrad.factories import rand

    x = rand(2, *size)
    if dtype is None:
        return x
    if isinstance(dtype, _dtypes.dtype):
        return x.to(dtype)
    return x.type(dtype)  # a type name such as "minigrad.FloatTensor"


def summary_string(model: Module, input_size: tuple[int, ...] | list[tuple[int, ...]],
                   batch_size: int = -1, device: Any = "cpu",
                   dtypes: Sequence[Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The summary table as a string, and the totals dict that ``summary`` returns."""
    from minigrad.tensor import _check_device

    if device is not None and not str(device).startswith("cuda"):
        _check_device(device)  # torchsummary defaults to cuda: accept it, as we run on the CPU
    # One input: a tuple of ints. Several inputs: a list of tuples.
    if isinstance(input_size, tuple) or (
        isinstance(input_size, list) and all(isinstance(s, int) for s in input_size)
    ):
        input_size = [tuple(input_size)]
    input_size = [tuple(s) for s in input_size]
    if dtypes is None:
        dtypes = [None] * len(input_size)
    rows: OrderedDict[str, dict[str, Any]] = OrderedDict()
    hooks = []

    def hook(module: Module, inputs: tuple, output: Any) -> None:
        key = f"{type(module).__name__}-{len(rows) + 1}"
        info: dict[str, Any] = {}
        if isinstance(output, (list, tuple)):
            info["output_shape"] = [[-1] + list(o.shape)[1:] for o in output]
        else:
            info["output_shape"] = [batch_size] + list(output.shape)[1:]
        # torchsummary counts only ``weight`` and ``bias``, and calls a layer trainable when its
        # weight requires grad: kept as is so the totals match what the package prints.
        params = 0
        weight = getattr(module, "weight", None)
        if hasattr(weight, "size"):
            params += _numel(weight.shape)
            info["trainable"] = weight.requires_grad
        bias = getattr(module, "bias", None)
        if hasattr(bias, "size"):
            params += _numel(bias.shape)
        info["nb_params"] = params
        rows[key] = info

    def register(module: Module) -> None:
        if not isinstance(module, (Sequential, ModuleList)):
            hooks.append(module.register_forward_hook(hook))

    xs = [_make_input(size, dtype) for size, dtype in zip(input_size, dtypes)]
    model.apply(register)
    try:
        with no_grad():
            model(*xs)
    finally:
        for h in hooks:
            h.remove()

    lines = [_RULE, _ROW.format("Layer (type)", "Output Shape", "Param #"), _DOUBLE_RULE]
    total_params = trainable_params = 0
    total_output = 0
    for key, info in rows.items():
        lines.append(_ROW.format(key, str(info["output_shape"]), f"{info['nb_params']:,}"))
        total_params += info["nb_params"]
        total_output += int(np.prod(info["output_shape"]))
        if info.get("trainable"):
            trainable_params += info["nb_params"]

    # Sizes assume 4 bytes per number; the output size counts activations and their gradients.
    total_input_size = abs(_numel(sum(input_size, ())) * batch_size * 4.0 / (1024 ** 2.0))
    total_output_size = abs(2.0 * total_output * 4.0 / (1024 ** 2.0))
    total_params_size = abs(total_params * 4.0 / (1024 ** 2.0))
    total_size = total_params_size + total_output_size + total_input_size
    lines += [
        _DOUBLE_RULE,
        f"Total params: {total_params:,}",
        f"Trainable params: {trainable_params:,}",
        f"Non-trainable params: {total_params - trainable_params:,}",
        _RULE,
        f"Input size (MB): {total_input_size:0.2f}",
        f"Forward/backward pass size (MB): {total_output_size:0.2f}",
        f"Params size (MB): {total_params_size:0.2f}",
        f"Estimated Total Size (MB): {total_size:0.2f}",
        _RULE,
    ]
    totals = {
        "total_params": total_params,
        "trainable_params": trainable_params,
        "non_trainable_params": total_params - trainable_params,
        "input_size_mb": total_input_size,
        "forward_backward_size_mb": total_output_size,
        "params_size_mb": total_params_size,
        "total_size_mb": total_size,
    }
    return "\n".join(lines) + "\n", totals


def summary(model: Module, input_size: tuple[int, ...] | list[tuple[int, ...]],
            batch_size: int = -1, device: Any = "cpu",
            dtypes: Sequence[Any] | None = None) -> dict[str, Any]:
    """Print ``torchsummary``'s table for ``model`` and return the totals.

    ``input_size`` is one sample's shape without the batch dimension, e.g. ``(1, 28, 28)``, or a
    list of such tuples for a model with several inputs; ``batch_size`` is only what the table
    shows in the first column of the shapes (-1 by default). ``dtypes`` gives each input's dtype
    (float32 by default). Returns ``{"total_params", "trainable_params",
    "non_trainable_params", "input_size_mb", "forward_backward_size_mb", "params_size_mb",
    "total_size_mb"}``.
    """
    text, totals = summary_string(model, input_size, batch_size, device, dtypes)
    print(text)
    return totals
