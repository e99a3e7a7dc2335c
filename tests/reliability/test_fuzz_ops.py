"""Fuzzing the public tensor ops against NumPy (see tests/reliability/fuzz.py for the contract).

Each op family draws hostile operands: every dtype, empty and zero-size tensors, NaN/±inf,
non-contiguous, flipped and expanded (overlapping) views, wrong ranks and shapes, and
out-of-range or absurd dims and sizes. Valid float input must give NumPy's values; anything
else must give NumPy's values or a documented exception, quickly.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from tests.reliability.fuzz import (
    ALL_DTYPES,
    FLOAT_DTYPES,
    FUZZ,
    HUGE,
    KNOWN_BUGS,
    assert_matches,
    check,
    hostile_ints,
    params,
    reference,
    run,
    shapes,
    tensors,
)

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _relu(x):
    return np.where((x > 0) | np.isnan(x), x, np.zeros_like(x))


UNARY = {
    "abs": np.abs, "neg": np.negative, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "log1p": np.log1p, "expm1": np.expm1,
    "exp2": np.exp2, "log2": np.log2, "log10": np.log10, "rsqrt": lambda x: 1 / np.sqrt(x),
    "reciprocal": lambda x: 1 / x, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "relu": _relu, "ceil": np.ceil, "floor": np.floor,
    "trunc": np.trunc, "round": np.round, "frac": lambda x: x - np.trunc(x),
    "sign": lambda x: np.where(np.isnan(x), 0, np.sign(x)), "square": np.square,
    "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite, "nan_to_num": np.nan_to_num,
    "erf": _erf, "erfc": _erfc, "logical_not": np.logical_not,
}


@pytest.mark.parametrize("name", sorted(UNARY))
@FUZZ
@given(case=tensors(ALL_DTYPES))
def test_unary(name, case):
    """op(x) for every dtype, shape and layout; float input must succeed."""
    ours = run(getattr(minigrad, name), case.tensor)
    a = case.array
    if a.dtype.kind == "f":
        check(ours, reference(UNARY[name], a), f"{name}({case})", must_succeed=True)
    elif not ours.raised:
        # Integer and bool input: PyTorch computes some ops in float, refuses others (frac,
        # neg of bool); whatever minigrad returns must equal the op on the float values.
        assert_matches(ours.value, UNARY[name](a.astype(np.float64)),
                       f"{name}({case})")


INPLACE = ("abs", "neg", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "floor", "reciprocal")


@pytest.mark.parametrize("name", INPLACE)
@FUZZ
@given(case=tensors(ALL_DTYPES, layouts=("contiguous", "transposed", "stepped", "flipped")))
def test_unary_inplace(name, case):
    """x.op_() writes op(x) into x (through any view) and returns x itself."""
    t = case.tensor
    ours = run(getattr(t, name + "_"))
    ref = reference(UNARY[name], case.array)
    if ours.raised:
        # PyTorch refuses float results written into integer tensors; float input must work.
        assert case.array.dtype.kind != "f", f"{name}_({case}): {ours.error!r}"
        return
    assert ours.value is t
    assert_matches(t, ref.value, f"{name}_({case})")


@FUZZ
@given(case=tensors(FLOAT_DTYPES, min_dims=1, layouts=("expanded",)))
def test_inplace_on_overlapping_view_is_refused_or_exact(case):
    """Writing into an expanded view (many elements share one address) either raises
    RuntimeError, as PyTorch, or stays consistent; it never corrupts memory."""
    t = case.tensor
    overlapping = 0 in t._data.strides
    ours = run(t.add_, 1.0)
    if ours.raised:
        assert isinstance(ours.error, RuntimeError), repr(ours.error)
        assert overlapping
    else:
        assert_matches(t, case.array + 1.0 if not overlapping else t._data, "add_")


BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "true_divide": np.true_divide, "maximum": np.maximum, "minimum": np.minimum,
    "fmax": np.fmax, "fmin": np.fmin, "atan2": np.arctan2, "hypot": np.hypot,
    "logaddexp": np.logaddexp, "pow": np.power, "remainder": np.remainder, "fmod": np.fmod,
    "floor_divide": np.floor_divide, "eq": np.equal, "ne": np.not_equal, "lt": np.less,
    "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
    "xlogy": lambda x, y: np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y))),
    "heaviside": np.heaviside,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
}
# Ops whose PyTorch result differs from NumPy's on some valid input (sign conventions of
# floor division and remainder at ±0/inf): checked only for "no crash, documented error".
LOOSE = {"floor_divide", "remainder", "fmod", "xlogy", "heaviside"}


@st.composite
def broadcast_shapes(draw):
    shape = draw(shapes(max_dims=3))
    k = draw(st.integers(0, len(shape)))
    other = tuple(1 if draw(st.booleans()) else n for n in shape[len(shape) - k:])
    return (shape, other) if draw(st.booleans()) else (other, shape)


@pytest.mark.parametrize("name", params("binary", sorted(BINARY)))
@FUZZ
@given(data=st.data())
def test_binary(name, data):
    """op(a, b) with broadcastable or clashing shapes, mixed dtypes, Python scalars, views."""
    fits = data.draw(st.booleans())
    sa, sb = data.draw(broadcast_shapes()) if fits else (data.draw(shapes()), data.draw(shapes()))
    a = data.draw(tensors(ALL_DTYPES, shape=sa))
    if data.draw(st.integers(0, 4)) == 0:
        scalar = data.draw(st.sampled_from([2, -1, 0, 0.5, math.nan, math.inf, True]))
        b_t = b_a = scalar
    else:
        b = data.draw(tensors(ALL_DTYPES, shape=sb))
        b_t, b_a = b.tensor, b.array
    ours = run(getattr(minigrad, name), a.tensor, b_t)
    ref = reference(BINARY[name], a.array, b_a)
    what = f"{name}({a}, {b_a if np.isscalar(b_a) else b})"
    if name in LOOSE:
        if not ours.raised and not ref.raised:
            assert np.shape(ours.value._data) == np.shape(ref.value), what
        return
    floats = a.array.dtype.kind == "f" and getattr(b_a, "dtype", np.dtype("f4")).kind == "f"
    same = not hasattr(b_a, "dtype") or b_a.dtype == a.array.dtype
    valid = fits and floats and same and name not in ("bitwise_and", "bitwise_or", "bitwise_xor")
    check(ours, ref, what, must_succeed=valid)


def _axis(dim, ndim: int):
    """PyTorch's dim argument as a NumPy axis: () and None mean all; dim 0 or -1 is accepted
    by 0-d tensors; out of range raises IndexError."""
    if dim is None or dim == ():
        return None
    dims = dim if isinstance(dim, tuple) else (dim,)
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    for d in dims:
        if not lo <= d <= hi:
            raise IndexError(f"dim {d}")
    if len({d % max(ndim, 1) for d in dims}) != len(dims):
        raise RuntimeError("repeated dim")
    if ndim == 0:
        return None
    return dim


def _reduction(np_fn, empty_ok: bool = True, **fixed):
    def ref(a, dim, keepdim):
        axis = _axis(dim, a.ndim)
        if not empty_ok and a.size == 0:
            if axis is None or 0 in [a.shape[d] for d in np.atleast_1d(axis)]:
                raise IndexError("empty reduction")
        out = np_fn(a, axis=axis, keepdims=keepdim if a.ndim else False, **fixed)
        return out
    return ref


def _logsumexp(a, axis=None, keepdims=False):
    if axis is None:
        out = np.logaddexp.reduce(a.ravel(), axis=0)
        return np.reshape(out, (1,) * a.ndim) if keepdims else out
    axes = (axis,) if np.isscalar(axis) else tuple(axis)
    out = a
    for ax in sorted((x % a.ndim for x in axes), reverse=True):
        out = np.logaddexp.reduce(out, axis=ax, keepdims=True)
    return out if keepdims else np.squeeze(out, axis=tuple(x % a.ndim for x in axes))


REDUCE = {
    "sum": _reduction(np.sum), "mean": _reduction(np.mean), "nansum": _reduction(np.nansum),
    "nanmean": _reduction(np.nanmean), "amax": _reduction(np.amax, empty_ok=False),
    "amin": _reduction(np.amin, empty_ok=False), "std": _reduction(np.std, ddof=1),
    "var": _reduction(np.var, ddof=1), "logsumexp": _reduction(_logsumexp),
    "all": _reduction(np.all), "any": _reduction(np.any),
}
# Reductions PyTorch defines only for some dtypes (mean of an int tensor raises).
FLOAT_ONLY = {"mean", "nanmean", "std", "var", "logsumexp"}
dims = st.one_of(st.none(), st.integers(-5, 4), st.lists(st.integers(-4, 3), max_size=3).map(tuple))


@pytest.mark.parametrize("name", sorted(REDUCE))
@FUZZ
@given(case=tensors(ALL_DTYPES), dim=dims, keepdim=st.booleans())
def test_reduction(name, case, dim, keepdim):
    """op(x, dim, keepdim) with in-range, negative, repeated and out-of-range dims."""
    fn = getattr(minigrad, name)
    if dim is None and name not in ("logsumexp",):
        ours = run(fn, case.tensor)
        ref = reference(REDUCE[name], case.array, None, False)
    else:
        ours = run(fn, case.tensor, dim=dim, keepdim=keepdim)
        ref = reference(REDUCE[name], case.array, dim, keepdim)
    kind = case.array.dtype.kind
    scale = np.abs(case.array.astype(np.float64)) if kind == "f" else None
    tol = {}
    if name in ("sum", "mean", "nansum", "nanmean", "std", "var") and scale is not None:
        # Summation order differs (pairwise vs blocked): allow the rounding of the magnitudes.
        tol = {"atol": 1e-5 * (float(np.nanmax(scale[np.isfinite(scale)], initial=1.0)) ** 2
                               if name in ("std", "var") else
                               float(np.nansum(scale[np.isfinite(scale)])) + 1.0)}
    valid = kind == "f" and not isinstance(dim, tuple) and (
        dim is None or -max(case.array.ndim, 1) <= dim < max(case.array.ndim, 1))
    if name in ("amax", "amin") and case.array.size == 0:
        valid = False
    if name == "logsumexp" and dim is None:
        valid = False  # dim is required in PyTorch
    check(ours, ref, f"{name}({case}, dim={dim}, keepdim={keepdim})",
          must_succeed=valid and (name not in FLOAT_ONLY or kind == "f"), **tol)


def _arg_reduction(np_fn):
    def ref(a, dim, keepdim):
        axis = None if dim is None else _axis(dim, a.ndim)
        if axis is None:
            if a.size == 0:
                raise IndexError("empty")
            flat = np.asarray(np_fn(a.ravel()))
            return flat.reshape((1,) * a.ndim) if keepdim else flat
        if a.shape[axis] == 0:
            raise IndexError("empty reduction dim")
        return np_fn(a, axis=axis, keepdims=keepdim)
    return ref


def _cum(np_fn):
    def ref(a, dim):
        axis = _axis(dim, a.ndim)
        return np_fn(a, axis=axis) if axis is not None else np_fn(a.reshape(1))[0:1].reshape(())
    return ref


def _softmax(log: bool):
    def ref(a, dim):
        axis = _axis(dim, a.ndim)
        x = a.reshape(1) if axis is None else a
        ax = 0 if axis is None else axis
        m = np.max(x, axis=ax, keepdims=True) if x.size else x
        m = np.where(np.isfinite(m), m, 0)
        z = x - m
        lse = np.log(np.sum(np.exp(z), axis=ax, keepdims=True))
        out = z - lse if log else np.exp(z - lse)
        return out.reshape(a.shape)
    return ref


@pytest.mark.parametrize("name,ref", [
    ("argmax", _arg_reduction(np.argmax)), ("argmin", _arg_reduction(np.argmin)),
])
@FUZZ
@given(case=tensors(ALL_DTYPES), dim=st.one_of(st.none(), st.integers(-5, 4)),
       keepdim=st.booleans())
def test_arg_reduction(name, ref, case, dim, keepdim):
    """argmax/argmin: NaN counts as the extreme, empty input raises, ties take the first."""
    ours = run(getattr(minigrad, name), case.tensor, dim=dim, keepdim=keepdim)
    if case.array.dtype == np.bool_:
        return  # PyTorch has no argmax for bool
    expected = reference(ref, case.array, dim, keepdim)
    check(ours, expected, f"{name}({case}, dim={dim}, keepdim={keepdim})")


DIM_OPS = {"cumsum": _cum(np.cumsum), "cumprod": _cum(np.cumprod),
           "softmax": _softmax(False), "log_softmax": _softmax(True)}


@pytest.mark.parametrize("name", params("dim", sorted(DIM_OPS)))
@FUZZ
@given(case=tensors(FLOAT_DTYPES, special=False), dim=st.integers(-5, 4))
def test_dim_ops(name, case, dim):
    """Ops along one required dim: in-range dims succeed, others raise IndexError."""
    ref = DIM_OPS[name]
    ours = run(getattr(minigrad, name), case.tensor, dim)
    expected = reference(ref, case.array, dim)
    valid = -max(case.array.ndim, 1) <= dim < max(case.array.ndim, 1)
    check(ours, expected, f"{name}({case}, {dim})", must_succeed=valid,
          atol=1e-5 * (1 + float(np.abs(case.array).sum())) if "cum" in name else None)
    if not valid:
        assert isinstance(ours.error, IndexError), repr(ours.error)


@FUZZ
@given(case=tensors(FLOAT_DTYPES, min_dims=1, special=True), dim=st.integers(-5, 4))
def test_max_with_dim(case, dim):
    """max(x, dim) -> (values, indices): values as NumPy's (NaN propagates), indices point
    at them; empty dims and out-of-range dims raise."""
    ours = run(minigrad.max, case.tensor, dim)
    ref = reference(lambda a: np.max(a, axis=_axis(dim, a.ndim)), case.array)
    what = f"max({case}, {dim})"
    if ref.raised or ours.raised:
        check(ours, ref, what)
        return
    values, indices = ours.value
    assert_matches(values, ref.value, what)
    taken = np.take_along_axis(case.array, np.expand_dims(indices._data, dim), dim)
    assert_matches(np.squeeze(taken, dim), values._data, what + " indices")


# ---- shape and index ops -----------------------------------------------------------------

def _perm_ref(a, dims):
    if sorted(d % max(a.ndim, 1) for d in dims) != list(range(a.ndim)) or any(
            not -a.ndim <= d < a.ndim for d in dims):
        raise RuntimeError("bad permutation")
    return np.transpose(a, dims)


def _transpose_ref(a, dim0, dim1):
    i, j = _axis(dim0, a.ndim), _axis(dim1, a.ndim)
    return a if a.ndim == 0 else np.swapaxes(a, i, j)


def _squeeze_ref(a, dim):
    if dim is None:
        return np.squeeze(a)
    axis = _axis(dim, a.ndim)
    if axis is None or a.shape[axis] != 1:
        return a
    return np.squeeze(a, axis)


def _unsqueeze_ref(a, dim):
    if not -a.ndim - 1 <= dim <= a.ndim:
        raise IndexError("dim")
    return np.expand_dims(a, dim)


def _flatten_ref(a, start, end):
    if a.ndim == 0:
        if start not in (0, -1) or end not in (0, -1):
            raise IndexError("dim")
        return a.reshape(1)
    s, e = _axis(start, a.ndim) % a.ndim, _axis(end, a.ndim) % a.ndim
    if s > e:
        raise RuntimeError("start after end")
    return a.reshape(a.shape[:s] + (-1,) + a.shape[e + 1:]) if a.size else a.reshape(
        a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])


def _expand_ref(a, sizes):
    lead = len(sizes) - a.ndim
    if lead < 0:
        raise RuntimeError("fewer sizes than dims")
    target = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise RuntimeError("-1 in a new leading dim")
            s = a.shape[i - lead]
        elif s < 0:
            raise RuntimeError("negative size")
        target.append(s)
    return np.broadcast_to(a, tuple(target))


def _reshape_ref(a, shape):
    if sum(1 for s in shape if s == -1) > 1 or any(s < -1 for s in shape):
        raise RuntimeError("bad shape")
    if -1 in shape and 0 in shape:
        raise RuntimeError("ambiguous -1")
    return np.reshape(a, shape)


def _narrow_ref(a, dim, start, length):
    axis = _axis(dim, a.ndim)
    if a.ndim == 0:
        raise RuntimeError("narrow of a 0-d tensor")
    n = a.shape[axis]
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError("range")
    idx = [slice(None)] * a.ndim
    idx[axis] = slice(start, start + length)
    return a[tuple(idx)]


def _select_ref(a, dim, index):
    axis = _axis(dim, a.ndim)
    if a.ndim == 0:
        raise IndexError("select of a 0-d tensor")
    n = a.shape[axis]
    if not -n <= index < n:
        raise IndexError("index")
    return np.take(a, index, axis=axis)


def _tri_ref(np_fn):
    def ref(a, diagonal):
        if a.ndim < 2:
            raise RuntimeError("needs 2 dims")
        return np_fn(a, diagonal)
    return ref


def _diagonal_ref(a, offset, dim1, dim2):
    d1, d2 = _axis(dim1, a.ndim), _axis(dim2, a.ndim)
    if a.ndim < 2 or d1 % a.ndim == d2 % a.ndim:
        raise RuntimeError("dims")
    return np.diagonal(a, offset, d1, d2)


def _roll_ref(a, shifts, dims):
    if dims is None:
        return np.roll(a.ravel(), shifts).reshape(a.shape)
    return np.roll(a, shifts, _axis(dims, a.ndim))


def _tile_ref(a, reps):
    if any(r < 0 for r in reps):
        raise RuntimeError("negative")
    return np.tile(a, reps)


def _movedim_ref(a, src, dst):
    if not -max(a.ndim, 1) <= src < max(a.ndim, 1) or not -max(a.ndim, 1) <= dst < max(
            a.ndim, 1):
        raise IndexError("dim")
    return np.moveaxis(a, src, dst) if a.ndim else a


def _flip_ref(a, dims):
    if not dims:
        return a
    axes = _axis(tuple(dims), a.ndim)
    return np.flip(a, axes) if axes is not None else (a if a.ndim == 0 else np.flip(a))


small = st.integers(-4, 4)
SHAPE_OPS = {
    "reshape": (lambda t, s: minigrad.reshape(t, s), _reshape_ref,
                st.tuples(st.lists(st.integers(-2, 5), max_size=4).map(tuple))),
    "permute": (lambda t, d: minigrad.permute(t, d), _perm_ref,
                st.tuples(st.lists(small, max_size=4).map(tuple))),
    "transpose": (minigrad.transpose, _transpose_ref, st.tuples(small, small)),
    "squeeze": (minigrad.squeeze, _squeeze_ref, st.tuples(st.one_of(st.none(), small))),
    "unsqueeze": (minigrad.unsqueeze, _unsqueeze_ref, st.tuples(st.integers(-6, 5))),
    "flatten": (minigrad.flatten, _flatten_ref, st.tuples(small, small)),
    "expand": (lambda t, s: t.expand(*s), _expand_ref,
               st.tuples(st.lists(st.integers(-2, 4), max_size=5).map(tuple))),
    "narrow": (minigrad.narrow, _narrow_ref, st.tuples(small, small, st.integers(-1, 5))),
    "select": (minigrad.select, _select_ref, st.tuples(small, small)),
    "tril": (minigrad.tril, _tri_ref(np.tril), st.tuples(small)),
    "triu": (minigrad.triu, _tri_ref(np.triu), st.tuples(small)),
    "diagonal": (minigrad.diagonal, _diagonal_ref, st.tuples(small, small, small)),
    "roll": (minigrad.roll, _roll_ref, st.tuples(small, st.one_of(st.none(), small))),
    "tile": (lambda t, r: minigrad.tile(t, r), _tile_ref,
             st.tuples(st.lists(st.integers(-1, 3), max_size=4).map(tuple))),
    "movedim": (minigrad.movedim, _movedim_ref, st.tuples(small, small)),
    "flip": (lambda t, d: minigrad.flip(t, d), _flip_ref,
             st.tuples(st.lists(small, max_size=3).map(tuple))),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
@FUZZ
@given(data=st.data())
def test_shape_op(name, data):
    """View and reshaping ops with random, negative, repeated and out-of-range arguments."""
    fn, ref, args_strategy = SHAPE_OPS[name]
    case = data.draw(tensors(ALL_DTYPES, special=False))
    args = data.draw(args_strategy)
    ours = run(fn, case.tensor, *args)
    expected = reference(ref, case.array, *args)
    check(ours, expected, f"{name}({case}, {args})")


@FUZZ
@given(data=st.data())
def test_cat_and_stack(data):
    """cat/stack of 1-3 tensors with clashing shapes, dtypes and dims."""
    n = data.draw(st.integers(1, 3))
    cases = [data.draw(tensors(ALL_DTYPES, max_dims=3, special=False)) for _ in range(n)]
    dim = data.draw(st.integers(-4, 3))
    for name, np_fn in (("cat", np.concatenate), ("stack", np.stack)):
        ours = run(getattr(minigrad, name), [c.tensor for c in cases], dim)

        def ref(arrays, np_fn=np_fn, name=name):
            if name == "cat":
                arrays = [a for a in arrays if a.shape != (0,)] or arrays[:1]
                if any(a.ndim == 0 for a in arrays):
                    raise RuntimeError("zero-dimensional tensor cannot be concatenated")
                _axis(dim, arrays[0].ndim)
            else:
                if len({a.shape for a in arrays}) != 1:
                    raise RuntimeError("stack expects equal shapes")
                _unsqueeze_ref(arrays[0], dim)
            return np_fn(arrays, axis=dim)
        expected = reference(ref, [c.array for c in cases])
        check(ours, expected, f"{name}({cases}, {dim})")


@st.composite
def indices(draw, ndim: int):
    """A getitem key: ints (possibly out of range), slices (steps 0 and negative included),
    None, Ellipsis, int lists and bool masks, alone or in a tuple."""
    part = st.one_of(
        st.integers(-6, 6), st.builds(slice, st.one_of(st.none(), st.integers(-6, 6)),
                                      st.one_of(st.none(), st.integers(-6, 6)),
                                      st.one_of(st.none(), st.integers(-2, 3))),
        st.none(), st.just(Ellipsis), st.lists(st.integers(-5, 5), min_size=0, max_size=3))
    key = draw(st.lists(part, max_size=max(ndim, 1) + 1).map(tuple))
    return key if len(key) != 1 else key[0]


@FUZZ
@given(data=st.data())
def test_getitem(data):
    """t[key] for random keys: NumPy's result or IndexError/ValueError/TypeError (PyTorch
    refuses negative steps that NumPy allows)."""
    case = data.draw(tensors(ALL_DTYPES, special=False))
    key = data.draw(indices(case.array.ndim))
    ours = run(lambda: case.tensor[key])
    expected = reference(lambda: case.array[key])
    check(ours, expected, f"{case}[{key!r}]")


@FUZZ
@given(data=st.data())
def test_setitem(data):
    """t[key] = value writes exactly what NumPy writes, or raises a documented error."""
    case = data.draw(tensors(FLOAT_DTYPES, special=False, layouts=("contiguous",)))
    key = data.draw(indices(case.array.ndim))
    value = data.draw(st.sampled_from([0.5, math.nan, -math.inf]))
    t, a = case.tensor, case.array.copy()
    ours = run(t.__setitem__, key, value)

    def ref():
        a[key] = value
    expected = reference(ref)
    if not ours.raised and not expected.raised:
        assert_matches(t, a, f"{case}[{key!r}] = {value}")
    elif expected.raised:
        assert ours.raised, f"{case}[{key!r}] = {value}: NumPy raised {expected.error!r}"


@FUZZ
@given(data=st.data())
def test_index_ops(data):
    """gather / index_select / take / masked_fill / where with out-of-range indices,
    wrong index dtypes and mismatched shapes."""
    case = data.draw(tensors(FLOAT_DTYPES, min_dims=1, max_dims=3, special=False))
    a, t = case.array, case.tensor
    dim = data.draw(st.integers(-3, 2))
    idx = np.asarray(data.draw(st.lists(st.integers(-6, 6), max_size=4)), dtype=np.int64)
    idx_t = minigrad.tensor(idx)

    def select_ref():
        axis = _axis(dim, a.ndim)
        n = a.shape[axis]
        if np.any((idx < -n) | (idx >= n)):
            raise IndexError("index out of range")
        return np.take(a, idx, axis=axis)
    check(run(minigrad.index_select, t, dim, idx_t), reference(select_ref),
          f"index_select({case}, {dim}, {idx})")
    check(run(minigrad.take, t, idx_t), reference(
        lambda: np.take(a.ravel(), idx) if np.all((idx >= -a.size) & (idx < a.size))
        else (_ for _ in ()).throw(IndexError("out of range"))), f"take({case}, {idx})")

    gidx = np.asarray(data.draw(st.lists(st.integers(-1, 4), min_size=a.ndim,
                                         max_size=a.ndim)), dtype=np.int64)
    gshape = tuple(int(min(max(g, 0), 3)) for g in gidx)
    rng = np.random.default_rng(0)
    gather_index = rng.integers(-1, 5, size=gshape).astype(np.int64)

    def gather_ref():
        axis = _axis(dim, a.ndim)
        if gather_index.ndim != a.ndim or any(
                gather_index.shape[d] > a.shape[d] for d in range(a.ndim) if d != axis % a.ndim):
            raise RuntimeError("index shape")
        if np.any((gather_index < 0) | (gather_index >= a.shape[axis])):
            raise RuntimeError("index out of bounds")
        sub = a[tuple(slice(0, gather_index.shape[d]) if d != axis % a.ndim else slice(None)
                      for d in range(a.ndim))]
        return np.take_along_axis(sub, gather_index, axis)
    check(run(minigrad.gather, t, dim, minigrad.tensor(gather_index)), reference(gather_ref),
          f"gather({case}, {dim}, {gather_index.shape})")

    mshape = data.draw(shapes(max_dims=3))
    mask = rng.random(mshape) < 0.5

    def masked_ref():  # the out-of-place op broadcasts the input too, as PyTorch
        return np.where(mask, -7.0, a).astype(a.dtype)
    check(run(minigrad.masked_fill, t, minigrad.tensor(mask), -7.0), reference(masked_ref),
          f"masked_fill({case}, mask{mask.shape})")
    check(run(minigrad.where, minigrad.tensor(mask), t, 0.0),
          reference(lambda: np.where(mask, a, np.zeros((), a.dtype))),
          f"where(mask{mask.shape}, {case}, 0.0)")


@pytest.mark.parametrize("name", ["sort", "topk", "argsort"])
@FUZZ
@given(case=tensors(FLOAT_DTYPES, min_dims=1, max_dims=3), dim=st.integers(-4, 3),
       k=st.integers(-1, 5))
def test_sorting(name, case, dim, k):
    """Sorted values as NumPy (NaN sorts last); indices point at those values."""
    a, t = case.array, case.tensor
    if name == "sort":
        ours = run(minigrad.sort, t, dim)
        ref = reference(lambda: np.sort(a, axis=_axis(dim, a.ndim)))
    elif name == "argsort":
        ours = run(minigrad.argsort, t, dim)
        ref = reference(lambda: np.argsort(a, axis=_axis(dim, a.ndim)))
    else:
        ours = run(minigrad.topk, t, k, dim)

        def topk_ref():
            axis = _axis(dim, a.ndim)
            if not 0 <= k <= a.shape[axis]:
                raise RuntimeError("k out of range")
            # NumPy sorts NaN last; PyTorch's topk counts NaN as the largest value.
            descending = np.flip(np.sort(a, axis=axis), axis)
            return np.take(descending, np.arange(k), axis=axis)
        ref = reference(topk_ref)
    if ref.raised or ours.raised:
        check(ours, ref, f"{name}({case}, dim={dim}, k={k})")
        return
    if name == "argsort":
        taken = np.take_along_axis(a, ours.value._data, _axis(dim, a.ndim))
        assert_matches(taken, np.sort(a, axis=_axis(dim, a.ndim)), f"argsort({case})")
        return
    values, idx = ours.value
    axis = _axis(dim, a.ndim)
    taken = np.take_along_axis(a, idx._data, axis)
    assert_matches(taken, values._data, f"{name} indices")
    if name == "sort":
        assert_matches(values, ref.value, f"sort({case}, {dim})")
    else:
        assert_matches(values, ref.value, f"topk({case}, {k}, {dim})")


# ---- linear algebra -------------------------------------------------------------------------

def _mm_ref(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError("mm needs matrices")
    return a @ b


def _bmm_ref(a, b):
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError("bmm needs equal batches of matrices")
    return a @ b


def _mv_ref(a, b):
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError("mv")
    return a @ b


def _dot_ref(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError("dot needs 1-D")
    return np.dot(a, b)


def _outer_ref(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError("outer needs 1-D")
    return np.outer(a, b)


LINALG = {"matmul": np.matmul, "mm": _mm_ref, "bmm": _bmm_ref, "mv": _mv_ref, "dot": _dot_ref,
          "outer": _outer_ref}


@pytest.mark.parametrize("name", sorted(LINALG))
@FUZZ
@given(data=st.data())
def test_linalg(name, data):
    """Products with compatible or clashing shapes (zero-size K included), ranks 0-4,
    mixed float dtypes, NaN/inf and strided operands."""
    a = data.draw(tensors(FLOAT_DTYPES, min_dims=0, max_dims=4, max_side=3))
    if data.draw(st.booleans()) and a.array.ndim:
        k = a.array.shape[-1]
        shape = data.draw(shapes(max_dims=3, max_side=3))
        b_shape = (k,) + shape[-1:] if len(shape) < 2 else shape[:-2] + (k, shape[-1])
    else:
        b_shape = data.draw(shapes(max_dims=4, max_side=3))
    b = data.draw(tensors(FLOAT_DTYPES, shape=b_shape))
    ours = run(getattr(minigrad, name), a.tensor, b.tensor)
    ref = reference(LINALG[name], a.array, b.array)
    if not ref.raised and a.array.dtype != b.array.dtype and name != "outer":
        # PyTorch does not promote across float dtypes in products.
        assert ours.raised and isinstance(ours.error, RuntimeError), f"{name}: {ours}"
        return
    scale = None
    if not ref.raised and not ours.raised:
        with np.errstate(all="ignore"):
            scale = float(np.nan_to_num(np.abs(LINALG[name](
                np.abs(a.array.astype(np.float64)), np.abs(b.array.astype(np.float64)))),
                posinf=0).max(initial=0))
    check(ours, ref, f"{name}({a}, {b})",
          atol=None if scale is None else 1e-5 * scale + 1e-6)


# ---- factories: hostile sizes must fail fast, not allocate terabytes ---------------------

FACTORIES = {
    "zeros": lambda n: minigrad.zeros(*n), "ones": lambda n: minigrad.ones(n),
    "empty": lambda n: minigrad.empty(n), "full": lambda n: minigrad.full(n, 1.5),
    "rand": lambda n: minigrad.rand(*n), "randn": lambda n: minigrad.randn(n),
    "randint": lambda n: minigrad.randint(0, 3, n), "eye": lambda n: minigrad.eye(*n[:2]),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
@FUZZ
@given(sizes=st.lists(hostile_ints(), min_size=1, max_size=3).map(tuple))
def test_factory_sizes(name, sizes):
    """Negative sizes raise RuntimeError; sizes whose product cannot be allocated raise
    RuntimeError or MemoryError within a fraction of a second."""
    start = time.perf_counter()
    ours = run(FACTORIES[name], sizes)
    elapsed = time.perf_counter() - start
    if name == "eye":
        sizes = sizes[:2]
    negative = any(s < 0 for s in sizes)
    nbytes = math.prod(max(s, 0) for s in sizes) * 8
    extent = math.prod(max(s, 1) for s in sizes) * 8
    if negative:
        assert ours.raised and isinstance(ours.error, RuntimeError), f"{name}{sizes}: {ours}"
    elif nbytes == 0 and extent > 2 ** 40:
        # Empty, but with a dimension NumPy cannot index (PyTorch keeps such shapes; a
        # NumPy-backed storage cannot): refusing is fine, as long as it is documented.
        if ours.raised:
            assert isinstance(ours.error, (RuntimeError, MemoryError)), f"{name}{sizes}: {ours}"
    elif nbytes > 2 ** 40:
        assert ours.raised and isinstance(ours.error, (RuntimeError, MemoryError)), (
            f"{name}{sizes}: {ours}")
        assert elapsed < 1.0, f"{name}{sizes} took {elapsed:.2f} s to fail"
    else:
        assert not ours.raised, f"{name}{sizes}: {ours.error!r}"
        expected = sizes if name != "eye" else (sizes[0], sizes[1] if len(sizes) > 1 else sizes[0])
        assert tuple(ours.value.shape) == tuple(expected)


@pytest.mark.parametrize("size", HUGE)
def test_huge_sizes_fail_fast(size):
    """The headline case: zeros(2**62) and friends raise at once."""
    for make in (minigrad.zeros, minigrad.ones, minigrad.empty, minigrad.randn):
        start = time.perf_counter()
        with pytest.raises((RuntimeError, MemoryError)):
            make(size, 8)
        assert time.perf_counter() - start < 1.0


@FUZZ
@given(start=st.sampled_from([0, -3, 2.5, math.nan, math.inf, 1e18]),
       end=st.sampled_from([0, 5, -2.5, math.inf, 1e19, math.nan]),
       step=st.sampled_from([1, -1, 0, 0.5, -0.25, math.nan, 1e-12]))
def test_arange(start, end, step):
    """arange with zero/NaN/inf steps and bounds, wrong-signed steps and ranges too large to
    hold: NumPy's values or RuntimeError/MemoryError."""
    ours = run(minigrad.arange, start, end, step)

    def ref():
        if step == 0 or not all(math.isfinite(v) for v in (start, end, step)):
            raise RuntimeError("bad range")
        if (end - start) * step < 0:
            raise RuntimeError("wrong-signed step")
        if math.ceil((end - start) / step) > 2 ** 36:
            raise MemoryError("too large")
        return np.arange(start, end, step)
    check(ours, reference(ref), f"arange({start}, {end}, {step})", rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("steps", [0, 1, 2, 7, -1, -5])
def test_linspace_steps(steps):
    """linspace(0, 1, steps): NumPy's points; negative steps raise RuntimeError."""
    ours = run(minigrad.linspace, 0.0, 1.0, steps)
    if steps < 0:
        assert isinstance(ours.error, RuntimeError), ours
    else:
        assert_matches(ours.value, np.linspace(0.0, 1.0, steps), f"linspace(0, 1, {steps})")


@FUZZ
@given(value=st.one_of(st.sampled_from([None, "x", object(), {1: 2}, [1, [2, 3]], [[1], [2, 3]],
                                         b"ab", 2 ** 70, -2 ** 70, complex(1, 2)]),
                       st.lists(st.sampled_from([1, 2.5, True, None]), max_size=3)))
def test_tensor_constructor_hostile(value):
    """minigrad.tensor of data PyTorch cannot hold raises TypeError/ValueError/RuntimeError."""
    ours = run(minigrad.tensor, value)
    if not ours.raised:
        arr = ours.value._data
        assert arr.dtype.kind in "biuf", f"tensor({value!r}) gave dtype {arr.dtype}"


# ---- the remaining ops: splitting, scattering, searching, products ----------------------------

def _split_ref(a, size, dim):
    axis = _axis(dim, a.ndim)
    if a.ndim == 0 or size < 0 or (size == 0 and a.shape[axis] != 0):
        raise RuntimeError("split_size can only be 0 if dimension size is 0")
    n = a.shape[axis]
    return tuple(np.take(a, np.arange(i, min(i + size, n)), axis=axis)
                 for i in range(0, max(n, 1), size)) if n else (a,)


def _chunk_ref(a, chunks, dim):
    if chunks <= 0 or a.ndim == 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0")
    n = a.shape[_axis(dim, a.ndim)]
    return _split_ref(a, max(-(-n // chunks), 1), dim)


def _unbind_ref(a, dim):
    axis = _axis(dim, a.ndim)
    if a.ndim == 0:
        raise IndexError("unbind of a 0-d tensor")
    return tuple(np.take(a, i, axis=axis) for i in range(a.shape[axis]))


def _clamp_ref(a, lo, hi):
    if lo is None and hi is None:
        raise RuntimeError("At least one of 'min' or 'max' must not be None")
    out = a
    if lo is not None:
        out = np.where(np.isnan(out), out, np.maximum(out, lo))
    if hi is not None:
        out = np.where(np.isnan(out), out, np.minimum(out, hi))
    return out.astype(a.dtype)


def _diag_ref(a, k):
    if a.ndim not in (1, 2):
        raise RuntimeError("diag expects a 1-D or 2-D tensor")
    return np.diag(a, k)


def _trace_ref(a):
    if a.ndim != 2:
        raise RuntimeError("trace expects a matrix")
    return np.trace(a)


def _median_ref(a):
    if a.size == 0:
        return np.array(np.nan, a.dtype)
    flat = np.sort(a.ravel())
    return flat[-1] if np.isnan(flat[-1]) else flat[(a.size - 1) // 2]


MORE_OPS = {
    "split": (minigrad.split, _split_ref, st.tuples(st.integers(-1, 3), small)),
    "chunk": (minigrad.chunk, _chunk_ref, st.tuples(st.integers(-1, 4), small)),
    "unbind": (minigrad.unbind, _unbind_ref, st.tuples(small)),
    "clamp": (minigrad.clamp, _clamp_ref, st.tuples(st.sampled_from([None, -1.0, 0.0, 2.0]),
                                                    st.sampled_from([None, 1.0, -2.0]))),
    "diag": (minigrad.diag, _diag_ref, st.tuples(small)),
    "trace": (minigrad.trace, _trace_ref, st.tuples()),
    "prod": (minigrad.prod, lambda a: np.prod(a), st.tuples()),
    "median": (minigrad.median, _median_ref, st.tuples()),
    "count_nonzero": (minigrad.count_nonzero, lambda a: np.count_nonzero(a), st.tuples()),
    "nonzero": (minigrad.nonzero, lambda a: np.argwhere(a) if a.ndim else
                np.zeros((int(a != 0), 0), np.int64), st.tuples()),
    # In the input's dtype: float32 squares of 1e30 overflow to inf, in PyTorch too.
    "norm": (minigrad.norm, lambda a: np.sqrt(np.sum(np.square(a))), st.tuples()),
    "kron": (lambda t: minigrad.kron(t, t), lambda a: np.kron(a, a), st.tuples()),
}
# Reductions through a sum of squares/products differ from NumPy by rounding only.
MORE_TOL = {"norm": {"rtol": 1e-4}, "prod": {"rtol": 1e-4}}


@pytest.mark.parametrize("name", sorted(MORE_OPS))
@FUZZ
@given(data=st.data())
def test_more_ops(name, data):
    fn, ref, args_strategy = MORE_OPS[name]
    case = data.draw(tensors(FLOAT_DTYPES, max_dims=3, special=name not in ("kron",)))
    args = data.draw(args_strategy)
    check(run(fn, case.tensor, *args), reference(ref, case.array, *args),
          f"{name}({case}, {args})", **MORE_TOL.get(name, {}))


@FUZZ
@given(data=st.data())
def test_scatter_family(data):
    """scatter_add / index_add / masked_select / take_along_dim / searchsorted with indices
    out of range, mismatched shapes and wrong index dtypes."""
    case = data.draw(tensors(FLOAT_DTYPES, min_dims=1, max_dims=3, special=False))
    a, t = case.array, case.tensor
    dim = data.draw(st.integers(-3, 2))
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    index = rng.integers(-1, 5, size=a.shape).astype(np.int64)
    src = rng.standard_normal(a.shape).astype(a.dtype)

    def scatter_add_ref():
        axis = _axis(dim, a.ndim)
        if np.any((index < 0) | (index >= a.shape[axis])):
            raise RuntimeError("index out of bounds")
        out = a.copy()
        pos = list(np.indices(index.shape))
        pos[axis] = index
        np.add.at(out, tuple(pos), src)
        return out
    check(run(minigrad.scatter_add, t, dim, minigrad.tensor(index), minigrad.tensor(src)),
          reference(scatter_add_ref), f"scatter_add({case}, {dim})", rtol=1e-5, atol=1e-5)

    idx1 = rng.integers(-1, 4, size=data.draw(st.integers(0, 3))).astype(np.int64)

    valid_dim = -a.ndim <= dim < a.ndim
    source_shape = list(a.shape)
    if valid_dim:  # else any source: the call must raise anyway
        source_shape[dim] = len(idx1)
    source = rng.standard_normal(source_shape).astype(a.dtype)

    def index_add_ref():
        axis = _axis(dim, a.ndim)
        if np.any((idx1 < 0) | (idx1 >= a.shape[axis])):
            raise IndexError("index out of range")
        out = a.copy()
        for j, i in enumerate(idx1):
            sl = [slice(None)] * a.ndim
            sl[axis] = i
            out[tuple(sl)] += np.take(source, j, axis=axis)
        return out
    check(run(minigrad.index_add, t, dim, minigrad.tensor(idx1), minigrad.tensor(source)),
          reference(index_add_ref), f"index_add({case}, {dim}, {idx1})", rtol=1e-5, atol=1e-5)

    mask = rng.random(data.draw(shapes(max_dims=3))) < 0.5
    check(run(minigrad.masked_select, t, minigrad.tensor(mask)),
          reference(lambda: np.broadcast_to(a, np.broadcast_shapes(a.shape, mask.shape))[
              np.broadcast_to(mask, np.broadcast_shapes(a.shape, mask.shape))]),
          f"masked_select({case}, mask{mask.shape})")

    boundaries = np.sort(rng.standard_normal(data.draw(st.integers(0, 5)))).astype(a.dtype)
    check(run(minigrad.bucketize, t, minigrad.tensor(boundaries)),
          reference(lambda: np.searchsorted(boundaries, a, side="left")),
          f"bucketize({case}, {boundaries})")
