"""GEMM: square products, the MLP layer shapes and their backward products, batched matmul.

minigrad: ``Tensor @ Tensor`` (no autograd recording: plain tensors); NumPy: ``ndarray @
ndarray`` (its BLAS); PyTorch: ``tensor @ tensor``. Transposed operands are views in all three.
"""
from __future__ import annotations

import numpy as np

import minigrad
from bench.cases import Impl, Target, assert_close, case, tolerance, torch_or_none

SQUARE = (64, 256, 512, 1024, 2048)
# 784-256-10 MLP at batch 128: forward X @ W, backward dY @ W^T and X^T @ dY.
MLP = {"mlp fwd 128x784 @ 784x256": ((128, 784), (784, 256), False, False),
       "mlp bwd-data 128x256 @ (784x256)^T": ((128, 256), (784, 256), False, True),
       "mlp bwd-weight (128x784)^T @ 128x256": ((128, 784), (128, 256), True, False)}
# Issue 3: sgemm at least 0.9x NumPy's throughput on square 256-1024 and the MLP shapes, dgemm
# at least 0.8x, at every thread count.
GOAL = {"sgemm": [Target("issue 3", "numpy", 0.9)], "dgemm": [Target("issue 3", "numpy", 0.8)]}


def _operands(shape_a, shape_b, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape_a).astype(dtype),
            rng.standard_normal(shape_b).astype(dtype))


def _impl(a, b, trans_a=False, trans_b=False) -> Impl:
    ta, tb = minigrad.from_numpy(a), minigrad.from_numpy(b)
    ma, mb = (ta.mT if trans_a else ta), (tb.mT if trans_b else tb)
    na, nb = (a.swapaxes(-1, -2) if trans_a else a), (b.swapaxes(-1, -2) if trans_b else b)
    torch = torch_or_none()
    torch_fn = None
    if torch is not None:
        xa, xb = torch.from_numpy(a), torch.from_numpy(b)
        xa, xb = (xa.mT if trans_a else xa), (xb.mT if trans_b else xb)
        torch_fn = lambda: xa @ xb

    def check():
        rtol, atol = tolerance(a.dtype)
        # Sums of K products: the absolute error grows with K.
        assert_close(ma @ mb, na @ nb, rtol, atol * na.shape[-1], "matmul")

    return Impl(minigrad=lambda: ma @ mb, numpy=lambda: na @ nb, torch=torch_fn, check=check)


for _dtype, _tag in ((np.float32, "sgemm"), (np.float64, "dgemm")):
    for _n in SQUARE:
        def _square(quick, n=_n, dtype=_dtype):
            n = min(n, 32) if quick else n
            return _impl(*_operands((n, n), (n, n), dtype))

        case("matmul", f"{_tag} {_n}x{_n}", GOAL[_tag] if 256 <= _n <= 1024 else None)(_square)
    for _name, (_sa, _sb, _ta, _tb) in MLP.items():
        def _mlp(quick, sa=_sa, sb=_sb, ta=_ta, tb=_tb, dtype=_dtype):
            if quick:
                sa, sb = tuple(min(s, 16) for s in sa), tuple(min(s, 16) for s in sb)
            return _impl(*_operands(sa, sb, dtype), ta, tb)

        case("matmul", f"{_tag} {_name}", GOAL[_tag])(_mlp)


@case("matmul", "sgemm batched 64 x (128x64 @ 64x128)")
def batched(quick):
    shape_a, shape_b = ((4, 8, 8), (4, 8, 8)) if quick else ((64, 128, 64), (64, 64, 128))
    return _impl(*_operands(shape_a, shape_b, np.float32))
