"""Argument normalization and checks shared by both backends (C and NumPy twin).

Both implementations run the same checks, so bad input raises the same exception with the
same message whichever backend is active: ``TypeError`` for dtypes, ``ValueError`` for shapes
and parameters.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple, Union

import numpy as np

IntPair = Union[int, Sequence[int]]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The common float dtype of `arrays`; TypeError unless all are float32 or all float64."""
    dt = arrays[0].dtype
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"expected a float32 or float64 array, got dtype {dt}")
    for x in arrays[1:]:
        if x.dtype != dt:
            raise TypeError(
                f"expected all arrays to have the same dtype, got {dt} and {x.dtype}"
            )
    return dt


def as_array(x, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name}: expected a numpy.ndarray, got {type(x).__name__}")
    return x


def pair(v: IntPair, name: str) -> Tuple[int, int]:
    """An int or a 1/2-sequence of ints as a 2-tuple (PyTorch's _pair)."""
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or a tuple of two ints, got {v!r}")
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    try:
        items = tuple(v)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of two ints, got {v!r}") from None
    if len(items) == 1:
        items = items * 2
    if len(items) != 2 or not all(
        isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in items
    ):
        raise TypeError(f"{name} must be an int or a tuple of two ints, got {v!r}")
    return int(items[0]), int(items[1])


MAX_THREADS = 2 ** 31 - 1
_SIZE_LIMIT = 2 ** 62  # element counts beyond this cannot be allocated or indexed safely


def check_threads(n) -> int:
    """A valid thread count (a positive int that fits a C int) or ValueError/TypeError."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"set_num_threads: expected a positive integer, got {n!r}")
    if not 1 <= int(n) <= MAX_THREADS:
        raise ValueError(f"set_num_threads: expected an integer in [1, {MAX_THREADS}], "
                         f"got {n!r}")
    return int(n)


def check_output_size(shape: Sequence[int], what: str) -> None:
    """ValueError when an output of `shape` has a negative side or too many elements."""
    total = 1
    for s in shape:
        if s < 0:
            raise ValueError(f"{what}: invalid output size {tuple(shape)}")
        total *= s
    if total > _SIZE_LIMIT:
        raise ValueError(f"{what}: output size {tuple(shape)} is too large")


def check_positive(v: Tuple[int, int], name: str) -> None:
    if v[0] <= 0 or v[1] <= 0:
        raise ValueError(f"{name} should be greater than zero, but got {name}={v}")


def check_nonnegative(v: Tuple[int, int], name: str) -> None:
    if v[0] < 0 or v[1] < 0:
        raise ValueError(f"{name} should be non-negative, but got {name}={v}")


def planes_of(x: np.ndarray, name: str = "input") -> Tuple[int, int, int]:
    """(number of (H, W) planes, H, W) of an array with ndim >= 2."""
    if x.ndim < 2:
        raise ValueError(f"{name}: expected an array with at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    h, w = x.shape[-2], x.shape[-1]
    return int(math.prod(x.shape[:-2])), int(h), int(w)


# ---- convolution geometry ------------------------------------------------------------------

def conv_params(kernel_size: IntPair, stride: IntPair, padding: IntPair, dilation: IntPair):
    k = pair(kernel_size, "kernel_size")
    s = pair(stride, "stride")
    p = pair(padding, "padding")
    d = pair(dilation, "dilation")
    check_positive(k, "kernel_size")
    check_positive(s, "stride")
    check_nonnegative(p, "padding")
    check_positive(d, "dilation")
    return k, s, p, d


def conv_out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def conv_out_hw(hw: Tuple[int, int], k, s, p, d, shape_for_msg) -> Tuple[int, int]:
    oh = conv_out_size(hw[0], k[0], s[0], p[0], d[0])
    ow = conv_out_size(hw[1], k[1], s[1], p[1], d[1])
    if oh < 1 or ow < 1:
        raise ValueError(
            f"kernel size {k} (dilation {d}) is larger than the padded input "
            f"({hw[0] + 2 * p[0]}, {hw[1] + 2 * p[1]}) of input shape {tuple(shape_for_msg)}"
        )
    return oh, ow


# ---- pooling geometry ----------------------------------------------------------------------

def pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the
    input or the left padding."""
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1  # floor division == PyTorch's div_rtn
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def pool_params(kernel_size, stride, padding, dilation, ceil_mode, hw, shape_for_msg):
    """Normalizes pooling arguments and returns (k, s, p, d, (oh, ow))."""
    k = pair(kernel_size, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else pair(
        stride, "stride")
    p = pair(padding, "padding")
    d = pair(dilation, "dilation")
    check_positive(k, "kernel_size")
    check_positive(s, "stride")
    check_nonnegative(p, "padding")
    check_positive(d, "dilation")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"pad should be at most half of effective kernel size, but got pad={p}, "
            f"kernel_size={k} and dilation={d}"
        )
    oh = pool_out_size(hw[0], k[0], s[0], p[0], d[0], ceil_mode)
    ow = pool_out_size(hw[1], k[1], s[1], p[1], d[1], ceil_mode)
    if oh < 1 or ow < 1:
        raise ValueError(
            f"Given input size: {tuple(shape_for_msg)}. Calculated output size: "
            f"({oh}, {ow}). Output size is too small"
        )
    return k, s, p, d, (oh, ow)


