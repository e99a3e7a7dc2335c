"""DataLoader invariants: coverage, shapes, partial batches, shuffling, workers, errors."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
)


class Items(Dataset):
    """Sample i is (float32 vector filled with i, label i % 3)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, i):
        return np.full(2, i, np.float32), i % 3

    def __len__(self) -> int:
        return self.n


class Stream(IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self) -> int:
        return self.n


def tensor_ds(n: int = 10) -> TensorDataset:
    return TensorDataset(minigrad.arange(n * 2).reshape(n, 2).float(), minigrad.arange(n))


def flat(batches) -> list:
    return [v for b in batches for v in b]


def labels(loader) -> list:
    return [b[1].tolist() for b in loader]


def test_sequential_batches_shapes_and_partial_last():
    loader = DataLoader(tensor_ds(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert isinstance(batches[0], list)
    assert [tuple(x.shape) for x, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    assert batches[0][0].dtype == minigrad.float32 and batches[0][1].dtype == minigrad.int64
    assert labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last():
    loader = DataLoader(tensor_ds(10), batch_size=4, drop_last=True)
    assert len(loader) == 2 and labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_default_batch_size_is_one():
    loader = DataLoader(tensor_ds(3))
    assert len(loader) == 3 and [b[0].shape for b in loader] == [(1, 2)] * 3


@pytest.mark.parametrize("make", [tensor_ds, Items])
def test_shuffle_visits_every_sample_once_and_reshuffles(make):
    loader = DataLoader(make(50), batch_size=8, shuffle=True)
    epochs = [flat(labels_or_values(loader)) for _ in range(3)]
    for e in epochs:
        assert sorted(e) == sorted(flat(labels_or_values(DataLoader(make(50), batch_size=50))))
    assert epochs[0] != epochs[1] != epochs[2]


def labels_or_values(loader):
    # Items: label is i % 3, so identify samples by the feature value instead
    return [b[0][:, 0].tolist() for b in loader]


def test_shuffle_reproducible_under_manual_seed_and_generator():
    minigrad.manual_seed(123)
    a = labels(DataLoader(tensor_ds(30), batch_size=7, shuffle=True))
    minigrad.manual_seed(123)
    b = labels(DataLoader(tensor_ds(30), batch_size=7, shuffle=True))
    assert a == b
    g = lambda: minigrad.Generator().manual_seed(9)
    c = labels(DataLoader(tensor_ds(30), batch_size=7, shuffle=True, generator=g()))
    d = labels(DataLoader(tensor_ds(30), batch_size=7, shuffle=True, generator=g()))
    assert c == d


def test_fast_path_equals_per_sample_collation():
    ds = tensor_ds(20)
    minigrad.manual_seed(0)
    fast = list(DataLoader(ds, batch_size=6, shuffle=True))
    minigrad.manual_seed(0)
    slow = list(DataLoader(ds, batch_size=6, shuffle=True, collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow)
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.tolist() == sx.tolist() and fy.tolist() == sy.tolist()
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype


def test_fast_path_is_one_fancy_index(monkeypatch):
    import minigrad.utils.data.dataset as dataset_module

    def per_sample(t, index):
        raise AssertionError("per-sample indexing used on the fast path")

    monkeypatch.setattr(dataset_module, "_take", per_sample)
    calls = []
    orig = TensorDataset._fetch_batch
    monkeypatch.setattr(
        TensorDataset, "_fetch_batch", lambda self, idx: calls.append(len(idx)) or orig(self, idx)
    )
    ds = tensor_ds(10)
    assert labels(DataLoader(Subset(ds, list(range(10))), batch_size=4)) == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
    ]
    assert calls == [4, 4, 2]
    with pytest.raises(AssertionError, match="per-sample"):
        ds[0]


def test_subset_of_tensor_dataset():
    sub = Subset(tensor_ds(10), [9, 3, 4])
    assert labels(DataLoader(sub, batch_size=2)) == [[9, 3], [4]]


def test_tensor_and_array_as_dataset():
    x = minigrad.arange(10).reshape(5, 2)
    batches = list(DataLoader(x, batch_size=2))
    assert [b.tolist() for b in batches] == [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8, 9]]]
    a = np.arange(5, dtype=np.float32)
    out = list(DataLoader(a, batch_size=3))
    assert out[0].dtype == minigrad.float32 and out[1].tolist() == [3.0, 4.0]
    minigrad.manual_seed(4)
    fast = [b.tolist() for b in DataLoader(x, batch_size=2, shuffle=True)]
    minigrad.manual_seed(4)
    slow = [
        b.tolist()
        for b in DataLoader(x, batch_size=2, shuffle=True, collate_fn=lambda b: default_collate(b))
    ]
    assert fast == slow


def test_custom_sampler_and_batch_sampler():
    ds = tensor_ds(6)
    assert labels(DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])) == [
        [5, 4],
        [3, 2],
        [1, 0],
    ]
    bs = BatchSampler(SequentialSampler(ds), 4, False)
    loader = DataLoader(ds, batch_sampler=bs)
    assert len(loader) == 2 and labels(loader) == [[0, 1, 2, 3], [4, 5]]
    assert labels(DataLoader(ds, batch_sampler=[[1, 0], [5]])) == [[1, 0], [5]]


