"""Shared test helpers: value comparison, gradchecks, and optional PyTorch parity."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck


def to_numpy(x) -> np.ndarray:
    if isinstance(x, minigrad.Tensor):
        return x.detach()._data
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_close(actual, expected, rtol: float = 1e-5, atol: float = 1e-6,
                 check_dtype: bool = False) -> None:
    """Values (and shapes) equal within tolerances; Tensors, torch tensors, arrays or numbers."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
    if check_dtype:
        assert a.dtype == e.dtype, f"dtype {a.dtype} != expected {e.dtype}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


def double_input(*shape, low: float | None = None, seed: int = 0) -> minigrad.Tensor:
    """A float64 leaf that requires grad (values away from ``low`` when given, e.g. for log)."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape)
    if low is not None:
        data = low + np.abs(data) + 0.1
    return minigrad.tensor(data, dtype=minigrad.float64, requires_grad=True)


def check_gradients(fn, *inputs, double: bool = True) -> None:
    """gradcheck (and by default gradgradcheck) of ``fn`` at float64 ``inputs``."""
    assert gradcheck(fn, inputs)
    if double:
        assert gradgradcheck(fn, inputs)


def torch_or_skip():
    """The torch module, or skip the test when PyTorch is not installed."""
    return pytest.importorskip("torch")


def to_torch(t, requires_grad: bool | None = None):
    torch = torch_or_skip()
    out = torch.from_numpy(np.array(to_numpy(t)))
    if requires_grad if requires_grad is not None else getattr(t, "requires_grad", False):
        out.requires_grad_(True)
    return out


def _resolve(name_or_fn, lib):
    """The op in ``lib`` (minigrad or torch): a dotted name looked up there, or a callable taking
    the library module first, bound to it."""
    if callable(name_or_fn):
        return lambda *a, **k: name_or_fn(lib, *a, **k)
    obj = lib
    for part in name_or_fn.split("."):
        obj = getattr(obj, part)
    return obj


def compare_with_torch(name_or_fn, *arrays, torch_fn=None, rtol=1e-5, atol=1e-6,
                       grad: bool = True, **kwargs) -> None:
    """Run the same op in minigrad and PyTorch on float ``arrays``: values and input gradients.

    ``name_or_fn`` is a dotted name looked up in both libraries (``"nn.functional.relu"``) or a
    callable taking the library module first (``lambda lib, x: lib.exp(x)``).
    """
    torch = torch_or_skip()
    ours = [minigrad.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    out = _resolve(name_or_fn, minigrad)(*ours, **kwargs)
    expected = (torch_fn or _resolve(name_or_fn, torch))(*theirs, **kwargs)
    assert_close(out, expected, rtol=rtol, atol=atol)
    assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    if grad and out.requires_grad:
        seed = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(
            to_numpy(out).dtype)
        out.backward(minigrad.tensor(seed))
        expected.backward(torch.tensor(seed))
        for o, t in zip(ours, theirs):
            if t.grad is not None:
                assert_close(o.grad, t.grad, rtol=rtol, atol=atol)


def assert_same_error(name_or_fn, *arrays, **kwargs) -> type:
    """The op raises the same exception type in minigrad as in PyTorch (PyTorch's check is
    skipped when it is not installed; minigrad must raise regardless). Arguments as in
    ``compare_with_torch``; NumPy arrays become tensors. Returns minigrad's exception type."""

    def call(lib):
        args = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
        try:
            _resolve(name_or_fn, lib)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 (the type is what is compared)
            return type(error)
        return None

    ours = call(minigrad)
    assert ours is not None, "minigrad did not raise"
    try:
        import torch
    except ImportError:
        return ours
    theirs = call(torch)
    assert theirs is not None, "PyTorch did not raise: the test case is wrong"
    assert issubclass(ours, theirs), f"minigrad raised {ours.__name__}, PyTorch {theirs.__name__}"
    return ours
