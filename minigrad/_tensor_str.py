"""PyTorch's tensor printing: ``tensor([1.0000, 2.5000], requires_grad=True)``.

This follows ``torch/_tensor_str.py`` step by step (one formatter chosen from the non-zero
finite values, fixed width, wrapped at ``linewidth``, summarised past ``threshold`` elements) so
that ``str(t)`` equals PyTorch's output with ``torch.`` replaced by ``minigrad.``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from minigrad import dtypes as _dtype

__all__ = ["get_printoptions", "set_printoptions", "tensor_repr"]


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set printing options, as ``torch.set_printoptions`` (``profile`` is 'default', 'short'
    or 'full'; ``sci_mode`` None means automatic)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown print profile {profile!r}; expected one of "
                             f"{sorted(_PROFILES)}")
        for key, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, value)
    for key, value in (("precision", precision), ("threshold", threshold),
                       ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, key, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options as a dict (``torch._tensor_str.get_printoptions``)."""
    return dict(vars(PRINT_OPTS))


class _Formatter:
    """Chooses one style for all elements: integer, ``1.``-style integral floats, fixed or
    scientific notation, padded to a common width."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
        else:
            nonzero = flat[np.isfinite(flat) & (flat != 0)]
            if nonzero.size:
                absolute = np.abs(nonzero).astype(np.float64)
                lo, hi = absolute.min(), absolute.max()
                items = nonzero.tolist()
                self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
                p = PRINT_OPTS.precision
                if PRINT_OPTS.sci_mode is None:
                    self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
                else:
                    self.sci_mode = PRINT_OPTS.sci_mode
                if self.sci_mode:
                    widths = (len(f"{v:.{p}e}") for v in items)
                elif self.int_mode:
                    widths = (len(f"{v:.0f}") + 1 for v in items)
                else:
                    widths = (len(f"{v:.{p}f}") for v in items)
                self.max_width = max(self.max_width, max(widths))

    def format(self, value) -> str:
        if self.floating:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                text = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{p}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements that will be printed when summarising (edge items of every dimension)."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:e], a[-e:]]) if a.shape[0] > 2 * e else a
    if not e:
        return np.empty((0,) * a.ndim, a.dtype)
    rows = list(range(e)) + list(range(a.shape[0] - e, a.shape[0])) \
        if a.shape[0] > 2 * e else range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


def _vector_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    e = PRINT_OPTS.edgeitems
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (fmt.max_width + 2)))
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."]
                + [fmt.format(v) for v in a[-e:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    if summarize and a.shape[0] > 2 * e:
        slices = ([_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                  + [_tensor_str(a[i], indent + 1, summarize, fmt)
                     for i in range(a.shape[0] - e, a.shape[0])])
    else:
        slices = [_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def format_data(array: np.ndarray, indent: int) -> str:
    """The bracketed element text of ``array`` (no prefix, no suffixes)."""
    if array.size == 0:
        return "[]"
    if array.dtype == np.float16:
        array = array.astype(np.float32)
    summarize = array.size > PRINT_OPTS.threshold
    fmt = _Formatter(_summarized(array) if summarize else array)
    return _tensor_str(array, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, name: str = "tensor") -> str:
    """``name(<elements>, <suffixes>)`` as PyTorch prints a tensor (``name`` for subclasses)."""
    prefix = name + "("
    indent = len(prefix)
    array = t._data
    default = _dtype.get_default_dtype()
    suffixes = []
    if array.size == 0:
        # NumPy's convention: the shape is shown unless it is (0,); the dtype cannot be inferred.
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if t.dtype is not default:
            suffixes.append(f"dtype={t.dtype!r}")
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if t.dtype not in (default, _dtype.int64, _dtype.bool_):
            suffixes.append(f"dtype={t.dtype!r}")
    body = format_data(array, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
