"""SimpleConvNet on MNIST, from Deep Learning from Scratch (chapter 7): minigrad's main example.

    conv 30x5x5 -> ReLU -> max-pool 2x2 -> Linear(4320, 100) -> ReLU -> Linear(100, 10)

trained with Adam (lr 1e-3) on minibatches of 100. The book reaches 98.96% test accuracy after
20 epochs; the target here is >= 99.0% within 20 epochs (10 by default).

Architecture, optimizer and batch size are the book's. Around them, the usual PyTorch habits:
- inputs normalised with MNIST's mean and standard deviation; PyTorch's default layer
  initialisation instead of the book's N(0, 0.01^2);
- the learning rate annealed to 0 along a cosine over the run (CosineAnnealingLR): in PyTorch,
  the same setup at a constant lr hovered at 98.5-98.9% test accuracy over epochs 3-7;
- training images shifted at random by up to 2 pixels (RandomCrop with padding 2): with the
  cosine alone minigrad ended at 99.03% and 99.02% (seeds 0 and 1), just at the target, and
  the net fits the training set (99.98%); with the shifts, seed 0 ended at 99.24%.
``--schedule none --no-augment`` trains the book's way.

    python examples/mnist_cnn.py                 # the full run (test accuracy per epoch)
    python examples/mnist_cnn.py --quick         # a smoke test in seconds

Ctrl-C stops training after the current batch; the model is still evaluated and saved.
"""

from __future__ import annotations

import time

from common import evaluate, log, make_parser, progress, pyplot, report, save_figure

import minigrad as torch
from minigrad import datasets, nn, transforms
from minigrad.utils.data import DataLoader, Subset


class SimpleConvNet(nn.Module):
    """x: (N, 1, 28, 28) -> logits (N, 10)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 30, kernel_size=5)  # -> (N, 30, 24, 24)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)  # -> (N, 30, 12, 12)
        self.fc1 = nn.Linear(30 * 12 * 12, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.conv(x)))
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=10, batch_size=100, lr=1e-3)
    parser.add_argument("--save", default="mnist_cnn.pt", help="where to save the trained weights")
    parser.add_argument("--target", type=float, default=0.99, help="test accuracy to reach")
    parser.add_argument("--schedule", choices=["cosine", "none"], default="cosine",
                        help="learning-rate schedule over the epochs")
    parser.add_argument("--no-augment", action="store_true",
                        help="no random shifts of the training images")
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    # MNIST's pixel mean and standard deviation (the usual PyTorch recipe).
    normalize = transforms.Normalize((0.1307,), (0.3081,))
    transform = transforms.Compose([transforms.ToTensor(), normalize])
    shift = transforms.Compose([transforms.RandomCrop(28, padding=2), transforms.ToTensor(), normalize])
    train_set = datasets.MNIST(args.data, train=True, transform=transform if args.no_augment else shift)
    plain_train_set = datasets.MNIST(args.data, train=True, transform=transform)  # to measure
    test_set = datasets.MNIST(args.data, train=False, transform=transform)
    epochs = args.epochs
    if args.quick:
        train_set, plain_train_set = Subset(train_set, range(300)), Subset(plain_train_set, range(300))
        test_set, epochs = Subset(test_set, range(200)), 1
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = SimpleConvNet()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = None
    if args.schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    print(model)

    history: dict[str, list[float]] = {"loss": [], "train_acc": [], "test_acc": [], "time": []}
    interrupted = False
    for epoch in range(1, epochs + 1):
        model.train()
        tic = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        try:
            for X, y in progress(train_loader, f"epoch {epoch}"):
                logits = model(X)
                loss = loss_fn(logits, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                loss_sum += loss.item() * len(y)
                correct += int((logits.argmax(dim=1) == y).sum())
                seen += len(y)
            seconds = time.perf_counter() - tic
            test_acc, _ = evaluate(model, test_loader)
        except KeyboardInterrupt:
            print(f"\ninterrupted during epoch {epoch}: evaluating the model as it is")
            interrupted = True
            if not history["time"] and seen:  # no full epoch yet: extrapolate its duration
                history["time"].append((time.perf_counter() - tic) * len(train_set) / seen)
            break
        history["loss"].append(loss_sum / seen)
        history["train_acc"].append(correct / seen)  # running accuracy while the weights move
        history["test_acc"].append(test_acc)
        history["time"].append(seconds)
        log(epoch, epochs, seconds, loss=loss_sum / seen, train_acc=correct / seen, test_acc=test_acc)
        if scheduler is not None:
            scheduler.step()

    # Final accuracies with the final weights on the whole training and test sets.
    eval_train = DataLoader(plain_train_set, batch_size=1000)
    train_acc, _ = evaluate(model, eval_train)
    test_acc, test_loss = evaluate(model, test_loader, loss_fn)

    torch.save(model.state_dict(), args.save)
    reloaded = SimpleConvNet()
    reloaded.load_state_dict(torch.load(args.save))
    X, _ = next(iter(test_loader))
    with torch.no_grad():
        same = bool(torch.equal(model(X).argmax(dim=1), reloaded(X).argmax(dim=1)))
    print(f"weights saved to {args.save} (reloaded model predicts the same: {same})")

    reached = [i + 1 for i, acc in enumerate(history["test_acc"]) if acc >= args.target]
    plt = pyplot(args.plot)
    if plt is not None and history["test_acc"]:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        epochs_axis = range(1, len(history["loss"]) + 1)
        ax1.plot(epochs_axis, history["loss"], marker="o")
        ax1.set(xlabel="epoch", ylabel="train loss", yscale="log")
        seen_as = "running" if args.no_augment else "running, shifted images"
        ax2.plot(epochs_axis, history["train_acc"], marker="o", label=f"train ({seen_as})")
        ax2.plot(epochs_axis, history["test_acc"], marker="s", label="test")
        ax2.axhline(args.target, color="gray", linestyle="--", label=f"target {args.target}")
        ax2.set(xlabel="epoch", ylabel="accuracy", ylim=(0.95, 1.0))
        ax2.legend()
        save_figure(fig, args.plot)

    epoch_times = history["time"]
    report(
        start,
        test_acc=test_acc,
        train_acc=train_acc,
        test_loss=test_loss,
        epochs=len(history["test_acc"]),
        first_epoch_at_target=reached[0] if reached else None,
        test_acc_per_epoch=history["test_acc"],
        epoch_time_s=sum(epoch_times) / len(epoch_times) if epoch_times else None,
        reload_ok=same,
        schedule=args.schedule,
        augment=not args.no_augment,
        interrupted=interrupted,
    )


if __name__ == "__main__":
    main()
