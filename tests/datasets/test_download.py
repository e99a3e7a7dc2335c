"""Downloads from a local HTTP server on 127.0.0.1 (never the internet): checksums, mirror
fallback, atomic writes and no partial file after an interruption."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from minigrad.datasets import MNIST, FashionMNIST, download
from minigrad.datasets.download import download_from_mirrors, download_url
from tests.datasets.fake_data import Server, cut_short, fake_mnist_arrays, gz_payloads, sha256

PAYLOAD = b"minigrad test payload " * 1000


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def dead_url() -> str:
    """A port on 127.0.0.1 where nothing listens (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/"


def test_download_url(server, tmp_path):
    server.routes["/good/f.bin"] = PAYLOAD
    path = download_url(
        server.url + "/good/f.bin", str(tmp_path / "f.bin"), sha256=sha256(PAYLOAD), progress=False
    )
    assert Path(path).read_bytes() == PAYLOAD
    assert os.listdir(tmp_path) == ["f.bin"]


def test_checksum_mismatch_falls_back_to_next_mirror(server, tmp_path):
    server.routes["/bad/f.bin"] = PAYLOAD[:-1] + b"X"
    server.routes["/good/f.bin"] = PAYLOAD
    path = download_from_mirrors(
        [server.url + "/bad/", server.url + "/good/"],
        "f.bin",
        str(tmp_path),
        sha256=sha256(PAYLOAD),
        progress=False,
    )
    assert Path(path).read_bytes() == PAYLOAD
    assert server.hits == ["/bad/f.bin", "/good/f.bin"]
    assert os.listdir(tmp_path) == ["f.bin"]


def test_dead_mirrors_fall_back(server, tmp_path):
    server.routes["/good/f.bin"] = PAYLOAD
    mirrors = [dead_url(), server.url + "/missing/", server.url + "/good/"]
    path = download_from_mirrors(
        mirrors, "f.bin", str(tmp_path), sha256=sha256(PAYLOAD), progress=False
    )
    assert Path(path).read_bytes() == PAYLOAD
    assert "/missing/f.bin" in server.hits


def test_all_mirrors_fail(server, tmp_path):
    server.routes["/bad/f.bin"] = b"nope"
    with pytest.raises(RuntimeError) as err:
        download_from_mirrors(
            [server.url + "/bad/", server.url + "/missing/"],
            "f.bin",
            str(tmp_path),
            sha256=sha256(PAYLOAD),
            progress=False,
        )
    msg = str(err.value)
    assert "SHA-256 mismatch" in msg and "404" in msg and "f.bin" in msg
    assert os.listdir(tmp_path) == []


def test_interrupted_transfer_leaves_no_partial_file(server, tmp_path):
    server.routes["/cut/f.bin"] = cut_short(PAYLOAD, keep=1000)
    with pytest.raises(RuntimeError, match="f.bin"):
        download_from_mirrors(
            [server.url + "/cut/"], "f.bin", str(tmp_path), sha256=sha256(PAYLOAD), progress=False
        )
    assert os.listdir(tmp_path) == []


def test_ctrl_c_leaves_no_partial_file(server, tmp_path, monkeypatch):
    server.routes["/good/f.bin"] = PAYLOAD

    def interrupt(self, n):
        raise KeyboardInterrupt

    monkeypatch.setattr(download._Progress, "update", interrupt)
    with pytest.raises(KeyboardInterrupt):
        download_from_mirrors(
            [server.url + "/good/"], "f.bin", str(tmp_path), sha256=sha256(PAYLOAD)
        )
    assert os.listdir(tmp_path) == []


def test_failed_download_keeps_existing_file(server, tmp_path):
    (tmp_path / "f.bin").write_bytes(b"old")
    server.routes["/bad/f.bin"] = b"new but wrong"
    with pytest.raises(RuntimeError):
        download_url(
            server.url + "/bad/f.bin",
            str(tmp_path / "f.bin"),
            sha256=sha256(PAYLOAD),
            progress=False,
        )
    assert (tmp_path / "f.bin").read_bytes() == b"old" and os.listdir(tmp_path) == ["f.bin"]


def test_progress_line(server, tmp_path, capsys):
    server.routes["/good/f.bin"] = PAYLOAD
    download_url(server.url + "/good/f.bin", str(tmp_path / "f.bin"), progress=True)
    assert "f.bin" in capsys.readouterr().err


def serve_fake_mnist(server, monkeypatch, cls, prefix: str = "/m/"):
    arrays = fake_mnist_arrays()
    payloads = gz_payloads(arrays)
    for name, data in payloads.items():
        server.routes[prefix + name] = data
    monkeypatch.setattr(cls, "mirrors", [dead_url(), server.url + prefix])
    monkeypatch.setattr(cls, "resources", [(name, sha256(data)) for name, data in payloads.items()])
    return arrays


def test_mnist_download_into_torchvision_layout(server, tmp_path, monkeypatch):
    arrays = serve_fake_mnist(server, monkeypatch, MNIST)
    ds = MNIST(tmp_path, train=True, download=True)
    raw = tmp_path / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(n for n, _ in MNIST.resources)
    assert ds.targets.tolist() == arrays["train-labels-idx1-ubyte"].tolist()
    hits = len(server.hits)
    assert len(MNIST(tmp_path, train=False, download=True)) == 5  # already there: no request
    assert len(server.hits) == hits


def test_fashion_download_with_default_root(server, tmp_path, monkeypatch):
    serve_fake_mnist(server, monkeypatch, FashionMNIST, prefix="/f/")
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    ds = FashionMNIST(train=False, download=True)
    assert len(ds) == 5 and os.path.isfile(tmp_path / "fashion-mnist" / "t10k-images-idx3-ubyte.gz")


def test_mnist_download_checksum_mismatch_everywhere(server, tmp_path, monkeypatch):
    serve_fake_mnist(server, monkeypatch, MNIST)
    monkeypatch.setattr(MNIST, "resources", [(n, "0" * 64) for n, _ in MNIST.resources])
    with pytest.raises(RuntimeError, match="SHA-256 mismatch"):
        MNIST(tmp_path, download=True)
    assert os.listdir(tmp_path / "MNIST" / "raw") == []


def test_real_mirror_list_is_kept():
    assert any("ossci-datasets" in m for m in MNIST.mirrors)
    assert any("fashion-mnist" in m for m in FashionMNIST.mirrors)
    assert dict(MNIST.resources)["train-images-idx3-ubyte.gz"].startswith("440fcabf")
