"""Per-op overhead on tiny (2x2 float32) tensors, where the arithmetic costs nothing and the
time is the library's own: dispatch, dtype and shape handling, graph recording, backward.

Rows: the forward with grad off; the forward + backward (``autograd.grad`` of the output with
respect to both inputs; NumPy: the forward plus the hand-written gradient formulas); then the
cost of reaching a C kernel: ``minigrad.backend.matmul`` (argument checks + the cffi call) and
the raw cffi call ``lib.mg_sgemm`` with prepared pointers, against ``np.matmul(..., out=)`` and
``torch.mm(..., out=)``.
"""
from __future__ import annotations

import numpy as np

import minigrad
from bench.cases import Impl, Skip, Target, assert_close, case, torch_or_none

# name -> (forward on tensors or arrays, NumPy forward + backward given the upstream grad g)
OPS = {
    "add": (lambda a, b: a + b, lambda a, b, g: (a + b, g, g)),
    "mul": (lambda a, b: a * b, lambda a, b, g: (a * b, g * b, g * a)),
    "matmul": (lambda a, b: a @ b, lambda a, b, g: (a @ b, g @ b.T, a.T @ g)),
    "relu": (lambda a, b: (a.relu() if hasattr(a, "relu") else np.maximum(a, 0)),
             lambda a, b, g: (np.maximum(a, 0), np.where(a > 0, g, 0))),
    "sum": (lambda a, b: a.sum(), lambda a, b, g: (a.sum(), np.ones_like(a))),
}


def _arrays():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((2, 2)).astype(np.float32),
            rng.standard_normal((2, 2)).astype(np.float32),
            np.ones((2, 2), np.float32))


def library_fn(lib, op: str, backward: bool, a, b, g):
    """The timed callable for minigrad or torch (``lib`` is the module)."""
    fwd = OPS[op][0]
    ta, tb = lib.from_numpy(a), lib.from_numpy(b)
    if not backward:
        return lambda: fwd(ta, tb)
    ta.requires_grad_()
    tb.requires_grad_()
    wrt = (ta,) if op in ("relu", "sum") else (ta, tb)
    tg = None if op == "sum" else lib.from_numpy(g)
    return lambda: lib.autograd.grad(fwd(ta, tb), wrt, tg)


def _build(op: str, backward: bool) -> Impl:
    a, b, g = _arrays()
    fwd, np_both = OPS[op]
    torch = torch_or_none()

    def check():
        ours = library_fn(minigrad, op, backward, a, b, g)()
        theirs = np_both(a, b, g)[1:] if backward else fwd(a, b)
        for x, y in zip(ours if backward else (ours,), theirs if backward else (theirs,)):
            assert_close(x, y, 1e-6, 1e-6, op)

    return Impl(minigrad=library_fn(minigrad, op, backward, a, b, g),
                numpy=(lambda: np_both(a, b, g)) if backward else (lambda: fwd(a, b)),
                torch=None if torch is None else library_fn(torch, op, backward, a, b, g),
                check=check)


for _op in OPS:
    for _bwd in (False, True):
        def _case(quick, op=_op, backward=_bwd):
            return _build(op, backward)

        case("overhead", f"{_op} 2x2 {'fwd+bwd' if _bwd else 'fwd, no grad'}")(_case)


@case("overhead", "backend.matmul 2x2 (argument checks + cffi call)")
def backend_matmul(quick):
    a, b, _ = _arrays()
    torch = torch_or_none()
    torch_fn = None
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        torch_fn = lambda: torch.matmul(ta, tb)

    def check():
        assert_close(minigrad.backend.matmul(a, b), a @ b, 1e-6, 1e-6, "backend.matmul")

    return Impl(minigrad=lambda: minigrad.backend.matmul(a, b), numpy=lambda: np.matmul(a, b),
                torch=torch_fn, check=check)


@case("overhead", "raw cffi call lib.mg_sgemm 2x2", [Target("issue 3", max_seconds=2e-6)])
def raw_cffi(quick):
    if minigrad.backend.name != "C":
        raise Skip("the C kernels are not in use (MINIGRAD_BACKEND=numpy or not compiled)")
    from minigrad._C import ffi, lib

    a, b, _ = _arrays()
    c = np.empty((2, 2), np.float32)
    pa, pb, pc = (ffi.from_buffer("float[]", arr) for arr in (a, b, c))
    sgemm = lib.mg_sgemm
    torch = torch_or_none()
    torch_fn = None
    if torch is not None:
        ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(np.empty_like(c))
        torch_fn = lambda: torch.mm(ta, tb, out=tc)

    def call():
        return sgemm(0, 0, 2, 2, 2, 1.0, pa, 2, pb, 2, 0.0, pc, 2)

    def check():
        c.fill(np.nan)
        assert call() == 0
        assert_close(c, a @ b, 1e-6, 1e-6, "mg_sgemm")

    out = np.empty_like(c)
    return Impl(minigrad=call, numpy=lambda: np.matmul(a, b, out=out), torch=torch_fn,
                check=check,
                note="the whole call: cffi argument conversion, the C entry checks and a 2x2x2 "
                     "product (a few ns of arithmetic)")
