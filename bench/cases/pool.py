"""2x2 max and average pooling (stride 2) on 64x32x28x28 float32, forward and forward +
backward.

minigrad and PyTorch: ``F.max_pool2d`` / ``F.avg_pool2d`` on an input that requires grad (as in
training: the forward keeps what the backward needs) and ``autograd.grad``. NumPy: the
textbook ``Pooling`` / ``AvgPooling`` layers (im2col, a max or mean over each window, col2im
for the backward).
"""
from __future__ import annotations

import numpy as np

import minigrad
from bench.cases import Impl, Target, assert_close, case, torch_or_none
from bench.textbook import AvgPooling, Pooling

SHAPE = (64, 32, 28, 28)
# Issue 3: max_pool2d 2x2 forward + backward at least 5x faster than the textbook NumPy
# implementation and faster than PyTorch.
GOALS = [Target("issue 3", "numpy", 5.0), Target("issue 3", "torch", 1.0, strict=True)]
KINDS = {"max_pool2d": ("max_pool2d", Pooling), "avg_pool2d": ("avg_pool2d", AvgPooling)}


def library_fn(lib, op: str, backward: bool, x, g):
    """The timed callable for minigrad or torch (``lib`` is the module)."""
    pool = getattr(lib.nn.functional, op)
    x, g = lib.from_numpy(x).requires_grad_(), lib.from_numpy(g)
    if not backward:
        return lambda: pool(x, 2)
    return lambda: lib.autograd.grad(pool(x, 2), x, g)


def _build(kind: str, shape: tuple, backward: bool) -> Impl:
    op, layer_cls = KINDS[kind]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape[:2] + (shape[2] // 2, shape[3] // 2)).astype(np.float32)
    layer = layer_cls(2, 2)
    np_fn = ((lambda: (layer.forward(x), layer.backward(g))) if backward
             else (lambda: layer.forward(x)))
    torch = torch_or_none()

    def check():
        ref = layer_cls(2, 2)
        ref_out, ref_dx = ref.forward(x), ref.backward(g)
        mx = minigrad.from_numpy(x).requires_grad_()
        out = getattr(minigrad.nn.functional, op)(mx, 2)
        (dx,) = minigrad.autograd.grad(out, mx, minigrad.from_numpy(g))
        assert_close(out, ref_out, 1e-6, 1e-6, f"{op} output")
        assert_close(dx, ref_dx, 1e-6, 1e-6, f"{op} grad input")

    return Impl(minigrad=library_fn(minigrad, op, backward, x, g), numpy=np_fn,
                torch=None if torch is None else library_fn(torch, op, backward, x, g),
                check=check)


for _kind in KINDS:
    for _bwd in (False, True):
        def _case(quick, kind=_kind, backward=_bwd):
            return _build(kind, (2, 3, 8, 8) if quick else SHAPE, backward)

        _goals = GOALS if _kind == "max_pool2d" and _bwd else None
        case("pool", f"{_kind} 2x2 64x32x28x28 {'fwd+bwd' if _bwd else 'fwd'}", _goals)(_case)
