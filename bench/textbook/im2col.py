"""im2col / col2im with NumPy slicing: a convolution becomes one matrix product.

Layout (the textbook's): ``im2col`` turns x: (N, C, H, W) into cols: (N*OH*OW, C*KH*KW), one
row per output pixel holding the receptive field it sees. ``col2im`` is its adjoint: it adds
every entry of cols back onto the pixel it was copied from, so overlapping windows accumulate.
The loops run over the KH*KW kernel offsets only; each step copies a strided slab of all
images and channels at once.
"""
from __future__ import annotations

import numpy as np


def conv_output_size(size: int, kernel: int, stride: int = 1, pad: int = 0) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """x: (N, C, H, W) -> cols: (N*OH*OW, C*KH*KW)."""
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(w, kw, stride, pad)
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        i_stop = i + stride * oh
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i_stop:stride, j:j + stride * ow:stride]
    # Rows are output pixels (n, oh, ow); columns the window (c, kh, kw).
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(cols: np.ndarray, x_shape: tuple, kh: int, kw: int, stride: int = 1,
           pad: int = 0) -> np.ndarray:
    """cols: (N*OH*OW, C*KH*KW) -> (N, C, H, W), overlapping window entries summed."""
    n, c, h, w = x_shape
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(w, kw, stride, pad)
    cols = cols.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
    x = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=cols.dtype)
    for i in range(kh):
        i_stop = i + stride * oh
        for j in range(kw):
            x[:, :, i:i_stop:stride, j:j + stride * ow:stride] += cols[:, :, i, j]
    return x[:, :, pad:pad + h, pad:pad + w]
