"""Indexing and index ops (minigrad/ops/index.py): ``t[...]`` in every form, gather/scatter and
friends. Values against NumPy, values and gradients against PyTorch, gradcheck and gradgradcheck
for every case, hypothesis over non-contiguous inputs, REFERENCE.md cases and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from tests.helpers import (
    assert_close, check_gradients, compare_with_torch, double_input, torch_or_skip,
)


def _maker(lib):
    """``T(data, dtype)``: an index tensor in ``lib`` (NumPy: an array; byte masks as bool,
    since NumPy would read them as positions)."""
    if lib is np:
        return lambda data, dtype="int64": np.array(data, dtype=bool if dtype == "uint8" else dtype)
    return lambda data, dtype="int64": lib.tensor(data, dtype=getattr(lib, dtype))


# name -> (index(T), input shape); T builds index tensors in the library under test.
GETITEM_CASES = {
    "int": (lambda T: 1, (3, 2)),
    "negative_int": (lambda T: -1, (3, 2)),
    "int_pair": (lambda T: (0, -1), (2, 3)),
    "slice_step": (lambda T: slice(None, None, 2), (5, 2)),
    "slice_negative_bounds": (lambda T: (slice(-2, None), slice(None, -1)), (3, 3)),
    "slice_past_end": (lambda T: slice(1, 10), (3,)),
    "none": (lambda T: (None, 0), (2, 3)),
    "ellipsis": (lambda T: (Ellipsis, 1), (2, 2, 3)),
    "ellipsis_none_slice": (lambda T: (Ellipsis, None, slice(1, 3)), (2, 3)),
    "list": (lambda T: [2, 0], (3, 2)),
    "repeated_list": (lambda T: [0, 0, 1, 0], (3, 2)),
    "negative_list": (lambda T: [-1, 0], (3,)),
    "range": (lambda T: range(2), (3, 2)),
    "int_tensor": (lambda T: T([1, 1, 0]), (2, 3)),
    "int_tensor_2d": (lambda T: T([[0, 2], [1, 1]]), (3,)),
    "int32_tensor": (lambda T: T([2, 0], "int32"), (3, 2)),
    "zero_dim_tensor": (lambda T: T(1), (3, 2)),
    "zero_dim_tensor_and_list": (lambda T: (T(1), [0, 2]), (2, 3)),
    "bool_mask": (lambda T: T([True, False, True], "bool"), (3, 2)),
    "bool_mask_2d": (lambda T: T([[True, False], [False, True]], "bool"), (2, 2, 3)),
    "uint8_mask": (lambda T: T([1, 0, 1], "uint8"), (3, 2)),
    "list_pair": (lambda T: ([0, 1], [0, 2]), (2, 3)),
    "tensor_slice_none": (lambda T: (T([0, 1, 1]), slice(None), None), (2, 3, 2)),
    "ellipsis_list": (lambda T: (Ellipsis, [0, 2]), (2, 2, 3)),
    "mask_then_int": (lambda T: (T([True, False], "bool"), 1), (2, 3)),
    "lists_split_by_slice": (lambda T: ([0, 1], slice(None), [0, 1]), (2, 3, 2)),
    "lists_after_slice": (lambda T: (slice(None), [0, 1], [1, 1]), (2, 3, 2)),
    "broadcast_index_tensors": (lambda T: (T([[0], [1]]), T([0, 2, 2])), (2, 3)),
    "empty_list": (lambda T: [], (2, 3)),
}


def _input(shape, dtype=np.float64, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("name", list(GETITEM_CASES))
def test_getitem_matches_numpy(name):
    index, shape = GETITEM_CASES[name]
    a = _input(shape, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = a[index(_maker(np))]
    assert_close(minigrad.tensor(a)[index(_maker(minigrad))], expected)


@pytest.mark.parametrize("name", list(GETITEM_CASES))
def test_getitem_matches_torch(name):
    index, shape = GETITEM_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch's byte-mask deprecation
        compare_with_torch(lambda lib, x: x[index(_maker(lib))], _input(shape))


@pytest.mark.parametrize("name", list(GETITEM_CASES))
def test_getitem_gradcheck_and_gradgradcheck(name):
    index, shape = GETITEM_CASES[name]
    check_gradients(lambda x: x[index(_maker(minigrad))], double_input(*shape))


# -- REFERENCE.md and gradient accumulation -------------------------------------------------------
def test_reference_fancy_indexing_picks_predictions():
    y_hat = minigrad.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    assert_close(y_hat[[0, 1], [0, 2]], [0.1, 0.5])


def test_reference_cross_entropy_by_indexing():
    y_hat = minigrad.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    assert_close(-minigrad.log(y_hat[range(2), [0, 2]]), [2.3026, 0.6931], rtol=1e-4)


def test_repeated_index_accumulates_gradient():
    x = minigrad.zeros(5, requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 0.0, 0.0, 0.0]


def test_repeated_tensor_index_accumulates_in_2d():
    x = minigrad.zeros(3, 2, requires_grad=True)
    x[minigrad.tensor([2, 2, 2]), 1].sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [0.0, 3.0]]


def test_list_of_sequences_indexes_like_a_tuple():
    # PyTorch's (legacy NumPy) rule: [[0, 1], [1, 1]] means ([0, 1], [1, 1]).
    x = minigrad.arange(6).reshape(2, 3)
    assert x[[[0, 1], [1, 2]]].tolist() == [1, 5]
    assert x[[0, slice(1, None)]].tolist() == [1, 2]


def test_basic_index_is_a_view_and_advanced_a_copy():
    x = minigrad.zeros(2, 3)
    x[0].data.fill_(1.0)
    x[[1]].data.fill_(5.0)
    assert x.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]


def test_writing_through_an_index_view_is_seen_by_autograd():
    a = minigrad.zeros(3)
    w = minigrad.ones(3, requires_grad=True)
    loss = (w * a).sum()  # saves a for backward
    a[:2].add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_index_without_grad_gives_no_graph():
    x = minigrad.ones(2, 3)
    assert x[0, 1:].grad_fn is None and not x[[0]].requires_grad


# -- getitem errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("index, error, match", [
    (5, IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
    ((0, 7), IndexError, "index 7 is out of bounds for dimension 1 with size 3"),
    (-3, IndexError, "index -3 is out of bounds for dimension 0"),
    ([0, 2], IndexError, "index 2 is out of bounds for dimension 0 with size 2"),
    ((Ellipsis, [4]), IndexError, "index 4 is out of bounds for dimension 2 with size 4"),
    (1.0, IndexError, r"only integers, slices.*\(got float\)"),
    ([0.5], IndexError, "must be long, int, byte or bool"),
    ((0, 0, 0, 0), IndexError, "too many indices for tensor of dimension 3"),
    (slice(None, None, -1), ValueError, "step must be greater than zero"),
    ((Ellipsis, Ellipsis), IndexError, "single ellipsis"),
    (([0, 1], [0, 1, 2]), IndexError, "could not be broadcast"),
])
def test_getitem_errors(index, error, match):
    x = minigrad.zeros(2, 3, 4)
    with pytest.raises(error, match=match):
        x[index]


@pytest.mark.parametrize("make, match", [
    (lambda lib: lib.tensor([1.0]), "must be long, int, byte or bool"),
    (lambda lib: lib.tensor([True, False, True]), r"shape of the mask \[3\] at index 0"),
    (lambda lib: lib.tensor([0, 2]), "out of bounds for dimension 0 with size 2"),
])
def test_getitem_tensor_index_errors_match_torch(make, match):
    with pytest.raises(IndexError, match=match):
        minigrad.zeros(2, 3, 4)[make(minigrad)]
    torch = torch_or_skip()
    with pytest.raises(IndexError):
        torch.zeros(2, 3, 4)[make(torch)]


# -- index ops -------------------------------------------------------------------------------------
def _scatter_add_np(a, dim, index, src):
    out = a.copy()
    np.add.at(out, _along(index, dim), src[tuple(slice(0, n) for n in index.shape)])
    return out


def _along(index, dim):
    return tuple(index if d == dim else np.arange(index.shape[d]).reshape(
        [-1 if k == d else 1 for k in range(index.ndim)]) for d in range(index.ndim))


GATHER_INDEX = [[0, 2], [2, 1]]  # unique per row: also a valid (deterministic) scatter index
MASK = [[True, False, True], [False, False, True]]

# name -> (op(lib, *tensors), NumPy reference(*arrays) or None, float input shapes)
OP_CASES = {
    "gather": (lambda lib, x: lib.gather(x, 1, lib.tensor(GATHER_INDEX)),
               lambda a: np.take_along_axis(a, np.array(GATHER_INDEX), 1), [(2, 3)]),
    "gather_dim0_small_index": (lambda lib, x: x.gather(0, lib.tensor([[2, 0]])),
                                lambda a: np.array([[a[2, 0], a[0, 1]]]), [(3, 3)]),
    "take_along_dim": (lambda lib, x: lib.take_along_dim(x, lib.tensor([[2], [-1]]), 1),
                       lambda a: np.take_along_axis(a, np.array([[2], [-1]]), 1), [(2, 3)]),
    "take_along_dim_flat": (lambda lib, x: lib.take_along_dim(x, lib.tensor([5, 0])),
                            lambda a: a.reshape(-1)[[5, 0]], [(2, 3)]),
    "scatter": (lambda lib, x, s: x.scatter(1, lib.tensor(GATHER_INDEX), s), None,
                [(2, 3), (2, 2)]),
    "scatter_value": (lambda lib, x: x.scatter(1, lib.tensor(GATHER_INDEX), 2.5), None,
                      [(2, 3)]),
    "scatter_add": (lambda lib, x, s: lib.scatter_add(x, 1, lib.tensor([[0, 0], [2, 0]]), s),
                    lambda a, s: _scatter_add_np(a, 1, np.array([[0, 0], [2, 0]]), s),
                    [(2, 3), (2, 2)]),
    "index_select": (lambda lib, x: x.index_select(1, lib.tensor([2, 0, 2])),
                     lambda a: np.take(a, [2, 0, 2], 1), [(2, 3)]),
    "index_select_0d": (lambda lib, x: lib.index_select(x, 0, lib.tensor(1)),
                        lambda a: a[1:2], [(2, 3)]),
    "masked_fill": (lambda lib, x: x.masked_fill(lib.tensor(MASK), -1.5),
                    lambda a: np.where(np.array(MASK), -1.5, a), [(2, 3)]),
    "masked_fill_broadcast": (lambda lib, x: lib.masked_fill(x, lib.tensor([[True], [False]]),
                                                             0.0),
                              lambda a: np.where([[True], [False]], 0.0, a), [(3,)]),
    "masked_fill_tensor_value": (lambda lib, x, v: x.masked_fill(lib.tensor(MASK), v), None,
                                 [(2, 3), ()]),
    "masked_select": (lambda lib, x: x.masked_select(lib.tensor(MASK)),
                      lambda a: a[np.array(MASK)], [(2, 3)]),
    "masked_select_broadcast": (lambda lib, x: lib.masked_select(x, lib.tensor([True, False])),
                                lambda a: a[:, 0], [(3, 2)]),
    "masked_scatter": (lambda lib, x, s: x.masked_scatter(lib.tensor(MASK), s), None,
                       [(2, 3), (5,)]),
    "take": (lambda lib, x: lib.take(x, lib.tensor([[0, 5], [-1, 2]])),
             lambda a: np.take(a, [[0, 5], [-1, 2]]), [(2, 3)]),
    "put": (lambda lib, x, s: x.put(lib.tensor([0, -1]), s), None, [(2, 3), (2,)]),
    "put_accumulate": (lambda lib, x, s: lib.put(x, lib.tensor([1, 1, 4]), s, accumulate=True),
                       None, [(2, 3), (3,)]),
    "index_add": (lambda lib, x, s: x.index_add(1, lib.tensor([0, 2, 0]), s, alpha=2.0), None,
                  [(2, 3), (2, 3)]),
    "index_copy": (lambda lib, x, s: lib.index_copy(x, 0, lib.tensor([2, 0]), s), None,
                   [(3, 2), (2, 2)]),
    "index_fill": (lambda lib, x: x.index_fill(1, lib.tensor([0, 2, 0]), -1.0),
                   lambda a: np.where([True, False, True], -1.0, a), [(2, 3)]),
    "index_fill_tensor_value": (lambda lib, x, v: x.index_fill(1, lib.tensor([0, 0]), v), None,
                                [(2, 3), ()]),
}
NUMPY_OP_CASES = [name for name, case in OP_CASES.items() if case[1] is not None]


@pytest.mark.parametrize("name", NUMPY_OP_CASES)
def test_index_op_matches_numpy(name):
    op, reference, shapes = OP_CASES[name]
    arrays = [_input(s, np.float32, seed=i) for i, s in enumerate(shapes)]
    assert_close(op(minigrad, *[minigrad.tensor(a) for a in arrays]), reference(*arrays))


@pytest.mark.parametrize("name", list(OP_CASES))
def test_index_op_matches_torch(name):
    op, _, shapes = OP_CASES[name]
    compare_with_torch(op, *[_input(s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name", list(OP_CASES))
def test_index_op_gradcheck_and_gradgradcheck(name):
    op, _, shapes = OP_CASES[name]
    inputs = [double_input(*s, seed=i) for i, s in enumerate(shapes)]
    check_gradients(lambda *xs: op(minigrad, *xs), *inputs)


def test_gather_backward_is_scatter_add_and_its_backward_a_gather():
    x = minigrad.zeros(2, 3, requires_grad=True)
    out = x.gather(1, minigrad.tensor([[0, 0], [2, 1]]))
    assert out.grad_fn.name() == "GatherBackward0"
    (g,) = minigrad.autograd.grad(out.sum(), x, create_graph=True)
    assert g.tolist() == [[2.0, 0.0, 0.0], [0.0, 1.0, 1.0]]


def test_scatter_uses_the_leading_corner_of_a_larger_src():
    # PyTorch's own backward fails here ("invalid gradient ... [1, 3]"), so no gradient parity.
    x, src = double_input(2, 3), double_input(2, 4, seed=1)
    out = minigrad.scatter(x, 0, minigrad.tensor([[1, 0, 1]]), src)
    expected = x.detach().numpy().copy()
    expected[[1, 0, 1], [0, 1, 2]] = src.detach().numpy()[0, :3]
    assert_close(out, expected)
    out.sum().backward()
    assert src.grad.tolist() == [[1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    check_gradients(lambda a, b: minigrad.scatter(a, 0, minigrad.tensor([[1, 0, 1]]), b),
                    double_input(2, 3), double_input(2, 4, seed=1))


def test_int_dtypes_and_values_for_non_float_inputs():
    x = minigrad.tensor([[1, 2, 3], [4, 5, 6]])
    assert x.masked_fill(minigrad.tensor(MASK), 2.7).tolist() == [[2, 2, 2], [4, 5, 2]]
    assert x.gather(1, minigrad.tensor([[2], [0]])).tolist() == [[3], [4]]
    assert x.scatter_add(0, minigrad.tensor([[1, 1, 1]]), minigrad.ones(1, 3, dtype=minigrad.int64)
                         ).tolist() == [[1, 2, 3], [5, 6, 7]]


def test_in_place_twins_use_these_ops():
    x = minigrad.zeros(2, 3)
    x.masked_fill_(minigrad.tensor(MASK), 1.0)
    x.scatter_(1, minigrad.tensor([[1], [0]]), 7.0)
    x.index_add_(0, minigrad.tensor([1]), minigrad.ones(1, 3))
    assert x.tolist() == [[1.0, 7.0, 1.0], [8.0, 1.0, 2.0]]


# -- positions -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda lib: lib.nonzero(lib.tensor([[0, 1, 0], [2, 0, 3]])),
    lambda lib: lib.tensor([[0, 1], [2, 0]]).nonzero(as_tuple=True),
    lambda lib: lib.nonzero(lib.tensor(5)),
    lambda lib: lib.nonzero(lib.tensor(0), as_tuple=True),
    lambda lib: lib.argwhere(lib.tensor([0.0, 1.5, 0.0, -1.0])),
    lambda lib: lib.searchsorted(lib.tensor([1, 3, 5, 7]), lib.tensor([[3, 6], [9, 0]])),
    lambda lib: lib.searchsorted(lib.tensor([1, 3, 5, 7]), lib.tensor([3, 5]), right=True),
    lambda lib: lib.searchsorted(lib.tensor([1, 3, 5, 7]), lib.tensor([3, 5]), side="right"),
    lambda lib: lib.searchsorted(lib.tensor([1, 3, 5, 7]), 5),
    lambda lib: lib.searchsorted(lib.tensor([[1, 3, 5], [2, 4, 6]]), lib.tensor([[3], [3]])),
    lambda lib: lib.searchsorted(lib.tensor([7, 1, 5]), lib.tensor([4]),
                                 sorter=lib.tensor([1, 2, 0])),
    lambda lib: lib.bucketize(lib.tensor([[3, 6], [9, 0]]), lib.tensor([1, 3, 5, 7])),
    lambda lib: lib.bucketize(lib.tensor([3.0, 6.0]), lib.tensor([1.0, 3.0, 5.0]), right=True,
                              out_int32=True),
])
def test_position_ops_match_torch(call):
    torch = torch_or_skip()
    ours, theirs = call(minigrad), call(torch)
    if isinstance(theirs, tuple):
        assert len(ours) == len(theirs)
        ours, theirs = minigrad.stack(list(ours)), torch.stack(list(theirs))
    assert_close(ours, theirs)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_nonzero_values_without_torch():
    x = minigrad.tensor([[0, 1, 0], [2, 0, 3]])
    assert x.nonzero().tolist() == [[0, 1], [1, 0], [1, 2]]
    assert minigrad.nonzero(minigrad.tensor(0.0)).shape == (0, 0)
    assert minigrad.bucketize(minigrad.tensor([3, 6]), minigrad.tensor([1, 3, 5, 7])
                              ).tolist() == [1, 3]


# -- hypothesis: random shapes, non-contiguous inputs ----------------------------------------------
def _noncontiguous(array: np.ndarray, kind: str) -> np.ndarray:
    if kind == "permuted":
        return np.ascontiguousarray(np.moveaxis(array, 0, -1)).transpose(
            (array.ndim - 1,) + tuple(range(array.ndim - 1)))
    if kind == "strided":
        return np.repeat(array, 2, axis=0)[::2]
    if kind == "expanded":
        return np.broadcast_to(array[:1], array.shape)
    return array


@st.composite
def _arrays(draw, min_dims=1, max_dims=3):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=min_dims, max_size=max_dims)))
    seed = draw(st.integers(0, 2**16))
    base = np.random.default_rng(seed).standard_normal(shape)
    kind = draw(st.sampled_from(["contiguous", "permuted", "strided", "expanded"]))
    return _noncontiguous(base, kind)


@settings(max_examples=30, deadline=None)
@given(a=_arrays(), data=st.data())
def test_getitem_hypothesis_values_and_gradients(a, data):
    index = []
    length = data.draw(st.integers(1, 4))  # list indices broadcast together: one length
    for n in a.shape:
        kind = data.draw(st.sampled_from(["int", "slice", "list", "all"]))
        if kind == "int":
            index.append(data.draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = data.draw(st.integers(-n, n))
            index.append(slice(start, None, data.draw(st.integers(1, 3))))
        elif kind == "list":
            index.append(data.draw(st.lists(st.integers(-n, n - 1), min_size=length,
                                            max_size=length)))
        else:
            index.append(slice(None))
    index = tuple(index)
    np_index = tuple(np.array(i) if isinstance(i, list) else i for i in index)
    x = minigrad.from_numpy(a).requires_grad_()
    out = x[index]
    expected = a[np_index]
    assert_close(out, expected)
    weights = np.arange(expected.size, dtype=np.float64).reshape(expected.shape)
    (out * minigrad.tensor(weights)).sum().backward()
    grad = np.zeros(a.shape)
    np.add.at(grad, np_index, weights)
    assert_close(x.grad, grad)


@settings(max_examples=30, deadline=None)
@given(a=_arrays(min_dims=2), data=st.data())
def test_gather_and_scatter_add_hypothesis(a, data):
    dim = data.draw(st.integers(0, a.ndim - 1))
    shape = tuple(data.draw(st.integers(1, a.shape[d] if d != dim else 5))
                  for d in range(a.ndim))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    index = rng.integers(0, a.shape[dim], size=shape)
    x = minigrad.from_numpy(a).requires_grad_()
    out = minigrad.gather(x, dim, minigrad.tensor(index))
    region = a[tuple(slice(0, n) if d != dim else slice(None) for d, n in enumerate(shape))]
    assert_close(out, np.take_along_axis(region, index, dim))
    weights = rng.standard_normal(shape)
    (out * minigrad.tensor(weights)).sum().backward()
    assert_close(x.grad, _scatter_add_np(np.zeros(a.shape), dim, index, weights))
    added = minigrad.scatter_add(x.detach(), dim, minigrad.tensor(index), minigrad.tensor(weights))
    assert_close(added, _scatter_add_np(a, dim, index, weights))


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, match", [
    (lambda lib, x: lib.gather(x, 1, lib.tensor([0])), RuntimeError, "same number of dimensions"),
    (lambda lib, x: lib.gather(x, 1, lib.tensor([[5], [0]])), RuntimeError,
     "index 5 is out of bounds for dimension 1 with size 3"),
    (lambda lib, x: lib.gather(x, 1, lib.tensor([[-1], [0]])), RuntimeError,
     "index -1 is out of bounds"),
    (lambda lib, x: lib.gather(x, 1, lib.zeros(2, 1)), RuntimeError, "int64 for index"),
    (lambda lib, x: lib.gather(x, 1, lib.zeros(3, 1, dtype=lib.int64)), RuntimeError,
     r"Size does not match at dimension 0"),
    (lambda lib, x: x.scatter(1, lib.tensor([[0, 1]]), lib.ones(1, 2, dtype=lib.float64)),
     RuntimeError, "dtype"),
    (lambda lib, x: x.scatter(1, lib.tensor([[0, 1]]), lib.ones(1, 1)), RuntimeError,
     "no larger"),
    (lambda lib, x: x.scatter_add(1, lib.tensor([[0, 1]]), 1.0), TypeError, "src"),
    (lambda lib, x: x.index_select(1, lib.tensor([[2]])), IndexError, "supposed to be a vector"),
    (lambda lib, x: x.index_select(1, lib.tensor([3])), RuntimeError, "out of"),
    (lambda lib, x: x.index_select(1, lib.tensor([0.0])), RuntimeError, "int64 for index"),
    (lambda lib, x: x.masked_fill(lib.tensor([1, 0, 1], dtype=lib.uint8), 1.0), RuntimeError,
     "only supports boolean masks"),
    (lambda lib, x: x.masked_fill(lib.tensor([True, False, True]), lib.tensor([1.0])),
     RuntimeError, "0-dimensional value tensor"),
    (lambda lib, x: x.masked_fill(lib.tensor([True, False]), 1.0), RuntimeError,
     r"size of tensor a \(2\) must match the size of tensor b \(3\)"),
    (lambda lib, x: x.masked_select(lib.tensor([1, 0, 1], dtype=lib.uint8)), RuntimeError,
     "BoolTensor"),
    (lambda lib, x: x.masked_scatter(lib.tensor([True, True, True]), lib.ones(2)), RuntimeError,
     "Number of elements of source < number of ones in mask"),
    (lambda lib, x: x.take(lib.tensor([6])), IndexError, "out of range"),
    (lambda lib, x: x.put(lib.tensor([0, 1]), lib.ones(1)), IndexError, "same number of elements"),
    (lambda lib, x: x.index_add(1, lib.tensor([0, 0]), lib.ones(2, 3)), RuntimeError,
     r"Number of indices \(2\)"),
    (lambda lib, x: x.index_copy(1, lib.tensor([0, 0]), lib.ones(2, 3)), IndexError,
     r"Number of indices \(2\)"),
])
def test_index_op_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(minigrad, minigrad.zeros(2, 3))
    torch = torch_or_skip()
    with pytest.raises(error):  # PyTorch raises the same exception type
        call(torch, torch.zeros(2, 3))
