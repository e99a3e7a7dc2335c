"""Every script in examples/ runs with --quick, exits 0 and ends with a parseable RESULT line.

The examples run as subprocesses, the way a user runs them, two at a time to keep the file fast.
The MNIST and Fashion-MNIST examples need the data: MINIGRAD_DATA must name a folder holding
mnist/ and fashion-mnist/ (the datasets' default root); when it is unset they are skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None

# id -> (script, extra arguments, keys the RESULT must hold, needs the datasets)
CASES: dict[str, tuple[str, list[str], set[str], bool]] = {
    "mnist_cnn": (
        "mnist_cnn.py", [],
        {"test_acc", "train_acc", "epochs", "epoch_time_s", "test_acc_per_epoch", "reload_ok"},
        True,
    ),
    "mnist_mlp": ("mnist_mlp.py", [], {"test_acc", "train_acc", "iterations"}, True),
    "gradient_check": (
        "gradient_check.py", [], {"mean_abs_diff", "max_mean_abs_diff", "time_ratio"}, True,
    ),
    "fashion_mnist_softmax": (
        "fashion_mnist.py", ["--model", "softmax"], {"train_loss", "train_acc", "test_acc"}, True,
    ),
    "fashion_mnist_dropout": (
        "fashion_mnist.py", ["--model", "dropout"], {"train_loss", "train_acc", "test_acc"}, True,
    ),
    "linear_regression": (
        "linear_regression.py", [],
        {"scratch_w_error", "scratch_b_error", "concise_w_error", "concise_b_error"}, False,
    ),
    "polynomial_fit": ("polynomial_fit.py", [], {"fit", "underfit", "overfit"}, False),
    "weight_decay": (
        "weight_decay.py", [],
        {"scratch_lambda_0", "scratch_lambda_3", "concise_lambda_0", "concise_lambda_3"}, False,
    ),
    "overfitting": ("overfitting.py", [], {"plain", "weight_decay_0.1", "dropout_0.2"}, True),
    "optimizers": ("optimizers.py", [], {"final_point", "mnist_loss"}, True),
    "init_activations": (
        "init_activations.py", [], {"sigmoid, std 0.01", "ReLU, He", "sigmoid, Xavier"}, False,
    ),
    "batch_norm": ("batch_norm.py", [], {"plain", "batch_norm", "bn_better_at"}, True),
    "activations": ("activations.py", [], {"max_abs_error"}, False),
    "lr_schedulers": ("lr_schedulers.py", [], {"lr_at", "max_error_vs_formula"}, False),
    "hyperparameter_search": (
        "hyperparameter_search.py", [], {"trials", "best", "best_val_acc"}, True,
    ),
    "gan": ("gan.py", [], {"loss_D", "loss_G", "mean_error"}, False),
}


def _env(extra_path: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # Two examples run at once on small inputs: one thread each. Threaded BLAS/OpenMP spinning
    # against each other (and against the rest of the suite) cost several times the CPU.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    paths = [p for p in (extra_path, str(ROOT), env.get("PYTHONPATH")) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )


def _result(proc: subprocess.CompletedProcess) -> dict:
    """The JSON of the last line, which must be the RESULT line."""
    assert proc.returncode == 0, f"exit code {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("RESULT "), f"last line is not a RESULT line: {last!r}"
    return json.loads(last[len("RESULT "):])


@pytest.fixture(scope="module")
def quick_runs(request, tmp_path_factory) -> dict[str, tuple[Future, Path]]:
    """Start every selected example at once (two processes at a time); tests wait for theirs."""
    selected = [
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "callspec", None) is not None
        and "case" in item.callspec.params
        and Path(str(item.fspath)) == Path(__file__)
    ]
    have_data = bool(os.environ.get("MINIGRAD_DATA"))
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {}
    for case in selected:
        script, extra, _, needs_data = CASES[case]
        if needs_data and not have_data:
            continue
        out = tmp_path_factory.mktemp(case)
        args = [str(EXAMPLES / script), *extra, "--quick"]
        if HAVE_MATPLOTLIB:
            args += ["--plot", str(out / "plot.png")]
        futures[case] = (pool.submit(_run, args, out, _env()), out)
    yield futures
    pool.shutdown(wait=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_example_quick(case: str, quick_runs: dict[str, tuple[Future, Path]]) -> None:
    script, _, keys, needs_data = CASES[case]
    if needs_data and not os.environ.get("MINIGRAD_DATA"):
        pytest.skip(f"{script} needs MNIST / Fashion-MNIST: set MINIGRAD_DATA to a folder "
                    "holding mnist/ and fashion-mnist/")
    future, out = quick_runs[case]
    result = _result(future.result())
    assert keys | {"wall_time_s"} <= set(result), f"missing keys {keys - set(result)}"
    if HAVE_MATPLOTLIB:
        assert (out / "plot.png").stat().st_size > 0


def test_quick_results_are_meaningful(quick_runs: dict[str, tuple[Future, Path]]) -> None:
    """Where even a --quick run has an exact answer, check it (backprop and schedules)."""
    if "activations" not in quick_runs or "lr_schedulers" not in quick_runs:
        pytest.skip("run together with the activations and lr_schedulers cases")
    activations = _result(quick_runs["activations"][0].result())
    assert max(activations["max_abs_error"].values()) < 1e-6
    schedules = _result(quick_runs["lr_schedulers"][0].result())
    assert schedules["lr_at"]["StepLR(50, 0.5)"]["50"] == pytest.approx(0.05)
    assert schedules["lr_at"]["ExponentialLR(0.95)"]["49"] == pytest.approx(0.0080995, rel=1e-4)
    if "gradient_check" in quick_runs:
        check = _result(quick_runs["gradient_check"][0].result())
        assert check["max_mean_abs_diff"] < 1e-8


def test_run_all_reads_every_result(
    quick_runs: dict[str, tuple[Future, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """run_all.py's table rows can be built from each example's RESULT (same keys on both sides)."""
    spec = importlib.util.spec_from_file_location("run_all", EXAMPLES / "run_all.py")
    run_all = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "run_all", run_all)  # dataclasses look their module up
    spec.loader.exec_module(run_all)
    checked = 0
    for exp in run_all.EXPERIMENTS:
        if exp.key not in quick_runs:
            continue
        result = _result(quick_runs[exp.key][0].result())
        assert isinstance(exp.summary(result), str)
        assert isinstance(exp.passed(result), bool)
        checked += 1
    if not checked:
        pytest.skip("no example ran")
    table = run_all.table({e.key: {"result": {}} for e in run_all.EXPERIMENTS[:1]})
    assert "unreadable result" in table  # an empty RESULT is reported, not raised


def test_plot_without_matplotlib_says_so(tmp_path: Path) -> None:
    """--plot with matplotlib missing: a clear message, no plot, and the run still succeeds."""
    blocker = tmp_path / "blocker" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('matplotlib hidden by the test')\n")
    proc = _run(
        [str(EXAMPLES / "activations.py"), "--quick", "--plot", "out.png"],
        tmp_path, _env(str(blocker.parent)),
    )
    result = _result(proc)
    assert "max_abs_error" in result
    assert "matplotlib is not installed" in proc.stderr
    assert not (tmp_path / "out.png").exists()
