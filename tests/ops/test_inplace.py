"""In-place operations: values, autograd through them, views, leaves, errors."""
import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from tests.helpers import assert_close, double_input, torch_or_skip

_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."

# (method, args builder) for in-place ops whose gradient flows; args take the library module.
GRAD_CASES = [
    ("add_", lambda lib, t: (t(np.array([1.0, -2.0, 0.5])),), {"alpha": 2}),
    ("add_", lambda lib, t: (1.5,), {}),
    ("sub_", lambda lib, t: (t(np.array([1.0, -2.0, 0.5])),), {}),
    ("mul_", lambda lib, t: (t(np.array([1.0, -2.0, 0.5])),), {}),
    ("mul_", lambda lib, t: (3.0,), {}),
    ("div_", lambda lib, t: (t(np.array([1.0, -2.0, 0.5])),), {}),
    ("div_", lambda lib, t: (4.0,), {}),
    ("pow_", lambda lib, t: (2,), {}),
    ("clamp_", lambda lib, t: (-0.5, 0.7), {}),
    ("clamp_", lambda lib, t: (), {"min": 0.0}),
    ("exp_", lambda lib, t: (), {}),
    ("tanh_", lambda lib, t: (), {}),
    ("sigmoid_", lambda lib, t: (), {}),
    ("neg_", lambda lib, t: (), {}),
    ("masked_fill_", lambda lib, t: (lib.tensor([True, False, True]), 2.0), {}),
    ("scatter_", lambda lib, t: (0, lib.tensor([2, 0]), t(np.array([5.0, 6.0]))), {}),
    ("zero_", lambda lib, t: (), {}),
    ("fill_", lambda lib, t: (2.5,), {}),
]

_X = np.array([0.3, -1.2, 0.8])


@pytest.mark.parametrize("name,make_args,kwargs", GRAD_CASES,
                         ids=[f"{c[0]}{i}" for i, c in enumerate(GRAD_CASES)])
def test_in_place_values_and_gradients_match_pytorch(name, make_args, kwargs):
    torch = torch_or_skip()
    results = []
    for lib in (minigrad, torch):
        leaf = lib.tensor(_X, dtype=lib.float64, requires_grad=True)
        y = leaf * 2  # a non-leaf: in-place is allowed and recorded
        args = make_args(lib, lambda a, lib=lib: lib.tensor(a, dtype=lib.float64))
        out = getattr(y, name)(*args, **kwargs)
        assert out is y
        (y * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        results.append((y.detach().numpy().copy(), leaf.grad.numpy().copy()))
    assert_close(results[0][0], results[1][0], rtol=1e-12)
    assert_close(results[0][1], results[1][1], rtol=1e-12)


@pytest.mark.parametrize("name,make_args,kwargs", GRAD_CASES,
                         ids=[f"{c[0]}{i}" for i, c in enumerate(GRAD_CASES)])
def test_in_place_gradcheck(name, make_args, kwargs):
    args = make_args(minigrad, lambda a: minigrad.tensor(a, dtype=minigrad.float64))

    def fn(x):
        y = x * 1
        getattr(y, name)(*args, **kwargs)
        return y

    x = double_input(3, seed=3)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_in_place_with_a_tensor_argument_that_requires_grad():
    a = double_input(3, seed=1)
    b = double_input(3, seed=2)

    def fn(x, other):
        y = x * 1
        y.mul_(other)
        y.add_(other, alpha=0.5)
        return y

    assert gradcheck(fn, (a, b)) and gradgradcheck(fn, (a, b))
    z = minigrad.zeros(3, dtype=minigrad.float64)
    z.copy_(b * 2)  # a tensor without grad becomes part of the graph
    assert z.requires_grad and z.grad_fn.name() == "CopyBackwards"
    z.sum().backward()
    assert b.grad.tolist() == [2.0, 2.0, 2.0]


def test_leaf_that_requires_grad_cannot_be_modified_in_place():
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(),
               lambda: w.fill_(1.0), lambda: w.uniform_(), lambda: w.clamp_(0, 1),
               lambda: w.__iadd__(1)):
        with pytest.raises(RuntimeError, match=_LEAF):
            op()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        w[1:].add_(1)
    with pytest.raises(RuntimeError, match=_LEAF):
        w[0] = 5.0
    assert w.tolist() == [1.0, 2.0] and w._version == 0


