"""minigrad.transforms: torchvision semantics on NumPy images and channel-first Tensors."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad import transforms as T
from tests.helpers import torch_or_skip


def u8(*shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


# -- ToTensor ---------------------------------------------------------------------------------


def test_to_tensor_gray_and_color():
    img = u8(5, 7)
    x = T.ToTensor()(img)
    assert isinstance(x, minigrad.Tensor) and x.shape == (1, 5, 7) and x.dtype == minigrad.float32
    np.testing.assert_array_equal(x.numpy()[0], img.astype(np.float32) / 255)
    rgb = u8(5, 7, 3)
    y = T.ToTensor()(rgb)
    assert y.shape == (3, 5, 7)
    np.testing.assert_array_equal(y.numpy()[2], rgb[:, :, 2].astype(np.float32) / 255)
    assert float(y.max()) <= 1.0 and float(y.min()) >= 0.0


def test_to_tensor_keeps_non_uint8_dtype_and_batches():
    f = np.random.default_rng(0).random((4, 4, 2))
    x = T.ToTensor()(f)
    assert x.dtype == minigrad.float64 and x.shape == (2, 4, 4)
    batch = u8(6, 5, 5, 3)
    xb = T.ToTensor()(batch)
    assert xb.shape == (6, 3, 5, 5)
    np.testing.assert_array_equal(xb.numpy()[4], T.ToTensor()(batch[4]).numpy())


def test_to_tensor_of_a_tensor_batch():
    data = minigrad.tensor(u8(3, 4, 4))
    x = T.ToTensor()(data)
    assert x.shape == (3, 4, 4) and x.dtype == minigrad.float32
    np.testing.assert_allclose(x.numpy(), data.numpy() / 255, rtol=1e-6)


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2, 3])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional"):
        T.ToTensor()(np.zeros(3, np.uint8))


# -- Normalize --------------------------------------------------------------------------------


def test_normalize_per_channel():
    x = T.ToTensor()(u8(4, 4, 3))
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.5)
    y = T.Normalize(mean, std)(x)
    expected = (x.numpy() - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[
        :, None, None
    ]
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    assert y.dtype == minigrad.float32 and x.numpy().min() >= 0  # input untouched


def test_normalize_inplace_and_batches():
    x = T.ToTensor()(u8(2, 3, 3, 1))  # (2, 1, 3, 3)
    before = x.numpy().copy()
    out = T.Normalize((0.1307,), (0.3081,), inplace=True)(x)
    assert out is x
    np.testing.assert_allclose(
        x.numpy(), (before - np.float32(0.1307)) / np.float32(0.3081), rtol=1e-6
    )
    nhw = minigrad.rand(5, 3, 3)
    assert T.Normalize([0.5], [0.5])(nhw).shape == (5, 3, 3)


def test_normalize_tracks_gradients():
    x = minigrad.rand(1, 2, 2, requires_grad=True)
    T.Normalize([0.5], [0.25])(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((1, 2, 2), 4.0))


def test_normalize_errors():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize([0], [1])(minigrad.zeros(1, 2, 2, dtype=minigrad.uint8))
    with pytest.raises(ValueError, match=r"\(\.\.\., C, H, W\)"):
        T.Normalize([0], [1])(minigrad.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0], [0])(minigrad.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="Tensor Image"):
        T.Normalize([0], [1])(np.zeros((1, 2, 2), np.float32))
    with pytest.raises(RuntimeError):
        T.Normalize([0, 0, 0], [1, 1, 1])(minigrad.zeros(2, 4, 4))


def test_normalize_matches_torch():
    torch = torch_or_skip()
    x = np.random.default_rng(1).random((2, 3, 4, 4)).astype(np.float32)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    ours = T.Normalize(mean, std)(minigrad.tensor(x)).numpy()
    theirs = (
        (torch.tensor(x) - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    ).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


# -- Compose, Lambda ------------------------------------------------------------------------


def test_compose_lambda_and_repr():
    tf = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2), T.Normalize((0.5,), (0.5,))])
    out = tf(np.full((2, 2), 255, np.uint8))
    np.testing.assert_allclose(out.numpy(), np.full((1, 2, 2), 3.0))
    assert (
        repr(tf)
        == "Compose(\n    ToTensor()\n    Lambda()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"
    )
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        T.Lambda(3)


def test_compose_batch_equals_per_sample():
    imgs = u8(8, 6, 6)
    tf = T.Compose(
        [
            T.Pad(1, padding_mode="reflect"),
            T.CenterCrop(6),
            T.Resize(9),
            T.ToTensor(),
            T.Normalize((0.2,), (0.7,)),
        ]
    )
    batch = tf._batch(imgs)
    stacked = np.stack([tf(im).numpy() for im in imgs])
    assert batch.shape == (8, 1, 9, 9)
    np.testing.assert_array_equal(batch.numpy(), stacked)
    assert T.Compose([T.Lambda(abs)])._batch(imgs) is NotImplemented


# -- Resize ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [(13, 7), (4, 9), (6, 6)])
def test_resize_matches_torch_interpolate(mode, size):
    torch = torch_or_skip()
    x = np.random.default_rng(2).random((2, 3, 6, 8)).astype(np.float32)
    ours = T.Resize(size, interpolation=mode)(minigrad.tensor(x)).numpy()
    kwargs = {} if mode == "nearest" else {"align_corners": False, "antialias": True}
    theirs = torch.nn.functional.interpolate(
        torch.tensor(x), size=size, mode=mode, **kwargs
    ).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_resize_int_keeps_aspect_ratio_and_array_layout():
    img = u8(20, 40, 3)
    out = T.Resize(10)(img)
    assert isinstance(out, np.ndarray) and out.shape == (10, 20, 3) and out.dtype == np.uint8
    assert T.Resize(10)(minigrad.zeros(1, 40, 20)).shape == (1, 20, 10)
    assert T.Resize([8, 5], interpolation=T.InterpolationMode.NEAREST)(u8(4, 4)).shape == (8, 5)
    same = u8(5, 5)
    assert T.Resize(5)(same) is same


def test_resize_uint8_rounds_like_float():
    img = u8(9, 9)
    out = T.Resize((5, 4))(img).astype(int)
    ref = T.Resize((5, 4))(img.astype(np.float32))
    assert np.abs(out - ref).max() <= 0.5 + 1e-4


def test_resize_errors():
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="1 or 2 values"):
        T.Resize([1, 2, 3])
    with pytest.raises(NotImplementedError):
        T.Resize(4, interpolation=T.InterpolationMode.BICUBIC)
    with pytest.raises(ValueError):
        T.Resize(4, interpolation="sideways")


# -- crops, flips, pads -----------------------------------------------------------------------


def test_center_crop():
    img = np.arange(36, dtype=np.uint8).reshape(6, 6)
    np.testing.assert_array_equal(T.CenterCrop(2)(img), img[2:4, 2:4])
    np.testing.assert_array_equal(T.CenterCrop((3, 4))(img), img[2:5, 1:5])  # round(1.5) == 2
    padded = T.CenterCrop(8)(img)
    assert padded.shape == (8, 8) and padded[0].sum() == 0
    np.testing.assert_array_equal(padded[1:7, 1:7], img)
    t = T.CenterCrop(4)(minigrad.ones(2, 3, 6, 6))
    assert t.shape == (2, 3, 4, 4)


def test_random_crop_shapes_padding_and_reproducibility():
    img = u8(28, 28)
    out = T.RandomCrop(28, padding=4)(img)
    assert out.shape == (28, 28)
    minigrad.manual_seed(3)
    a = [T.RandomCrop(20)(img) for _ in range(5)]
    minigrad.manual_seed(3)
    b = [T.RandomCrop(20)(img) for _ in range(5)]
    assert all((x == y).all() for x, y in zip(a, b))
    assert len({x.tobytes() for x in a}) > 1
    crops = [T.RandomCrop(20)(img) for _ in range(10)]
    assert all(
        any((c == img[i : i + 20, j : j + 20]).all() for i in range(9) for j in range(9))
        for c in crops
    )


def test_random_crop_pad_if_needed_and_errors():
    out = T.RandomCrop((6, 10), pad_if_needed=True)(u8(4, 4))
    assert out.shape == (6, 10)
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(5)(u8(4, 4))
    assert T.RandomCrop(4)(minigrad.ones(3, 4, 4)).shape == (3, 4, 4)


def test_horizontal_flip():
    img = np.arange(6, dtype=np.uint8).reshape(2, 3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(img), img[:, ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img
    t = minigrad.tensor(img).reshape(1, 2, 3)
    assert T.RandomHorizontalFlip(1.0)(t).tolist() == [[[2, 1, 0], [5, 4, 3]]]
    flips = [T.RandomHorizontalFlip()(img)[0, 0] for _ in range(50)]
    assert 0 in flips and 2 in flips
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(img), img[::-1])


def test_horizontal_flip_batch_flips_each_image_on_its_own():
    imgs = np.stack([np.arange(4, dtype=np.uint8).reshape(1, 4)] * 64)  # (64, 1, 4)
    out = T.RandomHorizontalFlip(0.5)._batch(imgs)
    firsts = out[:, 0, 0]
    assert set(firsts.tolist()) == {0, 3}
    assert all(row.tolist() in ([0, 1, 2, 3], [3, 2, 1, 0]) for row in out[:, 0])


@pytest.mark.parametrize("mode", ["constant", "edge", "replicate", "reflect", "symmetric"])
def test_pad_modes_on_arrays(mode):
    img = u8(4, 5, 3)
    out = T.Pad((1, 2, 3, 0), fill=7, padding_mode=mode)(img)  # left, top, right, bottom
    assert out.shape == (6, 9, 3)
    np_mode = {"replicate": "edge"}.get(mode, mode)
    kwargs = {"constant_values": 7} if mode == "constant" else {}
    np.testing.assert_array_equal(
        out, np.pad(img, ((2, 0), (1, 3), (0, 0)), mode=np_mode, **kwargs)
    )


def test_pad_matches_torch():
    torch = torch_or_skip()
    x = np.random.default_rng(0).random((2, 3, 5, 6)).astype(np.float32)
    for ours_mode, torch_mode in [
        ("constant", "constant"),
        ("edge", "replicate"),
        ("reflect", "reflect"),
    ]:
        ours = T.Pad([2, 1], padding_mode=ours_mode)(minigrad.tensor(x)).numpy()
        theirs = torch.nn.functional.pad(torch.tensor(x), (2, 2, 1, 1), mode=torch_mode).numpy()
        np.testing.assert_array_equal(ours, theirs)


def test_pad_per_channel_fill_and_negative_padding():
    out = T.Pad(1, fill=(1, 2, 3))(np.zeros((2, 2, 3), np.uint8))
    assert out[0, 0].tolist() == [1, 2, 3] and out[1, 1].tolist() == [0, 0, 0]
    cropped = T.Pad(-1)(minigrad.ones(1, 4, 4))
    assert cropped.shape == (1, 2, 2)


def test_pad_errors():
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        T.Pad("2")
    with pytest.raises(ValueError, match="Padding mode should be either"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple"):
        T.Pad((1, 2, 3))
