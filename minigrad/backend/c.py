"""C backend: argument checks in Python, then one call into minigrad._C (cffi, API mode).

Every function checks dtypes (float32/float64, one dtype for all operands), shapes and
parameters with the same rules and messages as the NumPy twin (``reference.py``; shared checks
in ``_common.py``) before C sees anything; C re-checks sizes and returns an error code, turned
into RuntimeError here. Strided 2-D views whose rows or columns are contiguous are passed to
GEMM with a leading dimension and a transpose flag, without a copy; other inputs are copied to
C order. cffi releases the GIL during the call; the kernels keep no per-call global state.
"""
from __future__ import annotations

import os
import warnings
from typing import Optional, Tuple

import numpy as np

from minigrad._C import ffi, lib  # noqa: F401  (ImportError -> the package falls back)

from . import _common as cm
from . import reference as _ref

name = "C"

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_I64 = np.dtype(np.int64)
_ND = np.ndarray
_from_buffer = ffi.from_buffer
_cast = ffi.cast

_ERRORS = {
    lib.MG_EINVAL: "invalid argument",
    lib.MG_EOVERFLOW: "size overflow (index arithmetic would exceed int64)",
    lib.MG_ENOMEM: "out of memory",
    lib.MG_EINDEX: "index out of range",
}


class _K:
    """The kernels of one dtype."""

    def __init__(self, ctype: str, sfx: str, gemm_prefix: str):
        self.arr = ctype + "[]"
        self.ptr = ctype + " *"
        self.gemm = getattr(lib, f"mg_{gemm_prefix}gemm")
        self.gemm_batched = getattr(lib, f"mg_{gemm_prefix}gemm_batched")
        for k in ("im2col", "col2im", "max_pool2d", "scatter_add", "gather", "avg_pool2d",
                  "avg_pool2d_backward", "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward",
                  "adaptive_max_pool2d", "conv2d", "conv2d_input_grad", "conv2d_weight_grad",
                  "conv2d_backward",
                  "threshold_backward", "axpy", "axpby", "adam"):
            setattr(self, k, getattr(lib, f"mg_{k}_{sfx}"))


_KERNELS = {_F32: _K("float", "f32", "s"), _F64: _K("double", "f64", "d")}
_MATMUL = {_F32: lib.mg_smatmul, _F64: lib.mg_dmatmul}  # the tiny-input entry points


def _check(rc: int, what: str) -> None:
    if rc:
        if rc == lib.MG_EINDEX:
            raise RuntimeError(f"{what}: found an invalid index (outside its input plane)")
        raise RuntimeError(f"{what}: C kernel failed: {_ERRORS.get(rc, f'error {rc}')}")


def _buf(x: np.ndarray, kern: _K):
    """Pointer to a C-contiguous array."""
    return _from_buffer(kern.arr, x)


def _addr(x: np.ndarray, kern: _K):
    """Pointer to x[0, ..., 0] of any (strided) array; keeps no reference: hold x meanwhile."""
    return _cast(kern.ptr, x.__array_interface__["data"][0])


# ---- configuration -------------------------------------------------------------------------

_SIMD_LEVELS = {"generic": lib.MG_SIMD_GENERIC, "avx2": lib.MG_SIMD_AVX2,
                "avx512": lib.MG_SIMD_AVX512}


def set_num_threads(n: int) -> None:
    """Threads used by every kernel (default: the number of cores)."""
    _check(lib.mg_set_num_threads(cm.check_threads(n)), "set_num_threads")


def get_num_threads() -> int:
    return int(lib.mg_get_num_threads())


def set_simd(level: str) -> None:
    """Force a SIMD path ('generic', 'avx2', 'avx512') no better than the CPU supports."""
    if level not in _SIMD_LEVELS:
        raise ValueError(f"unknown SIMD level {level!r}; expected one of {list(_SIMD_LEVELS)}")
    if lib.mg_set_simd(_SIMD_LEVELS[level]):
        best = ffi.string(lib.mg_simd_name(lib.mg_simd_supported())).decode()
        raise ValueError(f"SIMD level {level!r} is not supported here (best: {best!r})")


def get_simd() -> str:
    return ffi.string(lib.mg_simd_name(lib.mg_get_simd())).decode()


def config() -> dict:
    return {
        "backend": name,
        "simd": get_simd(),
        "simd_supported": ffi.string(lib.mg_simd_name(lib.mg_simd_supported())).decode(),
        "openmp": bool(lib.mg_has_openmp()),
        "num_threads": get_num_threads(),
        "num_cores": int(lib.mg_num_cores()),
    }


def _init_from_env() -> None:
    simd = os.environ.get("MINIGRAD_SIMD", "").strip().lower()
    if simd:
        try:
            set_simd(simd)
        except ValueError as e:
            warnings.warn(f"MINIGRAD_SIMD ignored: {e}", RuntimeWarning, stacklevel=3)
    threads = os.environ.get("MINIGRAD_NUM_THREADS", "").strip()
    if threads:
        try:
            set_num_threads(int(threads))
        except ValueError as e:
            warnings.warn(f"MINIGRAD_NUM_THREADS ignored: {e}", RuntimeWarning, stacklevel=3)


_init_from_env()


def _single_thread_in_child() -> None:
    # An OpenMP runtime used before fork() is not usable in the child (GNU libgomp can hang):
    # forked workers (e.g. DataLoader) run the kernels single-threaded, as PyTorch's do.
    lib.mg_set_num_threads(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_single_thread_in_child)