def test_leaf_can_be_modified_under_no_grad():
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with minigrad.no_grad():
        w.add_(1)
        w.mul_(2)
        w[0] = 5.0
        w[1:].sub_(1)
        w.clamp_(max=4.0)
    assert w.tolist() == [4.0, 4.0] and w.is_leaf and w.requires_grad and w.grad_fn is None


def test_fill_and_zero_keep_requires_grad_with_zero_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.zero_()
    assert y.grad_fn.name() == "ZeroBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    y = x * 2
    y.fill_(3.0)
    assert y.tolist() == [3.0, 3.0] and y.grad_fn.name() == "FillBackward2"


def test_fill_with_a_tensor_value():
    value = minigrad.tensor(3.0, requires_grad=True)
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.fill_(value)
    (y * minigrad.tensor([1.0, 2.0])).sum().backward()
    assert value.grad.item() == 3.0 and x.grad.tolist() == [0.0, 0.0]
    z = minigrad.zeros(3)
    z.fill_(minigrad.tensor(2))
    assert z.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="0-dimension value tensor"):
        z.fill_(minigrad.ones(2))


def test_copy_broadcasts_and_casts():
    x = minigrad.zeros(2, 3)
    x.copy_(minigrad.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [[1, 2, 3], [1, 2, 3]]
    i = minigrad.zeros(2, dtype=minigrad.int64)
    i.copy_(minigrad.tensor([2.7, -1.2]))
    assert i.tolist() == [2, -1]
    d = minigrad.zeros(2, dtype=minigrad.float64)
    d.copy_(minigrad.tensor([3, 4]))
    assert d.tolist() == [3.0, 4.0] and d.dtype is minigrad.float64
    with pytest.raises(RuntimeError, match="must match the size"):
        minigrad.ones(2).copy_(minigrad.ones(3))
    with pytest.raises(TypeError, match="must be Tensor"):
        minigrad.ones(2).copy_(np.ones(2))


def test_copy_gradient_to_a_float64_source():
    src = minigrad.ones(2, dtype=minigrad.float64, requires_grad=True)
    dst = minigrad.zeros(2)
    dst.copy_(src)
    dst.sum().backward()
    assert src.grad.dtype is minigrad.float64 and src.grad.tolist() == [1.0, 1.0]


def test_random_fills():
    x = minigrad.zeros(4000)
    x.uniform_(2, 3)
    assert 2 <= float(x.min()) and float(x.max()) < 3
    x.normal_(5, 0.1)
    assert abs(float(x.mean()) - 5) < 0.01
    x.bernoulli_(0.3)
    assert set(x.tolist()) == {0.0, 1.0} and abs(float(x.mean()) - 0.3) < 0.05
    x.bernoulli_(minigrad.full((4000,), 1.0))
    assert float(x.min()) == 1.0
    x.exponential_(2.0)
    assert float(x.min()) >= 0 and abs(float(x.mean()) - 0.5) < 0.05
    x.random_(0, 3)
    assert set(x.tolist()) == {0.0, 1.0, 2.0}
    i = minigrad.zeros(100, dtype=minigrad.int64)
    i.random_(5)
    i.bernoulli_(0.5)
    assert set(i.tolist()) <= {0, 1}
    minigrad.manual_seed(1)
    a = minigrad.zeros(3).uniform_().tolist()
    minigrad.manual_seed(1)
    assert minigrad.zeros(3).uniform_().tolist() == a


def test_random_fill_errors_match_pytorch():
    with pytest.raises(NotImplementedError, match="Long"):
        minigrad.ones(2, dtype=minigrad.int64).uniform_()
    with pytest.raises(NotImplementedError, match="Long"):
        minigrad.ones(2, dtype=minigrad.int64).normal_()
    with pytest.raises(RuntimeError, match=r"\[from, to\) range"):
        minigrad.ones(2).uniform_(3, 2)
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        minigrad.ones(2).normal_(0, -1)
    with pytest.raises(RuntimeError, match=r"p to be in \[0, 1\]"):
        minigrad.ones(2).bernoulli_(1.5)
    with pytest.raises(RuntimeError, match="p_in >= 0"):
        minigrad.ones(2).bernoulli_(minigrad.tensor([0.5, 2.0]))


def test_random_fill_of_a_non_leaf_gives_zero_gradient():
    x = minigrad.ones(3, requires_grad=True)
    y = x * 2
    y.normal_()
    assert y.grad_fn.name() == "NormalBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_dtype_and_shape_rules():
    i = minigrad.tensor([1, 2])
    i.mul_(2)
    assert i.tolist() == [2, 4]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        i.div_(2)
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        i.add_(1.5)
    f = minigrad.tensor([1.0, 2.0])
    f.add_(minigrad.tensor([1, 2]))
    assert f.tolist() == [2.0, 4.0] and f.dtype is minigrad.float32
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast "
                                           r"shape \[2, 2\]"):
        f.mul_(minigrad.ones(2, 1))
    u = minigrad.tensor([250], dtype=minigrad.uint8)
    u.add_(10)
    assert u.tolist() == [4]


