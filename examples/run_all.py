"""Run every example with its full settings and write the results table into examples/README.md.

    MINIGRAD_DATA=/path/to/data python examples/run_all.py              # everything
    python examples/run_all.py --only mnist_mlp gan                     # some; others are kept
    python examples/run_all.py --quick                                  # smoke run, not stored

Each script prints a final ``RESULT {...}`` JSON line; it is stored in examples/results.json
(merged, so examples can be re-run one at a time) and the table between the markers in
README.md is regenerated from that file. Plots and the saved CNN weights go to --out.
An example that runs past its time limit gets Ctrl-C (SIGINT): mnist_cnn.py then stops after
the current batch and still reports the epochs it finished, and the table says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
START, END = "<!-- results:start -->", "<!-- results:end -->"


def pct(x: float) -> str:
    return f"{100 * x:.2f}%"


@dataclass
class Experiment:
    """One row of the table: how to run it, what the book says, how to read the RESULT."""

    key: str
    script: str
    setting: str
    reference: str
    summary: Callable[[dict], str]
    passed: Callable[[dict], bool]
    args: list[str] = field(default_factory=list)
    timeout_min: float = 30.0


def cnn_summary(r: dict) -> str:
    text = f"test {pct(r['test_acc'])}, train {pct(r['train_acc'])} after {r['epochs']} epochs"
    if r.get("first_epoch_at_target"):
        text += f"; >= 99.0% first at epoch {r['first_epoch_at_target']}"
    if r.get("interrupted"):
        text += (f" (**stopped by the time limit during epoch {r['epochs'] + 1}**; test accuracy "
                 f"per epoch so far: {', '.join(pct(a) for a in r['test_acc_per_epoch']) or 'none'})")
    return text + f"; {r['epoch_time_s']:.0f} s per epoch"


def bn_summary(r: dict) -> str:
    scale = "0.01" if "0.01" in r["plain"] else next(iter(r["plain"]))
    return (f"BatchNorm ahead in train accuracy at {r['bn_better_at']} of {r['scales']} scales; "
            f"at std {scale}: plain {r['plain'][scale]['train_acc']:.3f}, "
            f"BatchNorm {r['batch_norm'][scale]['train_acc']:.3f}")


def fashion(model: str, lr: str) -> Experiment:
    def passed(r: dict) -> bool:
        return r["train_loss"] < 0.5 and r["train_acc"] > 0.7 and r["test_acc"] > 0.7

    ref = "train loss < 0.5, train & test acc > 0.7"
    if model == "softmax":
        ref += " (test about 0.83)"
    return Experiment(
        f"fashion_mnist_{model}", "fashion_mnist.py",
        f"Fashion-MNIST, {model}, SGD lr {lr}, batch 256, 10 epochs", ref,
        lambda r: f"train loss {r['train_loss']:.3f}, train acc {r['train_acc']:.3f}, "
                  f"test acc {r['test_acc']:.3f}",
        passed, ["--model", model], 20,
    )


EXPERIMENTS = [
    Experiment(
        "mnist_mlp", "mnist_mlp.py",
        "TwoLayerNet 784-50-10, std 0.01 init, SGD 0.1, batch 100, 10,000 iterations",
        "test acc about 0.97",
        lambda r: f"test acc {r['test_acc']:.4f} (train {r['train_acc']:.4f})",
        lambda r: r["test_acc"] >= 0.96, timeout_min=20,
    ),
    Experiment(
        "gradient_check", "gradient_check.py",
        "TwoLayerNet, 3 MNIST images, float64, central differences; timing on batch 100",
        "mean abs diff 1e-10 to 1e-13 per parameter; numerical about 10^4 x slower",
        lambda r: ", ".join(f"{k} {v:.1e}" for k, v in r["mean_abs_diff"].items())
        + f"; numerical {r['time_ratio']:.1e} x slower",
        lambda r: r["max_mean_abs_diff"] < 1e-8, timeout_min=30,
    ),
    fashion("softmax", "0.1"),
    fashion("mlp", "0.1"),
    fashion("dropout", "0.5"),
    Experiment(
        "linear_regression", "linear_regression.py",
        "w [2, -3.4], b 4.2, 1000 samples, batch 10, lr 0.03, 3 epochs; scratch and concise",
        "errors in w and b well below 0.01",
        lambda r: f"scratch: w err {r['scratch_w_error']:.1e}, b err {r['scratch_b_error']:.1e}; "
                  f"concise: w err {r['concise_w_error']:.1e}, b err {r['concise_b_error']:.1e}",
        lambda r: max(r[k] for k in r if k.endswith("_error")) < 0.01, timeout_min=5,
    ),
    Experiment(
        "polynomial_fit", "polynomial_fit.py",
        "degree-20 features x^i/i!, 100 train / 100 test, lr 0.01; 4 / 2 / 20 features, "
        "400 / 400 / 1500 epochs",
        "4: weights within 0.2 of [5, 1.2, -3.4, 5.6]; 2: underfits; 20: test loss above train",
        lambda r: f"4: max weight error {r['fit']['max_weight_error']:.3f}, test loss "
                  f"{r['fit']['test_loss']:.4f}; 2: train/test {r['underfit']['train_loss']:.2f}/"
                  f"{r['underfit']['test_loss']:.2f}; 20: train/test "
                  f"{r['overfit']['train_loss']:.4f}/{r['overfit']['test_loss']:.4f} (seed 0; see "
                  f"the notes)",
        lambda r: r["fit"]["max_weight_error"] < 0.2
        and r["overfit"]["test_loss"] > r["overfit"]["train_loss"]
        and r["underfit"]["train_loss"] > 10 * r["fit"]["train_loss"],
        timeout_min=15,
    ),
    Experiment(
        "weight_decay", "weight_decay.py",
        "20 train / 100 test, 200 inputs, lr 0.003, 100 epochs; lambda 0 vs 3, by hand and SGD",
        "||w||: about 12-14 at lambda 0, about 0.x at lambda 3",
        lambda r: "||w|| by hand {:.2f} -> {:.3f}; SGD weight_decay {:.2f} -> {:.3f}".format(
            r["scratch_lambda_0"]["w_norm"], r["scratch_lambda_3"]["w_norm"],
            r["concise_lambda_0"]["w_norm"], r["concise_lambda_3"]["w_norm"]),
        lambda r: all(r[f"{way}_lambda_3"]["w_norm"] < 1 and r[f"{way}_lambda_0"]["w_norm"] > 10
                      for way in ("scratch", "concise")),
        timeout_min=10,
    ),
    Experiment(
        "overfitting", "overfitting.py",
        "300 MNIST images, 784-[100x6]-10, SGD 0.01, 201 epochs; weight decay 0.1; dropout 0.2 "
        "(301 epochs)",
        "train about 100%, test about 60%; weight decay and dropout close the gap",
        lambda r: "; ".join(
            f"{k}: train {v['train_acc']:.3f} test {v['test_acc']:.3f}"
            for k, v in sorted(r.items(), key=lambda kv: kv[0] != "plain")
            if isinstance(v, dict)),
        lambda r: r["plain"]["train_acc"] > 0.98
        and all(v["gap"] < r["plain"]["gap"] for k, v in r.items()
                if isinstance(v, dict) and k != "plain"),
        timeout_min=30,
    ),
    Experiment(
        "optimizers", "optimizers.py",
        "f = x^2/20 + y^2 from (-7, 2), 30 steps; MNIST 784-[100x4]-10, batch 128, 2000 iterations",
        "all reach the minimum's neighbourhood; on MNIST SGD is clearly the slowest",
        lambda r: "MNIST loss at the end: " + ", ".join(
            f"{k} {v:.3f}" for k, v in r["mnist_loss"].items()),
        lambda r: r["mnist_loss"]["SGD"] == max(r["mnist_loss"].values()),
        timeout_min=30,
    ),
    Experiment(
        "init_activations", "init_activations.py",
        "5 layers x 100 units, 1000 inputs; std 0.01 / Xavier / He; sigmoid and ReLU",
        "std 0.01 collapses the activations; Xavier (sigmoid) and He (ReLU) keep them spread",
        lambda r: "std of layer-5 activations: " + ", ".join(
            f"{k} {v['std_per_layer'][-1]:.3g}" for k, v in r.items()
            if isinstance(v, dict)),
        lambda r: r["ReLU, He"]["std_per_layer"][-1] > 100 * r["ReLU, std 0.01"]["std_per_layer"][-1],
        timeout_min=5,
    ),
    Experiment(
        "batch_norm", "batch_norm.py",
        "1000 MNIST images, 784-[100x5]-10, SGD 0.01, 20 epochs, init std 1 ... 1e-4",
        "BatchNorm learns faster, and at more init scales",
        bn_summary,
        lambda r: r["bn_better_at"] > r["scales"] // 2,
        timeout_min=30,
    ),
    Experiment(
        "activations", "activations.py", "relu, sigmoid, tanh on [-8, 8); autograd derivatives",
        "autograd equals the closed-form derivatives",
        lambda r: "max error " + ", ".join(f"{k} {v:.1e}" for k, v in r["max_abs_error"].items()),
        lambda r: max(r["max_abs_error"].values()) < 1e-6, timeout_min=5,
    ),
    Experiment(
        "lr_schedulers", "lr_schedulers.py", "base lr 0.1, 200 epochs",
        "StepLR(50, .5): 0.05 from 50; MultiStepLR: 0.0125 from 160; ExponentialLR(.95): "
        "0.0080995 at 49",
        lambda r: "lr at 50 / 160: StepLR {} / {}, MultiStepLR {} / {}; ExponentialLR at 49: {}".format(
            r["lr_at"]["StepLR(50, 0.5)"]["50"], r["lr_at"]["StepLR(50, 0.5)"]["160"],
            r["lr_at"]["MultiStepLR([50, 125, 160], 0.5)"]["50"],
            r["lr_at"]["MultiStepLR([50, 125, 160], 0.5)"]["160"],
            r["lr_at"]["ExponentialLR(0.95)"]["49"]),
        lambda r: max(r["max_error_vs_formula"].values()) < 1e-9, timeout_min=5,
    ),
    Experiment(
        "hyperparameter_search", "hyperparameter_search.py",
        "500 MNIST images, 20% validation, 784-[100x6]-10, 100 trials x 50 epochs",
        "best trials at lr about 1e-3 to 1e-2, val acc about 0.7-0.8",
        lambda r: "best: " + "; ".join(
            f"val {b['val_acc']:.2f} (lr {b['lr']:.1e}, wd {b['weight_decay']:.0e})"
            for b in r["best"][:3]),
        lambda r: r["best_val_acc"] > 0.6, timeout_min=60,
    ),
    Experiment(
        "gan", "gan.py", "2-D Gaussian data, Linear G, MLP D, Adam 0.05 / 0.005, batch 8, 20 epochs",
        "loss_D and loss_G near 0.693; generated points cover the real ones",
        lambda r: f"loss_D {r['loss_D']:.3f}, loss_G {r['loss_G']:.3f}; generated mean off by "
                  f"{r['mean_error']:.2f}, covariance by {r['cov_error']:.2f}",
        lambda r: abs(r["loss_D"] - 0.693) < 0.05 and r["mean_error"] < 0.5, timeout_min=10,
    ),
    # Last: the long one.
    Experiment(
        "mnist_cnn", "mnist_cnn.py",
        "SimpleConvNet conv 30x5x5-ReLU-pool-4320-100-10, Adam 1e-3, batch 100, 10 epochs; "
        "normalised inputs, cosine-annealed lr, random 2-pixel shifts",
        "20 epochs: train 99.82%, test 98.96%; target >= 99.0% within 20 epochs",
        cnn_summary, lambda r: r["test_acc"] >= 0.99 and not r.get("interrupted"), 
        timeout_min=25,
    ),
]


def run(exp: Experiment, out: str, quick: bool, timeout_min: float | None) -> dict | None:
    """Run one example, echoing its output; returns its RESULT dict (None if it failed)."""
    cmd = [sys.executable, os.path.join(HERE, exp.script), *exp.args,
           "--plot", os.path.join(out, f"{exp.key}.png")]
    if exp.key == "mnist_cnn":
        cmd += ["--save", os.path.join(out, "mnist_cnn.pt")]
    if quick:
        cmd.append("--quick")
    print(f"\n=== {exp.key}: {' '.join(cmd[1:])}", flush=True)
    limit = 60 * (timeout_min if timeout_min is not None else exp.timeout_min)
    tic = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=out)

    def stop() -> None:
        print(f"    [run_all] time limit of {limit / 60:g} min reached: sending Ctrl-C", flush=True)
        proc.send_signal(signal.SIGINT)

    timer = threading.Timer(limit, stop)
    timer.start()
    lines: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            lines.append(line)
            print("    " + line, end="", flush=True)
    except KeyboardInterrupt:  # Ctrl-C in the terminal reached the example too: let it report
        lines.extend(proc.stdout)
    proc.wait()
    timer.cancel()
    results = [json.loads(line[len("RESULT "):]) for line in lines if line.startswith("RESULT ")]
    if proc.returncode != 0 or not results:
        print(f"    [run_all] {exp.key} failed (exit code {proc.returncode})")
        return None
    result = results[-1]
    result["_measured_wall_s"] = round(time.perf_counter() - tic, 1)
    return result


def machine() -> str:
    import minigrad

    cfg = minigrad.backend.config()
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"backend {cfg.get('backend')} ({cfg.get('simd')}, {cfg.get('num_threads')} threads), "
            f"Python {platform.python_version()}")


def cell(text: str) -> str:
    """Markdown table cell text: a literal | would end the cell."""
    return text.replace("|", "\\|")


def command(exp: Experiment) -> str:
    return "`" + " ".join([exp.script, *exp.args]) + "`"


def table(results: dict[str, Any]) -> str:
    rows = ["| example | setting | minigrad | reference (book) | ok | wall time |",
            "|---|---|---|---|---|---|"]
    for exp in EXPERIMENTS:
        entry = results.get(exp.key)
        if entry is None:
            rows.append(f"| {command(exp)} | {cell(exp.setting)} | not run | {cell(exp.reference)} | | |")
            continue
        r = entry["result"]
        try:
            summary, ok = exp.summary(r), "yes" if exp.passed(r) else "**no**"
        except (KeyError, TypeError, ValueError) as err:
            summary, ok = f"unreadable result ({err!r})", "**no**"
        mode = " (**--quick**)" if entry.get("quick") else ""
        wall = r.get("wall_time_s", float("nan"))
        rows.append(f"| {command(exp)} | {cell(exp.setting)} | {cell(summary)}{mode} | "
                    f"{cell(exp.reference)} | {ok} | "
                    f"{wall / 60:.1f} min |")
    return "\n".join(rows)


def load_note(results: dict[str, Any]) -> str:
    loads = [e["load"] for e in results.values() if e.get("load") is not None]
    if not loads:
        return ""
    return (f" Load average (1 min) before each run: {min(loads):.1f} to {max(loads):.1f} on "
            f"{os.cpu_count()} cores; other work on the machine slows the wall times.")


def write_readme(results: dict[str, Any], path: str) -> None:
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    machines = sorted({e["machine"] for e in results.values() if "machine" in e})
    block = "\n".join([
        START,
        "<!-- generated by examples/run_all.py from examples/results.json: do not edit -->",
        "",
        table(results),
        "",
        "Measured on: " + "; ".join(machines) + "." + load_note(results),
        "Dates: " + ", ".join(sorted({e["date"] for e in results.values() if "date" in e})) + ".",
        END,
    ])
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text + "\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these experiments")
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script")
    parser.add_argument("--timeout", type=float, default=None,
                        help="minutes before Ctrl-C (default: per experiment; mnist_cnn 25)")
    parser.add_argument("--out", default=os.path.join(HERE, "runs"),
                        help="folder for plots and the saved weights")
    parser.add_argument("--results", default=os.path.join(HERE, "results.json"),
                        help="JSON file the results are merged into (not with --quick)")
    parser.add_argument("--readme", default=os.path.join(HERE, "README.md"))
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the README")
    args = parser.parse_args()

    # A Python-level SIGINT handler here means the examples start with the default disposition
    # and turn SIGINT into KeyboardInterrupt, even when run_all runs in the background (where
    # the shell makes it ignore SIGINT, which children would otherwise inherit).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    known = {e.key for e in EXPERIMENTS}
    unknown = set(args.only or ()) - known
    if unknown:
        parser.error(f"unknown experiment(s) {sorted(unknown)}; choose from {sorted(known)}")
    os.makedirs(args.out, exist_ok=True)
    store = not args.quick  # smoke runs never overwrite measured results
    results: dict[str, Any] = {}
    if store and os.path.exists(args.results):
        with open(args.results) as f:
            results = json.load(f)

    where = machine()
    for exp in EXPERIMENTS:
        if args.only and exp.key not in args.only:
            continue
        # The machine may be shared: the 1-minute load average before the run goes on record.
        load = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None
        result = run(exp, args.out, args.quick, args.timeout)
        if result is None:
            results.pop(exp.key, None)
        else:
            results[exp.key] = {"result": result, "quick": args.quick, "machine": where,
                                "date": time.strftime("%Y-%m-%d"), "load": load}
        if store:  # after each run, so a crash later loses nothing
            with open(args.results, "w") as f:
                json.dump(results, f, indent=1, sort_keys=True)
            if not args.no_readme:
                write_readme(results, args.readme)
    print("\n" + table(results))


if __name__ == "__main__":
    main()
