"""Matrix products on the backend GEMM: matmul (``@``), mm, bmm, mv, dot, outer, inner, the
``add*`` family (addmm, addmv, addr, baddbmm, addbmm), kron, tensordot, trace and einsum.

``MatMul`` handles 2-D and batched operands (batch dims broadcast); 1-D operands are promoted
to matrices and the added dimension removed again, as ``torch.matmul`` does. ``Einsum``'s
backward is again an einsum, so both differentiate any number of times.
"""
from __future__ import annotations

import math
import string
from collections import Counter

import numpy as np

from minigrad import backend
from minigrad.autograd.function import Function
from minigrad.ops._util import broadcast_shapes
from minigrad.tensor import Tensor

__all__ = [
    "matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "inner", "addmm", "addmv",
    "addr", "baddbmm", "addbmm", "kron", "tensordot", "trace", "einsum",
]

# PyTorch's C++ names of scalar types, used in its dtype-mismatch messages.
_SCALAR_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
    "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
    "bool": "bool",
}


class MatMul(Function):
    """a: (..., n, k), b: (..., k, m) -> (..., n, m); backward is two matmuls."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None,
                              b if ctx.needs_input_grad[0] else None)
        if a._data.dtype in (np.float32, np.float64):
            return backend.matmul(a._data, b._data)
        return np.matmul(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad @ b.mT if b is not None else None
        grad_b = a.mT @ grad if a is not None else None
        return grad_a, grad_b  # the engine sums over broadcast batch dims


def _dims(shape) -> str:
    return "x".join(map(str, shape))


def _check_operands(input, other, name: str) -> None:
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        bad = other if isinstance(input, Tensor) else input
        raise TypeError(f"{name}(): argument '{'other' if isinstance(input, Tensor) else 'input'}'"
                        f" must be Tensor, not {type(bad).__name__}")
    if input._data.dtype != other._data.dtype:
        names = _SCALAR_NAMES[input.dtype.name], _SCALAR_NAMES[other.dtype.name]
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {names[0]} != "
                           f"{names[1]}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f"{name}: not implemented for 'Bool' tensors")


def _check_matmul_shapes(a: tuple, b: tuple) -> None:
    """PyTorch's message for each operand layout, always showing both shapes' sizes."""
    if len(a) == 1 and len(b) == 1:
        if a[0] != b[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a[0]}] and src "
                               f"[{b[0]}] to have the same number of elements, but got {a[0]} "
                               f"and {b[0]} elements respectively")
        return
    if len(b) == 1:
        rows = math.prod(a[:-1])
        if a[-1] != b[0]:
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{a[-1]}), vec "
                               f"({b[0]})")
        return
    if len(b) == 2:
        rows = math.prod(a[:-1])
        if a[-1] != b[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a[-1]} and "
                               f"{_dims(b)})")
        return
    batch = broadcast_shapes(a[:-2] if len(a) > 2 else (), b[:-2])
    if a[-1] != b[-2]:
        n = math.prod(batch)
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n}, {a[-1]}] but got: [{n}, {b[-2]}]. (matmul of {list(a)} and "
                           f"{list(b)})")


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product with PyTorch's rules: 1-D x 1-D is a dot product; a 1-D operand is a
    row (left) or column (right) vector whose dim is removed again; >= 3-D operands are stacks
    of matrices whose batch dims broadcast: (j, 1, n, k) @ (l, k, m) -> (j, l, n, m)."""
    _check_operands(input, other, "matmul")
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{input.ndim}D and {other.ndim}D")
    _check_matmul_shapes(tuple(input.shape), tuple(other.shape))
    a = input.unsqueeze(0) if input.ndim == 1 else input
    b = other.unsqueeze(-1) if other.ndim == 1 else other
    out = MatMul.apply(a, b)
    if input.ndim == 1:
        out = out.squeeze(-2)
    if other.ndim == 1:
        out = out.squeeze(-1)
    return out


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """(n, k) @ (k, m) -> (n, m); both must be 2-D."""
    _check_operands(input, mat2, "mm")
    if input.ndim != 2:
        raise RuntimeError(f"self must be a matrix, got {input.ndim}-D tensor")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """(b, n, k) @ (b, k, m) -> (b, n, m); both 3-D with equal batch (no broadcasting)."""
    _check_operands(input, mat2, "bmm")
    if input.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor, got {input.ndim}-D tensor")
    if mat2.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor, got {mat2.ndim}-D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, "
                           f"{mat2.shape[1]}]. (bmm of {list(input.shape)} and "
                           f"{list(mat2.shape)})")
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """(n, m) @ (m,) -> (n,)."""
    _check_operands(input, vec, "mv")
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got a {input.ndim}-D matrix and a "
                           f"{vec.ndim}-D vector")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length and dtype (a 0-d tensor)."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("dot(): arguments 'input' and 'other' must be Tensors")
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype.name.capitalize()} and {other.dtype.name.capitalize()}")
    return matmul(input, other)


