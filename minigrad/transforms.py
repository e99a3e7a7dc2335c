"""Image transforms with torchvision's names and semantics, without PIL.

Images are either NumPy arrays in the layout a PIL image converts to (``(H, W)`` or
``(H, W, C)``, usually uint8) or Tensors with channels first (``(..., C, H, W)``).
``ToTensor`` goes from the first to the second: uint8 ``(H, W[, C])`` -> float32 ``(C, H, W)``
in [0, 1]. Geometric transforms keep the type and layout they are given.

Batches: a 4-D array ``(N, H, W, C)`` goes through ``ToTensor`` to ``(N, C, H, W)``; ``Normalize``,
``Resize``, ``CenterCrop``, ``Pad`` and the flips act on the last two dimensions of a Tensor,
so ``(N, C, H, W)`` and ``(N, H, W)`` batches work (a flip of a batch flips every image, as
torchvision does). The MNIST datasets hand whole batches to ``Compose``/``ToTensor``/
``Normalize``/``Resize``/``CenterCrop``/``Pad``/``RandomHorizontalFlip`` through ``_batch`` so
a DataLoader epoch is a few vectorised NumPy calls per batch.

Random transforms draw from ``minigrad.random.get_rng()``: ``minigrad.manual_seed`` makes them
reproducible.
"""

from __future__ import annotations

import enum
import numbers
from collections.abc import Sequence
from typing import Any, Callable

import numpy as np

from minigrad.tensor import Tensor

__all__ = [
    "CenterCrop",
    "Compose",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "Pad",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomVerticalFlip",
    "Resize",
    "ToTensor",
]


def _rng():
    from minigrad.random import get_rng

    return get_rng()


class InterpolationMode(enum.Enum):
    """Resampling filters (torchvision's enum); minigrad implements NEAREST and BILINEAR."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# -- image plumbing ----------------------------------------------------------------------------


def _spatial_axes(img: Any, batch: bool = False) -> tuple[int, int]:
    """(height axis, width axis) of an image or of a batch of them."""
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(
                f"Expected an image tensor of at least 2 dimensions (..., H, W), got {tuple(img.shape)}"
            )
        return img.ndim - 2, img.ndim - 1
    if isinstance(img, np.ndarray):
        if batch or img.ndim == 4:
            if img.ndim not in (3, 4):
                raise ValueError(
                    f"Expected a batch of images (N, H, W[, C]), got shape {img.shape}"
                )
            return 1, 2
        if img.ndim not in (2, 3):
            raise ValueError(
                f"Expected an image array of shape (H, W) or (H, W, C), got shape {img.shape}"
            )
        return 0, 1
    raise TypeError(f"img should be a Tensor or a NumPy ndarray. Got {type(img)}")


def _channel_axis(img: Any, batch: bool = False) -> int | None:
    if isinstance(img, Tensor):
        return img.ndim - 3 if img.ndim >= 3 else None
    h, _ = _spatial_axes(img, batch)
    return img.ndim - 1 if img.ndim == h + 3 else None


def _array(img: Any) -> np.ndarray:
    return img._data if isinstance(img, Tensor) else img


def _like(img: Any, arr: np.ndarray) -> Any:
    return Tensor._from_array(arr) if isinstance(img, Tensor) else arr


def get_image_size(img: Any) -> list[int]:
    """[width, height], as torchvision.transforms.functional.get_image_size."""
    h, w = _spatial_axes(img)
    shape = img.shape
    return [int(shape[w]), int(shape[h])]


def _pair(size: Any, name: str = "size") -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError("Please provide only two dimensions (h, w) for size.")


def _crop(img: Any, top: int, left: int, height: int, width: int, batch: bool = False) -> Any:
    ha, wa = _spatial_axes(img, batch)
    arr = _array(img)
    index = [slice(None)] * arr.ndim
    index[ha] = slice(top, top + height)
    index[wa] = slice(left, left + width)
    return _like(img, np.ascontiguousarray(arr[tuple(index)]))


def _parse_padding(padding: Any) -> tuple[int, int, int, int]:
    """padding -> (left, top, right, bottom), torchvision's conventions."""
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    padding = list(padding)
    if len(padding) == 1:
        return (int(padding[0]),) * 4  # type: ignore[return-value]
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    return int(padding[0]), int(padding[1]), int(padding[2]), int(padding[3])


