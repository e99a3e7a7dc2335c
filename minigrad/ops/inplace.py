"""In-place operations (``add_``, ``x[i] = v``, ``zero_``, ...) and how autograd sees them.

An in-place op computes the out-of-place result and writes it into the tensor's storage, so
views and ``.data`` aliases see the change and the (shared) version counter moves on: a tensor
saved for backward and modified afterwards makes backward raise, as in PyTorch.

When the graph is being recorded, the tensor's history is rebased: its ``grad_fn`` becomes the
op's node, whose input is a copy of the old value carrying the old ``grad_fn``. When the tensor
is a view, its base is rebased too (``CopySlices``: the base's gradient flows to the old base
outside the view and to the op's result inside it), so ``y[0].mul_(2)`` differentiates like
PyTorch. A leaf that requires grad (or a view of one) cannot be modified in place while grad
mode is on.
"""
from __future__ import annotations

import numpy as np

from minigrad import dtypes as _dtype
from minigrad.autograd import grad_mode
from minigrad.autograd.function import Function, replay_view
from minigrad.ops._util import broadcast_shapes
from minigrad.random import get_rng
from minigrad.tensor import Tensor

_LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF_MESSAGE = ("a view of a leaf Variable that requires grad is being used in an "
                         "in-place operation.")
_NO_GRAD_VIEW_MESSAGE = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block (if "
    "you don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked)."
)
_OVERLAP_MESSAGE = ("unsupported operation: more than one element of the written-to tensor "
                    "refers to a single memory location. Please clone() the tensor before "
                    "performing the operation.")


def _check_writable(self: Tensor) -> None:
    """PyTorch's rules for in-place writes in grad mode (leaves and views of leaves)."""
    if not grad_mode._state.enabled:
        return
    base = self._base
    if base is None:
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(_LEAF_MESSAGE)
    elif base._requires_grad:
        if base.grad_fn is None:
            raise RuntimeError(_VIEW_OF_LEAF_MESSAGE)
        if self._view_no_grad:
            raise RuntimeError(_NO_GRAD_VIEW_MESSAGE)


def _write(self: Tensor, values: np.ndarray) -> None:
    """Copy ``values`` into ``self``'s storage with PyTorch's shape and casting rules."""
    target = self._data
    if values.shape != target.shape:
        try:
            np.broadcast_to(values, target.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(target.shape)} doesn't match the broadcast shape "
                f"{list(broadcast_shapes(target.shape, values.shape))}"
            ) from None
    if values.dtype != target.dtype and not np.can_cast(values.dtype, target.dtype, "same_kind"):
        raise RuntimeError(
            f"result type {_dtype.scalar_type_name(values.dtype)} can't be cast to the desired "
            f"output type {_dtype.scalar_type_name(target.dtype)}"
        )
    if not target.flags.writeable:  # a broadcast (expanded) view
        raise RuntimeError(_OVERLAP_MESSAGE)
    np.copyto(target, values, casting="unsafe")
    self._version_counter[0] += 1


def apply_inplace(self: Tensor, compute, *args, **kwargs) -> Tensor:
    """Overwrite ``self`` with ``compute(self, *args, **kwargs)`` and rebase its history.

    ``compute`` is an out-of-place differentiable op returning a Tensor (or an ndarray when
    nothing is tracked).
    """
    _check_writable(self)
    tracked = grad_mode._state.enabled and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        or any(isinstance(a, Tensor) and a._requires_grad for a in kwargs.values())
    )
    if not tracked:
        with grad_mode.no_grad():
            result = compute(self, *args, **kwargs)
        _write(self, result._data if isinstance(result, Tensor) else np.asarray(result))
        return self
    # The node's input is the old value: a copy, so writing into self cannot corrupt it.
    original = Tensor._from_array(self._data.copy())
    original._requires_grad = self._requires_grad
    original.grad_fn, original._output_nr = self.grad_fn, self._output_nr
    result = compute(original, *args, **kwargs)
    _write(self, result._data)
    if self._base is not None and self._base._data.dtype.kind == "f":
        _rebase_view(self, result)
    else:
        _take_history(self, result)
    return self


