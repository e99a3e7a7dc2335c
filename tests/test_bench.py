"""The benchmark suite: `python -m bench --quick` as CI's smoke test, the timer, the report
formatting and the textbook NumPy baselines. No test asserts how fast anything is."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from bench import report, textbook
from bench.cases import Impl, Skip, Target, load_all
from bench.timer import measure
from tests.helpers import assert_close

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _allowed_skip(entry: dict) -> bool:
    """Skips that depend on the environment, not on minigrad."""
    return entry["status"] == "skipped" and (
        ("MNIST" in entry["name"] and not os.environ.get("MINIGRAD_DATA"))
        or ("cffi" in entry["name"] and "C kernels are not in use" in entry["reason"]))


def test_quick_run_checks_every_case(tmp_path):
    out = tmp_path / "quick.json"
    md = tmp_path / "quick.md"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out), "--markdown", str(md)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (run,) = json.loads(out.read_text())
    entries = {(r["group"], r["name"]): r for r in run["results"]}
    expected = [(c.group, c.name) for c in load_all()]
    assert list(entries) == expected  # every registered case ran, in order
    for key, r in entries.items():
        if _allowed_skip(r):
            continue
        assert r["status"] == "ok", (key, r.get("reason"))
        assert r["check"] == "ok", (key, r["check"])
        assert r["minigrad"] > 0 and r["numpy"] > 0, key
        assert r["name"] in proc.stdout  # the console table lists it
    assert run["machine"]["threads"] == os.cpu_count()
    assert run["machine"]["minigrad_backend"]["backend"] in ("C", "NumPy")
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks") and "python -m bench --quick" in text


def test_measure_counts_and_orders_block_times():
    calls = 0

    def busy():
        nonlocal calls
        calls += 1
        return sum(range(200))

    start = time.perf_counter()
    m = measure(busy, min_time=0.02, min_blocks=5, warmup=2)
    wall = time.perf_counter() - start
    assert m.blocks >= 5 and m.calls_per_block >= 1
    assert calls >= 2 + m.blocks * m.calls_per_block  # warm-up and every timed call ran
    # At least half of the blocks took the median or longer, and all of them fit in the wall time.
    assert 0 < m.median * m.calls_per_block * (m.blocks // 2) <= wall
    assert m.iqr >= 0
    assert m.median_us == pytest.approx(m.median * 1e6)


def test_measure_warmup_time_and_bad_blocks():
    calls = 0

    def busy():
        nonlocal calls
        calls += 1
        return sum(range(50))

    start = time.perf_counter()
    measure(busy, min_time=0.001, min_blocks=1, warmup=0, warmup_time=0.05)
    assert time.perf_counter() - start >= 0.05
    with pytest.raises(ValueError, match="min_blocks"):
        measure(busy, min_blocks=0)


def test_ratio_and_time_formatting():
    assert report.ratio_text(1.0, 3.1) == "3.10x faster"
    assert report.ratio_text(2.0, 1.0) == "2.00x slower"
    assert report.ratio_text(1e-3, 12.3, "×") == "12,300× faster"
    assert report.ratio_text(1.0, None) == "-" and report.ratio_text(None, 1.0) == "-"
    assert report.fmt_time(None) == "-"
    assert report.fmt_time(1.5e-6) == "1.50 us"
    assert report.fmt_time(2.5e-4) == "250.0 us"
    assert report.fmt_time(0.0123) == "12.30 ms"
    assert report.fmt_time(3.0) == "3.00 s"


def _fake_run(threads: int = 2, torch: bool = True) -> dict:
    ok = {"group": "conv", "name": "layer fwd+bwd", "status": "ok", "check": "ok",
          "minigrad": 1e-3, "minigrad_iqr": 1e-5, "numpy": 5e-3, "numpy_iqr": 1e-4,
          "torch": 2e-3 if torch else None, "torch_iqr": None, "note": "a note",
          "targets": [{"target": ">= 4x faster than NumPy", "source": "issue 3",
                       "measured": "5.00x", "met": True},
                      {"target": "faster than PyTorch", "source": "issue 3",
                       "measured": "0.50x", "met": False}]}
    skipped = {"group": "data", "name": "MNIST epoch", "status": "skipped", "check": "n/a",
               "reason": "no data", "minigrad": None, "minigrad_iqr": None, "numpy": None,
               "numpy_iqr": None, "torch": None, "torch_iqr": None}
    machine = {"cpu": "Test CPU", "cores": 2, "threads": threads, "python": "3.x",
               "minigrad": "0.1.0", "numpy": "2.x (OpenBLAS)", "torch": "2.x",
               "minigrad_backend": {"backend": "C", "simd": "avx2", "openmp": True}}
    return {"machine": machine, "quick": False, "seconds": 1.0, "results": [ok, skipped]}


def test_console_and_markdown_tables():
    run = _fake_run()
    text = report.console(run)
    assert "[conv]" in text and "[data]" in text
    assert "layer fwd+bwd" in text and "5.00x faster" in text and "2.00x faster" in text
    assert "skipped: no data" in text and "note - layer fwd+bwd: a note" in text
    md = report.markdown([run, _fake_run(threads=1)], "python -m bench --threads 2,1")
    assert "`python -m bench --threads 2,1`" in md
    assert "## 2 thread(s)" in md and "## 1 thread(s)" in md
    assert "| case | minigrad (median ± IQR) | NumPy | minigrad vs NumPy | PyTorch |" in md
    assert "| layer fwd+bwd | 1.00 ms ± 10.0 us | 5.00 ms | 5.00× faster |" in md
    assert "5.00x met" in md and "0.50x NOT met" in md and "2 of 4 goal checks met." in md
    assert "CPU: Test CPU (2 cores) | threads: 2" in report.machine_text(run["machine"])


def test_tables_leave_out_pytorch_when_it_is_missing():
    run = _fake_run(torch=False)
    assert "PyTorch" not in report.console(run).splitlines()[2]
    assert "minigrad vs PyTorch" not in report.markdown([run], "python -m bench")


def test_target_evaluation():
    entry = {"minigrad": 1.0, "numpy": 4.5, "torch": 1.0}
    assert Target("issue 3", "numpy", 4.0).evaluate(entry) == ("4.50x", True)
    assert Target("issue 3", "torch", 1.0).evaluate(entry) == ("1.00x", True)
    assert Target("issue 3", "torch", 1.0, strict=True).evaluate(entry) == ("1.00x", False)
    assert Target("issue 6", max_seconds=2.0).evaluate(entry) == ("1.00 s", True)
    assert Target("issue 3", "torch").evaluate({"minigrad": 1.0, "torch": None}) is None
    assert Target("issue 3", "numpy", 0.9).describe() == ">= 0.9x NumPy's speed"
    assert Target("issue 3", "torch", strict=True).describe() == "faster than PyTorch"
    assert Target("issue 5", "torch").describe() == "no slower than PyTorch"


def test_run_case_records_skips_errors_and_failed_checks():
    from bench.__main__ import run_case
    from bench.cases import Case

    def skip(quick):
        raise Skip("not here")

    def broken(quick):
        raise KeyError("oops")

    def disagree(quick):
        def check():
            raise AssertionError("values differ")
        return Impl(minigrad=lambda: None, numpy=lambda: None, check=check)

    results = [run_case(Case("g", n, b), True, 0.001, 0.0, False)
               for n, b in (("s", skip), ("b", broken), ("d", disagree))]
    assert results[0]["status"] == "skipped" and results[0]["reason"] == "not here"
    assert results[1]["status"] == "error" and "KeyError" in results[1]["reason"]
    assert results[2]["status"] == "ok" and results[2]["check"].startswith("FAILED")
    assert results[2]["minigrad"] > 0 and results[2]["torch"] is None


def test_goal_cases_keep_the_median_of_interleaved_rounds(monkeypatch):
    """Rounds alternate the libraries, in turned-round order every other round, and slow
    outlier rounds do not set the result."""
    import bench.timer
    from bench.__main__ import run_case
    from bench.cases import Case
    from bench.timer import GOAL_ROUNDS, Measurement

    # (ours, theirs) per round; theirs runs first in the odd rounds
    per_round = [(5.0, 1.0), (9.0, 2.0), (3.0, 9.0), (4.0, 8.0), (1.0, 3.0)]
    times = iter([t for r, (o, th) in enumerate(per_round) for t in ((o, th) if r % 2 == 0
                                                                      else (th, o))])
    order = []

    def fake_measure(fn, **kwargs):
        order.append(fn.__name__)
        return Measurement(next(times), 0.0, 5, 1)

    def ours():
        pass

    def theirs():
        pass

    monkeypatch.setattr(bench.timer, "measure", fake_measure)
    case = Case("g", "goal", lambda quick: Impl(minigrad=ours, numpy=theirs),
                [Target("issue 3", "numpy", 1.0)])
    entry = run_case(case, False, 0.001, 0.0, False)
    assert GOAL_ROUNDS == 5
    assert order == ["ours", "theirs", "theirs", "ours"] * 2 + ["ours", "theirs"]
    assert entry["minigrad"] == 4.0 and entry["numpy"] == 3.0  # medians of the five rounds


# ---- the textbook baselines --------------------------------------------------------------

def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    for k, stride, pad in ((3, 1, 1), (2, 2, 0), (3, 2, 1)):
        cols = textbook.im2col(x, k, k, stride, pad)
        y = rng.standard_normal(cols.shape)
        # <im2col(x), y> == <x, col2im(y)>
        assert_close(np.sum(cols * y), np.sum(x * textbook.col2im(y, x.shape, k, k, stride, pad)),
                     rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("make", [
    lambda: textbook.TwoLayerNet(6, 5, 3, weight_init_std=0.5, dtype=np.float64),
    lambda: textbook.SimpleConvNet((1, 8, 8), 2, 3, hidden_size=4, output_size=3,
                                   weight_init_std=0.5, dtype=np.float64),
    lambda: textbook.ConvNet((1, 4, 4), (2, 2), 3, 3, weight_init_std=0.5, dtype=np.float64),
])
def test_textbook_backprop_matches_numerical_gradient(make):
    net = make()
    rng = np.random.default_rng(1)
    shape = (3, 6) if isinstance(net, textbook.TwoLayerNet) else (3,) + (
        (1, 8, 8) if isinstance(net, textbook.SimpleConvNet) else (1, 4, 4))
    x, t = rng.standard_normal(shape), rng.integers(0, 3, 3)
    grads, numerical = net.gradient(x, t), net.numerical_gradient(x, t, h=1e-6)
    assert set(grads) == set(net.params)
    for key in grads:
        assert_close(grads[key], numerical[key], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("layer", [textbook.Relu(), textbook.Sigmoid()])
def test_textbook_activation_backward_matches_numerical_gradient(layer):
    x = np.random.default_rng(2).standard_normal((3, 4))
    g = np.random.default_rng(3).standard_normal((3, 4))
    layer.forward(x)
    dx = layer.backward(g)
    numerical = textbook.numerical_gradient(lambda: float(np.sum(layer.forward(x) * g)), x, 1e-6)
    assert_close(dx, numerical, rtol=1e-5, atol=1e-8)


def test_textbook_layers_keep_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    for layer in (textbook.Pooling(2, 2), textbook.AvgPooling(2, 2),
                  textbook.BatchNormalization(np.ones(3, np.float32), np.zeros(3, np.float32)),
                  textbook.Convolution(np.ones((2, 3, 3, 3), np.float32),
                                       np.zeros(2, np.float32), pad=1)):
        y = layer.forward(x)
        assert y.dtype == np.float32
        assert layer.backward(np.ones_like(y)).dtype == np.float32


def test_textbook_adam_and_momentum_follow_their_update_rules():
    p = {"w": np.array([1.0])}
    opt = textbook.Adam(lr=0.01, beta1=0.9, beta2=0.99)
    for expected in (0.990000, 0.980003):  # REFERENCE.md's two Adam steps on loss w^2 / 2
        opt.update(p, {"w": p["w"].copy()})
        assert_close(p["w"], [expected], rtol=0, atol=1e-6)
    p = {"w": np.array([1.0])}
    opt = textbook.Momentum(lr=0.01, momentum=0.9)
    for expected in (0.990000, 0.971100):  # SGD(momentum=0.9) in REFERENCE.md
        opt.update(p, {"w": p["w"].copy()})
        assert_close(p["w"], [expected], rtol=0, atol=1e-6)
