"""Reductions: sums and products, statistics, norms, extrema, sorting, scans, softmax family.

``dim`` may be an int, a tuple or None (all dims); ``axis=`` is accepted as an alias. Backward
passes expand the incoming gradient back over the reduced dims (``_expand_back``) and are built
from differentiable ops, so double backward works.

float32 sums accumulate in float64 whenever NumPy would otherwise add sequentially (reductions
over axes that are not the innermost contiguous ones), so a float32 sum of 10^7 elements stays
within ~1e-7 relative of the exact result whatever the layout (NumPy's pairwise summation covers
the contiguous case).
"""
from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple

import numpy as np

from minigrad import dtypes as _dtype
from minigrad.autograd import grad_mode
from minigrad.autograd.function import Function
from minigrad.ops import elementwise as _ew
from minigrad.ops._util import dim_alias, normalize_dim, normalize_dims, promote
from minigrad.ops.elementwise import scalar_type_name
from minigrad.tensor import Tensor
from minigrad._errstate import ignore_fp_errors

__all__ = [
    "all", "amax", "amin", "aminmax", "any", "argmax", "argmin", "argsort", "count_nonzero",
    "cumprod", "cumsum", "equal", "log_softmax", "logsumexp", "max", "mean", "median", "min",
    "nanmean", "nansum", "norm", "prod", "softmax", "sort", "std", "std_mean", "sum", "topk",
    "var", "var_mean",
]

return_types_max = namedtuple("max", ["values", "indices"])
return_types_min = namedtuple("min", ["values", "indices"])
return_types_aminmax = namedtuple("aminmax", ["min", "max"])
return_types_median = namedtuple("median", ["values", "indices"])
return_types_sort = namedtuple("sort", ["values", "indices"])
return_types_topk = namedtuple("topk", ["values", "indices"])

# Below this many summands per output, sequential float32 error (<= n * 6e-8) is negligible.
_SEQUENTIAL_SUM_LIMIT = 512


def _keepdim_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _expand_back(grad: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """A reduced gradient reshaped to keep its dims and broadcast to the input ``shape``."""
    if not keepdim:
        grad = grad.reshape(_keepdim_shape(shape, dims))
    return grad.expand(shape)


def _float_only(input: Tensor, name: str) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): expected input to have floating point dtype but got "
                           f"{scalar_type_name(input._data.dtype)}")


def accurate_sum(a: np.ndarray, axis, keepdims: bool = False) -> np.ndarray:
    """``np.sum`` of a float array, accumulating in float64 when the reduced axes are not the
    innermost contiguous ones (where NumPy's pairwise summation does not apply)."""
    if a.dtype.itemsize >= 8 or a.dtype.kind != "f":
        return np.sum(a, axis=axis, keepdims=keepdims)
    if axis is None:
        dims = tuple(range(a.ndim))
    else:
        dims = tuple(sorted(int(d) % a.ndim for d in np.atleast_1d(axis))) if a.ndim else ()
    count = math.prod(a.shape[d] for d in dims)
    trailing = a.flags.c_contiguous and dims == tuple(range(a.ndim - len(dims), a.ndim))
    if count <= _SEQUENTIAL_SUM_LIMIT or (trailing and a.dtype == np.float32):
        return np.sum(a, axis=axis, keepdims=keepdims)
    return np.sum(a, axis=axis, keepdims=keepdims, dtype=np.float64).astype(a.dtype)


# -- sum, mean, prod ---------------------------------------------------------------------------
class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return accurate_sum(x._data, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)


def _sum_dtype(x: Tensor, dtype) -> np.dtype | None:
    if dtype is not None:
        return _dtype.to_numpy(dtype)
    return np.dtype(np.int64) if x._data.dtype.kind in "iub" else None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """Sum over ``dim`` (all dims by default); integer and bool inputs sum to int64."""
    dims = normalize_dims(dim_alias(dim, axis), input.ndim)
    np_dtype = _sum_dtype(input, dtype)
    if input._data.dtype.kind != "f" and (np_dtype is None or np_dtype.kind != "f"):
        return Tensor._from_array(np.sum(input._data, axis=dims, keepdims=keepdim, dtype=np_dtype))
    if np_dtype is not None and np_dtype != input._data.dtype:
        input = input.to(_dtype.from_numpy(np_dtype))
    return Sum.apply(input, dims, keepdim)


