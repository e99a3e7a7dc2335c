"""MNIST and Fashion-MNIST with torchvision's interface, images as NumPy arrays (no PIL).

``MNIST(root=None, train=True, transform=None, target_transform=None, download=False)``:
``ds[i]`` is ``(image, label)`` where image is a (28, 28) uint8 array (or ``transform(image)``)
and label an int; ``ds.data`` is a uint8 Tensor (N, 28, 28), ``ds.targets`` an int64 Tensor (N,).

Where the files are looked for:
- root=None: ``$MINIGRAD_DATA/mnist`` (``fashion-mnist`` for FashionMNIST) when MINIGRAD_DATA is
  set, else ``~/.cache/minigrad/mnist``.
- root given: ``root`` itself, torchvision's ``root/MNIST/raw`` (``root/FashionMNIST/raw``), and
  ``root/mnist`` (``root/fashion-mnist``); downloads go to ``root/MNIST/raw`` as torchvision's.
A folder holds the four standard IDX files, each gzipped (``.gz``) or not.
"""

from __future__ import annotations

import operator
import os
import warnings
from typing import Any, Callable, ClassVar

import numpy as np

from minigrad.tensor import Tensor
from minigrad.utils.data.dataset import Dataset

from .download import download_from_mirrors
from .idx import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, read_idx

__all__ = ["MNIST", "FashionMNIST"]


def _data_home() -> str:
    return os.path.join(os.path.expanduser("~"), ".cache", "minigrad")


