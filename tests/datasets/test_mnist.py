"""MNIST / FashionMNIST: the real files (through MINIGRAD_DATA) and synthetic folders."""

from __future__ import annotations

import os

import numpy as np
import pytest

import minigrad
from minigrad import transforms as T
from minigrad.datasets import MNIST, FashionMNIST
from minigrad.utils.data import DataLoader, Subset, default_collate
from tests.datasets.fake_data import write_fake_mnist


def shared_data() -> str:
    root = os.environ.get("MINIGRAD_DATA")
    if not root:
        pytest.skip(
            "MINIGRAD_DATA is not set (point it at the folder holding mnist/ and fashion-mnist/)"
        )
    if not os.path.isdir(os.path.join(root, "mnist")) or not os.path.isdir(
        os.path.join(root, "fashion-mnist")
    ):
        pytest.skip(f"MINIGRAD_DATA={root} has no mnist/ and fashion-mnist/ folders")
    return root


@pytest.fixture(scope="module")
def mnist_test():
    shared_data()
    return MNIST(train=False)


# -- real data ----------------------------------------------------------------------------


def test_mnist_train_split():
    shared_data()
    ds = MNIST()  # root=None: $MINIGRAD_DATA/mnist
    assert len(ds) == 60000
    assert ds.data.shape == (60000, 28, 28) and ds.data.dtype == minigrad.uint8
    assert ds.targets.shape == (60000,) and ds.targets.dtype == minigrad.int64
    assert ds.targets[:5].tolist() == [5, 0, 4, 1, 9]
    counts = np.bincount(ds.targets.numpy(), minlength=10)
    assert counts.sum() == 60000 and counts.min() > 5000


def test_mnist_test_item(mnist_test):
    img, label = mnist_test[0]
    assert isinstance(img, np.ndarray) and img.shape == (28, 28) and img.dtype == np.uint8
    assert isinstance(label, int) and label == 7
    assert len(mnist_test) == 10000 and mnist_test[-1][1] == int(mnist_test.targets[-1])
    assert mnist_test.classes[7] == "7 - seven" and mnist_test.class_to_idx["0 - zero"] == 0
    assert "Split: Test" in repr(mnist_test)


def test_fashion_mnist():
    root = shared_data()
    ds = FashionMNIST(root=root, train=False)  # root/fashion-mnist is found too
    assert len(ds) == 10000 and ds.targets[:3].tolist() == [9, 2, 1]
    assert ds.classes[9] == "Ankle boot" and len(ds.classes) == 10


def test_explicit_root_folder(mnist_test):
    ds = MNIST(root=os.path.join(os.environ["MINIGRAD_DATA"], "mnist"), train=False)
    assert ds.targets[:10].tolist() == mnist_test.targets[:10].tolist()


def test_transforms_are_applied(mnist_test):
    ds = MNIST(
        train=False,
        transform=T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]),
        target_transform=lambda y: y + 100,
    )
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == minigrad.float32 and y == 107
    raw = mnist_test[0][0].astype(np.float32) / 255
    np.testing.assert_allclose(x.numpy()[0], (raw - 0.1307) / 0.3081, rtol=1e-6, atol=1e-6)


def test_batched_fast_path_matches_per_sample(mnist_test):
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    ds = MNIST(train=False, transform=tf)
    sub = Subset(ds, list(range(0, 10000, 37)))
    minigrad.manual_seed(1)
    fast = list(DataLoader(sub, batch_size=64, shuffle=True))
    minigrad.manual_seed(1)
    slow = list(
        DataLoader(sub, batch_size=64, shuffle=True, collate_fn=lambda b: default_collate(b))
    )
    assert len(fast) == len(slow) == 5
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.shape == sx.shape and fx.dtype == sx.dtype == minigrad.float32
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        assert fy.tolist() == sy.tolist() and fy.dtype == sy.dtype == minigrad.int64


def test_loader_without_transform_gives_uint8_batches(mnist_test):
    x, y = next(iter(DataLoader(mnist_test, batch_size=10)))
    assert x.dtype == minigrad.uint8 and x.shape == (10, 28, 28)
    assert y.tolist() == mnist_test.targets[:10].tolist()


def test_shuffled_epoch_covers_everything(mnist_test):
    loader = DataLoader(mnist_test, batch_size=128, shuffle=True, drop_last=False)
    seen = np.concatenate([y.numpy() for _, y in loader])
    assert len(loader) == 79 and len(seen) == 10000
    assert (np.bincount(seen) == np.bincount(mnist_test.targets.numpy())).all()


# -- synthetic folders --------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_synthetic_folder_gz_or_not(tmp_path, gz):
    arrays = write_fake_mnist(tmp_path, gz=gz)
    ds = MNIST(tmp_path)
    np.testing.assert_array_equal(ds.data.numpy(), arrays["train-images-idx3-ubyte"])
    assert ds.targets.tolist() == arrays["train-labels-idx1-ubyte"].tolist()
    test = MNIST(str(tmp_path), train=False)
    assert len(test) == 5 and test[0][1] == 3


def test_torchvision_layout(tmp_path):
    write_fake_mnist(tmp_path / "MNIST" / "raw")
    write_fake_mnist(tmp_path / "FashionMNIST" / "raw", gz=False)
    assert len(MNIST(tmp_path)) == 12
    assert len(FashionMNIST(tmp_path, train=False)) == 5


def test_minigrad_data_env_layout(tmp_path, monkeypatch):
    write_fake_mnist(tmp_path / "fashion-mnist")
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    assert len(FashionMNIST()) == 12
    with pytest.raises(RuntimeError, match="mnist"):
        MNIST()


def test_default_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    write_fake_mnist(tmp_path / ".cache" / "minigrad" / "mnist")
    assert len(MNIST(train=False)) == 5


def test_missing_files_message(tmp_path):
    with pytest.raises(RuntimeError) as err:
        MNIST(tmp_path / "nowhere")
    msg = str(err.value)
    assert str(tmp_path / "nowhere") in msg
    for name in (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
    ):
        assert name in msg
    assert "download=True" in msg


def test_items_are_copies(tmp_path):
    write_fake_mnist(tmp_path)
    ds = MNIST(tmp_path)
    img, _ = ds[0]
    img[:] = 0
    assert ds.data[0].sum().item() != 0


def test_fast_path_skipped_for_unbatchable_transform(tmp_path):
    write_fake_mnist(tmp_path)
    ds = MNIST(tmp_path, transform=T.Lambda(lambda a: float(a.mean())))
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.dtype == minigrad.float64 and x.shape == (4,)
    assert y.tolist() == [0, 1, 2, 3]


def test_fast_path_with_flip_and_pad(tmp_path):
    write_fake_mnist(tmp_path)
    tf = T.Compose([T.Pad(2), T.RandomHorizontalFlip(p=1.0), T.ToTensor()])
    ds = MNIST(tmp_path, transform=tf)
    x, _ = next(iter(DataLoader(ds, batch_size=12)))
    ref = default_collate([ds[i][0] for i in range(12)])
    assert x.shape == (12, 1, 32, 32)
    np.testing.assert_array_equal(x.numpy(), ref.numpy())
