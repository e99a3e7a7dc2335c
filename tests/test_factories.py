"""Tensor factories: every size form, dtype inference, ``requires_grad=``, seeds."""
import numpy as np
import pytest

import minigrad
from tests.helpers import assert_close, torch_or_skip

SIZE_FORMS = [
    ((2, 3), {}),
    (((2, 3),), {}),
    (([2, 3],), {}),
    ((minigrad.Size([2, 3]),), {}),
    ((), {"size": (2, 3)}),
    ((), {"size": [2, 3]}),
]


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
@pytest.mark.parametrize("args,kwargs", SIZE_FORMS)
def test_size_forms(name, args, kwargs):
    t = getattr(minigrad, name)(*args, **kwargs)
    assert t.shape == (2, 3) and t.dtype is minigrad.float32 and not t.requires_grad


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_dtype_and_requires_grad(name):
    fn = getattr(minigrad, name)
    t = fn(2, dtype=minigrad.float64, requires_grad=True)
    assert t.dtype is minigrad.float64 and t.requires_grad and t.is_leaf and t.grad is None
    assert fn(size=[1], requires_grad=True).requires_grad
    assert fn(()).shape == () and fn(0, 3).shape == (0, 3)


def test_values_of_constant_factories():
    assert minigrad.zeros(2, 2).tolist() == [[0, 0], [0, 0]]
    assert minigrad.ones(3, dtype=minigrad.int64).tolist() == [1, 1, 1]
    assert minigrad.ones(2, dtype=minigrad.bool).tolist() == [True, True]
    assert minigrad.full((2, 3), 1.5).tolist() == [[1.5] * 3] * 2
    assert minigrad.full((2,), 7).dtype is minigrad.int64
    assert minigrad.full((2,), True).dtype is minigrad.bool
    assert minigrad.full((2,), 1.5).dtype is minigrad.float32
    assert minigrad.full([2, 3], 2.0, dtype=minigrad.float64).dtype is minigrad.float64
    assert minigrad.full(size=(2,), fill_value=3.0, requires_grad=True).requires_grad
    assert minigrad.full((2,), 1.5, dtype=minigrad.int64).tolist() == [1, 1]
    assert minigrad.full((1,), minigrad.tensor(2.5)).tolist() == [2.5]
    assert minigrad.eye(3).tolist() == np.eye(3).tolist() and minigrad.eye(2, 3).shape == (2, 3)
    assert minigrad.eye(2, dtype=minigrad.int64).dtype is minigrad.int64
    assert minigrad.eye(n=2, m=1).shape == (2, 1) and minigrad.eye(2, requires_grad=True).is_leaf


def test_like_factories_keep_shape_and_dtype():
    base = minigrad.ones(2, 3, dtype=minigrad.float64)
    for fn in (minigrad.zeros_like, minigrad.ones_like, minigrad.empty_like,
               minigrad.rand_like, minigrad.randn_like):
        t = fn(base)
        assert t.shape == (2, 3) and t.dtype is minigrad.float64 and not t.requires_grad
    assert minigrad.zeros_like(base, dtype=minigrad.int64).dtype is minigrad.int64
    assert minigrad.ones_like(base, requires_grad=True).requires_grad
    assert minigrad.full_like(minigrad.ones(2, dtype=minigrad.int64), 2.7).tolist() == [2, 2]
    assert minigrad.full_like(minigrad.ones(2), 2.5).tolist() == [2.5, 2.5]
    assert minigrad.randn_like(minigrad.zeros(2), requires_grad=True).requires_grad


def test_random_factories_reject_integer_dtypes_as_pytorch():
    with pytest.raises(NotImplementedError, match="Long"):
        minigrad.rand(2, dtype=minigrad.int64)
    with pytest.raises(NotImplementedError, match="Long"):
        minigrad.randn(2, dtype=minigrad.int64)
    with pytest.raises(NotImplementedError):
        minigrad.rand_like(minigrad.zeros(2, dtype=minigrad.int64))


