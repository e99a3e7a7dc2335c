"""PyTorch's type promotion for elementwise ops: categories bool < integer < float, and
dimensioned tensors > 0-d tensors > Python scalars within a category. Each case is checked
against a fixed expectation and, when PyTorch is installed, against PyTorch itself."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad
from tests.helpers import assert_close, torch_or_skip


def _make(lib, spec):
    """A tensor (or Python scalar) from a spec: ('t', dtype name, value or shape) or a number."""
    if not isinstance(spec, tuple):
        return spec
    _, dtype, value = spec
    return lib.tensor(value, dtype=getattr(lib, dtype))


# (left operand, right operand, op, expected dtype name)
PROMOTION = {
    "float32_plus_python_float": (("t", "float32", [1.0, 2.0]), 2.5, "add", "float32"),
    "float64_plus_python_float": (("t", "float64", [1.0, 2.0]), 2.5, "add", "float64"),
    "int64_times_python_float": (("t", "int64", [1, 2]), 2.5, "mul", "float32"),
    "int64_plus_python_int": (("t", "int64", [1, 2]), 3, "add", "int64"),
    "int32_plus_python_int": (("t", "int32", [1, 2]), 3, "add", "int32"),
    "int_div_int": (("t", "int64", [1, 2]), 2, "div", "float32"),
    "int_tensor_div_int_tensor": (("t", "int64", [3, 4]), ("t", "int64", [2, 2]), "div",
                                  "float32"),
    "float32_plus_float64_0d": (("t", "float32", [1.0, 2.0]), ("t", "float64", 2.0), "add",
                                "float32"),
    "float32_plus_float64_dimensioned": (("t", "float32", [1.0, 2.0]),
                                         ("t", "float64", [2.0, 3.0]), "add", "float64"),
    "int32_plus_int64_0d": (("t", "int32", [1, 2]), ("t", "int64", 5), "add", "int32"),
    "int32_plus_float64_0d": (("t", "int32", [1, 2]), ("t", "float64", 0.5), "add", "float64"),
    "int32_plus_int64": (("t", "int32", [1, 2]), ("t", "int64", [1, 2]), "add", "int64"),
    "uint8_plus_int8": (("t", "uint8", [1, 2]), ("t", "int8", [1, 2]), "add", "int16"),
    "bool_plus_bool": (("t", "bool", [True, False]), ("t", "bool", [True, True]), "add", "bool"),
    "bool_times_python_int": (("t", "bool", [True, False]), 3, "mul", "int64"),
    "bool_times_python_float": (("t", "bool", [True, False]), 1.5, "mul", "float32"),
    "bool_plus_int32": (("t", "bool", [True, False]), ("t", "int32", [1, 2]), "add", "int32"),
    "python_float_minus_int": (2.5, ("t", "int64", [1, 2]), "sub", "float32"),
    "python_int_pow_int": (2, ("t", "int64", [1, 2]), "pow", "int64"),
    "int_pow_python_float": (("t", "int64", [1, 2]), 0.5, "pow", "float32"),
    "float32_pow_float64_0d": (("t", "float32", [1.0, 2.0]), ("t", "float64", 2.0), "pow",
                               "float32"),
    "int_maximum_float": (("t", "int64", [1, 5]), ("t", "float32", [2.0, 3.0]), "maximum",
                          "float32"),
    "int_remainder_float": (("t", "int64", [5, 7]), 2.5, "remainder", "float32"),
    "int_floor_divide_int": (("t", "int64", [-7, 7]), 2, "floor_divide", "int64"),
}

_OPS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "remainder": lambda a, b: a % b,
    "floor_divide": lambda a, b: a // b,
    "maximum": lambda a, b: a.maximum(b),
}


@pytest.mark.parametrize("case", list(PROMOTION))
def test_result_dtype(case):
    left, right, op, expected = PROMOTION[case]
    out = _OPS[op](_make(minigrad, left), _make(minigrad, right))
    assert out.dtype == getattr(minigrad, expected)


@pytest.mark.parametrize("case", list(PROMOTION))
def test_result_dtype_and_values_match_torch(case):
    torch = torch_or_skip()
    left, right, op, _ = PROMOTION[case]
    ours = _OPS[op](_make(minigrad, left), _make(minigrad, right))
    theirs = _OPS[op](_make(torch, left), _make(torch, right))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert_close(ours, theirs.numpy())


def test_default_dtype_governs_python_floats_and_integer_division():
    minigrad.set_default_dtype(minigrad.float64)
    try:
        assert (minigrad.tensor([1, 2]) / 2).dtype == minigrad.float64
        assert (minigrad.tensor([1, 2]) * 0.5).dtype == minigrad.float64
        assert minigrad.exp(minigrad.tensor([1])).dtype == minigrad.float64
        assert (minigrad.tensor([1.0], dtype=minigrad.float32) + 0.5).dtype == minigrad.float32
    finally:
        minigrad.set_default_dtype(minigrad.float32)


def test_comparisons_give_bool_for_every_dtype_pair():
    values = {"float32": [1.0, 2.0], "float64": [1.5, 2.0], "int64": [1, 2], "bool": [True, False]}
    tensors = [minigrad.tensor(v, dtype=getattr(minigrad, k)) for k, v in values.items()]
    for a in tensors:
        for b in tensors + [1, 1.5, True]:
            for out in (a == b, a != b, a < b, a <= b, a > b, a >= b):
                assert out.dtype == minigrad.bool
    assert (minigrad.tensor([1, 2]) == minigrad.tensor([1.0, 2.5])).tolist() == [True, False]


def test_float32_never_silently_becomes_float64():
    x = minigrad.ones(3)
    for out in (x + 1, x * 2.5, x / 3, 1 - x, x ** 2, x + minigrad.tensor(1.0,
                dtype=minigrad.float64), minigrad.where(x > 0, x, 0.0), x.sum(), x.mean(),
                x.var(), x.norm(), minigrad.clamp(x, 0.5), minigrad.lerp(x, x, 0.5),
                minigrad.logsumexp(x, 0), x.softmax(0), np.float64(2.0) * x):
        assert out.dtype == minigrad.float32, out


def test_integer_and_bool_reductions():
    assert minigrad.tensor([True, True, False]).sum().dtype == minigrad.int64
    assert minigrad.tensor([1, 2], dtype=minigrad.uint8).sum().dtype == minigrad.int64
    assert minigrad.tensor([1, 2]).sum(dtype=minigrad.float32).dtype == minigrad.float32
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        minigrad.tensor([1, 2]).mean()
    assert minigrad.tensor([1, 2]).mean(dtype=minigrad.float64).item() == 1.5


def test_gradients_flow_back_through_promotion():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * minigrad.tensor([2.0, 3.0], dtype=minigrad.float64)  # float64 result
    assert y.dtype == minigrad.float64
    y.sum().backward()
    assert x.grad.dtype == minigrad.float32
    assert_close(x.grad, [2.0, 3.0])


def test_bool_arithmetic_errors():
    t = minigrad.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool"):
        _ = t - t
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        _ = -t
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        _ = minigrad.tensor([2]) ** -1


def test_broadcast_error_messages():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1"):
        _ = minigrad.ones(2, 3) * minigrad.ones(2, 4)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of "
                                           r"tensor b \(3\) at non-singleton dimension 0"):
        _ = minigrad.ones(2, 5) - minigrad.ones(3, 1)
    with pytest.raises(RuntimeError, match="must match"):
        _ = minigrad.ones(2) == minigrad.ones(3)
    with pytest.raises(RuntimeError, match="must match"):
        minigrad.where(minigrad.ones(2) > 0, minigrad.ones(3), 0.0)
