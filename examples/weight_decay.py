"""Weight decay, from Dive into Deep Learning (chapter 3.7 / 4.5).

High-dimensional linear regression: 200 inputs, only 20 training examples (100 for test),
y = 0.05 + sum(0.01 x_i) + noise(0.01). Without a penalty the model memorises the training set
(||w|| about 12-14); lambda = 3 keeps ||w|| small and the test loss low.
Done twice: the L2 penalty added to the loss by hand, and the optimizer's weight_decay on the
weight only (a parameter group per tensor). SGD lr 0.003, minibatches of 5, 100 epochs.

    python examples/weight_decay.py --plot wd.png
"""

from __future__ import annotations

import time

from common import make_parser, plot_losses, pyplot, report, save_figure

import minigrad as torch
from minigrad import nn
from minigrad.utils import data

NUM_INPUTS = 200


def synthetic_data(w, b, num_examples):
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def evaluate_loss(net, data_iter, loss) -> float:
    total, n = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            total += float(loss(net(X), y).sum())
            n += y.numel()
    return total / n


def l2_penalty(w: torch.Tensor) -> torch.Tensor:
    return torch.sum(w.pow(2)) / 2


def train_scratch(lambd, train_iter, test_iter, epochs, lr, batch_size):
    """Penalty by hand: loss + lambda * ||w||^2 / 2, SGD written out."""
    w = torch.normal(0, 1, size=(NUM_INPUTS, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    def net(X):
        return torch.matmul(X, w) + b

    def loss(y_hat, y):
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    curve = []
    for epoch in range(epochs):
        for X, y in train_iter:
            l = loss(net(X), y) + lambd * l2_penalty(w)
            l.sum().backward()
            with torch.no_grad():
                for param in (w, b):
                    param -= lr * param.grad / batch_size
                    param.grad.zero_()
        if (epoch + 1) % 5 == 0:
            curve.append((epoch + 1, evaluate_loss(net, train_iter, loss),
                          evaluate_loss(net, test_iter, loss)))
    return float(torch.norm(w)), curve


def train_concise(wd, train_iter, test_iter, epochs, lr):
    """weight_decay in the optimizer, for the weight only (the bias is not decayed)."""
    net = nn.Sequential(nn.Linear(NUM_INPUTS, 1))
    for param in net.parameters():
        param.data.normal_()
    loss = nn.MSELoss(reduction="none")
    trainer = torch.optim.SGD(
        [{"params": net[0].weight, "weight_decay": wd}, {"params": net[0].bias}], lr=lr
    )
    curve = []
    for epoch in range(epochs):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
        if (epoch + 1) % 5 == 0:
            curve.append((epoch + 1, evaluate_loss(net, train_iter, loss),
                          evaluate_loss(net, test_iter, loss)))
    return float(net[0].weight.norm()), curve


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=100, batch_size=5, lr=0.003, data=False)
    parser.add_argument("--lambdas", type=float, nargs="+", default=[0.0, 3.0])
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    n_train, n_test = 20, 100
    true_w, true_b = torch.ones((NUM_INPUTS, 1)) * 0.01, 0.05
    train_data = data.TensorDataset(*synthetic_data(true_w, true_b, n_train))
    test_data = data.TensorDataset(*synthetic_data(true_w, true_b, n_test))
    train_iter = data.DataLoader(train_data, args.batch_size, shuffle=True)
    test_iter = data.DataLoader(test_data, args.batch_size)
    epochs = 10 if args.quick else args.epochs

    results, curves = {}, {}
    for lambd in args.lambdas:
        for way in ("scratch", "concise"):
            tic = time.perf_counter()
            if way == "scratch":
                norm, curve = train_scratch(lambd, train_iter, test_iter, epochs, args.lr,
                                            args.batch_size)
            else:
                norm, curve = train_concise(lambd, train_iter, test_iter, epochs, args.lr)
            key = f"{way}_lambda_{lambd:g}"
            _, train_loss, test_loss = curve[-1]
            results[key] = {"w_norm": norm, "train_loss": train_loss, "test_loss": test_loss}
            curves[key] = curve
            print(f"{key}: ||w|| {norm:.3f}, train loss {train_loss:.4g}, test loss "
                  f"{test_loss:.4g} ({time.perf_counter() - tic:.1f} s)")

    plt = pyplot(args.plot)
    if plt is not None:
        fig, axes = plt.subplots(1, len(curves), figsize=(4 * len(curves), 3.6), sharey=True)
        for ax, (key, curve) in zip(axes, curves.items()):
            plot_losses(ax, curve, f"{key}\n||w|| = {results[key]['w_norm']:.3f}")
        axes[0].set_ylabel("loss")
        save_figure(fig, args.plot)

    report(start, **results)


if __name__ == "__main__":
    main()
