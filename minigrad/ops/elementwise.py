"""Elementwise operations: arithmetic, math functions, comparisons, logic and casts.

Binary ops follow PyTorch's type promotion (``_util.promote``) and broadcasting; their backward
returns gradients of the broadcast shape and lets the engine reduce them to each input's shape.
Math functions of one float argument promote integer and bool tensors to the default float
dtype, as PyTorch does. Every backward is built from differentiable ops (double backward works);
piecewise-constant functions (sign, floor, round, ...) have a zero gradient, as in PyTorch.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from minigrad import backend as _backend
from minigrad import dtypes as _dtype
from minigrad.autograd.function import Function, FunctionMeta
from minigrad.ops import _special
from minigrad.ops._util import as_tensor_arg, broadcast_shapes, promote, result_dtype
from minigrad.tensor import Tensor
from minigrad._errstate import ignore_fp_errors

__all__ = [
    "abs", "absolute", "acos", "add", "addcdiv", "addcmul", "allclose", "asin", "atan", "atan2",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "cast", "ceil", "clamp",
    "clamp_max", "clamp_min", "clip", "cos", "cosh", "div", "divide", "eq", "erf", "erfc",
    "erfinv", "exp", "exp2", "expm1", "floor", "floor_divide", "fmax", "fmin", "fmod", "frac",
    "ge", "greater", "greater_equal", "gt", "heaviside", "hypot", "isclose", "isfinite", "isinf",
    "isnan", "le", "lerp", "less", "less_equal", "log", "log1p", "log2", "log10", "logaddexp",
    "logical_and", "logical_not", "logical_or", "logical_xor", "lt", "maximum", "minimum", "mul",
    "multiply", "nan_to_num", "ne", "neg", "negative", "not_equal", "pow", "reciprocal", "relu",
    "remainder", "round", "rsqrt", "sgn", "sigmoid", "sign", "sin", "sinh", "sqrt", "square",
    "sub", "subtract", "tan", "tanh", "true_divide", "trunc", "where", "xlogy",
]

# PyTorch's names for scalar types, used in its error messages ("... for 'Float'").
_SCALAR_TYPE_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}


def scalar_type_name(np_dtype) -> str:
    """PyTorch's name of a dtype in messages: float32 -> 'Float', int64 -> 'Long'."""
    return _SCALAR_TYPE_NAMES[np.dtype(np_dtype).name]


def _apply_binary(function: type, a, b, *extra):
    a, b = promote(a, b)
    try:
        return function.apply(a, b, *extra)
    except ValueError:
        broadcast_shapes(a.shape, b.shape)  # raises PyTorch's message when shapes mismatch
        raise


def _float_pair(a, b) -> tuple[Tensor, Tensor]:
    """Promoted operands, moved to the default float dtype when both are integer or bool."""
    a, b = promote(a, b)
    if a._data.dtype.kind != "f":
        default = _dtype.get_default_dtype()
        a, b = a.to(default), b.to(default)
    return a, b


def _constant(mask: np.ndarray, like: Tensor) -> Tensor:
    """A boolean mask as a constant tensor of ``like``'s dtype (it carries no gradient)."""
    return Tensor._from_array(mask.astype(like._data.dtype))


def _is_bool(x) -> bool:
    return isinstance(x, Tensor) and x._data.dtype == np.bool_


# -- arithmetic --------------------------------------------------------------------------------
class Add(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return a._data + b._data if alpha == 1 else a._data + alpha * b._data

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return a._data - b._data if alpha == 1 else a._data - alpha * b._data

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.alpha == 1 else grad * -ctx.alpha


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None,
                              b if ctx.needs_input_grad[0] else None)
        return a._data * b._data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with ignore_fp_errors():
            return a._data / b._data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None
        grad_b = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    return _apply_binary(Add, input, other, alpha)


def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported.")
    return _apply_binary(Sub, input, other, alpha)


def mul(input, other) -> Tensor:
    return _apply_binary(Mul, input, other)


