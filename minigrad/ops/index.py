"""Indexing: ``t[...]`` with ints, slices, None, Ellipsis, integer/bool tensors and lists, and the
index ops built on it (gather, scatter, index_select, masked_fill, take, put, ...).

Two Functions carry everything: ``GetItem`` (read ``x[index]``) and ``Put`` (write or add ``src``
at ``x[index]``). The backward of a read is an add into zeros (a repeated index accumulates),
the backward of that add is the read again, and a write's backward is a read plus a write of
zeros, so every op here differentiates any number of times. Named ops (``Gather``,
``Scatter``, ...) subclass them only to give the node PyTorch's name (``GatherBackward0``).
"""
from __future__ import annotations

import numbers

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops._util import broadcast_shapes, normalize_dim
from minigrad.tensor import Tensor

__all__ = [
    "getitem", "gather", "scatter", "scatter_add", "index_select", "masked_fill",
    "masked_select", "masked_scatter", "take", "take_along_dim", "put", "index_add",
    "index_fill", "index_copy", "nonzero", "argwhere", "searchsorted", "bucketize",
]

_INDEX_TYPES = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                "are valid indices")


# -- converting and checking an index -----------------------------------------------------------
def _convert_one(item):
    """One index element as NumPy understands it; PyTorch's errors for bad index types."""
    if isinstance(item, Tensor):
        a = item._data
        if a.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if a.dtype == np.uint8:  # PyTorch's (deprecated) byte masks
            return a.astype(bool)
        if a.ndim == 0 and a.dtype.kind == "i":
            return int(a)  # a 0-d integer tensor indexes like an int (a view, dim removed)
        return a
    if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
        return item
    if isinstance(item, (numbers.Integral, np.integer)):
        return int(item)
    if isinstance(item, slice):
        step = None if item.step is None else int(item.step)
        if step is not None and step <= 0:
            raise ValueError("step must be greater than zero")
        return slice(None if item.start is None else int(item.start),
                     None if item.stop is None else int(item.stop), step)
    if isinstance(item, range):
        return np.arange(item.start, item.stop, item.step, dtype=np.int64)
    if isinstance(item, (list, tuple, np.ndarray)):
        a = np.asarray([x._data if isinstance(x, Tensor) else x for x in item]
                       if not isinstance(item, np.ndarray) else item)
        if a.size == 0:
            return a.astype(np.int64)
        if a.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a
    raise IndexError(f"{_INDEX_TYPES} (got {type(item).__name__})")