def _count(shape: tuple, dims: tuple) -> int:
    return math.prod(shape[d] for d in dims)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """Arithmetic mean over ``dim``; integer inputs raise as in PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {scalar_type_name(input._data.dtype)}"
        )
    dims = normalize_dims(dim_alias(dim, axis), input.ndim)
    count = _count(input.shape, dims)
    with ignore_fp_errors():
        return sum(input, dims, keepdim) / (count if count else float("nan"))


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """``sum`` treating nan as zero (nan entries get a zero gradient)."""
    if input._data.dtype.kind == "f":
        input = _ew.where(_ew.isnan(input), 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype, axis=axis)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None,
            axis=None) -> Tensor:
    """``mean`` over the non-nan entries (nan where all are nan)."""
    if dtype is not None:
        input = input.to(dtype)
    _float_only(input, "nanmean")
    dims = normalize_dims(dim_alias(dim, axis), input.ndim)
    count = np.sum(~np.isnan(input._data), axis=dims, keepdims=keepdim)
    with ignore_fp_errors():
        return nansum(input, dims, keepdim) / Tensor._from_array(count.astype(input._data.dtype))


class Prod(Function):
    """The product along one dim (``prod()`` of everything runs on the flattened tensor)."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        out = Tensor._from_array(np.prod(x._data, axis=dim, keepdims=keepdim))
        ctx.dim, ctx.keepdim = dim, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        d = ctx.dim
        if x.shape[d] == 0:
            return _expand_back(grad, x.shape, (d,), ctx.keepdim)
        if not grad_mode.is_grad_enabled():
            # First-order only: the exact product of the other elements, zeros included, O(n).
            others = Tensor._from_array(_exclusive_products(x._data, d))
        elif not np.any(x._data == 0):
            others = _expand_back(out, x.shape, (d,), ctx.keepdim) / x
        else:
            # Differentiable and exact with zeros: row i of ``stack`` is x with x_i set to 1.
            n = x.shape[d]
            eye = np.eye(n, dtype=bool).reshape((n, n) + (1,) * (x.ndim - d - 1))
            stack = _ew.where(Tensor._from_array(eye), 1.0, x.unsqueeze(d))
            others = prod(stack, d + 1)
        return _expand_back(grad, x.shape, (d,), ctx.keepdim) * others


def _exclusive_products(a: np.ndarray, axis: int) -> np.ndarray:
    """``out[i] = prod(a[j] for j != i)`` along ``axis``, without dividing (exact with zeros)."""
    ones = np.ones_like(np.take(a, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, np.take(a, range(a.shape[axis] - 1), axis=axis)],
                                     axis=axis), axis=axis)
    flipped = np.flip(a, axis)
    right = np.cumprod(np.concatenate(
        [ones, np.take(flipped, range(a.shape[axis] - 1), axis=axis)], axis=axis), axis=axis)
    return left * np.flip(right, axis)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """Product of all elements, or along one ``dim``; integer and bool inputs give int64. The
    gradient is exact when the input contains zeros."""
    if dtype is not None:
        input = input.to(dtype)
    dim = dim_alias(dim, axis)
    if input._data.dtype.kind != "f":
        d = None if dim is None or input.ndim == 0 else normalize_dim(dim, input.ndim)
        return Tensor._from_array(np.prod(input._data, axis=d, keepdims=keepdim and d is not None,
                                          dtype=np.int64))
    if dim is None:
        return Prod.apply(input.reshape(-1), 0, False)
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return input.reshape(())
    return Prod.apply(input, normalize_dim(dim, input.ndim), keepdim)


