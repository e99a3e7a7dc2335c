"""TwoLayerNet on MNIST, from Deep Learning from Scratch (chapter 5, train_neuralnet.py).

784 -> 50 -> ReLU -> 10, weights drawn from N(0, 0.01^2), biases zero; plain SGD with lr 0.1
on random minibatches of 100 for 10,000 iterations. The book reaches about 97% test accuracy.
An "epoch" is 600 iterations (60,000 / 100), when train and test accuracy are measured.

    python examples/mnist_mlp.py
    python examples/mnist_mlp.py --quick
"""

from __future__ import annotations

import math
import time

from common import accuracy, log, make_parser, progress, pyplot, report, save_figure

import minigrad as torch
from minigrad import datasets, nn


class TwoLayerNet(nn.Module):
    """x: (N, 784) -> logits (N, 10)."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int, std: float = 0.01):
        super().__init__()
        self.W1 = nn.Parameter(std * torch.randn(input_size, hidden_size))
        self.b1 = nn.Parameter(torch.zeros(hidden_size))
        self.W2 = nn.Parameter(std * torch.randn(hidden_size, output_size))
        self.b2 = nn.Parameter(torch.zeros(output_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ self.W1 + self.b1) @ self.W2 + self.b2


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=None, batch_size=100, lr=0.1)
    parser.add_argument("--iters", type=int, default=10_000, help="SGD iterations")
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    # The book's load_mnist(normalize=True, flatten=True): pixels in [0, 1], one row per image.
    train, test = datasets.MNIST(args.data, train=True), datasets.MNIST(args.data, train=False)
    n_train, n_test, iters = (2000, 1000, 60) if args.quick else (None, None, args.iters)
    x_train, t_train = train.data[:n_train].reshape(-1, 784).float() / 255, train.targets[:n_train]
    x_test, t_test = test.data[:n_test].reshape(-1, 784).float() / 255, test.targets[:n_test]
    train_size = len(x_train)
    iter_per_epoch = max(train_size // args.batch_size, 1)
    epochs = math.ceil(iters / iter_per_epoch)

    model = TwoLayerNet(784, 50, 10)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    losses, train_accs, test_accs = [], [], []
    step = 0
    for epoch in range(1, epochs + 1):
        tic = time.perf_counter()
        for _ in progress(range(min(iter_per_epoch, iters - step)), f"epoch {epoch}"):
            batch = torch.randint(0, train_size, (args.batch_size,))  # np.random.choice in the book
            loss = loss_fn(model(x_train[batch]), t_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            step += 1
        train_accs.append(accuracy(model, x_train, t_train))
        test_accs.append(accuracy(model, x_test, t_test))
        log(epoch, epochs, time.perf_counter() - tic, loss=losses[-1], train_acc=train_accs[-1],
            test_acc=test_accs[-1])

    plt = pyplot(args.plot)
    if plt is not None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.plot(losses, linewidth=0.5)
        ax1.set(xlabel="iteration", ylabel="loss")
        ax2.plot(range(1, epochs + 1), train_accs, marker="o", label="train")
        ax2.plot(range(1, epochs + 1), test_accs, marker="s", linestyle="--", label="test")
        ax2.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1))
        ax2.legend(loc="lower right")
        save_figure(fig, args.plot)

    report(start, test_acc=test_accs[-1], train_acc=train_accs[-1], final_loss=losses[-1],
           iterations=step)


if __name__ == "__main__":
    main()
