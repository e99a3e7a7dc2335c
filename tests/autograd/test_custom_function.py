"""Custom ``autograd.Function``: forward/backward, ctx, saved tensors, apply."""
import numpy as np
import pytest

import minigrad
from minigrad.autograd import Function, gradcheck, gradgradcheck, once_differentiable
from tests.helpers import assert_close, double_input


class Exp(Function):
    """Saves its output: the documented pattern for output-based backwards."""

    @staticmethod
    def forward(ctx, x):
        y = minigrad.Tensor._from_array(np.exp(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class MulAdd(Function):
    """Uses tensor methods on its inputs in forward (not recorded) and a non-tensor argument."""

    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return (a * b + a).mul(scale)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad * (b + 1) * ctx.scale if ctx.needs_input_grad[0] else None
        gb = grad * a * ctx.scale if ctx.needs_input_grad[1] else None
        return ga, gb, None


def test_forward_backward_and_node_name():
    x = minigrad.tensor([0.0, 1.0], requires_grad=True)
    y = Exp.apply(x)
    assert repr(y).endswith("grad_fn=<ExpBackward>)")
    y.sum().backward()
    assert_close(x.grad, np.exp([0.0, 1.0]))


def test_forward_runs_without_recording_and_non_tensor_args():
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = minigrad.tensor([3.0, 4.0], requires_grad=True)
    out = MulAdd.apply(a, b, 2.0)
    assert out.grad_fn is not None and out.grad_fn.name() == "MulAddBackward"
    (leaf_a, _), (leaf_b, _), (none, _) = out.grad_fn.next_functions
    assert leaf_a is a and leaf_b is b and none is None  # forward's inner ops left no trace
    out.sum().backward()
    assert a.grad.tolist() == [8.0, 10.0] and b.grad.tolist() == [2.0, 4.0]


def test_needs_input_grad():
    seen = []

    class Spy(Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a._data + b._data * k

        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.needs_input_grad)
            return grad, None, None

    a = minigrad.ones(2, requires_grad=True)
    Spy.apply(a, minigrad.ones(2), 3).sum().backward()
    assert seen == [(True, False, False), (True, False, False)]


def test_no_graph_when_no_input_requires_grad_or_under_no_grad():
    x = minigrad.ones(2)
    assert not Exp.apply(x).requires_grad
    with minigrad.no_grad():
        assert Exp.apply(minigrad.ones(2, requires_grad=True)).grad_fn is None


def test_custom_function_gradcheck_and_double_backward():
    a, b = double_input(3, seed=1), double_input(3, seed=2)
    assert gradcheck(lambda x, y: MulAdd.apply(x, y, 0.5), (a, b))
    assert gradgradcheck(lambda x, y: MulAdd.apply(x, y, 0.5), (a, b))
    assert gradgradcheck(Exp.apply, (double_input(4, seed=3),))


def test_multiple_outputs_and_mark_non_differentiable():
    class MaxWithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            idx = minigrad.Tensor._from_array(np.argmax(x._data, keepdims=True))
            value = minigrad.Tensor._from_array(x._data[idx._data])
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            ctx.size = x.shape
            return value, idx

        @staticmethod
        def backward(ctx, grad_value, grad_idx):
            (idx,) = ctx.saved_tensors
            out = minigrad.zeros(ctx.size, dtype=grad_value.dtype)
            out[idx] = grad_value
            return out

    x = minigrad.tensor([1.0, 5.0, 2.0], requires_grad=True)
    value, idx = MaxWithIndex.apply(x)
    assert value.requires_grad and not idx.requires_grad and idx.tolist() == [1]
    value.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


def test_set_materialize_grads_false_passes_none():
    received = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x._data * 1, x._data * 2

        @staticmethod
        def backward(ctx, ga, gb):
            received.append((ga is None, gb is None))
            return ga if ga is not None else gb * 2

    x = minigrad.ones(2, requires_grad=True)
    _, b = Two.apply(x)
    b.sum().backward()
    assert received == [(True, False)] and x.grad.tolist() == [2.0, 2.0]


def test_once_differentiable_builds_no_graph():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x._data ** 2

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    x = minigrad.tensor(3.0, requires_grad=True)
    (g,) = minigrad.autograd.grad(Square.apply(x), x, create_graph=True)
    assert g.item() == 6.0 and not g.requires_grad


def test_missing_methods_and_wrong_gradient_count():
    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data

    with pytest.raises(NotImplementedError):
        NoBackward.apply(minigrad.ones(1, requires_grad=True)).sum().backward()

    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data * 1

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TooMany.apply(minigrad.ones(1, requires_grad=True)).sum().backward()


def test_forward_returning_an_input_gives_a_new_tensor():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = minigrad.ones(2, requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and y.grad_fn is not None and x.is_leaf
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_mark_dirty_bumps_the_version():
    class AddOneInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x._data += 1
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = minigrad.ones(2)
    AddOneInPlace.apply(x)
    assert x.tolist() == [2.0, 2.0] and x._version == 1
