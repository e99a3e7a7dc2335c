"""``minigrad.save`` / ``minigrad.load``: checkpoints without pickle.

File format (version 1)
-----------------------
A checkpoint is a ZIP archive (entries stored uncompressed) with:

- ``minigrad_manifest.json``: ``{"format": "minigrad.save", "version": 1, "tensors": N,
  "root": NODE}`` describing the saved object;
- ``tensors/<k>.npy`` for k = 0 .. N-1: one NumPy ``.npy`` file per distinct tensor, written by
  ``numpy.lib.format.write_array(..., allow_pickle=False)`` (C order, native byte order).

A NODE is a JSON object whose ``"type"`` says what it holds:

==============================  ========================================================
``{"type": "none"}``            None
``bool`` / ``int`` / ``str``    ``{"type": "int", "value": 3}`` (ints of any size)
``float``                       ``"value"``: a number, or ``"nan"``, ``"inf"``, ``"-inf"``
``bytes``                       ``"value"``: base64 text
``list`` / ``tuple``            ``"items"``: [NODE, ...]
``dict`` / ``OrderedDict``      ``"items"``: [[key NODE, value NODE], ...] (keys keep their
                                type and the order is kept: optimizer state has int keys)
``size`` / ``dtype``            a ``minigrad.Size`` (``"items"``: ints) / ``minigrad.float32``
                                and friends (``"name"``)
``tensor``                      ``"id"``: k (the file ``tensors/<k>.npy``), ``"dtype"``,
                                ``"shape"``, ``"requires_grad"``, ``"parameter"`` (an
                                ``nn.Parameter``)
``ndarray`` / ``npscalar``      a NumPy array (``"id"``, ``"dtype"``, ``"shape"``) / a NumPy
                                scalar (``"dtype"``, ``"value"``)
==============================  ========================================================

The same Tensor object saved twice is stored once and loaded back as one object. Gradients and
autograd history are not saved (a tensor comes back as a leaf with its ``requires_grad``).

Loading never executes code: it parses JSON and reads ``.npy`` files with
``allow_pickle=False``. A pickle (e.g. a ``torch.save`` or ``pickle.dump`` file), a PyTorch
zip checkpoint, an object array or a malformed archive raises ``LoadError``, which is both a
``pickle.UnpicklingError`` (as PyTorch's ``weights_only`` refusal) and a ``RuntimeError``.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import pickle
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO, Callable, Union

import numpy as np

from minigrad import dtypes as _dtype
from minigrad.size import Size
from minigrad.tensor import Tensor

__all__ = ["LoadError", "load", "save"]

FORMAT_NAME = "minigrad.save"
FORMAT_VERSION = 1
MANIFEST = "minigrad_manifest.json"
_MAX_DEPTH = 1000
_MAX_MANIFEST_BYTES = 256 * 1024 * 1024

FileLike = Union[str, "os.PathLike[str]", BinaryIO]


class LoadError(pickle.UnpicklingError, RuntimeError):
    """A file ``minigrad.load`` refuses: a pickle, an object array, or a malformed checkpoint."""


def _parameter_class():
    try:
        from minigrad.nn.parameter import Parameter
    except ImportError:
        return None
    return Parameter


# -- save ----------------------------------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self._tensor_ids: dict[int, int] = {}
        self._keepalive: list[Any] = []  # ids stay unique while the walk runs
        self._active: set = set()
        self._parameter = _parameter_class()

    def _array_id(self, obj: Any, arr: np.ndarray) -> int:
        key = id(obj)
        if key not in self._tensor_ids:
            self._tensor_ids[key] = len(self.arrays)
            self.arrays.append(_native(arr))
            self._keepalive.append(obj)
        return self._tensor_ids[key]

    def node(self, obj: Any, depth: int = 0) -> dict[str, Any]:
        if depth > _MAX_DEPTH:
            raise ValueError(f"minigrad.save: nesting deeper than {_MAX_DEPTH} levels")
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, Tensor):
            arr = obj._data
            _dtype.from_numpy(arr.dtype)
            is_param = self._parameter is not None and isinstance(obj, self._parameter)
            return {
                "type": "tensor",
                "id": self._array_id(obj, arr),
                "dtype": str(_native_dtype(arr.dtype)),
                "shape": list(arr.shape),
                "requires_grad": bool(obj.requires_grad),
                "parameter": bool(is_param),
            }
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject or obj.dtype.kind not in "biufc":
                raise TypeError(f"minigrad.save cannot store NumPy arrays of dtype {obj.dtype}")
            return {
                "type": "ndarray",
                "id": self._array_id(obj, obj),
                "dtype": str(_native_dtype(obj.dtype)),
                "shape": list(obj.shape),
            }
        if isinstance(obj, np.generic):
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"minigrad.save cannot store NumPy scalars of dtype {obj.dtype}")
            return {"type": "npscalar", "dtype": str(obj.dtype), "value": _scalar_value(obj.item())}
        if isinstance(obj, bool):
            return {"type": "bool", "value": obj}
        if isinstance(obj, int):
            return {"type": "int", "value": int(obj)}
        if isinstance(obj, float):
            return {"type": "float", "value": _scalar_value(float(obj))}
        if isinstance(obj, str):
            return {"type": "str", "value": str(obj)}
        if isinstance(obj, bytes):
            return {"type": "bytes", "value": base64.b64encode(obj).decode("ascii")}
        if isinstance(obj, _dtype.dtype):
            return {"type": "dtype", "name": obj.name}
        if isinstance(obj, Size):
            return {"type": "size", "items": [int(d) for d in obj]}
        if isinstance(obj, (list, tuple, dict)):
            if id(obj) in self._active:
                raise ValueError("minigrad.save cannot store a container that contains itself")
            self._active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    kind = "OrderedDict" if isinstance(obj, OrderedDict) else "dict"
                    items = [
                        [self.node(k, depth + 1), self.node(v, depth + 1)] for k, v in obj.items()
                    ]
                    return {"type": kind, "items": items}
                kind = "tuple" if isinstance(obj, tuple) else "list"
                return {"type": kind, "items": [self.node(v, depth + 1) for v in obj]}
            finally:
                self._active.discard(id(obj))
        raise TypeError(
            f"minigrad.save cannot store an object of type {type(obj).__module__}.{type(obj).__qualname__}: "
            "it stores tensors, NumPy arrays, numbers, strings, bytes, bools, None, dtypes, Sizes "
            "and lists, tuples and dicts of them (save a model's state_dict(), not the model)"
        )


def _native_dtype(dt: np.dtype) -> np.dtype:
    return dt if dt.isnative else dt.newbyteorder("=")


def _native(arr: np.ndarray) -> np.ndarray:
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
    return arr if arr.dtype.isnative else arr.astype(_native_dtype(arr.dtype))


def _scalar_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def save(
    obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2, **kwargs: Any
) -> None:
    """Write ``obj`` (tensors and nested dicts/lists/tuples of them and of plain values) to ``f``.

    f: a path or a binary file object opened for writing. ``pickle_module`` and
    ``pickle_protocol`` are accepted for PyTorch compatibility and ignored (nothing is pickled).
    See the module docstring for the format.
    """
    writer = _Writer()
    root = writer.node(obj)
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "tensors": len(writer.arrays),
        "root": root,
    }
    data = json.dumps(manifest, allow_nan=False, separators=(",", ":")).encode("utf-8")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            _write_zip(fh, data, writer.arrays)
    else:
        _write_zip(f, data, writer.arrays)


def _write_zip(fh: BinaryIO, manifest: bytes, arrays: list[np.ndarray]) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(MANIFEST, manifest)
        for k, arr in enumerate(arrays):
            with zf.open(f"tensors/{k}.npy", "w", force_zip64=arr.nbytes > (1 << 30)) as out:
                np.lib.format.write_array(out, arr, allow_pickle=False)


# -- load ----------------------------------------------------------------------------------------


def _check_map_location(map_location: Any) -> Callable | None:
    """Validate map_location; return a callable to apply to each tensor (or None)."""
    if map_location is None:
        return None
    if callable(map_location) and not isinstance(map_location, (str, dict)):

        def apply(t: Tensor) -> Tensor:
            r = map_location(t, "cpu")
            return r if isinstance(r, Tensor) else t

        return apply
    loc = map_location.get("cpu", "cpu") if isinstance(map_location, dict) else map_location
    name = str(loc)
    if not name.startswith("cpu"):
        raise RuntimeError(
            f"Attempting to deserialize object on device {name!r}, but minigrad runs on the CPU "
            "only. Use map_location='cpu' (or leave it out)."
        )
    return None


def _open_for_read(f: FileLike):
    if isinstance(f, (str, os.PathLike)):
        return open(f, "rb"), True
    if not hasattr(f, "read"):
        raise TypeError(
            f"minigrad.load expects a path or a binary file object, got {type(f).__name__}"
        )
    seekable = getattr(f, "seekable", None)
    if seekable is None or not seekable():
        return io.BytesIO(f.read()), True
    return f, False


def _refuse_non_zip(head: bytes, name: str) -> None:
    if head.startswith(b"\x93NUMPY"):
        raise LoadError(
            f"{name} is a NumPy .npy file, not a minigrad checkpoint (read it with numpy.load)"
        )
    if head[:1] == b"\x80" or head[:1] in (b"(", b"}", b"]", b"c"):
        raise LoadError(
            f"Weights only load failed: {name} is a pickle (written by pickle.dump or an old "
            "torch.save). minigrad.load never unpickles, because unpickling can run arbitrary "
            "code. Load it with PyTorch in a trusted environment and re-save the tensors with "
            "minigrad.save."
        )
    raise LoadError(
        f"{name} is not a minigrad checkpoint (it starts with {head[:8]!r}, not a ZIP archive)"
    )


def load(
    f: FileLike,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Read an object written by ``minigrad.save``; never executes code from the file.

    map_location: None, 'cpu', a dict or a callable (CPU is the only device). ``weights_only``
    may be True or False: either way nothing is unpickled. ``pickle_module`` and ``mmap`` are
    accepted for PyTorch compatibility and ignored. Raises ``LoadError`` (a
    ``pickle.UnpicklingError`` and a ``RuntimeError``) for a file that is not a valid checkpoint.
    """
    mapper = _check_map_location(map_location)
    name = (
        os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file object>")
    )
    fh, owned = _open_for_read(f)
    try:
        start = fh.tell()
        head = fh.read(8)
        fh.seek(start)
        if not head.startswith(b"PK"):
            _refuse_non_zip(head, str(name))
        try:
            zf = zipfile.ZipFile(fh, "r")
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise LoadError(
                f"{name} is not a valid minigrad checkpoint: damaged ZIP archive ({e})"
            ) from None
        with zf:
            return _Reader(zf, str(name), mapper).run()
    finally:
        if owned:
            fh.close()


