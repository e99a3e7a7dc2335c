"""Overfitting and two cures, from Deep Learning from Scratch (chapter 6.4).

Only 300 MNIST training images and a deep net, 784 -> [100 x 6, ReLU] -> 10 with He
initialisation, trained by SGD (lr 0.01, batches of 100). The plain net learns the training set
(train accuracy about 100%) but stays far lower on the test set (about 60-75%). Weight decay
(lambda 0.1 on the weights, not the biases) and dropout (p 0.2 after every ReLU) shrink the gap.
As in the book, 201 epochs for the plain net and weight decay, 301 for dropout (it learns slower).

    python examples/overfitting.py --plot overfit.png
"""

from __future__ import annotations

import time

from common import (accuracy, batches, log, make_parser, multi_layer_net, pyplot, report,
                    save_figure)

import minigrad as torch
from minigrad import datasets, nn


def make_net(dropout: float = 0.0) -> nn.Sequential:
    """784 -> six hidden layers of 100 ReLU units -> 10 (optional dropout after each ReLU)."""
    return multi_layer_net(100, 6, dropout)


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=201, batch_size=100, lr=0.01)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--dropout-epochs", type=int, default=301)
    parser.add_argument("--train-size", type=int, default=300)
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    train, test = datasets.MNIST(args.data, train=True), datasets.MNIST(args.data, train=False)
    x_train = train.data[: args.train_size].reshape(-1, 784).float() / 255
    t_train = train.targets[: args.train_size]
    n_test = 300 if args.quick else None
    x_test, t_test = test.data[:n_test].reshape(-1, 784).float() / 255, test.targets[:n_test]

    settings = {
        "plain": {"epochs": args.epochs},
        f"weight_decay_{args.weight_decay:g}": {"weight_decay": args.weight_decay,
                                                "epochs": args.epochs},
        f"dropout_{args.dropout:g}": {"dropout": args.dropout, "epochs": args.dropout_epochs},
    }
    results, curves = {}, {}
    for name, setting in settings.items():
        torch.manual_seed(args.seed)
        net = make_net(setting.get("dropout", 0.0))
        weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
        biases = [p for n, p in net.named_parameters() if n.endswith("bias")]
        optimizer = torch.optim.SGD(
            [{"params": weights, "weight_decay": setting.get("weight_decay", 0.0)},
             {"params": biases}],
            lr=args.lr,
        )
        loss_fn = nn.CrossEntropyLoss()
        train_accs, test_accs = [], []
        epochs = 3 if args.quick else setting["epochs"]
        tic = time.perf_counter()
        for epoch in range(1, epochs + 1):
            for idx in batches(len(x_train), args.batch_size):
                loss = loss_fn(net(x_train[idx]), t_train[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            train_accs.append(accuracy(net, x_train, t_train))
            test_accs.append(accuracy(net, x_test, t_test))
            if epoch % 50 == 1 or epoch == epochs:
                log(epoch, epochs, time.perf_counter() - tic, train_acc=train_accs[-1],
                    test_acc=test_accs[-1])
        results[name] = {"train_acc": train_accs[-1], "test_acc": test_accs[-1],
                         "gap": train_accs[-1] - test_accs[-1], "epochs": epochs}
        curves[name] = (train_accs, test_accs)
        print(f"{name}: train {train_accs[-1]:.4f}, test {test_accs[-1]:.4f}, "
              f"gap {train_accs[-1] - test_accs[-1]:.4f}")

    plt = pyplot(args.plot)
    if plt is not None:
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
        for ax, (name, (tr, te)) in zip(axes, curves.items()):
            ax.plot(range(1, len(tr) + 1), tr, label="train")
            ax.plot(range(1, len(te) + 1), te, "--", label="test")
            ax.set(title=name, xlabel="epoch", ylim=(0, 1.0))
            ax.legend(loc="lower right")
        axes[0].set_ylabel("accuracy")
        save_figure(fig, args.plot)

    report(start, **results)


if __name__ == "__main__":
    main()
