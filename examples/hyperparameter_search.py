"""Random search of the learning rate and weight decay, from Deep Learning from Scratch (6.5).

500 MNIST training images, 20% of them held out for validation (the test set stays untouched).
Each trial draws lr = 10^U(-6, -2) and weight decay = 10^U(-8, -4), trains a
784 -> [100 x 6, ReLU] -> 10 net with SGD for 50 epochs (batches of 100) and records the
validation accuracy. The best trials are ranked; the book finds good ones around lr 1e-3..1e-2.

    python examples/hyperparameter_search.py --trials 100 --plot search.png
"""

from __future__ import annotations

import random
import time

from common import evaluate, make_parser, multi_layer_net, progress, pyplot, report, save_figure

import minigrad as torch
from minigrad import datasets, nn
from minigrad.utils.data import DataLoader, TensorDataset, random_split


def make_net() -> nn.Sequential:
    return multi_layer_net(100, 6)


def train_trial(lr, weight_decay, train_loader, val_loader, epochs):
    """Train one net; returns the per-epoch (train accuracy, validation accuracy) lists."""
    net = make_net()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    train_accs, val_accs = [], []
    for _ in range(epochs):
        for X, y in train_loader:
            loss = loss_fn(net(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        train_accs.append(evaluate(net, train_loader)[0])
        val_accs.append(evaluate(net, val_loader)[0])
    return train_accs, val_accs


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=50, batch_size=100, lr=None)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--train-size", type=int, default=500)
    parser.add_argument("--top", type=int, default=10, help="trials to rank and plot")
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    train = datasets.MNIST(args.data, train=True)
    x = train.data[: args.train_size].reshape(-1, 784).float() / 255
    t = train.targets[: args.train_size]
    n_val = int(len(x) * 0.2)
    train_ds, val_ds = random_split(TensorDataset(x, t), [len(x) - n_val, n_val])
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=len(val_ds))
    epochs, trials = (2, 3) if args.quick else (args.epochs, args.trials)

    results = []
    for trial in progress(range(trials), "trials", total=trials):
        weight_decay = 10 ** rng.uniform(-8, -4)
        lr = 10 ** rng.uniform(-6, -2)
        tic = time.perf_counter()
        train_accs, val_accs = train_trial(lr, weight_decay, train_loader, val_loader, epochs)
        results.append({"lr": lr, "weight_decay": weight_decay, "val_acc": val_accs[-1],
                        "train_acc": train_accs[-1], "curves": (train_accs, val_accs)})
        print(f"trial {trial + 1:3d}/{trials}: val acc {val_accs[-1]:.3f}  lr {lr:.2e}  "
              f"weight decay {weight_decay:.2e}  ({time.perf_counter() - tic:.1f} s)", flush=True)

    ranked = sorted(results, key=lambda r: r["val_acc"], reverse=True)[: args.top]
    print("=========== Hyper-Parameter Optimization Result ===========")
    for i, r in enumerate(ranked, 1):
        print(f"Best-{i} (val acc: {r['val_acc']:.3f}) | lr: {r['lr']:.2e}, "
              f"weight decay: {r['weight_decay']:.2e}")

    plt = pyplot(args.plot)
    if plt is not None:
        cols = 5
        rows = -(-len(ranked) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.4 * rows), squeeze=False,
                                 sharey=True)
        for ax, (i, r) in zip(axes.flat, enumerate(ranked, 1)):
            train_accs, val_accs = r["curves"]
            ax.plot(val_accs, label="validation")
            ax.plot(train_accs, "--", label="train")
            ax.set(title=f"Best-{i}: lr {r['lr']:.1e}\nwd {r['weight_decay']:.1e}", ylim=(0, 1))
            ax.title.set_fontsize(8)
        for ax in list(axes.flat)[len(ranked):]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        save_figure(fig, args.plot)

    report(
        start,
        trials=trials,
        best=[{k: r[k] for k in ("val_acc", "lr", "weight_decay")} for r in ranked[:5]],
        best_val_acc=ranked[0]["val_acc"],
    )


if __name__ == "__main__":
    main()