class _Reader:
    def __init__(self, zf: zipfile.ZipFile, name: str, mapper: Callable | None) -> None:
        self.zf, self.name, self.mapper = zf, name, mapper
        self.cache: dict[int, Any] = {}
        self.n_arrays = 0
        self._parameter = _parameter_class()

    def bad(self, why: str) -> LoadError:
        return LoadError(f"{self.name} is not a valid minigrad checkpoint: {why}")

    def run(self) -> Any:
        names = set(self.zf.namelist())
        if MANIFEST not in names:
            if any(n.endswith("data.pkl") for n in names):
                raise LoadError(
                    f"Weights only load failed: {self.name} is a PyTorch checkpoint, whose data.pkl "
                    "is a pickle. minigrad.load never unpickles (it can run arbitrary code); load it "
                    "with PyTorch and re-save the tensors with minigrad.save."
                )
            raise self.bad(f"no {MANIFEST} in the archive")
        info = self.zf.getinfo(MANIFEST)
        if info.file_size > _MAX_MANIFEST_BYTES:
            raise self.bad("the manifest is implausibly large")
        try:
            manifest = json.loads(self.zf.read(MANIFEST).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError, zipfile.BadZipFile) as e:
            raise self.bad(f"unreadable manifest ({type(e).__name__}: {e})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            raise self.bad("the manifest does not describe a minigrad.save file")
        version = manifest.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise self.bad(
                f"format version {version!r}; this minigrad reads version {FORMAT_VERSION}"
            )
        n = manifest.get("tensors")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise self.bad("bad tensor count in the manifest")
        self.n_arrays = n
        try:
            return self.build(manifest.get("root"), 0)
        except RecursionError:
            raise self.bad("nesting too deep") from None

    def build(self, node: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise self.bad(f"nesting deeper than {_MAX_DEPTH} levels")
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            raise self.bad(f"malformed node {str(node)[:80]!r}")
        kind = node["type"]
        if kind == "none":
            return None
        if kind == "bool":
            return self.typed(node, "value", bool)
        if kind == "int":
            v = node.get("value")
            if not isinstance(v, int) or isinstance(v, bool):
                raise self.bad("an int node without an integer value")
            return v
        if kind == "float":
            return self.float_value(node.get("value"))
        if kind == "str":
            return self.typed(node, "value", str)
        if kind == "bytes":
            try:
                return base64.b64decode(self.typed(node, "value", str), validate=True)
            except ValueError:
                raise self.bad("bad base64 in a bytes node") from None
        if kind in ("list", "tuple"):
            items = [self.build(v, depth + 1) for v in self.typed(node, "items", list)]
            return tuple(items) if kind == "tuple" else items
        if kind in ("dict", "OrderedDict"):
            out: dict[Any, Any] = OrderedDict() if kind == "OrderedDict" else {}
            for pair in self.typed(node, "items", list):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise self.bad("a dict item is not a [key, value] pair")
                key = self.build(pair[0], depth + 1)
                try:
                    out[key] = self.build(pair[1], depth + 1)
                except TypeError:
                    raise self.bad(f"unhashable dict key of type {type(key).__name__}") from None
            return out
        if kind == "size":
            dims = self.typed(node, "items", list)
            if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in dims):
                raise self.bad("a Size with non-integer dimensions")
            return Size(dims)
        if kind == "dtype":
            d = getattr(_dtype, self.typed(node, "name", str), None)
            if not isinstance(d, _dtype.dtype):
                raise self.bad(f"unknown dtype {node.get('name')!r}")
            return d
        if kind == "npscalar":
            dt = self.numpy_dtype(node.get("dtype"), allow_any_numeric=True)
            v = node.get("value")
            v = self.float_value(v) if isinstance(v, str) else v
            if not isinstance(v, (int, float, bool)):
                raise self.bad("a NumPy scalar without a numeric value")
            return dt.type(v)
        if kind in ("tensor", "ndarray"):
            return self.array_node(node, kind)
        raise self.bad(f"unknown node type {kind!r}")

    def typed(self, node: dict[str, Any], key: str, typ: type) -> Any:
        v = node.get(key)
        if not isinstance(v, typ):
            raise self.bad(f"a {node['type']} node whose {key!r} is not a {typ.__name__}")
        return v

    def float_value(self, v: Any) -> float:
        if isinstance(v, str) and v in ("nan", "inf", "-inf"):
            return float(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
        raise self.bad("a float node without a number")

    def numpy_dtype(self, name: Any, allow_any_numeric: bool = False) -> np.dtype:
        if not isinstance(name, str):
            raise self.bad("missing dtype")
        try:
            dt = np.dtype(name)
        except TypeError:
            raise self.bad(f"unknown dtype {name!r}") from None
        if dt.hasobject or dt.kind not in ("biufc" if allow_any_numeric else "biuf"):
            raise self.bad(f"dtype {name!r} is not allowed")
        return dt

    def array_node(self, node: dict[str, Any], kind: str) -> Any:
        k = node.get("id")
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < self.n_arrays:
            raise self.bad(f"tensor id {k!r} out of range")
        dt = self.numpy_dtype(node.get("dtype"), allow_any_numeric=(kind == "ndarray"))
        shape = self.typed(node, "shape", list)
        key = (kind, k)
        if key in self.cache:
            return self.cache[key]
        arr = self.read_array(k)
        if arr.dtype != dt or list(arr.shape) != shape:
            raise self.bad(
                f"tensors/{k}.npy holds {arr.dtype} {tuple(arr.shape)} but the manifest says {dt} {tuple(shape)}"
            )
        if kind == "ndarray":
            out: Any = arr
        else:
            try:
                _dtype.from_numpy(arr.dtype)
            except TypeError:
                raise self.bad(f"tensor dtype {arr.dtype} is not a minigrad dtype") from None
            requires_grad = node.get("requires_grad", False)
            if not isinstance(requires_grad, bool):
                raise self.bad("requires_grad is not a bool")
            if requires_grad and arr.dtype.kind != "f":
                raise self.bad(f"a {arr.dtype} tensor cannot require gradients")
            out = Tensor._from_array(arr, requires_grad=requires_grad)
            if node.get("parameter") and self._parameter is not None:
                out = self._parameter(out, requires_grad=requires_grad)
            if self.mapper is not None:
                out = self.mapper(out)
        self.cache[key] = out
        return out

    def read_array(self, k: int) -> np.ndarray:
        entry = f"tensors/{k}.npy"
        try:
            with self.zf.open(entry) as fp:
                arr = np.lib.format.read_array(fp, allow_pickle=False)
        except KeyError:
            raise self.bad(f"{entry} is missing") from None
        except ValueError as e:
            if "allow_pickle" in str(e) or "Object arrays" in str(e):
                raise LoadError(
                    f"Weights only load failed: {self.name}: {entry} is a NumPy object array, which "
                    "can only be read by unpickling; minigrad.load refuses it."
                ) from None
            raise self.bad(f"{entry} is not a valid .npy file ({e})") from None
        except (OSError, EOFError, zipfile.BadZipFile) as e:
            raise self.bad(f"{entry} is damaged ({e})") from None
        if arr.dtype.hasobject:
            raise LoadError(f"{self.name}: {entry} is an object array; refused")
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        return arr
