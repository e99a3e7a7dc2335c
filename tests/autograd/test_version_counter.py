"""The version counter: backward raises when a tensor saved for it was modified in place."""
import pytest

import minigrad

_MODIFIED = "modified by an inplace operation"


def test_versions_count_in_place_writes():
    x = minigrad.tensor([1.0, 2.0])
    assert x._version == 0
    x.add_(1)
    x[0] = 3.0
    x.zero_()
    x += 1
    assert x._version == 4


def test_modified_saved_output_raises_with_pytorch_text():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp saves its output
    y.add_(1)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert _MODIFIED in message
    assert "[minigrad.FloatTensor [2]], which is output 0 of Exp, is at version 1; expected " \
           "version 0 instead." in message


def test_modified_saved_input_raises():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * y  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match=_MODIFIED + r".*output 0 of Add"):
        z.sum().backward()


def test_modification_through_detach_is_detected_but_not_through_data():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    z = x * x
    x.detach().add_(1)  # detach shares the version counter
    with pytest.raises(RuntimeError, match=_MODIFIED):
        z.sum().backward()

    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    z = w * w
    w.data.add_(1)  # .data does not: PyTorch's documented escape hatch
    z.sum().backward()
    assert w.grad.tolist() == [4.0, 6.0]


def test_modification_through_a_view_is_detected():
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x.exp()
    y[:, 0].mul_(2)
    with pytest.raises(RuntimeError, match=_MODIFIED):
        y.sum().backward()
    w = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 1
    z = h[1:] * h[1:]
    h.add_(1)  # the base changes: its views' version moves too
    with pytest.raises(RuntimeError, match=_MODIFIED):
        z.sum().backward()


def test_unsaved_tensors_may_be_modified():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y + y  # addition saves nothing
    y.add_(1)
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_views_share_the_version_counter():
    x = minigrad.arange(6.0).reshape(2, 3)
    row = x[1]
    row.add_(1)
    assert x._version == row._version == 1
    assert x.tolist() == [[0, 1, 2], [4, 5, 6]]
    t = x.t()
    t.mul_(2)
    assert x._version == 2 and x[1].tolist() == [8, 10, 12]
