"""Batch normalisation against the scale of the initial weights, from Deep Learning from Scratch
(chapter 6.3).

A 784 -> [100 x 5] -> 10 ReLU net, weights drawn from N(0, scale^2), trained on 1,000 MNIST
images with SGD (lr 0.01, batches of 100, 20 epochs), once plain and once with BatchNorm1d
between every Linear and its ReLU. Without BatchNorm, training only works for a narrow band of
scales; with it, learning is faster and works over a much wider range.

    python examples/batch_norm.py --plot bn.png
"""

from __future__ import annotations

import time

from common import accuracy, batches, make_parser, pyplot, report, save_figure

import minigrad as torch
from minigrad import datasets, nn


def make_net(scale: float, batch_norm: bool) -> nn.Sequential:
    sizes = [784] + [100] * 5
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(n_in, n_out))
        if batch_norm:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(nn.ReLU())
    net = nn.Sequential(*layers, nn.Linear(100, 10))
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=scale)
            nn.init.zeros_(m.bias)
    return net


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=20, batch_size=100, lr=0.01)
    parser.add_argument("--scales", type=float, nargs="+",
                        default=[1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001],
                        help="standard deviations of the initial weights")
    parser.add_argument("--train-size", type=int, default=1000)
    args = parser.parse_args()
    start = time.perf_counter()

    train, test = datasets.MNIST(args.data, train=True), datasets.MNIST(args.data, train=False)
    n_train, n_test, epochs, scales = args.train_size, None, args.epochs, args.scales
    if args.quick:
        n_train, n_test, epochs, scales = 300, 500, 2, [scales[0], scales[-1]]
    x_train = train.data[:n_train].reshape(-1, 784).float() / 255
    t_train = train.targets[:n_train]
    x_test, t_test = test.data[:n_test].reshape(-1, 784).float() / 255, test.targets[:n_test]

    loss_fn = nn.CrossEntropyLoss()
    results: dict[str, dict[str, float]] = {}
    curves: dict[float, dict[str, list[float]]] = {}
    for scale in scales:
        curves[scale] = {}
        line = f"scale {scale:<7g}"
        for name, bn in (("plain", False), ("batch_norm", True)):
            torch.manual_seed(args.seed)  # same batches for both nets
            net = make_net(scale, bn)
            optimizer = torch.optim.SGD(net.parameters(), lr=args.lr)
            accs = []
            for _ in range(epochs):
                for idx in batches(len(x_train), args.batch_size):
                    loss = loss_fn(net(x_train[idx]), t_train[idx])
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                accs.append(accuracy(net, x_train, t_train))
            curves[scale][name] = accs
            test_acc = accuracy(net, x_test, t_test)
            results.setdefault(name, {})[f"{scale:g}"] = {"train_acc": accs[-1], "test_acc": test_acc}
            line += f"  {name}: train {accs[-1]:.3f} test {test_acc:.3f}"
        print(line, flush=True)

    plt = pyplot(args.plot)
    if plt is not None:
        cols = min(len(scales), 3)
        rows = -(-len(scales) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
        for ax, (scale, acc) in zip(axes.flat, curves.items()):
            ax.plot(range(1, epochs + 1), acc["batch_norm"], label="BatchNorm")
            ax.plot(range(1, epochs + 1), acc["plain"], "--", label="plain")
            ax.set(title=f"init std {scale:g}", ylim=(0, 1), xlabel="epoch",
                   ylabel="train accuracy")
        for ax in list(axes.flat)[len(scales):]:
            ax.axis("off")
        axes.flat[0].legend(loc="lower right")
        save_figure(fig, args.plot)

    wins = sum(
        results["batch_norm"][k]["train_acc"] > results["plain"][k]["train_acc"]
        for k in results["plain"]
    )
    report(start, bn_better_at=wins, scales=len(scales), **results)


if __name__ == "__main__":
    main()