def test_rand_randn_distributions():
    u = minigrad.rand(10000)
    assert 0 <= float(u.min()) and float(u.max()) < 1 and abs(float(u.mean()) - 0.5) < 0.02
    n = minigrad.randn(10000, dtype=minigrad.float64)
    assert abs(float(n.mean())) < 0.05 and abs(float(n.std()) - 1) < 0.05


def test_randint():
    x = minigrad.randint(0, 3, (1000,))
    assert x.dtype is minigrad.int64 and set(x.tolist()) == {0, 1, 2}
    assert minigrad.randint(10, (3,)).shape == (3,)
    assert minigrad.randint(3, 10, (2, 3)).shape == (2, 3)
    assert minigrad.randint(3, 10, size=(2, 3)).shape == (2, 3)
    assert minigrad.randint(low=0, high=5, size=(4,)).shape == (4,)
    assert minigrad.randint(5, (2,), dtype=minigrad.int32).dtype is minigrad.int32
    assert minigrad.randint(5, (2,), dtype=minigrad.float32).dtype is minigrad.float32
    with pytest.raises(RuntimeError, match="'from' to be less than 'to'"):
        minigrad.randint(5, 5, (2,))
    with pytest.raises(TypeError):
        minigrad.randint(5)


def test_randperm():
    p = minigrad.randperm(6)
    assert p.dtype is minigrad.int64 and sorted(p.tolist()) == list(range(6))
    assert minigrad.randperm(5, dtype=minigrad.float32).dtype is minigrad.float32
    assert minigrad.randperm(0).shape == (0,)


def test_normal_forms():
    assert minigrad.normal(0.0, 1.0, size=(2, 3)).shape == (2, 3)
    assert minigrad.normal(0.0, 1.0, (2, 3)).dtype is minigrad.float32
    assert minigrad.normal(minigrad.zeros(3), 1.0).shape == (3,)
    assert minigrad.normal(minigrad.zeros(3, dtype=minigrad.float64), 1.0).dtype is \
        minigrad.float64
    assert minigrad.normal(2.0, minigrad.ones(2, 2)).shape == (2, 2)
    big = minigrad.normal(5.0, 0.1, (10000,))
    assert abs(float(big.mean()) - 5) < 0.01
    assert minigrad.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        minigrad.normal(0.0, -1.0, (2,))


