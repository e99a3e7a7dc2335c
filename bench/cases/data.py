"""One shuffled epoch of MNIST training batches: batch 128, ToTensor + Normalize((0.1307,),
(0.3081,)), as float32 (N, 1, 28, 28) images and int64 labels. Needs the data set: runs when
MINIGRAD_DATA points at a folder holding mnist/ (skipped otherwise).

minigrad: ``datasets.MNIST(transform=Compose([ToTensor(), Normalize(...)]))`` in a
``DataLoader(shuffle=True)``, as a learner writes it (the transforms run once per batch).
NumPy: the textbook loop: a permutation, fancy-indexed batches, scaled and normalised.
PyTorch (torchvision is not assumed): a ``TensorDataset`` of the uint8 images in a
``DataLoader(shuffle=True)``, each batch converted and normalised with tensor ops.
"""
from __future__ import annotations

import os

import numpy as np

import minigrad
from bench.cases import Impl, Skip, Target, assert_close, case, to_numpy, torch_or_none

MEAN, STD, BATCH = 0.1307, 0.3081, 128


def _numpy_epoch(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> int:
    order = rng.permutation(len(images))
    seen = 0
    for i in range(0, len(order), BATCH):
        idx = order[i:i + BATCH]
        x = images[idx].astype(np.float32)[:, None]
        x /= 255
        x -= MEAN
        x /= STD
        t = labels[idx].astype(np.int64)
        seen += len(t)
    return seen


def _library_epoch(loader) -> int:
    seen = 0
    for x, t in loader:
        seen += len(t)
    return seen


@case("data", "MNIST train epoch, batch 128, shuffled, ToTensor + Normalize",
      [Target("issue 6", max_seconds=1.0)])
def mnist_epoch(quick):
    if not os.environ.get("MINIGRAD_DATA"):
        raise Skip("set MINIGRAD_DATA to a folder holding mnist/ to run this case")
    from minigrad import transforms
    from minigrad.datasets import MNIST
    from minigrad.utils.data import DataLoader, Subset

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    dataset = MNIST(train=True, transform=transform)
    n = 1024 if quick else len(dataset)
    subset = Subset(dataset, range(n)) if quick else dataset
    images = to_numpy(dataset.data)[:n]
    labels = to_numpy(dataset.targets)[:n]
    loader = DataLoader(subset, batch_size=BATCH, shuffle=True)
    rng = np.random.default_rng(0)
    torch = torch_or_none()
    torch_fn = None
    if torch is not None:
        t_images, t_labels = torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))
        t_loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(t_images, t_labels), batch_size=BATCH, shuffle=True)

        def torch_fn():
            seen = 0
            for x, t in t_loader:
                x = x.unsqueeze(1).float().div_(255).sub_(MEAN).div_(STD)
                seen += len(t)
            return seen

    def check():
        # The same first batch without shuffling, and a shuffled epoch visits every sample once.
        x, t = next(iter(DataLoader(subset, batch_size=BATCH, shuffle=False)))
        ref = (images[:BATCH].astype(np.float32)[:, None] / 255 - MEAN) / STD
        assert tuple(x.shape) == (BATCH, 1, 28, 28) and x.dtype == minigrad.float32
        assert_close(x, ref, 1e-5, 1e-5, "normalised images")
        assert_close(t, labels[:BATCH], 0, 0, "labels")
        counts = np.zeros(10, np.int64)
        for _, t in loader:
            counts += np.bincount(to_numpy(t), minlength=10)
        assert_close(counts, np.bincount(labels, minlength=10), 0, 0, "labels seen in an epoch")

    return Impl(minigrad=lambda: _library_epoch(loader),
                numpy=lambda: _numpy_epoch(images, labels, rng), torch=torch_fn, check=check)
