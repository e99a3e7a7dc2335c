"""The kernel table seen from Python: ``from minigrad import backend``.

Selection (at import): ``MINIGRAD_BACKEND=numpy`` uses the NumPy twins (``reference.py``);
otherwise the compiled C module ``minigrad._C`` (``c.py``). If the compiled module is missing,
the NumPy twins are used and a warning is issued once. ``MINIGRAD_SIMD=generic|avx2|avx512``
forces a lower SIMD path, ``MINIGRAD_NUM_THREADS=n`` sets the initial thread count.
Importing the backend makes glibc malloc keep freed multi-MiB arrays for reuse and OpenMP
workers spin only briefly between kernels, unless the user configured either
(``_runtime.py``; ``MINIGRAD_RUNTIME_TUNING=0`` turns both off).

All functions take and return NumPy arrays; float kernels accept float32 or float64 (one dtype
for all operands; otherwise TypeError); bad shapes or parameters raise ValueError naming the
shapes; a failing C kernel raises RuntimeError. Inputs may be any strided views.

API (``...`` = any leading batch/channel dims)::

    name: str                                   "C" or "NumPy"
    matmul(a, b) -> c                           np.matmul semantics; a (..., M, K), b (..., K, N)
                                                -> (..., M, N), batch dims broadcast; 1-D as
                                                np.matmul; int/bool arrays go to np.matmul
    gemm(a, b, c=None, alpha=1.0, beta=0.0, trans_a=False, trans_b=False) -> c
                                                c = alpha*op(a) @ op(b) + beta*c (in place when
                                                c is given; beta == 0 never reads c)
    matmul_sum(a, b) -> (M, N)                  sum_i a[i] @ b[i]; a (B, M, K), b (B, K, N)
    conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, output_size=None)
        -> y                                    x (N, C, H, W), weight (O, C/groups, kh, kw),
                                                bias (O,) -> (N, O, OH, OW); output_size any
                                                (OH, OW) (default: the conv formula; windows
                                                beyond the input read zeros)
    conv2d_input_grad(grad_output, weight, input_size, stride=1, padding=0, dilation=1,
                      groups=1) -> grad_input    the adjoint in x (= conv_transpose2d):
                                                (N, O, OH, OW) -> (N, C, H, W)
    conv2d_weight_grad(x, grad_output, kernel_size, stride=1, padding=0, dilation=1,
                       groups=1) -> grad_weight  (O, C/groups, kh, kw), batch summed
    conv2d_backward(grad_output, x, weight, stride=1, padding=0, dilation=1, groups=1,
                    output_mask=(True, True, True)) -> (grad_input, grad_weight, grad_bias)
                                                the three at once (None where not in the
                                                mask); grad_bias (O,) sums grad_output
    im2col(x, kernel_size, stride=1, padding=0, dilation=1) -> cols
                                                F.unfold: (N, C, H, W) -> (N, C*kh*kw, OH*OW)
    col2im(cols, input_size, kernel_size, stride=1, padding=0, dilation=1) -> x
                                                F.fold: (N, C*kh*kw, OH*OW) -> (N, C, H, W),
                                                overlaps summed (adjoint of im2col)
    max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)
        -> (out, indices)                       (..., H, W) -> (..., OH, OW) x2; indices int64,
                                                flat ih*W + iw in the input plane
    max_pool2d_backward(grad_output, indices, input_size) -> grad_input
                                                scatter-add by index (..., OH, OW) -> (..., H, W);
                                                also max_unpool2d and adaptive max backward
    index_gather2d(x, indices) -> out           its adjoint: (..., H, W) -> (..., OH, OW)
    avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None) -> out
    avg_pool2d_backward(grad_output, input_size, kernel_size, stride=None, padding=0,
                        ceil_mode=False, count_include_pad=True, divisor_override=None)
    adaptive_avg_pool2d(x, output_size) -> out  window [floor(i*H/OH), ceil((i+1)*H/OH))
    adaptive_avg_pool2d_backward(grad_output, input_size) -> grad_input
    adaptive_max_pool2d(x, output_size) -> (out, indices)
    threshold_backward(grad, x, threshold=0.0) -> out
                                                grad where x > threshold else 0 (NaN in x
                                                passes): the ReLU gradient in one pass
    relu(x) -> out                              x where x > 0 else 0 (NaN stays), one pass
    axpy(alpha, x, y) -> y                      y += alpha * x in place (NumPy's rounding)
    axpby(alpha, x, beta, y) -> y               y = alpha * x + beta * y in place
    adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps,
              weight_decay, step_size, bias_correction2_sqrt, maximize=False, decoupled=False)
                                                one Adam/AdamW step in place, arrays of one
                                                shape (max_exp_avg_sq None without AMSGrad;
                                                grad only read); step_size = lr/(1 - beta1**t),
                                                bias_correction2_sqrt = sqrt(1 - beta2**t)
    set_num_threads(n), get_num_threads() -> int
    config() -> dict                            backend, simd, simd_supported, openmp,
                                                num_threads, malloc_tuned, omp_spincount
    show_config() -> None                       prints config()
"""
from __future__ import annotations

