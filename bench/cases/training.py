"""Whole training steps (zero_grad, forward, loss, backward, optimizer step) on one batch.

minigrad and PyTorch: ``nn.Sequential`` models, ``nn.CrossEntropyLoss`` and ``optim`` exactly
as a learner writes them; NumPy: the textbook networks (``net.gradient`` + ``opt.update``).
All three start from the same weights (minigrad's default init, copied) and see the same batch.
The check runs one step in minigrad and in NumPy and compares the loss, every gradient and
every updated parameter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

import minigrad
from bench import textbook
from bench.cases import Impl, assert_close, case, to_numpy, torch_or_none
from bench.cases._models import (
    convnet,
    grads_to_textbook,
    mlp,
    simple_convnet,
    textbook_grads_like,
    textbook_params_like,
    to_textbook,
    to_torch,
)


@dataclass
class Setup:
    model: Callable  # model(nn) -> Sequential
    net: Callable  # net() -> textbook network with the same architecture
    input_shape: tuple  # one sample
    batch: int
    optimizer: str  # "SGD" or "Adam"
    lr: float


def _mlp(quick: bool) -> Setup:
    sizes = (64, 32, 10) if quick else (784, 256, 10)
    return Setup(lambda nn: mlp(nn, sizes), lambda: textbook.TwoLayerNet(*sizes),
                 (sizes[0],), 8 if quick else 128, "SGD", 0.1)


def _simple_convnet(quick: bool) -> Setup:
    dim, filters, hidden = ((1, 12, 12), 4, 16) if quick else ((1, 28, 28), 30, 100)
    return Setup(lambda nn: simple_convnet(nn, dim, filters, 5, hidden),
                 lambda: textbook.SimpleConvNet(dim, filters, 5, hidden_size=hidden),
                 dim, 4 if quick else 100, "Adam", 1e-3)


def _convnet(quick: bool) -> Setup:
    dim, channels, hidden = ((1, 8, 8), (4, 8), 16) if quick else ((1, 28, 28), (32, 64), 128)
    return Setup(lambda nn: convnet(nn, dim, channels, hidden),
                 lambda: textbook.ConvNet(dim, channels, hidden),
                 dim, 4 if quick else 64, "Adam", 1e-3)


def _batch(s: Setup):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((s.batch,) + s.input_shape).astype(np.float32),
            rng.integers(0, 10, s.batch))


def _library_step(lib, s: Setup, model, x, t) -> Callable:
    """One training step of a minigrad or torch model, written as a learner would."""
    opt = getattr(lib.optim, s.optimizer)(model.parameters(), lr=s.lr)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        opt.step()
        return loss

    return step


def _textbook_step(s: Setup, net, x, t) -> Callable:
    opt = textbook.SGD(s.lr) if s.optimizer == "SGD" else textbook.Adam(s.lr)

    def step():
        grads = net.gradient(x, t)
        opt.update(net.params, grads)
        return net.last_layer.loss

    return step


def _build(setup: Callable, quick: bool) -> Impl:
    s = setup(quick)
    x, t = _batch(s)
    minigrad.manual_seed(0)
    model = s.model(minigrad.nn)
    net = s.net()
    to_textbook(model, net)
    mx, mt = minigrad.from_numpy(x), minigrad.from_numpy(t)
    torch_fn = None
    torch = torch_or_none()
    if torch is not None:
        tmodel = s.model(torch.nn)
        to_torch(model, tmodel)
        torch_fn = _library_step(torch, s, tmodel, torch.from_numpy(x), torch.from_numpy(t))

    def check():
        # Fresh copies: the timed models keep training.
        minigrad.manual_seed(1)
        m = s.model(minigrad.nn)
        n = s.net()
        to_textbook(m, n)
        opt = getattr(minigrad.optim, s.optimizer)(m.parameters(), lr=s.lr)
        loss = minigrad.nn.CrossEntropyLoss()(m(mx), mt)
        loss.backward()
        grads = [to_numpy(p.grad).copy() for p in m.parameters()]
        opt.step()
        ref = textbook_grads_like(m, n.gradient(x, t))
        assert_close(loss, n.last_layer.loss, 1e-4, 1e-6, "loss")
        for i, (g, r) in enumerate(zip(grads, ref)):
            assert_close(g, r, 1e-3, 1e-4 * float(np.abs(r).max()) + 1e-7, f"grad {i}")
        # The update from the same gradients: float32 rounding in the backward passes can turn
        # a near-zero gradient's Adam step (about lr * sign(grad)) around, so the textbook
        # optimizer is given minigrad's gradients.
        make_opt = textbook.SGD if s.optimizer == "SGD" else textbook.Adam
        make_opt(s.lr).update(n.params, grads_to_textbook(m, grads))
        for i, (p, r) in enumerate(zip(m.parameters(), textbook_params_like(m, n))):
            assert_close(p, r, 1e-5, 1e-7, f"parameter {i} after the step")

    return Impl(minigrad=_library_step(minigrad, s, model, mx, mt),
                numpy=_textbook_step(s, net, x, t), torch=torch_fn, check=check)


case("training", "MLP 784-256-10 batch 128, SGD")(lambda quick: _build(_mlp, quick))
case("training", "SimpleConvNet batch 100, Adam")(lambda quick: _build(_simple_convnet, quick))
case("training", "conv32-pool-conv64-pool-fc128-fc10 batch 64, Adam")(
    lambda quick: _build(_convnet, quick))
