"""Loop-by-loop oracles for the kernels, written straight from the definitions (slow; for
small test shapes only). They check the NumPy twin independently of the C code."""
from __future__ import annotations

import math

import numpy as np


def im2col(x, k, s, p, d):
    n, c, h, w = x.shape
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c * k[0] * k[1], oh * ow), x.dtype)
    for ci in range(c):
        for i in range(k[0]):
            for j in range(k[1]):
                row = (ci * k[0] + i) * k[1] + j
                for oy in range(oh):
                    for ox in range(ow):
                        iy, ix = oy * s[0] - p[0] + i * d[0], ox * s[1] - p[1] + j * d[1]
                        if 0 <= iy < h and 0 <= ix < w:
                            out[:, row, oy * ow + ox] = x[:, ci, iy, ix]
    return out


def conv2d(x, w, s, p, d, groups, ohw):
    """y[n, o, oy, ox] = sum over the group's channels and (i, j) of w * x at
    (oy*sh - ph + i*dh, ox*sw - pw + j*dw), 0 outside the input; in float64."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    og = o // groups
    oh, ow = ohw
    y = np.zeros((n, o, oh, ow))
    for oc in range(o):
        for ci in range(cg):
            cin = (oc // og) * cg + ci
            for i in range(kh):
                for j in range(kw):
                    for oy in range(oh):
                        iy = oy * s[0] - p[0] + i * d[0]
                        if not 0 <= iy < h:
                            continue
                        for ox in range(ow):
                            ix = ox * s[1] - p[1] + j * d[1]
                            if 0 <= ix < wd:
                                y[:, oc, oy, ox] += float(w[oc, ci, i, j]) * x[:, cin, iy, ix]
    return y


def max_pool2d(x, k, s, p, d, oh, ow):
    """PyTorch's rule: first maximum wins; windows clipped to the input. None if a window has
    no input element (possible with large dilation)."""
    lead = x.shape[:-2]
    h, w = x.shape[-2:]
    xf = x.reshape(-1, h, w)
    out = np.empty((xf.shape[0], oh, ow), x.dtype)
    idx = np.empty((xf.shape[0], oh, ow), np.int64)
    for q in range(xf.shape[0]):
        for oy in range(oh):
            for ox in range(ow):
                best, bi = -math.inf, None
                for i in range(k[0]):
                    for j in range(k[1]):
                        iy, ix = oy * s[0] - p[0] + i * d[0], ox * s[1] - p[1] + j * d[1]
                        if 0 <= iy < h and 0 <= ix < w:
                            v = xf[q, iy, ix]
                            if bi is None or v > best:
                                best, bi = v, iy * w + ix
                if bi is None:
                    return None  # a window entirely in the padding: not a case we test
                out[q, oy, ox], idx[q, oy, ox] = best, bi
    return out.reshape(lead + (oh, ow)), idx.reshape(lead + (oh, ow))


def avg_pool2d(x, k, s, p, oh, ow, count_include_pad, divisor_override):
    lead = x.shape[:-2]
    h, w = x.shape[-2:]
    xf = x.reshape(-1, h, w).astype(np.float64)
    out = np.empty((xf.shape[0], oh, ow))
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * s[0] - p[0], ox * s[1] - p[1]
            y1, x1 = min(y0 + k[0], h + p[0]), min(x0 + k[1], w + p[1])
            pool = (y1 - y0) * (x1 - x0)
            y0c, x0c, y1c, x1c = max(y0, 0), max(x0, 0), min(y1, h), min(x1, w)
            total = xf[:, y0c:y1c, x0c:x1c].sum(axis=(1, 2))
            if divisor_override:
                div = divisor_override
            elif count_include_pad:
                div = pool
            else:
                div = (y1c - y0c) * (x1c - x0c)
            out[:, oy, ox] = total / div
    return out.reshape(lead + (oh, ow))


def adaptive_bounds(o, size, out):
    return math.floor(o * size / out), math.ceil((o + 1) * size / out)


def adaptive_avg_pool2d(x, oh, ow):
    h, w = x.shape[-2:]
    out = np.empty(x.shape[:-2] + (oh, ow))
    for oy in range(oh):
        y0, y1 = adaptive_bounds(oy, h, oh)
        for ox in range(ow):
            x0, x1 = adaptive_bounds(ox, w, ow)
            out[..., oy, ox] = x[..., y0:y1, x0:x1].astype(np.float64).mean(axis=(-2, -1))
    return out
