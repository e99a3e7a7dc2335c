"""``Tensor.backward`` and ``autograd.grad``: arguments, defaults, errors, higher orders."""
import pytest

import minigrad
from minigrad import autograd
from tests.helpers import assert_close, torch_or_skip


def test_grad_is_none_before_backward_then_accumulates():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    assert x.grad is None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_implicit_gradient_for_one_element_outputs(shape):
    x = minigrad.full(shape, 3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad.shape == shape and x.grad.item() == 6.0


def test_implicit_gradient_needs_one_element():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar "
                                           "outputs$"):
        (x * 2).backward()


def test_explicit_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(minigrad.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]
    x.grad = None
    (x * 2).backward(gradient=minigrad.ones(2, dtype=minigrad.float64))  # cast to the output's
    assert x.grad.dtype is minigrad.float32
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"minigrad.Size\(\[3\]\)"):
        (x * 2).backward(minigrad.ones(3))


def test_backward_of_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does "
                                           "not have a grad_fn"):
        minigrad.tensor([1.0, 2.0]).sum().backward()


def test_backward_on_a_leaf():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    x.backward(minigrad.tensor([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]


def test_second_backward_through_freed_graph_names_retain_graph():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_graph_without_saved_tensors_can_be_reused():
    # As in PyTorch: only saved tensors are freed, so additions backpropagate again.
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_backward_inputs_restricts_accumulation():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    w = minigrad.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    assert x.grad.tolist() == [3.0, 4.0] and w.grad is None
    (x * w).sum().backward(inputs=w)
    assert w.grad.tolist() == [1.0, 2.0]
    h = x * 2
    (h * w).sum().backward(inputs=[h])
    assert h.grad.tolist() == [3.0, 4.0] and x.grad.tolist() == [3.0, 4.0]
    with pytest.raises(RuntimeError, match="`inputs` argument to `backward\\(\\)` cannot be "
                                           "empty."):
        (x * 2).sum().backward(inputs=[])


def test_autograd_backward_function_with_several_roots():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    autograd.backward([(x * 2).sum(), (x * x).sum()])
    assert x.grad.tolist() == [4.0, 6.0]
    x.grad = None
    autograd.backward([x * 2, x * 3], [minigrad.ones(2), minigrad.tensor([1.0, 0.0])])
    assert x.grad.tolist() == [5.0, 2.0]


# -- autograd.grad --------------------------------------------------------------------------------
def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x = minigrad.tensor(2.0, requires_grad=True)
    (g,) = autograd.grad(x * 3, x)
    assert g.item() == 3.0 and x.grad is None
    assert isinstance(autograd.grad(x * x, [x]), tuple)


def test_grad_allow_unused_and_materialize():
    x = minigrad.tensor(2.0, requires_grad=True)
    z = minigrad.tensor(3.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not "
                                           "have been used in the graph"):
        autograd.grad(x * 2, [x, z])
    gx, gz = autograd.grad(x * 2, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None
    gx, gz = autograd.grad(x * 2, [x, z], allow_unused=True, materialize_grads=True)
    assert gz.item() == 0.0


def test_grad_errors():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        autograd.grad(x * 2, x)
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require "
                                           "grad"):
        autograd.grad((x * 2).sum(), [x, minigrad.tensor([1.0])])
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        autograd.grad(minigrad.tensor(1.0), [x])
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        autograd.grad([(x * 2).sum(), (x * 3).sum()], x, [minigrad.tensor(1.0)])


def test_grad_with_grad_outputs_and_several_outputs():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd.grad(x * 2, x, minigrad.ones(2))
    assert g.tolist() == [2.0, 2.0]
    (g,) = autograd.grad([x * 2, x * 3], [x], [minigrad.ones(2), minigrad.ones(2)])
    assert g.tolist() == [5.0, 5.0]
    (g,) = autograd.grad([(x * 2).sum(), (x * 3).sum()], x)
    assert g.tolist() == [5.0, 5.0]
    (g,) = autograd.grad((x * 2).sum(), x, [None])
    assert g.tolist() == [2.0, 2.0]


def test_grad_of_non_leaf_inputs():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    gh, gx = autograd.grad(y, [h, x])
    assert gh.tolist() == [6.0, 12.0] and gx.tolist() == [18.0, 36.0]


def test_grad_runs_only_the_needed_part_of_the_graph():
    # The branch through ``other`` was already freed: autograd.grad with respect to x must not
    # touch it (PyTorch prunes the graph to the inputs).
    x = minigrad.tensor(2.0, requires_grad=True)
    other = minigrad.tensor(3.0, requires_grad=True)
    freed = other * other
    freed.backward()
    y = x * x + freed
    (g,) = autograd.grad(y, x)
    assert g.item() == 4.0


# -- higher order ---------------------------------------------------------------------------------
def test_third_derivative_of_x_to_the_fourth():
    x = minigrad.tensor(2.0, requires_grad=True)
    y = x ** 4
    (g1,) = autograd.grad(y, x, create_graph=True)
    (g2,) = autograd.grad(g1, x, create_graph=True)
    (g3,) = autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (32.0, 48.0, 48.0)
    assert g1.requires_grad and not g3.requires_grad


def test_create_graph_through_backward():
    x = minigrad.tensor(2.0, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    g = x.grad
    assert g.item() == 12.0 and g.requires_grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0  # d/dx 3x^2 = 6x


def test_higher_order_of_a_composite_matches_pytorch():
    torch = torch_or_skip()
    data = [0.3, -1.2, 2.0]
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        y = (x.exp() * x.sin() / (x * x + 1)).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sum(), x)
        results.append([g.detach().numpy() for g in (g1, g2, g3)])
    for ours, theirs in zip(*results):
        assert_close(ours, theirs, rtol=1e-10, atol=1e-12)


# -- textbook cases (REFERENCE.md) --------------------------------------------------------------
def test_apple_graph():
    apple = minigrad.tensor(100.0, requires_grad=True)
    count = minigrad.tensor(2.0, requires_grad=True)
    tax = minigrad.tensor(1.1, requires_grad=True)
    orange = minigrad.tensor(150.0, requires_grad=True)
    orange_count = minigrad.tensor(3.0, requires_grad=True)
    total = (apple * count + orange * orange_count) * tax
    total.backward()
    assert_close(total, 715.0, rtol=1e-6)
    assert_close(tax.grad, 650.0, rtol=1e-6)
    assert_close(apple.grad, 2.2, rtol=1e-6)
    assert_close(count.grad, 110.0, rtol=1e-6)
    assert_close(orange.grad, 3.3, rtol=1e-6)
    assert_close(orange_count.grad, 165.0, rtol=1e-6)


def test_manual_gradient_descent():
    x = minigrad.tensor([2.0], requires_grad=True)
    xs, grads = [], []
    for _ in range(4):
        y = (2 * x) ** 2
        y.backward()
        xs.append(x.item())
        grads.append(x.grad.item())
        x.data.sub_(0.2 * x.grad)
        x.grad.zero_()
    assert_close(xs, [2.0, -1.2, 0.72, -0.432], rtol=1e-5)
    assert_close(grads, [16.0, -9.6, 5.76, -3.456], rtol=1e-5)


def test_a_layer_used_twice_accumulates_both_gradients():
    w = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = minigrad.tensor([1.0, 1.0])

    def layer(v):
        return (w * v).sum(1)

    y = layer(layer(x)).sum()
    y.backward()
    # v = layer(x) = [3, 7]; y = sum_ab w_ab v_b, so dy/dw_ab = v_b + (sum_i w_ia) x_b: the
    # outer use gives v_b, the inner one the column sums [4, 6].
    assert_close(w.grad, [[7.0, 11.0], [9.0, 13.0]])


def test_backward_on_shape_one_and_int64_targets():
    pred = minigrad.tensor([0.5], requires_grad=True)
    target = minigrad.tensor([2])
    loss = (pred - target) ** 2
    assert loss.shape == (1,)
    loss.backward()
    assert_close(pred.grad, [-3.0])