# -- extrema -----------------------------------------------------------------------------------
class _ReduceByIndex(Function):
    """max/min along one dim: the gradient goes to the selected index only."""

    @staticmethod
    def forward(ctx, x, dim, keepdim, select):
        indices = (np.argmax if select is np.max else np.argmin)(x._data, axis=dim)
        indices = np.expand_dims(indices, dim)
        values = np.take_along_axis(x._data, indices, axis=dim)
        ctx.shape, ctx.dim, ctx.keepdim, ctx.indices = x.shape, dim, keepdim, indices
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return values, indices.astype(np.int64)

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        positions = np.arange(ctx.shape[ctx.dim]).reshape(
            [-1 if i == ctx.dim else 1 for i in range(len(ctx.shape))])
        onehot = Tensor._from_array((positions == ctx.indices).astype(grad._data.dtype))
        return _expand_back(grad, ctx.shape, (ctx.dim,), ctx.keepdim) * onehot


class _ReduceEvenly(Function):
    """amax/amin (and max()/min()/median() of everything): ties share the gradient evenly.
    With ``nan_selects`` (the full reductions) a nan result sends the gradient to the nan
    entries; otherwise (amax/amin) it gives a nan gradient, as PyTorch does in each case."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, select, nan_selects=False):
        out = select(x._data, axis=dims, keepdims=True)
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim, ctx.out, ctx.nan_selects = dims, keepdim, out, nan_selects
        return out if keepdim else out.reshape([n for i, n in enumerate(out.shape)
                                                if i not in dims])

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        hits = x._data == ctx.out
        if ctx.nan_selects:
            hits |= np.isnan(x._data) & np.isnan(ctx.out)
        mask = hits.astype(grad._data.dtype)
        with ignore_fp_errors():
            mask /= mask.sum(axis=ctx.dims, keepdims=True)
        return _expand_back(grad, x.shape, ctx.dims, ctx.keepdim) * Tensor._from_array(mask)


def _check_nonempty(input: Tensor, dims: tuple | None, name: str) -> None:
    """Reductions without an identity reject empty inputs with PyTorch's errors: ``dims`` None
    is the reduction of everything, else each reduced dim must be non-empty."""
    if dims is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _max_min(input, dim, keepdim, axis, select, name, result_type):
    if isinstance(dim, Tensor):  # max(input, other) is the elementwise maximum
        return (_ew.maximum if select is np.max else _ew.minimum)(input, dim)
    dim = dim_alias(dim, axis)
    if dim is None:
        _check_nonempty(input, None, name)
        if input._data.dtype.kind != "f":
            return Tensor._from_array(select(input._data))
        return _ReduceEvenly.apply(input, tuple(range(input.ndim)), False, select, True)
    d = normalize_dim(dim, input.ndim)
    _check_nonempty(input, (d,) if input.ndim else (), name)
    if input.ndim == 0:
        return result_type(input, Tensor._from_array(np.array(0)))
    if input._data.dtype.kind != "f":
        values, indices = _ReduceByIndex.forward(_Bare(), input, d, keepdim, select)
        return result_type(Tensor._from_array(values), Tensor._from_array(indices))
    values, indices = _ReduceByIndex.apply(input, d, keepdim, select)
    return result_type(values, indices)


class _Bare:
    """A ctx for calling a Function's forward outside autograd (non-float inputs)."""


def max(input: Tensor, dim=None, keepdim: bool = False, *, axis=None):
    """The maximum of all elements, or ``(values, indices)`` along ``dim``."""
    return _max_min(input, dim, keepdim, axis, np.max, "max", return_types_max)


def min(input: Tensor, dim=None, keepdim: bool = False, *, axis=None):
    """The minimum of all elements, or ``(values, indices)`` along ``dim``."""
    return _max_min(input, dim, keepdim, axis, np.min, "min", return_types_min)


