"""Automatic differentiation: ``backward``, ``grad``, ``Function``, grad mode, gradcheck."""
from __future__ import annotations

from minigrad.autograd import anomaly, engine, grad_mode
from minigrad.autograd.anomaly import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from minigrad.autograd.function import Function, once_differentiable
from minigrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "Function",
    "GradcheckError",
    "anomaly",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "engine",
    "grad",
    "grad_mode",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled",
]


def _as_list(x) -> list:
    from minigrad.tensor import Tensor

    if x is None:
        return []
    return [x] if isinstance(x, Tensor) else list(x)


def _root_grads(outputs: list, grad_outputs: list, create_graph: bool) -> list:
    """The gradient each output starts with: given, or ones for one-element outputs."""
    import numpy as np

    from minigrad.tensor import Tensor

    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs else None
        if not out._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._from_array(np.ones(out._data.shape, dtype=out._data.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._from_array(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )
        if g._data.dtype != out._data.dtype:
            g = g.to(out.dtype)
        grads.append(g if create_graph else g.detach())
    return grads


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables=None, inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    ``grad_tensors`` gives the gradient of each output (optional for one-element outputs);
    ``retain_graph`` (default: ``create_graph``) keeps the graph for another backward;
    ``create_graph`` records the backward pass so that gradients can be differentiated again;
    ``inputs`` restricts accumulation to those tensors (leaves or not).
    """
    outputs = _as_list(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    if inputs is not None:
        input_list = _as_list(inputs)
        if not input_list:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    else:
        input_list = None
    grads = _root_grads(outputs, _as_list(grad_tensors), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    engine.run_backward(outputs, grads, retain_graph, create_graph, input_list, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``; ``.grad`` is left untouched.

    An input that the outputs do not depend on raises RuntimeError unless ``allow_unused``
    (then its gradient is None, or zeros with ``materialize_grads``).
    """
    from minigrad.factories import zeros_like

    if is_grads_batched:
        raise NotImplementedError("is_grads_batched=True is not supported by minigrad")
    out_list = _as_list(outputs)
    in_list = _as_list(inputs)
    grads = _root_grads(out_list, _as_list(grad_outputs), create_graph)
    for t in in_list:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    result = engine.run_backward(out_list, grads, retain_graph, create_graph, in_list,
                                 accumulate=False)
    for i, g in enumerate(result):
        if g is None:
            if materialize_grads:
                result[i] = zeros_like(in_list[i])
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
    return tuple(result)