def test_batch_size_none_yields_converted_samples():
    out = list(DataLoader(Items(3), batch_size=None))
    assert len(out) == 3
    x, y = out[1]
    assert isinstance(x, minigrad.Tensor) and x.shape == (2,) and y == 1


def test_collate_fn_and_dict_samples():
    class D(Dataset):
        def __getitem__(self, i):
            return {"x": np.float32(i), "y": i}

        def __len__(self):
            return 5

    out = next(iter(DataLoader(D(), batch_size=5)))
    assert out["x"].dtype == minigrad.float32 and out["y"].tolist() == [0, 1, 2, 3, 4]
    sizes = list(DataLoader(D(), batch_size=2, collate_fn=len))
    assert sizes == [2, 2, 1]


def test_iterable_dataset_batches():
    loader = DataLoader(Stream(7), batch_size=3)
    out = [b.tolist() for b in loader]
    assert out == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    loader = DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]] and len(loader) == 2
    assert [int(b) for b in DataLoader(Stream(3), batch_size=None)] == [0, 1, 2]


def test_iterable_dataset_argument_errors():
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Stream(3), batch_sampler=[[0]])


def test_iterable_in_worker_thread():
    seen = []

    class S(IterableDataset):
        def __iter__(self):
            seen.append(get_worker_info())
            return iter(range(10))

    out = [b.tolist() for b in DataLoader(S(), batch_size=4, num_workers=2)]
    assert out == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert seen[0] is not None and seen[0].id == 0 and seen[0].num_workers == 1


@pytest.mark.parametrize("make", [tensor_ds, Items])
def test_threaded_workers_give_the_same_batches(make):
    minigrad.manual_seed(7)
    ref = [[t.tolist() for t in b] for b in DataLoader(make(37), batch_size=5, shuffle=True)]
    minigrad.manual_seed(7)
    loader = DataLoader(make(37), batch_size=5, shuffle=True, num_workers=3, prefetch_factor=2)
    got = [[t.tolist() for t in b] for b in loader]
    assert got == ref


def test_worker_init_fn_and_worker_info():
    ids, infos, threads = [], [], set()
    lock = threading.Lock()

    class D(Dataset):
        def __getitem__(self, i):
            with lock:
                infos.append(get_worker_info())
                threads.add(threading.get_ident())
            return i

        def __len__(self):
            return 40

    out = list(DataLoader(D(), batch_size=4, num_workers=2, worker_init_fn=ids.append))
    assert flat(b.tolist() for b in out) == list(range(40))
    assert sorted(set(ids)) in ([0], [0, 1])  # a worker may never start if the other was quick
    assert all(info is not None and info.num_workers == 2 and info.id in (0, 1) for info in infos)
    assert threading.get_ident() not in threads
    assert get_worker_info() is None


