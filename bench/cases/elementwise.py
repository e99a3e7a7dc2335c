"""Elementwise ops and full reductions on flat float32 tensors of 1e3 ... 1e7 elements.

Forward only, on tensors that do not require grad: this measures what an op costs on top of
the NumPy loop that does the arithmetic (minigrad keeps its data in NumPy arrays).
"""
from __future__ import annotations

import numpy as np

import minigrad
import minigrad.nn.functional as F
from bench.cases import Impl, assert_close, case, tolerance, torch_or_none

SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)

# name -> (minigrad op, NumPy op, torch op name); binary ops take (a, b), unary ops (a).
OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b),
    "exp": (minigrad.exp, np.exp, "exp"),
    "relu": (F.relu, lambda a: np.maximum(a, 0), "relu"),
    "sum": (minigrad.sum, np.sum, "sum"),
    "mean": (minigrad.mean, np.mean, "mean"),
    "max": (minigrad.max, np.max, "max"),
}
BINARY = ("add", "mul")


def _build(op: str, n: int) -> Impl:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(n).astype(np.float32) for _ in range(2 if op in BINARY else 1)]
    tensors = [minigrad.from_numpy(a) for a in arrays]
    mg_op, np_op, torch_op = OPS[op]
    torch = torch_or_none()
    torch_fn = None
    if torch is not None:
        tt = [torch.from_numpy(a) for a in arrays]
        top = getattr(torch, torch_op) if isinstance(torch_op, str) else torch_op
        torch_fn = lambda: top(*tt)

    def check():
        rtol, atol = tolerance(np.float32)
        if op in ("sum", "mean"):  # float32 accumulation order differs: error grows with n
            rtol, atol = 1e-4, 1e-6 * n
        assert_close(mg_op(*tensors), np_op(*arrays), rtol, atol, op)

    return Impl(minigrad=lambda: mg_op(*tensors), numpy=lambda: np_op(*arrays),
                torch=torch_fn, check=check)


for _op in OPS:
    for _n in SIZES:
        def _case(quick, op=_op, n=_n):
            return _build(op, min(n, 1000) if quick else n)

        case("elementwise", f"{_op} {_n:.0e} float32".replace("e+0", "e"))(_case)