def _amax_amin(input, dim, keepdim, select, name):
    everything = dim is None or dim == () or dim == []
    dims = normalize_dims(() if dim is None else dim, input.ndim)
    _check_nonempty(input, None if everything else dims, name)
    if input._data.dtype.kind != "f":
        return Tensor._from_array(select(input._data, axis=dims, keepdims=keepdim))
    return _ReduceEvenly.apply(input, dims, keepdim, select)


def amax(input: Tensor, dim=(), keepdim: bool = False, *, axis=None) -> Tensor:
    """Maximum over ``dim`` (several dims allowed); ties share the gradient evenly."""
    return _amax_amin(input, dim_alias(None if dim == () else dim, axis), keepdim, np.max, "amax")


def amin(input: Tensor, dim=(), keepdim: bool = False, *, axis=None) -> Tensor:
    """Minimum over ``dim`` (several dims allowed); ties share the gradient evenly."""
    return _amax_amin(input, dim_alias(None if dim == () else dim, axis), keepdim, np.min, "amin")


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over ``dim`` (all elements by default)."""
    dims = () if dim is None else normalize_dim(dim, input.ndim)
    return return_types_aminmax(_amax_amin(input, dims, keepdim, np.min, "aminmax"),
                                _amax_amin(input, dims, keepdim, np.max, "aminmax"))


def _arg(input, dim, keepdim, axis, np_fn, name):
    dim = dim_alias(dim, axis)
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        result = np_fn(input._data.reshape(-1))
        return Tensor._from_array(np.array(result, dtype=np.int64).reshape(
            (1,) * input.ndim if keepdim else ()))
    d = normalize_dim(dim, input.ndim)
    _check_nonempty(input, (d,) if input.ndim else (), name)
    if input.ndim == 0:
        return Tensor._from_array(np.array(0, dtype=np.int64))
    return Tensor._from_array(np_fn(input._data, axis=d, keepdims=keepdim).astype(np.int64))


def argmax(input: Tensor, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    """Index of the maximum (of the flattened tensor when ``dim`` is None)."""
    return _arg(input, dim, keepdim, axis, np.argmax, "argmax")


def argmin(input: Tensor, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    return _arg(input, dim, keepdim, axis, np.argmin, "argmin")


# -- variance and standard deviation -----------------------------------------------------------
def _correction(unbiased, correction) -> float:
    if unbiased is not None and correction is not None:
        raise RuntimeError("Cannot specify both unbiased and correction")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _moments(x: np.ndarray, dims: tuple, correction: float,
             name: str) -> tuple[np.ndarray, float]:
    """(variance with keepdims, divisor); float32 is computed in float64, then rounded."""
    divisor = builtins.max(_count(x.shape, dims) - correction, 0)
    if divisor == 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=5)
    x64 = x.astype(np.float64, copy=False)
    centered = x64 - np.mean(x64, axis=dims, keepdims=True)
    with ignore_fp_errors():
        variance = np.sum(centered * centered, axis=dims, keepdims=True) / divisor
    return variance.astype(x.dtype), divisor


class Var(Function):
    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        variance, ctx.divisor = _moments(x._data, dims, correction, "var")
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(x)
        return variance if keepdim else np.squeeze(variance, dims)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        centered = x - mean(x, ctx.dims, keepdim=True)
        scale = 2.0 / ctx.divisor if ctx.divisor else math.inf
        return _expand_back(grad, x.shape, ctx.dims, ctx.keepdim) * centered * scale


class Std(Function):
    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        variance, ctx.divisor = _moments(x._data, dims, correction, "std")
        out = Tensor._from_array(np.sqrt(variance if keepdim else np.squeeze(variance, dims)))
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        centered = x - mean(x, ctx.dims, keepdim=True)
        std = _expand_back(out, x.shape, ctx.dims, ctx.keepdim)
        # d std = d var / (2 std), taken as 0 where std == 0 (constant slices), as PyTorch.
        std = _ew.where(std == 0, 1.0, std)
        return _expand_back(grad, x.shape, ctx.dims, ctx.keepdim) * centered / (std * ctx.divisor)


def _var_args(input, dim, unbiased, correction, axis, name):
    if isinstance(dim, bool):  # the legacy form var(input, unbiased)
        dim, unbiased = None, dim
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): std and var only support floating point and complex "
                           f"dtypes, got {scalar_type_name(input._data.dtype)}")
    return normalize_dims(dim_alias(dim, axis), input.ndim), _correction(unbiased, correction)


def var(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis=None) -> Tensor:
    """Variance over ``dim``, divided by ``N - correction`` (default correction 1, Bessel's;
    ``unbiased=False`` means correction 0)."""
    dims, c = _var_args(input, dim, unbiased, correction, axis, "var")
    return Var.apply(input, dims, c, keepdim)


def std(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis=None) -> Tensor:
    """Standard deviation over ``dim`` (``sqrt(var(...))``, same arguments as ``var``)."""
    dims, c = _var_args(input, dim, unbiased, correction, axis, "std")
    return Std.apply(input, dims, c, keepdim)


def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None, axis=None) -> tuple[Tensor, Tensor]:
    """``(var(...), mean(...))`` over the same dims."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    dim = dim_alias(dim, axis)
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, normalize_dims(dim, input.ndim), keepdim))


