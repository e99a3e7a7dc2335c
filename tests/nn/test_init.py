"""nn.init: distributions (statistics on large tensors), fan rules, gains, in-place semantics
and reproducibility."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.nn import init
from tests.helpers import torch_or_skip

# 60,000 samples: sample means / stds are within ~1% of the true values.
BIG = (200, 300)


def stats(t) -> tuple:
    a = t.detach().numpy().astype(np.float64)
    return a.mean(), a.std(), a.min(), a.max()


def test_uniform_and_normal():
    t = init.uniform_(minigrad.empty(*BIG), a=-2.0, b=4.0)
    mean, std, lo, hi = stats(t)
    assert -2.0 <= lo and hi <= 4.0 and abs(mean - 1.0) < 0.05
    assert abs(std - 6 / math.sqrt(12)) < 0.02
    mean, std, _, _ = stats(init.normal_(minigrad.empty(*BIG), mean=3.0, std=0.5))
    assert abs(mean - 3.0) < 0.01 and abs(std - 0.5) < 0.01
    mean, _, lo, hi = stats(init.uniform_(minigrad.empty(*BIG)))
    assert 0 <= lo and hi <= 1 and abs(mean - 0.5) < 0.01


def test_trunc_normal():
    mean, std, lo, hi = stats(init.trunc_normal_(minigrad.empty(*BIG)))
    # N(0, 1) truncated to [-2, 2]: var = 1 - 2 * 2 * phi(2) / (Phi(2) - Phi(-2))
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    z = math.erf(2 / math.sqrt(2))
    assert -2 <= lo and hi <= 2 and abs(mean) < 0.01
    assert abs(std - math.sqrt(1 - 4 * phi2 / z)) < 0.01
    # asymmetric window: mean = mu + sigma * (phi(alpha) - phi(beta)) / Z
    mu, sigma, a, b = 1.0, 2.0, 0.0, 3.0
    alpha, beta = (a - mu) / sigma, (b - mu) / sigma

    def pdf(x: float) -> float:
        return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)

    def cdf(x: float) -> float:
        return (1 + math.erf(x / math.sqrt(2))) / 2

    expected = mu + sigma * (pdf(alpha) - pdf(beta)) / (cdf(beta) - cdf(alpha))
    mean, _, lo, hi = stats(init.trunc_normal_(minigrad.empty(*BIG), mu, sigma, a, b))
    assert a <= lo and hi <= b and abs(mean - expected) < 0.01
    # a window in the far tail (inverse-CDF sampling, no rejection loop) still lands in [a, b]
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        t = init.trunc_normal_(minigrad.empty(1000), mean=0.0, std=1.0, a=3.0, b=4.0)
    _, _, lo, hi = stats(t)
    assert 3.0 <= lo and hi <= 4.0
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        init.trunc_normal_(minigrad.empty(10), mean=10.0, a=-2.0, b=2.0)


def test_ndtri_accuracy():
    from minigrad.nn.init import _ndtri

    p = np.array([1e-10, 0.001, 0.025, 0.5, 0.975, 0.999])
    expected = np.array([-6.361340902404056, -3.090232306167813, -1.959963984540054, 0.0,
                         1.959963984540054, 3.090232306167813])
    np.testing.assert_allclose(_ndtri(p), expected, rtol=1e-8, atol=1e-9)


def test_constant_ones_zeros_eye():
    t = minigrad.empty(3, 4)
    assert init.constant_(t, 2.5) is t and float(t.sum()) == 30.0
    assert float(init.ones_(t).sum()) == 12.0
    assert float(init.zeros_(t).sum()) == 0.0
    np.testing.assert_array_equal(init.eye_(minigrad.empty(2, 3)).numpy(), np.eye(2, 3))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(minigrad.empty(3))


def test_dirac_is_identity_convolution():
    w = init.dirac_(minigrad.empty(4, 2, 3, 3), groups=2)
    a = w.numpy()
    assert a.sum() == 4
    for g in range(2):
        for d in range(2):
            assert a[g * 2 + d, d, 1, 1] == 1
    assert init.dirac_(minigrad.empty(3, 3, 5)).numpy()[:, :, 2].tolist() == np.eye(3).tolist()
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(minigrad.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(minigrad.empty(3, 3, 3), groups=2)


def test_fan_in_fan_out_rules():
    fan = init._calculate_fan_in_and_fan_out
    assert fan(minigrad.empty(8, 4)) == (4, 8)  # Linear weight (out, in)
    assert fan(minigrad.empty(16, 3, 5, 5)) == (75, 400)  # Conv2d (out, in, kh, kw)
    assert fan(minigrad.empty(6, 2, 3)) == (6, 18)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        fan(minigrad.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(minigrad.empty(2, 2), mode="fan_avg")


def test_calculate_gain_values():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_xavier():
    fan_in, fan_out = 300, 200
    bound = math.sqrt(6 / (fan_in + fan_out))
    mean, std, lo, hi = stats(init.xavier_uniform_(minigrad.empty(*BIG), gain=2.0))
    assert -2 * bound <= lo and hi <= 2 * bound and hi > 1.9 * bound
    assert abs(std - 2 * bound / math.sqrt(3)) < 0.01 * 2 * bound
    mean, std, _, _ = stats(init.xavier_normal_(minigrad.empty(*BIG)))
    assert abs(std - math.sqrt(2 / (fan_in + fan_out))) < 0.01 * std and abs(mean) < 0.01 * std


def test_kaiming():
    # a = sqrt(5), fan_in: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) -- nn.Linear's default init
    w = init.kaiming_uniform_(minigrad.empty(*BIG), a=math.sqrt(5))
    _, std, lo, hi = stats(w)
    bound = 1 / math.sqrt(300)
    assert -bound <= lo and hi <= bound and hi > 0.99 * bound
    _, std, _, _ = stats(init.kaiming_normal_(minigrad.empty(*BIG), mode="fan_out",
                                              nonlinearity="relu"))
    assert abs(std - math.sqrt(2 / 200)) < 0.01 * std
    conv = init.kaiming_normal_(minigrad.empty(64, 8, 3, 3), nonlinearity="relu")
    assert abs(stats(conv)[1] - math.sqrt(2 / 72)) < 0.02 * math.sqrt(2 / 72)
    empty = minigrad.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(empty) is empty


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (4, 2, 3)])
def test_orthogonal(shape):
    w = init.orthogonal_(minigrad.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, 4 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(minigrad.empty(3))


def test_sparse():
    w = init.sparse_(minigrad.empty(10, 50), sparsity=0.3, std=0.5)
    zeros_per_column = (w.numpy() == 0).sum(axis=0)
    assert (zeros_per_column == 3).all()


def test_in_place_on_parameters_without_graph():
    p = nn.Parameter(minigrad.zeros(4, 3))
    alias = p.data
    version = p._version
    out = init.normal_(p)
    assert out is p and p.is_leaf and p.grad_fn is None and p.requires_grad
    assert float(abs(alias).sum()) > 0  # storage written in place: aliases see it
    assert p._version > version
    assert p.dtype == minigrad.float32
    d = init.xavier_uniform_(minigrad.empty(3, 4, dtype=minigrad.float64))
    assert d.dtype == minigrad.float64


def test_reproducible_under_manual_seed_and_generator():
    minigrad.manual_seed(123)
    a = init.kaiming_uniform_(minigrad.empty(5, 5)).numpy().copy()
    b = init.trunc_normal_(minigrad.empty(5)).numpy().copy()
    minigrad.manual_seed(123)
    np.testing.assert_array_equal(init.kaiming_uniform_(minigrad.empty(5, 5)).numpy(), a)
    np.testing.assert_array_equal(init.trunc_normal_(minigrad.empty(5)).numpy(), b)
    g1, g2 = minigrad.Generator().manual_seed(7), minigrad.Generator().manual_seed(7)
    x = init.normal_(minigrad.empty(6), generator=g1).numpy()
    np.testing.assert_array_equal(init.normal_(minigrad.empty(6), generator=g2).numpy(), x)


def test_deprecated_aliases_warn():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = init.xavier_uniform(minigrad.empty(3, 3))
    assert t.shape == (3, 3)
    assert any("nn.init.xavier_uniform_" in str(w.message) for w in caught)


# -- PyTorch parity ------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(8, 4), (16, 3, 5, 5), (6, 2, 3), (3, 7, 2, 2, 2), (1, 1)])
def test_fans_match_torch(shape):
    torch = torch_or_skip()
    ours = init._calculate_fan_in_and_fan_out(minigrad.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    for mode in ("fan_in", "fan_out"):
        assert init._calculate_correct_fan(minigrad.empty(*shape), mode) == \
            torch.nn.init._calculate_correct_fan(torch.empty(*shape), mode)


@pytest.mark.parametrize("args", [("linear",), ("conv_transpose2d",), ("sigmoid",), ("tanh",),
                                  ("relu",), ("leaky_relu",), ("leaky_relu", 0.3),
                                  ("leaky_relu", 2), ("selu",)])
def test_gain_matches_torch(args):
    torch = torch_or_skip()
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


def test_distribution_statistics_match_torch():
    """Each initialiser's spread on the same shape matches PyTorch's within sampling error."""
    torch = torch_or_skip()
    torch.manual_seed(0)
    cases = [
        ("xavier_uniform_", (64, 32, 3, 3), {}),
        ("xavier_normal_", (64, 32, 3, 3), {"gain": 0.5}),
        ("kaiming_uniform_", (64, 32, 3, 3), {"a": math.sqrt(5)}),
        ("kaiming_normal_", (64, 32, 3, 3), {"mode": "fan_out", "nonlinearity": "relu"}),
        ("orthogonal_", (64, 288), {"gain": 1.5}),
    ]
    for name, shape, kwargs in cases:
        ours = getattr(init, name)(minigrad.empty(*shape), **kwargs).numpy().astype(np.float64)
        theirs = getattr(torch.nn.init, name)(torch.empty(*shape), **kwargs).double().numpy()
        assert abs(ours.std() - theirs.std()) < 0.03 * theirs.std(), name
        assert abs(ours.mean() - theirs.mean()) < 0.03 * theirs.std() + 1e-3, name
        if name in ("xavier_uniform_", "kaiming_uniform_"):  # bounded
            assert ours.min() >= theirs.min() - 0.01 * np.ptp(theirs), name
            assert ours.max() <= theirs.max() + 0.01 * np.ptp(theirs), name