def adaptive_output_size(output_size, hw: Tuple[int, int]) -> Tuple[int, int]:
    """int, or a pair whose None entries keep the input size."""
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        o = (int(output_size), int(output_size))
    else:
        items = tuple(output_size)
        if len(items) == 1:
            items = items * 2
        if len(items) != 2:
            raise TypeError(f"output_size must be an int or a pair, got {output_size!r}")
        o = tuple(hw[i] if items[i] is None else int(items[i]) for i in range(2))
    if o[0] < 0 or o[1] < 0:
        raise ValueError(f"output_size must be non-negative, got {o}")
    return o  # type: ignore[return-value]


def divisor_of(divisor_override: Optional[int]) -> int:
    if divisor_override is None:
        return 0
    if int(divisor_override) <= 0:
        raise ValueError(f"divisor must be not zero, got divisor_override={divisor_override}")
    return int(divisor_override)


def adaptive_bounds(o: int, size: int, out: int) -> Tuple[int, int]:
    """Window [start, end) of output o: floor(o*size/out), ceil((o+1)*size/out)."""
    return (o * size) // out, -((-(o + 1) * size) // out)


def matmul_shapes_ok(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
            f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})"
        )


# ---- convolution ---------------------------------------------------------------------------

def conv_args(stride, padding, dilation, groups):
    """Normalized (stride, padding, dilation, groups) of a conv2d kernel call."""
    s = pair(stride, "stride")
    p = pair(padding, "padding")
    d = pair(dilation, "dilation")
    check_positive(s, "stride")
    check_nonnegative(p, "padding")
    check_positive(d, "dilation")
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"groups must be an int, got {groups!r}")
    if int(groups) < 1:
        raise ValueError(f"groups should be greater than zero, but got groups={groups}")
    return s, p, d, int(groups)


def check_nchw(x: np.ndarray, name: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D (N, C, H, W) array, got shape "
                         f"{tuple(x.shape)}")


def conv_channels(c: int, o: int, groups: int, what: str) -> None:
    """Input channels c and output channels o must both split into `groups` groups."""
    if c % groups or o % groups:
        raise ValueError(f"{what}: {c} input and {o} output channels do not split into "
                         f"groups={groups}")


def conv_weight_ok(w: np.ndarray, c: int, groups: int, what: str) -> None:
    """weight (O, C/groups, kh, kw) for an input with c channels."""
    if w.ndim != 4:
        raise ValueError(f"{what}: expected a 4-D (O, C/groups, kh, kw) weight, got shape "
                         f"{tuple(w.shape)}")
    if w.shape[1] * groups != c:
        raise ValueError(f"{what}: weight of shape {tuple(w.shape)} with groups={groups} "
                         f"expects {w.shape[1] * groups} input channels, got {c}")
    conv_channels(c, w.shape[0], groups, what)


def nonnegative_pair(v, name: str) -> Tuple[int, int]:
    out = pair(v, name)
    check_nonnegative(out, name)
    return out


def conv_forward_args(x, weight, bias, stride, padding, dilation, groups, output_size):
    """Checks conv2d's arguments; returns (x, weight, bias, (s, p, d, groups, (OH, OW)))."""
    as_array(x, "x")
    as_array(weight, "weight")
    arrays = (x, weight) if bias is None else (x, weight, as_array(bias, "bias"))
    float_dtype(*arrays)
    check_nchw(x, "conv2d")
    s, p, d, g = conv_args(stride, padding, dilation, groups)
    conv_weight_ok(weight, x.shape[1], g, "conv2d")
    k = (int(weight.shape[2]), int(weight.shape[3]))
    check_positive(k, "kernel_size")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"conv2d: bias of shape {tuple(bias.shape)}, expected "
                         f"({weight.shape[0]},)")
    if output_size is None:
        ohw = conv_out_hw(x.shape[2:], k, s, p, d, x.shape)
    else:
        ohw = nonnegative_pair(output_size, "output_size")
    check_output_size((x.shape[0], weight.shape[0]) + tuple(ohw), "conv2d")
    return x, weight, bias, (s, p, d, g, ohw)


