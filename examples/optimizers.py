"""SGD, Momentum, AdaGrad, RMSprop and Adam compared, from Deep Learning from Scratch (ch. 6.1).

1. Trajectories of 30 steps on f(x, y) = x^2 / 20 + y^2 from (-7, 2) with the book's learning
   rates (SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3; RMSprop 0.25, alpha 0.9), drawn over the
   contour lines of f. The minimum is (0, 0).
2. The same five optimizers training a 784 -> [100 x 4, ReLU] -> 10 net on MNIST for 2,000
   iterations of 128 images (the book's lrs: SGD 0.01, Momentum 0.01, AdaGrad 0.01, Adam 0.001;
   RMSprop, not in the book's comparison, 0.001). The book finds SGD clearly the slowest.

    python examples/optimizers.py --plot optimizers.png
"""

from __future__ import annotations

import time
from typing import Callable

from common import make_parser, multi_layer_net, progress, pyplot, report, save_figure

import minigrad as torch
from minigrad import datasets, nn, optim

# name -> optimizer factory, for the 2-D function and for MNIST
TOY: dict[str, Callable] = {
    "SGD": lambda p: optim.SGD(p, lr=0.95),
    "Momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "AdaGrad": lambda p: optim.Adagrad(p, lr=1.5),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.25, alpha=0.9),
    "Adam": lambda p: optim.Adam(p, lr=0.3),
}
MNIST: dict[str, Callable] = {
    "SGD": lambda p: optim.SGD(p, lr=0.01),
    "Momentum": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
    "AdaGrad": lambda p: optim.Adagrad(p, lr=0.01),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.001),
    "Adam": lambda p: optim.Adam(p, lr=0.001),
}


def f(xy: torch.Tensor) -> torch.Tensor:
    return xy[0] ** 2 / 20 + xy[1] ** 2


def trajectory(make_optimizer: Callable, steps: int) -> list[tuple[float, float]]:
    xy = nn.Parameter(torch.tensor([-7.0, 2.0]))
    optimizer = make_optimizer([xy])
    path = [tuple(xy.tolist())]
    for _ in range(steps):
        optimizer.zero_grad()
        f(xy).backward()
        optimizer.step()
        path.append(tuple(xy.tolist()))
    return path


def make_net() -> nn.Sequential:
    return multi_layer_net(100, 4)


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=None, batch_size=128, lr=None)
    parser.add_argument("--iters", type=int, default=2000, help="MNIST iterations per optimizer")
    parser.add_argument("--steps", type=int, default=30, help="steps on the 2-D function")
    args = parser.parse_args()
    start = time.perf_counter()

    paths = {name: trajectory(make, args.steps) for name, make in TOY.items()}
    for name, path in paths.items():
        x, y = path[-1]
        print(f"{name:8s} after {args.steps} steps: ({x:+.4f}, {y:+.4f}), f = {x**2 / 20 + y**2:.3g}")

    train = datasets.MNIST(args.data, train=True)
    n_train, iters = (1000, 8) if args.quick else (None, args.iters)
    x_train, t_train = train.data[:n_train].reshape(-1, 784).float() / 255, train.targets[:n_train]
    loss_fn = nn.CrossEntropyLoss()
    losses: dict[str, list[float]] = {}
    for name, make in MNIST.items():
        torch.manual_seed(args.seed)  # same initial weights and batches for every optimizer
        net = make_net()
        optimizer = make(net.parameters())
        losses[name] = []
        tic = time.perf_counter()
        for _ in progress(range(iters), name):
            batch = torch.randint(0, len(x_train), (args.batch_size,))
            loss = loss_fn(net(x_train[batch]), t_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses[name].append(loss.item())
        tail = losses[name][-100:]
        print(f"{name:8s} MNIST loss over the last {len(tail)} iterations: "
              f"{sum(tail) / len(tail):.4f} ({time.perf_counter() - tic:.1f} s)")

    plt = pyplot(args.plot)
    if plt is not None:
        import numpy as np

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
        X, Y = np.meshgrid(np.arange(-10, 10, 0.01), np.arange(-5, 5, 0.01))
        ax1.contour(X, Y, X**2 / 20 + Y**2, levels=20, colors="lightgray")
        for name, path in paths.items():
            xs, ys = zip(*path)
            ax1.plot(xs, ys, "o-", markersize=3, label=name)
        ax1.plot(0, 0, "k+", markersize=12)
        ax1.set(xlim=(-10, 10), ylim=(-5, 5), xlabel="x", ylabel="y",
                title="f(x, y) = x^2/20 + y^2")
        ax1.legend()
        for name, curve in losses.items():
            window = min(20, len(curve) // 5 + 1)
            smooth = np.convolve(curve, np.ones(window) / window, mode="valid")
            ax2.plot(smooth, label=name)
        ax2.set(xlabel="iteration", ylabel="loss (moving average)", yscale="log",
                title="MNIST, 784-[100x4]-10")
        ax2.legend()
        save_figure(fig, args.plot)

    report(
        start,
        final_point={name: list(path[-1]) for name, path in paths.items()},
        mnist_loss={name: sum(c[-100:]) / len(c[-100:]) for name, c in losses.items()},
        iterations=iters,
    )


if __name__ == "__main__":
    main()
