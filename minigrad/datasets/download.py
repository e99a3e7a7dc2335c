"""Downloading a file from a list of mirrors, checked by SHA-256 and written atomically.

The bytes go to a hidden temporary file in the destination folder while their SHA-256 is
computed; only a complete file with the right checksum is renamed (``os.replace``) to its final
name. A failure of any kind (network error, short read, checksum mismatch, Ctrl-C) deletes the
temporary file, and the next mirror is tried. Progress goes to stderr (tqdm when installed).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence

__all__ = ["download_from_mirrors", "download_url", "sha256sum"]

_CHUNK = 1 << 16


def sha256sum(path: str) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Progress:
    """tqdm when available, else one line rewritten in place (only on a terminal)."""

    def __init__(self, name: str, total: int | None, enabled: bool) -> None:
        self.name, self.total, self.done = name, total, 0
        self.enabled = enabled
        self._bar = None
        self._last = 0.0
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name, leave=False
            )
        except ImportError:
            self._tty = sys.stderr.isatty()
            if not self._tty:
                print(f"Downloading {name} ...", file=sys.stderr, flush=True)

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if self._tty and now - self._last > 0.1:
            self._last = now
            mb = self.done / 1e6
            if self.total:
                line = f"\rDownloading {self.name}: {100 * self.done / self.total:5.1f}% ({mb:.1f}/{self.total / 1e6:.1f} MB)"
            else:
                line = f"\rDownloading {self.name}: {mb:.1f} MB"
            sys.stderr.write(line)
            sys.stderr.flush()

    def close(self, ok: bool) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
        elif self._tty:
            sys.stderr.write(f"\rDownloading {self.name}: {'done' if ok else 'failed'}{' ' * 30}\n")
            sys.stderr.flush()


def download_url(
    url: str,
    path: str,
    sha256: str | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> str:
    """Fetch ``url`` into ``path`` atomically; raise if it fails or the SHA-256 differs.

    On any failure no file is left at ``path`` (an existing one is untouched) nor beside it.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    bar = None
    ok = False
    try:
        h = hashlib.sha256()
        got = 0
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": "minigrad"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.strip().isdigit() else None
                bar = _Progress(name, total, progress)
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    h.update(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
            if total is not None and got != total:
                raise OSError(f"incomplete download: got {got} of {total} bytes")
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if sha256 is not None and digest != sha256.lower():
            raise RuntimeError(f"SHA-256 mismatch: expected {sha256}, got {digest}")
        os.replace(tmp, path)
        ok = True
        return path
    finally:
        if bar is not None:
            bar.close(ok)
        if not ok:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def download_from_mirrors(
    mirrors: Sequence[str],
    filename: str,
    folder: str,
    sha256: str | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> str:
    """Download ``filename`` from the first mirror that serves it intact; return its path.

    mirrors: base URLs (``filename`` is appended). RuntimeError listing every mirror's failure
    when none works.
    """
    path = os.path.join(folder, filename)
    errors = []
    for mirror in mirrors:
        url = mirror if mirror.endswith(filename) else mirror.rstrip("/") + "/" + filename
        try:
            return download_url(url, path, sha256=sha256, timeout=timeout, progress=progress)
        except Exception as e:  # noqa: BLE001 - any failure: next mirror (Ctrl-C propagates)
            errors.append(f"{url}: {type(e).__name__}: {e}")
            if progress:
                print(f"Failed to download {url} ({e}); trying the next mirror", file=sys.stderr)
    raise RuntimeError(
        f"Could not download {filename} into {folder}; every mirror failed:\n  "
        + "\n  ".join(errors)
    )