vdot = dot  # real tensors only: no conjugation to do


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """(n,) x (m,) -> (n, m): ``out[i, j] = input[i] * vec2[j]`` (dtypes promoted)."""
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last dims: (..a, k) x (..b, k) -> (..a, ..b); a 0-d operand multiplies."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    k = input.shape[-1]
    if other.shape[-1] != k:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    out = matmul(input.reshape(-1, k), other.reshape(-1, k).mT)
    return out.reshape(input.shape[:-1] + other.shape[:-1])


# -- beta * input + alpha * product ----------------------------------------------------------------
def _scaled_sum(input: Tensor, product: Tensor, beta, alpha) -> Tensor:
    """``beta * input + alpha * product`` with ``input`` broadcast to the product's shape;
    ``beta == 0`` ignores input entirely (NaN and inf too), as BLAS does."""
    bias = input.expand(product.shape)  # PyTorch's message when input does not broadcast
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (bias if beta == 1 else bias * beta)


def _matrix(t: Tensor, name: str) -> None:
    if t.ndim != 2:
        raise RuntimeError(f"{name} must be a matrix, got {t.ndim}-D tensor")


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``: (n, k) @ (k, m), input broadcast to (n, m)."""
    _matrix(mat1, "mat1")
    _matrix(mat2, "mat2")
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``: (n, m) @ (m,), input broadcast to (n,)."""
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``, input broadcast to (n, m)."""
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, input broadcast to (b, n, m)."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``, input broadcast to (n, m)."""
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)


# -- other products --------------------------------------------------------------------------------
def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: shapes (a0, a1, ...) and (b0, b1, ...) (right-aligned, padded with 1s)
    give (a0*b0, a1*b1, ...), ``out[i*b0 + k, ...] = input[i, ...] * other[k, ...]``."""
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(n for s in sa for n in (s, 1)))
    b = other.reshape(tuple(n for s in sb for n in (1, s)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Contract ``a``'s dims ``dims[0]`` with ``b``'s ``dims[1]`` (an int n means a's last n with
    b's first n); the result has a's free dims then b's."""
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length, got {da} and {db}")
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in dim "
                               f"{y}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = math.prod(a.shape[d] for d in da)
    left = a.permute(free_a + da).reshape(-1, k)
    right = b.permute(db + free_b).reshape(k, -1)
    out_shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return matmul(left, right).reshape(out_shape)


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix (integer inputs give int64)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return input.diagonal().sum()


# -- einsum ----------------------------------------------------------------------------------------
class Einsum(Function):
    """``np.einsum`` with an explicit, ellipsis-free equation over equal-sized letters.

    The gradient of operand i is the einsum of the output gradient with the other operands into
    operand i's subscripts (``_einsum_adjoint``), itself an ``Einsum``.
    """

    @staticmethod
    def forward(ctx, *operands, subscripts, output):
        ctx.save_for_backward(*operands)
        ctx.subscripts, ctx.output = subscripts, output
        equation = ",".join(subscripts) + "->" + output
        return np.einsum(equation, *(x._data for x in operands), optimize=len(operands) > 2)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        return tuple(_einsum_adjoint(i, grad, operands, ctx.subscripts, ctx.output)
                     if need else None for i, need in enumerate(ctx.needs_input_grad))