def div(input, other, *, rounding_mode=None) -> Tensor:
    """True division (integers give the default float dtype); ``rounding_mode`` 'trunc'/'floor'."""
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                             f"but found '{rounding_mode}'")
        if result_dtype(input, other).kind == "f":
            return _apply_binary(RoundedDivide, input, other, rounding_mode)
        a, b = promote(input, other)
        _check_integer_divisor(b)
        fn = np.floor_divide if rounding_mode == "floor" else _trunc_divide
        return Tensor._from_array(fn(a._data, b._data))
    if result_dtype(input, other).kind != "f":
        default = _dtype.get_default_dtype().numpy
        input, other = (x.to(_dtype.from_numpy(default)) if isinstance(x, Tensor)
                        else float(x) for x in (input, other))
    return _apply_binary(Div, input, other)


def _trunc_divide(a, b):
    return (np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))).astype(a.dtype)


def _check_integer_divisor(b: Tensor) -> None:
    """Integer division or modulus by zero raises, as in PyTorch (floats give inf/nan)."""
    if b._data.dtype.kind != "f" and np.any(b._data == 0):
        raise RuntimeError("ZeroDivisionError")


class RoundedDivide(Function):
    """Float division rounded toward zero ('trunc') or down ('floor', Python's ``//``: ``1 //
    -inf`` is -1, ``inf // 1`` is nan). Piecewise constant: the gradients are zero."""

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        with ignore_fp_errors():
            if rounding_mode == "floor":
                return np.floor_divide(a._data, b._data)
            return np.trunc(a._data / b._data)

    @staticmethod
    def backward(ctx, grad):
        zeros = Tensor._from_array(np.zeros_like(grad._data))
        return zeros, zeros, None


def floor_divide(input, other) -> Tensor:
    return div(input, other, rounding_mode="floor")