def test_arange():
    assert minigrad.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert minigrad.arange(5).dtype is minigrad.int64
    assert minigrad.arange(1, 4).tolist() == [1, 2, 3]
    assert minigrad.arange(0, 1, 0.25).tolist() == [0, 0.25, 0.5, 0.75]
    assert minigrad.arange(5.0).dtype is minigrad.float32
    assert minigrad.arange(0, 5, 2, dtype=minigrad.float64).tolist() == [0, 2, 4]
    assert minigrad.arange(0, -3, -1).tolist() == [0, -1, -2]
    assert minigrad.arange(start=1, end=4).tolist() == [1, 2, 3]
    assert minigrad.arange(end=3).tolist() == [0, 1, 2]
    assert minigrad.arange(minigrad.tensor(3)).tolist() == [0, 1, 2]
    assert minigrad.arange(-1.0, 1.0, 0.1).shape == (20,)
    assert minigrad.arange(5.0, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        minigrad.arange(0, 3, -1)
    with pytest.raises(RuntimeError, match="nonzero"):
        minigrad.arange(0, 3, 0)
    with pytest.raises(RuntimeError, match="floating point"):
        minigrad.arange(5, requires_grad=True)


def test_linspace():
    assert minigrad.linspace(0, 1, 5).tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert minigrad.linspace(0, 1, steps=5, dtype=minigrad.float64).dtype is minigrad.float64
    assert minigrad.linspace(0, 1, 1).tolist() == [0] and minigrad.linspace(0, 1, 0).shape == (0,)
    assert minigrad.linspace(0, 10, 4, dtype=minigrad.int64).tolist() == [0, 3, 6, 10]
    assert minigrad.linspace(-1, 1, 3, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="non-negative"):
        minigrad.linspace(0, 1, -1)


def test_linspace_and_arange_are_bitwise_pytorch():
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    for _ in range(200):
        a, b = (float(v) for v in rng.uniform(-100, 100, 2).round(int(rng.integers(0, 4))))
        n = int(rng.integers(1, 40))
        for dtype in ("float32", "float64"):
            ours = minigrad.linspace(a, b, n, dtype=getattr(minigrad, dtype)).numpy()
            theirs = torch.linspace(a, b, n, dtype=getattr(torch, dtype)).numpy()
            np.testing.assert_array_equal(ours, theirs)
    for args in [(0, 1, 0.1), (0.5, 2.0), (-3.3, 7.1, 0.7), (1, 2.5, 0.5), (10,), (2, 20, 3)]:
        np.testing.assert_array_equal(minigrad.arange(*args).numpy(), torch.arange(*args).numpy())


# -- tensor(), as_tensor(), from_numpy() and dtype inference ------------------------------------
@pytest.mark.parametrize("data,dtype", [
    (1.5, "float32"), (1, "int64"), (True, "bool"), ([1, 2.5], "float32"), ([True, 2], "int64"),
    ([], "float32"), ([[1, 2], [3, 4]], "int64"), ((1, 2), "int64"), (range(3), "int64"),
    (np.float64(1.0), "float64"), (np.int32(1), "int32"), ([np.float64(1.0)], "float64"),
    ([np.int32(1)], "int32"), ([np.float32(1.0), 2.0], "float32"), ([np.int32(1), 2], "int64"),
    (np.array([1, 2], np.int16), "int16"), (np.array([1.0, 2.0]), "float64"),
    (np.array([1.0], np.float32), "float32"), (np.array([1, 0], np.uint8), "uint8"),
    (np.array(True), "bool"),
])
def test_dtype_inference(data, dtype):
    t = minigrad.tensor(data)
    assert t.dtype is getattr(minigrad, dtype)
    assert t.tolist() == np.asarray(data).tolist() if not isinstance(data, range) else True


@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")
def test_dtype_inference_matches_pytorch():
    torch = torch_or_skip()
    cases = [[np.uint8(1), np.int8(2)], [np.array([1, 2], np.int32), [3, 4]],
             [[1.0], [2]], [[True], [False]], [1e40], [np.float16(1.0)]]
    for data in cases:
        assert str(minigrad.tensor(data).dtype).split(".")[1] == \
            str(torch.tensor(data).dtype).split(".")[1]


def test_tensors_inside_lists_are_scalars():
    t = minigrad.tensor([minigrad.tensor(1.0), minigrad.tensor(2.0)])
    assert t.tolist() == [1.0, 2.0] and t.dtype is minigrad.float32
    assert minigrad.tensor([minigrad.tensor([1.0]), minigrad.tensor([2.0])]).shape == (2,)
    w = minigrad.tensor(1.0, requires_grad=True)
    assert minigrad.tensor([w, w]).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="only one element tensors"):
        minigrad.tensor([minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0])])


def test_explicit_dtype_keeps_full_precision():
    assert minigrad.tensor([0.1], dtype=minigrad.float64).item() == 0.1
    assert minigrad.tensor(0.1, dtype=minigrad.float64).item() == 0.1
    assert minigrad.tensor([[2**40]], dtype=minigrad.float64).item() == 2.0**40


def test_tensor_copies_and_casts():
    a = np.array([1.0, 2.0])
    t = minigrad.tensor(a)
    a[0] = 5.0
    assert t.tolist() == [1.0, 2.0]
    assert minigrad.tensor([[1, 2]], dtype=minigrad.float32).dtype is minigrad.float32
    assert minigrad.tensor([1.7, -1.7], dtype=minigrad.int64).tolist() == [1, -1]
    assert minigrad.tensor(3.5, requires_grad=True).requires_grad
    src = minigrad.tensor([1.0, 2.0])
    copy = minigrad.tensor(src)
    copy[0] = 9.0
    assert src.tolist() == [1.0, 2.0]


