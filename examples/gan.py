"""A generative adversarial network on 2-D Gaussian data, from Dive into Deep Learning (20.1).

Real data: X A + b with X ~ N(0, I), A = [[1, 2], [-0.1, 0.5]], b = [1, 2] (1000 points).
The generator is one Linear(2, 2) on Gaussian noise; the discriminator a small tanh MLP
2 -> 5 -> 3 -> 1. Both use BCEWithLogitsLoss(reduction='sum') and their own Adam optimizer
(lr 0.05 for D, 0.005 for G), minibatches of 8, 20 epochs. The discriminator step uses
``fake_X.detach()`` so it does not push gradients into the generator. At the end both losses
sit near log 2 = 0.693 and the generated points cover the real ones.

    python examples/gan.py --plot gan.png
"""

from __future__ import annotations

import time

from common import log, make_parser, progress, pyplot, report, save_figure

import minigrad as torch
from minigrad import nn
from minigrad.utils import data


def update_D(X, Z, net_D, net_G, loss, trainer_D) -> torch.Tensor:
    """One discriminator step: real points labelled 1, generated points 0."""
    batch_size = X.shape[0]
    ones = torch.ones((batch_size,))
    zeros = torch.zeros((batch_size,))
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X.detach())  # no gradient for G from D's step
    loss_D = (loss(real_Y, ones.reshape(real_Y.shape))
              + loss(fake_Y, zeros.reshape(fake_Y.shape))) / 2
    loss_D.backward()
    trainer_D.step()
    return loss_D


def update_G(Z, net_D, net_G, loss, trainer_G) -> torch.Tensor:
    """One generator step: make D call the generated points real."""
    batch_size = Z.shape[0]
    ones = torch.ones((batch_size,))
    trainer_G.zero_grad()
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X)  # recomputed: D changed in update_D
    loss_G = loss(fake_Y, ones.reshape(fake_Y.shape))
    loss_G.backward()
    trainer_G.step()
    return loss_G


def stats(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (2,) and covariance (2, 2) of a cloud of points (N, 2)."""
    mean = points.mean(dim=0)
    centered = points - mean
    return mean, centered.T @ centered / (len(points) - 1)


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0], epochs=20, batch_size=8, lr=0.05, data=False)
    parser.add_argument("--lr-g", type=float, default=0.005, help="generator learning rate")
    parser.add_argument("--latent-dim", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    torch.manual_seed(args.seed)

    X = torch.normal(0.0, 1, (1000, 2))
    A = torch.tensor([[1, 2], [-0.1, 0.5]])
    b = torch.tensor([1, 2])
    real = torch.matmul(X, A) + b
    epochs = 2 if args.quick else args.epochs
    data_iter = data.DataLoader(data.TensorDataset(real[:200] if args.quick else real),
                                args.batch_size, shuffle=True)

    net_G = nn.Sequential(nn.Linear(args.latent_dim, 2))
    net_D = nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 1))
    loss = nn.BCEWithLogitsLoss(reduction="sum")
    for w in net_D.parameters():
        nn.init.normal_(w, 0, 0.02)
    for w in net_G.parameters():
        nn.init.normal_(w, 0, 0.02)
    trainer_D = torch.optim.Adam(net_D.parameters(), lr=args.lr)
    trainer_G = torch.optim.Adam(net_G.parameters(), lr=args.lr_g)

    history = []
    for epoch in range(1, epochs + 1):
        tic = time.perf_counter()
        sum_D = sum_G = 0.0
        n = 0
        for (X,) in progress(data_iter, f"epoch {epoch}"):
            batch_size = X.shape[0]
            Z = torch.normal(0, 1, size=(batch_size, args.latent_dim))
            sum_D += float(update_D(X, Z, net_D, net_G, loss, trainer_D))
            sum_G += float(update_G(Z, net_D, net_G, loss, trainer_G))
            n += batch_size
        history.append((sum_D / n, sum_G / n))
        if epoch % 5 == 0 or epoch in (1, epochs):
            log(epoch, epochs, time.perf_counter() - tic, loss_D=sum_D / n, loss_G=sum_G / n)

    with torch.no_grad():
        fake = net_G(torch.normal(0, 1, size=(1000, args.latent_dim)))
    real_mean, real_cov = stats(real)
    fake_mean, fake_cov = stats(fake)
    print(f"real mean {real_mean.tolist()}, generated mean {fake_mean.tolist()}")
    print(f"real cov {real_cov.tolist()}\ngenerated cov {fake_cov.tolist()}")

    plt = pyplot(args.plot)
    if plt is not None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.plot([h[0] for h in history], label="discriminator")
        ax1.plot([h[1] for h in history], "--", label="generator")
        ax1.set(xlabel="epoch", ylabel="loss")
        ax1.legend()
        ax2.scatter(real[:100, 0], real[:100, 1], s=10, label="real")
        ax2.scatter(fake[:100, 0], fake[:100, 1], s=10, label="generated")
        ax2.legend()
        save_figure(fig, args.plot)

    report(
        start,
        loss_D=history[-1][0],
        loss_G=history[-1][1],
        mean_error=float((fake_mean - real_mean).abs().max()),
        cov_error=float((fake_cov - real_cov).abs().max()),
        generated_mean=fake_mean,
    )


if __name__ == "__main__":
    main()
