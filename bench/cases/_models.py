"""The networks of the training-step and gradient cases, defined once for minigrad.nn and
torch.nn (the same code builds either), and the transfer of one model's initial weights to
the other library and to the textbook NumPy network."""
from __future__ import annotations

import numpy as np

from bench.cases import to_numpy


def mlp(nn, sizes=(784, 256, 10)):
    """Linear -> ReLU -> Linear (the 784-256-10 MLP by default)."""
    return nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]))


def simple_convnet(nn, input_dim=(1, 28, 28), filters=30, kernel=5, hidden=100, classes=10):
    """The textbook's SimpleConvNet: conv 5x5 -> ReLU -> 2x2 max pool -> fc -> ReLU -> fc."""
    c, h, w = input_dim
    flat = filters * ((h - kernel + 1) // 2) * ((w - kernel + 1) // 2)
    return nn.Sequential(nn.Conv2d(c, filters, kernel), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def convnet(nn, input_dim=(1, 28, 28), channels=(32, 64), hidden=128, classes=10):
    """conv32-pool-conv64-pool-fc128-fc10: 3x3 convolutions with padding 1, 2x2 max pools."""
    c, h, w = input_dim
    return nn.Sequential(
        nn.Conv2d(c, channels[0], 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(channels[0], channels[1], 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(channels[1] * (h // 4) * (w // 4), hidden), nn.ReLU(),
        nn.Linear(hidden, classes))


def layers_with_weights(model) -> list:
    return [m for m in model if getattr(m, "weight", None) is not None]


def to_textbook(model, net) -> None:
    """Copy model's weights into the textbook network (its W1, b1, W2, ... in layer order), in
    place so the textbook layers, which share those arrays, see them. Linear weights are
    stored transposed in the textbook's Affine (x @ W)."""
    for i, layer in enumerate(layers_with_weights(model), start=1):
        w = to_numpy(layer.weight)
        net.params[f"W{i}"][...] = w.T if w.ndim == 2 else w
        net.params[f"b{i}"][...] = to_numpy(layer.bias)


def textbook_grads_like(model, grads: dict) -> list:
    """The textbook's gradient dict as a list in model.parameters() order and layout."""
    out = []
    for i, layer in enumerate(layers_with_weights(model), start=1):
        g = grads[f"W{i}"]
        out += [g.T if g.ndim == 2 else g, grads[f"b{i}"]]
    return out


def grads_to_textbook(model, grads: list) -> dict:
    """The inverse of textbook_grads_like: a list in model.parameters() order -> W1, b1, ..."""
    out = {}
    for i, layer in enumerate(layers_with_weights(model), start=1):
        w, b = grads[2 * i - 2], grads[2 * i - 1]
        out[f"W{i}"], out[f"b{i}"] = (w.T if w.ndim == 2 else w), b
    return out


def textbook_params_like(model, net) -> list:
    return textbook_grads_like(model, net.params)


def to_torch(model, torch_model) -> None:
    """Load model's state_dict into the torch model (same module structure, same keys)."""
    import torch

    torch_model.load_state_dict({k: torch.from_numpy(np.array(to_numpy(v)))
                                 for k, v in model.state_dict().items()})