class Remainder(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with ignore_fp_errors():
            return np.mod(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad, (-grad * floor_divide(a, b) if ctx.needs_input_grad[1] else None)


class Fmod(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with ignore_fp_errors():
            return np.fmod(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad, (-grad * trunc(a / b) if ctx.needs_input_grad[1] else None)


def remainder(input, other) -> Tensor:
    """Python-style modulus: the result has the sign of ``other``."""
    a, b = promote(input, other)
    _check_integer_divisor(b)
    return _apply_binary(Remainder, a, b)


def fmod(input, other) -> Tensor:
    """C-style modulus: the result has the sign of ``input``."""
    a, b = promote(input, other)
    _check_integer_divisor(b)
    return _apply_binary(Fmod, a, b)


subtract, multiply, divide, true_divide = sub, mul, div, div


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x._data

    @staticmethod
    def backward(ctx, grad):
        return -grad


def neg(input: Tensor) -> Tensor:
    if _is_bool(input):
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return Neg.apply(input)


negative = neg


class PowScalar(Function):
    """``x ** exponent`` for a Python-number exponent."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.exponent = exponent
        ctx.save_for_backward(x)
        with ignore_fp_errors():
            return np.power(x._data, np.asarray(exponent, dtype=x._data.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return grad * 0.0
        return grad * e * x ** (e - 1) if e != 1 else grad


class Pow(Function):
    """``a ** b`` for two tensors."""

    @staticmethod
    def forward(ctx, a, b):
        with ignore_fp_errors():
            out = Tensor._from_array(np.power(a._data, b._data))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            # b * a**(b-1) is 0 * inf at a == 0, b == 0; PyTorch defines that entry as 0
            # (the exponent is made safe there so that no nan is computed and masked).
            zero = b == 0
            grad_a = where(zero, 0.0, grad * b * a ** (where(zero, 1.0, b) - 1))
        if ctx.needs_input_grad[1]:
            # d/db a**b = a**b log a; defined as 0 where a == 0 and b >= 0, as PyTorch.
            safe = where((a == 0) & (b >= 0), 1.0, a)
            grad_b = grad * out * log(safe)
        return grad_a, grad_b


def pow(input, exponent) -> Tensor:
    """``input ** exponent``: tensor or number for either side."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if input._data.dtype.kind in "iub" and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        dt = result_dtype(input, exponent)
        if dt != input._data.dtype:
            input = input.to(_dtype.from_numpy(dt))
        return PowScalar.apply(input, exponent)
    return _apply_binary(Pow, input, exponent)


def square(input: Tensor) -> Tensor:
    """``input ** 2`` (bool tensors give int64, as PyTorch)."""
    return pow(input, 2)


class Lerp(Function):
    @staticmethod
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        a, b, w = start._data, end._data, weight._data
        # Two forms so that weight 0 gives start and weight 1 gives end exactly (PyTorch's).
        return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (grad * (1 - weight) if need[0] else None, grad * weight if need[1] else None,
                grad * (end - start) if need[2] else None)


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor (broadcast)."""
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"expected dtype {scalar_type_name(input._data.dtype).lower()} for `{name}` but "
                f"got dtype {scalar_type_name(other._data.dtype).lower()}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for "
                                  f"'{scalar_type_name(input._data.dtype)}'")
    if not isinstance(weight, Tensor):
        weight = Tensor._from_array(np.asarray(weight, dtype=input._data.dtype))
    broadcast_shapes(input.shape, end.shape, weight.shape)
    return Lerp.apply(input, end, weight)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 / tensor2`` (integer tensor1 and tensor2 raise, as PyTorch)."""
    if all(isinstance(t, Tensor) and t._data.dtype.kind != "f" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return add(input, div(tensor1, tensor2), alpha=value)


# -- math functions of one argument ------------------------------------------------------------
def _float_input(x, name: str) -> Tensor:
    """Unary float functions promote integer tensors to the default float dtype, as PyTorch."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if x._data.dtype.kind != "f":
        return x.to(_dtype.get_default_dtype())
    return x


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        with ignore_fp_errors():
            y = Tensor._from_array(np.exp(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with ignore_fp_errors():
            return np.log(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        with ignore_fp_errors():
            y = Tensor._from_array(np.sqrt(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sign(x)


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * sin(x)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = Tensor._from_array(np.tanh(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        # e = exp(-|x|) never overflows; 1/(1+e) for x >= 0 and e/(1+e) for x < 0 keep full
        # relative precision at both tails (no 1 - tiny cancellation).
        e = np.exp(-np.abs(x._data))
        y = Tensor._from_array(np.where(x._data >= 0, 1, e) / (1 + e))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        a = x._data
        fast = a.dtype.kind == "f" and a.dtype.itemsize in (4, 8)  # the backend's dtypes
        y = Tensor._from_array(_backend.relu(a) if fast else np.maximum(a, 0))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if grad._data.dtype.kind == "f" and grad._data.dtype.itemsize in (4, 8):
            return ThresholdBackward.apply(grad, y._data)
        # The mask is a constant: relu's second derivative is zero. Written as "not <= 0" so
        # that a nan input passes the gradient through, as PyTorch's threshold_backward.
        return grad * _constant(~(y._data <= 0), grad)


class ThresholdBackward(Function):
    """grad (any shape) -> grad where y > 0, else 0, with y = relu's output (an ndarray: the mask
    is a constant, relu's second derivative is zero). One pass (backend.threshold_backward)
    instead of building a float mask and multiplying; NaN in y passes the gradient, as PyTorch's
    threshold_backward. Linear in grad, so its backward is itself."""

    @staticmethod
    def forward(ctx, grad, y):
        ctx.y = y
        return _backend.threshold_backward(grad._data, y)

    @staticmethod
    def backward(ctx, gg):
        return ThresholdBackward.apply(gg, ctx.y), None


def _unary_function(name: str, compute, backward, saves: str) -> type:
    """A Function class ``name`` with forward ``compute(ndarray)`` and backward
    ``backward(grad, saved)``, where ``saved`` is the input (``saves='input'``) or the output
    (``'output'``) and the expression uses differentiable ops."""

    def forward(ctx, x):
        with ignore_fp_errors():  # inf/nan results are values here, as in PyTorch
            y = Tensor._from_array(compute(x._data))
        ctx.save_for_backward(y if saves == "output" else x)
        return y

    def _backward(ctx, grad):
        (saved,) = ctx.saved_tensors
        return backward(grad, saved)

    return FunctionMeta(name, (Function,), {"forward": staticmethod(forward),
                                            "backward": staticmethod(_backward),
                                            "__module__": __name__, "__qualname__": name})


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

Log1p = _unary_function("Log1p", np.log1p, lambda g, x: g / (1 + x), "input")
Expm1 = _unary_function("Expm1", np.expm1, lambda g, y: g * (y + 1), "output")
Exp2 = _unary_function("Exp2", np.exp2, lambda g, y: g * y * _LN2, "output")
Log2 = _unary_function("Log2", np.log2, lambda g, x: g / (x * _LN2), "input")
Log10 = _unary_function("Log10", np.log10, lambda g, x: g / (x * _LN10), "input")
Rsqrt = _unary_function("Rsqrt", lambda a: 1 / np.sqrt(a), lambda g, y: g * -0.5 * y * y * y,
                        "output")
Reciprocal = _unary_function("Reciprocal", np.reciprocal, lambda g, y: -g * (y * y), "output")
Tan = _unary_function("Tan", np.tan, lambda g, y: g * (1 + y * y), "output")
Asin = _unary_function("Asin", np.arcsin, lambda g, x: g * rsqrt(1 - x * x), "input")
Acos = _unary_function("Acos", np.arccos, lambda g, x: -g * rsqrt(1 - x * x), "input")
Atan = _unary_function("Atan", np.arctan, lambda g, x: g / (1 + x * x), "input")
Sinh = _unary_function("Sinh", np.sinh, lambda g, x: g * cosh(x), "input")
Cosh = _unary_function("Cosh", np.cosh, lambda g, x: g * sinh(x), "input")
Erf = _unary_function("Erf", _special.erf, lambda g, x: g * _TWO_OVER_SQRT_PI * exp(-x * x),
                      "input")
Erfc = _unary_function("Erfc", _special.erfc, lambda g, x: g * -_TWO_OVER_SQRT_PI * exp(-x * x),
                       "input")
Erfinv = _unary_function("Erfinv", _special.erfinv,
                         lambda g, y: g * (math.sqrt(math.pi) / 2) * exp(y * y), "output")
Frac = _unary_function("Frac", lambda a: a - np.trunc(a), lambda g, x: g, "input")


def exp(input: Tensor) -> Tensor:
    return Exp.apply(_float_input(input, "exp"))


def log(input: Tensor) -> Tensor:
    return Log.apply(_float_input(input, "log"))


def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(_float_input(input, "sqrt"))


def sin(input: Tensor) -> Tensor:
    return Sin.apply(_float_input(input, "sin"))


def cos(input: Tensor) -> Tensor:
    return Cos.apply(_float_input(input, "cos"))


def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(_float_input(input, "tanh"))


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``, finite and accurate for any float input (no overflow)."""
    return Sigmoid.apply(_float_input(input, "sigmoid"))


def log1p(input: Tensor) -> Tensor:
    """``log(1 + x)``, accurate for small ``x``."""
    return Log1p.apply(_float_input(input, "log1p"))


def expm1(input: Tensor) -> Tensor:
    """``exp(x) - 1``, accurate for small ``x``."""
    return Expm1.apply(_float_input(input, "expm1"))


def exp2(input: Tensor) -> Tensor:
    return Exp2.apply(_float_input(input, "exp2"))


def log2(input: Tensor) -> Tensor:
    return Log2.apply(_float_input(input, "log2"))


def log10(input: Tensor) -> Tensor:
    return Log10.apply(_float_input(input, "log10"))


def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(x)``."""
    return Rsqrt.apply(_float_input(input, "rsqrt"))


def reciprocal(input: Tensor) -> Tensor:
    """``1 / x`` (integer tensors give the default float dtype)."""
    return Reciprocal.apply(_float_input(input, "reciprocal"))


def tan(input: Tensor) -> Tensor:
    return Tan.apply(_float_input(input, "tan"))


def asin(input: Tensor) -> Tensor:
    return Asin.apply(_float_input(input, "asin"))


def acos(input: Tensor) -> Tensor:
    return Acos.apply(_float_input(input, "acos"))


def atan(input: Tensor) -> Tensor:
    return Atan.apply(_float_input(input, "atan"))


def sinh(input: Tensor) -> Tensor:
    return Sinh.apply(_float_input(input, "sinh"))


def cosh(input: Tensor) -> Tensor:
    return Cosh.apply(_float_input(input, "cosh"))


def erf(input: Tensor) -> Tensor:
    """The Gauss error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``."""
    return Erf.apply(_float_input(input, "erf"))


def erfc(input: Tensor) -> Tensor:
    """``1 - erf(x)``, accurate where erf is close to 1."""
    return Erfc.apply(_float_input(input, "erfc"))


def erfinv(input: Tensor) -> Tensor:
    """The inverse of erf on [-1, 1] (±inf at ±1, nan outside)."""
    return Erfinv.apply(_float_input(input, "erfinv"))


def relu(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "f":
        return Tensor._from_array(np.maximum(input._data, 0))
    return Relu.apply(input)


def abs(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "f":
        return Tensor._from_array(np.abs(input._data))
    return Abs.apply(input)


absolute = abs


# -- math functions of two arguments -----------------------------------------------------------
class Atan2(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # At the origin the gradient is 0 (not 0/0), as PyTorch.
        radius2 = a * a + b * b
        scale = grad / where(radius2 == 0, 1.0, radius2)
        return scale * b, -scale * a


class Hypot(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = Tensor._from_array(np.hypot(a._data, b._data))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        scale = grad / out
        return scale * a, scale * b


class Xlogy(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with ignore_fp_errors():
            product = a._data * np.log(b._data)
        # 0 * log(0) is 0 by definition (a nan in ``other`` still propagates).
        return np.where((a._data == 0) & ~np.isnan(b._data), 0, product).astype(product.dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = where((a == 0) & (b <= 0), 0.0, xlogy(grad, b))
        if ctx.needs_input_grad[1]:
            grad_b = grad * a / b
        return grad_a, grad_b


class Logaddexp(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with ignore_fp_errors():
            return np.logaddexp(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # d/da log(e^a + e^b) = sigmoid(a - b): finite for any a, b (no exp overflow).
        return grad * sigmoid(a - b), grad * sigmoid(b - a)


def atan2(input, other) -> Tensor:
    """The angle of the point ``(other, input)``, in ``(-pi, pi]``."""
    return _apply_binary(Atan2, *_float_pair(input, other))


def hypot(input, other) -> Tensor:
    """``sqrt(input**2 + other**2)`` without intermediate overflow."""
    return _apply_binary(Hypot, *_float_pair(input, other))


def xlogy(input, other) -> Tensor:
    """``input * log(other)``, with 0 where ``input`` is 0 (unless ``other`` is nan)."""
    return _apply_binary(Xlogy, *_float_pair(input, other))


def logaddexp(input, other) -> Tensor:
    """``log(exp(input) + exp(other))`` computed without overflow."""
    return _apply_binary(Logaddexp, *_float_pair(input, other))


# -- piecewise-constant functions: zero gradient, as PyTorch ------------------------------------
def _piecewise_constant(name: str, compute) -> type:
    def forward(ctx, x, *args):
        return compute(x._data, *args)

    def backward(ctx, grad):
        # zeros rather than grad * 0, which would turn an inf gradient into nan
        return (Tensor._from_array(np.zeros_like(grad._data)),) + (None,) * (
            len(ctx.needs_input_grad) - 1)

    return FunctionMeta(name, (Function,), {"forward": staticmethod(forward),
                                            "backward": staticmethod(backward),
                                            "__module__": __name__, "__qualname__": name})


Sign = _piecewise_constant("Sign", lambda a: np.where(np.isnan(a), 0, np.sign(a)) + 0.0)
Floor = _piecewise_constant("Floor", np.floor)
Ceil = _piecewise_constant("Ceil", np.ceil)
Trunc = _piecewise_constant("Trunc", np.trunc)
Round = _piecewise_constant("Round", np.round)


def _rounding(function: type, name: str):
    def op(input: Tensor) -> Tensor:
        if input._data.dtype.kind != "f":  # integers are already whole
            return Tensor._from_array(input._data.copy())
        return function.apply(input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} (piecewise constant: the gradient is zero)."
    return op


floor = _rounding(Floor, "floor")
ceil = _rounding(Ceil, "ceil")
trunc = _rounding(Trunc, "trunc")


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, as PyTorch (zero gradient)."""
    if input._data.dtype.kind != "f":
        return Tensor._from_array(input._data.copy())
    return Round.apply(input, decimals)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 (0 for nan, as PyTorch); the gradient is zero."""
    if input._data.dtype == np.bool_:
        return Tensor._from_array(input._data.copy())
    if input._data.dtype.kind != "f":
        return Tensor._from_array(np.sign(input._data))
    return Sign.apply(input)


sgn = sign  # sgn(x) = x / |x| is sign(x) for real tensors


def frac(input: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)`` (sign of ``x``); its gradient is 1."""
    if input._data.dtype.kind != "f":
        return Tensor._from_array(np.zeros_like(input._data))
    return Frac.apply(input)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """1 where ``input > 0``, ``values`` where ``input == 0``, else 0 (nan too); no gradient."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    if values._data.dtype != input._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    broadcast_shapes(input.shape, values.shape)
    x = input._data
    return Tensor._from_array(np.where(x > 0, 1, np.where(x == 0, values._data, 0)).astype(x.dtype))


# -- clamp, maximum, minimum, where ------------------------------------------------------------
class Clamp(Function):
    """Clamp to number bounds (None means unbounded on that side)."""

    @staticmethod
    def forward(ctx, x, min, max):
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        return np.clip(x._data, min, max)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x._data >= lo
        if hi is not None:
            mask &= x._data <= hi
        return grad * _constant(mask, grad)


class ClampTensor(Function):
    """Clamp to tensor bounds; the gradient goes to whichever of x, min, max is the output."""

    @staticmethod
    def forward(ctx, x, min, max):
        ctx.save_for_backward(x, min, max)
        out = x._data
        if min is not None:
            out = np.maximum(out, min._data)
        if max is not None:
            out = np.minimum(out, max._data)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        shape = grad._data.shape
        inside = np.ones(shape, dtype=bool)
        below = np.zeros(shape, dtype=bool)
        above = np.zeros(shape, dtype=bool)
        if lo is not None:
            inside &= x._data >= lo._data
            below |= x._data < lo._data
        if hi is not None:
            inside &= x._data <= hi._data
            above |= x._data > hi._data
            if lo is not None:  # min > max: the output is max everywhere
                crossed = lo._data > hi._data
                below &= lo._data < hi._data  # strict: x < min == max goes to neither, as PyTorch
                above |= crossed
        need = ctx.needs_input_grad
        return (grad * _constant(inside, grad) if need[0] else None,
                grad * _constant(below, grad) if need[1] else None,
                grad * _constant(above, grad) if need[2] else None)


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit values to ``[min, max]``; bounds may be numbers or tensors (if min > max, the
    result is max). The result dtype follows type promotion (int tensor, float bound: float)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    dt = result_dtype(input, *bounds)
    if any(isinstance(b, Tensor) for b in bounds):
        x = as_tensor_arg(input, dt)
        lo, hi = (None if b is None else as_tensor_arg(b, dt) for b in (min, max))
        broadcast_shapes(x.shape, *(b.shape for b in (lo, hi) if b is not None))
        return ClampTensor.apply(x, lo, hi)
    input = as_tensor_arg(input, dt)
    if dt.kind != "f":
        return Tensor._from_array(np.clip(input._data, min, max).astype(dt))
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    return clamp(input, max=max)


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_mask(grad, a._data, b._data, np.greater)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_mask(grad, a._data, b._data, np.less)


def _split_by_mask(grad, a, b, wins):
    """Route the gradient to the winning input; ties share it equally and both inputs get it
    where either is nan (the result is nan), as PyTorch."""
    dt = grad._data.dtype
    common = 0.5 * (a == b) + (np.isnan(a) | np.isnan(b))
    share_a = np.broadcast_to(wins(a, b) + common, grad.shape).astype(dt)
    share_b = np.broadcast_to(wins(b, a) + common, grad.shape).astype(dt)
    return grad * Tensor._from_array(share_a), grad * Tensor._from_array(share_b)


class Fmax(Function):
    """maximum that ignores nan: the gradient goes to ``a`` on ties and where ``b`` is nan."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmax(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        to_a = np.broadcast_to((a._data >= b._data) | np.isnan(b._data), grad.shape)
        return grad * _constant(to_a, grad), grad * _constant(~to_a, grad)


class Fmin(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmin(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        to_a = np.broadcast_to((a._data <= b._data) | np.isnan(b._data), grad.shape)
        return grad * _constant(to_a, grad), grad * _constant(~to_a, grad)


def maximum(input, other) -> Tensor:
    """Elementwise maximum (nan propagates); ties share the gradient equally."""
    return _apply_binary(Maximum, input, other)


def minimum(input, other) -> Tensor:
    return _apply_binary(Minimum, input, other)


def fmax(input, other) -> Tensor:
    """Elementwise maximum ignoring nan (nan only where both are nan)."""
    return _apply_binary(Fmax, input, other)


def fmin(input, other) -> Tensor:
    """Elementwise minimum ignoring nan (nan only where both are nan)."""
    return _apply_binary(Fmin, input, other)


class Where(Function):
    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.condition = condition
        return np.where(condition, a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        keep = Tensor._from_array(np.broadcast_to(ctx.condition, grad.shape).astype(
            grad._data.dtype))
        return grad * keep, grad * (1 - keep)


def where(condition, input=None, other=None) -> Tensor:
    """``input`` where ``condition`` is true, else ``other`` (broadcast)."""
    if input is None and other is None:
        from minigrad.ops.index import nonzero

        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {scalar_type_name(cond.dtype)}")
    a, b = promote(input, other)
    broadcast_shapes(cond.shape, a.shape, b.shape)
    return Where.apply(a, b, cond)


# -- floating-point classes --------------------------------------------------------------------
def isnan(input: Tensor) -> Tensor:
    return Tensor._from_array(np.isnan(input._data))


def isinf(input: Tensor) -> Tensor:
    return Tensor._from_array(np.isinf(input._data))


def isfinite(input: Tensor) -> Tensor:
    return Tensor._from_array(np.isfinite(input._data))


class NanToNum(Function):
    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return np.nan_to_num(x._data, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _constant(np.isfinite(x._data), grad)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """nan -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (defaults: 0 and the dtype's
    largest and lowest finite values); the gradient is 0 at replaced entries."""
    if input._data.dtype.kind != "f":
        return Tensor._from_array(input._data.copy())
    return NanToNum.apply(input, nan, posinf, neginf)


# -- comparisons (bool results, no gradient) ---------------------------------------------------
def _compare(np_fn, name):
    def op(input, other) -> Tensor:
        a, b = promote(input, other)
        try:
            return Tensor._from_array(np_fn(a._data, b._data))
        except ValueError:
            broadcast_shapes(a.shape, b.shape)
            raise

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` comparison; a bool tensor."
    return op


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
greater, less, not_equal, greater_equal, less_equal = gt, lt, ne, ge, le


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (equal infinities are close)."""
    if isinstance(other, Tensor) and other._data.dtype != input._data.dtype:
        raise RuntimeError(f"{scalar_type_name(input._data.dtype)} did not match "
                           f"{scalar_type_name(other._data.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = promote(input, other)
    broadcast_shapes(a.shape, b.shape)
    return Tensor._from_array(np.isclose(a._data, b._data, rtol=rtol, atol=atol,
                                         equal_nan=equal_nan))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return builtins.bool(np.all(isclose(input, other, rtol, atol, equal_nan)._data))


def _logical(np_fn, name):
    def op(input, other) -> Tensor:
        a, b = (as_tensor_arg(x) for x in (input, other))
        broadcast_shapes(a.shape, b.shape)
        return Tensor._from_array(np_fn(a._data, b._data))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of the truth values (nonzero is true); a bool tensor."
    return op


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input: Tensor) -> Tensor:
    return Tensor._from_array(np.logical_not(input._data))


def _bitwise(np_fn, name):
    def op(input, other) -> Tensor:
        a, b = promote(input, other)
        if a._data.dtype.kind == "f":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for "
                                      f"'{scalar_type_name(a._data.dtype)}'")
        broadcast_shapes(a.shape, b.shape)
        return Tensor._from_array(np_fn(a._data, b._data))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Elementwise ``{name}`` of integer or bool tensors (logical for bool); the "
                  "``&``, ``|``, ``^`` operators.")
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: logical not for bool tensors, two's complement for integers."""
    if input._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return Tensor._from_array(np.invert(input._data))


# -- dtype conversion --------------------------------------------------------------------------
class Cast(Function):
    _node_name = "ToCopyBackward0"
    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.source = x._data.dtype
        return x._data.astype(np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return cast(grad, _dtype.from_numpy(ctx.source)), None


def cast(input: Tensor, dtype) -> Tensor:
    """``input`` converted to ``dtype``; differentiable between floating dtypes."""
    np_dtype = _dtype.to_numpy(dtype)
    if input._data.dtype == np_dtype:
        return input
    if input.requires_grad and np_dtype.kind == "f":
        return Cast.apply(input, np_dtype)
    return Tensor._from_array(input._data.astype(np_dtype))
