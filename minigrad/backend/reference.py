"""NumPy twin of every C kernel: same Python signatures and checks as ``backend.c``.

Selected with ``MINIGRAD_BACKEND=numpy`` (or when the compiled module is missing). Written for
clarity first and vectorized over batch and channels; the C backend is the fast one.
Shapes: ``x: (..., H, W)`` means any number of leading (batch, channel) dimensions.
"""
from __future__ import annotations

import os
from typing import Optional, Tuple

import numpy as np

from . import _common as cm

name = "NumPy"

_num_threads = max(1, os.cpu_count() or 1)


# ---- configuration -------------------------------------------------------------------------

def set_num_threads(n: int) -> None:
    """Threads for kernels (kept for API parity; NumPy's own BLAS threads are not changed)."""
    global _num_threads
    _num_threads = cm.check_threads(n)


def get_num_threads() -> int:
    return _num_threads


def config() -> dict:
    return {"backend": name, "simd": "numpy", "simd_supported": "numpy", "openmp": False,
            "num_threads": _num_threads}


# ---- GEMM ----------------------------------------------------------------------------------

def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.matmul for float arrays (a: (..., M, K), b: (..., K, N) -> (..., M, N), batch dims
    broadcast); integer/bool arrays are handed to np.matmul unchanged."""
    cm.as_array(a, "a")
    cm.as_array(b, "b")
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        return np.matmul(a, b)
    cm.float_dtype(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: both arguments need at least one dimension")
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    cm.matmul_shapes_ok(a2, b2)
    return np.asarray(np.matmul(a, b))  # 1-D @ 1-D: a 0-d array, not a NumPy scalar


def gemm(a: np.ndarray, b: np.ndarray, c: Optional[np.ndarray] = None, alpha: float = 1.0,
         beta: float = 0.0, trans_a: bool = False, trans_b: bool = False) -> np.ndarray:
    """C = alpha * op(a) @ op(b) + beta * C, op(x) = x or its transpose (last two dims).

    a: (..., M, K) ((..., K, M) if trans_a); b: (..., K, N) ((..., N, K) if trans_b);
    c: (..., M, N) with the full broadcast batch shape, updated in place and returned; when c is
    None a new array is returned and beta is ignored. beta == 0 never reads c (BLAS rule).
    """
    cm.as_array(a, "a")
    cm.as_array(b, "b")
    arrays = (a, b) if c is None else (a, b, c)
    cm.float_dtype(*arrays)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"gemm: expected arrays with >= 2 dims, got {a.shape} and {b.shape}")
    opa = np.swapaxes(a, -1, -2) if trans_a else a
    opb = np.swapaxes(b, -1, -2) if trans_b else b
    cm.matmul_shapes_ok(opa, opb)
    prod = np.matmul(opa, opb)
    if c is None:
        if alpha != 1.0:
            prod *= prod.dtype.type(alpha)
        return prod
    if c.shape != prod.shape:
        raise ValueError(f"gemm: c has shape {tuple(c.shape)}, expected {tuple(prod.shape)}")
    if not c.flags.writeable:
        raise ValueError("gemm: c is read-only")
    dt = c.dtype.type
    if beta == 0:
        np.multiply(prod, dt(alpha), out=c)
    else:
        c *= dt(beta)
        c += dt(alpha) * prod
    return c


def matmul_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum_i a[i] @ b[i]: a (B, M, K), b (B, K, N) -> (M, N), summed in batch order
    (the weight gradient of a batched product)."""
    cm.as_array(a, "a")
    cm.as_array(b, "b")
    cm.float_dtype(a, b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(f"matmul_sum: expected (B, M, K) and (B, K, N), got {a.shape} and "
                         f"{b.shape}")
    cm.matmul_shapes_ok(a, b)
    out = np.zeros((a.shape[1], b.shape[2]), a.dtype)
    for i in range(a.shape[0]):
        out += a[i] @ b[i]
    return out


# ---- im2col / col2im -----------------------------------------------------------------------

def _check_nchw(x: np.ndarray, name: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D (N, C, H, W) array, got shape {tuple(x.shape)}")


def im2col(x: np.ndarray, kernel_size, stride=1, padding=0, dilation=1,
           batch_last: bool = False) -> np.ndarray:
    """F.unfold: x (N, C, H, W) -> cols (N, C*kh*kw, OH*OW), row (c*kh + i)*kw + j holds
    x[n, c, oy*sh - ph + i*dh, ox*sw - pw + j*dw] (0 in the padding). batch_last gives the
    same entries as (C*kh*kw, N*OH*OW) (sample n in columns [n*L, (n+1)*L)): conv as one GEMM."""
    cm.as_array(x, "x")
    cm.float_dtype(x)
    _check_nchw(x, "im2col")
    k, s, p, d = cm.conv_params(kernel_size, stride, padding, dilation)
    n, c, h, w = x.shape
    oh, ow = cm.conv_out_hw((h, w), k, s, p, d, x.shape)
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    cols = np.empty((n, c, k[0], k[1], oh, ow), x.dtype)
    for i in range(k[0]):
        y0 = i * d[0]
        for j in range(k[1]):
            x0 = j * d[1]
            cols[:, :, i, j] = xp[:, :, y0:y0 + s[0] * (oh - 1) + 1:s[0],
                                  x0:x0 + s[1] * (ow - 1) + 1:s[1]]
    cols = cols.reshape(n, c * k[0] * k[1], oh * ow)
    if batch_last:
        return np.ascontiguousarray(cols.transpose(1, 0, 2)).reshape(c * k[0] * k[1],
                                                                     n * oh * ow)
    return cols


def col2im(cols: np.ndarray, input_size, kernel_size, stride=1, padding=0,
           dilation=1, batch_last: bool = False) -> np.ndarray:
    """F.fold: cols (N, C*kh*kw, OH*OW) -> x (N, C, H, W) with input_size = (H, W);
    entries that map to the same pixel are summed (the adjoint of im2col). batch_last takes
    cols as (C*kh*kw, N*OH*OW), the layout im2col(..., batch_last=True) makes."""
    cm.as_array(cols, "cols")
    cm.float_dtype(cols)
    k, s, p, d = cm.conv_params(kernel_size, stride, padding, dilation)
    h, w = cm.pair(input_size, "input_size")
    cm.check_output_size((h, w), "col2im")
    if batch_last:
        cols = _batch_first(cols, (h, w), k, s, p, d)
    n, c, oh, ow = _fold_shape(cols, (h, w), k, s, p, d)
    cols6 = cols.reshape(n, c, k[0], k[1], oh, ow)
    xp = np.zeros((n, c, h + 2 * p[0], w + 2 * p[1]), cols.dtype)
    for i in range(k[0]):
        y0 = i * d[0]
        for j in range(k[1]):
            x0 = j * d[1]
            xp[:, :, y0:y0 + s[0] * (oh - 1) + 1:s[0],
               x0:x0 + s[1] * (ow - 1) + 1:s[1]] += cols6[:, :, i, j]
    return np.ascontiguousarray(xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w])


def _batch_first(cols, hw, k, s, p, d):
    """(C*kh*kw, N*L) -> (N, C*kh*kw, L) view, checking that N*L splits."""
    if cols.ndim != 2:
        raise ValueError(f"col2im: expected a 2-D (C*kh*kw, N*L) array with batch_last, got "
                         f"shape {tuple(cols.shape)}")
    oh, ow = cm.conv_out_hw(hw, k, s, p, d, hw)
    if cols.shape[1] % (oh * ow):
        raise ValueError(f"col2im: {cols.shape[1]} columns are not a whole number of samples of "
                         f"{oh} * {ow} = {oh * ow} sliding blocks")
    n = cols.shape[1] // (oh * ow)
    return cols.reshape(cols.shape[0], n, oh * ow).transpose(1, 0, 2)


def _fold_shape(cols, hw, k, s, p, d):
    """Checks cols (N, C*kh*kw, L) against the geometry; returns (N, C, OH, OW)."""
    if cols.ndim != 3:
        raise ValueError(f"col2im: expected a 3-D (N, C*kh*kw, L) array, got shape "
                         f"{tuple(cols.shape)}")
    if hw[0] < 0 or hw[1] < 0:
        raise ValueError(f"col2im: invalid input_size {hw}")
    oh, ow = cm.conv_out_hw(hw, k, s, p, d, hw)
    kk = k[0] * k[1]
    if cols.shape[1] % kk != 0:
        raise ValueError(
            f"col2im: expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size {k}, but got input.size(1)={cols.shape[1]}")
    if cols.shape[2] != oh * ow:
        raise ValueError(
            f"col2im: given output_size={hw}, kernel_size={k}, dilation={d}, padding={p}, "
            f"stride={s}, expected size of input's dimension 2 to match the calculated number "
            f"of sliding blocks {oh} * {ow} = {oh * ow}, but got input.size(2)={cols.shape[2]}")
    return cols.shape[0], cols.shape[1] // kk, oh, ow


# ---- convolution ---------------------------------------------------------------------------

def _conv_cols(x: np.ndarray, k, s, p, d, ohw) -> np.ndarray:
    """(N, C, H, W) -> (N, C*kh*kw, OH*OW) for any output size (OH, OW): position (oy, ox)
    reads x at (oy*sh - ph + i*dh, ox*sw - pw + j*dw), zero outside the input."""
    n, c, h, w = x.shape
    oh, ow = ohw
    need_h = (oh - 1) * s[0] + (k[0] - 1) * d[0] + 1
    need_w = (ow - 1) * s[1] + (k[1] - 1) * d[1] + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], max(0, need_h - h - p[0])),
                    (p[1], max(0, need_w - w - p[1]))))
    cols = np.empty((n, c, k[0], k[1], oh, ow), x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            y0, x0 = i * d[0], j * d[1]
            cols[:, :, i, j] = xp[:, :, y0:y0 + s[0] * (oh - 1) + 1:s[0],
                                  x0:x0 + s[1] * (ow - 1) + 1:s[1]]
    return cols.reshape(n, c * k[0] * k[1], oh * ow)


def _conv_fold(cols: np.ndarray, c: int, hw, k, s, p, d, ohw) -> np.ndarray:
    """The adjoint of _conv_cols: (N, C*kh*kw, OH*OW) -> (N, C, H, W), overlaps summed."""
    n = cols.shape[0]
    h, w = hw
    oh, ow = ohw
    need_h = (oh - 1) * s[0] + (k[0] - 1) * d[0] + 1
    need_w = (ow - 1) * s[1] + (k[1] - 1) * d[1] + 1
    xp = np.zeros((n, c, p[0] + max(h, need_h - p[0]), p[1] + max(w, need_w - p[1])),
                  cols.dtype)
    cols6 = cols.reshape(n, c, k[0], k[1], oh, ow)
    for i in range(k[0]):
        for j in range(k[1]):
            y0, x0 = i * d[0], j * d[1]
            xp[:, :, y0:y0 + s[0] * (oh - 1) + 1:s[0],
               x0:x0 + s[1] * (ow - 1) + 1:s[1]] += cols6[:, :, i, j]
    return np.ascontiguousarray(xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w])