def conv_input_grad_args(grad_output, weight, input_size, stride, padding, dilation, groups):
    """Checks conv2d_input_grad's arguments; returns (grad_output, weight, (s, p, d, groups,
    (H, W)))."""
    as_array(grad_output, "grad_output")
    as_array(weight, "weight")
    float_dtype(grad_output, weight)
    check_nchw(grad_output, "conv2d_input_grad")
    s, p, d, g = conv_args(stride, padding, dilation, groups)
    if weight.ndim != 4 or weight.shape[0] != grad_output.shape[1]:
        raise ValueError(f"conv2d_input_grad: weight of shape {tuple(weight.shape)} does not "
                         f"match grad_output of shape {tuple(grad_output.shape)} (expected "
                         f"(O, C/groups, kh, kw) with O = {grad_output.shape[1]})")
    conv_channels(weight.shape[1] * g, weight.shape[0], g, "conv2d_input_grad")
    check_positive((int(weight.shape[2]), int(weight.shape[3])), "kernel_size")
    hw = nonnegative_pair(input_size, "input_size")
    check_output_size((grad_output.shape[0], weight.shape[1] * g) + hw, "conv2d_input_grad")
    return grad_output, weight, (s, p, d, g, hw)


def conv_weight_grad_args(x, grad_output, kernel_size, stride, padding, dilation, groups):
    """Checks conv2d_weight_grad's arguments; returns (x, grad_output, (k, s, p, d, groups))."""
    as_array(x, "x")
    as_array(grad_output, "grad_output")
    float_dtype(x, grad_output)
    check_nchw(x, "conv2d_weight_grad")
    check_nchw(grad_output, "conv2d_weight_grad")
    if x.shape[0] != grad_output.shape[0]:
        raise ValueError(f"conv2d_weight_grad: x of shape {tuple(x.shape)} and grad_output of "
                         f"shape {tuple(grad_output.shape)} differ in batch size")
    k = pair(kernel_size, "kernel_size")
    check_positive(k, "kernel_size")
    s, p, d, g = conv_args(stride, padding, dilation, groups)
    conv_channels(x.shape[1], grad_output.shape[1], g, "conv2d_weight_grad")
    check_output_size((grad_output.shape[1], x.shape[1] // g) + k, "conv2d_weight_grad")
    return x, grad_output, (k, s, p, d, g)


def conv_backward_args(grad_output, x, weight, stride, padding, dilation, groups, output_mask):
    """Checks conv2d_backward's arguments; returns (grad_output, x, weight, (s, p, d, groups),
    output_mask as three bools)."""
    as_array(grad_output, "grad_output")
    as_array(x, "x")
    as_array(weight, "weight")
    float_dtype(grad_output, x, weight)
    check_nchw(x, "conv2d_backward")
    check_nchw(grad_output, "conv2d_backward")
    s, p, d, g = conv_args(stride, padding, dilation, groups)
    conv_weight_ok(weight, x.shape[1], g, "conv2d_backward")
    check_positive((int(weight.shape[2]), int(weight.shape[3])), "kernel_size")
    if grad_output.shape[:2] != (x.shape[0], weight.shape[0]):
        raise ValueError(f"conv2d_backward: grad_output of shape {tuple(grad_output.shape)} does "
                         f"not match x of shape {tuple(x.shape)} and weight of shape "
                         f"{tuple(weight.shape)} (expected (N, O, OH, OW) with N = "
                         f"{x.shape[0]}, O = {weight.shape[0]})")
    mask = tuple(bool(m) for m in output_mask)
    if len(mask) != 3:
        raise ValueError(f"conv2d_backward: output_mask must have 3 entries (input, weight, "
                         f"bias), got {len(mask)}")
    return grad_output, x, weight, (s, p, d, g), mask


def elementwise_pair(a, b, what: str, inplace: bool = False) -> np.dtype:
    """Two float arrays of one dtype and one shape; `a` writeable when updated in place."""
    as_array(a, "y" if inplace else "grad")
    as_array(b, "x")
    dt = float_dtype(a, b)
    if a.shape != b.shape:
        raise ValueError(f"{what}: shapes {tuple(a.shape)} and {tuple(b.shape)} differ")
    if inplace and not a.flags.writeable:
        raise ValueError(f"{what}: the output array is read-only")
    return dt


ADAM_ARRAYS = ("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def adam_arrays(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq) -> list:
    """The arrays of an Adam step (``max_exp_avg_sq`` may be None: left out of the list), checked:
    float arrays of one dtype and one shape, all but ``grad`` writeable, no two overlapping (the
    update of one would change another's input halfway through)."""
    arrays = [param, grad, exp_avg, exp_avg_sq]
    if max_exp_avg_sq is not None:
        arrays.append(max_exp_avg_sq)
    for a, name in zip(arrays, ADAM_ARRAYS):
        as_array(a, name)
    float_dtype(*arrays)
    for a, name in zip(arrays, ADAM_ARRAYS):
        if a.shape != param.shape:
            raise ValueError(f"adam_step: {name} has shape {tuple(a.shape)}, param has shape "
                             f"{tuple(param.shape)}")
        if name != "grad" and not a.flags.writeable:
            raise ValueError(f"adam_step: {name} is read-only")
    for i, a in enumerate(arrays):
        for j in range(i):
            if np.may_share_memory(a, arrays[j]):
                raise ValueError(f"adam_step: {ADAM_ARRAYS[j]} and {ADAM_ARRAYS[i]} overlap in "
                                 "memory")
    return arrays
