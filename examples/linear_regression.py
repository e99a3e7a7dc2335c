"""Linear regression twice, from Dive into Deep Learning (chapters 3.2 and 3.3).

Synthetic data y = X w + b + noise with w = [2, -3.4], b = 4.2, 1000 samples, noise std 0.01.
1. From scratch: parameters with requires_grad, a hand-written minibatch iterator, squared
   loss, and SGD written by hand under no_grad.
2. Concise: TensorDataset + DataLoader, nn.Linear, nn.MSELoss and optim.SGD.
Both train for 3 epochs with lr 0.03 on minibatches of 10; the errors in w and b should be far
below 0.01.

    python examples/linear_regression.py
"""

from __future__ import annotations

import time

from common import log, make_parser, pyplot, report, save_figure

import minigrad as torch
from minigrad import nn
from minigrad.utils import data


def synthetic_data(w: torch.Tensor, b: float, num_examples: int):
    """X: (n, len(w)) standard normal; y: (n, 1) = X w + b + N(0, 0.01^2)."""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def data_iter(batch_size: int, features: torch.Tensor, labels: torch.Tensor):
    """Random minibatches, written out as in d2l 3.2."""
    indices = torch.randperm(len(features))
    for i in range(0, len(features), batch_size):
        batch_indices = indices[i : i + batch_size]
        yield features[batch_indices], labels[batch_indices]


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr: float, batch_size: int) -> None:
    """Minibatch SGD by hand: update in place without recording the update in the graph."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=3, batch_size=10, lr=0.03, data=False)
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    true_w, true_b = torch.tensor([2, -3.4]), 4.2
    features, labels = synthetic_data(true_w, true_b, 200 if args.quick else 1000)
    epochs = 1 if args.quick else args.epochs

    # 1. From scratch.
    w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    scratch_curve = []
    for epoch in range(1, epochs + 1):
        tic = time.perf_counter()
        for X, y in data_iter(args.batch_size, features, labels):
            l = squared_loss(linreg(X, w, b), y)
            l.sum().backward()
            sgd([w, b], args.lr, args.batch_size)
        with torch.no_grad():
            train_l = squared_loss(linreg(features, w, b), labels).mean()
        scratch_curve.append(float(train_l))
        log(epoch, epochs, time.perf_counter() - tic, scratch_loss=train_l)
    scratch_w_err = true_w - w.reshape(true_w.shape)
    scratch_b_err = true_b - b
    print(f"from scratch: error in w {scratch_w_err.tolist()}, error in b {float(scratch_b_err):g}")

    # 2. Concise, with the library's building blocks.
    data_iter2 = data.DataLoader(data.TensorDataset(features, labels), args.batch_size, shuffle=True)
    net = nn.Sequential(nn.Linear(2, 1))
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    loss = nn.MSELoss()
    trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
    concise_curve = []
    for epoch in range(1, epochs + 1):
        tic = time.perf_counter()
        for X, y in data_iter2:
            l = loss(net(X), y)
            trainer.zero_grad()
            l.backward()
            trainer.step()
        with torch.no_grad():
            l = loss(net(features), labels)
        concise_curve.append(float(l))
        log(epoch, epochs, time.perf_counter() - tic, concise_loss=l)
    concise_w_err = true_w - net[0].weight.data.reshape(true_w.shape)
    concise_b_err = true_b - net[0].bias.data
    print(f"concise: error in w {concise_w_err.tolist()}, error in b {float(concise_b_err):g}")

    plt = pyplot(args.plot)
    if plt is not None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.scatter(features[:, 1].detach(), labels.detach(), s=2)
        ax1.set(xlabel="feature 2", ylabel="label", title="synthetic data")
        ax2.plot(range(1, epochs + 1), scratch_curve, marker="o", label="from scratch")
        ax2.plot(range(1, epochs + 1), concise_curve, marker="s", label="concise")
        ax2.set(xlabel="epoch", ylabel="loss", yscale="log")
        ax2.legend()
        save_figure(fig, args.plot)

    report(
        start,
        scratch_w_error=float(scratch_w_err.abs().max()),
        scratch_b_error=float(scratch_b_err.abs().max()),
        concise_w_error=float(concise_w_err.abs().max()),
        concise_b_error=float(concise_b_err.abs().max()),
        concise_loss=concise_curve[-1],
    )


if __name__ == "__main__":
    main()
