"""One optimizer step on a model with about 1M parameters (four Linear(512, 512) layers:
1,050,624 parameters in 8 tensors), gradients already in place, float32.

minigrad and PyTorch: ``optim.SGD`` / ``optim.Adam`` ``.step()`` on the model's parameters;
NumPy: the textbook update on a dict of the same arrays.
"""
from __future__ import annotations

import numpy as np

import minigrad
from bench import textbook
from bench.cases import Impl, Target, assert_close, case, to_numpy, torch_or_none

# Issue 5: an optimizer step on a 1M-parameter model costs no more than PyTorch's.
GOALS = [Target("issue 5", "torch", 1.0)]
# name -> (optim class name, keyword arguments, textbook optimizer factory)
OPTIMIZERS = {
    "SGD lr=0.01": ("SGD", {"lr": 0.01}, lambda: textbook.SGD(0.01)),
    "SGD lr=0.01 momentum=0.9": ("SGD", {"lr": 0.01, "momentum": 0.9},
                                 lambda: textbook.Momentum(0.01, 0.9)),
    "Adam lr=1e-3": ("Adam", {"lr": 1e-3}, lambda: textbook.Adam(1e-3)),
}


def _state(width: int, layers: int):
    """Initial parameters and their gradients as float32 arrays, in model.parameters() order."""
    rng = np.random.default_rng(0)
    shapes = [(width, width), (width,)] * layers
    params = [(0.05 * rng.standard_normal(s)).astype(np.float32) for s in shapes]
    grads = [(0.01 * rng.standard_normal(s)).astype(np.float32) for s in shapes]
    return params, grads


def library_fn(lib, opt_name: str, kwargs: dict, params, grads):
    """``opt.step`` of minigrad or torch over Parameters holding copies of ``params``."""
    model = [lib.nn.Parameter(lib.from_numpy(p.copy())) for p in params]
    for p, g in zip(model, grads):
        p.grad = lib.from_numpy(g)
    opt = getattr(lib.optim, opt_name)(model, **kwargs)
    return opt.step, model


def _build(name: str, width: int, layers: int) -> Impl:
    opt_name, kwargs, make_textbook = OPTIMIZERS[name]
    params, grads = _state(width, layers)
    step, _ = library_fn(minigrad, opt_name, kwargs, params, grads)
    np_params = {i: p.copy() for i, p in enumerate(params)}
    np_grads = dict(enumerate(grads))
    np_opt = make_textbook()
    torch = torch_or_none()

    def check():
        ours, model = library_fn(minigrad, opt_name, kwargs, params, grads)
        ref_opt, ref = make_textbook(), {i: p.copy() for i, p in enumerate(params)}
        for _ in range(3):
            ours()
            ref_opt.update(ref, np_grads)
        for i, p in enumerate(model):
            assert_close(to_numpy(p), ref[i], 1e-5, 1e-7, f"parameter {i} after 3 steps")

    return Impl(minigrad=step, numpy=lambda: np_opt.update(np_params, np_grads),
                torch=None if torch is None else library_fn(torch, opt_name, kwargs, params,
                                                            grads)[0],
                check=check)


for _name in OPTIMIZERS:
    def _case(quick, name=_name):
        return _build(name, 8, 2) if quick else _build(name, 512, 4)

    case("optimizer", f"{_name} step, 1.05M parameters", GOALS)(_case)
