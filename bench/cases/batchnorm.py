"""Batch normalisation in training mode (batch statistics, running stats updated), forward and
forward + backward, float32: BatchNorm2d(32) on 64x32x28x28 and BatchNorm1d(256) on 128x256.

minigrad and PyTorch: the ``nn.BatchNorm*`` module and ``autograd.grad`` with respect to the
input, weight and bias. NumPy: the textbook ``BatchNormalization`` layer with its hand-written
backward.
"""
from __future__ import annotations

import numpy as np

import minigrad
from bench.cases import Impl, assert_close, case, torch_or_none
from bench.textbook import BatchNormalization

SHAPES = {"BatchNorm2d(32) 64x32x28x28": (64, 32, 28, 28), "BatchNorm1d(256) 128x256": (128, 256)}


def library_fn(lib, shape: tuple, backward: bool, x, g):
    """The timed callable for minigrad or torch (``lib`` is the module)."""
    bn = (lib.nn.BatchNorm2d if len(shape) == 4 else lib.nn.BatchNorm1d)(shape[1])
    x, g = lib.from_numpy(x).requires_grad_(), lib.from_numpy(g)
    if not backward:
        return lambda: bn(x)
    return lambda: lib.autograd.grad(bn(x), (x, bn.weight, bn.bias), g)


def _build(shape: tuple, backward: bool) -> Impl:
    rng = np.random.default_rng(0)
    x = (2 * rng.standard_normal(shape) + 0.5).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    c = shape[1]
    layer = BatchNormalization(np.ones(c, np.float32), np.zeros(c, np.float32))
    np_fn = ((lambda: (layer.forward(x), layer.backward(g))) if backward
             else (lambda: layer.forward(x)))
    torch = torch_or_none()

    def check():
        ref = BatchNormalization(np.ones(c, np.float32), np.zeros(c, np.float32))
        ref_out, ref_dx = ref.forward(x), ref.backward(g)
        bn = (minigrad.nn.BatchNorm2d if len(shape) == 4 else minigrad.nn.BatchNorm1d)(c)
        mx = minigrad.from_numpy(x).requires_grad_()
        out = bn(mx)
        dx, dw, db = minigrad.autograd.grad(out, (mx, bn.weight, bn.bias),
                                            minigrad.from_numpy(g))
        for name, ours, theirs in (
                ("output", out, ref_out), ("grad input", dx, ref_dx),
                ("grad weight", dw, ref.dgamma), ("grad bias", db, ref.dbeta),
                ("running_mean", bn.running_mean, ref.running_mean),
                ("running_var", bn.running_var, ref.running_var)):
            assert_close(ours, theirs, 1e-3, 1e-4 * float(np.abs(theirs).max()), name)

    return Impl(minigrad=library_fn(minigrad, shape, backward, x, g), numpy=np_fn,
                torch=None if torch is None else library_fn(torch, shape, backward, x, g),
                check=check)


for _name, _shape in SHAPES.items():
    for _bwd in (False, True):
        def _case(quick, shape=_shape, backward=_bwd):
            return _build((4, 3, 5, 5) if quick and len(shape) == 4 else
                          (8, 6) if quick else shape, backward)

        case("batchnorm", f"{_name} {'fwd+bwd' if _bwd else 'fwd'}")(_case)
