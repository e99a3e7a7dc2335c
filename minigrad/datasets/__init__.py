"""``minigrad.datasets``: MNIST and Fashion-MNIST (torchvision's interface), IDX files, downloads."""

from __future__ import annotations

from .download import download_from_mirrors, download_url
from .idx import read_idx, write_idx
from .mnist import MNIST, FashionMNIST

__all__ = [
    "MNIST",
    "FashionMNIST",
    "download_from_mirrors",
    "download_url",
    "read_idx",
    "write_idx",
]