_PAD_MODES = {
    "constant": "constant",
    "edge": "edge",
    "replicate": "edge",
    "reflect": "reflect",
    "symmetric": "symmetric",
}


def _pad(
    img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant", batch: bool = False
) -> Any:
    left, top, right, bottom = _parse_padding(padding)
    ha, wa = _spatial_axes(img, batch)
    arr = _array(img)
    # Negative padding crops, as torchvision does for tensors.
    crop = [slice(None)] * arr.ndim
    crop[ha] = slice(max(-top, 0), arr.shape[ha] - max(-bottom, 0))
    crop[wa] = slice(max(-left, 0), arr.shape[wa] - max(-right, 0))
    arr = arr[tuple(crop)]
    top, bottom, left, right = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
    widths = [(0, 0)] * arr.ndim
    widths[ha] = (top, bottom)
    widths[wa] = (left, right)
    mode = _PAD_MODES[padding_mode]
    if mode != "constant":
        return _like(img, np.pad(arr, widths, mode=mode))
    if isinstance(fill, (tuple, list)) and len(fill) > 1:
        c = _channel_axis(img, batch)
        if c is None or arr.shape[c] != len(fill):
            raise ValueError(
                f"fill {tuple(fill)} needs one value per channel of an image of shape {arr.shape}"
            )
        # One constant per channel: pad the channels one by one.
        widths_c = widths[:c] + widths[c + 1 :]
        chans = [
            np.pad(np.take(arr, k, axis=c), widths_c, mode="constant", constant_values=f)
            for k, f in enumerate(fill)
        ]
        return _like(img, np.stack(chans, axis=c))
    if isinstance(fill, (tuple, list)):
        fill = fill[0]
    return _like(img, np.pad(arr, widths, mode="constant", constant_values=fill))


def _flip(img: Any, axis: int) -> Any:
    return _like(img, np.ascontiguousarray(np.flip(_array(img), axis=axis)))


