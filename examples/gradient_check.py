"""Gradient check: numerical gradients versus backprop, from Deep Learning from Scratch (ch. 5).

TwoLayerNet (784-50-10) in float64 on 3 MNIST images. Each parameter entry is nudged by
+-h (central differences, h = 1e-4) and the loss re-evaluated; the mean absolute difference to
the backprop gradient is printed per parameter (the book gets 1e-10 to 1e-13). Then both ways
are timed on a batch of 100 images (the book: numerical is about 10^4 times slower).

    python examples/gradient_check.py
    python examples/gradient_check.py --quick      # a sample of entries per parameter
"""

from __future__ import annotations

import time
from typing import Callable

from common import make_parser, progress, pyplot, report, save_figure
from mnist_mlp import TwoLayerNet

import minigrad as torch
from minigrad import datasets, nn


def numerical_gradient(
    f: Callable[[], torch.Tensor], param: torch.Tensor, h: float = 1e-4, entries=None
) -> torch.Tensor:
    """(f(p + h) - f(p - h)) / 2h for each entry of ``param`` (or only for ``entries``)."""
    grad = torch.zeros_like(param)
    flat, flat_grad = param.data.view(-1), grad.view(-1)  # views: writes reach the parameter
    indices = range(flat.numel()) if entries is None else entries.tolist()
    with torch.no_grad():
        for i in indices:
            old = float(flat[i])
            flat[i] = old + h
            loss_plus = float(f())
            flat[i] = old - h
            loss_minus = float(f())
            flat[i] = old
            flat_grad[i] = (loss_plus - loss_minus) / (2 * h)
    return grad


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=None, batch_size=100, lr=None)
    parser.add_argument("--samples", type=int, default=3, help="images in the gradient check")
    parser.add_argument(
        "--time-entries",
        type=int,
        default=2000,
        help="entries timed for the numerical gradient on a full batch (extrapolated to all)",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    train = datasets.MNIST(args.data, train=True)
    x = train.data[: max(args.samples, args.batch_size)].reshape(-1, 784).double() / 255
    t = train.targets[: max(args.samples, args.batch_size)]
    model = TwoLayerNet(784, 50, 10).double()
    loss_fn = nn.CrossEntropyLoss()
    x_check, t_check = x[: args.samples], t[: args.samples]

    def loss() -> torch.Tensor:
        return loss_fn(model(x_check), t_check)

    model.zero_grad()
    loss().backward()

    diffs = {}
    for name, param in model.named_parameters():
        # --quick checks 20 random entries per parameter instead of all 39,760.
        entries = torch.randperm(param.numel())[:20] if args.quick else None
        numerical = numerical_gradient(loss, param, entries=entries)
        backprop = param.grad
        if entries is not None:
            numerical, backprop = numerical.view(-1)[entries], backprop.view(-1)[entries]
        diffs[name] = float((numerical - backprop).abs().mean())
        print(f"{name}: mean |numerical - backprop| = {diffs[name]:.3e}")

    # Timing on a full batch: one backprop gradient against the numerical one.
    x_batch, t_batch = x[: args.batch_size], t[: args.batch_size]

    def batch_loss() -> torch.Tensor:
        return loss_fn(model(x_batch), t_batch)

    reps = 3 if args.quick else 20
    tic = time.perf_counter()
    for _ in range(reps):
        model.zero_grad()
        batch_loss().backward()
    backprop_s = (time.perf_counter() - tic) / reps

    n_params = sum(p.numel() for p in model.parameters())
    n_timed = min(50 if args.quick else args.time_entries, model.W1.numel())
    timed = torch.randperm(model.W1.numel())[:n_timed]
    tic = time.perf_counter()
    for chunk in progress(timed.split(100), "numerical gradient timing"):
        numerical_gradient(batch_loss, model.W1, entries=chunk)
    numerical_s = (time.perf_counter() - tic) / n_timed * n_params
    ratio = numerical_s / backprop_s
    print(
        f"batch {args.batch_size}: backprop {backprop_s * 1e3:.2f} ms, numerical {numerical_s:.1f} s "
        f"(from {n_timed} of {n_params} entries): {ratio:.2e} times slower"
    )

    plt = pyplot(args.plot)
    if plt is not None:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.bar(list(diffs), list(diffs.values()))
        ax.set(yscale="log", ylabel="mean |numerical - backprop|", title="gradient check (float64)")
        save_figure(fig, args.plot)

    report(start, mean_abs_diff=diffs, max_mean_abs_diff=max(diffs.values()),
           backprop_ms=backprop_s * 1e3, numerical_s=numerical_s, time_ratio=ratio)


if __name__ == "__main__":
    main()