def _einsum_adjoint(i: int, grad: Tensor, operands: tuple, subscripts: tuple, output: str):
    """d(sum(grad * einsum)) / d(operand i) as one einsum.

    A letter that occurs only in operand i (summed away) comes back through a ones vector; a
    letter repeated in operand i (a diagonal) is renamed and tied to the first by an identity.
    """
    target = subscripts[i]
    terms = [output] + [s for j, s in enumerate(subscripts) if j != i]
    tensors = [grad] + [x for j, x in enumerate(operands) if j != i]
    available = set("".join(terms))
    fresh = [c for c in string.ascii_letters
             if c not in available and c not in "".join(subscripts)]
    renamed, seen = [], set()
    dtype = grad._data.dtype
    for c, n in zip(target, operands[i].shape):
        if c in seen:
            f = fresh.pop()
            renamed.append(f)
            terms.append(c + f)
            tensors.append(Tensor._from_array(np.eye(n, dtype=dtype)))
            continue
        seen.add(c)
        renamed.append(c)
        if c not in available:
            terms.append(c)
            tensors.append(Tensor._from_array(np.ones(n, dtype=dtype)))
            available.add(c)
    return Einsum.apply(*tensors, subscripts=tuple(terms), output="".join(renamed))


def _parse_einsum(equation: str, shapes: list) -> tuple[list, str]:
    """Explicit subscripts per operand and for the output, ellipses replaced by letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for c in eq:
        if not (c.isalpha() or c in ",.->"):
            raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index(c)} in the "
                               f"equation string, subscripts must be in [a-zA-Z]")
    spare = [c for c in string.ascii_letters if c not in eq]
    ell_dims = []
    for k, (t, shape) in enumerate(zip(terms, shapes)):
        letters = len(t.replace("...", ""))
        if "..." in t:
            if letters > len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({letters}) is more than the number of dimensions "
                                   f"({len(shape)}) for operand {k}")
            ell_dims.append(len(shape) - letters)
        elif letters != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({letters}) "
                               f"does not match the number of dimensions ({len(shape)}) for "
                               f"operand {k} and no ellipsis was given")
    ell = "".join(spare[:max(ell_dims, default=0)])
    # Ellipsis dims are right-aligned, as in broadcasting.
    terms = [t.replace("...", ell[len(ell) - (len(s) - len(t.replace("...", ""))):])
             for t, s in zip(terms, shapes)]
    if arrow:
        for c in rhs.replace("...", ""):
            if rhs.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the "
                                   f"output")
            if not any(c in t for t in terms):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
        output = rhs.replace("...", ell)
    else:  # implicit output: ellipsis dims, then letters used once, alphabetically
        counts = Counter("".join(terms))
        output = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    return terms, output


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``; operands may also be given as
    one list. Supports ``...``, implicit output, repeated letters (diagonals) and size-1
    broadcasting."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for k, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum(): operand {k} must be a Tensor, not {type(x).__name__}")
        if x._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(f"einsum(): expected all operands to have the same dtype, but "
                               f"operand 0 is {operands[0].dtype.name} and operand {k} is "
                               f"{x.dtype.name}")
    terms, output = _parse_einsum(equation, [tuple(x.shape) for x in operands])
    sizes: dict = {}
    for k, (t, x) in enumerate(zip(terms, operands)):
        for c, n in zip(t, x.shape):
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {seen}")
            sizes[c] = max(seen, n)
    # Size-1 dims broadcast: expand them so every letter has one size (and one gradient rule).
    operands = tuple(x if all(n == sizes[c] for c, n in zip(t, x.shape))
                     else x.expand(tuple(sizes[c] for c in t)) for t, x in zip(terms, operands))
    return Einsum.apply(*operands, subscripts=tuple(terms), output=output)
