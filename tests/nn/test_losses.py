"""Losses (functional and modules): the REFERENCE.md figures, every reduction against PyTorch,
gradcheck / gradgradcheck, numerical stability and PyTorch's errors and warnings."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.autograd import gradcheck, gradgradcheck
from tests.helpers import assert_close, torch_or_skip

RNG = np.random.default_rng(99)
REDUCTIONS = ["mean", "sum", "none"]


def _d(*shape, low=None, high=None, seed=0, grad=True) -> minigrad.Tensor:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return minigrad.tensor(a, dtype=minigrad.float64, requires_grad=grad)


def _parity(loss_name, arrays, rtol=1e-10, atol=1e-12, **kwargs):
    """The loss module ``loss_name`` in both libraries on the same arrays: value, dtype and the
    gradient of every float input."""
    torch = torch_or_skip()
    module_kwargs = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v)
                     for k, v in kwargs.items()}
    ours_kwargs = {k: (minigrad.tensor(v) if isinstance(v, np.ndarray) else v)
                   for k, v in kwargs.items()}
    mine = [minigrad.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ref = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = getattr(nn, loss_name)(**ours_kwargs)(*mine)
    expected = getattr(torch.nn, loss_name)(**module_kwargs)(*ref)
    assert_close(out, expected, rtol=rtol, atol=atol)
    assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    seed = RNG.standard_normal(tuple(expected.shape)).astype(np.asarray(out._data).dtype)
    out.backward(minigrad.tensor(seed))
    expected.backward(torch.tensor(seed))
    for m, r in zip(mine, ref):
        if r.grad is not None:
            assert_close(m.grad, r.grad, rtol=rtol, atol=atol)


# -------------------------------------------------------------------------------------------------
# REFERENCE.md figures
# -------------------------------------------------------------------------------------------------
def test_cross_entropy_reference_value_and_gradient():
    logits = minigrad.tensor([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(logits, minigrad.tensor([1, 2]))
    assert_close(loss, 1.1200755, rtol=1e-6)
    loss.backward()
    assert_close(logits.grad, [[0.14319, -0.28638, 0.14319], [0.12457, 0.25086, -0.37543]],
                 atol=1e-5)
    onehot = minigrad.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert_close(nn.CrossEntropyLoss()(logits, onehot), 1.1200755, rtol=1e-6)


def test_bce_l1_mse_smooth_l1_reference_values():
    bce = nn.BCELoss()(minigrad.tensor([0.6901, 0.5459, 0.2469]), minigrad.tensor([0.0, 1, 0]))
    assert_close(bce, 0.6867941, rtol=1e-6)
    a, b = minigrad.tensor([1.0, 1.0, 1.9]), minigrad.tensor([2.0, 2.0, 2.0])
    assert_close(nn.L1Loss()(a, b), 0.7, rtol=1e-6)
    assert_close(nn.MSELoss()(a, b), 0.67, rtol=1e-6)
    x = minigrad.tensor([0.6, 0.4], requires_grad=True)
    loss = nn.SmoothL1Loss()(x, minigrad.tensor([0, 3]))
    assert loss.dtype == minigrad.float32
    assert_close(loss, 1.14, rtol=1e-6)
    loss.backward()
    assert_close(x.grad, [0.3, -0.5], rtol=1e-6)


# -------------------------------------------------------------------------------------------------
# regression losses
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [
    ("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.5}),
    ("SmoothL1Loss", {"beta": 0.0}), ("HuberLoss", {}), ("HuberLoss", {"delta": 0.3}),
])
def test_regression_losses_match_torch(name, kwargs, reduction):
    x, y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    _parity(name, [x, y], reduction=reduction, **kwargs)
    _parity(name, [x.astype(np.float32), y.astype(np.float32)], rtol=1e-5, atol=1e-6,
            reduction=reduction, **kwargs)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_gradcheck(name):
    fn = getattr(F, name)
    x, y = _d(2, 3), _d(2, 3, seed=1)
    assert gradcheck(fn, (x, y))
    assert gradgradcheck(fn, (x, y))
    assert gradcheck(lambda a, b: fn(a, b, reduction="none"), (x, y))


def test_weighted_mse_and_l1_match_torch():
    torch = torch_or_skip()
    x, y, w = RNG.standard_normal(4), RNG.standard_normal(4), RNG.uniform(0.1, 1, 4)
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        ours = getattr(F, name)(minigrad.tensor(x), minigrad.tensor(y), weight=minigrad.tensor(w))
        ref = getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(y),
                                                 weight=torch.tensor(w))
        assert_close(ours, ref, rtol=1e-12)


def test_regression_target_broadcast_warns_and_mismatch_raises():
    with pytest.warns(UserWarning, match=r"Using a target size \(minigrad.Size\(\[3\]\)\) that "
                                         r"is different to the input size"):
        out = F.mse_loss(minigrad.randn(3, 1), minigrad.randn(3))
    assert out.shape == ()
    with pytest.raises(RuntimeError, match="The size of tensor a \\(3\\) must match the size of "
                                           "tensor b \\(2\\)"):
        with pytest.warns(UserWarning):
            F.mse_loss(minigrad.randn(3), minigrad.randn(2))
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.mse_loss(minigrad.randn(3), minigrad.randn(3), reduction="avg")
    with pytest.raises(RuntimeError, match="smooth_l1_loss does not support negative values"):
        F.smooth_l1_loss(minigrad.randn(3), minigrad.randn(3), beta=-1)
    with pytest.raises(RuntimeError, match="huber_loss does not support non-positive values"):
        F.huber_loss(minigrad.randn(3), minigrad.randn(3), delta=0)


def test_legacy_size_average_and_reduce_arguments():
    x, y = minigrad.tensor([1.0, 2.0]), minigrad.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum" and loss(x, y).item() == 5.0
    with pytest.warns(UserWarning):
        assert F.l1_loss(x, y, reduce=False).tolist() == [1.0, 2.0]


# -------------------------------------------------------------------------------------------------
# cross-entropy and NLL
# -------------------------------------------------------------------------------------------------
CE_CASES = [
    ((4, 5), {}), ((4, 5), {"label_smoothing": 0.2}), ((4, 5), {"ignore_index": 1}),
    ((4, 5), {"weight": np.array([0.2, 1.0, 0.5, 2.0, 1.5])}),
    ((4, 5), {"weight": np.array([0.2, 1.0, 0.5, 2.0, 1.5]), "ignore_index": 3,
              "label_smoothing": 0.1}),
    ((2, 3, 2, 2), {}), ((2, 3, 4), {"weight": np.array([1.0, 2.0, 0.5]), "ignore_index": 0}),
    ((5,), {}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,kwargs", CE_CASES)
def test_cross_entropy_with_class_indices_matches_torch(shape, kwargs, reduction):
    x = RNG.standard_normal(shape) * 2
    target_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    y = RNG.integers(0, shape[0 if len(shape) == 1 else 1], target_shape)
    _parity("CrossEntropyLoss", [x, y], reduction=reduction, **kwargs)
    weight = kwargs.get("weight")
    kw32 = dict(kwargs, weight=weight.astype(np.float32)) if weight is not None else kwargs
    _parity("CrossEntropyLoss", [x.astype(np.float32), y], rtol=1e-5, atol=1e-6,
            reduction=reduction, **kw32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.3},
                                    {"weight": np.array([0.5, 2.0, 1.0])}])
def test_cross_entropy_with_class_probabilities_matches_torch(kwargs, reduction):
    x = RNG.standard_normal((4, 3, 2))
    p = RNG.uniform(size=(4, 3, 2))
    p /= p.sum(1, keepdims=True)
    _parity("CrossEntropyLoss", [x, p], reduction=reduction, **kwargs)


def test_cross_entropy_gradcheck_and_double_backward():
    y = minigrad.tensor([0, 2, 1])
    w = minigrad.tensor([0.5, 2.0, 1.0], dtype=minigrad.float64)
    for kwargs in ({}, {"weight": w, "label_smoothing": 0.2}, {"ignore_index": 2},
                   {"reduction": "none"}, {"reduction": "sum"}):
        def fn(a, kwargs=kwargs):
            return F.cross_entropy(a, y, **kwargs)

        assert gradcheck(fn, (_d(3, 3),))
        assert gradgradcheck(fn, (_d(3, 3),))
    probs = _d(3, 3, low=0.1, high=1.0, seed=1)
    for kwargs in ({}, {"label_smoothing": 0.1, "weight": w}):
        def fn(a, t, kwargs=kwargs):
            return F.cross_entropy(a, t, **kwargs)

        assert gradcheck(fn, (_d(3, 3), probs))
        assert gradgradcheck(fn, (_d(3, 3), probs))
    assert gradgradcheck(lambda a: F.cross_entropy(a, minigrad.tensor([[1, 0]])), (_d(1, 3, 2),))


def test_cross_entropy_backward_is_softmax_minus_onehot():
    logits = _d(4, 5)
    target = minigrad.tensor([0, 4, 2, 2])
    F.cross_entropy(logits, target, reduction="sum").backward()
    expected = F.softmax(logits.detach(), 1).numpy() - np.eye(5)[target.numpy()]
    assert_close(logits.grad, expected, rtol=1e-12)
    assert logits.grad.dtype == minigrad.float64


def test_cross_entropy_is_stable_for_huge_logits():
    logits = minigrad.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], requires_grad=True)
    loss = F.cross_entropy(logits, minigrad.tensor([0, 0]))
    assert_close(loss, 1e4, rtol=1e-6)
    loss.backward()
    assert np.all(np.isfinite(logits.grad.numpy()))
    assert_close(logits.grad, [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]], atol=1e-6)


def test_cross_entropy_errors():
    x = minigrad.randn(2, 3)
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.cross_entropy(x, minigrad.tensor([0, 5]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        F.cross_entropy(x, minigrad.tensor([0, -1]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target "
                                         r"batch_size \(3\)."):
        F.cross_entropy(x, minigrad.tensor([0, 1, 1]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 5\]"):
        F.cross_entropy(minigrad.randn(2, 3, 4), minigrad.zeros(2, 5, dtype=minigrad.int64))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got "
                                           "Float"):
        F.cross_entropy(x, minigrad.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 3 "
                                           "classes or no classes"):
        F.cross_entropy(x, minigrad.tensor([0, 1]), weight=minigrad.ones(4))
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point"):
        F.cross_entropy(x, minigrad.rand(2, 3), ignore_index=1)
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, minigrad.tensor([0, 1]), label_smoothing=1.5)
    assert np.isnan(F.cross_entropy(x, minigrad.tensor([-100, -100])).item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"weight": np.array([0.2, 1.0, 3.0])},
                                    {"weight": np.array([0.2, 1.0, 3.0]), "ignore_index": 1}])
def test_nll_loss_matches_torch(kwargs, reduction):
    x = RNG.standard_normal((5, 3))
    y = np.array([0, 1, 2, 2, 1])
    _parity("NLLLoss", [x, y], reduction=reduction, **kwargs)
    _parity("NLLLoss", [RNG.standard_normal((2, 3, 2, 2)), RNG.integers(0, 3, (2, 2, 2))],
            reduction=reduction, **kwargs)


def test_nll_loss_weighted_mean_and_gradgradcheck():
    logp = minigrad.tensor([[-1.0, -2.0], [-3.0, -4.0]])
    out = F.nll_loss(logp, minigrad.tensor([0, 1]), weight=minigrad.tensor([1.0, 3.0]))
    assert_close(out, (1.0 * 1 + 3.0 * 4) / 4.0)

    def fn(a):
        return F.nll_loss(a, minigrad.tensor([1, 0, 1]))

    assert gradcheck(fn, (_d(3, 2),))
    assert gradgradcheck(fn, (_d(3, 2),))
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.nll_loss(logp, minigrad.tensor([0, 5]))


# -------------------------------------------------------------------------------------------------
# binary cross-entropy
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_torch(reduction):
    x = np.array([[0.01, 0.3, 0.99], [0.9, 0.5, 1e-5]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.2, 1.0]])
    _parity("BCELoss", [x, y], reduction=reduction)
    _parity("BCELoss", [x.astype(np.float32), y.astype(np.float32)], rtol=1e-5, atol=1e-5,
            reduction=reduction, weight=np.array([0.5, 1.0, 2.0], np.float32))


def test_bce_clamps_logs_at_minus_100_like_torch():
    torch = torch_or_skip()
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    ours = minigrad.tensor(x, requires_grad=True)
    ref = torch.tensor(x, requires_grad=True)
    out = F.binary_cross_entropy(ours, minigrad.tensor(y), reduction="none")
    expected = torch.nn.functional.binary_cross_entropy(ref, torch.tensor(y), reduction="none")
    assert_close(out, expected)
    out.sum().backward()
    expected.sum().backward()
    # The input gradient (x - t) / max(x (1 - x), 1e-12) is 1e12 where the log is clamped.
    assert_close(ours.grad, ref.grad, rtol=1e-8)


def test_bce_saturated_sigmoid_has_a_finite_gradient():
    x = minigrad.tensor([1.0, 0.0], requires_grad=True)
    loss = F.binary_cross_entropy(x, minigrad.tensor([0.0, 1.0]))
    assert_close(loss, 100.0)
    loss.backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_bce_gradchecks_and_errors():
    x = _d(2, 3, low=0.1, high=0.9)
    t = _d(2, 3, low=0.0, high=1.0, seed=1)
    assert gradcheck(F.binary_cross_entropy, (x, t))
    assert gradgradcheck(F.binary_cross_entropy, (x, t))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(minigrad.tensor([1.5, 0.2]), minigrad.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"Using a target size \(minigrad.Size\(\[3\]\)\) that is "
                                         r"different to the input size \(minigrad.Size\(\[3, "
                                         r"1\]\)\) is deprecated"):
        F.binary_cross_entropy(minigrad.rand(3, 1), minigrad.rand(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(reduction):
    x, y = RNG.standard_normal((3, 4)) * 3, RNG.uniform(size=(3, 4))
    _parity("BCEWithLogitsLoss", [x, y], reduction=reduction)
    _parity("BCEWithLogitsLoss", [x, y], reduction=reduction,
            pos_weight=np.array([1.0, 2.0, 0.5, 3.0]), weight=np.array([0.3, 1.0, 1.0, 2.0]))


def test_bce_with_logits_is_stable_for_huge_logits_and_gradchecks():
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    ours = minigrad.tensor(x, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(ours, minigrad.tensor(y), reduction="none")
    assert_close(loss, [0.0, 0.0, 1e4, 1e4, np.log(2)])
    loss.sum().backward()
    assert_close(ours.grad, [0.0, 0.0, 1.0, -1.0, 0.0])
    pos = minigrad.tensor([2.0, 0.5, 1.0], dtype=minigrad.float64)

    def fn(a, t):
        return F.binary_cross_entropy_with_logits(a, t, pos_weight=pos)

    assert gradgradcheck(fn, (_d(2, 3), _d(2, 3, low=0, high=1, seed=1)))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(minigrad.rand(3, 1), minigrad.rand(3))


# -------------------------------------------------------------------------------------------------
# KL divergence and margin losses
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    x = np.log(RNG.dirichlet(np.ones(4), size=3))
    p = RNG.dirichlet(np.ones(4), size=3)
    p[0, 1] = 0.0
    y = np.log(p + 1e-3) if log_target else p
    _parity("KLDivLoss", [x, y], reduction=reduction, log_target=log_target)


def test_kl_div_mean_warns_and_gradchecks():
    with pytest.warns(UserWarning, match="reduction: 'mean' divides the total loss by both"):
        F.kl_div(minigrad.randn(2, 3), minigrad.rand(2, 3))

    def fn(a, t):
        return F.kl_div(a, t, reduction="batchmean")

    assert gradgradcheck(fn, (_d(2, 3), _d(2, 3, low=0.1, high=1.0, seed=1)))


def test_margin_losses_gradcheck_and_match_torch():
    target = minigrad.tensor([1.0, -1.0, 1.0], dtype=minigrad.float64)
    assert gradgradcheck(lambda a, b: F.cosine_embedding_loss(a, b, target[:2]),
                         (_d(2, 3), _d(2, 3, seed=1)))
    assert gradcheck(lambda a, b: F.margin_ranking_loss(a, b, target, margin=0.1),
                     (_d(3), _d(3, seed=1)))
    assert gradgradcheck(lambda a: F.soft_margin_loss(a, target), (_d(3),))
    x1, x2 = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    y = np.array([1.0, -1.0, 1.0, -1.0])
    _parity("CosineEmbeddingLoss", [x1, x2, y], margin=0.2)
    _parity("MarginRankingLoss", [x1[:, 0], x2[:, 0], y], margin=0.1)
    _parity("SoftMarginLoss", [x1[:, 0], y.astype(np.int64)], reduction="sum")


def test_loss_modules_repr_and_state_dict():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert list(nn.CrossEntropyLoss(weight=minigrad.ones(3)).state_dict()) == ["weight"]
    assert list(nn.MSELoss().state_dict()) == []
