"""Activation histograms against weight initialisation, from Deep Learning from Scratch (6.2).

1000 random inputs go through 5 layers of 100 units (no bias). With weights N(0, 0.01^2) the
activations collapse (sigmoid: all near 0.5; ReLU: all near 0), so gradients vanish or all
units say the same thing. Xavier (std 1/sqrt(100)) keeps sigmoid activations spread out and
He (std sqrt(2/100)) does the same for ReLU. Xavier and He come from nn.init.

    python examples/init_activations.py --plot init.png
"""

from __future__ import annotations

import time
from typing import Callable

from common import make_parser, pyplot, report, save_figure

import minigrad as torch
from minigrad import nn

INITS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "std 0.01": lambda w: nn.init.normal_(w, std=0.01),
    "Xavier": nn.init.xavier_normal_,  # std sqrt(2 / (100 + 100)) = 1 / sqrt(100)
    "He": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),  # std sqrt(2 / 100)
}
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "ReLU": nn.ReLU}


def activations(x: torch.Tensor, init: Callable, activation: type, layers: int = 5):
    """The output of every layer of a fresh 100-unit net, as a list of (N, 100) tensors."""
    outputs = []
    with torch.no_grad():
        for _ in range(layers):
            linear = nn.Linear(x.shape[1], 100, bias=False)
            init(linear.weight)
            x = activation()(linear(x))
            outputs.append(x)
    return outputs


def main() -> None:
    parser = make_parser(
        __doc__.split("\n")[0], epochs=None, batch_size=1000, lr=None, data=False,
        helps={"--batch-size": "number of random inputs (default: %(default)s)"},
    )
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    x = torch.randn(100 if args.quick else args.batch_size, 100)
    results, hists = {}, {}
    for act_name, activation in ACTIVATIONS.items():
        for init_name, init in INITS.items():
            key = f"{act_name}, {init_name}"
            outs = activations(x, init, activation)
            hists[key] = outs
            results[key] = {"std_per_layer": [float(a.std()) for a in outs]}
            print(f"{key:16s} std of the activations, layers 1-5: "
                  + " ".join(f"{s:.4f}" for s in results[key]["std_per_layer"]))

    plt = pyplot(args.plot)
    if plt is not None:
        fig, axes = plt.subplots(len(hists), 5, figsize=(13, 2 * len(hists)), sharex=True)
        for row, (key, outs) in zip(axes, hists.items()):
            for i, (ax, a) in enumerate(zip(row, outs)):
                if key.startswith("ReLU"):
                    a = a[a > 0]  # the exact zeros would dwarf every other bar
                # .numpy(): matplotlib's hist walks a non-NumPy sequence element by element
                ax.hist(a.flatten().numpy(), 30, range=(0, 1))
                ax.set_yticks([])
                ax.set_title(f"layer {i + 1}" if key == next(iter(hists)) else "", fontsize=9)
            row[0].set_ylabel(key + (" (> 0)" if key.startswith("ReLU") else ""), fontsize=9)
        save_figure(fig, args.plot)

    report(start, **results)


if __name__ == "__main__":
    main()