class MNIST(Dataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels.

    root: folder holding the IDX files (see the module docstring; None for the default).
    train: the training split (else the test split). transform / target_transform: applied to
    the image array / the int label of each sample. download: fetch missing files from
    ``mirrors`` (SHA-256 checked).
    """

    mirrors: ClassVar[list[str]] = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    # (file name, SHA-256 of the gzipped file)
    resources: ClassVar[list[tuple[str, str]]] = [
        (
            "train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        ),
        (
            "train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        ),
        (
            "t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        ),
        (
            "t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
    ]
    classes: ClassVar[list[str]] = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]
    _folder_name = "mnist"  # under $MINIGRAD_DATA and ~/.cache/minigrad
    _download_timeout = 30.0

    def __init__(
        self,
        root: str | None = None,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        if root is not None:
            root = os.path.expanduser(os.fspath(root))
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

        candidates = self._candidate_folders()
        folder = self._find_folder(candidates, self._split_files())
        if download and self._find_folder(candidates, self._all_files()) is None:
            target = self._download_folder()
            self.download(target)
            folder = target
        if folder is None:
            raise RuntimeError(self._missing_message(candidates))
        self.raw_folder = folder
        if self.root is None:
            self.root = folder
        self.data, self.targets = self._load_data(folder)

    # -- where the files are -------------------------------------------------------------------

    def _candidate_folders(self) -> list[str]:
        if self.root is None:
            env = os.environ.get("MINIGRAD_DATA")
            base = os.path.expanduser(env) if env else _data_home()
            return [os.path.join(base, self._folder_name)]
        return [
            self.root,
            os.path.join(self.root, type(self).__name__, "raw"),
            os.path.join(self.root, self._folder_name),
        ]

    def _download_folder(self) -> str:
        if self.root is None:
            return self._candidate_folders()[0]
        return os.path.join(self.root, type(self).__name__, "raw")

    def _all_files(self) -> list[str]:
        return [name[: -len(".gz")] for name, _ in self.resources]

    def _split_files(self) -> list[str]:
        prefix = "train" if self.train else "t10k"
        return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]

    @staticmethod
    def _locate(folder: str, base: str) -> str | None:
        for name in (base, base + ".gz"):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                return path
        return None

    def _find_folder(self, candidates: list[str], files: list[str]) -> str | None:
        for folder in candidates:
            if all(self._locate(folder, f) for f in files):
                return folder
        return None

    def _missing_message(self, candidates: list[str]) -> str:
        names = ", ".join(name for name, _ in self.resources)
        where = candidates[0] if len(candidates) == 1 else f"{candidates[0]} (or {candidates[1]})"
        hint = (
            "set MINIGRAD_DATA to a folder holding mnist/ and fashion-mnist/, "
            if self.root is None
            else ""
        )
        return (
            f"Dataset not found: {type(self).__name__} needs the files {names} (gzipped or not) "
            f"in {where}. Put them there, {hint}or use download=True to download them."
        )

    def _check_exists(self) -> bool:
        return self._find_folder(self._candidate_folders(), self._split_files()) is not None

    def download(self, folder: str | None = None) -> None:
        """Download the missing files into ``folder`` (default: this dataset's download folder)."""
        folder = folder or self._download_folder()
        os.makedirs(folder, exist_ok=True)
        for filename, sha256 in self.resources:
            if self._locate(folder, filename[: -len(".gz")]) is not None:
                continue
            download_from_mirrors(
                self.mirrors, filename, folder, sha256=sha256, timeout=self._download_timeout
            )

    # -- reading -------------------------------------------------------------------------------

    def _load_data(self, folder: str) -> tuple[Tensor, Tensor]:
        img_name, lbl_name = self._split_files()
        img_path = self._locate(folder, img_name)
        lbl_path = self._locate(folder, lbl_name)
        images = read_idx(img_path, expected_magic=IDX_IMAGES_MAGIC)
        labels = read_idx(lbl_path, expected_magic=IDX_LABELS_MAGIC)
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise RuntimeError(
                f"{img_path}: expected uint8 images of shape (N, 28, 28), found {images.dtype} "
                f"{images.shape}; the file is not an MNIST image file"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise RuntimeError(
                f"{lbl_path}: expected uint8 labels of shape (N,), found {labels.dtype} {labels.shape}"
            )
        if len(images) != len(labels):
            raise RuntimeError(
                f"{img_path} holds {len(images)} images but {lbl_path} holds {len(labels)} labels; "
                "one of the files is corrupt or from another dataset"
            )
        n_classes = len(self.classes)
        if labels.size and int(labels.max()) >= n_classes:
            raise RuntimeError(
                f"{lbl_path}: label {int(labels.max())} is out of range 0..{n_classes - 1}"
            )
        return Tensor._from_array(images), Tensor._from_array(labels.astype(np.int64))

    @staticmethod
    def _np(t: Any) -> np.ndarray:
        return t._data if isinstance(t, Tensor) else np.asarray(t)

    def __getitem__(self, index) -> tuple[Any, Any]:
        i = operator.index(index)
        img = self._np(self.data)[i].copy()  # a copy: transforms may write into it
        target = int(self._np(self.targets)[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self._np(self.data))

    def _fetch_batch(self, indices: np.ndarray):
        """A whole DataLoader batch ``[images, targets]``; the transform runs once on the batch."""
        if type(self).__getitem__ is not MNIST.__getitem__ or self.target_transform is not None:
            return NotImplemented
        from minigrad.transforms import _supports_batch

        transform = self.transform
        if transform is not None and not _supports_batch(transform):
            return NotImplemented
        images = self._np(self.data)[indices]
        targets = self._np(self.targets)[indices].astype(np.int64, copy=False)
        batch = images if transform is None else transform._batch(images)
        if batch is NotImplemented:
            return NotImplemented
        if isinstance(batch, np.ndarray):
            batch = Tensor._from_array(batch)
        return [batch, Tensor._from_array(targets)]

    # -- torchvision's extras ------------------------------------------------------------------

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def train_labels(self) -> Tensor:
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self) -> Tensor:
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def train_data(self) -> Tensor:
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self) -> Tensor:
        warnings.warn("test_data has been renamed data")
        return self.data

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}"]
        body += self.extra_repr().splitlines()
        if self.transform is not None:
            body += _indent_block("Transform: ", repr(self.transform))
        if self.target_transform is not None:
            body += _indent_block("Target transform: ", repr(self.target_transform))
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in body])


def _indent_block(head: str, text: str) -> list[str]:
    lines = text.splitlines() or [""]
    return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando article images): same format and sizes as MNIST, 10 clothing classes."""

    mirrors: ClassVar[list[str]] = [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ]
    resources: ClassVar[list[tuple[str, str]]] = [
        (
            "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        ),
        (
            "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        ),
        (
            "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        ),
        (
            "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
    ]
    classes: ClassVar[list[str]] = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
    _folder_name = "fashion-mnist"
