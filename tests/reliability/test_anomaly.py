"""Anomaly detection: ``set_detect_anomaly`` / ``detect_anomaly`` as in PyTorch.

In anomaly mode every node records where the forward op was created; a backward that returns
NaN raises ``RuntimeError: Function 'LogBackward0' returned nan values in its 0th output.``
after a UserWarning that shows that forward line. Outside anomaly mode nothing is recorded.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad
from minigrad import autograd
from minigrad.autograd import anomaly
from minigrad.autograd.function import Function
from tests.helpers import torch_or_skip


@pytest.fixture(autouse=True)
def _anomaly_off():
    """Every test starts and ends with anomaly mode off (it is process-global)."""
    autograd.set_detect_anomaly(False)
    yield
    autograd.set_detect_anomaly(False)


def _nan_log_graph():
    """log(0) * 0 is NaN forward; LogBackward0 then computes 0 / 0 = NaN."""
    x = minigrad.tensor([0.0, 1.0], requires_grad=True)
    y = x.log() * 0  # the forward line the warning must show
    return x, y


def test_nan_raises_naming_the_function_and_its_output():
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly():
            x, y = _nan_log_graph()
            with pytest.raises(RuntimeError) as info:
                y.sum().backward()
    assert str(info.value) == "Function 'LogBackward0' returned nan values in its 0th output."


def test_warning_shows_the_forward_line():
    """The warning names the node and quotes the line of the forward call that made it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with autograd.detect_anomaly():
            x, y = _nan_log_graph()
            with pytest.raises(RuntimeError):
                y.sum().backward()
    texts = [str(w.message) for w in caught]
    report = [t for t in texts if t.startswith("Error detected in LogBackward0.")]
    assert report, texts
    assert "Traceback of forward call that caused the error" in report[0]
    assert "y = x.log() * 0" in report[0]
    assert "test_anomaly.py" in report[0]
    assert "minigrad/ops" not in report[0]  # only the user's frames, as PyTorch shows


def test_index_of_the_nan_output():
    """d(a/b)/db = -a/b**2 is NaN at a = b = 0 (d/da is inf, not NaN): the 1th output."""
    a = minigrad.tensor([0.0], requires_grad=True)
    b = minigrad.tensor([0.0], requires_grad=True)
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly():
            z = (a / b).sum()
            with pytest.raises(RuntimeError, match=r"'DivBackward0' returned nan values in "
                                                    r"its 1th output"):
                z.backward()


def test_index_counts_inputs_that_need_no_grad():
    """Only b requires grad: its gradient is still the 1th output of DivBackward0."""
    a = minigrad.tensor([0.0])
    b = minigrad.tensor([0.0], requires_grad=True)
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="its 1th output"):
                (a / b).sum().backward()


def test_creation_stack_recorded_only_in_anomaly_mode():
    """metadata['traceback_'] as PyTorch: the formatted user frames of the forward call."""
    x = minigrad.tensor([1.0], requires_grad=True)
    y = x.exp()
    assert "traceback_" not in y.grad_fn.metadata
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly():
            y = x.exp()
    stack = y.grad_fn.metadata["traceback_"]
    assert isinstance(stack, list) and all(isinstance(s, str) for s in stack)
    assert "y = x.exp()" in stack[-1]
    z = x.exp()  # mode off again: nothing recorded
    assert "traceback_" not in z.grad_fn.metadata


def test_no_check_outside_anomaly_mode():
    x, y = _nan_log_graph()
    y.sum().backward()
    assert np.isnan(x.grad._data[0])


def test_check_nan_false_records_but_does_not_raise():
    with autograd.set_detect_anomaly(True, check_nan=False):
        assert anomaly.is_anomaly_enabled()
        assert not anomaly.is_anomaly_check_nan_enabled()
        x, y = _nan_log_graph()
        y.sum().backward()
    assert np.isnan(x.grad._data[0])
    assert not anomaly.is_anomaly_enabled()
    assert anomaly.is_anomaly_check_nan_enabled()


def test_set_detect_anomaly_as_function_and_context():
    autograd.set_detect_anomaly(True)
    assert anomaly.is_anomaly_enabled()
    with autograd.set_detect_anomaly(False):
        assert not anomaly.is_anomaly_enabled()
        x = minigrad.tensor([1.0], requires_grad=True)
        assert "traceback_" not in x.exp().grad_fn.metadata
    assert anomaly.is_anomaly_enabled()
    autograd.set_detect_anomaly(False)
    assert not anomaly.is_anomaly_enabled()


def test_detect_anomaly_restores_on_error():
    with pytest.raises(ValueError):
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            with autograd.detect_anomaly():
                raise ValueError("boom")
    assert not anomaly.is_anomaly_enabled()


def test_top_level_query():
    assert minigrad.is_anomaly_enabled() is False
    with autograd.set_detect_anomaly(True):
        assert minigrad.is_anomaly_enabled() is True


def test_custom_function_nan_and_no_false_alarm():
    """A user Function's node is named ``<Name>Backward``; finite gradients never raise,
    even when they are inf."""

    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * float("nan")

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="Function 'BadBackward' returned nan"):
                Bad.apply(x).sum().backward()
            y = minigrad.tensor([0.0], requires_grad=True)
            (1 / y).sum().backward()  # inf gradient, not NaN
    assert np.isinf(y.grad._data[0])


def test_double_backward_in_anomaly_mode():
    """create_graph works under anomaly mode (the backward graph's nodes get stacks too)."""
    x = minigrad.tensor([1.5], dtype=minigrad.float64, requires_grad=True)
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly():
            (g,) = autograd.grad((x ** 3).sum(), x, create_graph=True)
            g.sum().backward()
    assert np.allclose(x.grad._data, 6 * 1.5)


def test_same_message_as_pytorch():
    torch = torch_or_skip()
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly():
            with pytest.raises(RuntimeError) as theirs:
                (x.log() * 0).sum().backward()
        with autograd.detect_anomaly():
            _, y = _nan_log_graph()
            with pytest.raises(RuntimeError) as ours:
                y.sum().backward()
    assert str(ours.value) == str(theirs.value)


def test_node_made_before_anomaly_mode_says_so():
    """A graph built outside anomaly mode, backpropagated inside it: the NaN is still caught,
    and the warning says that no forward information was recorded (PyTorch's text)."""
    x, y = _nan_log_graph()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="LogBackward0"):
                y.sum().backward()
    assert any("No forward pass information available" in str(w.message) for w in caught)
