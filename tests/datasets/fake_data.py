"""Small synthetic MNIST folders and a local HTTP server for the dataset tests."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import threading

import numpy as np

from minigrad.datasets.idx import write_idx

FILES = {
    "train-images-idx3-ubyte": "images",
    "train-labels-idx1-ubyte": "labels",
    "t10k-images-idx3-ubyte": "images",
    "t10k-labels-idx1-ubyte": "labels",
}


def fake_mnist_arrays(n_train: int = 12, n_test: int = 5, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": (np.arange(n_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": ((np.arange(n_test) + 3) % 10).astype(np.uint8),
    }


def write_fake_mnist(folder, gz: bool = True, arrays: dict | None = None) -> dict:
    """Write the four IDX files into ``folder``; returns the arrays written."""
    os.makedirs(folder, exist_ok=True)
    arrays = arrays or fake_mnist_arrays()
    for name, arr in arrays.items():
        write_idx(os.path.join(folder, name + (".gz" if gz else "")), arr, compress=gz)
    return arrays


def gz_payloads(arrays: dict) -> dict:
    """{file name.gz: gzipped IDX bytes} for serving over HTTP."""
    out = {}
    for name, arr in arrays.items():
        header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
        out[name + ".gz"] = gzip.compress(header + arr.tobytes(), mtime=0)
    return out


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Server:
    """An HTTP server on 127.0.0.1 in a thread. ``routes``: path -> bytes, or a callable
    ``handler -> None`` that writes the response itself (to simulate broken servers)."""

    def __init__(self) -> None:
        self.routes: dict = {}
        self.hits: list = []
        routes, hits = self.routes, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # http.server's name
                hits.append(self.path)
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                elif callable(route):
                    route(self)
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(route)))
                    self.end_headers()
                    self.wfile.write(route)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def cut_short(data: bytes, keep: int):
    """A route that announces ``len(data)`` bytes but sends only ``keep`` and hangs up."""

    def route(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data[:keep])
        handler.wfile.flush()
        handler.close_connection = True

    return route
