"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)
from tests.helpers import assert_close, torch_or_skip


def params_with_grads(grads, dtype=minigrad.float32):
    out = []
    for g in grads:
        p = nn.Parameter(minigrad.zeros(*np.shape(g), dtype=dtype))
        p.grad = minigrad.tensor(g, dtype=dtype)
        out.append(p)
    return out


def test_clip_grad_norm_scales_to_max_norm():
    params = params_with_grads([[3.0, 4.0], [[12.0]]])  # joint L2 norm 13
    grad_ids = [id(p.grad) for p in params]
    total = clip_grad_norm_(params, max_norm=1.3)
    assert isinstance(total, minigrad.Tensor) and total.ndim == 0
    assert total.dtype == minigrad.float32
    assert float(total) == pytest.approx(13.0)
    coef = 1.3 / (13.0 + 1e-6)
    assert_close(params[0].grad, [3 * coef, 4 * coef])
    assert_close(params[1].grad, [[12 * coef]])
    assert [id(p.grad) for p in params] == grad_ids  # edited in place


def test_clip_grad_norm_below_max_leaves_grads_and_other_norms():
    params = params_with_grads([[0.3, -0.4]])
    assert float(clip_grad_norm_(params, 10.0)) == pytest.approx(0.5)
    assert_close(params[0].grad, [0.3, -0.4])
    params = params_with_grads([[1.0, -5.0], [2.0]])
    assert float(clip_grad_norm_(params, 100.0, norm_type="inf")) == 5.0
    assert float(clip_grad_norm_(params, 100.0, norm_type=1)) == pytest.approx(8.0)
    assert float(clip_grad_norm_(params, 100.0, norm_type=3)) == pytest.approx(
        (1 + 125 + 8) ** (1 / 3))
    # a single tensor, a generator, and parameters without grads are all accepted
    single = params_with_grads([[6.0, 8.0]])[0]
    assert float(clip_grad_norm_(single, 5.0)) == pytest.approx(10.0)
    assert_close(single.grad, [3.0, 4.0], rtol=1e-5)
    no_grad = nn.Parameter(minigrad.ones(2))
    assert float(clip_grad_norm_((p for p in [no_grad]), 1.0)) == 0.0


def test_clip_grad_norm_of_a_model_after_backward():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    (model(minigrad.randn(5, 3)) * 100).sum().backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    expected = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    total = clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert float(total) == pytest.approx(expected, rel=1e-5)
    clipped = math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum())
                            for p in model.parameters()))
    assert clipped == pytest.approx(1.0, rel=1e-4)


def test_clip_grad_norm_nonfinite():
    params = params_with_grads([[1.0, float("inf")]])
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_(params, 1.0)
    assert math.isinf(float(total))


def test_get_total_norm_float64():
    tensors = [minigrad.tensor([3.0, 4.0], dtype=minigrad.float64)]
    total = get_total_norm(tensors)
    assert total.dtype == minigrad.float64 and float(total) == 5.0


def test_clip_grad_value():
    params = params_with_grads([[-3.0, 0.5, 2.0]])
    assert clip_grad_value_(params, 1.0) is None
    assert_close(params[0].grad, [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    a = nn.Parameter(minigrad.arange(6.0).reshape(2, 3))
    b = nn.Parameter(minigrad.tensor([10.0, 11.0]))
    vec = parameters_to_vector([a, b])
    assert_close(vec, [0, 1, 2, 3, 4, 5, 10, 11])
    vec.sum().backward()  # differentiable, as PyTorch's (view + cat)
    assert_close(a.grad, np.ones((2, 3)))
    new = minigrad.arange(8.0) * -1
    vector_to_parameters(new, [a, b])
    assert_close(a, [[0, -1, -2], [-3, -4, -5]])
    assert_close(b, [-6, -7])
    assert isinstance(a, nn.Parameter) and a.requires_grad
    new[0] = 100.0  # the parameters view vec's storage, as in PyTorch
    assert float(a[0, 0]) == 100.0
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        vector_to_parameters([1.0], [a])


def test_clip_grad_norm_matches_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) * 3 for s in [(4, 3), (3,), (2, 2, 2)]]
    for norm_type in (2.0, 1.0, float("inf"), 0.5):
        ours = params_with_grads(arrays)
        theirs = [torch.nn.Parameter(torch.zeros(a.shape)) for a in arrays]
        for p, a in zip(theirs, arrays):
            p.grad = torch.tensor(a)
        t_ours = clip_grad_norm_(ours, 2.0, norm_type=norm_type)
        t_theirs = torch.nn.utils.clip_grad_norm_(theirs, 2.0, norm_type=norm_type)
        assert_close(t_ours, t_theirs, rtol=1e-5)
        for p, q in zip(ours, theirs):
            assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-6)
