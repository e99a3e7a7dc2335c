"""no_grad / enable_grad / set_grad_enabled / inference_mode: context managers and decorators."""
import threading

import pytest

import minigrad
from minigrad import autograd


def _recorded() -> bool:
    return (minigrad.ones(1, requires_grad=True) * 2).requires_grad


def test_no_grad_context_manager():
    x = minigrad.tensor([1.0], requires_grad=True)
    with minigrad.no_grad():
        y = x * 2
        assert not minigrad.is_grad_enabled()
    assert minigrad.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


@pytest.mark.parametrize("decorator", [minigrad.no_grad(), minigrad.no_grad],
                         ids=["no_grad()", "no_grad"])
def test_no_grad_decorator(decorator):
    @decorator
    def double(v):
        """Doubles."""
        return v * 2

    assert not double(minigrad.tensor([1.0], requires_grad=True)).requires_grad
    assert double.__name__ == "double" and double.__doc__ == "Doubles."
    assert minigrad.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    with minigrad.no_grad():
        with minigrad.enable_grad():
            assert _recorded()
        assert not _recorded()

    @minigrad.enable_grad
    def inner():
        return _recorded()

    with minigrad.no_grad():
        assert inner()


def test_set_grad_enabled_as_function_context_and_decorator():
    minigrad.set_grad_enabled(False)
    assert not minigrad.is_grad_enabled() and not _recorded()
    minigrad.set_grad_enabled(True)
    assert minigrad.is_grad_enabled()

    with minigrad.set_grad_enabled(False):
        assert not _recorded()
    assert minigrad.is_grad_enabled()

    @minigrad.set_grad_enabled(False)
    def f():
        return _recorded()

    assert minigrad.is_grad_enabled()  # decorating does not change the mode
    assert not f() and minigrad.is_grad_enabled()
    assert autograd.set_grad_enabled is minigrad.set_grad_enabled


def test_modes_restore_after_exceptions():
    with pytest.raises(ValueError), minigrad.no_grad():
        raise ValueError
    assert minigrad.is_grad_enabled()

    @minigrad.no_grad()
    def fail():
        raise ValueError

    with pytest.raises(ValueError):
        fail()
    assert minigrad.is_grad_enabled()


def test_inference_mode():
    with minigrad.inference_mode():
        assert not _recorded()
    with minigrad.inference_mode(False):
        assert _recorded()

    @minigrad.inference_mode()
    def f():
        return _recorded()

    assert not f()


def test_grad_mode_is_per_thread():
    results = []
    with minigrad.no_grad():
        worker = threading.Thread(target=lambda: results.append(minigrad.is_grad_enabled()))
        worker.start()
        worker.join()
    assert results == [True]


def test_in_place_on_leaf_allowed_under_no_grad():
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with minigrad.no_grad():
        w -= 0.5 * minigrad.ones(2)
        w[0] = 10.0
    assert w.tolist() == [10.0, 1.5] and w.is_leaf and w.requires_grad