def _take_history(self: Tensor, result: Tensor) -> None:
    self.grad_fn, self._output_nr = result.grad_fn, result._output_nr
    self._requires_grad = result._requires_grad


def _rebase_view(view: Tensor, src: Tensor) -> None:
    """``view`` (a view of ``base``) now holds ``src``: the base's new history is CopySlices of
    its old history and ``src``; the view's history is the view of that."""
    base = view._base
    old = Tensor._from_array(base._data)  # the storage is already updated; only the graph moves
    old._requires_grad = base._requires_grad
    old.grad_fn, old._output_nr = base.grad_fn, base._output_nr
    new_base = CopySlices.apply(old, src, view._view_steps)
    _take_history(base, new_base)
    regenerated = replay_view(base, view._view_steps)
    _take_history(view, regenerated)


def _view_region(array: np.ndarray, steps: tuple) -> np.ndarray:
    """The part of ``array`` that the recorded view ``steps`` select, as a writable view."""
    with grad_mode.no_grad():
        region = replay_view(Tensor._from_array(array), steps)._data
    if not np.may_share_memory(region, array):
        raise RuntimeError("internal error: a recorded view no longer shares memory with its "
                           "base")
    return region


class CopySlices(Function):
    """The base of a view after an in-place op on the view: ``base`` outside the view's region,
    ``src`` inside it. Forward only relinks the graph (the storage is already written)."""

    _node_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, src, steps):
        ctx.steps = steps
        return base._data

    @staticmethod
    def backward(ctx, grad):
        grad_base = ZeroRegion.apply(grad, ctx.steps) if ctx.needs_input_grad[0] else None
        grad_src = replay_view(grad, ctx.steps) if ctx.needs_input_grad[1] else None
        return grad_base, grad_src


class ZeroRegion(Function):
    """``x`` with the region selected by view ``steps`` set to zero (linear, self-adjoint)."""

    @staticmethod
    def forward(ctx, x, steps):
        ctx.steps = steps
        out = x._data.copy()
        _view_region(out, steps)[...] = 0
        return out

    @staticmethod
    def backward(ctx, grad):
        return ZeroRegion.apply(grad, ctx.steps)


# -- assignment through indexing --------------------------------------------------------------
class IndexPut(Function):
    """``out = x.clone(); out[index] = value`` (value broadcast to ``out[index]``)."""

    _node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, value, index, basic):
        ctx.index, ctx.basic = index, basic
        out = x._data.copy()
        out[index] = value._data
        return out

    @staticmethod
    def backward(ctx, grad):
        from minigrad.ops.index import GetItem

        grad_x = grad_value = None
        if ctx.needs_input_grad[0]:
            zero = Tensor._from_array(np.zeros((), grad._data.dtype))
            grad_x = IndexPut.apply(grad, zero, ctx.index, ctx.basic)
        if ctx.needs_input_grad[1]:
            grad_value = GetItem.apply(grad, ctx.index, ctx.basic)
        return grad_x, grad_value


class SliceAssign(IndexPut):
    """``x[basic_index] = value``: PyTorch records it as a copy into a view (``CopySlices``)."""

    _node_name = "CopySlices"


def setitem_(self: Tensor, index, value) -> None:
    """``self[index] = value``: recorded in the graph when ``self`` or ``value`` requires grad."""
    from minigrad.ops._util import as_tensor_arg
    from minigrad.ops.index import convert_index

    np_index, basic = convert_index(index, self._data.shape)
    if not isinstance(value, Tensor):
        value = as_tensor_arg(value)
    _check_writable(self)
    try:
        target_shape = np.empty(self._data.shape, dtype=np.bool_)[np_index].shape
        np.broadcast_to(np.empty(value._data.shape, np.bool_), target_shape)
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
            f"indexing result of shape {list(target_shape)}"
        ) from None
    tracked = grad_mode._state.enabled and (self._requires_grad or value._requires_grad)
    if not tracked:
        if not self._data.flags.writeable:
            raise RuntimeError(_OVERLAP_MESSAGE)
        self._data[np_index] = value._data
        self._version_counter[0] += 1
        return
    if value._data.dtype != self._data.dtype:
        value = value.to(self.dtype)
    fn = SliceAssign if basic else IndexPut
    apply_inplace(self, lambda original, v: fn.apply(original, v, np_index, basic), value)


