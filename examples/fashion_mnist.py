"""Fashion-MNIST classifiers from Dive into Deep Learning (chapters 3.7, 4.3 and 4.6).

--model softmax   softmax regression: Flatten + Linear(784, 10), SGD lr 0.1
--model mlp       784 -> 256 -> ReLU -> 10, SGD lr 0.1
--model dropout   784 -> 256 -> ReLU -> Dropout(0.2) -> 256 -> ReLU -> Dropout(0.5) -> 10, lr 0.5

Weights from N(0, 0.01^2), minibatches of 256, 10 epochs. d2l's bounds: train loss < 0.5,
train and test accuracy > 0.7 (softmax regression reaches about 0.83 test accuracy).
The plot shows the curves and a grid of test images titled with true / predicted labels.

    python examples/fashion_mnist.py --model mlp
    python examples/fashion_mnist.py --model dropout --quick
"""

from __future__ import annotations

import time

from common import evaluate, log, make_parser, progress, pyplot, report, save_figure

import minigrad as torch
from minigrad import datasets, nn, transforms
from minigrad.utils.data import DataLoader, Subset

DEFAULT_LR = {"softmax": 0.1, "mlp": 0.1, "dropout": 0.5}


def build(name: str) -> nn.Sequential:
    """The three d2l networks; x: (N, 1, 28, 28) -> logits (N, 10)."""
    if name == "softmax":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    elif name == "mlp":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    else:
        net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(256, 10),
        )

    def init_weights(m: nn.Module) -> None:
        if type(m) == nn.Linear:  # d2l's idiom
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    return net


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=10, batch_size=256, lr=None,
                         helps={"--lr": "learning rate (default: 0.1, 0.1, 0.5 for softmax, mlp, "
                                        "dropout)"})
    parser.add_argument("--model", choices=sorted(DEFAULT_LR), default="softmax")
    args = parser.parse_args()
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.model]
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    train_set = datasets.FashionMNIST(args.data, train=True, transform=transforms.ToTensor())
    test_set = datasets.FashionMNIST(args.data, train=False, transform=transforms.ToTensor())
    epochs = args.epochs
    if args.quick:
        train_set, test_set, epochs = Subset(train_set, range(2048)), Subset(test_set, range(512)), 2
    train_iter = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=4)
    test_iter = DataLoader(test_set, batch_size=args.batch_size)

    net = build(args.model)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    print(net)

    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_acc": []}
    for epoch in range(1, epochs + 1):
        tic = time.perf_counter()
        net.train()
        loss_sum, correct, n = 0.0, 0, 0
        for X, y in progress(train_iter, f"epoch {epoch}"):
            y_hat = net(X)
            l = loss(y_hat, y)
            trainer.zero_grad()
            l.mean().backward()
            trainer.step()
            loss_sum += float(l.sum())
            correct += int((y_hat.argmax(axis=1) == y).sum())
            n += y.numel()
        test_acc, _ = evaluate(net, test_iter)
        history["train_loss"].append(loss_sum / n)
        history["train_acc"].append(correct / n)
        history["test_acc"].append(test_acc)
        log(epoch, epochs, time.perf_counter() - tic, train_loss=loss_sum / n,
            train_acc=correct / n, test_acc=test_acc)

    plt = pyplot(args.plot)
    if plt is not None:
        X, y = next(iter(test_iter))
        with torch.no_grad():
            preds = net.eval()(X).argmax(axis=1)
        labels = test_set.classes if hasattr(test_set, "classes") else test_set.dataset.classes
        fig = plt.figure(figsize=(12, 7))
        ax = fig.add_subplot(2, 1, 1)
        for key, style in zip(history, ("-", "--", "-.")):
            ax.plot(range(1, epochs + 1), history[key], style, label=key.replace("_", " "))
        top = max(1.0, max(history["train_loss"]))
        ax.set(xlabel="epoch", ylim=(0.0, top), title=f"{args.model}, lr {lr}")
        ax.legend()
        for i in range(8):
            ax = fig.add_subplot(2, 8, 9 + i)
            ax.imshow(X[i, 0], cmap="gray")
            ax.set_title(f"{labels[int(y[i])]}\n{labels[int(preds[i])]}", fontsize=8,
                         color="black" if int(y[i]) == int(preds[i]) else "red")
            ax.axis("off")
        fig.text(0.01, 0.44, "true\npredicted", fontsize=8)
        save_figure(fig, args.plot)

    report(start, model=args.model, lr=lr, train_loss=history["train_loss"][-1],
           train_acc=history["train_acc"][-1], test_acc=history["test_acc"][-1], epochs=epochs)


if __name__ == "__main__":
    main()
