"""Reductions (minigrad/ops/reduce.py): values against NumPy, values and gradients against
PyTorch, gradcheck and gradgradcheck for every differentiable reduction, hypothesis over dims,
keepdim, the axis alias and non-contiguous views, numerical robustness, REFERENCE.md cases.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from tests.helpers import assert_close, check_gradients, compare_with_torch, torch_or_skip
from tests.ops.strategies import base_array, views

INF = math.inf


def _joined(lib, out):
    """One tensor from a reduction's result: the float parts of tuples joined, so one comparison
    covers (var, mean), (min, max) and the values of (values, indices)."""
    if isinstance(out, tuple) and hasattr(out, "indices"):
        return out.values
    if isinstance(out, tuple):
        return lib.cat([o.reshape(-1) for o in out])
    return out


def _np_var(a, axis=None, ddof=1, keepdims=False):
    return np.var(a, axis=axis, ddof=ddof, keepdims=keepdims)


def _np_lse(a, axis, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis)


def _np_norm(a, p, axis=None, keepdims=False):
    a = np.abs(a)
    if p == INF:
        return np.max(a, axis=axis, keepdims=keepdims)
    if p == -INF:
        return np.min(a, axis=axis, keepdims=keepdims)
    return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1 / p)


def _np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_lower_median(a, axis):
    return np.take(np.sort(a, axis=axis), [(a.shape[axis] - 1) // 2], axis=axis).squeeze(axis)


# name -> (op(lib, x), NumPy reference(a), input shape). Inputs are standard normal (2, 3, 4)
# unless a shape is given; values are distinct, so max/median/sort have no ties.
CASES = {
    "sum": (lambda lib, x: x.sum(), np.sum),
    "sum_dim": (lambda lib, x: lib.sum(x, 1), lambda a: a.sum(1)),
    "sum_dims_keepdim": (lambda lib, x: x.sum((0, 2), keepdim=True),
                         lambda a: a.sum((0, 2), keepdims=True)),
    "sum_axis_alias": (lambda lib, x: x.sum(axis=-1), lambda a: a.sum(-1)),
    "mean": (lambda lib, x: x.mean(), np.mean),
    "mean_dims": (lambda lib, x: lib.mean(x, (-1, 0)), lambda a: a.mean((2, 0))),
    "prod": (lambda lib, x: x.prod(), np.prod),
    "prod_dim_keepdim": (lambda lib, x: lib.prod(x, 1, keepdim=True),
                         lambda a: a.prod(1, keepdims=True)),
    "nansum": (lambda lib, x: lib.nansum(x, 2), lambda a: np.nansum(a, 2)),
    "nanmean": (lambda lib, x: x.nanmean(0), lambda a: np.nanmean(a, 0)),
    "max": (lambda lib, x: x.max(), np.max),
    "min": (lambda lib, x: lib.min(x), np.min),
    "max_dim": (lambda lib, x: x.max(1), lambda a: a.max(1)),
    "min_dim_keepdim": (lambda lib, x: lib.min(x, -1, keepdim=True),
                        lambda a: a.min(-1, keepdims=True)),
    "amax": (lambda lib, x: lib.amax(x, (0, 2)), lambda a: a.max((0, 2))),
    "amin": (lambda lib, x: x.amin(1, keepdim=True), lambda a: a.min(1, keepdims=True)),
    "aminmax": (lambda lib, x: lib.aminmax(x, dim=1),
                lambda a: np.concatenate([a.min(1).ravel(), a.max(1).ravel()])),
    "var": (lambda lib, x: x.var(), lambda a: _np_var(a)),
    "var_dim_biased": (lambda lib, x: lib.var(x, 1, unbiased=False),
                       lambda a: _np_var(a, 1, ddof=0)),
    "var_correction_keepdim": (lambda lib, x: lib.var(x, (0, 2), correction=2, keepdim=True),
                               lambda a: _np_var(a, (0, 2), ddof=2, keepdims=True)),
    "std": (lambda lib, x: lib.std(x), lambda a: np.std(a, ddof=1)),
    "std_dim": (lambda lib, x: x.std(2, keepdim=True), lambda a: np.std(a, 2, ddof=1,
                                                                          keepdims=True)),
    "std_correction0": (lambda lib, x: lib.std(x, 0, correction=0), lambda a: np.std(a, 0)),
    "var_mean": (lambda lib, x: lib.var_mean(x, 1),
                 lambda a: np.concatenate([_np_var(a, 1).ravel(), a.mean(1).ravel()])),
    "std_mean": (lambda lib, x: lib.std_mean(x, (0, 1), keepdim=True),
                 lambda a: np.concatenate([np.std(a, (0, 1), ddof=1).ravel(),
                                           a.mean((0, 1)).ravel()])),
    "logsumexp": (lambda lib, x: lib.logsumexp(x, 1), lambda a: _np_lse(a, 1)),
    "logsumexp_dims": (lambda lib, x: x.logsumexp((0, 2), keepdim=True),
                       lambda a: _np_lse(a, (0, 2), keepdims=True)),
    "norm": (lambda lib, x: x.norm(), lambda a: np.sqrt(np.sum(a * a))),
    "norm_fro_dims": (lambda lib, x: lib.norm(x, "fro", dim=(1, 2)),
                      lambda a: _np_norm(a, 2, (1, 2))),
    "norm_1": (lambda lib, x: lib.norm(x, 1, dim=1), lambda a: _np_norm(a, 1, 1)),
    "norm_3_keepdim": (lambda lib, x: x.norm(3, dim=0, keepdim=True),
                       lambda a: _np_norm(a, 3, 0, keepdims=True)),
    "norm_half": (lambda lib, x: lib.norm(x, 0.5, dim=-1), lambda a: _np_norm(a, 0.5, -1)),
    "norm_inf": (lambda lib, x: lib.norm(x, INF, dim=2), lambda a: _np_norm(a, INF, 2)),
    "norm_neg_inf": (lambda lib, x: lib.norm(x, -INF), lambda a: _np_norm(a, -INF)),
    "cumsum": (lambda lib, x: lib.cumsum(x, 1), lambda a: np.cumsum(a, 1)),
    "cumsum_last": (lambda lib, x: x.cumsum(dim=-1), lambda a: np.cumsum(a, -1)),
    "cumprod": (lambda lib, x: lib.cumprod(x, 2), lambda a: np.cumprod(a, 2)),
    "median": (lambda lib, x: x.median(), lambda a: _np_lower_median(a.ravel(), 0)),
    "median_dim": (lambda lib, x: lib.median(x, 1), lambda a: _np_lower_median(a, 1)),
    "sort": (lambda lib, x: lib.sort(x, 1), lambda a: np.sort(a, 1)),
    "sort_descending": (lambda lib, x: x.sort(dim=0, descending=True),
                        lambda a: -np.sort(-a, 0)),
    "topk": (lambda lib, x: lib.topk(x, 2), lambda a: -np.sort(-a, -1)[..., :2]),
    "topk_smallest": (lambda lib, x: x.topk(2, dim=1, largest=False),
                      lambda a: np.sort(a, 1)[:, :2]),
    "softmax": (lambda lib, x: lib.softmax(x, 1), lambda a: _np_softmax(a, 1)),
    "log_softmax": (lambda lib, x: x.log_softmax(-1), lambda a: np.log(_np_softmax(a, -1))),
}


def _input(name: str, seed: int = 0) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal((2, 3, 4))
    if name.startswith("nan"):
        a[0, 1, 2] = a[1, 0, 0] = np.nan
    return a


@pytest.mark.parametrize("name", list(CASES))
def test_reduction_matches_numpy(name):
    op, ref = CASES[name]
    a = _input(name)
    out = _joined(minigrad, op(minigrad, minigrad.tensor(a)))
    assert out.dtype == minigrad.float64
    assert_close(out, ref(a), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_reduction_matches_torch(name):
    op = CASES[name][0]
    compare_with_torch(lambda lib, x: _joined(lib, op(lib, x)), _input(name).astype(np.float32),
                       rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(CASES))
def test_reduction_gradcheck(name):
    op = CASES[name][0]
    x = minigrad.tensor(_input(name)[:, :, :3], requires_grad=True)
    check_gradients(lambda t: _joined(minigrad, op(minigrad, t)), x)


_HYPOTHESIS_OPS = {
    "sum": (lambda lib, x, kw: lib.sum(x, **kw), lambda a, kw: np.sum(a, **kw)),
    "mean": (lambda lib, x, kw: x.mean(**kw), lambda a, kw: np.mean(a, **kw)),
    "amax": (lambda lib, x, kw: lib.amax(x, **kw), lambda a, kw: np.max(a, **kw)),
    "var": (lambda lib, x, kw: x.var(**kw), lambda a, kw: np.var(a, ddof=1, **kw)),
    "std": (lambda lib, x, kw: lib.std(x, **kw), lambda a, kw: np.std(a, ddof=1, **kw)),
    "nansum": (lambda lib, x, kw: lib.nansum(x, **kw), lambda a, kw: np.nansum(a, **kw)),
    "logsumexp": (lambda lib, x, kw: lib.logsumexp(x, kw["dim"], kw["keepdim"]),
                  lambda a, kw: _np_lse(a, kw["axis"], kw["keepdims"])),
    "norm": (lambda lib, x, kw: lib.norm(x, 2, dim=kw["dim"], keepdim=kw["keepdim"]),
             lambda a, kw: _np_norm(a, 2, kw["axis"], kw["keepdims"])),
}


@pytest.mark.filterwarnings("ignore:var\\(\\)|std\\(\\)|Degrees of freedom|invalid value")
@settings(max_examples=30, deadline=None)
@given(view=views(), name=st.sampled_from(sorted(_HYPOTHESIS_OPS)), data=st.data(),
       seed=st.integers(0, 99))
def test_reduction_over_random_dims_and_views(view, name, data, seed):
    """dim None / int / tuple, keepdim, the axis alias, on permuted, step-sliced and expanded
    inputs: values against NumPy, gradients of the base tensor against PyTorch."""
    op, ref = _HYPOTHESIS_OPS[name]
    ndim = len(view.shape)
    dims = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                              unique_by=lambda d: d % ndim), label="dims")
    dim = data.draw(st.sampled_from([None, dims[0], tuple(dims)]), label="dim")
    if name in ("logsumexp", "norm") and dim is None:
        dim = tuple(range(ndim))
    keepdim = data.draw(st.booleans(), label="keepdim")
    alias = name not in ("logsumexp", "norm") and data.draw(st.booleans(), label="axis alias")
    kw = {"axis" if alias else "dim": dim, "keepdim": keepdim}
    base = base_array(view, seed)
    x = minigrad.tensor(base, requires_grad=True)
    out = op(minigrad, view.apply(x), kw)
    expected = ref(view.apply(base), {"axis": dim, "keepdims": keepdim})
    assert_close(out, expected, rtol=1e-10, atol=1e-12)
    try:
        import torch
    except ImportError:
        return
    if name == "std" and np.any(np.std(view.apply(base), axis=dim) == 0):
        return  # d std at std == 0 depends on rounding noise in the mean (PyTorch's too)
    t = torch.tensor(base, requires_grad=True)
    torch_kw = {"dim": dim, "keepdim": keepdim}
    seed_grad = np.random.default_rng(seed).standard_normal(np.shape(expected))
    op(torch, view.apply(t), torch_kw).backward(torch.tensor(seed_grad))
    out.backward(minigrad.tensor(seed_grad))
    assert_close(x.grad, t.grad, rtol=1e-9, atol=1e-12)


# -- numerical robustness ----------------------------------------------------------------------
def test_float32_sum_and_mean_of_ten_million_elements():
    """Within 1e-5 relative of the float64 result, contiguous or not (NumPy's pairwise
    summation does not cover reductions over outer axes)."""
    a = np.random.default_rng(0).random(10 ** 7, dtype=np.float32)
    x = minigrad.from_numpy(a)
    exact = a.astype(np.float64)
    assert abs(float(x.sum()) / exact.sum() - 1) < 1e-5
    assert abs(float(x.mean()) / exact.mean() - 1) < 1e-5
    columns = x.reshape(-1, 2).sum(0).numpy()  # reduction over the outer axis
    np.testing.assert_allclose(columns, exact.reshape(-1, 2).sum(0), rtol=1e-5)
    strided = x.reshape(-1, 10).t().mean(dim=1).numpy()  # a transposed view
    np.testing.assert_allclose(strided, exact.reshape(-1, 10).mean(0), rtol=1e-5)
    stepped = x[::3].sum()
    assert abs(float(stepped) / exact[::3].sum() - 1) < 1e-5


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_softmax_family_finite_at_large_logits(dtype):
    x = minigrad.tensor([[-1e4, 0.0, 1e4], [1e4, 1e4 - 1, -1e4]], dtype=dtype,
                        requires_grad=True)
    for out in (minigrad.softmax(x, 1), minigrad.log_softmax(x, 1),
                minigrad.logsumexp(x, 1)):
        assert np.all(np.isfinite(out.detach().numpy()))
        out.sum().backward()
        assert np.all(np.isfinite(x.grad.numpy()))
        x.grad = None
    assert_close(minigrad.logsumexp(x, 1), [1e4, 1e4 + math.log1p(math.exp(-1))], rtol=1e-6)
    assert_close(minigrad.log_softmax(x, 1)[0], [-2e4, -1e4, 0.0], rtol=1e-6)


def test_softmax_family_at_large_logits_matches_torch():
    a = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4 - 1, -1e4]], np.float32)
    for op in (lambda lib, x: lib.softmax(x, 1), lambda lib, x: lib.log_softmax(x, 1),
               lambda lib, x: lib.logsumexp(x, 1)):
        compare_with_torch(op, a)


def test_infinite_rows_follow_torch():
    x = minigrad.tensor([[-INF, -INF], [INF, 0.0], [-INF, 1.0]])
    assert_close(minigrad.logsumexp(x, 1), [-INF, INF, 1.0], atol=0)
    assert np.isnan(minigrad.softmax(x, 1)[0].numpy()).all()  # a row of -inf gives nan
    assert np.isnan(minigrad.log_softmax(x, 1)[0].numpy()).all()
    assert_close(minigrad.softmax(x, 1)[2], [0.0, 1.0], atol=0)
    torch = torch_or_skip()
    t = torch.tensor(x.numpy())
    for name in ("logsumexp", "softmax", "log_softmax"):
        assert_close(getattr(minigrad, name)(x, 1), getattr(torch, name)(t, 1), atol=0)


# -- REFERENCE.md cases --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_reference_softmax_overflow(dtype):
    out = minigrad.softmax(minigrad.tensor([1010.0, 1000.0, 990.0], dtype=dtype), dim=0)
    assert not np.isnan(out.numpy()).any()
    assert_close(out, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-5, atol=0)


def test_reference_softmax_table():
    x = minigrad.tensor([0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75])
    expected = [0.0212, 0.0177, 0.0202, 0.0202, 0.0638, 0.0287, 0.0185, 0.0522, 0.0183, 0.7392]
    assert_close(minigrad.softmax(x, dim=0), expected, rtol=0, atol=5e-5)
    assert_close(minigrad.softmax(x, dim=0).sum(), 1.0)


def test_reference_norms():
    assert_close(minigrad.tensor([5.0, 5.0, 5.0]).norm(), 8.660254)
    assert_close(minigrad.norm(minigrad.tensor([1.0, 13.0, 1.0])), 13.076697)


def test_reference_three_layer_sigmoid_net():
    x = minigrad.tensor([1.0, 0.5])
    w1 = minigrad.tensor([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
    b1 = minigrad.tensor([0.1, 0.2, 0.3])
    w2 = minigrad.tensor([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]])
    b2 = minigrad.tensor([0.1, 0.2])
    w3 = minigrad.tensor([[0.1, 0.3], [0.2, 0.4]])
    b3 = minigrad.tensor([0.1, 0.2])
    z1 = minigrad.sigmoid(x @ w1 + b1)
    z2 = minigrad.sigmoid(z1 @ w2 + b2)
    assert_close(z2 @ w3 + b3, [0.31682708, 0.69627909])


def test_reference_argmax_axis_alias():
    y_hat = minigrad.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5], [0.8, 0.1, 0.1]])
    assert y_hat.argmax(axis=1).tolist() == [2, 2, 0]
    assert minigrad.argmax(y_hat, dim=0).tolist() == [2, 0, 0]
    assert minigrad.argmax(y_hat).item() == 6
    assert y_hat.argmax(keepdim=True).shape == (1, 1)


# -- products and scans with zeros ---------------------------------------------------------------
def test_prod_gradient_with_zeros():
    a = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0], [2.0, 3.0, 4.0]])
    x = minigrad.tensor(a, requires_grad=True)
    x.prod(1).sum().backward()
    assert_close(x.grad, [[0, 2, 0], [0, 0, 0], [12, 8, 6]], atol=0)
    x.grad = None
    y = minigrad.tensor([[1.0, 0.0], [5.0, 2.0]], requires_grad=True)
    y.prod().backward()
    assert_close(y.grad, [[0, 10], [0, 0]], atol=0)
    check_gradients(lambda t: t.prod(1), x)
    check_gradients(lambda t: t.prod(0, keepdim=True), x)
    check_gradients(lambda t: t.prod(), minigrad.tensor([1.5, 0.0, 2.0], dtype=minigrad.float64,
                                                        requires_grad=True))


def test_cumprod_gradient_with_zeros():
    a = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0]])
    x = minigrad.tensor(a, requires_grad=True)
    check_gradients(lambda t: t.cumprod(1), x)
    compare_with_torch(lambda lib, t: lib.cumprod(t, 1), a)
    compare_with_torch(lambda lib, t: lib.prod(t, 1), a)


def test_integer_reductions_accumulate_in_int64():
    x = minigrad.tensor([[1, 2], [3, 4]], dtype=minigrad.int32)
    for out in (x.sum(), x.prod(), x.cumsum(0), x.cumprod(1), minigrad.tensor([True]).sum(),
                minigrad.tensor([True, True]).prod()):
        assert out.dtype == minigrad.int64
    assert x.prod().item() == 24 and x.cumsum(1).tolist() == [[1, 3], [3, 7]]
    assert x.max().dtype == minigrad.int32 and x.max(0).values.tolist() == [3, 4]
    with pytest.raises(RuntimeError, match="Got: Int"):
        x.mean()
    with pytest.raises(RuntimeError, match="floating point"):
        x.var()
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        x.norm()
    with pytest.raises(RuntimeError, match="nanmean"):
        x.nanmean()
    assert minigrad.logsumexp(x, 1).dtype == minigrad.float32


# -- indices, order, truth -----------------------------------------------------------------------
def test_sort_and_argsort_are_stable():
    x = minigrad.tensor([3.0, 1.0, 2.0, 1.0, 3.0, np.nan])
    values, indices = x.sort()
    assert indices.tolist() == [1, 3, 2, 0, 4, 5]
    assert values[:5].tolist() == [1.0, 1.0, 2.0, 3.0, 3.0]
    values, indices = minigrad.sort(x, descending=True)
    assert indices.tolist() == [5, 0, 4, 2, 1, 3]  # nan first, ties in index order
    assert minigrad.argsort(x, stable=True).tolist() == [1, 3, 2, 0, 4, 5]
    assert x.argsort(descending=True).dtype == minigrad.int64
    ints = minigrad.tensor([[2, 1, 2], [0, 5, 5]])
    assert ints.argsort(dim=1, descending=True).tolist() == [[0, 2, 1], [1, 2, 0]]


def test_topk_and_median_indices():
    x = minigrad.tensor([[3.0, 1.0, 2.0, 1.0], [4.0, 0.0, 9.0, 7.0]])
    top = x.topk(2)
    assert top.indices.tolist() == [[0, 2], [2, 3]] and top.values.tolist() == [[3, 2], [9, 7]]
    assert minigrad.topk(x, 2, largest=False).indices.tolist() == [[1, 3], [1, 0]]  # stable
    x[0, 3] = 0.5  # PyTorch's median index among equal values is unspecified: no ties below
    assert minigrad.topk(x, 0).values.shape == (2, 0)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        x.topk(5)
    med = x.median(1)
    assert med.values.tolist() == [1.0, 4.0] and med.indices.tolist() == [1, 0]
    assert x.median().item() == 2.0  # the lower of the two middle values
    nan = minigrad.tensor([[1.0, np.nan, 0.0]]).median(1)
    assert np.isnan(nan.values.item()) and nan.indices.tolist() == [1]
    assert np.isnan(minigrad.tensor([]).median().item())


def test_all_any_count_nonzero():
    x = minigrad.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    assert x.all().item() is False and x.any().item() is True
    assert minigrad.all(x, dim=1).tolist() == [False, True]
    assert x.any(0, keepdim=True).shape == (1, 3)
    assert minigrad.all(x > -1, dim=(0, 1)).dtype == minigrad.bool
    assert minigrad.tensor([1, 2], dtype=minigrad.uint8).all().dtype == minigrad.uint8
    assert minigrad.count_nonzero(x).item() == 5
    assert x.count_nonzero(dim=0).tolist() == [1, 2, 2]
    assert x.count_nonzero(dim=(0, 1)).dtype == minigrad.int64


def test_equal():
    a = minigrad.tensor([1.0, 2.0])
    assert minigrad.equal(a, minigrad.tensor([1.0, 2.0], dtype=minigrad.float64))
    assert a.equal(minigrad.tensor([1, 2]))
    assert not minigrad.equal(a, minigrad.tensor([[1.0, 2.0]]))
    assert not minigrad.equal(minigrad.tensor([np.nan]), minigrad.tensor([np.nan]))


def test_var_argument_forms():
    x = minigrad.tensor(np.random.default_rng(0).standard_normal((3, 4)))
    a = x.numpy()
    assert_close(minigrad.var(x, True), np.var(a, ddof=1))
    assert_close(minigrad.var(x, False), np.var(a))
    assert_close(x.var(1, True, True), np.var(a, 1, ddof=1, keepdims=True))
    assert_close(x.std(dim=0, unbiased=False), np.std(a, 0))
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert np.isnan(minigrad.tensor([1.0]).var().item())
    with pytest.raises(RuntimeError, match="both unbiased and correction"):
        x.var(unbiased=True, correction=0)


def test_empty_inputs_raise_as_torch():
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        minigrad.tensor([]).max()
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        minigrad.zeros(0, 3).max(0)
    with pytest.raises(IndexError, match="argmax"):
        minigrad.zeros(0, 3).argmax()
    assert minigrad.zeros(0, 3).amax(1).shape == (0,)
    assert minigrad.tensor([]).prod().item() == 1.0
    assert minigrad.tensor([]).sum().item() == 0.0
    assert np.isnan(minigrad.tensor([]).mean().item())
    assert minigrad.logsumexp(minigrad.zeros(2, 0), 1).tolist() == [-INF, -INF]


def test_bad_dims():
    x = minigrad.ones(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        x.sum(2)
    with pytest.raises(RuntimeError, match="appears multiple times"):
        x.sum((0, -2))
    with pytest.raises(TypeError):
        x.cumsum()
    with pytest.raises(TypeError, match="both 'dim' and its alias 'axis'"):
        x.sum(dim=0, axis=0)


def test_methods_are_bound():
    x = minigrad.tensor([[1.0, 4.0], [2.0, 3.0]])
    for name in ("prod", "nansum", "nanmean", "var", "std", "norm", "all", "any",
                 "count_nonzero", "median"):
        assert_close(getattr(x, name)(), getattr(minigrad, name)(x), atol=0)
    for name in ("cumsum", "cumprod", "logsumexp"):
        assert_close(getattr(x, name)(1), getattr(minigrad, name)(x, 1), atol=0)
    assert x.sort().values.tolist() == [[1.0, 4.0], [2.0, 3.0]]
    assert x.topk(1).values.tolist() == [[4.0], [3.0]]
    assert x.argsort(0).tolist() == [[0, 1], [1, 0]]
    assert [t.tolist() for t in x.var_mean(0)] == [[0.5, 0.5], [1.5, 3.5]]
    assert [t.item() for t in x.aminmax()] == [1.0, 4.0]
    assert_close(x.std_mean()[1], 2.5)