# -- fills ----------------------------------------------------------------------------------------
class _Fill(Function):
    """Every element set to a constant: the old value gets a zero gradient."""

    @staticmethod
    def forward(ctx, x, values):
        return np.broadcast_to(values, x._data.shape).astype(x._data.dtype)

    @staticmethod
    def backward(ctx, grad):
        return Tensor._from_array(np.zeros_like(grad._data)), None


def _fill_class(node_name: str) -> type:
    return type(node_name.replace("Backward", ""), (_Fill,), {"_node_name": node_name})


_Zero = _fill_class("ZeroBackward0")
_FillScalar = _fill_class("FillBackward2")
_Uniform = _fill_class("UniformBackward0")
_Normal = _fill_class("NormalBackward0")
_Bernoulli = _fill_class("BernoulliBackward2")
_Exponential = _fill_class("ExponentialBackward0")
_Random = _fill_class("RandomBackward0")


class _FillTensor(Function):
    """Every element set to the value of a 0-d tensor, which gets the summed gradient."""

    _node_name = "FillBackward3"

    @staticmethod
    def forward(ctx, x, value):
        return np.full(x._data.shape, value._data, dtype=x._data.dtype)

    @staticmethod
    def backward(ctx, grad):
        grad_x = Tensor._from_array(np.zeros_like(grad._data)) if ctx.needs_input_grad[0] \
            else None
        return grad_x, (grad.sum() if ctx.needs_input_grad[1] else None)


def _fill_with(self: Tensor, fn: type, values: np.ndarray) -> Tensor:
    """Overwrite with constants (``values`` broadcasts to self's shape)."""
    return apply_inplace(self, lambda original: fn.apply(original, values))


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros, in place."""
    return _fill_with(self, _Zero, np.zeros((), self._data.dtype))


def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` (a number or a 0-d tensor), in place."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        if value._requires_grad:
            return apply_inplace(self, _FillTensor.apply, value.to(self.dtype))
        value = value.item()
    return _fill_with(self, _FillScalar, np.asarray(value).astype(self._data.dtype))


class Copy(Function):
    """``self.copy_(src)``: src broadcast and cast to self's shape and dtype."""

    _node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, x, src):
        ctx.src_dtype = src.dtype
        return np.broadcast_to(src._data, x._data.shape).astype(x._data.dtype)

    @staticmethod
    def backward(ctx, grad):
        grad_x = Tensor._from_array(np.zeros_like(grad._data)) if ctx.needs_input_grad[0] \
            else None
        grad_src = grad.to(ctx.src_dtype) if ctx.needs_input_grad[1] else None
        return grad_x, grad_src  # the engine sums a broadcast src back to its shape


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast to self's dtype) into self; gradient flows to ``src``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__module__.replace('builtins.', '')}.{type(src).__name__}"
                        .lstrip("."))
    try:
        np.broadcast_to(np.empty(src._data.shape, np.bool_), self._data.shape)
    except ValueError:
        broadcast_shapes(self._data.shape, src._data.shape)  # PyTorch's message
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(src.shape)}") from None
    if src._data.dtype.kind != "f" and self._data.dtype.kind == "f" and src._requires_grad:
        raise RuntimeError("copy_: a non-floating source cannot require grad")
    return apply_inplace(self, Copy.apply, src)