def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None, axis=None) -> tuple[Tensor, Tensor]:
    """``(std(...), mean(...))`` over the same dims."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    dim = dim_alias(dim, axis)
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, normalize_dims(dim, input.ndim), keepdim))


# -- logsumexp and norms -----------------------------------------------------------------------
class LogSumExp(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        a = x._data
        m = np.max(a, axis=dims, keepdims=True) if a.size else np.zeros(
            _keepdim_shape(a.shape, dims), a.dtype)
        # A row of -inf gives -inf and a row with +inf gives +inf, as PyTorch: shift by 0 there.
        m = np.where(np.isfinite(m), m, 0).astype(a.dtype)
        with ignore_fp_errors():
            out = np.log(accurate_sum(np.exp(a - m), dims, keepdims=True)) + m
        out = Tensor._from_array(out if keepdim else np.squeeze(out, dims))
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        expand = _expand_back
        return expand(grad, x.shape, ctx.dims, ctx.keepdim) * (
            x - expand(out, x.shape, ctx.dims, ctx.keepdim)).exp()


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed without overflow (integers give float)."""
    input = _ew._float_input(input, "logsumexp")
    dims = normalize_dims(dim, input.ndim)
    return LogSumExp.apply(input, dims, keepdim)


class Norm(Function):
    """The vector p-norm over ``dims``; gradients follow PyTorch's conventions at zero."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        a = np.abs(x._data)
        with ignore_fp_errors():
            if p == 0:
                out = np.sum(a != 0, axis=dims, keepdims=True).astype(a.dtype)
            elif p == 1:
                out = accurate_sum(a, dims, keepdims=True)
            elif p == 2:
                out = np.sqrt(accurate_sum(a * a, dims, keepdims=True))
            elif p == math.inf:
                out = np.max(a, axis=dims, keepdims=True)
            elif p == -math.inf:
                out = np.min(a, axis=dims, keepdims=True)
            else:
                out = accurate_sum(a ** p, dims, keepdims=True) ** (1.0 / p)
        out = Tensor._from_array(out if keepdim else np.squeeze(out, dims))
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        p = ctx.p
        g = _expand_back(grad, x.shape, ctx.dims, ctx.keepdim)
        norm = _expand_back(out, x.shape, ctx.dims, ctx.keepdim)
        if p == 0:
            return g * 0.0
        if p == 1:
            return g * _ew.sign(x)
        if math.isinf(p):
            # The gradient is shared evenly by the entries whose |x| equals the norm.
            hits = (np.abs(x._data) == norm._data).astype(x._data.dtype)
            share = hits / np.maximum(hits.sum(axis=ctx.dims, keepdims=True), 1)  # nan: none
            return g * _ew.sign(x) * Tensor._from_array(share)
        # 0 where the norm is 0 (then x == 0 too), as PyTorch; the safe divisor keeps it finite.
        safe_norm = _ew.where(norm == 0, 1.0, norm)
        if p == 2:
            return g * x / safe_norm
        if p < 1:
            # |x|^(p-1) is infinite at x == 0, where PyTorch takes the gradient to be 0.
            abs_pow = _ew.where(x == 0, 0.0, _ew.abs(x) ** (p - 1))
        else:
            abs_pow = _ew.abs(x) ** (p - 1)
        return g * _ew.sign(x) * abs_pow / safe_norm ** (p - 1)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements by default). ``p`` is a number, ``inf``,
    ``-inf`` or ``'fro'`` (the 2-norm); 0 counts non-zero entries."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {scalar_type_name(input._data.dtype)}")
    if p == "fro" or p is None:
        p = 2
    elif isinstance(p, str):
        raise NotImplementedError(f"norm: p={p!r} is not supported (use a number or 'fro')")
    dims = normalize_dims(dim, input.ndim)
    if input.numel() == 0 and math.isinf(p):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty tensor "
                           "because the operation does not have an identity")
    return Norm.apply(input, float(p), dims, keepdim)


# -- logical reductions --------------------------------------------------------------------------
def _truth_reduce(input, dim, keepdim, axis, np_fn) -> Tensor:
    dims = normalize_dims(dim_alias(dim, axis), input.ndim)
    out = np_fn(input._data, axis=dims, keepdims=keepdim)
    # uint8 inputs keep their dtype (PyTorch's legacy rule); everything else gives bool.
    return Tensor._from_array(out.astype(np.uint8) if input._data.dtype == np.uint8 else out)


def all(input: Tensor, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    """Whether every element (along ``dim``) is non-zero; a bool tensor."""
    return _truth_reduce(input, dim, keepdim, axis, np.all)


def any(input: Tensor, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    """Whether some element (along ``dim``) is non-zero; a bool tensor."""
    return _truth_reduce(input, dim, keepdim, axis, np.any)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements (along ``dim``); int64."""
    dims = normalize_dims(dim, input.ndim) if input.ndim else None
    return Tensor._from_array(np.asarray(np.count_nonzero(input._data, axis=dims),
                                         dtype=np.int64))


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same values (nan is never equal)."""
    if input.shape != other.shape:
        return False
    a, b = promote(input, other)
    return builtins.bool(np.array_equal(a._data, b._data))


# -- scans ---------------------------------------------------------------------------------------
def _scan(np_fn, a: np.ndarray, dim: int, dtype) -> np.ndarray:
    if a.ndim == 0:
        return np_fn(a.reshape(1), dtype=dtype).reshape(())
    return np_fn(a, axis=dim, dtype=dtype)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return _scan(np.cumsum, x._data, dim, None)

    @staticmethod
    def backward(ctx, grad):
        return ReverseCumsum.apply(grad, ctx.dim)


class ReverseCumsum(Function):
    """``out[i] = sum(x[j] for j >= i)`` along ``dim``: cumsum's backward (and vice versa)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            return x._data.copy()
        return np.flip(np.cumsum(np.flip(x._data, dim), axis=dim), dim)

    @staticmethod
    def backward(ctx, grad):
        return Cumsum.apply(grad, ctx.dim)


