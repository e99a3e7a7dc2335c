"""Shape ops (minigrad/ops/shape.py): values against NumPy, values and gradients against PyTorch,
gradcheck and gradgradcheck for every op, views, hypothesis over non-contiguous inputs, errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from tests.helpers import (
    assert_close, check_gradients, compare_with_torch, double_input, torch_or_skip,
)


def _joined(lib, out):
    """One tensor from an op's output: tuples (split, meshgrid, ...) are flattened and joined, so
    one comparison covers every piece and its gradient."""
    if isinstance(out, (tuple, list)):
        return lib.cat([o.reshape(-1) for o in out])
    return out


def _np_joined(out) -> np.ndarray:
    if isinstance(out, (tuple, list)):
        return np.concatenate([np.asarray(o).reshape(-1) for o in out])
    return np.asarray(out)


# name -> (op(lib, *tensors), NumPy reference(*arrays) or None, input shapes)
CASES = {
    "reshape": (lambda lib, x: x.reshape(3, -1), lambda a: a.reshape(3, -1), [(2, 3)]),
    "view": (lambda lib, x: x.view(-1), lambda a: a.reshape(-1), [(2, 3)]),
    "permute": (lambda lib, x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), [(2, 3, 2)]),
    "transpose": (lambda lib, x: lib.transpose(x, 0, -1), lambda a: a.swapaxes(0, -1),
                  [(2, 1, 3)]),
    "t": (lambda lib, x: x.t(), lambda a: a.T, [(2, 3)]),
    "expand": (lambda lib, x: x.expand(2, -1, 3), lambda a: np.broadcast_to(a, (2, 4, 3)),
               [(4, 1)]),
    "broadcast_to": (lambda lib, x: lib.broadcast_to(x, (3, 2)),
                     lambda a: np.broadcast_to(a, (3, 2)), [(2,)]),
    "squeeze": (lambda lib, x: x.squeeze(1), lambda a: a.squeeze(1), [(2, 1, 3)]),
    "unsqueeze": (lambda lib, x: x.unsqueeze(-1), lambda a: a[..., None], [(2, 3)]),
    "flatten": (lambda lib, x: x.flatten(1), lambda a: a.reshape(2, -1), [(2, 2, 2)]),
    "clone": (lambda lib, x: x.clone(), lambda a: a.copy(), [(2, 3)]),
    "cat": (lambda lib, a, b: lib.cat([a, b], dim=1), lambda a, b: np.concatenate([a, b], 1),
            [(2, 3), (2, 2)]),
    "cat_three_neg_dim": (lambda lib, a, b, c: lib.cat((a, b, c), -1),
                          lambda a, b, c: np.concatenate([a, b, c], -1),
                          [(2, 1), (2, 2), (2, 1)]),
    "concat": (lambda lib, a, b: lib.concat([a, b]), lambda a, b: np.concatenate([a, b]),
               [(1, 3), (2, 3)]),
    "concatenate": (lambda lib, a, b: lib.concatenate([a, b], axis=0),
                    lambda a, b: np.concatenate([a, b]), [(2,), (3,)]),
    "stack": (lambda lib, a, b: lib.stack([a, b]), lambda a, b: np.stack([a, b]),
              [(2, 3), (2, 3)]),
    "stack_last": (lambda lib, a, b: lib.stack([a, b], dim=-1),
                   lambda a, b: np.stack([a, b], -1), [(2, 3), (2, 3)]),
    "hstack_1d": (lambda lib, a, b: lib.hstack([a, b]), lambda a, b: np.hstack([a, b]),
                  [(3,), (2,)]),
    "hstack_2d": (lambda lib, a, b: lib.hstack([a, b]), lambda a, b: np.hstack([a, b]),
                  [(2, 1), (2, 3)]),
    "vstack": (lambda lib, a, b: lib.vstack([a, b]), lambda a, b: np.vstack([a, b]),
               [(3,), (2, 3)]),
    "row_stack": (lambda lib, a, b: lib.row_stack([a, b]), lambda a, b: np.vstack([a, b]),
                  [(3,), (3,)]),
    "dstack": (lambda lib, a, b: lib.dstack([a, b]), lambda a, b: np.dstack([a, b]),
               [(2, 3), (2, 3)]),
    "column_stack": (lambda lib, a, b: lib.column_stack([a, b]),
                     lambda a, b: np.column_stack([a, b]), [(2,), (2, 2)]),
    "split_int": (lambda lib, x: lib.split(x, 2, dim=1), lambda a: np.split(a, [2, 4], 1),
                  [(2, 5)]),
    "split_sizes": (lambda lib, x: x.split([1, 3, 1], 1), lambda a: np.split(a, [1, 4], 1),
                    [(2, 5)]),
    "tensor_split_sections": (lambda lib, x: lib.tensor_split(x, 3, dim=1),
                              lambda a: np.array_split(a, 3, 1), [(2, 5)]),
    "tensor_split_indices": (lambda lib, x: x.tensor_split([1, 4]),
                             lambda a: np.array_split(a, [1, 4]), [(5, 2)]),
    "tensor_split_decreasing": (lambda lib, x: x.tensor_split([3, 1]),
                                lambda a: np.array_split(a, [3, 1]), [(5,)]),
    "chunk": (lambda lib, x: x.chunk(3, 1), lambda a: np.split(a, [2, 4], 1), [(2, 5)]),
    "chunk_fewer": (lambda lib, x: lib.chunk(x, 4), lambda a: np.split(a, [2, 4]), [(6,)]),
    "unbind": (lambda lib, x: x.unbind(1), lambda a: [a[:, i] for i in range(3)], [(2, 3)]),
    "select": (lambda lib, x: x.select(1, -1), lambda a: a[:, -1], [(2, 3, 2)]),
    "narrow": (lambda lib, x: x.narrow(1, -3, 2), lambda a: a[:, 1:3], [(2, 4)]),
    "flip": (lambda lib, x: x.flip(0, 2), lambda a: np.flip(a, (0, 2)), [(2, 3, 2)]),
    "flip_list": (lambda lib, x: lib.flip(x, [-1]), lambda a: a[:, ::-1], [(2, 3)]),
    "fliplr": (lambda lib, x: lib.fliplr(x), np.fliplr, [(2, 3)]),
    "flipud": (lambda lib, x: lib.flipud(x), np.flipud, [(2, 3)]),
    "roll_dims": (lambda lib, x: lib.roll(x, (1, -2), (0, 2)),
                  lambda a: np.roll(a, (1, -2), (0, 2)), [(2, 2, 3)]),
    "roll_flat": (lambda lib, x: x.roll(4), lambda a: np.roll(a, 4), [(2, 3)]),
    "repeat": (lambda lib, x: x.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), [(2, 3)]),
    "repeat_tuple": (lambda lib, x: x.repeat((3, 2)), lambda a: np.tile(a, (3, 2)), [(2,)]),
    "tile": (lambda lib, x: lib.tile(x, (2,)), lambda a: np.tile(a, 2), [(2, 3)]),
    "unflatten": (lambda lib, x: x.unflatten(1, (2, -1)), lambda a: a.reshape(3, 2, 2),
                  [(3, 4)]),
    "movedim": (lambda lib, x: lib.movedim(x, (0, 1), (2, 0)),
                lambda a: np.moveaxis(a, (0, 1), (2, 0)), [(2, 3, 4)]),
    "moveaxis": (lambda lib, x: lib.moveaxis(x, 0, -1), lambda a: np.moveaxis(a, 0, -1),
                 [(2, 3, 1)]),
    "tril": (lambda lib, x: lib.tril(x, -1), lambda a: np.tril(a, -1), [(3, 4)]),
    "triu_batched": (lambda lib, x: x.triu(1), lambda a: np.triu(a, 1), [(2, 3, 3)]),
    "diagonal": (lambda lib, x: lib.diagonal(x, 1, 0, 2), lambda a: np.diagonal(a, 1, 0, 2),
                 [(3, 2, 4)]),
    "diagonal_below": (lambda lib, x: x.diagonal(-1), lambda a: np.diagonal(a, -1), [(3, 3)]),
    "diag_vector": (lambda lib, x: lib.diag(x, 1), lambda a: np.diag(a, 1), [(3,)]),
    "diag_matrix": (lambda lib, x: x.diag(-1), lambda a: np.diag(a, -1), [(3, 4)]),
    "diag_embed": (lambda lib, x: lib.diag_embed(x, 1, 0, 2), None, [(2, 3)]),
    "diag_embed_default": (lambda lib, x: x.diag_embed(), None, [(2, 3)]),
    "ravel": (lambda lib, x: x.t().ravel(), lambda a: a.T.ravel(), [(2, 3)]),
    "meshgrid_ij": (lambda lib, a, b: lib.meshgrid(a, b, indexing="ij"),
                    lambda a, b: np.meshgrid(a, b, indexing="ij"), [(3,), (2,)]),
    "meshgrid_xy": (lambda lib, a, b, c: lib.meshgrid([a, b, c], indexing="xy"),
                    lambda a, b, c: np.meshgrid(a, b, c, indexing="xy"), [(3,), (2,), (2,)]),
    "atleast_1d": (lambda lib, x: lib.atleast_1d(x), np.atleast_1d, [()]),
    "atleast_2d": (lambda lib, a, b: lib.atleast_2d(a, b),
                   lambda a, b: np.atleast_2d(a, b), [(), (3,)]),
    "atleast_3d": (lambda lib, a, b: lib.atleast_3d([a, b]),
                   lambda a, b: np.atleast_3d(a, b), [(3,), (2, 3)]),
}
NUMPY_CASES = [name for name, case in CASES.items() if case[1] is not None]


def _arrays(shapes, dtype=np.float64) -> list:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("name", NUMPY_CASES)
def test_matches_numpy(name):
    op, reference, shapes = CASES[name]
    arrays = _arrays(shapes, np.float32)
    out = op(minigrad, *[minigrad.tensor(a) for a in arrays])
    assert_close(_joined(minigrad, out), _np_joined(reference(*arrays)))


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_values_and_gradients(name):
    op, _, shapes = CASES[name]
    compare_with_torch(lambda lib, *xs: _joined(lib, op(lib, *xs)), *_arrays(shapes))


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_gradgradcheck(name):
    op, _, shapes = CASES[name]
    inputs = [double_input(*s, seed=i) for i, s in enumerate(shapes)]
    check_gradients(lambda *xs: op(minigrad, *xs), *inputs)


# -- dtypes, views and node names --------------------------------------------------------------
def test_cat_and_stack_promote_dtypes():
    ints = minigrad.tensor([1, 2])
    floats = minigrad.tensor([0.5])
    assert minigrad.cat([ints, floats]).dtype == minigrad.float32
    assert minigrad.cat([ints, floats]).tolist() == [1.0, 2.0, 0.5]
    assert minigrad.stack([ints, minigrad.tensor([True, False])]).dtype == minigrad.int64
    assert minigrad.cat([minigrad.tensor([True]), minigrad.tensor([3], dtype=minigrad.uint8)]
                        ).dtype == minigrad.uint8


def test_cat_gradient_flows_through_a_promoting_cast():
    x = minigrad.tensor([1.0, 2.0], dtype=minigrad.float32, requires_grad=True)
    y = minigrad.tensor([3.0], dtype=minigrad.float64, requires_grad=True)
    out = minigrad.cat([x, y])
    assert out.dtype == minigrad.float64
    (out * minigrad.tensor([1.0, 2.0, 3.0], dtype=minigrad.float64)).sum().backward()
    assert x.grad.dtype == minigrad.float32 and x.grad.tolist() == [1.0, 2.0]
    assert y.grad.tolist() == [3.0]


def test_cat_skips_legacy_empty_1d_tensors():
    x = minigrad.ones(2, 3)
    assert minigrad.cat([x, minigrad.tensor([]), x], dim=1).shape == (2, 6)


def test_split_pieces_and_narrow_are_views():
    x = minigrad.arange(6.0)
    first, _ = x.split(3)
    first.data[0] = 100.0
    x.narrow(0, 4, 1).data.fill_(-1.0)
    assert x.tolist() == [100.0, 1.0, 2.0, 3.0, -1.0, 5.0]


def test_diagonal_is_a_writable_view():
    m = minigrad.zeros(3, 3)
    m.diagonal().data.fill_(7.0)
    assert m.tolist() == [[7, 0, 0], [0, 7, 0], [0, 0, 7]]


def test_flip_copies():
    x = minigrad.arange(3.0)
    y = x.flip(0)
    y.data[0] = 9.0
    assert x.tolist() == [0.0, 1.0, 2.0]


def test_meshgrid_default_indexing_is_ij():
    a, b = minigrad.meshgrid(minigrad.arange(3), minigrad.arange(2))
    assert a.shape == (3, 2) and a[:, 0].tolist() == [0, 1, 2]
    assert b[0].tolist() == [0, 1]


def test_atleast_keeps_large_tensors_and_returns_tuples_for_many():
    x = minigrad.ones(2, 2, 2)
    assert minigrad.atleast_2d(x) is x
    assert isinstance(minigrad.atleast_1d(x, x), tuple)
    assert minigrad.atleast_3d(minigrad.tensor(1.0)).shape == (1, 1, 1)


def test_chunk_split_and_unbind_edge_sizes():
    x = minigrad.zeros(0, 2)
    assert [c.shape for c in x.chunk(3)] == [(0, 2)] * 3
    assert [c.shape for c in minigrad.zeros(0).split(0)] == [(0,)]
    assert minigrad.arange(5).chunk(3)[-1].tolist() == [4]
    assert x.unbind(0) == ()


@pytest.mark.parametrize("op, node", [
    (lambda x: x.split(1)[0], "SplitWithSizesBackward0"),
    (lambda x: x.unbind()[0], "UnbindBackward0"),
    (lambda x: minigrad.cat([x, x]), "CatBackward0"),
    (lambda x: minigrad.stack([x, x]), "StackBackward0"),
    (lambda x: x.flip(0), "FlipBackward0"),
    (lambda x: x.repeat(2, 1), "RepeatBackward0"),
    (lambda x: x.roll(1), "RollBackward0"),
    (lambda x: x.tril(), "TrilBackward0"),
    (lambda x: x.diagonal(), "DiagonalBackward0"),
])
def test_node_names(op, node):
    x = minigrad.ones(2, 2, requires_grad=True)
    assert op(x).grad_fn.name() == node


def test_unused_split_pieces_get_zero_gradient():
    x = minigrad.arange(4.0, requires_grad=True)
    _, b = x.split(2)
    (b * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 3.0]


def test_repeat_of_0d_and_zero_repeats():
    x = minigrad.tensor(2.0, requires_grad=True)
    x.repeat(3).sum().backward()
    assert x.grad.item() == 3.0
    y = minigrad.ones(2, 3, requires_grad=True)
    out = y.repeat(0, 1)
    assert out.shape == (0, 3)
    out.sum().backward()
    assert y.grad.tolist() == [[0.0] * 3] * 2


# -- hypothesis: random shapes and non-contiguous inputs -------------------------------------------
def _view(array: np.ndarray, kind: str) -> np.ndarray:
    """A non-contiguous NumPy view with ``array``'s values rearranged as ``kind`` says."""
    if kind == "permuted":
        return np.ascontiguousarray(array.T).T
    if kind == "strided":
        doubled = np.repeat(array, 2, axis=-1)
        return doubled[..., ::2]
    if kind == "expanded":
        return np.broadcast_to(array[:1], array.shape)
    return array


