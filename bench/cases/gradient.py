"""Backpropagation against the numerical gradient, on the textbook's 784-50-10 network
(Linear -> ReLU -> Linear, softmax cross-entropy) with a batch of 100, in float64 as the
textbook's gradient check does.

"backprop": loss and all parameter gradients. minigrad and PyTorch: ``autograd.grad`` of the
``nn.Sequential`` model's loss; NumPy: the textbook ``TwoLayerNet.gradient``.
"numerical gradient": the NumPy column is the textbook's central differences (two forward
passes per parameter); the minigrad and PyTorch columns are their backprop again, so the ratio
is numerical NumPy against minigrad's backprop. A full numerical gradient takes tens of seconds,
so it is timed on a fixed sample of parameters and scaled to all of them (the cost per parameter
is the same two forward passes).
"""
from __future__ import annotations

import numpy as np

import minigrad
from bench import textbook
from bench.cases import Impl, assert_close, case, torch_or_none
from bench.cases._models import mlp, textbook_grads_like, to_textbook, to_torch

SIZES, BATCH = (784, 50, 10), 100
QUICK_SIZES, QUICK_BATCH = (12, 6, 4), 5
SAMPLE = 200  # parameters timed for the numerical gradient


def _setup(quick: bool):
    sizes, batch = (QUICK_SIZES, QUICK_BATCH) if quick else (SIZES, BATCH)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0]))
    t = rng.integers(0, sizes[2], batch)
    minigrad.manual_seed(0)
    model = mlp(minigrad.nn, sizes).double()
    net = textbook.TwoLayerNet(*sizes, dtype=np.float64)
    to_textbook(model, net)
    return model, net, x, t


def library_fn(lib, model, x, t):
    """Loss and parameter gradients by backprop in minigrad or torch."""
    params = list(model.parameters())
    x, t = lib.from_numpy(x), lib.from_numpy(t)
    loss_fn = lib.nn.CrossEntropyLoss()
    return lambda: lib.autograd.grad(loss_fn(model(x), t), params)


def _torch_fn(model, x, t):
    torch = torch_or_none()
    if torch is None:
        return None
    tmodel = mlp(torch.nn, SIZES if x.shape[1] == SIZES[0] else QUICK_SIZES).double()
    to_torch(model, tmodel)
    return library_fn(torch, tmodel, x, t)


def _sample(net, count: int, rng: np.random.Generator) -> list:
    """(key, index) pairs spread over every parameter array, proportionally to its size."""
    keys = list(net.params)
    sizes = np.array([net.params[k].size for k in keys])
    flat = rng.choice(sizes.sum(), size=min(count, sizes.sum()), replace=False)
    bounds = np.cumsum(sizes)
    out = []
    for f in np.sort(flat):
        i = int(np.searchsorted(bounds, f, side="right"))
        local = int(f - (bounds[i - 1] if i else 0))
        out.append((keys[i], np.unravel_index(local, net.params[keys[i]].shape)))
    return out


def _numerical(net, x, t, sample: list, h: float = 1e-4) -> dict:
    grads = {k: np.zeros_like(p) for k, p in net.params.items()}
    for key in grads:
        idx = [i for k, i in sample if k == key]
        if idx:
            grads[key] = textbook.numerical_gradient(lambda: net.loss(x, t), net.params[key], h,
                                                     indices=idx)
    return grads


@case("gradient", "backprop 784-50-10 batch 100 float64 (loss + all gradients)")
def backprop(quick):
    model, net, x, t = _setup(quick)
    ours = library_fn(minigrad, model, x, t)

    def check():
        ref = textbook_grads_like(model, net.gradient(x, t))
        for i, (g, r) in enumerate(zip(ours(), ref)):
            assert_close(g, r, 1e-9, 1e-12, f"gradient {i}")

    return Impl(minigrad=ours, numpy=lambda: net.gradient(x, t), torch=_torch_fn(model, x, t),
                check=check)


@case("gradient", "numerical gradient 784-50-10 batch 100 float64 (NumPy) vs backprop")
def numerical(quick):
    model, net, x, t = _setup(quick)
    total = sum(p.size for p in net.params.values())
    sample = _sample(net, SAMPLE, np.random.default_rng(0))
    ours = library_fn(minigrad, model, x, t)

    def check():
        # The textbook's gradient check: backprop against central differences. A perturbation
        # that moves a ReLU input across 0 makes a central difference wrong (the loss has a kink
        # there), so a small h is used and a few such entries are tolerated.
        num = textbook_grads_like(model, _numerical(net, x, t, sample, h=1e-6))
        grads = [g.numpy() for g in ours()]
        keys = list(net.params)
        diffs = []
        for key, idx in sample:
            i = keys.index(key)
            j = idx[::-1] if num[i].ndim == 2 else idx  # W was transposed to minigrad's layout
            diffs.append(abs(grads[i][j] - num[i][j]) / (1e-3 + abs(num[i][j])))
        good = np.mean(np.array(diffs) < 1e-5)
        assert good >= 0.97, f"backprop matches the numerical gradient on {good:.0%} of entries"

    def note(entry: dict) -> str:
        backprop_np = entry["extra"]["numpy backprop"]
        return (f"NumPy column timed on {len(sample)} of {total:,} parameters and scaled to "
                f"all. Numerical / backprop, both in NumPy: {entry['numpy'] / backprop_np:,.0f}x"
                f" (the textbook: about 10^4x); NumPy backprop {backprop_np * 1e3:.2f} ms.")

    return Impl(minigrad=ours, numpy=lambda: _numerical(net, x, t, sample),
                torch=_torch_fn(model, x, t), check=check,
                scale={"numpy": total / len(sample)},
                extra={"numpy backprop": lambda: net.gradient(x, t)}, note=note)