def test_in_place_on_expanded_tensor_raises():
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        minigrad.ones(2).expand(3, 2).add_(1)


# -- views ----------------------------------------------------------------------------------------
def test_in_place_through_views_changes_the_base():
    x = minigrad.arange(6.0).reshape(2, 3)
    x[0].zero_()
    x.t()[2].fill_(9.0)
    x.view(6)[1:3].add_(minigrad.tensor([5.0, 6.0]))
    assert x.tolist() == [[0, 5, 15], [3, 4, 9]]


def test_in_place_on_a_view_updates_the_base_history():
    torch = torch_or_skip()
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
        y = x * 1
        y[0].mul_(3)
        y.t()[1].add_(x[0] * 2)  # (an argument overlapping the view is undefined in PyTorch)
        y.view(4)[1:3].sub_(lib.tensor([5.0, 6.0], dtype=lib.float64))
        (y * x).sum().backward()
        results.append((y.detach().numpy().copy(), x.grad.numpy().copy(), y.grad_fn.name()))
    assert_close(results[0][0], results[1][0])
    assert_close(results[0][1], results[1][1])
    assert results[0][2] == "CopySlices" and results[1][2].endswith("CopySlices")


def test_in_place_on_views_gradcheck():
    def fn(x, v):
        y = x * 1
        y[0].mul_(v[0])
        y[:, 1].add_(v)
        y.t()[0].clamp_(-0.5, 0.5)
        return y

    x = double_input(2, 2, seed=4)
    v = double_input(2, seed=5)
    assert gradcheck(fn, (x, v)) and gradgradcheck(fn, (x, v))


def test_copy_into_a_slice_of_a_tensor_without_grad():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = minigrad.zeros(3)
    a[1:].copy_(x[:2] * 3)
    assert a.requires_grad and a.tolist() == [0.0, 3.0, 6.0]
    a.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 0.0]


def test_view_created_under_no_grad_cannot_be_modified_with_grad():
    x = minigrad.ones(3, requires_grad=True)
    y = x * 1
    with minigrad.no_grad():
        v = y[1:]
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
        v.add_(1)


# -- __setitem__ ----------------------------------------------------------------------------------
def test_setitem_on_non_leaf_is_recorded():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[0] = y[1] * 3
    assert y.grad_fn.name() == "CopySlices"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 8.0, 2.0]
    z = x * 2
    z[[0, 2]] = 0.0
    assert z.grad_fn.name() == "IndexPutBackward0"


@pytest.mark.parametrize("index", [0, slice(1, None), (slice(None), 1), [0, 2],
                                   (np.array([0, 1]), np.array([1, 0])), "mask"],
                         ids=["int", "slice", "column", "list", "pairs", "mask"])
def test_setitem_gradcheck(index):
    x = double_input(3, 2, seed=6)
    if index == "mask":
        index = minigrad.tensor([[True, False], [False, True], [True, True]])
    shape = np.empty((3, 2))[index._data if isinstance(index, minigrad.Tensor) else index].shape
    v = double_input(*shape, seed=7)

    def fn(a, b):
        y = a * 1
        y[index] = b
        return y

    assert gradcheck(fn, (x, v)) and gradgradcheck(fn, (x, v))