@st.composite
def _view_inputs(draw, count: int):
    """``count`` float64 arrays of shape (rows_i, cols): contiguous, permuted, strided or
    expanded views."""
    cols = draw(st.integers(1, 4))
    out = []
    for _ in range(count):
        rows = draw(st.integers(1, 3))
        data = draw(st.lists(st.floats(-10, 10), min_size=rows * cols, max_size=rows * cols))
        kind = draw(st.sampled_from(["contiguous", "permuted", "strided", "expanded"]))
        out.append(_view(np.array(data, dtype=np.float64).reshape(rows, cols), kind))
    return out


@settings(max_examples=25, deadline=None)
@given(arrays=_view_inputs(3), dim=st.sampled_from([0, -2]))
def test_cat_of_views_matches_numpy_with_gradients(arrays, dim):
    leaves = [minigrad.from_numpy(a).requires_grad_() for a in arrays]
    out = minigrad.cat(leaves, dim=dim)
    expected = np.concatenate(arrays, axis=dim)
    assert_close(out, expected)
    weights = np.arange(expected.size, dtype=np.float64).reshape(expected.shape)
    (out * minigrad.tensor(weights)).sum().backward()
    for leaf, w in zip(leaves, np.split(weights, np.cumsum([a.shape[0] for a in arrays])[:-1])):
        assert_close(leaf.grad, w)