class Cumprod(Function):
    @staticmethod
    def forward(ctx, x, dim):
        out = Tensor._from_array(_scan(np.cumprod, x._data, dim, None))
        ctx.dim = dim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        d = ctx.dim
        if x.ndim == 0:
            return grad
        if not np.any(x._data == 0):
            # d out_j / d x_k = out_j / x_k for j >= k
            return ReverseCumsum.apply(grad * out, d) / x
        if not grad_mode.is_grad_enabled():
            return Tensor._from_array(_cumprod_grad_with_zeros(grad._data, x._data, d))
        # Differentiable and exact with zeros, O(n^2): sum_{j >= k} g_j prod_{i <= j, i != k} x_i
        n = x.shape[d]
        trailing = (1,) * (x.ndim - d - 1)
        eye = np.eye(n, dtype=bool).reshape((n, n) + trailing)
        partial = cumprod(_ew.where(Tensor._from_array(eye), 1.0, x.unsqueeze(d)), d + 1)
        upper = np.triu(np.ones((n, n), dtype=grad._data.dtype)).reshape((n, n) + trailing)
        return sum(partial * grad.unsqueeze(d) * Tensor._from_array(upper), d + 1)


def _cumprod_grad_with_zeros(g: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    """cumprod's input gradient in O(n): ``prefix_k * s_k`` where ``prefix_k = prod(x[:k])``
    and ``s_k = g_k + x_{k+1} s_{k+1}`` (a backward recurrence, no division by x)."""
    g, x = np.moveaxis(g, axis, -1), np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    prefix = np.cumprod(np.concatenate([np.ones_like(x[..., :1]), x[..., :-1]], axis=-1), -1)
    s = np.empty_like(g)
    s[..., n - 1] = g[..., n - 1]
    for k in range(n - 2, -1, -1):
        s[..., k] = g[..., k] + x[..., k + 1] * s[..., k + 1]
    return np.moveaxis(prefix * s, -1, axis)


def _scan_op(function: type, np_fn, input: Tensor, dim, dtype, axis) -> Tensor:
    dim = dim_alias(dim, axis)
    if dim is None:
        raise TypeError(f"{np_fn.__name__}() missing 1 required positional argument: 'dim'")
    d = normalize_dim(dim, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":  # integers and bools accumulate in int64, no gradient
        return Tensor._from_array(_scan(np_fn, input._data, d, np.int64))
    return function.apply(input, d)


def cumsum(input: Tensor, dim=None, *, dtype=None, axis=None) -> Tensor:
    """Running sum along ``dim``."""
    return _scan_op(Cumsum, np.cumsum, input, dim, dtype, axis)


def cumprod(input: Tensor, dim=None, *, dtype=None, axis=None) -> Tensor:
    """Running product along ``dim``; the gradient is exact when the input contains zeros."""
    return _scan_op(Cumprod, np.cumprod, input, dim, dtype, axis)


# -- order statistics: sort, argsort, topk, median -------------------------------------------------
class TakeAlongDim(Function):
    """``x`` gathered at ``indices`` along ``dim`` (indices distinct within each slice)."""

    @staticmethod
    def forward(ctx, x, indices, dim):
        ctx.shape, ctx.indices, ctx.dim = x.shape, indices, dim
        return np.take_along_axis(x._data, indices, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return PutAlongDim.apply(grad, ctx.indices, ctx.dim, ctx.shape)


class PutAlongDim(Function):
    """Zeros of ``shape`` with ``values`` written at ``indices`` along ``dim``."""

    @staticmethod
    def forward(ctx, values, indices, dim, shape):
        ctx.indices, ctx.dim = indices, dim
        out = np.zeros(shape, dtype=values._data.dtype)
        np.put_along_axis(out, indices, values._data, axis=dim)
        return out

    @staticmethod
    def backward(ctx, grad):
        return TakeAlongDim.apply(grad, ctx.indices, ctx.dim)


def _stable_argsort(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable order along ``axis``; nan sorts as the largest value (first when descending)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    # Sorting the reversed array and reversing the order keeps equal elements in index order.
    n = a.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


def _gather(input: Tensor, indices: np.ndarray, dim: int) -> Tensor:
    if input._data.dtype.kind != "f":
        return Tensor._from_array(np.take_along_axis(input._data, indices, axis=dim))
    return TakeAlongDim.apply(input, indices, dim)


def _order_args(input: Tensor, dim) -> tuple[Tensor, int, bool]:
    """(input as at least 1-D, normalised dim, whether it was 0-D)."""
    d = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return input.reshape(1), 0, True
    return input, d, False


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """``(values, indices)`` sorted along ``dim``. The sort is always stable; nan is largest."""
    x, d, scalar = _order_args(input, dim)
    order = _stable_argsort(x._data, d, descending)
    values, indices = _gather(x, order, d), Tensor._from_array(order.astype(np.int64))
    if scalar:
        values, indices = values.reshape(()), indices.reshape(())
    return return_types_sort(values, indices)


def argsort(input: Tensor, dim: int = -1, descending: bool = False,
            stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (stable; int64)."""
    return sort(input, dim, descending, stable).indices


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) elements along ``dim`` as ``(values, indices)``, in order;
    equal values keep their index order."""
    x, d, scalar = _order_args(input, dim)
    if not 0 <= k <= x.shape[d]:
        raise RuntimeError("selected index k out of range")
    order = np.take(_stable_argsort(x._data, d, largest), range(k), axis=d)
    values, indices = _gather(x, order, d), Tensor._from_array(order.astype(np.int64))
    if scalar:
        values, indices = values.reshape(()), indices.reshape(())
    return return_types_topk(values, indices)


def _lower_median_index(a: np.ndarray, axis: int) -> np.ndarray:
    """Index of the lower median along ``axis`` (of the first nan, where a slice has one)."""
    n = a.shape[axis]
    order = np.take(np.argsort(a, axis=axis, kind="stable"), [(n - 1) // 2], axis=axis)
    nan = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, dtype=bool)
    first_nan = np.argmax(nan, axis=axis, keepdims=True)
    return np.where(np.any(nan, axis=axis, keepdims=True), first_nan, order)


def median(input: Tensor, dim=None, keepdim: bool = False, *, axis=None):
    """The lower median of all elements, or ``(values, indices)`` along ``dim``; nan propagates.
    """
    dim = dim_alias(dim, axis)
    if dim is None:
        if input.numel() == 0 and input._data.dtype.kind == "f":  # nan, as PyTorch
            return Tensor._from_array(np.array(np.nan, dtype=input._data.dtype))
        _check_nonempty(input, None, "median")
        flat = input.reshape(-1)
        index = _lower_median_index(flat._data, 0)
        if input._data.dtype.kind != "f":
            return Tensor._from_array(flat._data[index].reshape(()))
        value = flat._data[index]
        return _ReduceEvenly.apply(flat, (0,), False, lambda a, axis, keepdims: value, True)
    x, d, scalar = _order_args(input, dim)
    _check_nonempty(x, (d,), "median")
    index = _lower_median_index(x._data, d)
    values, indices = _gather(x, index, d), Tensor._from_array(index.astype(np.int64))
    if scalar or not keepdim:
        shape = () if scalar else values.shape[:d] + values.shape[d + 1:]
        values, indices = values.reshape(shape), indices.reshape(shape)
    return return_types_median(values, indices)


# -- softmax family ------------------------------------------------------------------------------
class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        with ignore_fp_errors():  # a row of -inf gives nan, as in PyTorch
            shifted = x._data - np.max(x._data, axis=dim, keepdims=True, initial=-np.inf)  # no overflow
            e = np.exp(shifted)
            y = Tensor._from_array(e / e.sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(dim=ctx.dim, keepdim=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        with ignore_fp_errors():  # an infinite max gives nan, as
            shifted = x._data - np.max(x._data, axis=dim, keepdims=True, initial=-np.inf)  # in PyTorch
            y = Tensor._from_array(shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True)))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(dim=ctx.dim, keepdim=True)


def _softmax_dim(input: Tensor, dim) -> int:
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return normalize_dim(dim, input.ndim)


def softmax(input: Tensor, dim=None, dtype=None, *, axis=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"\"softmax_lastdim_kernel_impl\" not implemented for "
                           f"'{scalar_type_name(input._data.dtype)}'")
    return Softmax.apply(input, _softmax_dim(input, dim_alias(dim, axis)))


def log_softmax(input: Tensor, dim=None, dtype=None, *, axis=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"\"log_softmax_lastdim_kernel_impl\" not implemented for "
                           f"'{scalar_type_name(input._data.dtype)}'")
    return LogSoftmax.apply(input, _softmax_dim(input, dim_alias(dim, axis)))