def _check_index(shape: tuple, items: tuple) -> None:
    """IndexError naming the dimension for out-of-range positions, too many indices, or a mask
    whose shape does not match (NumPy would say 'axis', and less exactly)."""
    ndim = len(shape)
    used = [(0 if i is None or i is Ellipsis or isinstance(i, (bool, np.bool_))
             else i.ndim if isinstance(i, np.ndarray) and i.dtype == np.bool_ else 1)
            for i in items]
    if sum(i is Ellipsis for i in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if sum(used) > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    pos = 0
    for item, k in zip(items, used):
        if item is Ellipsis:
            pos += ndim - sum(used)
            continue
        if isinstance(item, np.ndarray) and item.dtype == np.bool_:
            for j, n in enumerate(item.shape):
                if n != shape[pos + j]:
                    raise IndexError(f"The shape of the mask {list(item.shape)} at index {j} does "
                                     f"not match the shape of the indexed tensor {list(shape)} at "
                                     f"index {pos + j}")
        elif isinstance(item, (int, np.ndarray)) and not isinstance(item, bool):
            a = np.asarray(item)
            n = shape[pos]
            if a.size:
                lo, hi = int(a.min()), int(a.max())
                if hi >= n or lo < -n:
                    raise IndexError(f"index {hi if hi >= n else lo} is out of bounds for "
                                     f"dimension {pos} with size {n}")
        pos += k


def convert_index(index, shape: tuple | None = None) -> tuple[object, bool]:
    """``(numpy_index, is_basic)``; basic indices (ints, slices, None, ...) give views.

    With ``shape``, positions and masks are checked against it (PyTorch's IndexErrors).
    """
    if isinstance(index, list) and len(index) < 32 and any(
            isinstance(i, (list, tuple, slice, Tensor)) or i is None or i is Ellipsis
            for i in index):
        index = tuple(index)  # PyTorch's legacy rule: such a list means a tuple of indices
    items = index if isinstance(index, tuple) else (index,)
    converted = tuple(_convert_one(i) for i in items)
    if shape is not None:
        _check_index(tuple(shape), converted)
    basic = all(isinstance(i, (int, slice)) or i is None or i is Ellipsis
                for i in converted) and not any(isinstance(i, bool) for i in converted)
    return (converted if isinstance(index, tuple) else converted[0]), basic


# -- the two primitive Functions -----------------------------------------------------------------
class GetItem(Function):
    """``x[index]``: a view for basic indices, a copy for advanced ones."""

    @staticmethod
    def forward(ctx, x, index, basic):
        ctx.shape, ctx.index, ctx.basic = x.shape, index, basic
        out = x._data[index]
        if basic and not isinstance(out, np.ndarray):
            # NumPy gives a scalar copy for a full integer index; PyTorch gives a 0-d view.
            items = index if isinstance(index, tuple) else (index,)
            out = x._data[items + (Ellipsis,)]
        return out

    @staticmethod
    def backward(ctx, grad):
        return IndexAddInto.apply(grad, ctx.shape, ctx.index, ctx.basic)


class IndexAddInto(Function):
    """Zeros of ``shape`` with ``grad`` added at ``index`` (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, grad, shape, index, basic):
        ctx.index, ctx.basic = index, basic
        out = np.zeros(shape, dtype=grad._data.dtype)
        if basic:
            out[index] = grad._data
        else:
            np.add.at(out, index, grad._data)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index, ctx.basic)


class Put(Function):
    """``out = x.clone(); out[index] = src`` (or ``+= src`` with ``accumulate``, where repeated
    indices add up). ``src`` has the shape of ``x[index]`` or broadcasts to it."""

    @staticmethod
    def forward(ctx, x, src, index, accumulate):
        ctx.index, ctx.accumulate = index, accumulate
        out = x._data.copy()
        if accumulate:
            np.add.at(out, index, np.broadcast_to(src._data, out[index].shape))
        else:
            out[index] = src._data
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad_src = None
        if ctx.needs_input_grad[0]:
            # Overwritten positions do not depend on x: zero them (a differentiable write).
            zero = Tensor._from_array(np.zeros((), grad._data.dtype))
            grad_x = grad if ctx.accumulate else Put.apply(grad, zero, ctx.index, False)
        if ctx.needs_input_grad[1]:
            grad_src = GetItem.apply(grad, ctx.index, False)  # the engine sums a broadcast src
        return grad_x, grad_src


class Gather(GetItem):
    pass


class IndexSelect(GetItem):
    pass


class MaskedSelect(GetItem):
    pass


class Take(GetItem):
    pass


class Scatter(Put):
    pass


class ScatterAdd(Put):
    pass


class MaskedFill(Put):
    pass


class MaskedScatter(Put):
    pass


class IndexAdd(Put):
    pass


class IndexCopy(Put):
    pass


class IndexFill(Put):
    pass


# -- getitem ---------------------------------------------------------------------------------------
def getitem(input: Tensor, index) -> Tensor:
    """``input[index]`` with PyTorch's indexing rules (NumPy's, plus PyTorch's errors)."""
    np_index, basic = convert_index(index, input.shape)
    try:
        # Always through the Function, so a basic index is recorded as a view of ``input``
        # (shared version counter) even when no gradient is needed.
        return GetItem.apply(input, np_index, basic)
    except IndexError as e:  # advanced indices that do not broadcast together
        raise IndexError(str(e).replace("arrays", "tensors").replace("axis", "dimension")) \
            from None


# -- argument checks shared by the index ops -------------------------------------------------------
def _index_tensor(index, op: str, allow_int32: bool = True) -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    a = index._data
    if a.dtype != np.int64 and not (allow_int32 and a.dtype == np.int32):
        raise RuntimeError(f"{op}(): Expected dtype {'int32/' if allow_int32 else ''}int64 for "
                           f"index, got {index.dtype.name}")
    return a


def _vector_index(index, op: str) -> np.ndarray:
    """A 0-d or 1-D integer index as 1-D."""
    a = _index_tensor(index, op)
    if a.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return a.reshape(-1)


def _check_range(a: np.ndarray, n: int, dim: int, op: str, allow_negative: bool = False) -> None:
    if a.size:
        lo, hi = int(a.min()), int(a.max())
        low = -n if allow_negative else 0
        if hi >= n or lo < low:
            raise RuntimeError(f"{op}(): index {hi if hi >= n else lo} is out of bounds for "
                               f"dimension {dim} with size {n}")


def _same_dtype(x: Tensor, src: Tensor, op: str) -> None:
    if x._data.dtype != src._data.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype, but got "
                           f"{x.dtype.name} and {src.dtype.name}")