@settings(max_examples=25, deadline=None)
@given(arrays=_view_inputs(1), copies=st.integers(1, 3), dim=st.integers(-3, 2))
def test_stack_of_views_matches_numpy_with_gradients(arrays, copies, dim):
    leaf = minigrad.from_numpy(arrays[0]).requires_grad_()
    out = minigrad.stack([leaf] * copies, dim=dim)
    expected = np.stack([arrays[0]] * copies, axis=dim)
    assert_close(out, expected)
    out.sum().backward()
    assert_close(leaf.grad, np.full(arrays[0].shape, float(copies)))


@settings(max_examples=20, deadline=None)
@given(arrays=_view_inputs(1), data=st.data())
def test_split_then_cat_round_trips(arrays, data):
    a = arrays[0]
    size = data.draw(st.integers(1, a.shape[1]))
    pieces = minigrad.from_numpy(a).split(size, dim=1)
    assert [p.shape[1] for p in pieces] == [p.shape[1] for p in np.array_split(
        a, range(size, a.shape[1], size), axis=1)]
    assert_close(minigrad.cat(pieces, dim=1), a)


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, match", [
    (lambda: minigrad.cat([minigrad.ones(2, 3), minigrad.ones(3, 3)], 1), RuntimeError,
     r"Sizes of tensors must match except in dimension 1.*tensor number 1.*\[2, 3\] and \[3, 3\]"),
    (lambda: minigrad.cat([minigrad.ones(2, 3), minigrad.ones(3)]), RuntimeError,
     "same number of dimensions: got 2 and 1"),
    (lambda: minigrad.cat([]), ValueError, "non-empty list"),
    (lambda: minigrad.cat(minigrad.ones(2)), TypeError, "tuple of Tensors"),
    (lambda: minigrad.cat([minigrad.tensor(1.0)]), RuntimeError, "zero-dimensional"),
    (lambda: minigrad.cat([minigrad.ones(2)], dim=1), IndexError, "Dimension out of range"),
    (lambda: minigrad.stack([minigrad.ones(2, 3), minigrad.ones(2, 4)]), RuntimeError,
     r"equal size, but got \[2, 3\] at entry 0 and \[2, 4\] at entry 1"),
    (lambda: minigrad.stack([]), RuntimeError, "non-empty TensorList"),
    (lambda: minigrad.ones(2, 3).split([1, 1], 1), RuntimeError, "sum exactly to 3"),
    (lambda: minigrad.ones(3).split(0), RuntimeError, "split_size can only be 0"),
    (lambda: minigrad.ones(3).chunk(0), RuntimeError, "greater than 0"),
    (lambda: minigrad.ones(2, 3).narrow(1, 2, 2), RuntimeError, r"start \(2\) \+ length \(2\)"),
    (lambda: minigrad.ones(2, 3).narrow(1, 4, 0), IndexError, "start out of range"),
    (lambda: minigrad.ones(2, 3).narrow(1, 0, -1), RuntimeError, "non-negative"),
    (lambda: minigrad.ones(2, 3).select(1, 3), IndexError, "index 3 out of range"),
    (lambda: minigrad.ones(2, 3).repeat(2), RuntimeError, "can not be smaller"),
    (lambda: minigrad.ones(2, 3).repeat(2, -1), RuntimeError, "negative dimension"),
    (lambda: minigrad.ones(2, 3).unflatten(1, (2, 2)), RuntimeError, "don't multiply up"),
    (lambda: minigrad.movedim(minigrad.ones(2, 3), (0, 0), (0, 1)), RuntimeError,
     "repeated dim in `source`"),
    (lambda: minigrad.movedim(minigrad.ones(2, 3), (0, 1), (0,)), RuntimeError,
     "same number of dims"),
    (lambda: minigrad.roll(minigrad.ones(2, 3), (1, 2)), RuntimeError, "must align"),
    (lambda: minigrad.tril(minigrad.ones(3)), RuntimeError, "at least 2 dimensions"),
    (lambda: minigrad.diagonal(minigrad.ones(2, 2), 0, 1, 1), RuntimeError, "cannot be identical"),
    (lambda: minigrad.diag(minigrad.ones(2, 2, 2)), RuntimeError, "Supports 1D or 2D"),
    (lambda: minigrad.flip(minigrad.ones(2, 2), (0, 0)), RuntimeError, "multiple times"),
    (lambda: minigrad.meshgrid(minigrad.ones(2, 2)), RuntimeError, "0D or 1D"),
    (lambda: minigrad.meshgrid(minigrad.ones(2), indexing="foo"), RuntimeError, "indexing must"),
    (lambda: minigrad.meshgrid(minigrad.ones(2), minigrad.arange(2)), RuntimeError, "same dtype"),
])
def test_bad_input_raises_pytorch_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call", [
    lambda lib: lib.cat([lib.ones(2, 3), lib.ones(3, 3)], 1),
    lambda lib: lib.stack([lib.ones(2, 3), lib.ones(2, 4)]),
    lambda lib: lib.ones(2, 3).narrow(1, 4, 0),
    lambda lib: lib.ones(2, 3).select(1, 3),
    lambda lib: lib.ones(2, 3).repeat(2),
    lambda lib: lib.diag(lib.ones(2, 2, 2)),
])
def test_bad_input_exception_types_match_torch(call):
    torch = torch_or_skip()
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(minigrad)