def _resize_weights(
    n_in: int, n_out: int, mode: str, antialias: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per output index, the input taps (out, k) and their weights (out, k) along one axis."""
    scale = n_in / n_out
    if mode == "nearest":
        if n_out == n_in:
            idx = np.arange(n_out)
        else:
            # PyTorch computes floor(i * scale) in float32.
            idx = np.floor(np.arange(n_out, dtype=np.float32) * np.float32(scale)).astype(np.int64)
            idx = np.minimum(idx, n_in - 1)
        return idx[:, None], np.ones((n_out, 1))
    if antialias and scale > 1.0:
        # Triangle filter stretched over ``scale`` input pixels (PIL / torch antialias=True).
        support = scale
        centers = scale * (np.arange(n_out) + 0.5)
        xmin = np.maximum((centers - support + 0.5).astype(np.int64), 0)
        xmax = np.minimum((centers + support + 0.5).astype(np.int64), n_in)
        k = int((xmax - xmin).max())
        taps = xmin[:, None] + np.arange(k)[None, :]
        w = 1.0 - np.abs((taps - centers[:, None] + 0.5) / scale)
        w = np.where((taps < xmax[:, None]) & (w > 0), w, 0.0)
        w /= w.sum(axis=1, keepdims=True)
        return np.minimum(taps, n_in - 1), w
    # Bilinear, align_corners=False: sample at (i + 0.5) * scale - 0.5, clamped at 0.
    src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    return np.stack([i0, i1], 1), np.stack([1.0 - lam, lam], 1)


def _resize_axis(arr: np.ndarray, axis: int, n_out: int, mode: str, antialias: bool) -> np.ndarray:
    n_in = arr.shape[axis]
    taps, w = _resize_weights(n_in, n_out, mode, antialias)
    if mode == "nearest":
        return np.take(arr, taps[:, 0], axis=axis)
    w = w.astype(arr.dtype)
    shape = [1] * arr.ndim
    shape[axis] = n_out
    out = None
    for k in range(taps.shape[1]):
        term = np.take(arr, taps[:, k], axis=axis) * w[:, k].reshape(shape)
        out = term if out is None else out + term
    return out


def _resize(
    img: Any, size: tuple[int, int], mode: str, antialias: bool, batch: bool = False
) -> Any:
    ha, wa = _spatial_axes(img, batch)
    arr = _array(img)
    h, w = size
    if arr.shape[ha] == h and arr.shape[wa] == w:
        return img
    src_dtype = arr.dtype
    if mode == "nearest":
        out = _resize_axis(_resize_axis(arr, ha, h, mode, False), wa, w, mode, False)
        return _like(img, np.ascontiguousarray(out))
    work = arr if src_dtype.kind == "f" else arr.astype(np.float32)
    out = _resize_axis(_resize_axis(work, ha, h, mode, antialias), wa, w, mode, antialias)
    if src_dtype.kind != "f":
        info = np.iinfo(src_dtype) if src_dtype.kind in "iu" else None
        out = np.rint(out)
        if info is not None:
            out = np.clip(out, info.min, info.max)
        out = out.astype(src_dtype)
    return _like(img, np.ascontiguousarray(out))


def _resized_hw(h: int, w: int, size: list[int], max_size: int | None) -> tuple[int, int]:
    if len(size) == 1:
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = size[0], int(size[0] * long / short)
        if max_size is not None:
            if max_size <= size[0]:
                raise ValueError(
                    f"max_size = {max_size} must be strictly greater than the requested "
                    f"size for the smaller edge size = {size}"
                )
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        return new_h, new_w
    return size[0], size[1]


# -- transforms --------------------------------------------------------------------------------


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def _batch(self, imgs: Any) -> Any:
        if not all(_supports_batch(t) for t in self.transforms):
            return NotImplemented
        for t in self.transforms:
            imgs = t._batch(imgs)
        return imgs

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({body}\n)"


def _supports_batch(t: Any) -> bool:
    if isinstance(t, Compose):
        return all(_supports_batch(c) for c in t.transforms)
    return callable(getattr(t, "_batch", None))


class ToTensor:
    """uint8 image array (H, W) or (H, W, C) -> float32 Tensor (C, H, W) in [0, 1].

    Arrays of another dtype keep it (only the layout changes), as torchvision. A 4-D array is a
    batch (N, H, W, C) -> (N, C, H, W). A Tensor is taken as channels-first already ((H, W) gains
    a channel dimension); uint8 is scaled to float32 in [0, 1], other dtypes pass unchanged.
    """

    def __call__(self, pic: Any) -> Tensor:
        if isinstance(pic, Tensor):
            arr = pic._data
            if arr.ndim == 2:
                arr = arr[None]
            return Tensor._from_array(_scale_u8(arr)) if arr.dtype == np.uint8 else _like(pic, arr)
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if pic.ndim not in (2, 3, 4):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[None] if pic.ndim == 2 else np.moveaxis(pic, -1, -3)
        return Tensor._from_array(
            _scale_u8(arr) if arr.dtype == np.uint8 else np.ascontiguousarray(arr)
        )

    def _batch(self, imgs: np.ndarray) -> Tensor:
        """imgs: (N, H, W) or (N, H, W, C) -> (N, C, H, W), the stack of per-image results."""
        if not isinstance(imgs, np.ndarray) or imgs.ndim not in (3, 4):
            return NotImplemented
        arr = imgs[:, None] if imgs.ndim == 3 else np.moveaxis(imgs, -1, 1)
        return Tensor._from_array(
            _scale_u8(arr) if arr.dtype == np.uint8 else np.ascontiguousarray(arr)
        )

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def _scale_u8(arr: np.ndarray) -> np.ndarray:
    out = np.empty(arr.shape, dtype=np.float32)
    np.divide(arr, np.float32(255), out=out, casting="unsafe")
    return out


class Normalize:
    """(x - mean[c]) / std[c] per channel of a float Tensor (..., C, H, W).

    mean, std: sequences with one value per channel (or one value for all). inplace: write into
    the input. Tracks gradients when the input requires grad.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(
                "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                f"{tuple(tensor.shape)}"
            )
        arr = tensor._data
        mean, std = self._stats(arr.dtype)
        channels = arr.shape[-3]
        if mean.shape[0] not in (1, channels) or std.shape[0] not in (1, channels):
            raise RuntimeError(
                f"Normalize: mean has {mean.shape[0]} and std {std.shape[0]} values, but the "
                f"tensor of shape {list(arr.shape)} has {channels} channels (dim -3)"
            )
        if tensor.requires_grad:
            m, s = Tensor._from_array(mean), Tensor._from_array(std)
            if self.inplace:
                return tensor.sub_(m).div_(s)
            return (tensor - m) / s
        if self.inplace:
            np.subtract(arr, mean, out=arr)
            np.divide(arr, std, out=arr)
            tensor._bump_version()
            return tensor
        out = arr - mean
        np.divide(out, std, out=out)
        return Tensor._from_array(out)

    def _stats(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """mean and std as (C, 1, 1) arrays of ``dtype`` (cached: the transform runs per sample)."""
        key = (dtype, id(self.mean), id(self.std))
        cached = self.__dict__.get("_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        mean = np.asarray(self.mean, dtype=dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=dtype).reshape(-1, 1, 1)
        if (std == 0).any():
            raise ValueError(
                f"std evaluated to zero after conversion to {dtype}, leading to division by zero."
            )
        self._cache = (key, (mean, std))
        return mean, std

    def _batch(self, imgs: Any) -> Any:
        return self(imgs) if isinstance(imgs, Tensor) and imgs.ndim >= 4 else NotImplemented

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Wrap a function as a transform."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def _interp_mode(interpolation: Any) -> str:
    mode = interpolation.value if isinstance(interpolation, InterpolationMode) else interpolation
    if isinstance(mode, str):
        mode = mode.lower()
    if mode in ("nearest", "bilinear"):
        return mode
    if mode in {m.value for m in InterpolationMode}:
        raise NotImplementedError(
            f"minigrad.transforms.Resize supports nearest and bilinear, not {mode}"
        )
    raise ValueError(
        f"Unknown interpolation {interpolation!r}: use InterpolationMode.NEAREST or BILINEAR"
    )


class Resize:
    """Resize the image (last two dims of a Tensor, H and W of an array).

    size: (h, w), or an int: the smaller edge becomes ``size`` and the aspect ratio is kept.
    interpolation: NEAREST or BILINEAR (``InterpolationMode`` or the strings). antialias: when
    shrinking with bilinear, average over the source pixels (torchvision's default).
    """

    def __init__(
        self,
        size: int | Sequence[int],
        interpolation: Any = InterpolationMode.BILINEAR,
        max_size: int | None = None,
        antialias: bool | None = True,
    ) -> None:
        if not isinstance(size, (int, Sequence)) or isinstance(size, bool):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self._mode = _interp_mode(interpolation)
        self.interpolation = InterpolationMode(self._mode)
        self.antialias = antialias

    def _out_hw(self, img: Any, batch: bool) -> tuple[int, int]:
        ha, wa = _spatial_axes(img, batch)
        size = [self.size] if isinstance(self.size, int) else list(self.size)
        if len(size) == 2 and self.max_size is not None:
            raise ValueError(
                "max_size should only be passed if size specifies the length of the smaller edge, "
                "i.e. size should be an int or a sequence of length 1 in torchscript mode."
            )
        return _resized_hw(int(img.shape[ha]), int(img.shape[wa]), size, self.max_size)

    def __call__(self, img: Any) -> Any:
        return _resize(img, self._out_hw(img, False), self._mode, bool(self.antialias))

    def _batch(self, imgs: Any) -> Any:
        return _resize(imgs, self._out_hw(imgs, True), self._mode, bool(self.antialias), batch=True)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(size={self.size}, interpolation={self._mode}, "
            f"max_size={self.max_size}, antialias={self.antialias})"
        )


def _center_crop(img: Any, output_size: tuple[int, int], batch: bool = False) -> Any:
    ha, wa = _spatial_axes(img, batch)
    crop_h, crop_w = output_size
    img_h, img_w = int(img.shape[ha]), int(img.shape[wa])
    if crop_w > img_w or crop_h > img_h:
        padding = [
            (crop_w - img_w) // 2 if crop_w > img_w else 0,
            (crop_h - img_h) // 2 if crop_h > img_h else 0,
            (crop_w - img_w + 1) // 2 if crop_w > img_w else 0,
            (crop_h - img_h + 1) // 2 if crop_h > img_h else 0,
        ]
        img = _pad(img, padding, 0, "constant", batch)
        img_h, img_w = int(img.shape[ha]), int(img.shape[wa])
        if crop_w == img_w and crop_h == img_h:
            return img
    top = round((img_h - crop_h) / 2.0)
    left = round((img_w - crop_w) / 2.0)
    return _crop(img, top, left, crop_h, crop_w, batch)


class CenterCrop:
    """Crop the centre (h, w) (an int means square); zero-pads when the image is smaller."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _pair(size)

    def __call__(self, img: Any) -> Any:
        return _center_crop(img, self.size)

    def _batch(self, imgs: Any) -> Any:
        return _center_crop(imgs, self.size, batch=True)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


def _check_padding_args(padding: Any, fill: Any, padding_mode: str) -> None:
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in _PAD_MODES:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(
            f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple"
        )


class Pad:
    """Pad the borders: padding is an int, (left/right, top/bottom) or (left, top, right, bottom).

    padding_mode: constant (with ``fill``), edge (alias replicate), reflect, symmetric.
    """

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        _check_padding_args(padding, fill, padding_mode)
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img: Any) -> Any:
        return _pad(img, self.padding, self.fill, self.padding_mode)

    def _batch(self, imgs: Any) -> Any:
        return _pad(imgs, self.padding, self.fill, self.padding_mode, batch=True)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, "
            f"padding_mode={self.padding_mode})"
        )


class RandomCrop:
    """Crop a random (h, w) window, optionally after padding (``padding``, ``pad_if_needed``)."""

    def __init__(
        self,
        size: int | Sequence[int],
        padding: Any = None,
        pad_if_needed: bool = False,
        fill: Any = 0,
        padding_mode: str = "constant",
    ) -> None:
        self.size = _pair(size)
        if padding is not None:
            _check_padding_args(padding, fill, padding_mode)
        elif padding_mode not in _PAD_MODES:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """A random (top, left, height, width) window of ``output_size`` inside ``img``."""
        w, h = get_image_size(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(
                f"Required crop size {(th, tw)} is larger than input image size {(h, w)}"
            )
        if w == tw and h == th:
            return 0, 0, h, w
        rng = _rng()
        i = int(rng.integers(0, h - th + 1))
        j = int(rng.integers(0, w - tw + 1))
        return i, j, th, tw

    def __call__(self, img: Any) -> Any:
        if self.padding is not None:
            img = _pad(img, self.padding, self.fill, self.padding_mode)
        width, height = get_image_size(img)
        if self.pad_if_needed and width < self.size[1]:
            img = _pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = _pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return _crop(img, i, j, h, w)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror left-right with probability p (a whole Tensor batch flips together)."""

    _flip_dim = 1  # 0: height, 1: width

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        axes = _spatial_axes(img)
        if _rng().random() < self.p:
            return _flip(img, axes[self._flip_dim])
        return img

    def _batch(self, imgs: Any) -> Any:
        """Each image of the batch flips on its own draw, as if transformed one by one."""
        axes = _spatial_axes(imgs, batch=True)
        arr = _array(imgs)
        mask = _rng().random(arr.shape[0]) < self.p
        if not mask.any():
            return imgs
        out = arr.copy()
        # Axis numbers of the selected sub-batch are the same as the batch's.
        out[mask] = np.flip(arr[mask], axis=axes[self._flip_dim])
        return _like(imgs, out)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability p."""

    _flip_dim = 0