def test_worker_exception_propagates():
    class Bad(Dataset):
        def __getitem__(self, i):
            if i == 5:
                raise KeyError("sample 5 is broken")
            return i

        def __len__(self):
            return 10

    with pytest.raises(KeyError, match="sample 5"):
        list(DataLoader(Bad(), batch_size=2, num_workers=2))
    with pytest.raises(KeyError, match="sample 5"):
        list(DataLoader(Bad(), batch_size=2))


def test_worker_init_fn_error_propagates():
    def bad_init(worker_id):
        raise OSError(f"worker {worker_id} cannot start")

    with pytest.raises(OSError, match="cannot start"):
        list(DataLoader(tensor_ds(8), batch_size=2, num_workers=2, worker_init_fn=bad_init))


def test_timeout():
    class Slow(Dataset):
        def __getitem__(self, i):
            time.sleep(0.5)
            return i

        def __len__(self):
            return 2

    with pytest.raises(RuntimeError, match="DataLoader timed out after"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.05))


def test_break_early_and_persistent_workers():
    loader = DataLoader(tensor_ds(40), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(3):
        for i, _batch in enumerate(loader):
            if i == 2:
                break
    executor = loader._executor
    assert executor is not None
    assert len(list(loader)) == 20 and loader._executor is executor


def test_len_of_iterable_without_len():
    class NoLen(IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(TypeError):
        len(DataLoader(NoLen()))


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (
            {"shuffle": True, "sampler": [0, 1]},
            ValueError,
            "sampler option is mutually exclusive with shuffle",
        ),
        (
            {"batch_sampler": [[0]], "batch_size": 2},
            ValueError,
            "batch_sampler option is mutually exclusive",
        ),
        (
            {"batch_sampler": [[0]], "drop_last": True},
            ValueError,
            "batch_sampler option is mutually exclusive",
        ),
        ({"batch_size": 0}, ValueError, "batch_size should be a positive integer"),
        ({"batch_size": -2}, ValueError, "batch_size should be a positive integer"),
        ({"batch_size": None, "drop_last": True}, ValueError, "mutually exclusive with drop_last"),
        ({"num_workers": -1}, ValueError, "num_workers option should be non-negative"),
        ({"timeout": -1}, ValueError, "timeout option should be non-negative"),
        ({"prefetch_factor": 2}, ValueError, "prefetch_factor option could only be specified"),
        (
            {"persistent_workers": True},
            ValueError,
            "persistent_workers option needs num_workers > 0",
        ),
        ({"drop_last": 1}, ValueError, "drop_last should be a boolean"),
    ],
)
def test_argument_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        DataLoader(tensor_ds(4), **kwargs)


def test_attributes_frozen_after_init():
    loader = DataLoader(tensor_ds(4), batch_size=2)
    with pytest.raises(
        ValueError, match="batch_size attribute should not be set after DataLoader is initialized"
    ):
        loader.batch_size = 3
    loader.num_workers = 1  # not frozen in PyTorch either
    assert len(list(loader)) == 2


def test_accepted_no_op_options():
    loader = DataLoader(
        tensor_ds(4), batch_size=2, pin_memory=True, num_workers=4, persistent_workers=False
    )
    assert labels(loader) == [[0, 1], [2, 3]]


def test_torch_parity_of_batches_and_errors():
    from tests.helpers import torch_or_skip

    torch = torch_or_skip()
    x = np.arange(14, dtype=np.float32).reshape(7, 2)
    ours = DataLoader(TensorDataset(minigrad.tensor(x)), batch_size=3, drop_last=False)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x)), batch_size=3
    )
    for (a,), (b,) in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert len(ours) == len(theirs)
    for kwargs in ({"batch_size": 0}, {"shuffle": True, "sampler": [0]}, {"num_workers": -1}):
        with pytest.raises(Exception) as theirs_err:
            torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x)), **kwargs)
        with pytest.raises(Exception) as ours_err:
            DataLoader(TensorDataset(minigrad.tensor(x)), **kwargs)
        assert type(ours_err.value) is type(theirs_err.value)
