"""Matrix products (minigrad/ops/linalg.py): PyTorch's broadcasting rules for matmul, the add*
family, kron, tensordot, trace and einsum. Values against NumPy, values and gradients against
PyTorch, gradcheck and gradgradcheck for every case, hypothesis over non-contiguous operands."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from tests.helpers import (
    assert_close, check_gradients, compare_with_torch, double_input, torch_or_skip,
)

# name -> (op(lib, *tensors), NumPy reference(*arrays) or None, input shapes)
CASES = {
    "matmul_1d_1d": (lambda lib, a, b: lib.matmul(a, b), np.matmul, [(3,), (3,)]),
    "matmul_1d_2d": (lambda lib, a, b: lib.matmul(a, b), np.matmul, [(3,), (3, 2)]),
    "matmul_2d_1d": (lambda lib, a, b: lib.matmul(a, b), np.matmul, [(2, 3), (3,)]),
    "matmul_2d_2d": (lambda lib, a, b: a @ b, np.matmul, [(2, 3), (3, 4)]),
    "matmul_3d_1d": (lambda lib, a, b: a @ b, np.matmul, [(2, 2, 3), (3,)]),
    "matmul_1d_3d": (lambda lib, a, b: a @ b, np.matmul, [(3,), (2, 3, 2)]),
    "matmul_3d_2d": (lambda lib, a, b: a.matmul(b), np.matmul, [(2, 2, 3), (3, 2)]),
    "matmul_2d_3d": (lambda lib, a, b: a @ b, np.matmul, [(2, 3), (2, 3, 2)]),
    "matmul_batched": (lambda lib, a, b: a @ b, np.matmul, [(2, 2, 3), (2, 3, 2)]),
    "matmul_broadcast_batch": (lambda lib, a, b: a @ b, np.matmul, [(2, 1, 2, 3), (3, 3, 2)]),
    "mm": (lambda lib, a, b: lib.mm(a, b), np.matmul, [(2, 3), (3, 2)]),
    "bmm": (lambda lib, a, b: a.bmm(b), np.matmul, [(2, 2, 3), (2, 3, 1)]),
    "mv": (lambda lib, a, b: lib.mv(a, b), np.matmul, [(2, 3), (3,)]),
    "dot": (lambda lib, a, b: lib.dot(a, b), np.dot, [(4,), (4,)]),
    "vdot": (lambda lib, a, b: a.vdot(b), np.vdot, [(3,), (3,)]),
    "outer": (lambda lib, a, b: lib.outer(a, b), np.outer, [(3,), (2,)]),
    "ger": (lambda lib, a, b: a.ger(b), np.outer, [(2,), (3,)]),
    "inner_1d": (lambda lib, a, b: lib.inner(a, b), np.inner, [(3,), (3,)]),
    "inner_nd": (lambda lib, a, b: a.inner(b), np.inner, [(2, 3), (2, 2, 3)]),
    "inner_scalar": (lambda lib, a, b: lib.inner(a, b), np.inner, [(), (2, 3)]),
    "addmm": (lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0),
              lambda c, a, b: 0.5 * c + 2.0 * a @ b, [(3,), (2, 3), (3, 3)]),
    "addmm_default": (lambda lib, c, a, b: c.addmm(a, b), lambda c, a, b: c + a @ b,
                      [(2, 2), (2, 3), (3, 2)]),
    "addmv": (lambda lib, c, a, b: lib.addmv(c, a, b, alpha=-1.0),
              lambda c, a, b: c - a @ b, [(2,), (2, 3), (3,)]),
    "addr": (lambda lib, c, a, b: c.addr(a, b, beta=2.0),
             lambda c, a, b: 2.0 * c + np.outer(a, b), [(1, 3), (2,), (3,)]),
    "baddbmm": (lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=0.5),
                lambda c, a, b: 0.5 * c + a @ b, [(2, 1), (2, 2, 3), (2, 3, 1)]),
    "addbmm": (lambda lib, c, a, b: lib.addbmm(c, a, b, alpha=3.0),
               lambda c, a, b: c + 3.0 * (a @ b).sum(0), [(2, 2), (3, 2, 3), (3, 3, 2)]),
    "kron_2d": (lambda lib, a, b: lib.kron(a, b), np.kron, [(2, 2), (2, 3)]),
    "kron_mixed_ndim": (lambda lib, a, b: a.kron(b), np.kron, [(2, 1), (3,)]),
    "tensordot_int": (lambda lib, a, b: lib.tensordot(a, b, dims=2), np.tensordot,
                      [(2, 3, 2), (3, 2, 2)]),
    "tensordot_pairs": (lambda lib, a, b: lib.tensordot(a, b, dims=([1, 0], [0, 2])),
                        lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2])),
                        [(2, 3, 2), (3, 2, 2)]),
    "tensordot_outer": (lambda lib, a, b: lib.tensordot(a, b, dims=0),
                        lambda a, b: np.tensordot(a, b, axes=0), [(2,), (3,)]),
    "trace": (lambda lib, a: lib.trace(a), np.trace, [(3, 3)]),
    "trace_rectangular": (lambda lib, a: a.trace(), np.trace, [(2, 3)]),
}

EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ijk->kji", [(2, 3, 2)]),
    ("ba", [(2, 3)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("...ij,...jk", [(2, 2, 3), (1, 3, 2)]),
    ("i...->...", [(2, 3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("ii,i->i", [(2, 2), (2,)]),
    ("i j , j -> i", [(2, 3), (3,)]),
]
for _eq, _shapes in EINSUM:
    CASES[f"einsum[{_eq}]"] = (
        lambda lib, *xs, eq=_eq: lib.einsum(eq, *xs),
        lambda *arrays, eq=_eq: np.einsum(eq.replace(" ", ""), *arrays), _shapes)
CASES["einsum_operand_list"] = (lambda lib, a, b: lib.einsum("ij,j", [a, b]),
                                lambda a, b: a @ b, [(2, 3), (3,)])


def _arrays(shapes, dtype=np.float64) -> list:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("name", list(CASES))
def test_matches_numpy(name):
    op, reference, shapes = CASES[name]
    arrays = _arrays(shapes, np.float32)
    out = op(minigrad, *[minigrad.tensor(a) for a in arrays])
    assert out.dtype == minigrad.float32
    assert_close(out, np.asarray(reference(*arrays)), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_values_and_gradients(name):
    op, _, shapes = CASES[name]
    compare_with_torch(op, *_arrays(shapes))


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_gradgradcheck(name):
    op, _, shapes = CASES[name]
    inputs = [double_input(*s, seed=i) for i, s in enumerate(shapes)]
    check_gradients(lambda *xs: op(minigrad, *xs), *inputs)


# -- dtypes and special values ---------------------------------------------------------------------
def test_integer_matmul_stays_integer():
    a = minigrad.tensor([[1, 2], [3, 4]])
    out = a @ a
    assert out.dtype == minigrad.int64 and out.tolist() == [[7, 10], [15, 22]]


def test_float32_is_not_promoted():
    a = minigrad.ones(2, 3)
    assert (a @ a.mT).dtype == minigrad.float32
    assert minigrad.einsum("ij->", a).dtype == minigrad.float32


def test_addmm_with_beta_zero_ignores_nan_input():
    nan = minigrad.full((2, 2), float("nan"))
    out = minigrad.addmm(nan, minigrad.ones(2, 2), minigrad.ones(2, 2), beta=0)
    assert out.tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_matmul_gradient_sums_over_broadcast_batch():
    a = minigrad.ones(2, 3, requires_grad=True)
    b = minigrad.ones(4, 3, 2, requires_grad=True)
    (a @ b).sum().backward()
    assert a.grad.shape == (2, 3) and a.grad.tolist() == [[8.0] * 3] * 2
    assert b.grad.tolist() == [[[2.0, 2.0]] * 3] * 4


def test_einsum_backward_is_an_einsum():
    a = minigrad.ones(2, 2, requires_grad=True)
    v = minigrad.tensor([2.0, 3.0], requires_grad=True)
    out = minigrad.einsum("ii,i->", a, v)
    assert out.grad_fn.name() == "EinsumBackward0"
    (g,) = minigrad.autograd.grad(out, a, create_graph=True)  # diag(v)
    assert g.tolist() == [[2.0, 0.0], [0.0, 3.0]] and g.grad_fn.name() == "EinsumBackward0"


# -- hypothesis: random batch shapes and non-contiguous operands -----------------------------------
def _sum_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """The NumPy gradient of a broadcast operand: summed over broadcast dims."""
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead)))
    return grad.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


def _view(rng, shape: tuple, kind: str) -> np.ndarray:
    """An array of ``shape`` laid out as ``kind``: transposed in its last two dims, strided,
    or broadcast along its first dim."""
    if kind == "transposed":
        return np.swapaxes(rng.standard_normal(shape[:-2] + shape[::-1][:2]), -1, -2)
    if kind == "strided":
        return rng.standard_normal(shape[:-1] + (2 * shape[-1],))[..., ::2]
    if kind == "expanded":
        return np.broadcast_to(rng.standard_normal((1,) + shape[1:]), shape)
    return rng.standard_normal(shape)


_KINDS = st.sampled_from(["contiguous", "transposed", "strided", "expanded"])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4),
       batch_a=st.lists(st.integers(1, 3), max_size=2), batch_b=st.lists(st.integers(1, 3),
                                                                          max_size=2),
       kinds=st.tuples(_KINDS, _KINDS), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**16))
def test_matmul_hypothesis_values_and_gradients(n, k, m, batch_a, batch_b, kinds, dtype, seed):
    # Make the batch dims broadcastable: where both have a dim, one of the two is 1 or equal.
    batch_b = [1 if i < len(batch_a) and batch_a[-1 - i] != d else d
               for i, d in enumerate(reversed(batch_b))][::-1]
    rng = np.random.default_rng(seed)
    a = _view(rng, tuple(batch_a) + (n, k), kinds[0]).astype(dtype, copy=False)
    b = _view(rng, tuple(batch_b) + (k, m), kinds[1]).astype(dtype, copy=False)
    ta = minigrad.from_numpy(a).requires_grad_()
    tb = minigrad.from_numpy(b).requires_grad_()
    out = ta @ tb
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert out.dtype == minigrad.dtypes.from_numpy(dtype)
    assert_close(out, expected, rtol=tol, atol=tol)
    g = rng.standard_normal(expected.shape)
    out.backward(minigrad.tensor(g.astype(dtype)))
    assert_close(ta.grad, _sum_to(g @ np.swapaxes(b, -1, -2), a.shape), rtol=tol, atol=tol)
    assert_close(tb.grad, _sum_to(np.swapaxes(a, -1, -2) @ g, b.shape), rtol=tol, atol=tol)


@settings(max_examples=20, deadline=None)
@given(k=st.integers(1, 5), m=st.integers(1, 4), left=st.booleans(), seed=st.integers(0, 2**16))
def test_matmul_vector_hypothesis(k, m, left, seed):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(2 * k)[::2]  # strided
    mat = rng.standard_normal((m, k)).T  # (k, m), transposed
    tv, tm = minigrad.from_numpy(v).requires_grad_(), minigrad.from_numpy(mat)
    out = tv @ tm if left else tm.mT @ tv
    assert_close(out, v @ mat)
    out.sum().backward()
    assert_close(tv.grad, mat.sum(axis=1))


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, match", [
    (lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 5)), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (lambda lib: lib.ones(2, 3) @ lib.ones(4, 5), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (lambda lib: lib.ones(3) @ lib.ones(4, 5), RuntimeError, r"\(1x3 and 4x5\)"),
    (lambda lib: lib.ones(5, 2, 3) @ lib.ones(4, 2), RuntimeError, r"\(10x3 and 4x2\)"),
    (lambda lib: lib.ones(3) @ lib.ones(4), RuntimeError, "inconsistent tensor size"),
    (lambda lib: lib.ones(2, 3) @ lib.ones(4), RuntimeError,
     r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
    (lambda lib: lib.ones(5, 2, 3) @ lib.ones(5, 4, 2), RuntimeError,
     r"batch2 tensor to be: \[5, 3\] but got: \[5, 4\]"),
    (lambda lib: lib.ones(5, 2, 3) @ lib.ones(4, 3, 2), RuntimeError,
     r"size of tensor a \(5\) must match the size of tensor b \(4\)"),
    (lambda lib: lib.tensor(1.0) @ lib.ones(2), RuntimeError, "at least 1D"),
    (lambda lib: lib.ones(2, 2) @ lib.ones(2, 2, dtype=lib.float64), RuntimeError,
     "float != double"),
    (lambda lib: lib.ones(2, 2) @ lib.ones(2, 2, dtype=lib.int64), RuntimeError,
     "float != long int"),
    (lambda lib: lib.mm(lib.ones(3), lib.ones(3, 5)), RuntimeError, "must be a matrix"),
    (lambda lib: lib.bmm(lib.ones(2, 3), lib.ones(3, 3, 5)), RuntimeError, "3D tensor"),
    (lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 3, 5)), RuntimeError,
     r"to be: \[2, 3\] but got: \[3, 3\]"),
    (lambda lib: lib.mv(lib.ones(2, 3), lib.ones(3, 1)), RuntimeError, "matrix @ vector"),
    (lambda lib: lib.dot(lib.ones(3, 1), lib.ones(3)), RuntimeError, "1D tensors expected"),
    (lambda lib: lib.dot(lib.ones(3), lib.ones(3, dtype=lib.float64)), RuntimeError,
     "same dtype"),
    (lambda lib: lib.outer(lib.ones(3, 1), lib.ones(3)), RuntimeError, "Expected 1-D argument"),
    (lambda lib: lib.inner(lib.ones(2, 3), lib.ones(4, 2)), RuntimeError,
     "last dimension must match"),
    (lambda lib: lib.addmm(lib.ones(2), lib.ones(2, 3), lib.ones(3, 3)), RuntimeError,
     "expanded size"),
    (lambda lib: lib.addmm(lib.ones(2, 2), lib.ones(2, 2, 2), lib.ones(2, 2)), RuntimeError,
     "mat1 must be a matrix"),
    (lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(4, 5), dims=1), RuntimeError,
     "contracted dimensions need to match"),
    (lambda lib: lib.trace(lib.ones(2, 2, 2)), RuntimeError, "expected a matrix"),
    (lambda lib: lib.einsum("ij,jk->ik", lib.ones(3, 3), lib.ones(4, 3)), RuntimeError,
     "subscript j has size 4 for operand 1"),
    (lambda lib: lib.einsum("ij,jk->ik", lib.ones(3, 3)), RuntimeError, "fewer operands"),
    (lambda lib: lib.einsum("ij", lib.ones(2)), RuntimeError, "does not match the number of"),
    (lambda lib: lib.einsum("i->ii", lib.ones(2)), RuntimeError, "more than once"),
    (lambda lib: lib.einsum("i->j", lib.ones(2)), RuntimeError, "does not appear"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(minigrad)
    torch = torch_or_skip()
    with pytest.raises(error):  # PyTorch raises the same exception type
        call(torch)


def test_matmul_rejects_non_tensors():
    with pytest.raises(TypeError):
        minigrad.matmul(minigrad.ones(2, 2), [[1.0, 0.0], [0.0, 1.0]])
