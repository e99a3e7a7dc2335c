"""softmax, log_softmax and cross_entropy over the class dimension, forward and forward +
backward, at the MNIST logits shape (128, 10) and a wide one (512, 1000).

minigrad and PyTorch: the functional op, and for the backward ``autograd.grad`` of the output
(given an upstream gradient; the loss is a scalar). NumPy: the textbook formulas, with the
backward written out: softmax y * (g - sum(g * y)), log_softmax g - exp(y) * sum(g),
cross-entropy (softmax - onehot) / N.
"""
from __future__ import annotations

import numpy as np

import minigrad
import minigrad.nn.functional as F
from bench.cases import Impl, assert_close, case, tolerance, torch_or_none
from bench.textbook import SoftmaxWithLoss, log_softmax, softmax

SHAPES = ((128, 10), (512, 1000))


def _np_softmax(x, g, backward):
    y = softmax(x)
    if not backward:
        return y
    return y * (g - (g * y).sum(axis=1, keepdims=True))


def _np_log_softmax(x, g, backward):
    y = log_softmax(x)
    if not backward:
        return y
    return g - np.exp(y) * g.sum(axis=1, keepdims=True)


def _np_cross_entropy(x, t, backward):
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    return layer.backward(1.0) if backward else loss


def _build(fn: str, shape: tuple, backward: bool) -> Impl:
    rng = np.random.default_rng(0)
    x = (3 * rng.standard_normal(shape)).astype(np.float32)
    target = rng.integers(0, shape[1], shape[0])
    g = rng.standard_normal(shape).astype(np.float32)
    mx = minigrad.from_numpy(x).requires_grad_(backward)
    mt, mg = minigrad.from_numpy(target), minigrad.from_numpy(g)
    ops = {
        "softmax": (lambda: F.softmax(mx, dim=1), lambda: _np_softmax(x, g, backward)),
        "log_softmax": (lambda: F.log_softmax(mx, dim=1),
                        lambda: _np_log_softmax(x, g, backward)),
        "cross_entropy": (lambda: F.cross_entropy(mx, mt),
                          lambda: _np_cross_entropy(x, target, backward)),
    }
    mg_forward, np_fn = ops[fn]
    grad_out = None if fn == "cross_entropy" else mg

    def mg_fn():
        out = mg_forward()
        return minigrad.autograd.grad(out, mx, grad_out)[0] if backward else out

    torch_fn = None
    torch = torch_or_none()
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_(backward)
        tt, tg = torch.from_numpy(target), torch.from_numpy(g)
        tops = {"softmax": lambda: torch.softmax(tx, dim=1),
                "log_softmax": lambda: torch.log_softmax(tx, dim=1),
                "cross_entropy": lambda: torch.nn.functional.cross_entropy(tx, tt)}
        t_forward, t_grad_out = tops[fn], (None if fn == "cross_entropy" else tg)

        def torch_fn():
            out = t_forward()
            return torch.autograd.grad(out, tx, t_grad_out)[0] if backward else out

    def check():
        rtol, atol = tolerance(np.float32)
        assert_close(mg_fn(), np_fn(), rtol, atol, f"{fn} {'grad' if backward else 'value'}")

    return Impl(minigrad=mg_fn, numpy=np_fn, torch=torch_fn, check=check)


for _fn in ("softmax", "log_softmax", "cross_entropy"):
    for _shape in SHAPES:
        for _bwd in (False, True):
            def _case(quick, fn=_fn, shape=_shape, backward=_bwd):
                return _build(fn, (8, 10) if quick else shape, backward)

            _what = "fwd+bwd" if _bwd else "fwd"
            case("softmax", f"{_fn} {_what} {_shape[0]}x{_shape[1]}")(_case)
