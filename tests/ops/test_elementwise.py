"""Elementwise ops (minigrad/ops/elementwise.py): values against NumPy, values and gradients
against PyTorch, gradcheck and gradgradcheck for every differentiable op, hypothesis over
broadcast non-contiguous operands, special values, logic and errors. (The test that gradcheck
rejects a wrong backward lives in tests/autograd/test_gradcheck.py.)
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.autograd import gradcheck
from tests.helpers import assert_close, check_gradients, compare_with_torch, torch_or_skip
from tests.ops.strategies import base_array, broadcast_pairs

_erf = np.vectorize(math.erf)
_erfc = np.vectorize(math.erfc)

# Input domains: "real" (standard normal), "pos" (> 0.1), "unit" (inside (-0.9, 0.9)).
_DOMAINS = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "pos": lambda rng, shape: 0.1 + np.abs(rng.standard_normal(shape)) + 0.2,
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, shape),
}

# name -> (op(lib, x), NumPy reference(a), domain)
UNARY = {
    "neg": (lambda lib, x: -x, np.negative, "real"),
    "abs": (lambda lib, x: lib.abs(x), np.abs, "real"),
    "exp": (lambda lib, x: lib.exp(x), np.exp, "real"),
    "exp2": (lambda lib, x: lib.exp2(x), np.exp2, "real"),
    "expm1": (lambda lib, x: lib.expm1(x), np.expm1, "real"),
    "log": (lambda lib, x: lib.log(x), np.log, "pos"),
    "log2": (lambda lib, x: lib.log2(x), np.log2, "pos"),
    "log10": (lambda lib, x: lib.log10(x), np.log10, "pos"),
    "log1p": (lambda lib, x: lib.log1p(x), np.log1p, "pos"),
    "sqrt": (lambda lib, x: lib.sqrt(x), np.sqrt, "pos"),
    "rsqrt": (lambda lib, x: lib.rsqrt(x), lambda a: 1 / np.sqrt(a), "pos"),
    "square": (lambda lib, x: lib.square(x), np.square, "real"),
    "reciprocal": (lambda lib, x: lib.reciprocal(x), np.reciprocal, "pos"),
    "sin": (lambda lib, x: lib.sin(x), np.sin, "real"),
    "cos": (lambda lib, x: lib.cos(x), np.cos, "real"),
    "tan": (lambda lib, x: lib.tan(x), np.tan, "unit"),
    "asin": (lambda lib, x: lib.asin(x), np.arcsin, "unit"),
    "acos": (lambda lib, x: lib.acos(x), np.arccos, "unit"),
    "atan": (lambda lib, x: lib.atan(x), np.arctan, "real"),
    "sinh": (lambda lib, x: lib.sinh(x), np.sinh, "real"),
    "cosh": (lambda lib, x: lib.cosh(x), np.cosh, "real"),
    "tanh": (lambda lib, x: lib.tanh(x), np.tanh, "real"),
    "sigmoid": (lambda lib, x: lib.sigmoid(x), lambda a: 1 / (1 + np.exp(-a)), "real"),
    "relu": (lambda lib, x: lib.relu(x), lambda a: np.maximum(a, 0), "real"),
    "erf": (lambda lib, x: lib.erf(x), _erf, "real"),
    "erfc": (lambda lib, x: lib.erfc(x), _erfc, "real"),
    "erfinv": (lambda lib, x: lib.erfinv(x), None, "unit"),
    "frac": (lambda lib, x: lib.frac(x * 3), lambda a: np.fmod(a * 3, 1), "real"),
    "pow_scalar": (lambda lib, x: x ** 3, lambda a: a ** 3, "real"),
    "pow_fraction": (lambda lib, x: lib.pow(x, 0.5), np.sqrt, "pos"),
    "rpow": (lambda lib, x: 2.0 ** x, lambda a: 2.0 ** a, "real"),
    "clamp": (lambda lib, x: lib.clamp(x, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), "real"),
    "clamp_min": (lambda lib, x: lib.clamp_min(x, 0.1), lambda a: np.maximum(a, 0.1), "real"),
    "clamp_max": (lambda lib, x: x.clamp_max(0.1), lambda a: np.minimum(a, 0.1), "real"),
    "clip": (lambda lib, x: lib.clip(x, max=0.3), lambda a: np.minimum(a, 0.3), "real"),
    "nan_to_num": (lambda lib, x: lib.nan_to_num(x), np.nan_to_num, "real"),
    "mul_scalar": (lambda lib, x: 2.5 * x - 1, lambda a: 2.5 * a - 1, "real"),
    "rdiv": (lambda lib, x: 1.5 / x, lambda a: 1.5 / a, "pos"),
}

# name -> (op(lib, a, b), NumPy reference(a, b), (shape_a, shape_b), (domain_a, domain_b))
BINARY = {
    "add": (lambda lib, a, b: a + b, np.add, ((3, 4), (4,)), ("real", "real")),
    "add_alpha": (lambda lib, a, b: lib.add(a, b, alpha=2), lambda a, b: a + 2 * b,
                  ((3, 4), (3, 1)), ("real", "real")),
    "sub": (lambda lib, a, b: a - b, np.subtract, ((3, 4), (4,)), ("real", "real")),
    "mul": (lambda lib, a, b: a * b, np.multiply, ((3, 4), (3, 1)), ("real", "real")),
    "div": (lambda lib, a, b: a / b, np.divide, ((3, 4), (4,)), ("real", "pos")),
    "pow": (lambda lib, a, b: a ** b, np.power, ((3, 4), (4,)), ("pos", "real")),
    "maximum": (lambda lib, a, b: lib.maximum(a, b), np.maximum, ((3, 4), (4,)), ("real", "real")),
    "minimum": (lambda lib, a, b: lib.minimum(a, b), np.minimum, ((3, 4), (4,)), ("real", "real")),
    "fmax": (lambda lib, a, b: lib.fmax(a, b), np.fmax, ((3, 4), (4,)), ("real", "real")),
    "fmin": (lambda lib, a, b: lib.fmin(a, b), np.fmin, ((3, 4), (4,)), ("real", "real")),
    "atan2": (lambda lib, a, b: lib.atan2(a, b), np.arctan2, ((3, 4), (4,)), ("real", "real")),
    "hypot": (lambda lib, a, b: lib.hypot(a, b), np.hypot, ((3, 4), (4,)), ("real", "real")),
    "xlogy": (lambda lib, a, b: lib.xlogy(a, b), lambda a, b: a * np.log(b), ((3, 4), (4,)),
              ("real", "pos")),
    "logaddexp": (lambda lib, a, b: lib.logaddexp(a, b), np.logaddexp, ((3, 4), (4,)),
                  ("real", "real")),
    "remainder": (lambda lib, a, b: a % b, np.mod, ((3, 4), (4,)), ("real", "pos")),
    "fmod": (lambda lib, a, b: lib.fmod(a, b), np.fmod, ((3, 4), (4,)), ("real", "pos")),
    "lerp_scalar": (lambda lib, a, b: lib.lerp(a, b, 0.3), lambda a, b: a + 0.3 * (b - a),
                    ((3, 4), (3, 4)), ("real", "real")),
    "lerp_tensor": (lambda lib, a, b: lib.lerp(a, b, lib.sigmoid(b)),
                    lambda a, b: a + (b - a) / (1 + np.exp(-b)), ((3, 4), (3, 4)),
                    ("real", "real")),
    "addcmul": (lambda lib, a, b: lib.addcmul(a, a, b, value=0.5), lambda a, b: a + 0.5 * a * b,
                ((3, 4), (4,)), ("real", "real")),
    "addcdiv": (lambda lib, a, b: lib.addcdiv(a, a, b, value=-2), lambda a, b: a - 2 * a / b,
                ((3, 4), (4,)), ("real", "pos")),
    "clamp_tensor": (lambda lib, a, b: lib.clamp(a, b - 0.5, b + 0.5),
                     lambda a, b: np.clip(a, b - 0.5, b + 0.5), ((3, 4), (4,)), ("real", "real")),
    "where": (lambda lib, a, b: lib.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
              ((3, 4), (4,)), ("real", "real")),
}

# Ops whose gradient is zero (piecewise constant): name -> (op(lib, x), NumPy reference)
PIECEWISE = {
    "floor": (lambda lib, x: lib.floor(x), np.floor),
    "ceil": (lambda lib, x: lib.ceil(x), np.ceil),
    "trunc": (lambda lib, x: lib.trunc(x), np.trunc),
    "round": (lambda lib, x: lib.round(x), np.round),
    "round_decimals": (lambda lib, x: lib.round(x, decimals=1), lambda a: np.round(a, 1)),
    "sign": (lambda lib, x: lib.sign(x), np.sign),
    "sgn": (lambda lib, x: lib.sgn(x), np.sign),
}


def _data(domain: str, shape: tuple, seed: int = 0) -> np.ndarray:
    return _DOMAINS[domain](np.random.default_rng(seed), shape)


# -- unary ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n in UNARY if UNARY[n][1] is not None])
@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_unary_matches_numpy(name, dtype):
    op, ref, domain = UNARY[name]
    a = _data(domain, (3, 4))
    out = op(minigrad, minigrad.tensor(a, dtype=dtype))
    assert out.dtype == dtype
    tol = 1e-12 if dtype == minigrad.float64 else 2e-6
    assert_close(out, ref(a), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_matches_torch(name):
    op, _, domain = UNARY[name]
    compare_with_torch(op, _data(domain, (3, 4)).astype(np.float32))


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_gradcheck(name):
    op, _, domain = UNARY[name]
    x = minigrad.tensor(_data(domain, (2, 3)), requires_grad=True)
    check_gradients(lambda t: op(minigrad, t), x)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "sigmoid", "erf", "reciprocal",
                                  "log1p", "atan", "tanh"])
def test_unary_promotes_integers_to_default_float(name):
    op = UNARY[name][0]
    x = minigrad.tensor([1, 2, 3])
    out = op(minigrad, x)
    assert out.dtype == minigrad.float32
    assert_close(out, op(minigrad, x.float()))


# -- binary --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_matches_numpy(name):
    op, ref, shapes, domains = BINARY[name]
    a, b = (_data(d, s, seed) for d, s, seed in zip(domains, shapes, (0, 1)))
    out = op(minigrad, minigrad.tensor(a), minigrad.tensor(b))
    assert out.dtype == minigrad.float64
    assert_close(out, ref(a, b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_matches_torch(name):
    op, _, shapes, domains = BINARY[name]
    a, b = (_data(d, s, seed).astype(np.float32) for d, s, seed in zip(domains, shapes, (0, 1)))
    compare_with_torch(op, a, b)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_gradcheck(name):
    op, _, shapes, domains = BINARY[name]
    a, b = (minigrad.tensor(_data(d, s, seed), requires_grad=True)
            for d, s, seed in zip(domains, shapes, (0, 1)))
    check_gradients(lambda x, y: op(minigrad, x, y), a, b)


_HYPOTHESIS_BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "atan2", "hypot", "xlogy",
                      "logaddexp", "fmod", "clamp_tensor", "where", "addcmul"]


@settings(max_examples=25, deadline=None)
@given(pair=broadcast_pairs(), name=st.sampled_from(_HYPOTHESIS_BINARY), seed=st.integers(0, 99))
def test_binary_on_broadcast_noncontiguous_views(pair, name, seed):
    """Values against NumPy on permuted / step-sliced / expanded operands; gradients of the
    base tensors against PyTorch doing the same views."""
    op, ref, _, domains = BINARY[name]
    bases = [base_array(v, seed + i, low=0 if d == "pos" else None)
             for i, (v, d) in enumerate(zip(pair, domains))]
    ours = [minigrad.tensor(b, requires_grad=True) for b in bases]
    out = op(minigrad, *(v.apply(t) for v, t in zip(pair, ours)))
    expected = ref(*(v.apply(b) for v, b in zip(pair, bases)))
    assert_close(out, expected, rtol=1e-10, atol=1e-12)
    try:
        import torch
    except ImportError:
        return
    theirs = [torch.tensor(b, requires_grad=True) for b in bases]
    op(torch, *(v.apply(t) for v, t in zip(pair, theirs))).sum().backward()
    out.sum().backward()
    for o, t in zip(ours, theirs):
        assert_close(o.grad, t.grad, rtol=1e-9, atol=1e-12)


def test_broadcast_mismatch_message():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1"):
        minigrad.ones(2, 3) + minigrad.ones(2, 4)
    with pytest.raises(RuntimeError, match="non-singleton dimension 0"):
        minigrad.maximum(minigrad.ones(2), minigrad.ones(3))


# -- piecewise-constant functions ----------------------------------------------------------------
@pytest.mark.parametrize("name", list(PIECEWISE))
def test_piecewise_constant_values_and_zero_gradient(name):
    op, ref = PIECEWISE[name]
    a = np.array([-2.5, -1.5, -0.4, 0.0, 0.5, 1.5, 2.51, 3.7])
    x = minigrad.tensor(a, requires_grad=True)
    out = op(minigrad, x)
    assert_close(out, ref(a), atol=0)
    assert out.requires_grad  # as PyTorch: part of the graph, with a zero gradient
    (out * 3).sum().backward()
    assert_close(x.grad, np.zeros_like(a), atol=0)
    assert gradcheck(lambda t: op(minigrad, t), (minigrad.tensor(a + 0.01, requires_grad=True),))


@pytest.mark.parametrize("name", list(PIECEWISE))
def test_piecewise_constant_matches_torch(name):
    op = PIECEWISE[name][0]
    # torch.sgn's gradient is a ZeroTensor that cannot be converted to NumPy: compare with sign.
    torch_fn = torch_or_skip().sign if name == "sgn" else None
    compare_with_torch(op, np.array([-2.5, -0.5, 0.5, 1.5, 2.25, 0.0, -0.0, np.nan], np.float32),
                       torch_fn=torch_fn)


def test_integer_inputs_stay_integer():
    x = minigrad.tensor([-3, 0, 2])
    for op in (minigrad.floor, minigrad.round, minigrad.sign, minigrad.abs, minigrad.relu,
               minigrad.square, minigrad.neg):
        assert op(x).dtype == minigrad.int64
    assert minigrad.sign(minigrad.tensor([True, False])).tolist() == [True, False]
    assert minigrad.square(minigrad.tensor([True, False])).dtype == minigrad.int64


# -- special values and numerical robustness -----------------------------------------------------
def test_erf_family_accuracy_over_the_real_line():
    a = np.concatenate([np.linspace(-8, 8, 4001), [0.0, 1e-300, 30.0, -30.0]])
    x = minigrad.tensor(a)
    assert_close(minigrad.erf(x), _erf(a), rtol=2e-15, atol=0)
    # erfc keeps relative accuracy in the far tail, where 1 - erf(x) would be 0.
    tail = a[a > 0.5]
    assert_close(minigrad.erfc(minigrad.tensor(tail)), _erfc(tail), rtol=1e-13, atol=0)
    inf = minigrad.tensor([np.inf, -np.inf, np.nan])
    assert_close(minigrad.erf(inf), [1.0, -1.0, np.nan], atol=0)
    assert_close(minigrad.erfc(inf), [0.0, 2.0, np.nan], atol=0)


def test_erfinv_inverts_erf_and_handles_the_ends():
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 1001), [0.0, 1 - 1e-12]])
    x = minigrad.erfinv(minigrad.tensor(y))
    assert_close(_erf(x.numpy()), y, rtol=1e-14, atol=1e-15)
    ends = minigrad.erfinv(minigrad.tensor([1.0, -1.0, 1.5, np.nan]))
    assert_close(ends, [np.inf, -np.inf, np.nan, np.nan], atol=0)


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_sigmoid_and_logaddexp_finite_at_large_inputs(dtype):
    x = minigrad.tensor([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4], dtype=dtype,
                        requires_grad=True)
    y = minigrad.sigmoid(x)
    assert np.all(np.isfinite(y.detach().numpy()))
    # Relative accuracy in the lower tail, where 1 - sigmoid(-x) would lose everything.
    assert_close(y[1:3], np.exp([-100.0, -20.0]) / (1 + np.exp([-100.0, -20.0])), rtol=1e-6)
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    z = minigrad.logaddexp(x, minigrad.zeros(7, dtype=dtype))  # softplus
    assert_close(z, np.logaddexp(x.detach().numpy().astype(np.float64), 0), rtol=1e-6)
    assert_close(minigrad.logaddexp(minigrad.tensor([1e4]), minigrad.tensor([1e4])),
                 [1e4 + math.log(2)])


def test_sigmoid_and_logaddexp_match_torch_at_large_inputs():
    a = np.array([-1e4, -50.0, 50.0, 1e4], np.float32)
    compare_with_torch(lambda lib, x: lib.sigmoid(x), a)
    compare_with_torch(lambda lib, x: lib.logaddexp(x, -x), a)


def test_pow_gradients_at_zero_follow_torch():
    x = minigrad.tensor([0.0, 2.0], requires_grad=True)
    e = minigrad.tensor([0.0, 0.0], requires_grad=True)
    (x ** e).sum().backward()
    assert_close(x.grad, [0.0, 0.0], atol=0)
    assert_close(e.grad, [0.0, math.log(2.0)])
    x.grad = None
    (x ** 0).sum().backward()
    assert_close(x.grad, [0.0, 0.0], atol=0)


def test_xlogy_zero_times_log_zero_is_zero():
    out = minigrad.xlogy(minigrad.tensor([0.0, 0.0, 1.0, 2.0]),
                         minigrad.tensor([0.0, np.nan, 0.0, 3.0]))
    assert_close(out, [0.0, np.nan, -np.inf, 2 * math.log(3)], atol=0)
    assert minigrad.xlogy(2, minigrad.tensor([3.0])).dtype == minigrad.float32
    assert minigrad.xlogy(minigrad.tensor([1, 2]), 3).dtype == minigrad.float32


def test_nan_to_num_and_float_classes():
    a = np.array([np.nan, np.inf, -np.inf, 1.5], np.float32)
    x = minigrad.tensor(a, requires_grad=True)
    out = minigrad.nan_to_num(x)
    assert_close(out, np.nan_to_num(a), atol=0)
    assert_close(minigrad.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0), [1, 2, -2, 1.5])
    out.sum().backward()
    assert_close(x.grad, [0, 0, 0, 1], atol=0)
    assert minigrad.isnan(x).tolist() == [True, False, False, False]
    assert minigrad.isinf(x).tolist() == [False, True, True, False]
    assert minigrad.isfinite(x).tolist() == [False, False, False, True]
    assert minigrad.isfinite(minigrad.tensor([1, 2])).tolist() == [True, True]


def test_clamp_semantics():
    x = minigrad.tensor([0.0, 1, 2, 3, 4, 5], requires_grad=True)
    lo = minigrad.tensor([1.0, 1, 1, 3, 3, 6], requires_grad=True)
    hi = minigrad.tensor([4.0, 4, 4, 3, 3, 2], requires_grad=True)
    out = minigrad.clamp(x, lo, hi)
    assert_close(out, [1, 1, 2, 3, 3, 2], atol=0)  # min > max gives max, as PyTorch
    out.sum().backward()
    assert_close(x.grad, [0, 1, 1, 1, 0, 0], atol=0)
    assert_close(lo.grad, [1, 0, 0, 0, 0, 0], atol=0)
    assert_close(hi.grad, [0, 0, 0, 0, 1, 1], atol=0)
    ints = minigrad.tensor([1, 2, 3])
    assert minigrad.clamp(ints, 2).dtype == minigrad.int64
    promoted = minigrad.clamp(ints, min=1.5)
    assert promoted.dtype == minigrad.float32
    assert_close(promoted, [1.5, 2, 3])
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        minigrad.clamp(ints)


def test_clamp_matches_torch_with_tensor_bounds():
    rng = np.random.default_rng(3)
    x, lo, hi = (rng.standard_normal(6).astype(np.float32) for _ in range(3))
    compare_with_torch(lambda lib, a, b, c: lib.clamp(a, b, c), x, lo, hi)
    compare_with_torch(lambda lib, a, b: lib.clamp(a, min=b), x, lo)
    compare_with_torch(lambda lib, a, b: lib.clamp(a, max=b), x, hi)


def test_maximum_ties_share_and_fmax_ignores_nan():
    a = minigrad.tensor([1.0, 2.0, np.nan], requires_grad=True)
    b = minigrad.tensor([1.0, 3.0, 0.5], requires_grad=True)
    minigrad.maximum(a, b).sum().backward()
    assert_close(a.grad, [0.5, 0.0, 1.0], atol=0)  # both inputs get it where the result is nan
    assert_close(b.grad, [0.5, 1.0, 1.0], atol=0)
    a.grad = b.grad = None
    out = minigrad.fmax(a, b)
    assert_close(out, [1.0, 3.0, 0.5], atol=0)
    out.sum().backward()
    assert_close(a.grad, [1.0, 0.0, 0.0], atol=0)  # ties go to input, as PyTorch
    assert_close(b.grad, [0.0, 1.0, 1.0], atol=0)
    assert_close(minigrad.fmin(a, b), [1.0, 2.0, 0.5], atol=0)


def test_lerp_and_addcdiv_errors():
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        minigrad.lerp(minigrad.ones(2), minigrad.ones(2, dtype=minigrad.float64), 0.5)
    assert_close(minigrad.lerp(minigrad.tensor([1.0]), minigrad.tensor([3.0]), 1.0), [3.0],
                 atol=0)
    with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
        minigrad.addcdiv(minigrad.ones(2), minigrad.tensor([1, 2]), minigrad.tensor([1, 2]))


def test_heaviside():
    out = minigrad.heaviside(minigrad.tensor([-1.0, 0.0, 2.0, np.nan]), minigrad.tensor(0.5))
    assert_close(out, [0.0, 0.5, 1.0, 0.0], atol=0)
    with pytest.raises(RuntimeError, match="different dtypes"):
        minigrad.heaviside(minigrad.ones(2), minigrad.ones(2, dtype=minigrad.float64))


def test_integer_division_and_modulus_by_zero_raise():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        minigrad.tensor([3]) % 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        minigrad.fmod(minigrad.tensor([3]), minigrad.tensor([0]))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        minigrad.tensor([3]) // 0
    assert_close(minigrad.tensor([3.0, -3.0]) % 0, [np.nan, np.nan], atol=0)
    assert minigrad.fmod(minigrad.tensor([-3, 3]), 2).tolist() == [-1, 1]
    assert (minigrad.tensor([-3, 3]) % 2).tolist() == [1, 1]


# -- comparisons, logic, bitwise -----------------------------------------------------------------
def test_logical_ops_give_bool():
    a = minigrad.tensor([0.0, 1.0, 2.0, 0.0])
    b = minigrad.tensor([0, 0, 3, 5])
    assert minigrad.logical_and(a, b).tolist() == [False, False, True, False]
    assert minigrad.logical_or(a, b).tolist() == [False, True, True, True]
    assert minigrad.logical_xor(a, b).tolist() == [False, True, False, True]
    assert a.logical_not().tolist() == [True, False, False, True]
    assert minigrad.logical_and(a, True).dtype == minigrad.bool


def test_bitwise_operators():
    t, f = minigrad.tensor([True, True, False]), minigrad.tensor([True, False, False])
    assert (t & f).tolist() == [True, False, False]
    assert (t | f).tolist() == [True, True, False]
    assert (t ^ f).tolist() == [False, True, False]
    assert (~t).tolist() == [False, False, True]
    assert (t & f).dtype == minigrad.bool
    i = minigrad.tensor([12, 10])
    assert (i & 6).tolist() == [4, 2] and (i | 1).tolist() == [13, 11]
    assert (i ^ minigrad.tensor([True, False])).tolist() == [13, 10]
    assert (~i).tolist() == [-13, -11]
    x = minigrad.ones(2)
    with pytest.raises(RuntimeError, match="bitwise_and_cpu\" not implemented for 'Float'"):
        _ = x & x
    with pytest.raises(RuntimeError, match="not implemented for 'Float'"):
        _ = x | x
    with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
        _ = ~x


def test_comparisons_give_bool_and_promote():
    x = minigrad.tensor([1, 2, 3])
    for out in (x == 2, x < 2.5, x >= minigrad.tensor([1.0, 3.0, 3.0]), x != 1, 2 > x):
        assert out.dtype == minigrad.bool
    assert (x < 2.5).tolist() == [True, True, False]
    assert (x == 2.5).tolist() == [False, False, False]
    assert minigrad.greater_equal(x, 2).tolist() == [False, True, True]


def test_isclose_and_allclose():
    a = minigrad.tensor([1.0, np.nan, np.inf, 1.0])
    b = minigrad.tensor([1.0 + 1e-9, np.nan, np.inf, 1.1])
    assert minigrad.isclose(a, b).tolist() == [True, False, True, False]
    assert minigrad.isclose(a, b, equal_nan=True).tolist() == [True, True, True, False]
    assert minigrad.allclose(a[:1], b[:1]) is True
    assert minigrad.allclose(a, b, rtol=0.2, equal_nan=True)
    assert not minigrad.allclose(a, b)
    with pytest.raises(RuntimeError, match="Float did not match Double"):
        minigrad.isclose(minigrad.ones(1), minigrad.ones(1, dtype=minigrad.float64))


def test_methods_are_bound():
    x = minigrad.tensor([0.5, 0.25])
    for name in ("log1p", "expm1", "rsqrt", "square", "reciprocal", "erf", "erfc", "erfinv",
                 "tan", "asin", "acos", "atan", "sinh", "cosh", "exp2", "log2", "log10", "sgn",
                 "frac", "isnan", "isinf", "isfinite", "nan_to_num", "logical_not"):
        assert_close(getattr(x, name)(), getattr(minigrad, name)(x), atol=0)
    for name in ("clamp_min", "clamp_max", "fmax", "fmin", "atan2", "hypot", "xlogy",
                 "logaddexp", "fmod", "isclose", "logical_and", "logical_or", "logical_xor"):
        assert_close(getattr(x, name)(x), getattr(minigrad, name)(x, x), atol=0)
    assert x.allclose(x)


def test_grad_fn_names():
    x = minigrad.tensor([0.5], requires_grad=True)
    assert repr(minigrad.erf(x).grad_fn).startswith("<ErfBackward0")
    assert repr(minigrad.log1p(x).grad_fn).startswith("<Log1pBackward0")
    assert repr(minigrad.floor(x).grad_fn).startswith("<FloorBackward0")
