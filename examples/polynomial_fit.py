"""Underfitting and overfitting with polynomial regression, from Dive into Deep Learning (4.4).

y = 5 + 1.2 x - 3.4 x^2/2! + 5.6 x^3/3! + noise(0.1), features x^i / i! for i < 20, 100 training
and 100 test points. A bias-free linear model on the first 4 features fits well (weights close
to [5, 1.2, -3.4, 5.6]); on 2 it underfits; on all 20 it overfits (test loss above train loss).
SGD with lr 0.01, minibatches of 10, 400 epochs (1500 for the 20 features, as d2l).

    python examples/polynomial_fit.py --plot poly.png
"""

from __future__ import annotations

import math
import time

from common import make_parser, plot_losses, progress, pyplot, report, save_figure

import minigrad as torch
from minigrad import nn
from minigrad.utils import data

CASES = {"fit": 4, "underfit": 2, "overfit": 20}


def evaluate_loss(net: nn.Module, data_iter, loss: nn.Module) -> float:
    """Mean per-sample loss over a DataLoader."""
    total, n = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            total += float(loss(net(X), y.reshape(-1, 1)).sum())
            n += len(y)
    return total / n


def train(train_features, test_features, train_labels, test_labels, epochs, lr, batch_size):
    """Returns the learned weights and the (epoch, train loss, test loss) curve."""
    loss = nn.MSELoss(reduction="none")
    net = nn.Sequential(nn.Linear(train_features.shape[-1], 1, bias=False))
    batch_size = min(batch_size, train_labels.shape[0])
    train_iter = data.DataLoader(
        data.TensorDataset(train_features, train_labels), batch_size, shuffle=True
    )
    test_iter = data.DataLoader(data.TensorDataset(test_features, test_labels), batch_size)
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    curve = []
    for epoch in progress(range(epochs), f"{train_features.shape[-1]} features"):
        for X, y in train_iter:
            l = loss(net(X), y.reshape(-1, 1))
            trainer.zero_grad()
            l.mean().backward()
            trainer.step()
        if epoch == 0 or (epoch + 1) % 20 == 0:
            curve.append(
                (epoch + 1, evaluate_loss(net, train_iter, loss), evaluate_loss(net, test_iter, loss))
            )
    return net[0].weight.data.reshape(-1), curve


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=400, batch_size=10, lr=0.01, data=False)
    parser.add_argument("--overfit-epochs", type=int, default=1500,
                        help="epochs for the 20-feature model (default: %(default)s)")
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    max_degree, n_train, n_test = 20, 100, 100
    true_w = torch.zeros(max_degree)
    true_w[0:4] = torch.tensor([5, 1.2, -3.4, 5.6])
    features = torch.randn(n_train + n_test, 1)
    poly_features = features ** torch.arange(max_degree).reshape(1, -1)
    for i in range(max_degree):
        poly_features[:, i] /= math.gamma(i + 1)  # x^i / i!: keeps large powers in range
    labels = poly_features @ true_w
    labels += torch.normal(0, 0.1, size=labels.shape)
    epochs = {"fit": args.epochs, "underfit": args.epochs, "overfit": args.overfit_epochs}
    if args.quick:
        epochs = dict.fromkeys(epochs, 20)

    results, curves = {}, {}
    for case, n_features in CASES.items():
        tic = time.perf_counter()
        weight, curve = train(
            poly_features[:n_train, :n_features], poly_features[n_train:, :n_features],
            labels[:n_train], labels[n_train:], epochs[case], args.lr, args.batch_size,
        )
        _, train_loss, test_loss = curve[-1]
        results[case] = {"train_loss": train_loss, "test_loss": test_loss}
        curves[case] = curve
        print(f"{case} ({n_features} features): train loss {train_loss:.4f}, test loss "
              f"{test_loss:.4f}, weight[:4] {[round(v, 3) for v in weight[:4].tolist()]} "
              f"({time.perf_counter() - tic:.1f} s)")
        if case == "fit":
            results[case]["weight"] = weight.tolist()
            results[case]["max_weight_error"] = float((weight - true_w[:4]).abs().max())

    plt = pyplot(args.plot)
    if plt is not None:
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
        for ax, (case, curve) in zip(axes, curves.items()):
            plot_losses(ax, curve, f"{case}: {CASES[case]} features")
        axes[0].set_ylabel("loss")
        save_figure(fig, args.plot)

    report(start, **results)


if __name__ == "__main__":
    main()
