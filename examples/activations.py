"""Activation functions and their derivatives by autograd, from Dive into Deep Learning (4.1).

ReLU, sigmoid and tanh on x in [-8, 8): the derivative comes from ``y.backward(...)`` and is
compared with the closed forms relu' = [x > 0], sigmoid' = s (1 - s), tanh' = 1 - tanh^2.

    python examples/activations.py --plot activations.png
"""

from __future__ import annotations

import time

from common import make_parser, pyplot, report, save_figure

import minigrad as torch

FUNCTIONS = {
    "relu": (torch.relu, lambda x: (x > 0).float()),
    "sigmoid": (torch.sigmoid, lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x))),
    "tanh": (torch.tanh, lambda x: 1 - torch.tanh(x) ** 2),
}


def main() -> None:
    parser = make_parser(
        __doc__.split("\n")[0], epochs=None, batch_size=None, lr=None, data=False
    )
    args = parser.parse_args()
    start = time.perf_counter()

    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    curves, errors = {}, {}
    for name, (fn, derivative) in FUNCTIONS.items():
        y = fn(x)
        x.grad = None  # a fresh gradient for each function (backward accumulates)
        y.backward(torch.ones_like(x), retain_graph=True)
        grad = x.grad.clone()
        with torch.no_grad():
            errors[name] = float((grad - derivative(x)).abs().max())
        curves[name] = (y.detach(), grad)
        print(f"{name:8s} max |autograd - closed form| = {errors[name]:.2e}")

    plt = pyplot(args.plot)
    if plt is not None:
        fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True)
        for col, (name, (y, grad)) in enumerate(curves.items()):
            axes[0, col].plot(x.detach(), y)
            axes[0, col].set(title=f"{name}(x)")
            axes[1, col].plot(x.detach(), grad, color="tab:orange")
            axes[1, col].set(title=f"grad of {name}", xlabel="x")
            for ax in axes[:, col]:
                ax.grid(True)
        save_figure(fig, args.plot)

    report(start, max_abs_error=errors, points=len(x))


if __name__ == "__main__":
    main()
