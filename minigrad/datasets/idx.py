"""Reading and writing IDX files (the MNIST format), gzipped or not.

Layout (big-endian): two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), the number of dimensions, one uint32 per dimension, then the data
in row-major order. MNIST images have magic number 2051 (uint8, 3 dims), labels 2049 (uint8, 1 dim).

``read_idx`` checks the magic number, the header and that the file holds exactly the bytes the
header announces (and, for gzip, the CRC); anything else raises ``RuntimeError`` naming the
file. It never returns a silently wrong array.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from typing import BinaryIO, Union

import numpy as np

__all__ = ["IDX_IMAGES_MAGIC", "IDX_LABELS_MAGIC", "read_idx", "write_idx"]

IDX_IMAGES_MAGIC = 2051
IDX_LABELS_MAGIC = 2049

_CODES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF = {dt.newbyteorder("=") if dt.itemsize > 1 else dt: code for code, dt in _CODES.items()}

PathLike = Union[str, "os.PathLike[str]"]


def _corrupt(path: PathLike, why: str) -> RuntimeError:
    return RuntimeError(
        f"{os.fspath(path)}: corrupt or not an IDX file: {why}. "
        "Delete it and download it again (download=True)."
    )


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    return data if data is not None else b""


def _read_all(f: BinaryIO) -> bytes:
    parts = []
    while True:
        chunk = f.read(1 << 20)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


def _is_gzip(path: PathLike) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def read_idx(path: PathLike, expected_magic: int | None = None) -> np.ndarray:
    """The array stored in the IDX file ``path`` (gzip detected from the content).

    Returns a writable, native-endian, C-contiguous array of the header's shape and type.
    expected_magic: e.g. 2051 for MNIST images, 2049 for labels; a different magic is an error.
    """
    path = os.fspath(path)
    compressed = _is_gzip(path)
    try:
        with open(path, "rb") as f:
            if compressed:
                return _read_stream(
                    _GunzipReader(f), path, expected_magic, gz_size=_gzip_isize(path)
                )
            return _read_stream(f, path, expected_magic, file_size=os.fstat(f.fileno()).st_size)
    except (EOFError, zlib.error) as e:
        raise _corrupt(path, f"the gzip data is damaged or cut short ({e})") from None


class _GunzipReader:
    """``read``/``readinto`` over gzip data, decompressed in large chunks straight into the
    caller's buffer (about twice as fast as ``gzip.open`` for MNIST). zlib checks each member's
    CRC-32 and length; a stream that stops early raises EOFError."""

    _CHUNK = 1 << 18

    def __init__(self, f: BinaryIO) -> None:
        self._chunks = self._gunzip(f)
        self._left = memoryview(b"")

    def _gunzip(self, f: BinaryIO):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        while True:
            raw = f.read(self._CHUNK)
            if not raw:
                break
            while raw:
                if d.eof:  # another gzip member follows (zero padding is allowed)
                    raw = raw.lstrip(b"\0")
                    if not raw:
                        break
                    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out = d.decompress(raw)
                if out:
                    yield out
                raw = d.unused_data if d.eof else b""
        if not d.eof:
            raise EOFError("the compressed stream ends before its end-of-stream marker")

    def _next(self) -> bool:
        for chunk in self._chunks:
            self._left = memoryview(chunk)
            return True
        return False

    def readinto(self, buf: memoryview) -> int:
        buf = memoryview(buf).cast("B")
        pos = 0
        while pos < len(buf):
            if not self._left and not self._next():
                break
            n = min(len(self._left), len(buf) - pos)
            buf[pos : pos + n] = self._left[:n]
            self._left = self._left[n:]
            pos += n
        return pos

    def read(self, n: int) -> bytes:
        out = bytearray(n)
        return bytes(out[: self.readinto(memoryview(out))])


def _gzip_isize(path: str) -> int | None:
    """The uncompressed size mod 2**32 from the gzip trailer (None if the file is too short)."""
    size = os.path.getsize(path)
    if size < 18:
        return None
    with open(path, "rb") as f:
        f.seek(-4, os.SEEK_END)
        return struct.unpack("<I", f.read(4))[0]


def _read_stream(
    f: BinaryIO,
    path: str,
    expected_magic: int | None,
    file_size: int | None = None,
    gz_size: int | None = None,
) -> np.ndarray:
    head = _read_exact(f, 4)
    if len(head) < 4:
        raise _corrupt(path, f"only {len(head)} bytes, shorter than the 4-byte magic number")
    magic = int.from_bytes(head, "big")
    if head[0] != 0 or head[1] != 0 or head[2] not in _CODES or head[3] == 0:
        raise _corrupt(path, f"bad magic number {magic} (0x{head.hex()})")
    if expected_magic is not None and magic != expected_magic:
        raise _corrupt(
            path, f"magic number {magic}, expected {expected_magic} (2051: images, 2049: labels)"
        )
    ndim = head[3]
    dims_raw = _read_exact(f, 4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise _corrupt(
            path, f"the header is cut short ({4 + len(dims_raw)} of {4 + 4 * ndim} bytes)"
        )
    dims = struct.unpack(f">{ndim}I", dims_raw)
    dtype = _CODES[head[2]]
    header = 4 + 4 * ndim
    nbytes = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    total = header + nbytes
    # Check the announced size against what is on disk *before* allocating it.
    if file_size is not None and file_size != total:
        raise _corrupt(
            path,
            f"the header announces shape {tuple(dims)} ({total} bytes) but the file has "
            f"{file_size} bytes" + (" (truncated)" if file_size < total else ""),
        )
    if gz_size is not None and total % (2**32) != gz_size:
        # The gzip trailer disagrees with the header (or the file has several gzip members):
        # read what is there instead of trusting the header with a big allocation.
        rest = _read_all(f)
        if len(rest) != nbytes:
            raise _corrupt(
                path,
                f"the header announces shape {tuple(dims)} ({nbytes} data bytes) but "
                f"{len(rest)} follow" + (" (truncated)" if len(rest) < nbytes else ""),
            )
        out = np.frombuffer(rest, dtype=np.uint8).copy()
    else:
        out = np.empty(nbytes, dtype=np.uint8)
        got = f.readinto(memoryview(out)) if nbytes else 0
        if got != nbytes:
            raise _corrupt(
                path, f"the header announces {nbytes} data bytes but only {got} follow (truncated)"
            )
        if f.read(1):
            raise _corrupt(path, f"more data than the header's shape {tuple(dims)} announces")
    arr = out.view(dtype).reshape(dims)
    if dtype.itemsize > 1:
        arr = arr.astype(dtype.newbyteorder("="))
    return arr


def write_idx(path: PathLike, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzipped when ``compress`` or when path ends in .gz)."""
    path = os.fspath(path)
    arr = np.ascontiguousarray(array)
    native = arr.dtype.newbyteorder("=") if arr.dtype.itemsize > 1 else arr.dtype
    code = _CODE_OF.get(native)
    if code is None:
        raise TypeError(f"IDX files cannot hold dtype {arr.dtype}")
    if arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"IDX files hold 1 to 255 dimensions, got {arr.ndim}")
    data = (
        bytes([0, 0, code, arr.ndim])
        + struct.pack(f">{arr.ndim}I", *arr.shape)
        + arr.astype(_CODES[code], copy=False).tobytes()
    )
    if compress is None:
        compress = path.endswith(".gz")
    if compress:
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
