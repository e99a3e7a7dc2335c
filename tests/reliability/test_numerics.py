"""Numerical robustness: losses and activations at extreme logits, -inf rows, BCE's clamp,
and float32 reductions over 10**7 elements.

Expected values come from stable float64 formulas (always) and from PyTorch (when installed),
for values and gradients, in float32 and float64.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from tests.helpers import assert_close, torch_or_skip

EXTREME = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [1e4, 1e4, -1e4]])
DTYPES = [minigrad.float32, minigrad.float64]


def _np(dtype) -> type:
    return np.float32 if dtype == minigrad.float32 else np.float64


def _leaf(values, dtype):
    return minigrad.tensor(np.asarray(values, dtype=_np(dtype)), requires_grad=True)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _finite_value_and_grad(out, leaf) -> None:
    assert np.isfinite(out._data).all(), out
    out.sum().backward()
    assert np.isfinite(leaf.grad._data).all(), leaf.grad


ACTIVATIONS = {
    "sigmoid": (lambda t: t.sigmoid(), lambda x: np.exp(-np.logaddexp(0.0, -x))),
    "softplus": (lambda t: F.softplus(t), _softplus),
    "log_softmax": (lambda t: F.log_softmax(t, dim=1), _log_softmax),
    "logsumexp": (lambda t: minigrad.logsumexp(t, dim=1),
                  lambda x: np.logaddexp.reduce(x, axis=1)),
    "logsigmoid": (lambda t: F.logsigmoid(t), lambda x: -_softplus(-x)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_at_extreme_logits(name, dtype):
    """Finite values equal to the stable formula, finite gradients, at logits of ±1e4."""
    ours_fn, expected_fn = ACTIVATIONS[name]
    x = _leaf(EXTREME, dtype)
    out = ours_fn(x)
    assert_close(out, expected_fn(EXTREME), rtol=1e-6, atol=1e-6)
    _finite_value_and_grad(out, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_extreme_logits(dtype, reduction):
    """CE with the correct class at +1e4 is 0, at -1e4 is 2e4: finite, and so is the grad."""
    target = np.array([0, 0, 2])
    x = _leaf(EXTREME, dtype)
    loss = F.cross_entropy(x, minigrad.tensor(target), reduction=reduction)
    per_row = -_log_softmax(EXTREME)[np.arange(3), target]
    assert_close(loss, per_row.mean() if reduction == "mean" else per_row, rtol=1e-6)
    _finite_value_and_grad(loss, x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_extreme(dtype):
    """max(x, 0) - x*y + log1p(exp(-|x|)): exact at ±1e4 for both targets."""
    x = _leaf([1e4, -1e4, 1e4, -1e4, 0.0], dtype)
    y = minigrad.tensor(np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=_np(dtype)))
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert_close(loss, [0.0, 0.0, 1e4, 1e4, np.log(2.0)], rtol=1e-6)
    _finite_value_and_grad(loss, x)
    assert_close(x.grad, [0.0, 0.0, 1.0, -1.0, -0.5], atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_log_is_clamped_at_minus_100(dtype):
    """Probabilities 0 and 1 against the wrong target: log clamped at -100, loss 100, as
    PyTorch; the right target gives 0. Gradients stay finite."""
    p = _leaf([0.0, 1.0, 0.0, 1.0], dtype)
    y = minigrad.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=_np(dtype)))
    loss = F.binary_cross_entropy(p, y, reduction="none")
    assert_close(loss, [100.0, 100.0, 0.0, 0.0])
    mean = F.binary_cross_entropy(p, y)
    assert_close(mean, 50.0)
    _finite_value_and_grad(loss, p)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_of_a_row_of_minus_inf(dtype):
    """A row of -inf has no defined softmax: NaN, as PyTorch; other rows are unaffected, and
    a row with one finite entry puts all mass there."""
    x = np.array([[-np.inf, -np.inf, -np.inf], [0.0, -np.inf, 1.0], [-np.inf, 3.0, -np.inf]],
                 dtype=_np(dtype))
    s = F.softmax(minigrad.tensor(x), dim=1)._data
    assert np.isnan(s[0]).all()
    assert_close(s[1], [1 / (1 + np.e), 0.0, np.e / (1 + np.e)], rtol=1e-6)
    assert_close(s[2], [0.0, 1.0, 0.0])
    ls = F.log_softmax(minigrad.tensor(x), dim=1)._data
    assert np.isnan(ls[0]).all()
    assert ls[2, 1] == 0.0 and np.isneginf(ls[2, 0])


def test_numerics_match_pytorch():
    """Same values and gradients as PyTorch for every case above, float32 and float64."""
    torch = torch_or_skip()
    tF = torch.nn.functional
    cases = {
        "sigmoid": (lambda lib, t: t.sigmoid()),
        "softplus": (lambda lib, t: (F if lib is minigrad else tF).softplus(t)),
        "log_softmax": (lambda lib, t: (F if lib is minigrad else tF).log_softmax(t, dim=1)),
        "softmax": (lambda lib, t: (F if lib is minigrad else tF).softmax(t, dim=1)),
        "logsumexp": (lambda lib, t: lib.logsumexp(t, dim=1)),
        "cross_entropy": (lambda lib, t: (F if lib is minigrad else tF).cross_entropy(
            t, lib.tensor([0, 0, 2]))),
        "bce_logits": (lambda lib, t: (F if lib is minigrad else tF)
                       .binary_cross_entropy_with_logits(t, (t.detach() > 0).to(t.dtype))),
        "bce_clamped": (lambda lib, t: (F if lib is minigrad else tF).binary_cross_entropy(
            t.clamp(0, 1), (t.detach() < 0).to(t.dtype))),
    }
    data = np.concatenate([EXTREME, [[-np.inf, -np.inf, -np.inf]]])
    for np_dtype, t_dtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        for name, fn in cases.items():
            rows = data if name in ("softmax", "log_softmax") else EXTREME
            ours = minigrad.tensor(rows.astype(np_dtype), requires_grad=True)
            theirs = torch.tensor(rows.astype(np_dtype), dtype=t_dtype, requires_grad=True)
            out, expected = fn(minigrad, ours), fn(torch, theirs)
            assert_close(out, expected, rtol=1e-6, atol=1e-6)
            finite = np.isfinite(expected.detach().numpy()).all()
            if finite:
                out.sum().backward()
                expected.sum().backward()
                assert_close(ours.grad, theirs.grad, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_float32_reduction_of_ten_million(op):
    """float32 sum/mean over 10**7 values within 1e-5 relative of the float64 result
    (naive left-to-right float32 accumulation is off by ~1e-3 here)."""
    rng = np.random.default_rng(0)
    data = (rng.random(10 ** 7, dtype=np.float32) + np.float32(0.5))
    expected = getattr(data.astype(np.float64), op)()
    x = minigrad.tensor(data)
    got = float(getattr(x, op)())
    assert abs(got - expected) <= 1e-5 * abs(expected)
    # The same along a dimension of a 2-D view (the kernel path for dim reductions).
    got_rows = getattr(minigrad.tensor(data.reshape(10, 10 ** 6)), op)(dim=1)._data
    exp_rows = getattr(data.reshape(10, 10 ** 6).astype(np.float64), op)(axis=1)
    np.testing.assert_allclose(got_rows, exp_rows, rtol=1e-5)
    # And along the non-contiguous dimension (strided accumulation).
    got_cols = getattr(minigrad.tensor(data.reshape(10 ** 6, 10)), op)(dim=0)._data
    exp_cols = getattr(data.reshape(10 ** 6, 10).astype(np.float64), op)(axis=0)
    np.testing.assert_allclose(got_cols, exp_cols, rtol=1e-5)