import os
import warnings

from . import _runtime

__all__ = [
    "name", "impl", "matmul", "gemm", "matmul_sum", "conv2d", "conv2d_input_grad",
    "conv2d_weight_grad", "conv2d_backward", "threshold_backward", "relu", "axpy", "axpby",
    "adam_step", "im2col", "col2im", "max_pool2d", "max_pool2d_backward", "index_gather2d",
    "avg_pool2d", "avg_pool2d_backward", "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward",
    "adaptive_max_pool2d", "set_num_threads", "get_num_threads", "config", "show_config",
    "c_available",
]


def _select():
    want = os.environ.get("MINIGRAD_BACKEND", "").strip().lower()
    if want in ("numpy", "reference", "python"):
        from . import reference as impl
        return impl
    if want not in ("", "c"):
        warnings.warn(f"MINIGRAD_BACKEND={want!r} is unknown; expected 'c' or 'numpy'",
                      RuntimeWarning, stacklevel=3)
    try:
        _runtime.tune_openmp()  # before minigrad._C loads libgomp
        from . import c as impl
    except (ImportError, AttributeError) as e:  # missing, or stale (a kernel table mismatch)
        warnings.warn(
            f"minigrad: the compiled kernels (minigrad._C) could not be imported ({e}); "
            "falling back to the NumPy backend. Reinstall with `pip install .` to build them.",
            RuntimeWarning, stacklevel=3)
        from . import reference as impl
    return impl


impl = _select()
_runtime.tune_malloc()


def c_available() -> bool:
    """True when the compiled module can be imported (whichever backend is active)."""
    try:
        from minigrad import _C  # noqa: F401
    except ImportError:
        return False
    return True


name = impl.name
matmul = impl.matmul
gemm = impl.gemm
matmul_sum = impl.matmul_sum
conv2d = impl.conv2d
conv2d_input_grad = impl.conv2d_input_grad
conv2d_weight_grad = impl.conv2d_weight_grad
conv2d_backward = impl.conv2d_backward
threshold_backward = impl.threshold_backward
relu = impl.relu
axpy = impl.axpy
axpby = impl.axpby
adam_step = impl.adam_step
im2col = impl.im2col
col2im = impl.col2im
max_pool2d = impl.max_pool2d
max_pool2d_backward = impl.max_pool2d_backward
index_gather2d = impl.index_gather2d
avg_pool2d = impl.avg_pool2d
avg_pool2d_backward = impl.avg_pool2d_backward
adaptive_avg_pool2d = impl.adaptive_avg_pool2d
adaptive_avg_pool2d_backward = impl.adaptive_avg_pool2d_backward
adaptive_max_pool2d = impl.adaptive_max_pool2d
set_num_threads = impl.set_num_threads
get_num_threads = impl.get_num_threads


def config() -> dict:
    """backend, simd, simd_supported, openmp, num_threads (+ num_cores for C), malloc_tuned,
    omp_spincount."""
    cfg = impl.config()
    cfg.update(_runtime.info())
    return cfg



def show_config() -> None:
    """Prints the backend in use, the SIMD path chosen at run time, OpenMP and threads."""
    cfg = config()
    print(f"minigrad backend: {cfg['backend']}")
    print(f"  SIMD path:      {cfg['simd']} (best supported: {cfg['simd_supported']})")
    print(f"  OpenMP:         {'on' if cfg['openmp'] else 'off'}")
    print(f"  threads:        {cfg['num_threads']}")