def test_setitem_with_broadcast_value_and_scalar():
    x = double_input(2, 3, seed=8)
    v = double_input(3, seed=9)

    def fn(a, b):
        y = a * 1
        y[:] = b
        y[0, 0] = 5.0
        return y

    assert gradcheck(fn, (x, v))


def test_setitem_errors():
    x = minigrad.zeros(2, 2)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        x[0] = minigrad.ones(3)
    with pytest.raises(IndexError):
        x[5] = 1.0
    with pytest.raises(IndexError):
        x[0.5] = 1.0


def test_setitem_casts_values_to_the_tensor_dtype():
    x = minigrad.tensor([1, 2])
    x[0] = 2.7
    assert x.tolist() == [2, 2] and x.dtype is minigrad.int64


# -- in-place view ops ----------------------------------------------------------------------------
def test_in_place_view_ops():
    x = minigrad.tensor([[1.0, 2.0]])
    assert x.squeeze_() is x and x.shape == (2,)
    x.unsqueeze_(0)
    assert x.shape == (1, 2)
    m = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    m.t_()
    assert m.tolist() == [[1, 3], [2, 4]]
    m.transpose_(0, 1)
    assert m.tolist() == [[1, 2], [3, 4]]
    w = minigrad.ones(2, 1, requires_grad=True)
    y = w * 3
    y.squeeze_()
    y.sum().backward()
    assert w.grad.tolist() == [[3.0], [3.0]]


def test_optimizer_style_updates_under_no_grad():
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with minigrad.no_grad():
        w.sub_(0.1 * w.grad)
        w.grad.zero_()
    assert_close(w, [0.8, 1.6]) and w.grad.tolist() == [0.0, 0.0]
    assert w.is_leaf


_TWIN_ARGS = {
    "add": (0.5,), "sub": (0.5,), "subtract": (0.5,), "mul": (1.5,), "multiply": (1.5,),
    "div": (2.0,), "divide": (2.0,), "true_divide": (2.0,), "floor_divide": (0.3,),
    "remainder": (0.3,), "fmod": (0.3,), "pow": (2,), "clamp": (0.2, 0.6), "clip": (0.2, 0.6),
    "clamp_min": (0.4,), "clamp_max": (0.4,), "lerp": ("tensor", 0.3), "atan2": ("tensor",),
    "hypot": ("tensor",), "masked_fill": ("mask", 7.0), "addcmul": ("tensor", "tensor"),
    "addcdiv": ("tensor", "tensor"), "index_fill": (0, "index", -1.0),
    "scatter": (0, "index", "tensor"), "scatter_add": (0, "index", "tensor"),
    "index_add": (0, "index", "tensor"), "index_copy": (0, "index", "tensor"),
}
_BOOL_TWINS = {"bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "logical_not",
               "logical_and", "logical_or"}


def _twin_names():
    from minigrad.ops.inplace import _TWINS

    return [n for n in _TWINS if n not in ("masked_scatter", "put", "nan_to_num")]


@pytest.mark.parametrize("name", _twin_names())
def test_every_in_place_twin_matches_pytorch(name):
    torch = torch_or_skip()
    assert hasattr(minigrad.Tensor, name + "_"), f"Tensor.{name}_ is not bound"
    data = np.array([0.25, 0.5, 0.75], dtype=np.float32)
    results = []
    for lib in (minigrad, torch):
        if name in _BOOL_TWINS:
            x = lib.tensor([True, False, True])
            args = () if name in ("bitwise_not", "logical_not") else \
                (lib.tensor([True, True, False]),)
        else:
            x = lib.tensor(data)
            args = tuple(
                lib.tensor([0.1, 0.9, 0.4]) if a == "tensor" else
                lib.tensor([True, False, True]) if a == "mask" else
                lib.tensor([2, 0, 1]) if a == "index" else a
                for a in _TWIN_ARGS.get(name, ()))
        out = getattr(x, name + "_")(*args)
        assert out is x
        results.append(x.numpy().copy())
    assert_close(results[0], results[1], rtol=1e-6)
