"""IDX reader: round trips, and every kind of corrupt file gives a clear error naming it."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

from minigrad.datasets import MNIST, read_idx, write_idx
from tests.datasets.fake_data import fake_mnist_arrays, write_fake_mnist


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "arr",
    [
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        np.array([-3, 0, 7], dtype=np.int8),
        np.arange(6, dtype=np.int16).reshape(3, 2) - 2,
        np.array([1, -70000], dtype=np.int32),
        np.linspace(-1, 1, 5, dtype=np.float32),
        np.array([[np.pi]], dtype=np.float64),
    ],
)
def test_round_trip(tmp_path, gz, arr):
    path = tmp_path / ("a.idx" + (".gz" if gz else ""))
    write_idx(path, arr)
    out = read_idx(path)
    assert out.dtype == arr.dtype and out.shape == arr.shape
    np.testing.assert_array_equal(out, arr)
    assert out.flags.writeable and out.flags.c_contiguous


def test_header_is_big_endian(tmp_path):
    path = tmp_path / "x"
    write_idx(path, np.zeros((3, 28, 28), np.uint8))
    raw = path.read_bytes()
    assert raw[:4] == (2051).to_bytes(4, "big") and raw[4:8] == (3).to_bytes(4, "big")


def write_bytes(path, data: bytes, gz: bool = False):
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


HEADER = bytes([0, 0, 8, 1]) + (4).to_bytes(4, "big")


@pytest.mark.parametrize("gz", [False, True])
def test_bad_magic(tmp_path, gz):
    p = write_bytes(tmp_path / "bad", b"\x12\x34\x08\x01" + (4).to_bytes(4, "big") + b"abcd", gz)
    with pytest.raises(RuntimeError, match=r"bad.*bad magic number"):
        read_idx(p)


def test_unexpected_magic_names_the_file(tmp_path):
    p = write_bytes(tmp_path / "labels", HEADER + b"\x00\x01\x02\x03")
    with pytest.raises(RuntimeError, match=r"labels.*magic number 2049, expected 2051"):
        read_idx(p, expected_magic=2051)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path, gz):
    p = write_bytes(tmp_path / "short", HEADER + b"\x00\x01\x02", gz)
    with pytest.raises(RuntimeError, match=r"short.*truncated"):
        read_idx(p)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_header(tmp_path, gz):
    p = write_bytes(tmp_path / "hdr", bytes([0, 0, 8, 3, 0, 0]), gz)
    with pytest.raises(RuntimeError, match="hdr"):
        read_idx(p)


@pytest.mark.parametrize("gz", [False, True])
def test_extra_data(tmp_path, gz):
    p = write_bytes(tmp_path / "long", HEADER + b"\x00" * 5, gz)
    with pytest.raises(RuntimeError, match="long"):
        read_idx(p)


def test_empty_file(tmp_path):
    p = write_bytes(tmp_path / "empty", b"")
    with pytest.raises(RuntimeError, match="empty"):
        read_idx(p)


def test_cut_gzip_stream(tmp_path):
    good = gzip.compress(bytes([0, 0, 8, 1]) + (4000).to_bytes(4, "big") + bytes(range(4)) * 1000)
    p = tmp_path / "cut.gz"
    p.write_bytes(good[: len(good) // 2])
    with pytest.raises(RuntimeError, match="cut.gz"):
        read_idx(p)


def test_damaged_gzip_crc(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    raw = bytes([0, 0, 8, 1]) + (4000).to_bytes(4, "big") + noise
    good = bytearray(gzip.compress(raw))
    good[-8] ^= 0xFF  # the CRC-32 in the trailer
    p = tmp_path / "crc.gz"
    p.write_bytes(bytes(good))
    with pytest.raises(RuntimeError, match="crc.gz"):
        read_idx(p)


def test_multi_member_gzip(tmp_path):
    raw = bytes([0, 0, 8, 1]) + (6).to_bytes(4, "big") + bytes(range(6))
    p = tmp_path / "multi.gz"
    p.write_bytes(gzip.compress(raw[:5]) + gzip.compress(raw[5:]))
    assert read_idx(p).tolist() == list(range(6))


# -- MNIST-level checks on synthetic folders ------------------------------------------------


def test_wrong_count_between_images_and_labels(tmp_path):
    arrays = fake_mnist_arrays()
    arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"][:-1]
    write_fake_mnist(tmp_path, arrays=arrays)
    with pytest.raises(RuntimeError, match="12 images but .* 11 labels"):
        MNIST(tmp_path)


def test_header_count_larger_than_data(tmp_path):
    write_fake_mnist(tmp_path, gz=False)
    p = tmp_path / "train-images-idx3-ubyte"
    raw = bytearray(p.read_bytes())
    raw[4:8] = (13).to_bytes(4, "big")  # claims 13 images, holds 12
    p.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte.*truncated"):
        MNIST(tmp_path)


def test_labels_out_of_range(tmp_path):
    arrays = fake_mnist_arrays()
    arrays["train-labels-idx1-ubyte"][3] = 12
    write_fake_mnist(tmp_path, arrays=arrays)
    with pytest.raises(RuntimeError, match="label 12 is out of range"):
        MNIST(tmp_path)


def test_wrong_image_size(tmp_path):
    arrays = fake_mnist_arrays()
    arrays["train-images-idx3-ubyte"] = arrays["train-images-idx3-ubyte"][:, :, :27].copy()
    write_fake_mnist(tmp_path, arrays=arrays)
    with pytest.raises(RuntimeError, match=r"\(N, 28, 28\)"):
        MNIST(tmp_path)


def test_images_and_labels_swapped(tmp_path):
    write_fake_mnist(tmp_path, gz=False)
    img, lbl = tmp_path / "t10k-images-idx3-ubyte", tmp_path / "t10k-labels-idx1-ubyte"
    a, b = img.read_bytes(), lbl.read_bytes()
    img.write_bytes(b)
    lbl.write_bytes(a)
    with pytest.raises(RuntimeError, match="expected 2051"):
        MNIST(tmp_path, train=False)
    assert os.path.exists(img)