# ---- GEMM ----------------------------------------------------------------------------------

def _layout(x: np.ndarray) -> Optional[Tuple[int, int]]:
    """(trans, ld) describing the last two dims of x as a row-major matrix with leading
    dimension ld (trans=0) or the transpose of one (trans=1); None if neither fits."""
    r, c = x.shape[-2], x.shape[-1]
    s0, s1 = x.strides[-2], x.strides[-1]
    e = x.itemsize
    if (s1 == e or c == 1) and s0 % e == 0 and (s0 >= e * c or r == 1) and s0 >= 0:
        return 0, max(s0 // e if r > 1 else c, c, 1)
    if (s0 == e or r == 1) and s1 % e == 0 and (s1 >= e * r or c == 1) and s1 >= 0:
        return 1, max(s1 // e if c > 1 else r, r, 1)
    return None


def _matrix_ptr(x: np.ndarray, kern: _K):
    if x.flags.c_contiguous:
        return _from_buffer(kern.arr, x)
    return _addr(x, kern)


def _operand2d(x: np.ndarray, kern: _K):
    """(x kept alive, trans, ld, pointer) for a 2-D operand; copies only when the layout has
    neither unit row nor unit column stride."""
    f = x.flags
    r, c = x.shape
    if f.c_contiguous:
        return x, 0, c if c > 1 else 1, _from_buffer(kern.arr, x)
    if f.f_contiguous:
        return x, 1, r if r > 1 else 1, _from_buffer(kern.arr, x.T)
    lay = _layout(x) if f.aligned else None
    if lay is None:
        x = np.ascontiguousarray(x)
        return x, 0, c if c > 1 else 1, _from_buffer(kern.arr, x)
    return x, lay[0], lay[1], _addr(x, kern)


def _gemm2d(a: np.ndarray, b: np.ndarray, kern: _K, dt: np.dtype) -> np.ndarray:
    m, k = a.shape
    n = b.shape[1]
    c = np.empty((m, n), dt)
    if m == 0 or n == 0:
        return c
    if k == 0:
        c.fill(0)
        return c
    a, ta, lda, pa = _operand2d(a, kern)
    b, tb, ldb, pb = _operand2d(b, kern)
    rc = kern.gemm(ta, tb, m, n, k, 1.0, pa, lda, pb, ldb, 0.0, _from_buffer(kern.arr, c), n)
    if rc:
        _check(rc, "matmul")
    return c


def _prep_operand(x: np.ndarray):
    """x with a GEMM-compatible matrix layout (copied to C order if needed) and its layout."""
    lay = _layout(x) if x.flags.aligned else None
    if lay is None or any(s < 0 or s % x.itemsize for s in x.strides[:-2]):
        x = np.ascontiguousarray(x)
        lay = _layout(x)
    return x, lay


def _broadcast(s1: tuple, s2: tuple, a, b) -> Tuple[int, ...]:
    """np.broadcast_shapes for two shapes (cheaper), with matmul's error message."""
    if s1 == s2:
        return s1
    n = max(len(s1), len(s2))
    p1 = (1,) * (n - len(s1)) + s1
    p2 = (1,) * (n - len(s2)) + s2
    out = []
    for x, y in zip(p1, p2):
        if x != y and x != 1 and y != 1:
            raise ValueError(f"matmul: batch dimensions of {tuple(a.shape)} and "
                             f"{tuple(b.shape)} cannot be broadcast")
        out.append(y if x == 1 else x)
    return tuple(out)


def _any_ptr(x: np.ndarray, kern: _K):
    """Pointer to x[0, ..., 0] (x: aligned, non-negative strides)."""
    if x.flags.c_contiguous:
        return _from_buffer(kern.arr, x)
    if x.ndim >= 2:
        t = x.swapaxes(-1, -2)
        if t.flags.c_contiguous:
            return _from_buffer(kern.arr, t)
    return _addr(x, kern)


def _batch_strides(x: np.ndarray, batch_shape: Tuple[int, ...]) -> list:
    """Element strides of x's batch dims aligned to batch_shape (0 where x broadcasts)."""
    nb = len(batch_shape)
    xs = x.shape[:-2]
    st = x.strides[:-2]
    out = [0] * nb
    off = nb - len(xs)
    for i in range(len(xs)):
        if xs[i] != 1:
            out[off + i] = st[i] // x.itemsize
    return out


def _gemm_nd(a: np.ndarray, b: np.ndarray, c: np.ndarray, alpha: float, beta: float,
             kern: _K, reduce_batch: bool = False) -> None:
    """c[...] = alpha * a @ b + beta * c over broadcast batch dims (a: (..., M, K),
    b: (..., K, N), c: (batch..., M, N) row-major rows). With reduce_batch, c is (M, N) and
    receives the sum over the batch."""
    m, k = a.shape[-2:]
    n = b.shape[-1]
    batch_shape = _broadcast(a.shape[:-2], b.shape[:-2], a, b)
    a, (ta, lda) = _prep_operand(a)
    b, (tb, ldb) = _prep_operand(b)
    sa = _batch_strides(a, batch_shape)
    sb = _batch_strides(b, batch_shape)
    if reduce_batch:
        sc = [0] * len(batch_shape)
    else:
        sc = _batch_strides(c, batch_shape)
    ldc = c.strides[-2] // c.itemsize if m > 1 else max(n, 1)
    dims = list(batch_shape)
    # Merge adjacent batch dims that every operand walks with one stride (C walks one batch
    # stride); what cannot be merged is looped over here.
    groups = []  # (size, sa, sb, sc) from outermost to innermost
    for i in range(len(dims)):
        if dims[i] == 1:
            continue
        if groups:
            g = groups[-1]
            if (g[1] == sa[i] * dims[i] and g[2] == sb[i] * dims[i] and g[3] == sc[i] * dims[i]):
                groups[-1] = (g[0] * dims[i], sa[i], sb[i], sc[i])
                continue
        groups.append((dims[i], sa[i], sb[i], sc[i]))
    if not groups:
        groups = [(1, 0, 0, 0)]
    inner = groups[-1]
    outer = groups[:-1]
    pa, pb, pc = _any_ptr(a, kern), _any_ptr(b, kern), _any_ptr(c, kern)
    if not outer:
        rc = kern.gemm_batched(inner[0], ta, tb, m, n, k, alpha, pa, lda, inner[1], pb, ldb,
                               inner[2], beta, pc, ldc, inner[3])
        _check(rc, "matmul")
        return
    for idx in np.ndindex(*[g[0] for g in outer]):
        oa = sum(i * g[1] for i, g in zip(idx, outer))
        ob = sum(i * g[2] for i, g in zip(idx, outer))
        oc = sum(i * g[3] for i, g in zip(idx, outer))
        bt = beta if not (reduce_batch and any(idx)) else 1.0
        rc = kern.gemm_batched(inner[0], ta, tb, m, n, k, alpha, pa + oa, lda, inner[1],
                               pb + ob, ldb, inner[2], bt, pc + oc, ldc, inner[3])
        _check(rc, "matmul")


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.matmul for float arrays (a: (..., M, K), b: (..., K, N) -> (..., M, N), batch dims
    broadcast; 1-D operands as np.matmul); integer/bool arrays are handed to np.matmul."""
    if type(a) is not _ND or type(b) is not _ND:
        cm.as_array(a, "a")
        cm.as_array(b, "b")
        return matmul(np.asarray(a), np.asarray(b))  # ndarray subclasses
    dt = a.dtype
    bdt = b.dtype
    if (bdt is dt or bdt == dt) and a.ndim == 2 and b.ndim == 2:
        # The common case first, with as little Python as possible (tiny-input overhead): one
        # 7-argument call (mg_smatmul), untyped buffers, C- or F-ordered operands.
        mm = _MATMUL.get(dt)
        m, k = a.shape
        kb, n = b.shape
        if mm is not None and k == kb and m and n and k:
            fa = a.flags
            fb = b.flags
            ta = 0 if fa.c_contiguous else (1 if fa.f_contiguous else -1)
            tb = 0 if fb.c_contiguous else (2 if fb.f_contiguous else -1)
            if ta >= 0 and tb >= 0:
                c = np.empty((m, n), dt)
                rc = mm(_from_buffer(a.T if ta else a), _from_buffer(b.T if tb else b),
                        _from_buffer(c), m, n, k, ta | tb)
                if rc:
                    _check(rc, "matmul")
                return c
    kern = _KERNELS.get(dt) if bdt == dt else None
    if kern is None:
        if a.dtype.kind != "f" and b.dtype.kind != "f":
            return np.matmul(a, b)
        cm.float_dtype(a, b)  # raises TypeError naming the dtypes
        raise TypeError(f"matmul: unsupported dtypes {a.dtype} and {b.dtype}")
    if a.ndim == 2 and b.ndim == 2:
        if a.shape[1] != b.shape[0]:
            cm.matmul_shapes_ok(a, b)
        return _gemm2d(a, b, kern, dt)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: both arguments need at least one dimension")
    if a.ndim == 1:
        if b.ndim == 1:
            if a.shape[0] != b.shape[0]:
                cm.matmul_shapes_ok(a[None, :], b[:, None])
            return _gemm2d(a[None, :], b[:, None], kern, dt).reshape(())
        return matmul(a[None, :], b)[..., 0, :]
    if b.ndim == 1:
        return matmul(a, b[:, None])[..., 0]
    if a.shape[-1] != b.shape[-2]:
        cm.matmul_shapes_ok(a, b)
    if a.ndim <= 3 and b.ndim <= 3 and a.flags.c_contiguous and b.flags.c_contiguous:
        # Common batched case ((B, M, K) @ (B, K, N) or with one 2-D side): one C call.
        m, k = a.shape[-2:]
        n = b.shape[-1]
        ba = a.shape[0] if a.ndim == 3 else 1
        bb = b.shape[0] if b.ndim == 3 else 1
        if (ba == bb or ba == 1 or bb == 1) and m and n and k:
            nb = max(ba, bb)
            c = np.empty((nb, m, n), dt)
            arr = kern.arr
            rc = kern.gemm_batched(nb, 0, 0, m, n, k, 1.0, _from_buffer(arr, a), k,
                                   m * k if ba > 1 else 0, _from_buffer(arr, b), n,
                                   k * n if bb > 1 else 0, 0.0, _from_buffer(arr, c), n, m * n)
            _check(rc, "matmul")
            return c
    batch = _broadcast(a.shape[:-2], b.shape[:-2], a, b)
    c = np.empty(batch + (a.shape[-2], b.shape[-1]), dt)
    if c.size == 0:
        return c
    if a.shape[-1] == 0:
        c.fill(0)
        return c
    _gemm_nd(a, b, c, 1.0, 0.0, kern)
    return c


def gemm(a: np.ndarray, b: np.ndarray, c: Optional[np.ndarray] = None, alpha: float = 1.0,
         beta: float = 0.0, trans_a: bool = False, trans_b: bool = False) -> np.ndarray:
    """C = alpha * op(a) @ op(b) + beta * C, op(x) = x or its transpose (last two dims).

    a: (..., M, K) ((..., K, M) if trans_a); b: (..., K, N) ((..., N, K) if trans_b);
    c: (..., M, N) with the full broadcast batch shape, updated in place and returned; when c is
    None a new array is returned and beta is ignored. beta == 0 never reads c (BLAS rule).
    """
    if c is None and alpha == 1.0 and type(a) is _ND and type(b) is _ND and a.ndim == 2 \
            and b.ndim == 2:
        # The hot path of linear layers: two C-ordered matrices, no output given.
        dt = a.dtype
        mm = _MATMUL.get(dt)
        if mm is not None and (b.dtype is dt or b.dtype == dt) and a.flags.c_contiguous \
                and b.flags.c_contiguous:
            ra, ca = a.shape
            rb, cb = b.shape
            m, k = (ca, ra) if trans_a else (ra, ca)
            n, kb = (rb, cb) if trans_b else (cb, rb)
            if k == kb and m and n and k:
                out = np.empty((m, n), dt)
                rc = mm(_from_buffer(a), _from_buffer(b), _from_buffer(out), m, n, k,
                        (1 if trans_a else 0) | (2 if trans_b else 0))
                if rc:
                    _check(rc, "gemm")
                return out
    cm.as_array(a, "a")
    cm.as_array(b, "b")
    arrays = (a, b) if c is None else (a, b, cm.as_array(c, "c"))
    dt = cm.float_dtype(*arrays)
    kern = _KERNELS[dt]
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"gemm: expected arrays with >= 2 dims, got {a.shape} and {b.shape}")
    opa = np.swapaxes(a, -1, -2) if trans_a else a
    opb = np.swapaxes(b, -1, -2) if trans_b else b
    cm.matmul_shapes_ok(opa, opb)
    batch = _broadcast(opa.shape[:-2], opb.shape[:-2], opa, opb)
    shape = batch + (opa.shape[-2], opb.shape[-1])
    if c is None:
        out = np.empty(shape, dt)
        beta = 0.0
    else:
        if c.shape != shape:
            raise ValueError(f"gemm: c has shape {tuple(c.shape)}, expected {shape}")
        if not c.flags.writeable:
            raise ValueError("gemm: c is read-only")
        out = c
        e = c.itemsize
        rows_ok = c.ndim >= 2 and (c.strides[-1] == e or c.shape[-1] <= 1) and c.flags.aligned \
            and (c.strides[-2] >= e * c.shape[-1] or c.shape[-2] <= 1) \
            and all(s >= 0 and s % e == 0 for s in c.strides)
        if not rows_ok:
            out = np.ascontiguousarray(c) if beta != 0 else np.empty(shape, dt)
    if out.size:
        if opa.shape[-1] == 0 or alpha == 0:
            if beta == 0:
                out.fill(0)
            else:
                out *= dt.type(beta)
        else:
            _gemm_nd(opa, opb, out, float(alpha), float(beta), kern)
    if c is not None and out is not c:
        c[...] = out
        return c
    return out


def matmul_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum_i a[i] @ b[i]: a (B, M, K), b (B, K, N) -> (M, N), summed in batch order
    (the weight gradient of a batched product)."""
    cm.as_array(a, "a")
    cm.as_array(b, "b")
    dt = cm.float_dtype(a, b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(f"matmul_sum: expected (B, M, K) and (B, K, N), got {a.shape} and "
                         f"{b.shape}")
    cm.matmul_shapes_ok(a, b)
    out = np.zeros((a.shape[1], b.shape[2]), dt)
    if out.size and a.shape[0] and a.shape[2]:
        _gemm_nd(a, b, out, 1.0, 0.0, _KERNELS[dt], reduce_batch=True)
    return out


# ---- im2col / col2im -----------------------------------------------------------------------

def im2col(x: np.ndarray, kernel_size, stride=1, padding=0, dilation=1,
           batch_last: bool = False) -> np.ndarray:
    """F.unfold: x (N, C, H, W) -> cols (N, C*kh*kw, OH*OW), row (c*kh + i)*kw + j holds
    x[n, c, oy*sh - ph + i*dh, ox*sw - pw + j*dw] (0 in the padding). batch_last gives the
    same entries as (C*kh*kw, N*OH*OW) (sample n in columns [n*L, (n+1)*L)): conv as one GEMM."""
    cm.as_array(x, "x")
    dt = cm.float_dtype(x)
    if x.ndim != 4:
        raise ValueError(f"im2col: expected a 4-D (N, C, H, W) array, got shape "
                         f"{tuple(x.shape)}")
    k, s, p, d = cm.conv_params(kernel_size, stride, padding, dilation)
    n, c, h, w = x.shape
    oh, ow = cm.conv_out_hw((h, w), k, s, p, d, x.shape)
    if batch_last:
        cols = np.empty((c * k[0] * k[1], n * oh * ow), dt)
    else:
        cols = np.empty((n, c * k[0] * k[1], oh * ow), dt)
    if cols.size == 0:
        return cols
    x = np.ascontiguousarray(x)
    kern = _KERNELS[dt]
    _check(kern.im2col(_buf(x, kern), _buf(cols, kern), n, c, h, w, k[0], k[1], s[0], s[1],
                       p[0], p[1], d[0], d[1], oh, ow, int(bool(batch_last))), "im2col")
    return cols


def col2im(cols: np.ndarray, input_size, kernel_size, stride=1, padding=0,
           dilation=1, batch_last: bool = False) -> np.ndarray:
    """F.fold: cols (N, C*kh*kw, OH*OW) -> x (N, C, H, W) with input_size = (H, W);
    entries that map to the same pixel are summed (the adjoint of im2col). batch_last takes
    cols as (C*kh*kw, N*OH*OW), the layout im2col(..., batch_last=True) makes."""
    cm.as_array(cols, "cols")
    dt = cm.float_dtype(cols)
    k, s, p, d = cm.conv_params(kernel_size, stride, padding, dilation)
    h, w = cm.pair(input_size, "input_size")
    cm.check_output_size((h, w), "col2im")
    view = _ref._batch_first(cols, (h, w), k, s, p, d) if batch_last else cols
    n, c, oh, ow = _ref._fold_shape(view, (h, w), k, s, p, d)
    x = np.empty((n, c, h, w), dt)
    if x.size == 0:
        return x
    cols = np.ascontiguousarray(cols)
    kern = _KERNELS[dt]
    _check(kern.col2im(_buf(cols, kern), _buf(x, kern), n, c, h, w, k[0], k[1], s[0], s[1],
                       p[0], p[1], d[0], d[1], oh, ow, int(bool(batch_last))), "col2im")
    return x


# ---- convolution ---------------------------------------------------------------------------

def conv2d(x: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray] = None, stride=1,
           padding=0, dilation=1, groups: int = 1, output_size=None) -> np.ndarray:
    """x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) or None -> y (N, O, OH, OW).
    output_size (OH, OW) defaults to the convolution formula; any size is allowed (windows
    beyond the input read zeros), e.g. the first rows/columns only."""
    x, weight, bias, (s, p, d, g, (oh, ow)) = cm.conv_forward_args(
        x, weight, bias, stride, padding, dilation, groups, output_size)
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    y = np.empty((n, o, oh, ow), x.dtype)
    if y.size == 0:
        return y
    kern = _KERNELS[x.dtype]
    x = np.ascontiguousarray(x)
    weight = np.ascontiguousarray(weight)
    pb = ffi.NULL if bias is None else _buf(np.ascontiguousarray(bias), kern)
    pw = _buf(weight, kern) if weight.size else _cast(kern.ptr, 0)
    px = _buf(x, kern) if x.size else _cast(kern.ptr, 0)
    _check(kern.conv2d(px, pw, pb, _buf(y, kern), n, c, h, w, o, g, kh, kw, s[0], s[1], p[0],
                       p[1], d[0], d[1], oh, ow), "conv2d")
    return y


def conv2d_input_grad(grad_output: np.ndarray, weight: np.ndarray, input_size, stride=1,
                      padding=0, dilation=1, groups: int = 1) -> np.ndarray:
    """The adjoint of conv2d in x (conv_transpose2d): grad_output (N, O, OH, OW),
    weight (O, C/groups, kh, kw) -> (N, C, H, W) with (H, W) = input_size."""
    gy, weight, (s, p, d, g, (h, w)) = cm.conv_input_grad_args(
        grad_output, weight, input_size, stride, padding, dilation, groups)
    n, o, oh, ow = gy.shape
    _, cg, kh, kw = weight.shape
    gx = np.empty((n, cg * g, h, w), gy.dtype)
    if gx.size == 0:
        return gx
    if gy.size == 0 or weight.size == 0:
        gx.fill(0)
        return gx
    kern = _KERNELS[gy.dtype]
    gy = np.ascontiguousarray(gy)
    weight = np.ascontiguousarray(weight)
    _check(kern.conv2d_input_grad(_buf(gy, kern), _buf(weight, kern), _buf(gx, kern), n, cg * g,
                                  h, w, o, g, kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], oh,
                                  ow), "conv2d_input_grad")
    return gx


def conv2d_weight_grad(x: np.ndarray, grad_output: np.ndarray, kernel_size, stride=1,
                       padding=0, dilation=1, groups: int = 1) -> np.ndarray:
    """The gradient of conv2d in the weight: x (N, C, H, W), grad_output (N, O, OH, OW)
    -> (O, C/groups, kh, kw), the batch summed per thread range and the ranges in order."""
    x, gy, ((kh, kw), s, p, d, g) = cm.conv_weight_grad_args(
        x, grad_output, kernel_size, stride, padding, dilation, groups)
    n, c, h, w = x.shape
    o, oh, ow = gy.shape[1:]
    gw = np.empty((o, c // g, kh, kw), x.dtype)
    if gw.size == 0:
        return gw
    if x.size == 0 or gy.size == 0:
        gw.fill(0)
        return gw
    kern = _KERNELS[x.dtype]
    x = np.ascontiguousarray(x)
    gy = np.ascontiguousarray(gy)
    _check(kern.conv2d_weight_grad(_buf(x, kern), _buf(gy, kern), _buf(gw, kern), n, c, h, w, o,
                                   g, kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], oh, ow),
           "conv2d_weight_grad")
    return gw


def conv2d_backward(grad_output: np.ndarray, x: np.ndarray, weight: np.ndarray, stride=1,
                    padding=0, dilation=1, groups: int = 1, output_mask=(True, True, True)):
    """(grad input (N, C, H, W), grad weight (O, C/groups, kh, kw), grad bias (O,)) of conv2d
    for grad_output (N, O, OH, OW), in one C call (layers with few input channels read
    grad_output once for all three); an entry is None where output_mask is False."""
    gy, x, weight, (s, p, d, g), mask = cm.conv_backward_args(
        grad_output, x, weight, stride, padding, dilation, groups, output_mask)
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    oh, ow = gy.shape[2:]
    outs = tuple(np.empty(shape, gy.dtype) if wanted else None
                 for shape, wanted in zip((x.shape, weight.shape, (o,)), mask))
    kern = _KERNELS[gy.dtype]
    # C reads x only for grad weight and weight only for grad input: the other stays NULL
    args = tuple(np.ascontiguousarray(a) if wanted else None
                 for a, wanted in ((x, mask[1]), (gy, True), (weight, mask[0])))
    # empty operands and outputs are NULL: C reads and writes nothing for them
    ptrs = [_cast(kern.ptr, 0) if a is None or a.size == 0 else _buf(a, kern)
            for a in args + outs]
    _check(kern.conv2d_backward(*ptrs, n, c, h, w, o, g, kh, kw, s[0], s[1], p[0], p[1], d[0],
                                d[1], oh, ow), "conv2d_backward")
    return outs


# ---- fused elementwise ---------------------------------------------------------------------
# One pass instead of NumPy's one pass per operation; the same arithmetic (bit-identical to the
# twins). Non-contiguous or overlapping operands take the twin (the same result).

def _same_contiguous(a: np.ndarray, b: np.ndarray):
    """The kernels of a and b when both are plain C-contiguous float arrays of one dtype and
    shape, else None."""
    if type(a) is not _ND or type(b) is not _ND:
        return None
    dt = a.dtype
    if b.dtype != dt or a.shape != b.shape:
        return None
    if not (a.flags.c_contiguous and b.flags.c_contiguous):
        return None
    return _KERNELS.get(dt)


def threshold_backward(grad: np.ndarray, x: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """grad where x > threshold, else 0 (NaN in x passes the gradient, as PyTorch's
    threshold_backward): the ReLU gradient with x = relu's output. Same shapes; a new array."""
    kern = _same_contiguous(grad, x)
    if kern is None or grad.size == 0:
        return _ref.threshold_backward(grad, x, threshold)
    out = np.empty(grad.shape, grad.dtype)
    arr = kern.arr
    _check(kern.threshold_backward(_from_buffer(arr, grad), _from_buffer(arr, x),
                                   _from_buffer(arr, out), grad.size, threshold),
           "threshold_backward")
    return out


def relu(x: np.ndarray) -> np.ndarray:
    """x where x > 0, else 0 (NaN stays NaN); a new array. (np.maximum(x, 0) takes about
    three times as long as this one pass.)"""
    kern = _KERNELS.get(x.dtype) if type(x) is _ND and x.flags.c_contiguous else None
    if kern is None or x.size == 0:
        return _ref.relu(x)
    out = np.empty(x.shape, x.dtype)
    px = _from_buffer(kern.arr, x)
    _check(kern.threshold_backward(px, px, _from_buffer(kern.arr, out), x.size, 0.0), "relu")
    return out


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y += alpha * x in place (alpha rounded to y's dtype, the product rounded, then the sum:
    NumPy's ``y += alpha * x``); returns y."""
    kern = _same_contiguous(y, x)
    if (kern is None or y.size == 0 or not y.flags.writeable
            or (x is not y and np.may_share_memory(x, y))):
        return _ref.axpy(alpha, x, y)
    arr = kern.arr
    _check(kern.axpy(y.size, alpha, _from_buffer(arr, x), _from_buffer(arr, y)), "axpy")
    return y


def axpby(alpha: float, x: np.ndarray, beta: float, y: np.ndarray) -> np.ndarray:
    """y = alpha * x + beta * y in place (``y *= beta; y += alpha * x``, each product rounded
    once); returns y."""
    kern = _same_contiguous(y, x)
    if (kern is None or y.size == 0 or not y.flags.writeable
            or (x is not y and np.may_share_memory(x, y))):
        return _ref.axpby(alpha, x, beta, y)
    arr = kern.arr
    _check(kern.axpby(y.size, alpha, _from_buffer(arr, x), beta, _from_buffer(arr, y)), "axpby")
    return y


def adam_step(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
              max_exp_avg_sq: Optional[np.ndarray], lr: float, beta1: float, beta2: float,
              eps: float, weight_decay: float, step_size: float, bias_correction2_sqrt: float,
              maximize: bool = False, decoupled: bool = False) -> None:
    """One Adam / AdamW step in place: one pass over memory instead of the twin's dozen, the
    same results bit for bit (see reference.adam_step for the arguments). Arrays that are not
    all C-contiguous go to the twin."""
    arrays = cm.adam_arrays(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq)
    if param.size == 0:
        return
    if not all(a.flags.c_contiguous for a in arrays):
        _ref.adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps,
                       weight_decay, step_size, bias_correction2_sqrt, maximize, decoupled)
        return
    kern = _KERNELS[param.dtype]
    arr = kern.arr
    vmax = ffi.NULL if max_exp_avg_sq is None else _from_buffer(arr, max_exp_avg_sq)
    flags = lib.MG_ADAM_MAXIMIZE if maximize else 0
    if decoupled:
        flags |= lib.MG_ADAM_DECOUPLED
    _check(kern.adam(param.size, _from_buffer(arr, param), _from_buffer(arr, grad),
                     _from_buffer(arr, exp_avg), _from_buffer(arr, exp_avg_sq), vmax,
                     float(lr), float(beta1), float(beta2), float(eps), float(weight_decay),
                     float(step_size), float(bias_correction2_sqrt), flags), "adam_step")


# ---- pooling -------------------------------------------------------------------------------

def max_pool2d(x: np.ndarray, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """x (..., H, W) -> (out (..., OH, OW), indices int64 (..., OH, OW)); an index is the flat
    position ih*W + iw of the maximum in its input plane (PyTorch convention)."""
    cm.as_array(x, "x")
    dt = cm.float_dtype(x)
    nc, h, w = cm.planes_of(x)
    k, s, p, d, (oh, ow) = cm.pool_params(kernel_size, stride, padding, dilation, ceil_mode,
                                          (h, w), x.shape)
    shape = x.shape[:-2] + (oh, ow)
    out = np.empty(shape, dt)
    idx = np.empty(shape, np.int64)
    if out.size == 0:
        return out, idx
    x = np.ascontiguousarray(x)
    kern = _KERNELS[dt]
    _check(kern.max_pool2d(_buf(x, kern), _buf(out, kern), _from_buffer("int64_t[]", idx), nc,
                           h, w, oh, ow, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]),
           "max_pool2d")
    return out, idx


def _index_args(values: np.ndarray, indices: np.ndarray):
    if indices.dtype.kind not in "iu":
        raise TypeError(f"indices must be an integer array, got dtype {indices.dtype}")
    if values.shape != indices.shape:
        raise ValueError(f"shape of indices {tuple(indices.shape)} must match "
                         f"{tuple(values.shape)}")
    return np.ascontiguousarray(indices, dtype=np.int64)


def max_pool2d_backward(grad_output: np.ndarray, indices: np.ndarray, input_size) -> np.ndarray:
    """Scatter-add by index: grad_output, indices (..., OH, OW) -> grad_input (..., H, W) with
    input_size = (H, W); grad_input[..., i // W, i % W] += grad_output for i in indices.
    Also the forward of max_unpool2d and the backward of adaptive_max_pool2d."""
    cm.as_array(grad_output, "grad_output")
    cm.as_array(indices, "indices")
    dt = cm.float_dtype(grad_output)
    h, w = cm.pair(input_size, "input_size")
    cm.check_output_size(grad_output.shape[:-2] + (h, w), "max_pool2d_backward")
    idx = _index_args(grad_output, indices)
    nc, oh, ow = cm.planes_of(grad_output, "grad_output")
    gx = np.empty(grad_output.shape[:-2] + (h, w), dt)
    if gx.size == 0:
        if idx.size:
            raise ValueError(f"Found an invalid max index: {int(idx.ravel()[0])} (output volumes "
                             f"are of size {h * w})")
        return gx
    g = np.ascontiguousarray(grad_output)
    kern = _KERNELS[dt]
    rc = kern.scatter_add(_buf(g, kern), _from_buffer("int64_t[]", idx), _buf(gx, kern), nc,
                          oh * ow, h * w)
    if rc == lib.MG_EINDEX:
        bad = idx[(idx < 0) | (idx >= h * w)].ravel()[0]
        raise ValueError(f"Found an invalid max index: {int(bad)} (output volumes are of size "
                         f"{h * w})")
    _check(rc, "max_pool2d_backward")
    return gx


def index_gather2d(x: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The adjoint of max_pool2d_backward: x (..., H, W), indices (..., OH, OW) ->
    out (..., OH, OW) with out = x.flat-in-plane[indices]."""
    cm.as_array(x, "x")
    cm.as_array(indices, "indices")
    dt = cm.float_dtype(x)
    nc, h, w = cm.planes_of(x)
    if indices.shape[:-2] != x.shape[:-2]:
        raise ValueError(f"index_gather2d: indices {tuple(indices.shape)} and x "
                         f"{tuple(x.shape)} differ in leading dimensions")
    out = np.empty(indices.shape, dt)
    idx = _index_args(out, indices)
    if out.size == 0:
        return out
    x = np.ascontiguousarray(x)
    kern = _KERNELS[dt]
    oh, ow = indices.shape[-2:]
    rc = kern.gather(_buf(x, kern), _from_buffer("int64_t[]", idx), _buf(out, kern), nc,
                     oh * ow, h * w)
    if rc == lib.MG_EINDEX:
        bad = idx[(idx < 0) | (idx >= h * w)].ravel()[0]
        raise ValueError(f"Found an invalid max index: {int(bad)} (output volumes are of size "
                         f"{h * w})")
    _check(rc, "index_gather2d")
    return out


def avg_pool2d(x: np.ndarray, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Optional[int] = None
               ) -> np.ndarray:
    """x (..., H, W) -> (..., OH, OW): window mean with PyTorch's divisor rule."""
    cm.as_array(x, "x")
    dt = cm.float_dtype(x)
    nc, h, w = cm.planes_of(x)
    k, s, p, _, (oh, ow) = cm.pool_params(kernel_size, stride, padding, 1, ceil_mode, (h, w),
                                          x.shape)
    div = cm.divisor_of(divisor_override)
    out = np.empty(x.shape[:-2] + (oh, ow), dt)
    if out.size == 0:
        return out
    x = np.ascontiguousarray(x)
    kern = _KERNELS[dt]
    _check(kern.avg_pool2d(_buf(x, kern), _buf(out, kern), nc, h, w, oh, ow, k[0], k[1], s[0],
                           s[1], p[0], p[1], int(bool(count_include_pad)), div), "avg_pool2d")
    return out


def avg_pool2d_backward(grad_output: np.ndarray, input_size, kernel_size, stride=None,
                        padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                        divisor_override: Optional[int] = None) -> np.ndarray:
    """The adjoint of avg_pool2d: grad_output (..., OH, OW) -> grad_input (..., H, W)."""
    cm.as_array(grad_output, "grad_output")
    dt = cm.float_dtype(grad_output)
    h, w = cm.pair(input_size, "input_size")
    cm.check_output_size(grad_output.shape[:-2] + (h, w), "avg_pool2d_backward")
    k, s, p, _, (oh, ow) = cm.pool_params(kernel_size, stride, padding, 1, ceil_mode, (h, w),
                                          grad_output.shape[:-2] + (h, w))
    _ref._check_out_shape(grad_output, (oh, ow))
    div = cm.divisor_of(divisor_override)
    nc = int(np.prod(grad_output.shape[:-2], dtype=np.int64))
    gx = np.empty(grad_output.shape[:-2] + (h, w), dt)
    if gx.size == 0:
        return gx
    g = np.ascontiguousarray(grad_output)
    kern = _KERNELS[dt]
    _check(kern.avg_pool2d_backward(_buf(g, kern), _buf(gx, kern), nc, h, w, oh, ow, k[0], k[1],
                                    s[0], s[1], p[0], p[1], int(bool(count_include_pad)), div),
           "avg_pool2d_backward")
    return gx


def adaptive_avg_pool2d(x: np.ndarray, output_size) -> np.ndarray:
    """x (..., H, W) -> (..., OH, OW); window i spans [floor(i*H/OH), ceil((i+1)*H/OH))."""
    cm.as_array(x, "x")
    dt = cm.float_dtype(x)
    nc, h, w = cm.planes_of(x)
    oh, ow = cm.adaptive_output_size(output_size, (h, w))
    out = np.empty(x.shape[:-2] + (oh, ow), dt)
    if out.size == 0 or h == 0 or w == 0:
        return _ref.adaptive_avg_pool2d(x, (oh, ow))
    x = np.ascontiguousarray(x)
    kern = _KERNELS[dt]
    _check(kern.adaptive_avg_pool2d(_buf(x, kern), _buf(out, kern), nc, h, w, oh, ow),
           "adaptive_avg_pool2d")
    return out


def adaptive_avg_pool2d_backward(grad_output: np.ndarray, input_size) -> np.ndarray:
    """The adjoint of adaptive_avg_pool2d: (..., OH, OW) -> (..., H, W)."""
    cm.as_array(grad_output, "grad_output")
    dt = cm.float_dtype(grad_output)
    h, w = cm.pair(input_size, "input_size")
    cm.check_output_size(grad_output.shape[:-2] + (h, w), "adaptive_avg_pool2d_backward")
    nc, oh, ow = cm.planes_of(grad_output, "grad_output")
    gx = np.empty(grad_output.shape[:-2] + (h, w), dt)
    if gx.size == 0 or oh == 0 or ow == 0:
        return _ref.adaptive_avg_pool2d_backward(grad_output, (h, w))
    g = np.ascontiguousarray(grad_output)
    kern = _KERNELS[dt]
    _check(kern.adaptive_avg_pool2d_backward(_buf(g, kern), _buf(gx, kern), nc, h, w, oh, ow),
           "adaptive_avg_pool2d_backward")
    return gx


def adaptive_max_pool2d(x: np.ndarray, output_size) -> Tuple[np.ndarray, np.ndarray]:
    """x (..., H, W) -> (out, indices) (..., OH, OW); backward is max_pool2d_backward."""
    cm.as_array(x, "x")
    dt = cm.float_dtype(x)
    nc, h, w = cm.planes_of(x)
    oh, ow = cm.adaptive_output_size(output_size, (h, w))
    shape = x.shape[:-2] + (oh, ow)
    out = np.empty(shape, dt)
    idx = np.empty(shape, np.int64)
    if out.size == 0 or h == 0 or w == 0:
        return _ref.adaptive_max_pool2d(x, (oh, ow))
    x = np.ascontiguousarray(x)
    kern = _KERNELS[dt]
    _check(kern.adaptive_max_pool2d(_buf(x, kern), _buf(out, kern),
                                    _from_buffer("int64_t[]", idx), nc, h, w, oh, ow),
           "adaptive_max_pool2d")
    return out, idx