def _value_tensor(value, like: Tensor, op: str) -> Tensor:
    """A fill value (number or 0-d tensor) as a 0-d tensor of ``like``'s dtype."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value.ndim} dimension(s).")
        return value.to(like.dtype)
    if not isinstance(value, (numbers.Number, np.generic)):
        raise TypeError(f"{op}(): argument 'value' must be Number, not {type(value).__name__}")
    return Tensor._from_array(np.asarray(value).astype(like._data.dtype))


def _bool_mask(mask, op: str, message: str) -> np.ndarray:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(message.format(dtype=mask.dtype.name))
    return mask._data


def _along_dim(index: np.ndarray, dim: int) -> tuple:
    """The advanced index that reads ``x[i0, ..., index[i0, ..., ik], ..., ik]`` at every
    position of ``index``: ``index`` at ``dim``, broadcastable aranges elsewhere."""
    nd = index.ndim
    return tuple(index if d == dim else
                 np.arange(index.shape[d]).reshape([-1 if k == d else 1 for k in range(nd)])
                 for d in range(nd))


def _check_gather_shapes(op: str, input: Tensor, dim: int, index: np.ndarray,
                         src: Tensor | None = None) -> None:
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if src is not None and index.ndim != src.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for d in range(index.ndim):
        too_big = (d != dim and index.shape[d] > input.shape[d]) or (
            src is not None and index.shape[d] > src.shape[d])
        if too_big:
            extra = f" and to be no larger size than src {list(src.shape)}" if src is not None \
                else ""
            raise RuntimeError(f"{op}(): Size does not match at dimension {d}: expected index "
                               f"{list(index.shape)} to be no larger than self "
                               f"{list(input.shape)} apart from dimension {dim}{extra}")
    _check_range(index, input.shape[dim], dim, op)


def _src_region(src: Tensor, shape: tuple) -> Tensor:
    """The leading ``shape`` corner of ``src`` (scatter uses only that part of a larger src)."""
    if src.shape == tuple(shape):
        return src
    return getitem(src, tuple(slice(0, n) for n in shape))


# -- gather / scatter ------------------------------------------------------------------------------
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` (for dim=1); out has index's shape.

    index: int64 with input's ndim and no larger than input except along ``dim``.
    """
    d = normalize_dim(dim, input.ndim)
    idx = _index_tensor(index, "gather")
    _check_gather_shapes("gather", input, d, idx)
    return Gather.apply(input, _along_dim(idx, d), False)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with broadcasting of ``input`` and ``indices`` outside ``dim`` (flattened input
    when ``dim`` is None), as ``np.take_along_axis``."""
    if dim is None:
        return take(input, indices.reshape(-1))
    d = normalize_dim(dim, input.ndim)
    idx = _index_tensor(indices, "take_along_dim")
    if idx.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    outer = list(broadcast_shapes(tuple(n for k, n in enumerate(input.shape) if k != d),
                                  tuple(n for k, n in enumerate(idx.shape) if k != d)))
    x_shape, i_shape = list(outer), list(outer)
    x_shape.insert(d, input.shape[d])
    i_shape.insert(d, idx.shape[d])
    _check_range(idx, input.shape[d], d, "take_along_dim", allow_negative=True)
    idx = np.broadcast_to(idx, i_shape) % max(input.shape[d], 1)
    return Gather.apply(input.expand(x_shape), _along_dim(idx, d), False)


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``out[i][index[i][j]] = src[i][j]`` (for dim=1); ``src`` may be a
    tensor (at least index's shape) or a number (``value``). Repeated targets: one write wins."""
    if reduce is not None:
        raise NotImplementedError("scatter(reduce=...) is not supported; use scatter_add")
    if src is None and value is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    source = src if src is not None else value
    d = normalize_dim(dim, input.ndim)
    idx = _index_tensor(index, "scatter", allow_int32=False)
    if isinstance(source, Tensor):
        _check_gather_shapes("scatter", input, d, idx, source)
        _same_dtype(input, source, "scatter")
        source = _src_region(source, idx.shape)
    else:
        _check_gather_shapes("scatter", input, d, idx)
        source = _value_tensor(source, input, "scatter")
    return Scatter.apply(input, source, _along_dim(idx, d), False)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``out[i][index[i][j]] += src[i][j]`` (for dim=1); repeated targets
    accumulate. The adjoint of ``gather``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 4) must be Tensor, not "
                        f"{type(src).__name__}")
    d = normalize_dim(dim, input.ndim)
    idx = _index_tensor(index, "scatter_add", allow_int32=False)
    _check_gather_shapes("scatter_add", input, d, idx, src)
    _same_dtype(input, src, "scatter_add")
    return ScatterAdd.apply(input, _src_region(src, idx.shape), _along_dim(idx, d), True)