# -- random fills ---------------------------------------------------------------------------------
def _random_fill(self: Tensor, fn: type, name: str, draw) -> Tensor:
    if self._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}" not implemented for '
                                  f"'{_dtype.scalar_type_name(self._data.dtype)}'")
    return _fill_with(self, fn, draw(self._data.shape).astype(self._data.dtype))


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from U[from_, to), in place."""
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    return _random_fill(self, _Uniform, "check_uniform_bounds",
                        lambda shape: get_rng(generator).uniform(from_, to, shape))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from N(mean, std²), in place."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _random_fill(self, _Normal, "normal_kernel_cpu",
                        lambda shape: get_rng(generator).normal(mean, std, shape))


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 draws that are 1 with probability ``p`` (a number or a tensor), in place."""
    probs = p._data if isinstance(p, Tensor) else np.asarray(p, dtype=np.float64)
    if np.any((probs < 0) | (probs > 1)):
        if isinstance(p, Tensor):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    draws = get_rng(generator).random(self._data.shape) < probs
    return _fill_with(self, _Bernoulli, draws.astype(self._data.dtype))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from Exp(lambd), in place."""
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _random_fill(self, _Exponential, "exponential",
                        lambda shape: get_rng(generator).exponential(1.0 / lambd, shape))


def random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator=None) -> Tensor:
    """Fill with integers uniform on [from_, to) (``random_(to)``: [0, to); ``random_()``:
    [0, 2**mantissa] for floats, the dtype's range for integers), in place."""
    if to is None:
        if from_:
            from_, to = 0, from_
        elif self._data.dtype.kind == "f":
            to = 2 ** (np.finfo(self._data.dtype).nmant + 1) + 1
        elif self._data.dtype.kind == "b":
            to = 2
        else:
            to = int(np.iinfo(self._data.dtype).max) + 1
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} "
                           f">= to={to}")
    values = get_rng(generator).integers(from_, to, self._data.shape)
    return _fill_with(self, _Random, values.astype(self._data.dtype))


# -- in-place view ops: change the shape, keep the storage -----------------------------------------
def _inplace_view(self: Tensor, op, *args) -> Tensor:
    """``self`` becomes ``op(self, *args)`` (a view of the same storage), history included."""
    _check_writable(self)
    result = op(self, *args)
    self._data = result._data
    if result._requires_grad:
        _take_history(self, result)
    return self


def squeeze_(self: Tensor, dim=None) -> Tensor:
    """Remove size-1 dimensions (or dimension ``dim`` if it has size 1), in place."""
    from minigrad.ops.shape import squeeze

    return _inplace_view(self, squeeze) if dim is None else _inplace_view(self, squeeze, dim)


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim``, in place."""
    from minigrad.ops.shape import unsqueeze

    return _inplace_view(self, unsqueeze, dim)


def t_(self: Tensor) -> Tensor:
    """Transpose a matrix (0-d and 1-d tensors are unchanged), in place."""
    from minigrad.ops.shape import t

    return _inplace_view(self, t)


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1``, in place."""
    from minigrad.ops.shape import transpose

    return _inplace_view(self, transpose, dim0, dim1)


# -- in-place twins of out-of-place ops ----------------------------------------------------------
_TWINS = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "clamp", "clip",
    "clamp_min", "clamp_max", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt",
    "rsqrt", "relu", "sigmoid", "tanh", "sin", "cos", "tan", "floor", "ceil", "round", "trunc",
    "frac", "sign", "square", "reciprocal", "erf", "masked_fill", "scatter", "scatter_add",
    "index_fill", "index_add", "index_copy", "addcmul", "addcdiv", "lerp", "nan_to_num",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "logical_not", "logical_and",
    "logical_or", "masked_scatter", "put", "atan2", "hypot",
]


def _inplace_twin(name: str):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        from minigrad import ops

        return apply_inplace(self, getattr(ops, name), *args, **kwargs)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place version of ``minigrad.{name}``."
    return method


for _name in _TWINS:
    globals()[_name + "_"] = _inplace_twin(_name)

__all__ = ["setitem_", "zero_", "fill_", "copy_", "uniform_", "normal_", "bernoulli_",
           "exponential_", "random_", "squeeze_", "unsqueeze_", "t_", "transpose_"] + \
    [n + "_" for n in _TWINS]