def test_tensor_bad_data():
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 1\)"):
        minigrad.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        minigrad.tensor("a")
    with pytest.raises(RuntimeError, match="Could not infer dtype of NoneType"):
        minigrad.tensor(None)
    with pytest.raises(RuntimeError, match="Could not infer dtype"):
        minigrad.tensor([1, None])
    with pytest.raises(RuntimeError, match="floating point"):
        minigrad.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError):
        minigrad.tensor(np.array(["a"]))


def test_as_tensor_and_from_numpy_share_memory():
    a = np.array([1.0, 2.0])
    t = minigrad.as_tensor(a)
    f = minigrad.from_numpy(a)
    a[0] = 5.0
    assert t.tolist() == [5.0, 2.0] and f.tolist() == [5.0, 2.0] and f.dtype is minigrad.float64
    f += 1
    assert a.tolist() == [6.0, 3.0]
    assert minigrad.as_tensor([1, 2]).dtype is minigrad.int64
    x = minigrad.ones(2)
    assert minigrad.as_tensor(x) is x
    assert minigrad.as_tensor(a, dtype=minigrad.float32).dtype is minigrad.float32
    with pytest.raises(TypeError, match="expected np.ndarray"):
        minigrad.from_numpy([1, 2])


def test_size_errors():
    with pytest.raises(RuntimeError, match="negative"):
        minigrad.zeros(-1)
    for make in (lambda: minigrad.zeros(2**62), lambda: minigrad.rand(2**31, 2**31),
                 lambda: minigrad.zeros(0, 2**62), lambda: minigrad.eye(2**40),
                 lambda: minigrad.randint(0, 5, (2**62,))):
        with pytest.raises(RuntimeError, match="not enough memory"):
            make()
    with pytest.raises(RuntimeError, match="Overflow when unpacking long"):
        minigrad.tensor(2**70)
    with pytest.raises(RuntimeError, match="Overflow when unpacking long"):
        minigrad.tensor([1, 2**70])
    with pytest.raises(TypeError):
        minigrad.zeros(2.5)
    with pytest.raises(TypeError):
        minigrad.full(2, 3.0)


# -- seeds and the default dtype -----------------------------------------------------------------
def test_manual_seed_reproducibility():
    minigrad.manual_seed(3)
    first = [minigrad.rand(3), minigrad.randn(2), minigrad.randint(0, 10, (4,)),
             minigrad.randperm(5), minigrad.normal(0.0, 1.0, (2,)), minigrad.zeros(3).uniform_()]
    minigrad.manual_seed(3)
    second = [minigrad.rand(3), minigrad.randn(2), minigrad.randint(0, 10, (4,)),
              minigrad.randperm(5), minigrad.normal(0.0, 1.0, (2,)), minigrad.zeros(3).uniform_()]
    for a, b in zip(first, second):
        assert a.tolist() == b.tolist()
    assert minigrad.rand(3).tolist() != first[0].tolist()
    assert minigrad.manual_seed(7).initial_seed() == 7 and minigrad.initial_seed() == 7


def test_generators_are_independent_of_the_global_seed():
    g = minigrad.Generator().manual_seed(5)
    a = minigrad.rand(3, generator=g)
    minigrad.manual_seed(0)
    g.manual_seed(5)
    assert minigrad.rand(3, generator=g).tolist() == a.tolist()
    assert g.initial_seed() == 5


def test_default_dtype():
    assert minigrad.get_default_dtype() is minigrad.float32
    try:
        minigrad.set_default_dtype(minigrad.float64)
        assert minigrad.tensor([1.5]).dtype is minigrad.float64
        assert minigrad.zeros(1).dtype is minigrad.float64
        assert minigrad.arange(1.0).dtype is minigrad.float64
        assert minigrad.rand(1).dtype is minigrad.float64
        assert minigrad.tensor([1]).dtype is minigrad.int64
        assert (minigrad.tensor([1]) / 2).dtype is minigrad.float64
    finally:
        minigrad.set_default_dtype(minigrad.float32)
    with pytest.raises(TypeError, match="floating-point"):
        minigrad.set_default_dtype(minigrad.int64)


def test_scalar_tensor_and_logspace():
    assert minigrad.scalar_tensor(2).dtype is minigrad.float32
    assert_close(minigrad.logspace(0, 2, 3), [1, 10, 100])
