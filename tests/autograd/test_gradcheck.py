"""gradcheck / gradgradcheck: PyTorch's signature, and failures that name the culprit."""
import inspect
import warnings

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Function, GradcheckError, gradcheck, gradgradcheck
from tests.helpers import double_input, torch_or_skip


class WrongSquare(Function):
    """x**2 with a deliberately wrong backward (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data ** 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x


class RightSquareWrongSecondOrder(Function):
    """First derivative right, but its backward is not differentiable correctly (a constant)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data ** 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * minigrad.Tensor._from_array(2 * x._data)  # x detached: d/dx lost


def test_gradcheck_passes_on_correct_ops():
    a, b = double_input(3, 4, seed=1), double_input(4, seed=2)
    assert gradcheck(lambda x, y: (x * y).exp().sum(0) / (y + 3), (a, b))
    assert gradgradcheck(lambda x, y: (x * y).tanh() / (y * y + 1), (a, b))
    assert gradcheck(lambda x: x.sigmoid(), double_input(5))  # a single tensor as inputs


def test_gradcheck_fails_on_a_wrong_backward_naming_input_and_entry():
    x = double_input(3, seed=0)
    other = double_input(2, seed=5)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda b, a: b.sum() + WrongSquare.apply(a).sum(), (other, x))
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "Jacobian mismatch for output 0 with respect to input 1" in message
    assert "worst entry" in message and "numerical" in message and "analytical" in message
    assert gradcheck(lambda a: WrongSquare.apply(a), (x,), raise_exception=False) is False


def test_gradgradcheck_fails_on_a_non_differentiable_backward():
    x = double_input(3, seed=0)
    assert gradcheck(RightSquareWrongSecondOrder.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(RightSquareWrongSecondOrder.apply, (x,))
    assert gradgradcheck(RightSquareWrongSecondOrder.apply, (x,), raise_exception=False) is False


def test_non_double_inputs_warn():
    x = minigrad.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision floating point"):
        gradcheck(lambda a: a * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_no_warning_for_double_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda a: a * 2, (double_input(3),))


def test_inputs_must_require_grad():
    x = minigrad.randn(3, dtype=minigrad.float64)
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (x,))


def test_non_tensor_inputs_and_outputs_are_passed_through():
    x = double_input(2, 3)
    assert gradcheck(lambda a, dim: a.sum(dim), (x, 1))
    assert gradcheck(lambda a: (a * 2, "not a tensor"), (x,))


def test_gradgradcheck_with_given_grad_outputs():
    x = double_input(3)
    g = minigrad.tensor([1.0, -2.0, 0.5], dtype=minigrad.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a.exp() * a, (x,), (g,))


def test_signatures_and_defaults_match_pytorch():
    torch = torch_or_skip()
    for name in ("gradcheck", "gradgradcheck"):
        ours = inspect.signature(getattr(minigrad.autograd, name)).parameters
        theirs = inspect.signature(getattr(torch.autograd, name)).parameters
        assert list(ours) == list(theirs)
        for key, param in theirs.items():
            assert ours[key].default == param.default, (name, key)
            assert ours[key].kind == param.kind, (name, key)


def test_defaults_are_pytorchs():
    params = inspect.signature(gradcheck).parameters
    assert params["eps"].default == 1e-6 and params["atol"].default == 1e-5
    assert params["rtol"].default == 1e-3 and params["raise_exception"].default is True


def test_gradcheck_agrees_with_numpy_on_a_handwritten_jacobian():
    # y = A x: the Jacobian is A; a backward returning A^T g is right, A g is wrong.
    a = np.array([[1.0, 2.0], [0.0, 3.0]])

    class MatVec(Function):
        transpose = True

        @staticmethod
        def forward(ctx, x):
            return a @ x._data

        @staticmethod
        def backward(ctx, grad):
            m = a.T if MatVec.transpose else a
            return minigrad.Tensor._from_array(m @ grad._data)

    x = double_input(2)
    assert gradcheck(MatVec.apply, (x,))
    MatVec.transpose = False
    assert not gradcheck(MatVec.apply, (x,), raise_exception=False)


def test_outputs_without_grad_must_be_constant():
    x = double_input(3)
    assert gradcheck(lambda a: minigrad.zeros(3, dtype=minigrad.float64), (x,))
    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be "
                                             "zero"):
        gradcheck(lambda a: a.detach() * 2, (x,))
