"""Learning-rate schedules: StepLR, MultiStepLR, ExponentialLR and CosineAnnealingLR.

Each scheduler drives an SGD optimizer (base lr 0.1) for 200 epochs, stepped once per epoch
after ``optimizer.step()`` as PyTorch wants; ``get_last_lr()`` is recorded and plotted. The
expected values: StepLR(50, 0.5) halves the lr at 50, 100, 150; MultiStepLR([50, 125, 160], 0.5)
at those epochs; ExponentialLR(0.95) gives 0.1 * 0.95^e (0.0080995 at 49);
CosineAnnealingLR(T_max=200) goes from 0.1 down to 0 along half a cosine.

    python examples/lr_schedulers.py --plot schedules.png
"""

from __future__ import annotations

import math
import time
from typing import Callable

from common import make_parser, pyplot, report, save_figure

import minigrad as torch
from minigrad import nn
from minigrad.optim import lr_scheduler


def schedules(epochs: int) -> dict[str, Callable]:
    return {
        "StepLR(50, 0.5)": lambda opt: lr_scheduler.StepLR(opt, step_size=50, gamma=0.5),
        "MultiStepLR([50, 125, 160], 0.5)": lambda opt: lr_scheduler.MultiStepLR(
            opt, milestones=[50, 125, 160], gamma=0.5
        ),
        "ExponentialLR(0.95)": lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.95),
        f"CosineAnnealingLR({epochs})": lambda opt: lr_scheduler.CosineAnnealingLR(
            opt, T_max=epochs
        ),
    }


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=200, batch_size=None, lr=0.1, data=False)
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    model = nn.Linear(2, 1)
    curves: dict[str, list[float]] = {}
    for name, make in schedules(args.epochs).items():
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
        scheduler = make(optimizer)
        lrs = []
        for _ in range(args.epochs):
            lrs.append(scheduler.get_last_lr()[0])
            optimizer.zero_grad()
            model(torch.randn(4, 2)).pow(2).mean().backward()  # one (tiny) training step
            optimizer.step()
            scheduler.step()
        curves[name] = lrs
        marks = [e for e in (0, 49, 50, 100, 125, 150, 160, 199) if e < args.epochs]
        print(f"{name:34s} " + "  ".join(f"e{e}: {lrs[e]:.5g}" for e in marks))

    # The closed forms the schedules should follow, for a self-check printed with the result.
    e = torch.arange(args.epochs).double()
    expected = {
        "StepLR(50, 0.5)": args.lr * 0.5 ** (e // 50),
        "ExponentialLR(0.95)": args.lr * 0.95**e,
        f"CosineAnnealingLR({args.epochs})": args.lr * (1 + torch.cos(math.pi * e / args.epochs)) / 2,
    }
    max_error = {
        name: float((torch.tensor(curves[name], dtype=torch.float64) - ref).abs().max())
        for name, ref in expected.items()
    }

    plt = pyplot(args.plot)
    if plt is not None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        for name, lrs in curves.items():
            ax1.plot(lrs, label=name)
            ax2.plot(lrs, label=name)
        ax1.set(xlabel="epoch", ylabel="learning rate")
        ax2.set(xlabel="epoch", yscale="log")
        ax1.legend(fontsize=8)
        save_figure(fig, args.plot)

    lr_at = {name: {str(ep): lrs[ep] for ep in (49, 50, 125, 160) if ep < len(lrs)}
             for name, lrs in curves.items()}
    report(start, lr_at=lr_at, max_error_vs_formula=max_error)


if __name__ == "__main__":
    main()
