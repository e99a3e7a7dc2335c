"""``gradcheck`` / ``gradgradcheck``: compare autograd's Jacobian with central differences.

The numerical Jacobian perturbs one input element at a time by ``±eps``; the analytical one
backpropagates one unit vector per output element. Both are full matrices, so use small inputs.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Callable

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck when autograd's and the numerical Jacobian disagree."""


def _tensors(x) -> tuple:
    from minigrad.tensor import Tensor

    return (x,) if isinstance(x, Tensor) else tuple(x)


def _output_tensors(x) -> tuple:
    """The Tensor outputs of ``func`` (other outputs are ignored, as PyTorch)."""
    from minigrad.tensor import Tensor

    return tuple(o for o in _tensors(x) if isinstance(o, Tensor))


def _numerical_jacobian(func, inputs, index, outputs_template, eps,
                        grad_enabled: bool) -> list[np.ndarray]:
    """d(outputs)/d(inputs[index]) by central differences: one (numel_in, numel_out) per output.

    ``func`` runs without recording a graph unless ``grad_enabled`` (gradgradcheck's ``func``
    itself calls ``autograd.grad``).
    """
    from minigrad.autograd.grad_mode import set_grad_enabled

    with set_grad_enabled(grad_enabled):
        return _central_differences(func, inputs, index, outputs_template, eps)


def _central_differences(func, inputs, index, outputs_template, eps) -> list[np.ndarray]:
    x = inputs[index]
    flat = x._data.reshape(-1) if x._data.flags.c_contiguous else None
    columns = [np.zeros((x.numel(), o.numel())) for o in outputs_template]
    for j in range(x.numel()):
        pos = np.unravel_index(j, x.shape) if x.ndim else ()
        orig = x._data[pos] if flat is None else flat[j]
        values = []
        for delta in (eps, -eps):
            if flat is None:
                x._data[pos] = orig + delta
            else:
                flat[j] = orig + delta
            values.append([np.array(o._data, dtype=np.float64)
                           for o in _select(func(*inputs), outputs_template)])
        if flat is None:
            x._data[pos] = orig
        else:
            flat[j] = orig
        for k, (plus, minus) in enumerate(zip(*values)):
            columns[k][j] = ((plus - minus) / (2 * eps)).reshape(-1)
    return columns


def _select(outputs, template) -> list:
    """The outputs at the positions of the differentiable ones found on the first call."""
    all_out = _output_tensors(outputs)
    return [all_out[i] for i in template.positions]


class _Template(list):
    positions: list


def _analytical_jacobian(inputs, outputs) -> list:
    """Per (input, output): the (numel_in, numel_out) Jacobian via one backward per element."""
    from minigrad.autograd import grad
    from minigrad.tensor import Tensor

    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    jac = [[np.zeros((t.numel(), o.numel())) for o in outputs] for t in diff_inputs]
    for k, out in enumerate(outputs):
        for j in range(out.numel()):
            seed = np.zeros(out.shape, dtype=out._data.dtype)
            seed.reshape(-1)[j] = 1
            grads = grad(out, diff_inputs, Tensor._from_array(seed), retain_graph=True,
                         allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    jac[i][k][:, j] = np.asarray(g._data, dtype=np.float64).reshape(-1)
    return jac


def gradcheck(func: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """True when autograd's gradients of ``func(*inputs)`` match central differences.

    Inputs that require grad should be float64 (a warning is given otherwise). A mismatch raises
    ``GradcheckError`` naming the input, output and the worst Jacobian entry (or returns False
    with ``raise_exception=False``). ``fast_mode``, ``nondet_tol`` and the ``check_*`` flags
    other than ``check_backward_ad`` are accepted for PyTorch compatibility: minigrad always
    compares the full Jacobians.
    """
    return _gradcheck(func, inputs, eps=eps, atol=atol, rtol=rtol,
                      raise_exception=raise_exception, check_backward_ad=check_backward_ad,
                      grad_enabled=False)


def _gradcheck(func: Callable, inputs, *, eps: float, atol: float, rtol: float,
               raise_exception: bool, check_backward_ad: bool, grad_enabled: bool) -> bool:
    from minigrad.tensor import Tensor

    inputs = _tensors(inputs)
    if not any(isinstance(t, Tensor) and t.requires_grad for t in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    if not check_backward_ad:
        return True
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t._data.dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point.", UserWarning, stacklevel=3)
    all_outputs = _output_tensors(func(*inputs))
    input_index = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    # Floating outputs that do not require grad must not depend on the inputs (as PyTorch).
    constant = _Template(o for o in all_outputs if not o.requires_grad and o.is_floating_point())
    constant.positions = [i for i, o in enumerate(all_outputs)
                          if not o.requires_grad and o.is_floating_point()]
    if constant:
        for idx in input_index:
            for n in _numerical_jacobian(func, list(inputs), idx, constant, eps, grad_enabled):
                if np.any(np.abs(n) > atol):
                    return _fail("Numerical gradient for function expected to be zero",
                                 raise_exception)
    positions = [i for i, o in enumerate(all_outputs) if o.requires_grad]
    outputs = _Template(all_outputs[i] for i in positions)
    outputs.positions = positions
    if not outputs:
        return True
    analytical = _analytical_jacobian(inputs, outputs)
    for a_rows, idx in zip(analytical, input_index):
        numerical = _numerical_jacobian(func, list(inputs), idx, outputs, eps, grad_enabled)
        for k, (a, n) in enumerate(zip(a_rows, numerical)):
            bad = np.abs(a - n) > atol + rtol * np.abs(n)
            if bad.any() or not np.all(np.isfinite(a) == np.isfinite(n)):
                err = np.abs(a - n)
                j = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
                return _fail(
                    f"Jacobian mismatch for output {k} with respect to input {idx},\n"
                    f"numerical:{n.ravel()[:50]}\nanalytical:{a.ravel()[:50]}\n"
                    f"worst entry (input element {j[0]}, output element {j[1]}): numerical "
                    f"{n[j]!r}, analytical {a[j]!r}, difference {err[j]!r} > atol {atol} + "
                    f"rtol {rtol} * |numerical|", raise_exception)
    return True


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradgradcheck(func: Callable, inputs, grad_outputs: Sequence | None = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """gradcheck of the first-order gradients (built with ``create_graph=True``): checks that
    backward passes are themselves correctly differentiable."""
    from minigrad.autograd import grad
    from minigrad.random import Generator
    from minigrad.tensor import Tensor

    inputs = _tensors(inputs)
    outputs = [o for o in _output_tensors(func(*inputs)) if o.requires_grad]
    if grad_outputs is None:
        rng = Generator().manual_seed(0)._rng
        grad_outputs = [Tensor._from_array(rng.standard_normal(o.shape).astype(o._data.dtype),
                                           requires_grad=True) for o in outputs]
    else:
        grad_outputs = list(_tensors(grad_outputs))
    n_inputs = len(inputs)

    def first_order(*args):
        ins, gouts = args[:n_inputs], args[n_inputs:]
        outs = [o for o in _output_tensors(func(*ins)) if o.requires_grad]
        diff = [t for t in ins if isinstance(t, Tensor) and t.requires_grad]
        grads = grad(outs, diff, list(gouts), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return _gradcheck(first_order, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                      rtol=rtol, raise_exception=raise_exception,
                      check_backward_ad=check_rev_over_rev, grad_enabled=True)
