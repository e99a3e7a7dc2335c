"""``Tensor``: an n-dimensional array that records the operations applied to it.

Storage is a NumPy ndarray (``_data``). Operations are ``Function``s (``minigrad/ops``); when an
input requires grad, the result gets a ``grad_fn`` that links it into the graph, and
``backward()`` walks that graph (``minigrad/autograd/engine.py``).

Most methods are the functional ops with the tensor as first argument (``t.exp()`` is
``minigrad.exp(t)``); they are bound at the end of this file from ``_FUNCTIONAL_METHODS``.
"""
from __future__ import annotations

import builtins
import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import _device
from minigrad import dtypes as _dtype
from minigrad._errstate import ignore_fp_errors
from minigrad.autograd import function as _function
from minigrad.size import Size

if TYPE_CHECKING:
    from minigrad.hooks import RemovableHandle

_SCALAR_TYPES = (builtins.int, builtins.float, builtins.bool, np.ndarray, np.generic)


_grad_state = _function._state


def _direct_operand(self: Tensor, other):
    """``other``'s array (or Python number) when ``self OP other`` can be computed directly by
    NumPy with PyTorch's result: nothing to record, same non-bool dtype, or a Python number that
    keeps ``self``'s dtype. None when the full op is needed."""
    kind = self._data.dtype.kind
    if kind == "b":
        return None
    if isinstance(other, Tensor):
        b = other._data
        if b.dtype != self._data.dtype or (
                _grad_state.enabled and (self._requires_grad or other._requires_grad)):
            return None
        return b
    t = type(other)
    if (t is float and kind == "f") or (t is builtins.int and kind in "fi"):
        if _grad_state.enabled and self._requires_grad:
            return None
        return other
    return None


def _not_implemented_on_type_error(method):
    """As PyTorch: an operand of an unsupported type gives NotImplemented, so Python falls back
    (``t == None`` is False, ``t == 'a'`` is False)."""

    @functools.wraps(method)
    def wrapper(self, other):
        if not isinstance(other, (Tensor, *_SCALAR_TYPES)):
            return NotImplemented
        return method(self, other)

    return wrapper