def conv2d(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray] = None, stride=1,
           padding=0, dilation=1, groups: int = 1, output_size=None) -> np.ndarray:
    """x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) or None -> y (N, O, OH, OW).
    output_size (OH, OW) defaults to the convolution formula; any size is allowed (windows
    beyond the input read zeros), e.g. the first rows/columns only."""
    x, weight, bias, geo = cm.conv_forward_args(x, weight, bias, stride, padding, dilation,
                                                groups, output_size)
    s, p, d, g, (oh, ow) = geo
    n, c = x.shape[:2]
    o, cg, kh, kw = weight.shape
    y = np.zeros((n, o, oh, ow), x.dtype)
    if y.size == 0:
        return y
    if cg * kh * kw:
        cols = _conv_cols(x, (kh, kw), s, p, d, (oh, ow)).reshape(n, g, cg * kh * kw, oh * ow)
        y[...] = np.matmul(weight.reshape(g, o // g, cg * kh * kw), cols).reshape(y.shape)
    if bias is not None:
        y += bias.reshape(1, o, 1, 1)
    return y


def conv2d_input_grad(grad_output: np.ndarray, weight: np.ndarray, input_size, stride=1,
                      padding=0, dilation=1, groups: int = 1) -> np.ndarray:
    """The adjoint of conv2d in x (conv_transpose2d): grad_output (N, O, OH, OW),
    weight (O, C/groups, kh, kw) -> (N, C, H, W) with (H, W) = input_size."""
    gy, weight, geo = cm.conv_input_grad_args(grad_output, weight, input_size, stride, padding,
                                              dilation, groups)
    s, p, d, g, (h, w) = geo
    n, o, oh, ow = gy.shape
    _, cg, kh, kw = weight.shape
    if n * cg * g * h * w == 0 or o * oh * ow == 0:
        return np.zeros((n, cg * g, h, w), gy.dtype)
    wt = weight.reshape(g, o // g, cg * kh * kw).transpose(0, 2, 1)
    cols = np.matmul(wt, gy.reshape(n, g, o // g, oh * ow)).reshape(n, g * cg * kh * kw,
                                                                   oh * ow)
    return _conv_fold(cols, cg * g, (h, w), (kh, kw), s, p, d, (oh, ow))


def conv2d_weight_grad(x: np.ndarray, grad_output: np.ndarray, kernel_size, stride=1,
                       padding=0, dilation=1, groups: int = 1) -> np.ndarray:
    """The gradient of conv2d in the weight: x (N, C, H, W), grad_output (N, O, OH, OW)
    -> (O, C/groups, kh, kw), summed over the batch in order."""
    x, gy, geo = cm.conv_weight_grad_args(x, grad_output, kernel_size, stride, padding,
                                          dilation, groups)
    k, s, p, d, g = geo
    n, c = x.shape[:2]
    o, oh, ow = gy.shape[1:]
    cg, og, r = c // g, o // g, (c // g) * k[0] * k[1]
    gw = np.zeros((g, og, r), x.dtype)
    if n * oh * ow and gw.size:
        cols = _conv_cols(x, k, s, p, d, (oh, ow)).reshape(n, g, r, oh * ow)
        gyr = gy.reshape(n, g, og, oh * ow)
        for i in range(n):
            gw += np.matmul(gyr[i], cols[i].transpose(0, 2, 1))
    return gw.reshape(o, cg, k[0], k[1])


def conv2d_backward(grad_output: np.ndarray, x: np.ndarray, weight: np.ndarray, stride=1,
                    padding=0, dilation=1, groups: int = 1, output_mask=(True, True, True)):
    """(grad input (N, C, H, W), grad weight (O, C/groups, kh, kw), grad bias (O,)) of conv2d
    for grad_output (N, O, OH, OW); an entry is None where output_mask is False."""
    gy, x, weight, (s, p, d, g), mask = cm.conv_backward_args(
        grad_output, x, weight, stride, padding, dilation, groups, output_mask)
    gx = conv2d_input_grad(gy, weight, x.shape[2:], s, p, d, g) if mask[0] else None
    gw = conv2d_weight_grad(x, gy, weight.shape[2:], s, p, d, g) if mask[1] else None
    gb = gy.sum((0, 2, 3)) if mask[2] else None
    return gx, gw, gb


# ---- fused elementwise ---------------------------------------------------------------------

def threshold_backward(grad: np.ndarray, x: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """grad where x > threshold, else 0 (NaN in x passes the gradient, as PyTorch's
    threshold_backward): the ReLU gradient with x = relu's output. Same shapes; a new array."""
    dt = cm.elementwise_pair(grad, x, "threshold_backward")
    return np.where(x <= threshold, dt.type(0), grad)


def relu(x: np.ndarray) -> np.ndarray:
    """x where x > 0, else 0 (NaN stays NaN); a new array."""
    dt = cm.elementwise_pair(x, x, "relu")
    return np.where(x <= 0, dt.type(0), x)


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y += alpha * x in place (alpha rounded to y's dtype, the product rounded, then the sum:
    NumPy's ``y += alpha * x``); returns y."""
    cm.elementwise_pair(y, x, "axpy", inplace=True)
    y += np.multiply(x, float(alpha))
    return y


def axpby(alpha: float, x: np.ndarray, beta: float, y: np.ndarray) -> np.ndarray:
    """y = alpha * x + beta * y in place (``y *= beta; y += alpha * x``, each product rounded
    once); returns y."""
    cm.elementwise_pair(y, x, "axpby", inplace=True)
    y *= float(beta)
    y += np.multiply(x, float(alpha))
    return y


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """``start.lerp_(end, weight)`` in place with PyTorch's two-branch formula (the branch keeps
    the result exact at weight 0 and 1); ``tmp`` is scratch of start's shape."""
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= 1.0 - weight
        np.subtract(end, tmp, out=start)


def adam_moments_(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray,
                  exp_avg_sq: np.ndarray, lr: float, beta1: float, beta2: float,
                  weight_decay: float, maximize: bool, decoupled: bool) -> tuple:
    """What Adam, AdamW, NAdam and RAdam do first, in place: negate the gradient (maximize),
    apply weight decay (to the gradient, or decoupled to the parameter), then
    ``exp_avg.lerp_(g, 1 - beta1)`` and ``exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g``.
    Returns (g, tmp): the gradient as used (negated, decayed), and a scratch array of the
    parameter's shape for the caller's own update."""
    g = np.negative(grad) if maximize else grad
    if weight_decay != 0:
        if decoupled:
            param *= 1 - lr * weight_decay
        else:
            t = np.multiply(param, weight_decay)
            np.add(g, t, out=t)
            g = t
    tmp = np.empty_like(param)
    lerp_(exp_avg, g, 1 - beta1, tmp)
    np.multiply(g, 1 - beta2, out=tmp)
    tmp *= g
    exp_avg_sq *= beta2
    exp_avg_sq += tmp
    return g, tmp


def adam_step(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
              max_exp_avg_sq: Optional[np.ndarray], lr: float, beta1: float, beta2: float,
              eps: float, weight_decay: float, step_size: float, bias_correction2_sqrt: float,
              maximize: bool = False, decoupled: bool = False) -> None:
    """One Adam / AdamW step in place (PyTorch's single-tensor algorithm). All arrays have one
    shape and one float dtype; ``param``, ``exp_avg``, ``exp_avg_sq`` and ``max_exp_avg_sq``
    (AMSGrad's running maximum, or None) are updated, ``grad`` is only read. The caller passes
    ``step_size = lr / (1 - beta1**t)`` and ``bias_correction2_sqrt = sqrt(1 - beta2**t)``.

    Each scalar coefficient is computed as a Python float and each array operation rounds once
    in the arrays' dtype; the C kernel (mg_adam_*) repeats these operations in this order, so
    the two agree bit for bit."""
    cm.adam_arrays(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq)
    # Python floats, never NumPy float64 scalars: those would promote float32 arithmetic
    lr, beta1, beta2, eps = float(lr), float(beta1), float(beta2), float(eps)
    weight_decay, step_size = float(weight_decay), float(step_size)
    bias_correction2_sqrt = float(bias_correction2_sqrt)
    _, tmp = adam_moments_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, weight_decay,
                           maximize, decoupled)
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        np.sqrt(max_exp_avg_sq, out=tmp)
    else:
        np.sqrt(exp_avg_sq, out=tmp)
    tmp /= bias_correction2_sqrt
    tmp += eps
    # addcdiv: param + (-step_size) * (exp_avg / denom)
    np.divide(exp_avg, tmp, out=tmp)
    tmp *= -step_size
    param += tmp


# ---- pooling -------------------------------------------------------------------------------

def _window_stack(x: np.ndarray, k, s, p, d, ohw, fill):
    """x (..., H, W) -> (windows (..., OH, OW, kh*kw), valid (OH, OW, kh*kw), flat index
    (OH, OW, kh*kw)) with `fill` in the padding (including the ceil_mode overhang)."""
    h, w = x.shape[-2:]
    oh, ow = ohw
    need_h = (oh - 1) * s[0] + (k[0] - 1) * d[0] + 1
    need_w = (ow - 1) * s[1] + (k[1] - 1) * d[1] + 1
    ph_r = max(0, need_h - h - p[0])
    pw_r = max(0, need_w - w - p[1])
    pad = [(0, 0)] * (x.ndim - 2) + [(p[0], ph_r), (p[1], pw_r)]
    xp = np.pad(x, pad, constant_values=fill)
    win = np.empty(x.shape[:-2] + (oh, ow, k[0] * k[1]), x.dtype)
    iy = np.arange(oh)[:, None] * s[0] - p[0]
    ix = np.arange(ow)[None, :] * s[1] - p[1]
    valid = np.empty((oh, ow, k[0] * k[1]), bool)
    flat = np.empty((oh, ow, k[0] * k[1]), np.int64)
    for i in range(k[0]):
        for j in range(k[1]):
            q = i * k[1] + j
            y0, x0 = i * d[0], j * d[1]
            win[..., q] = xp[..., y0:y0 + s[0] * (oh - 1) + 1:s[0],
                             x0:x0 + s[1] * (ow - 1) + 1:s[1]]
            yy, xx = iy + y0, ix + x0
            valid[..., q] = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            flat[..., q] = yy * w + xx
    return win, valid, flat


def _argmax_first(win: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """PyTorch's max rule over the last axis among valid entries: the first maximum wins and
    NaN propagates (the last NaN wins). Returns (values, position along the last axis)."""
    neg = np.array(-np.inf, win.dtype)
    masked = np.where(valid, win, neg)
    with np.errstate(invalid="ignore"):
        m = masked.max(axis=-1)  # NaN if any valid NaN
    isnan = np.isnan(masked)
    hit = valid & ((masked == m[..., None]) | (np.isnan(m)[..., None] & isnan))
    first = hit.argmax(axis=-1)
    last = hit.shape[-1] - 1 - hit[..., ::-1].argmax(axis=-1)
    pos = np.where(np.isnan(m), last, first)
    return m, pos


def max_pool2d(x: np.ndarray, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """x (..., H, W) -> (out (..., OH, OW), indices int64 (..., OH, OW)); an index is the flat
    position ih*W + iw of the maximum in its input plane (PyTorch convention)."""
    cm.as_array(x, "x")
    cm.float_dtype(x)
    _, h, w = cm.planes_of(x)
    k, s, p, d, ohw = cm.pool_params(kernel_size, stride, padding, dilation, ceil_mode, (h, w),
                                     x.shape)
    win, valid, flat = _window_stack(x, k, s, p, d, ohw, -np.inf)
    out, pos = _argmax_first(win, valid)
    idx = np.take_along_axis(np.broadcast_to(flat, win.shape), pos[..., None], axis=-1)[..., 0]
    return out.astype(x.dtype, copy=False), np.ascontiguousarray(idx, dtype=np.int64)


def max_pool2d_backward(grad_output: np.ndarray, indices: np.ndarray, input_size) -> np.ndarray:
    """Scatter-add by index: grad_output, indices (..., OH, OW) -> grad_input (..., H, W) with
    input_size = (H, W); grad_input[..., i // W, i % W] += grad_output for i in indices.
    Also the forward of max_unpool2d and the backward of adaptive_max_pool2d."""
    cm.as_array(grad_output, "grad_output")
    cm.as_array(indices, "indices")
    cm.float_dtype(grad_output)
    h, w = cm.pair(input_size, "input_size")
    cm.check_output_size(grad_output.shape[:-2] + (h, w), "max_pool2d_backward")
    nc, oh, ow = _check_index_pair(grad_output, indices, h * w)
    flat_idx = indices.reshape(nc, oh * ow).astype(np.int64, copy=False)
    offs = (np.arange(nc, dtype=np.int64) * (h * w))[:, None]
    summed = np.bincount((flat_idx + offs).ravel(), weights=grad_output.reshape(-1),
                         minlength=nc * h * w)
    return summed.astype(grad_output.dtype).reshape(grad_output.shape[:-2] + (h, w))


def _check_index_pair(values: np.ndarray, indices: np.ndarray, plane: int):
    if indices.dtype.kind not in "iu":
        raise TypeError(f"indices must be an integer array, got dtype {indices.dtype}")
    if values.shape != indices.shape:
        raise ValueError(f"shape of indices {tuple(indices.shape)} must match "
                         f"{tuple(values.shape)}")
    nc, oh, ow = cm.planes_of(values)
    if indices.size and (indices.min() < 0 or indices.max() >= plane):
        bad = indices[(indices < 0) | (indices >= plane)].ravel()[0]
        raise ValueError(f"Found an invalid max index: {int(bad)} (output volumes are of size "
                         f"{plane})")
    return nc, oh, ow


def index_gather2d(x: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The adjoint of max_pool2d_backward: x (..., H, W), indices (..., OH, OW) ->
    out (..., OH, OW) with out = x.flat-in-plane[indices]."""
    cm.as_array(x, "x")
    cm.as_array(indices, "indices")
    cm.float_dtype(x)
    nc, h, w = cm.planes_of(x)
    if indices.shape[:-2] != x.shape[:-2]:
        raise ValueError(f"index_gather2d: indices {tuple(indices.shape)} and x "
                         f"{tuple(x.shape)} differ in leading dimensions")
    _check_index_pair(np.empty(indices.shape, x.dtype), indices, h * w)
    oh, ow = indices.shape[-2:]
    out = np.take_along_axis(x.reshape(nc, h * w), indices.reshape(nc, oh * ow).astype(np.int64),
                             axis=1)
    return out.reshape(indices.shape)


def avg_pool2d(x: np.ndarray, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Optional[int] = None
               ) -> np.ndarray:
    """x (..., H, W) -> (..., OH, OW): window mean with PyTorch's divisor rule."""
    cm.as_array(x, "x")
    cm.float_dtype(x)
    _, h, w = cm.planes_of(x)
    k, s, p, _, ohw = cm.pool_params(kernel_size, stride, padding, 1, ceil_mode, (h, w),
                                     x.shape)
    div = _avg_divisors((h, w), k, s, p, ohw, count_include_pad, cm.divisor_of(divisor_override))
    win, valid, _ = _window_stack(x, k, s, p, (1, 1), ohw, 0)
    total = win.sum(axis=-1)
    return (total / div).astype(x.dtype, copy=False)


def _avg_divisors(hw, k, s, p, ohw, count_include_pad, divisor):
    """(OH, OW) divisor per window, as PyTorch's CPU kernel computes it."""
    def axis(size, kk, ss, pp, o):
        start = np.arange(o) * ss - pp
        end = np.minimum(start + kk, size + pp)
        pool = end - start
        cstart, cend = np.maximum(start, 0), np.minimum(end, size)
        return pool, cend - cstart
    ph_, ch = axis(hw[0], k[0], s[0], p[0], ohw[0])
    pw_, cw = axis(hw[1], k[1], s[1], p[1], ohw[1])
    if divisor:
        return np.full(ohw, float(divisor))
    if count_include_pad:
        return (ph_[:, None] * pw_[None, :]).astype(float)
    cnt = (ch[:, None] * cw[None, :]).astype(float)
    return np.where(cnt > 0, cnt, 1.0)


def avg_pool2d_backward(grad_output: np.ndarray, input_size, kernel_size, stride=None,
                        padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                        divisor_override: Optional[int] = None) -> np.ndarray:
    """The adjoint of avg_pool2d: grad_output (..., OH, OW) -> grad_input (..., H, W)."""
    cm.as_array(grad_output, "grad_output")
    cm.float_dtype(grad_output)
    h, w = cm.pair(input_size, "input_size")
    cm.check_output_size(grad_output.shape[:-2] + (h, w), "avg_pool2d_backward")
    k, s, p, _, ohw = cm.pool_params(kernel_size, stride, padding, 1, ceil_mode, (h, w),
                                     grad_output.shape[:-2] + (h, w))
    _check_out_shape(grad_output, ohw)
    div = _avg_divisors((h, w), k, s, p, ohw, count_include_pad, cm.divisor_of(divisor_override))
    g = (grad_output / div).astype(grad_output.dtype, copy=False)
    need_h = (ohw[0] - 1) * s[0] + k[0]
    need_w = (ohw[1] - 1) * s[1] + k[1]
    hp, wp = max(h + 2 * p[0], need_h), max(w + 2 * p[1], need_w)
    gxp = np.zeros(grad_output.shape[:-2] + (hp, wp), grad_output.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            gxp[..., i:i + s[0] * (ohw[0] - 1) + 1:s[0], j:j + s[1] * (ohw[1] - 1) + 1:s[1]] += g
    return np.ascontiguousarray(gxp[..., p[0]:p[0] + h, p[1]:p[1] + w])


def _check_out_shape(grad_output, ohw):
    if grad_output.ndim < 2 or tuple(grad_output.shape[-2:]) != tuple(ohw):
        raise ValueError(f"grad_output has shape {tuple(grad_output.shape)}, expected "
                         f"(..., {ohw[0]}, {ohw[1]})")


def adaptive_avg_pool2d(x: np.ndarray, output_size) -> np.ndarray:
    """x (..., H, W) -> (..., OH, OW); window i spans [floor(i*H/OH), ceil((i+1)*H/OH))."""
    cm.as_array(x, "x")
    cm.float_dtype(x)
    _, h, w = cm.planes_of(x)
    oh, ow = cm.adaptive_output_size(output_size, (h, w))
    out = np.empty(x.shape[:-2] + (oh, ow), x.dtype)
    for oy in range(oh):
        y0, y1 = cm.adaptive_bounds(oy, h, oh)
        for ox in range(ow):
            x0, x1 = cm.adaptive_bounds(ox, w, ow)
            out[..., oy, ox] = x[..., y0:y1, x0:x1].sum(axis=(-2, -1)) / (y1 - y0) / (x1 - x0)
    return out


def adaptive_avg_pool2d_backward(grad_output: np.ndarray, input_size) -> np.ndarray:
    """The adjoint of adaptive_avg_pool2d: (..., OH, OW) -> (..., H, W)."""
    cm.as_array(grad_output, "grad_output")
    cm.float_dtype(grad_output)
    h, w = cm.pair(input_size, "input_size")
    cm.check_output_size(grad_output.shape[:-2] + (h, w), "adaptive_avg_pool2d_backward")
    _, oh, ow = cm.planes_of(grad_output, "grad_output")
    gx = np.zeros(grad_output.shape[:-2] + (h, w), grad_output.dtype)
    for oy in range(oh):
        y0, y1 = cm.adaptive_bounds(oy, h, oh)
        for ox in range(ow):
            x0, x1 = cm.adaptive_bounds(ox, w, ow)
            gx[..., y0:y1, x0:x1] += (grad_output[..., oy, ox] / (y1 - y0) / (x1 - x0))[
                ..., None, None]
    return gx


def adaptive_max_pool2d(x: np.ndarray, output_size) -> Tuple[np.ndarray, np.ndarray]:
    """x (..., H, W) -> (out, indices) (..., OH, OW); backward is max_pool2d_backward."""
    cm.as_array(x, "x")
    cm.float_dtype(x)
    _, h, w = cm.planes_of(x)
    oh, ow = cm.adaptive_output_size(output_size, (h, w))
    out = np.empty(x.shape[:-2] + (oh, ow), x.dtype)
    idx = np.empty(x.shape[:-2] + (oh, ow), np.int64)
    for oy in range(oh):
        y0, y1 = cm.adaptive_bounds(oy, h, oh)
        for ox in range(ow):
            x0, x1 = cm.adaptive_bounds(ox, w, ow)
            win = x[..., y0:y1, x0:x1].reshape(x.shape[:-2] + (-1,))
            m, pos = _argmax_first(win, np.ones(win.shape[-1], bool))
            out[..., oy, ox] = m
            idx[..., oy, ox] = (y0 + pos // (x1 - x0)) * w + x0 + pos % (x1 - x0)
    return out, idx
