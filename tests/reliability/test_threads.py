"""Threads: the kernels are re-entrant and release the GIL.

Two Python threads training separate models get bit-identical results to the same trainings
run one after the other; a thread inside a long kernel call does not block the others.
"""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import backend


def _make_job(seed: int):
    """A small conv + linear model, its optimizer and data, all built up front (model
    initialisation draws from the global generator, which the threads must not share)."""
    minigrad.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 16), nn.Tanh(), nn.Linear(16, 3))
    opt = minigrad.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(seed)
    x = minigrad.tensor(rng.standard_normal((6, 8, 1, 8, 8)).astype(np.float32))
    y = minigrad.tensor(rng.integers(0, 3, (6, 8)))
    return model, opt, x, y


def _train(job, steps: int, out: dict, key: int) -> None:
    model, opt, x, y = job
    losses = []
    for step in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x[step % 6]), y[step % 6])
        loss.backward()
        opt.step()
        losses.append(loss._data.item())
    out[key] = (losses, [p._data.copy() for p in model.parameters()])


def _run(jobs, threaded: bool, steps: int = 60) -> dict:
    out: dict = {}
    if threaded:
        threads = [threading.Thread(target=_train, args=(job, steps, out, i))
                   for i, job in enumerate(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a training thread hung"
    else:
        for i, job in enumerate(jobs):
            _train(job, steps, out, i)
    return out


def test_two_threads_train_like_sequential():
    """Bit-identical losses and parameters, threaded vs one after the other."""
    sequential = _run([_make_job(1), _make_job(2)], threaded=False)
    threaded = _run([_make_job(1), _make_job(2)], threaded=True)
    assert sorted(threaded) == [0, 1]
    for i in (0, 1):
        assert threaded[i][0] == sequential[i][0], f"losses of model {i} differ"
        for a, b in zip(threaded[i][1], sequential[i][1]):
            assert np.array_equal(a, b), f"parameters of model {i} differ"
    assert sequential[0][0][-1] < sequential[0][0][0]  # the models did learn


def test_grad_mode_is_per_thread():
    """no_grad in one thread does not switch off recording in another."""
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def no_grad_thread():
        with minigrad.no_grad():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=no_grad_thread)
    t.start()
    assert inside.wait(10)
    x = minigrad.ones(2, requires_grad=True)
    seen["requires_grad"] = (x * 2).requires_grad
    release.set()
    t.join(10)
    assert seen["requires_grad"] is True


@pytest.mark.skipif(backend.name != "C", reason="the GIL release of the C kernels")
def test_kernel_call_releases_the_gil():
    """While one thread is inside a single long GEMM call, another keeps running Python.

    Were the GIL held for the call, the counting thread could not take one step between the
    call's start and end (it would wait for the call to return); cffi releases it.
    """
    threads = backend.get_num_threads()
    backend.set_num_threads(1)  # leave a core for the counting thread
    try:
        rng = np.random.default_rng(0)
        probe = rng.standard_normal((300, 300))
        start = time.perf_counter()
        backend.gemm(probe, probe)
        per_flop = (time.perf_counter() - start) / 300 ** 3
        n = int(min(2000, max(300, (0.25 / per_flop) ** (1 / 3))))  # a call of ~0.25 s
        a = rng.standard_normal((n, n))
        window = {}
        ticks = []
        done = threading.Event()

        def kernel_thread():
            window["start"] = time.perf_counter()
            backend.gemm(a, a)
            window["end"] = time.perf_counter()
            done.set()

        t = threading.Thread(target=kernel_thread)
        t.start()
        while not done.is_set():
            ticks.append(time.perf_counter())
        t.join()
    finally:
        backend.set_num_threads(threads)
    # The middle third of the call: far from the thread switches at its start and end.
    third = (window["end"] - window["start"]) / 3
    during = [s for s in ticks if window["start"] + third < s < window["end"] - third]
    assert len(during) > 100, (f"only {len(during)} Python steps ran during the middle of a "
                               f"{3 * third:.3f} s GEMM call")