class Tensor:
    # Make NumPy defer to Tensor's reflected operators: ``ndarray + tensor`` gives a Tensor.
    __array_priority__ = 1000
    __hash__ = object.__hash__  # identity, as torch.Tensor (``==`` is elementwise)

    # Per-tensor state that is usually at its default lives on the class, so that wrapping an
    # array (done for every op result) sets only _data, _requires_grad and _version_counter.
    grad: Tensor | None = None
    grad_fn: Any = None
    _output_nr = 0
    _hooks: list | None = None
    _base: Tensor | None = None  # for views: the tensor whose storage this one shows
    _view_steps: tuple = ()        # for views: how to recompute it from _base (function.py)
    _view_no_grad = False          # for views: created while grad mode was off
    is_sparse = False
    is_quantized = False
    is_meta = False

    def __init__(self, *args, dtype=None, requires_grad: bool = False):
        """The legacy constructor: ``Tensor(data)`` (default float dtype) or ``Tensor(2, 3)``."""
        from minigrad.factories import _array_from_data, empty

        if args and all(isinstance(a, (int, np.integer)) for a in args):
            array = empty(*args, dtype=dtype)._data
        elif len(args) == 1 and isinstance(args[0], Size):
            array = empty(args[0], dtype=dtype)._data
        elif not args:
            array = np.empty((0,), dtype=_dtype.to_numpy(dtype or _dtype.get_default_dtype()))
        else:
            array = _array_from_data(args[0], dtype or _dtype.get_default_dtype())
        self._init(array, requires_grad)

    def _init(self, array: np.ndarray, requires_grad: bool = False) -> None:
        self._data = array
        self._requires_grad = False
        self._version_counter = [0]
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _from_array(cls, array, requires_grad: bool = False) -> Tensor:
        """Wrap an ndarray without copying (internal fast path; no dtype check)."""
        t = object.__new__(cls)
        t._data = array if type(array) is np.ndarray else np.asarray(array)
        t._requires_grad = requires_grad
        t._version_counter = [0]
        return t

    # -- autograd state ------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    def _bump_version(self) -> None:
        self._version_counter[0] += 1

    @property
    def data(self) -> Tensor:
        """The same storage as an untracked tensor; writes through it change this tensor
        (and, as in PyTorch, are invisible to autograd's version checks)."""
        return Tensor._from_array(self._data)

    @data.setter
    def data(self, value) -> None:
        """``t.data = other`` makes ``t`` use ``other``'s storage (shape and dtype may change)."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    def detach(self) -> Tensor:
        """A tensor sharing storage and version counter, cut from the graph."""
        t = Tensor._from_array(self._data)
        t._version_counter = self._version_counter
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place (it becomes a leaf)."""
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        return self

    def _copy_storage(self) -> Tensor:
        """This tensor with its own copy of the data (used when storing a leaf's first grad)."""
        self._data = self._data.copy()
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        import weakref

        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        if self.grad_fn._retained is None:
            self.grad_fn._retained = {}
        self.grad_fn._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        node = self.grad_fn
        return bool(node is not None and node._retained and self._output_nr in node._retained)

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new
        gradient. Returns a handle whose ``remove()`` unregisters the hook."""
        from minigrad.hooks import RemovableHandle

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = self.grad_fn._add_tensor_hook(self._output_nr, hook)
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        from minigrad.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # -- metadata ------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return tuple.__new__(Size, self._data.shape)  # NumPy's shape holds ints: no checks

    def size(self, dim: int | None = None):
        """The shape (a ``Size``), or the length of dimension ``dim``."""
        if dim is None:
            return tuple.__new__(Size, self._data.shape)
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        from minigrad.ops._util import normalize_dim

        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy(self._data.dtype)

    @property
    def device(self) -> _device.device:
        return _device.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        if self.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self.ndim}-D tensor.")
        return self.transpose(-2, -1)

    # -- conversion ----------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        if dtype is not None and np.dtype(dtype) != array.dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy ufuncs on Tensors: arithmetic stays differentiable, the rest return Tensors."""
        from minigrad import ops

        if method == "__call__" and not kwargs and ufunc.__name__ in _UFUNC_OPS:
            return getattr(ops, _UFUNC_OPS[ufunc.__name__])(*inputs)
        arrays = [x.numpy() if isinstance(x, Tensor) else x for x in inputs]
        result = getattr(ufunc, method)(*arrays, **kwargs)
        if isinstance(result, np.ndarray):
            return Tensor._from_array(result)
        return result

    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype), with
        ``non_blocking=`` and ``copy=``; returns ``self`` when nothing changes."""
        dtype = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, _dtype.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, _device.device, builtins.int)) and \
                    not isinstance(a, builtins.bool):
                device = a
            elif isinstance(a, builtins.bool):
                continue  # the positional non_blocking / copy flags
            else:
                raise TypeError(f"to() received an invalid combination of arguments - got "
                                f"({type(a).__name__})")
        _check_device(device)
        if dtype is None or dtype.numpy == self._data.dtype:
            return self.clone() if copy else self
        from minigrad.ops.elementwise import cast

        return cast(self, dtype)

    def type(self, dtype=None, **kwargs):
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype, "minigrad.Tensor")
        if isinstance(dtype, str):
            dtype = {v: k for k, v in _TYPE_NAMES.items()}[dtype.replace("torch.", "minigrad.")]
        return self.to(dtype)

    def float(self) -> Tensor:
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        return self.to(_dtype.float16)

    def long(self) -> Tensor:
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        return self.to(_dtype.int32)

    def short(self) -> Tensor:
        return self.to(_dtype.int16)

    def byte(self) -> Tensor:
        return self.to(_dtype.uint8)

    def bool(self) -> Tensor:
        return self.to(_dtype.bool_)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args, **kwargs):
        """Always fails, as PyTorch without CUDA: minigrad runs on the CPU."""
        _check_device("cuda")

    def pin_memory(self) -> Tensor:
        return self

    def share_memory_(self) -> Tensor:
        return self

    def new_tensor(self, data, dtype=None, requires_grad=False) -> Tensor:
        from minigrad.factories import tensor

        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False) -> Tensor:
        from minigrad.factories import zeros

        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False) -> Tensor:
        from minigrad.factories import ones

        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False) -> Tensor:
        from minigrad.factories import full

        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False) -> Tensor:
        from minigrad.factories import empty

        return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    # -- shape methods whose signature differs from the functional form (varargs) ----------------
    def view(self, *shape) -> Tensor:
        from minigrad.ops import shape as _shape

        if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
            return Tensor._from_array(self._data.view(shape[0].numpy))
        return _shape.view(self, _varargs(shape))

    def reshape(self, *shape) -> Tensor:
        from minigrad.ops import shape as _shape

        return _shape.reshape(self, _varargs(shape))

    def view_as(self, other: Tensor) -> Tensor:
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def permute(self, *dims) -> Tensor:
        from minigrad.ops import shape as _shape

        return _shape.permute(self, _varargs(dims))

    def expand(self, *sizes) -> Tensor:
        from minigrad.ops import shape as _shape

        return _shape.expand(self, _varargs(sizes))

    def repeat(self, *sizes) -> Tensor:
        from minigrad.ops import shape as _shape

        return _shape.repeat(self, _varargs(sizes))

    def tile(self, *dims) -> Tensor:
        from minigrad.ops import shape as _shape

        return _shape.tile(self, _varargs(dims))

    def flip(self, *dims) -> Tensor:
        from minigrad.ops import shape as _shape

        return _shape.flip(self, _varargs(dims))

    # -- Python protocol -----------------------------------------------------------------------
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with no values is ambiguous" if self._data.size == 0
                else "Boolean value of Tensor with more than one value is ambiguous"
            )
        return builtins.bool(self._data.item())

    def __contains__(self, element) -> bool:
        if not isinstance(element, (Tensor, builtins.int, builtins.float, np.number, np.bool_)):
            # RuntimeError (not TypeError) is PyTorch's choice here.
            raise RuntimeError(  # noqa: TRY004
                "Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                f"{type(element)}.")
        return builtins.bool((self == element).any())

    def __float__(self) -> float:
        return builtins.float(self._scalar())

    def __int__(self) -> int:
        return builtins.int(self._scalar())

    def __complex__(self) -> complex:
        return complex(self._scalar())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self._data.item())

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.item()

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return object.__format__(self, spec)

    def __repr__(self) -> str:
        from minigrad._tensor_str import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __getitem__(self, index) -> Tensor:
        from minigrad.ops.index import getitem

        return getitem(self, index)

    def __setitem__(self, index, value) -> None:
        from minigrad.ops.inplace import setitem_

        setitem_(self, index, value)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment."
            )
        t = type(self)._from_array(self._data.copy(), self._requires_grad)
        if self.grad is not None:
            t.grad = Tensor._from_array(self.grad._data.copy())
        memo[id(self)] = t
        return t

    # Arithmetic operators: each is a differentiable op (see minigrad/ops/elementwise.py).
    # When nothing is recorded (backward passes, no_grad, tensors without grad) and no type
    # promotion is involved, + - * / compute directly on the arrays: same result, a fraction of
    # the dispatch cost. Anything else (and every error) takes the op's full path.
    def __add__(self, other):
        b = _direct_operand(self, other)
        if b is not None:
            try:
                return Tensor._from_array(self._data + b)
            except (ValueError, OverflowError):
                pass
        return _ops.add(self, other)

    def __radd__(self, other):
        b = _direct_operand(self, other)
        if b is not None:
            try:
                return Tensor._from_array(b + self._data)
            except (ValueError, OverflowError):
                pass
        return _ops.add(other, self)

    def __sub__(self, other):
        b = _direct_operand(self, other)
        if b is not None:
            try:
                return Tensor._from_array(self._data - b)
            except (ValueError, OverflowError):
                pass
        return _ops.sub(self, other)

    def __rsub__(self, other):
        b = _direct_operand(self, other)
        if b is not None:
            try:
                return Tensor._from_array(b - self._data)
            except (ValueError, OverflowError):
                pass
        return _ops.sub(other, self)

    def __mul__(self, other):
        b = _direct_operand(self, other)
        if b is not None:
            try:
                return Tensor._from_array(self._data * b)
            except (ValueError, OverflowError):
                pass
        return _ops.mul(self, other)

    def __rmul__(self, other):
        b = _direct_operand(self, other)
        if b is not None:
            try:
                return Tensor._from_array(b * self._data)
            except (ValueError, OverflowError):
                pass
        return _ops.mul(other, self)

    def __truediv__(self, other):
        if self._data.dtype.kind == "f":
            b = _direct_operand(self, other)
            if b is not None:
                try:
                    if type(b) is not np.ndarray and 1 <= builtins.abs(b) < math.inf:
                        # cannot divide by zero or overflow: skip errstate (it costs ~2 µs)
                        return Tensor._from_array(self._data / b)
                    with ignore_fp_errors():  # PyTorch never warns on x / 0
                        return Tensor._from_array(self._data / b)
                except (ValueError, OverflowError):
                    pass
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        if self._data.dtype.kind == "f":
            b = _direct_operand(self, other)
            if b is not None:
                try:
                    with ignore_fp_errors():
                        return Tensor._from_array(b / self._data)
                except (ValueError, OverflowError):
                    pass
        return _ops.div(other, self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __pow__(self, exponent):
        return _ops.pow(self, exponent)

    def __rpow__(self, base):
        return _ops.pow(base, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        if not (self._requires_grad and _grad_state.enabled) and self._data.dtype.kind in "fi":
            return Tensor._from_array(-self._data)
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    @_not_implemented_on_type_error
    def __eq__(self, other):
        return _ops.eq(self, other)

    @_not_implemented_on_type_error
    def __ne__(self, other):
        return _ops.ne(self, other)

    @_not_implemented_on_type_error
    def __lt__(self, other):
        return _ops.lt(self, other)

    @_not_implemented_on_type_error
    def __le__(self, other):
        return _ops.le(self, other)

    @_not_implemented_on_type_error
    def __gt__(self, other):
        return _ops.gt(self, other)

    @_not_implemented_on_type_error
    def __ge__(self, other):
        return _ops.ge(self, other)

    # In-place operators: ``x += y`` changes x's storage (see minigrad/ops/inplace.py).
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __iand__(self, other):
        return self.bitwise_and_(other)

    def __ior__(self, other):
        return self.bitwise_or_(other)

    def __ixor__(self, other):
        return self.bitwise_xor_(other)


def _rebuild(data, requires_grad):
    return Tensor._from_array(data, requires_grad)


def _varargs(args: tuple) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)`` all mean the tuple (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


_check_device = _device.check_device


_TYPE_NAMES = {
    _dtype.float32: "minigrad.FloatTensor",
    _dtype.float64: "minigrad.DoubleTensor",
    _dtype.float16: "minigrad.HalfTensor",
    _dtype.int64: "minigrad.LongTensor",
    _dtype.int32: "minigrad.IntTensor",
    _dtype.int16: "minigrad.ShortTensor",
    _dtype.uint8: "minigrad.ByteTensor",
    _dtype.bool_: "minigrad.BoolTensor",
}

# NumPy ufuncs that map to differentiable ops when called on Tensors (``np.add(arr, t)``).
_UFUNC_OPS = {
    "add": "add", "subtract": "sub", "multiply": "mul", "true_divide": "div",
    "power": "pow", "matmul": "matmul", "negative": "neg", "equal": "eq", "not_equal": "ne",
    "less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge",
    "exp": "exp", "log": "log", "sqrt": "sqrt", "tanh": "tanh", "sin": "sin", "cos": "cos",
    "absolute": "abs", "maximum": "maximum", "minimum": "minimum",
}

# Methods that are exactly the functional op with the tensor as first argument.
_FUNCTIONAL_METHODS = [
    # elementwise
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "sign", "exp", "exp2",
    "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin",
    "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu", "clamp",
    "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin", "where", "erf",
    "erfc", "erfinv", "lerp", "floor", "ceil", "round", "trunc", "frac", "isnan", "isinf",
    "isfinite", "nan_to_num", "eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "equal",
    "not_equal", "greater_equal", "less_equal",
    "logical_and", "logical_or", "logical_not", "logical_xor", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "allclose", "isclose", "atan2", "hypot", "softmax",
    "log_softmax", "addcmul", "addcdiv", "sgn", "heaviside", "xlogy", "logaddexp",
    # reductions
    "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std",
    "logsumexp", "norm", "all", "any", "cumsum", "cumprod", "median", "mode", "var_mean",
    "std_mean", "count_nonzero", "aminmax", "topk", "sort", "argsort", "nansum", "nanmean",
    "equal",
    # shape
    "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "swapaxes", "swapdims", "t",
    "expand_as", "broadcast_to", "split", "chunk", "narrow", "movedim", "moveaxis", "unbind",
    "contiguous", "clone", "ravel", "roll", "tril", "triu", "diagonal", "diag",
    "tensor_split", "select", "fliplr", "flipud", "diag_embed",
    # indexing
    "gather", "scatter", "scatter_add", "index_select", "masked_fill", "masked_select",
    "nonzero", "take", "index_add", "index_fill", "index_copy", "put",
    "masked_scatter", "take_along_dim", "argwhere",
    # linear algebra
    "matmul", "mm", "bmm", "mv", "dot", "outer", "inner", "addmm", "baddbmm", "vdot", "kron",
    "addmv", "addr", "addbmm", "trace", "ger",
    # in-place
    "add_", "sub_", "mul_", "div_", "pow_", "neg_", "abs_", "zero_", "fill_", "copy_",
    "clamp_", "clip_", "masked_fill_", "scatter_", "scatter_add_", "index_fill_", "uniform_",
    "normal_", "bernoulli_", "exponential_", "random_", "exp_", "log_", "sqrt_", "relu_",
    "sigmoid_", "tanh_", "floor_", "ceil_", "round_", "trunc_", "clamp_min_", "clamp_max_",
    "addcmul_", "addcdiv_", "lerp_", "sign_", "square_", "reciprocal_", "fill_diagonal_",
    "index_add_", "index_copy_", "squeeze_", "unsqueeze_", "t_", "transpose_", "resize_",
    "bitwise_and_", "bitwise_or_", "bitwise_xor_", "logical_not_", "nan_to_num_",
    "masked_scatter_", "put_", "requires_grad_", "subtract_", "multiply_", "divide_",
    "true_divide_", "floor_divide_", "remainder_", "fmod_", "negative_", "absolute_", "exp2_",
    "log2_", "log10_", "log1p_", "expm1_", "rsqrt_", "sin_", "cos_", "tan_", "frac_", "erf_",
    "bitwise_not_", "logical_and_", "logical_or_", "atan2_", "hypot_",
]


def _bind_functional_methods() -> None:
    """Attach ``_FUNCTIONAL_METHODS`` that the ops modules define (others stay absent)."""
    for name in _FUNCTIONAL_METHODS:
        fn = getattr(_ops, name, None)
        if fn is not None and name not in Tensor.__dict__:
            setattr(Tensor, name, fn)


_function._register_tensor_class(Tensor)

from minigrad import ops as _ops

_bind_functional_methods()