# -- index_* along one dim -------------------------------------------------------------------------
def _dim_index(input: Tensor, dim: int, index, op: str) -> tuple[int, np.ndarray, tuple]:
    """(dim, 1-D index, NumPy index selecting those positions along dim)."""
    d = normalize_dim(dim, input.ndim)
    idx = _vector_index(index, op)
    _check_range(idx, input.shape[d] if input.ndim else 1, d, op)
    return d, idx, (slice(None),) * d + (idx,)


def _check_source(input: Tensor, d: int, idx: np.ndarray, source, op: str,
                  error: type = RuntimeError) -> None:
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}(): argument 'source' must be Tensor, not {type(source).__name__}")
    expected = input.shape[:d] + (len(idx),) + input.shape[d + 1:]
    if source.shape != expected:
        raise error(f"{op}(): Number of indices ({len(idx)}) should be equal to "
                           f"source.size(dim) ({source.shape[d] if source.ndim > d else 1}), for "
                           f"dim: {d}; source shape {list(source.shape)} should be "
                           f"{list(expected)}")
    _same_dtype(input, source, op)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices ``index`` (0-d or 1-D, int) along ``dim``: (a, n, b) -> (a, len(index), b)."""
    _, _, np_index = _dim_index(input, dim, index, "index_select")
    return IndexSelect.apply(input, np_index, False)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source[..., i, ...]`` added at ``index[i]`` along
    ``dim`` (repeated indices accumulate)."""
    d, idx, np_index = _dim_index(input, dim, index, "index_add")
    _check_source(input, d, idx, source, "index_add")
    if alpha != 1:
        source = source * alpha
    return IndexAdd.apply(input, source, np_index, True)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with ``source[..., i, ...]`` written at ``index[i]`` along ``dim``."""
    d, idx, np_index = _dim_index(input, dim, index, "index_copy")
    _check_source(input, d, idx, source, "index_copy", IndexError)  # PyTorch's type
    return IndexCopy.apply(input, source, np_index, False)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with the slices ``index`` along ``dim`` set to ``value`` (a number or
    a 0-d tensor, which then receives the gradient of every filled position)."""
    _, _, np_index = _dim_index(input, dim, index, "index_fill")
    mask = np.zeros(input.shape, dtype=bool)
    mask[np_index] = True  # a mask, so a repeated index fills (and is differentiated) once
    return IndexFill.apply(input, _value_tensor(value, input, "index_fill"), (mask,), False)


