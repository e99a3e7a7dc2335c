"""Plumbing shared by the examples: command line, progress bar, evaluation, plots, RESULT line.

The interesting parts of each experiment (data, model, loss, optimizer, training loop) stay in
the example script itself; only the boilerplate that every script would repeat lives here,
the way Dive into Deep Learning keeps ``evaluate_accuracy`` and plotting in its ``d2l`` package.
Everything here uses minigrad's public API only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

import minigrad as torch


def make_parser(
    description: str,
    *,
    epochs: int | None,
    batch_size: int | None,
    lr: float | None,
    seed: int = 0,
    data: bool = True,
    helps: dict[str, str] | None = None,
) -> argparse.ArgumentParser:
    """The options every example takes: --epochs --batch-size --lr --data --seed --quick --plot.

    A default of None marks an option the example does not use: it is still accepted, so every
    example can be driven the same way, and its help says so. ``data=False``: the example makes
    its own data. ``helps`` maps an option ("--lr") to a help text that replaces the default one.
    """
    helps = helps or {}
    parser = argparse.ArgumentParser(description=description)

    def option(flag: str, kind: type, default: Any, what: str) -> None:
        text = f"{what} (default: %(default)s)" if default is not None else "not used here"
        parser.add_argument(flag, type=kind, default=default, help=helps.get(flag, text))

    option("--epochs", int, epochs, "passes over the training data")
    option("--batch-size", int, batch_size, "samples per minibatch")
    option("--lr", float, lr, "learning rate")
    parser.add_argument(
        "--data",
        default=None,
        help="folder holding the dataset files (default: the datasets' default root, "
        "$MINIGRAD_DATA/mnist or $MINIGRAD_DATA/fashion-mnist, else ~/.cache/minigrad/...)"
        if data
        else "not used here (synthetic data)",
    )
    parser.add_argument("--seed", type=int, default=seed, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--quick", action="store_true", help="a few batches only: a smoke test that takes seconds"
    )
    parser.add_argument(
        "--plot", metavar="FILE.png", default=None, help="save the figure to this file (matplotlib)"
    )
    return parser


def progress(iterable: Iterable, desc: str, total: int | None = None) -> Iterable:
    """A tqdm progress bar over ``iterable`` when tqdm is installed and stderr is a terminal.

    Otherwise the iterable itself: the examples print one plain line per epoch either way.
    """
    if not sys.stderr.isatty():
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True)


def log(epoch: int, epochs: int, seconds: float, **metrics: float) -> None:
    """One line per epoch: ``epoch  3/10  loss 0.4123  test_acc 0.8512  (12.3 s)``."""
    width = len(str(epochs))
    parts = [f"{name} {value:.4f}" for name, value in metrics.items()]
    print(f"epoch {epoch:{width}d}/{epochs}  " + "  ".join(parts) + f"  ({seconds:.1f} s)", flush=True)


def evaluate(
    model: torch.nn.Module, loader: Iterable, loss_fn: torch.nn.Module | None = None
) -> tuple[float, float]:
    """(accuracy, mean loss) of a classifier over a DataLoader, in eval mode and without grad.

    loss_fn must average over the batch (the default reduction); the mean loss is nan without it.
    """
    was_training = model.training
    model.eval()
    correct = total = 0
    loss_sum = 0.0
    with torch.no_grad():
        for X, y in loader:
            logits = model(X)
            correct += int((logits.argmax(dim=1) == y).sum())
            total += len(y)
            if loss_fn is not None:
                loss_sum += float(loss_fn(logits, y)) * len(y)
    model.train(was_training)
    return correct / total, (loss_sum / total if loss_fn is not None else math.nan)


def accuracy(model: torch.nn.Module, x: torch.Tensor, t: torch.Tensor) -> float:
    """Fraction of the rows of x (N, ...) whose argmax class equals t (N,), in eval mode (dropout
    off, BatchNorm on its running statistics) and without grad; the mode is restored after."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        acc = float((model(x).argmax(dim=1) == t).float().mean())
    model.train(was_training)
    return acc


def multi_layer_net(hidden: int, depth: int, dropout: float = 0.0) -> torch.nn.Sequential:
    """The book's MultiLayerNet: 784 -> ``depth`` ReLU layers of ``hidden`` units -> 10, with
    He initialisation N(0, 2 / fan_in) and, optionally, dropout after each ReLU."""
    nn = torch.nn
    sizes = [784] + [hidden] * depth
    layers: list = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    net = nn.Sequential(*layers, nn.Linear(hidden, 10))
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=math.sqrt(2.0 / m.in_features))
            nn.init.zeros_(m.bias)
    return net


def batches(n: int, batch_size: int, shuffle: bool = True) -> Iterator[torch.Tensor]:
    """Index tensors covering ``range(n)`` in minibatches (for data held as whole tensors)."""
    order = torch.randperm(n) if shuffle else torch.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def pyplot(path: str | None):
    """matplotlib.pyplot drawing to files only, or None when no plot was asked for or possible."""
    if path is None:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            f"--plot {path}: matplotlib is not installed, so no plot was drawn "
            "(pip install matplotlib).",
            file=sys.stderr,
        )
        return None
    return plt


def plot_losses(ax: Any, curve: list, title: str) -> None:
    """Train and test loss per epoch on a log scale; curve holds (epoch, train, test) rows."""
    ep, tr, te = zip(*curve)
    ax.plot(ep, tr, label="train")
    ax.plot(ep, te, "--", label="test")
    ax.set(title=title, xlabel="epoch", yscale="log")
    ax.legend()


def save_figure(fig: Any, path: str) -> None:
    """Write a matplotlib figure to ``path`` and close it."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    print(f"plot saved to {os.path.abspath(path)}")


def _plain(value: Any) -> Any:
    """JSON-friendly numbers: tensors become floats, floats keep 6 significant digits."""
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else str(value)
    return value


def report(start: float, **metrics: Any) -> None:
    """Print the final metrics and the wall time, then the machine-readable line.

    ``RESULT {"test_acc": 0.99, ..., "wall_time_s": 301.2}`` is always the last line: the test
    suite and run_all.py parse it.
    """
    metrics = _plain(metrics)
    metrics["wall_time_s"] = round(time.perf_counter() - start, 1)
    for name, value in metrics.items():
        print(f"{name}: {value}")
    print("RESULT " + json.dumps(metrics), flush=True)
