"""The backward engine: topological order, accumulation, un-broadcasting, checks, hooks."""
import gc
import warnings
import weakref

import numpy as np
import pytest

import minigrad
from minigrad import autograd
from minigrad.autograd import Function
from tests.helpers import assert_close


def test_a_ten_thousand_op_chain():
    w = minigrad.tensor(1.0, requires_grad=True)
    h = w
    for _ in range(10000):
        h = h * 1.0001
    h.backward()
    assert_close(w.grad, 1.0001 ** 10000, rtol=1e-3)


def test_b_equals_a_plus_a():
    a = minigrad.tensor(2.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_diamond_and_reused_nodes_are_exact():
    a = minigrad.tensor(2.0, requires_grad=True)
    b = a * 3
    c = b * b + b  # b reused three times
    c.backward()
    assert a.grad.item() == 2 * 6 * 3 + 3  # dc/db * db/da = (2b + 1) * 3

    x = minigrad.tensor([1.0, 2.0], dtype=minigrad.float64, requires_grad=True)
    e = x.exp()
    y = e.sum() + (e * x).sum() + e[0] * 2
    y.backward()
    ex = np.exp([1.0, 2.0])
    assert_close(x.grad, ex + ex * np.array([1.0, 2.0]) + ex + np.array([2 * ex[0], 0.0]),
                 rtol=1e-12)


def test_many_paths_into_one_node():
    x = minigrad.tensor(1.0, requires_grad=True)
    h = x * 1
    total = h
    for _ in range(100):
        total = total + h
    total.backward()
    assert x.grad.item() == 101.0


def test_broadcast_gradients_are_reduced_to_the_input_shape():
    a = minigrad.ones(2, 3, requires_grad=True)
    b = minigrad.ones(3, requires_grad=True)
    c = minigrad.ones(2, 1, requires_grad=True)
    s = minigrad.tensor(2.0, requires_grad=True)
    (a * b * c * s).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad.tolist() == [4.0, 4.0, 4.0]
    assert c.grad.tolist() == [[6.0], [6.0]] and s.grad.item() == 6.0


class _WrongShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x._data * 2

    @staticmethod
    def backward(ctx, grad):
        return minigrad.ones(5)


class _Broadcastable(Function):
    @staticmethod
    def forward(ctx, x):
        return np.broadcast_to(x._data, (4, 3)).copy()

    @staticmethod
    def backward(ctx, grad):
        return grad  # (4, 3): the engine sums it back to the input's (3,)


def test_engine_checks_gradient_shapes():
    x = minigrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Function _WrongShapeBackward returned an invalid "
                                           r"gradient at index 0 - got \[5\] but expected shape "
                                           r"compatible with \[3\]"):
        _WrongShape.apply(x).sum().backward()
    _Broadcastable.apply(x).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]


def test_engine_asserts_dtypes_of_builtin_ops(monkeypatch):
    from minigrad.ops.elementwise import Mul

    x = minigrad.ones(2, requires_grad=True)
    y = x * minigrad.ones(2)
    monkeypatch.setattr(Mul, "backward",
                        staticmethod(lambda ctx, g: (g.double(), None)))
    with pytest.raises(RuntimeError, match="expected dtype float32 but got float64"):
        y.sum().backward()


def test_user_functions_get_their_gradient_cast_like_pytorch():
    class Doubling(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.double() * 2

    x = minigrad.ones(2, requires_grad=True)
    Doubling.apply(x).sum().backward()
    assert x.grad.dtype is minigrad.float32 and x.grad.tolist() == [2.0, 2.0]


def test_saved_tensors_are_freed_after_backward():
    x = minigrad.ones(3, requires_grad=True)
    y = x.exp()
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        node.saved_tensors  # noqa: B018 (the access itself raises)


def test_graph_is_collected_after_backward():
    x = minigrad.ones(3, requires_grad=True)
    y = (x * 2).exp()
    ref = weakref.ref(y.grad_fn)
    y.sum().backward()
    del y
    gc.collect()
    assert ref() is None


def test_next_functions_and_node_names():
    x = minigrad.ones(2, requires_grad=True)
    y = x * 2
    z = y.exp()
    assert type(z.grad_fn).__name__ == "ExpBackward0" and z.grad_fn.name() == "ExpBackward0"
    (fn, nr), = z.grad_fn.next_functions
    assert fn is y.grad_fn and nr == 0
    leaf, _ = y.grad_fn.next_functions[0]
    assert leaf is x
    assert "MulBackward0" in repr(y.grad_fn)


def test_multi_output_function_with_unused_output():
    class Split(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data * 2, x._data * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x = minigrad.ones(2, requires_grad=True)
    a, _ = Split.apply(x)
    a.sum().backward()  # b gets no gradient: it arrives as zeros (materialize_grads)
    assert x.grad.tolist() == [2.0, 2.0]


def test_integer_outputs_do_not_require_grad():
    class WithIndices(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data * 1, np.argsort(x._data)

        @staticmethod
        def backward(ctx, g, g_idx):
            return g

    values, idx = WithIndices.apply(minigrad.tensor([3.0, 1.0], requires_grad=True))
    assert values.requires_grad and not idx.requires_grad and idx.grad_fn is None


# -- hooks and retain_grad -------------------------------------------------------------------------
def test_leaf_hook_can_replace_the_gradient_and_be_removed():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * 3).sum().backward()
    assert x.grad.tolist() == [30.0, 30.0] and seen == [[30.0, 30.0]]
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_non_leaf_hook_and_retain_grad():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 100)
    z = y * y
    z.sum().backward()
    assert y.retains_grad and not x.retains_grad
    assert y.grad.tolist() == [400.0, 800.0]  # the hook's result, as PyTorch (retain runs last)
    assert x.grad.tolist() == [800.0, 1600.0]


def test_non_leaf_grad_is_none_without_retain_grad():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    assert y.grad is None


def test_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        minigrad.ones(2).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has "
                                           "requires_grad=False"):
        minigrad.ones(2).retain_grad()


def test_hooks_run_with_autograd_grad_too():
    x = minigrad.tensor(3.0, requires_grad=True)
    x.register_hook(lambda g: g * 2)
    (g,) = autograd.grad(x * x, x)
    assert g.item() == 12.0


def test_anomaly_mode_reports_nan_gradients_with_the_forward_line():
    x = minigrad.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with autograd.detect_anomaly():
            y = (x.sqrt() * 0).sum()
            with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan "
                                                   "values in its 0th output"):
                y.backward()
    assert not autograd.anomaly.is_anomaly_enabled()
    assert any("y = (x.sqrt() * 0).sum()" in str(w.message) for w in caught)
