"""Shape operations: reshape/view, permute/transpose, expand, squeeze/unsqueeze, flatten, clone,
joining (cat, stack, ...), splitting (split, chunk, unbind), flip/roll/repeat, triangles and
diagonals, meshgrid.

Most forward passes return NumPy views (no copy), as PyTorch's views share storage. Every
backward is written with differentiable ops (cat's backward is a split, whose backward is a
cat), so double backward works.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops._util import as_tensor_arg, normalize_dim, normalize_dims, result_dtype
from minigrad.tensor import Tensor

__all__ = [
    "reshape", "view", "permute", "transpose", "swapaxes", "swapdims", "t", "expand",
    "expand_as", "broadcast_to", "squeeze", "unsqueeze", "flatten", "contiguous", "clone",
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack",
    "column_stack", "split", "tensor_split", "chunk", "unbind", "select", "narrow", "flip",
    "fliplr", "flipud", "tile", "unflatten", "movedim", "moveaxis", "roll", "tril",
    "triu", "diagonal", "diag", "diag_embed", "ravel", "meshgrid", "atleast_1d", "atleast_2d",
    "atleast_3d",
]


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` and check the element count, with PyTorch's message."""
    shape = tuple(int(n) for n in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(n for n in shape if n != -1)
    if any(n < -1 for n in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if n == -1 else n for n in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return x._data.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape)


def reshape(input: Tensor, shape) -> Tensor:
    """The same elements in ``shape`` (a view when possible, else a copy); one dim may be -1."""
    shape = _infer_shape(tuple(shape), input._data.size)
    if shape == input._data.shape:
        return input if not input.requires_grad else Reshape.apply(input, shape)
    return Reshape.apply(input, shape)


def view(input: Tensor, shape) -> Tensor:
    """Like ``reshape`` but never copies: RuntimeError when the strides do not allow a view."""
    shape = _infer_shape(tuple(shape), input._data.size)
    probe = input._data.reshape(shape)
    if probe.size and not np.may_share_memory(probe, input._data):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return Reshape.apply(input, shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return x._data.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(ctx.inverse)


def permute(input: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    return Permute.apply(input, normalize_dims(dims, input.ndim))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (a view)."""
    n = input.ndim
    d0, d1 = normalize_dim(dim0, n), normalize_dim(dim1, n)
    if d0 == d1 or n < 2:
        return permute(input, tuple(range(n)))
    order = list(range(n))
    order[d0], order[d1] = order[d1], order[d0]
    return Permute.apply(input, tuple(order))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose of a matrix (0-D and 1-D tensors are returned as is)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else input


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x._data, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine sums it back to the input's shape


def expand(input: Tensor, sizes) -> Tensor:
    """Broadcast to ``sizes`` without copying (-1 keeps a dimension)."""
    sizes = tuple(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({input.ndim})"
        )
    lead = len(sizes) - input.ndim
    shape = []
    for i, n in enumerate(sizes):
        own = input.shape[i - lead] if i >= lead else None
        if n == -1:
            if own is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            n = own
        if own is not None and own != 1 and own != n:
            raise RuntimeError(
                f"The expanded size of the tensor ({n}) must match the existing size ({own}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(input.shape)}"
            )
        shape.append(int(n))
    shape = tuple(shape)
    if shape == input._data.shape:
        return input
    return Expand.apply(input, shape)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dimensions (all, or those in ``dim``)."""
    dims = normalize_dims(dim, input.ndim) if dim is not None else tuple(range(input.ndim))
    shape = tuple(n for i, n in enumerate(input.shape) if not (i in dims and n == 1))
    return reshape(input, shape) if shape != input.shape else input


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (in ``[-ndim-1, ndim]``)."""
    d = normalize_dim(dim, input.ndim + 1)
    shape = input.shape[:d] + (1,) + input.shape[d:]
    return reshape(input, shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    s, e = normalize_dim(start_dim, input.ndim), normalize_dim(end_dim, input.ndim)
    if input.ndim == 0:
        return reshape(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape[:s] + (math.prod(input.shape[s:e + 1]),) + input.shape[e + 1:]
    return reshape(input, shape)


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x._data.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own storage (differentiable)."""
    return Clone.apply(input)


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """``input`` itself when C-contiguous, else a contiguous copy."""
    return input if input._data.flags.c_contiguous else Clone.apply(input)


# -- joining -------------------------------------------------------------------------------------
def _tensor_sequence(tensors, name: str) -> list:
    """The tensors of a tuple/list argument, with PyTorch's TypeErrors for anything else."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): expected Tensor as element {i} in argument 'tensors', but "
                            f"got {type(x).__name__}")
    return list(tensors)


def _promoted(tensors: list) -> list:
    """The tensors cast (differentiably) to their common dtype, as cat and stack promote."""
    dt = result_dtype(*tensors)
    return [as_tensor_arg(x, dt) for x in tensors]


class Cat(Function):
    """Join along ``dim``; each input's gradient is its slice of the output gradient."""

    @staticmethod
    def forward(ctx, *tensors, dim):
        ctx.dim, ctx.sizes = dim, [x.shape[dim] for x in tensors]
        return np.concatenate([x._data for x in tensors], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return split(grad, ctx.sizes, ctx.dim)


def cat(tensors, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors that agree except along ``dim``: (a, n1, b), (a, n2, b) -> (a, n1 + n2, b).

    Dtypes are promoted; 1-D empty tensors are skipped (PyTorch's legacy rule).
    """
    tensors = _tensor_sequence(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dim = axis if axis is not None else dim
    for i, x in enumerate(tensors):
        if x.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [(i, x) for i, x in enumerate(tensors) if not (x.ndim == 1 and x.shape[0] == 0)]
    kept = kept or [(0, tensors[0])]
    ref = kept[0][1]
    d = normalize_dim(dim, ref.ndim)
    for i, x in kept:
        if x.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{x.ndim}")
        for k in range(ref.ndim):
            if k != d and x.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {x.shape[k]} for tensor number {i} in the list "
                    f"(shapes {list(ref.shape)} and {list(x.shape)})."
                )
    return Cat.apply(*_promoted([x for _, x in kept]), dim=d)


concat = cat


def concatenate(tensors, axis: int = 0) -> Tensor:
    """NumPy-style name of ``cat``."""
    return cat(tensors, axis)


class Stack(Function):
    """Join equal-shaped tensors along a new ``dim``; backward unbinds the gradient."""

    @staticmethod
    def forward(ctx, *tensors, dim):
        ctx.dim = dim
        return np.stack([x._data for x in tensors], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return unbind(grad, ctx.dim)


def stack(tensors, dim: int = 0) -> Tensor:
    """Stack ``k`` tensors of shape ``s`` into one of shape ``s[:dim] + (k,) + s[dim:]``."""
    tensors = _tensor_sequence(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, x in enumerate(tensors):
        if x.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(x.shape)} at entry "
                               f"{i}")
    d = normalize_dim(dim, tensors[0].ndim + 1)
    return Stack.apply(*_promoted(tensors), dim=d)


def hstack(tensors) -> Tensor:
    """Concatenate column-wise: along dim 0 for 1-D tensors, else along dim 1."""
    tensors = _atleast(_tensor_sequence(tensors, "hstack"), 1)
    return cat(tensors, 0 if all(x.ndim == 1 for x in tensors) else 1)


def vstack(tensors) -> Tensor:
    """Concatenate row-wise after making every tensor at least 2-D ((n,) -> (1, n))."""
    return cat(_atleast(_tensor_sequence(tensors, "vstack"), 2), 0)


row_stack = vstack


def dstack(tensors) -> Tensor:
    """Concatenate depth-wise (dim 2) after making every tensor at least 3-D."""
    return cat(_atleast(_tensor_sequence(tensors, "dstack"), 3), 2)


def column_stack(tensors) -> Tensor:
    """Stack as columns: 0-D and 1-D tensors become (n, 1) columns, then ``hstack``."""
    tensors = _tensor_sequence(tensors, "column_stack")
    return hstack([x.reshape(x.numel(), 1) if x.ndim <= 1 else x for x in tensors])


# -- splitting ---------------------------------------------------------------------------------
class SplitWithSizes(Function):
    """Views of consecutive pieces along ``dim``; backward concatenates the pieces' gradients."""

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        bounds = np.cumsum((0,) + tuple(sizes))
        lead = (slice(None),) * dim
        return tuple(x._data[lead + (slice(int(a), int(b)),)]
                     for a, b in zip(bounds[:-1], bounds[1:]))

    @staticmethod
    def backward(ctx, *grads):
        return cat(list(grads), ctx.dim)


def _split_with_sizes(input: Tensor, sizes: list, dim: int) -> tuple:
    return SplitWithSizes.apply(input, tuple(int(n) for n in sizes), dim)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the listed sizes."""
    d = normalize_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
        return _split_with_sizes(tensor, sizes, d)
    size = int(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        return _split_with_sizes(tensor, [0], d)
    sizes = [size] * (n // size) + ([n % size] if n % size else [])
    return _split_with_sizes(tensor, sizes or [0], d)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """``sections`` nearly equal pieces (the first ``n % sections`` one larger), or pieces cut at
    the listed indices (clamped to the size, as NumPy's ``array_split``)."""
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, (list, tuple)):
        cuts = [min(max(int(i) + (n if i < 0 else 0), 0), n) for i in indices_or_sections]
        bounds = [0] + cuts + [n]
        pairs = list(zip(bounds[:-1], bounds[1:]))
        if all(a <= b for a, b in pairs):
            return _split_with_sizes(input, [b - a for a, b in pairs], d)
        # Decreasing cuts give overlapping/empty pieces, as Python slicing does.
        from minigrad.ops.index import getitem

        return tuple(getitem(input, (slice(None),) * d + (slice(a, b),)) for a, b in pairs)
    sections = int(indices_or_sections)
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    q, r = divmod(n, sections)
    return _split_with_sizes(input, [q + 1] * r + [q] * (sections - r), d)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of ``ceil(n / chunks)`` along ``dim`` (fewer when n is small)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    if n == 0:
        return _split_with_sizes(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


class Unbind(Function):
    """Every slice along ``dim`` as a view; backward stacks the slices' gradients."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x._data[lead + (i,)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(list(grads), ctx.dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The tuple of slices along ``dim`` (each with that dim removed)."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(dim, input.ndim)
    if input.shape[d] == 0:
        return ()
    return Unbind.apply(input, d)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (that dim removed): ``input[..., index, ...]``."""
    from minigrad.ops.index import getitem

    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return getitem(input, (slice(None),) * d + (index,))


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """``length`` elements from ``start`` along ``dim`` (a view); ``start`` may be negative."""
    from minigrad.ops.index import getitem

    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    start = start + n if start < 0 else start
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


# -- reordering elements ---------------------------------------------------------------------------
def _distinct_dims(dims, ndim: int) -> tuple:
    """Normalised dims; an empty tuple stays empty (unlike reductions, where it means all)."""
    dims = tuple(normalize_dim(d, ndim) for d in dims)
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return dims


class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x._data, dims).copy()  # PyTorch's flip copies

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims)


def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order of elements along each of ``dims`` (a copy)."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return Flip.apply(input, _distinct_dims(dims, input.ndim))


def fliplr(input: Tensor) -> Tensor:
    """Flip left-right (dim 1); needs at least 2 dims."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Flip up-down (dim 0); needs at least 1 dim."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x._data, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        return Roll.apply(grad, tuple(-s for s in ctx.shifts), ctx.dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along ``dims`` (the flattened tensor when ``dims`` is None)."""
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    shifts = tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts, None)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    return Roll.apply(input, shifts, tuple(normalize_dim(d, input.ndim) for d in dims))


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (ints or sequences); others keep order."""
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    n = input.ndim
    src = tuple(normalize_dim(d, n) for d in src)
    dst = tuple(normalize_dim(d, n) for d in dst)
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


moveaxis = movedim


# -- repetition ------------------------------------------------------------------------------------
class Repeat(Function):
    """Tile ``x`` (padded with leading 1-dims to ``len(repeats)``) ``repeats[i]`` times per dim."""

    @staticmethod
    def forward(ctx, x, repeats):
        padded = (1,) * (len(repeats) - x.ndim) + x.shape
        ctx.input_shape, ctx.padded, ctx.repeats = x.shape, padded, repeats
        return np.tile(x._data.reshape(padded), repeats)

    @staticmethod
    def backward(ctx, grad):
        # Output index i*s + j along a dim is copy i of element j: view as (r, s) and sum over r.
        pairs = tuple(n for r, s in zip(ctx.repeats, ctx.padded) for n in (r, s))
        copies = tuple(range(0, len(pairs), 2))
        return grad.reshape(pairs).sum(dim=copies).reshape(ctx.input_shape)


def repeat(input: Tensor, repeats) -> Tensor:
    """``input`` repeated ``repeats[i]`` times along dim i (extra leading dims are added)."""
    repeats = tuple(int(r) for r in repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    if any(r < 0 for r in repeats):
        padded = (1,) * (len(repeats) - input.ndim) + input.shape
        shape = [r * s for r, s in zip(repeats, padded)]
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {shape}")
    if not repeats:
        return clone(input)
    return Repeat.apply(input, repeats)


def tile(input: Tensor, dims) -> Tensor:
    """Like ``repeat``, but fewer ``dims`` than ``input.ndim`` are padded with leading 1s."""
    dims = tuple(int(r) for r in dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one entry may be -1): (a, n, b) -> (a, *sizes, b)."""
    sizes = tuple(int(n) for n in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if (-1 in sizes and (known == 0 or n % known)) or (-1 not in sizes and known != n):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                           f"of dim {d} ({n}) in the input tensor")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(input, input.shape[:d] + sizes + input.shape[d + 1:])


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor in row-major order (a view when contiguous)."""
    return reshape(input, (-1,))


# -- triangles and diagonals -----------------------------------------------------------------------
class Tril(Function):
    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return np.tril(x._data, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return Tril.apply(grad, ctx.diagonal)


class Triu(Function):
    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return np.triu(x._data, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return Triu.apply(grad, ctx.diagonal)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zero the elements above the ``diagonal``-th diagonal of the last two dims."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zero the elements below the ``diagonal``-th diagonal of the last two dims."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, int(diagonal))


def _diagonal_view(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """A writable strided view of a diagonal: dims ``dim1``, ``dim2`` removed, the diagonal last
    (``np.diagonal`` gives a read-only view, and PyTorch's diagonal can be written through)."""
    b = np.moveaxis(a, (dim1, dim2), (-2, -1))
    b = b[..., :, offset:] if offset >= 0 else b[..., -offset:, :]
    n = min(b.shape[-2], b.shape[-1])
    return np.lib.stride_tricks.as_strided(
        b, b.shape[:-2] + (n,), b.strides[:-2] + (b.strides[-2] + b.strides[-1],))


class Diagonal(Function):
    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        return _diagonal_view(x._data, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        return DiagEmbed.apply(grad, ctx.shape, *ctx.args)


class DiagEmbed(Function):
    """Zeros of ``shape`` with ``x`` written on the (``offset``, ``dim1``, ``dim2``) diagonal."""

    @staticmethod
    def forward(ctx, x, shape, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        out = np.zeros(shape, dtype=x._data.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = x._data
        return out

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, *ctx.args)


def _diagonal_dims(dim1: int, dim2: int, ndim: int) -> tuple:
    d1, d2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset`` diagonal of dims ``dim1`` x ``dim2`` (a view): those dims are removed and
    the diagonal appended last. ``offset`` > 0 is above the main diagonal."""
    d1, d2 = _diagonal_dims(dim1, dim2, input.ndim)
    return Diagonal.apply(input, int(offset), d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with the last dim of ``input`` on their ``offset`` diagonal: (..., n) -> a tensor
    with two dims of size ``n + |offset|`` at ``dim1`` and ``dim2`` (zeros elsewhere)."""
    if input.ndim == 0:
        raise RuntimeError("diag_embed(): expected a tensor with at least 1 dimension")
    d1, d2 = _diagonal_dims(dim1, dim2, input.ndim + 1)
    n = input.shape[-1] + abs(int(offset))
    shape = list(input.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    return DiagEmbed.apply(input, tuple(shape), int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D (n,) -> the (n+|k|, n+|k|) matrix with it on diagonal k; 2-D -> its k-th diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


# -- grids and minimum ranks -----------------------------------------------------------------------
def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D (or 0-D) tensors of sizes n1..nk: k expanded views of shape
    (n1, ..., nk) for ``indexing='ij'``; ``'xy'`` swaps the first two (Cartesian) axes."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    tensors = _tensor_sequence(tensors, "meshgrid")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    for x in tensors:
        if x.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got a {x.ndim}-D tensor of shape {list(x.shape)}")
        if x.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for x, ax in zip(tensors, axes):
        shape[ax] = x.numel()
    out = []
    for x, ax in zip(tensors, axes):
        view_shape = tuple(-1 if i == ax else 1 for i in range(len(shape)))
        out.append(expand(reshape(x, view_shape), tuple(shape)))
    return tuple(out)


def _atleast(tensors: list, n: int) -> list:
    """Each tensor reshaped to ``n`` dims by PyTorch's rules when it has fewer."""
    out = []
    for x in tensors:
        if x.ndim >= n:
            out.append(x)
            continue
        if x.ndim == 0:
            shape = (1,) * n
        elif n == 2 or x.ndim == 1:  # (k,) -> (1, k) or (1, k, 1)
            shape = ((1,) + x.shape + (1,))[:n]
        else:  # atleast_3d of a matrix: (m, k) -> (m, k, 1)
            shape = x.shape + (1,)
        out.append(reshape(x, shape))
    return out


def _atleast_nd(tensors: tuple, n: int):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _atleast([tensors[0]], n)[0]
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return tuple(_atleast(_tensor_sequence(tensors, f"atleast_{n}d"), n))


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (0-D -> (1,)); one tensor in, one out, else a tuple."""
    return _atleast_nd(tensors, 1)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast_nd(tensors, 2)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast_nd(tensors, 3)