# -- masks -----------------------------------------------------------------------------------------
def _broadcast_with_mask(input: Tensor, mask: np.ndarray) -> tuple[Tensor, np.ndarray]:
    shape = broadcast_shapes(mask.shape, input.shape)  # PyTorch names the mask 'tensor a'
    return input.expand(shape), np.broadcast_to(mask, shape)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` with ``value`` (a number or a 0-d tensor) where the bool ``mask`` (broadcast) is
    true."""
    m = _bool_mask(mask, "masked_fill",
                   "masked_fill_ only supports boolean masks, but got mask with dtype {dtype}")
    value = _value_tensor(value, input, "masked_fill_")
    x, m = _broadcast_with_mask(input, m)
    return MaskedFill.apply(x, value, (m,), False)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where the bool ``mask`` (broadcast with ``input``) is true, as a 1-D tensor."""
    m = _bool_mask(mask, "masked_select", "masked_select: expected BoolTensor for mask")
    x, m = _broadcast_with_mask(input, m)
    return MaskedSelect.apply(x, (m,), False)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the true positions of ``mask`` filled, in row-major order, by the first
    ``mask.sum()`` elements of ``source``."""
    m = _bool_mask(mask, "masked_scatter",
                   "masked_scatter_ only supports boolean masks, but got mask with dtype {dtype}")
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): argument 'source' must be Tensor, not "
                        f"{type(source).__name__}")
    _same_dtype(input, source, "masked_scatter")
    x, m = _broadcast_with_mask(input, m)
    count = int(m.sum())
    if source.numel() < count:
        raise RuntimeError(f"Number of elements of source < number of ones in mask "
                           f"({source.numel()} < {count})")
    values = getitem(source.reshape(-1), slice(0, count))
    return MaskedScatter.apply(x, values, (m,), False)


# -- flat positions --------------------------------------------------------------------------------
def _flat_index(input: Tensor, index, op: str) -> tuple:
    """An index into the flattened ``input`` (at least 1-D; negatives wrap) as a NumPy index
    into ``input`` itself."""
    a = _index_tensor(index, op, allow_int32=False)
    n = input.numel()
    if a.size:
        lo, hi = int(a.min()), int(a.max())
        if hi >= n or lo < -n:
            raise IndexError(f"out of range: tried to access index {hi if hi >= n else lo} on a "
                             f"tensor of {n} elements.")
    return np.unravel_index(a % max(n, 1), input.shape)


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened ``input`` at ``index``; the result has index's shape."""
    if input.ndim == 0:
        input = input.reshape(1)
    return Take.apply(input, _flat_index(input, index, "take"), False)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with the flattened positions ``index`` set to (or, with
    ``accumulate``, increased by) the elements of ``source``."""
    if not isinstance(source, Tensor):
        raise TypeError(f"put(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, "
                         f"but got source.numel() = {source.numel()}, index.numel() = "
                         f"{index.numel()}")
    _same_dtype(input, source, "put")
    flat = input.reshape(1) if input.ndim == 0 else input
    np_index = _flat_index(flat, index, "put")
    out = Put.apply(flat, source.reshape(index.shape), np_index, bool(accumulate))
    return out.reshape(()) if input.ndim == 0 else out


# -- positions of values ---------------------------------------------------------------------------
def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of non-zero elements: ``(n, ndim)`` int64, or a tuple of ``ndim`` 1-D tensors
    (a 0-d input counts as 1-D)."""
    a = input._data
    if as_tuple:
        return tuple(Tensor._from_array(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(a)))
    return Tensor._from_array(np.argwhere(a).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: an ``(n, ndim)`` int64 tensor of the non-zero positions."""
    return nonzero(input)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Insertion points of ``input`` in the last dim of ``sorted_sequence`` (leading dims, if
    any, must equal input's). ``right``/``side='right'`` puts equal values after existing ones."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    if seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           f"first N-1 dimensions of boundaries tensor and input value tensor "
                           f"must match, but we got boundaries tensor {list(seq.shape)} and input "
                           f"value tensor {list(values.shape)}")
    kind = "right" if right else "left"
    if seq.ndim <= 1:
        out = np.searchsorted(seq, values, side=kind)
    else:  # one search per leading position
        rows, vals = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
        out = np.stack([np.searchsorted(r, v, side=kind) for r, v in zip(rows, vals)])
        out = out.reshape(values.shape)
    return Tensor._from_array(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each element for the sorted 1-D ``boundaries`` (``right=False``: the index
    i with boundaries[i-1] < x <= boundaries[i])."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
