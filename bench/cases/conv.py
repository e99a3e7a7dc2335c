"""conv2d on the textbook's layers: forward, backward to the data, backward to the weights,
and forward + backward, in float32.

minigrad and PyTorch: ``F.conv2d`` and ``autograd.grad`` (the graph is built once and kept for
the backward-only timings; inputs that a pass does not differentiate do not require grad, so
only that half of the backward runs). NumPy: the textbook ``Convolution`` layer (im2col, one
GEMM, col2im); its backward halves are ``backward_data`` and ``backward_weight``.
"""
from __future__ import annotations

import numpy as np

import minigrad
from bench.cases import Impl, Target, assert_close, case, torch_or_none
from bench.textbook import Convolution

# name -> (batch, in channels, height = width, out channels, kernel, padding)
LAYERS = {
    "64x1x28x28 -> 32ch 3x3 pad 1": (64, 1, 28, 32, 3, 1),
    "64x32x14x14 -> 64ch 3x3 pad 1": (64, 32, 14, 64, 3, 1),
    "SimpleConvNet 100x1x28x28 -> 30ch 5x5": (100, 1, 28, 30, 5, 0),
}
PASSES = ("fwd", "bwd-data", "bwd-weight", "fwd+bwd")
# Issue 3: forward + backward of the two 3x3 layers at least 4x faster than the textbook NumPy
# im2col implementation and no slower than PyTorch.
GOALS = [Target("issue 3", "numpy", 4.0), Target("issue 3", "torch", 1.0)]


def _data(spec: tuple):
    n, c, hw, fn, k, pad = spec
    out_hw = hw + 2 * pad - k + 1
    rng = np.random.default_rng(0)
    return (rng.standard_normal((n, c, hw, hw)).astype(np.float32),
            (rng.standard_normal((fn, c, k, k)) / np.sqrt(c * k * k)).astype(np.float32),
            rng.standard_normal(fn).astype(np.float32),
            rng.standard_normal((n, fn, out_hw, out_hw)).astype(np.float32))


def library_fn(lib, pass_: str, x, w, b, g, pad: int):
    """The timed callable for minigrad or torch (``lib`` is the module)."""
    conv2d, grad = lib.nn.functional.conv2d, lib.autograd.grad
    x, w, b, g = (lib.from_numpy(a) for a in (x, w, b, g))
    if pass_ == "fwd":
        w.requires_grad_()
        b.requires_grad_()
        return lambda: conv2d(x, w, b, padding=pad)
    if pass_ == "bwd-data":
        x.requires_grad_()
        out = conv2d(x, w, b, padding=pad)
        return lambda: grad(out, x, g, retain_graph=True)
    if pass_ == "bwd-weight":
        w.requires_grad_()
        b.requires_grad_()
        out = conv2d(x, w, b, padding=pad)
        return lambda: grad(out, (w, b), g, retain_graph=True)
    for t in (x, w, b):
        t.requires_grad_()
    return lambda: grad(conv2d(x, w, b, padding=pad), (x, w, b), g)


def _numpy_fn(pass_: str, layer: Convolution, x, g):
    layer.forward(x)  # the backward halves need the forward's im2col columns
    return {"fwd": lambda: layer.forward(x),
            "bwd-data": lambda: layer.backward_data(g),
            "bwd-weight": lambda: layer.backward_weight(g),
            "fwd+bwd": lambda: (layer.forward(x), layer.backward(g))}[pass_]


def _build(spec: tuple, pass_: str) -> Impl:
    pad = spec[5]
    x, w, b, g = _data(spec)
    layer = Convolution(w.copy(), b.copy(), stride=1, pad=pad)
    torch = torch_or_none()

    def check():
        ref = Convolution(w, b, stride=1, pad=pad)
        ref_out = ref.forward(x)
        ref_dx = ref.backward(g)
        mx, mw, mb = (minigrad.from_numpy(a).requires_grad_() for a in (x, w, b))
        out = minigrad.nn.functional.conv2d(mx, mw, mb, padding=pad)
        dx, dw, db = minigrad.autograd.grad(out, (mx, mw, mb), minigrad.from_numpy(g))
        for name, ours, theirs in (("output", out, ref_out), ("grad input", dx, ref_dx),
                                   ("grad weight", dw, ref.dW), ("grad bias", db, ref.db)):
            assert_close(ours, theirs, 1e-4, 1e-5 * float(np.abs(theirs).max()), name)

    return Impl(minigrad=library_fn(minigrad, pass_, x, w, b, g, pad),
                numpy=_numpy_fn(pass_, layer, x, g),
                torch=None if torch is None else library_fn(torch, pass_, x, w, b, g, pad),
                check=check)


for _name, _spec in LAYERS.items():
    for _pass in PASSES:
        def _case(quick, spec=_spec, pass_=_pass):
            if quick:
                c, fn, k, pad = spec[1], spec[3], spec[4], spec[5]
                spec = (2, min(c, 3), 8, min(fn, 4), k, pad)
            return _build(spec, pass_)

        goals = GOALS if _pass == "fwd+bwd" and "3x3" in _name else None
        case("conv", f"{_name} {_pass}", goals)(_case)
