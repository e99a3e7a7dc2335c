"""Tensor printing: ``str(t)`` is PyTorch's text with ``torch.`` replaced by ``minigrad.``."""
import numpy as np
import pytest

import minigrad
from minigrad._tensor_str import get_printoptions
from tests.helpers import torch_or_skip

_RNG = np.random.default_rng(0)

# (name, array): a spread of values that exercises each formatting rule.
CASES = [
    ("floats", np.array([1.5, 2.25], np.float32)),
    ("integral floats", np.array([1.0, 2.0, -3.0], np.float32)),
    ("ints", np.array([[1, 2], [3, 4]])),
    ("0-d float", np.array(3.5, np.float32)),
    ("0-d int", np.array(7)),
    ("bool", np.array([True, False])),
    ("mixed magnitudes", np.array([0.1, 0.2, 1000.5], np.float32)),
    ("tiny", np.array([1e-5, 1.0], np.float32)),
    ("huge integral", np.array([1e9, 1.0], np.float32)),
    ("huge", np.array([1e9, 2.5e9], np.float32)),
    ("negative", np.array([-1.5, 2.25, -3.125], np.float32)),
    ("nan inf", np.array([np.nan, 1.0, np.inf, -np.inf], np.float32)),
    ("nan inf fraction", np.array([np.nan, 1.5, -np.inf], np.float32)),
    ("only nan", np.array([np.nan], np.float32)),
    ("0-d nan", np.array(np.nan, np.float32)),
    ("zeros", np.array([0.0, 0.0], np.float32)),
    ("negative zero", np.array([-0.0, 1.0], np.float32)),
    ("empty", np.zeros((0,), np.float32)),
    ("empty 2-d", np.zeros((0, 3), np.float32)),
    ("empty int", np.zeros((0,), np.int64)),
    ("empty float64", np.zeros((2, 0), np.float64)),
    ("wrapped matrix", _RNG.standard_normal((6, 12)).astype(np.float32)),
    ("summarized 1-d", _RNG.standard_normal(2000).astype(np.float32)),
    ("summarized 2-d", _RNG.standard_normal((40, 40)).astype(np.float32)),
    ("summarized ints", _RNG.integers(-100, 100, (30, 50))),
    ("summarized bool", np.ones((40, 30), bool)),
    ("3-d", _RNG.standard_normal((3, 4, 5)).astype(np.float32)),
    ("5-d summarized sci", (_RNG.standard_normal((5, 5, 5, 5, 5)) * 1e4).astype(np.float32)),
    ("float64", _RNG.standard_normal((2, 3))),
    ("float64 integral", np.arange(30, dtype=np.float64)),
    ("int32", np.array([1, 2, 3], np.int32)),
    ("uint8", np.array([1, 2, 255], np.uint8)),
    ("float16", np.array([1.5, 2.0], np.float16)),
    ("sci float64", np.array([[1e-10, 3.0]])),
    ("large integral", np.array([123456789.0], np.float32)),
    ("mixed signs magnitudes", np.array([1.0, -1e-3, 1e2], np.float32)),
]


@pytest.mark.parametrize("name,array", CASES, ids=[c[0] for c in CASES])
def test_str_matches_pytorch(name, array):
    torch = torch_or_skip()
    expected = str(torch.from_numpy(array.copy())).replace("torch.", "minigrad.")
    assert str(minigrad.from_numpy(array.copy())) == expected


def test_autograd_suffixes_match_pytorch():
    torch = torch_or_skip()
    ours = minigrad.tensor([1.0, 2.0], requires_grad=True)
    theirs = torch.tensor([1.0, 2.0], requires_grad=True)
    pairs = [
        (ours, theirs),
        (ours * 2, theirs * 2),
        ((ours * 3).sum(), (theirs * 3).sum()),
        (minigrad.ones(2, 2, dtype=minigrad.float64, requires_grad=True),
         torch.ones(2, 2, dtype=torch.float64, requires_grad=True)),
        (minigrad.arange(200.0, requires_grad=True), torch.arange(200.0, requires_grad=True)),
    ]
    for mine, ref in pairs:
        assert str(mine) == str(ref).replace("torch.", "minigrad.")


def test_known_texts_without_torch():
    assert repr(minigrad.tensor([1.0, 2.0], requires_grad=True)) == \
        "tensor([1., 2.], requires_grad=True)"
    x = minigrad.tensor([1.0, 2.5], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 5.], grad_fn=<MulBackward0>)"
    assert repr(minigrad.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(minigrad.tensor(0.5)) == "tensor(0.5000)"
    assert repr(minigrad.zeros(2, dtype=minigrad.float64)) == \
        "tensor([0., 0.], dtype=minigrad.float64)"
    assert repr(minigrad.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(minigrad.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(minigrad.zeros(0, dtype=minigrad.int64)) == "tensor([], dtype=minigrad.int64)"
    assert repr(minigrad.tensor([float("nan"), float("inf")])) == "tensor([nan, inf])"
    big = repr(minigrad.arange(2000))
    assert big == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"


def test_default_dtype_changes_the_dtype_suffix():
    try:
        minigrad.set_default_dtype(minigrad.float64)
        assert repr(minigrad.tensor([1.5])) == "tensor([1.5000])"
        assert repr(minigrad.tensor([1.5], dtype=minigrad.float32)) == \
            "tensor([1.5000], dtype=minigrad.float32)"
    finally:
        minigrad.set_default_dtype(minigrad.float32)


def test_set_printoptions_matches_pytorch():
    torch = torch_or_skip()
    array = (np.random.default_rng(1).standard_normal((3, 30)) * 10).astype(np.float32)
    saved = get_printoptions()
    settings = [{"precision": 2}, {"threshold": 20, "edgeitems": 2}, {"linewidth": 40},
                {"sci_mode": True}, {"profile": "short"}, {"profile": "full"}]
    try:
        for kwargs in settings:
            minigrad.set_printoptions(**kwargs)
            torch.set_printoptions(**kwargs)
            expected = str(torch.from_numpy(array)).replace("torch.", "minigrad.")
            assert str(minigrad.from_numpy(array)) == expected, kwargs
    finally:
        minigrad.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert get_printoptions() == saved


def test_set_printoptions_rejects_unknown_profile():
    with pytest.raises(ValueError, match="profile"):
        minigrad.set_printoptions(profile="verbose")


def test_format_and_str_of_parameters_and_views():
    x = minigrad.arange(6.0).reshape(2, 3)
    assert str(x[1]) == "tensor([3., 4., 5.])"
    assert f"{minigrad.tensor(2.5):.3f}" == "2.500"
    assert "%.5f" % minigrad.tensor(2.5) == "2.50000"  # noqa: UP031
    assert f"{x}" == str(x)
    with pytest.raises(TypeError):
        f"{x:.2f}"  # PyTorch formats only 0-d tensors with a format spec
