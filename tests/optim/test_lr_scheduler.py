"""lr_scheduler: behaviour, state_dict, and 200-epoch sequences equal to PyTorch's for every scheduler."""

import math
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler as mls

EPOCHS = 200


def _opt(lib_optim, tensor_fn, kind="SGD", lrs=(0.1, 0.05)):
    # two groups with different base lrs, so per-group handling is exercised
    a = tensor_fn([1.0])
    b = tensor_fn([2.0])
    groups = [{"params": [a], "lr": lrs[0]}, {"params": [b], "lr": lrs[1]}]
    if kind == "SGD":
        return lib_optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib_optim.Adam(groups, lr=0.1)


def _mg_tensor(v):
    return mg.tensor(v, requires_grad=True)


# name, kwargs builder (gets the scheduler module, the optimizer, and the sub-scheduler maker),
# optimizer kind; built identically for both libraries
def _make(mod, opt, name):
    if name == "StepLR":
        return mod.StepLR(opt, step_size=30, gamma=0.5)
    if name == "MultiStepLR":
        return mod.MultiStepLR(opt, milestones=[20, 60, 60, 150], gamma=0.3)
    if name == "ExponentialLR":
        return mod.ExponentialLR(opt, gamma=0.97)
    if name == "CosineAnnealingLR":
        return mod.CosineAnnealingLR(opt, T_max=37, eta_min=0.001)
    if name == "CosineAnnealingWarmRestarts":
        return mod.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2, eta_min=1e-4)
    if name == "LambdaLR":
        return mod.LambdaLR(opt, lr_lambda=[lambda e: 0.95**e, lambda e: 1.0 / (1 + e)])
    if name == "MultiplicativeLR":
        return mod.MultiplicativeLR(opt, lr_lambda=lambda e: 0.99 if e % 2 else 0.98)
    if name == "LinearLR":
        return mod.LinearLR(opt, start_factor=0.25, end_factor=0.9, total_iters=40)
    if name == "ConstantLR":
        return mod.ConstantLR(opt, factor=0.4, total_iters=25)
    if name == "PolynomialLR":
        return mod.PolynomialLR(opt, total_iters=120, power=2.0)
    if name == "OneCycleLR":
        return mod.OneCycleLR(opt, max_lr=[0.5, 0.2], total_steps=EPOCHS + 1, pct_start=0.25)
    if name == "OneCycleLR-linear-3phase":
        return mod.OneCycleLR(
            opt,
            max_lr=0.4,
            epochs=67,
            steps_per_epoch=3,
            anneal_strategy="linear",
            three_phase=True,
            pct_start=0.2,
            div_factor=10.0,
        )
    if name == "CyclicLR":
        return mod.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=15, step_size_down=9)
    if name == "CyclicLR-triangular2":
        return mod.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=20, mode="triangular2")
    if name == "CyclicLR-exp_range":
        return mod.CyclicLR(
            opt, base_lr=0.01, max_lr=0.1, step_size_up=12, mode="exp_range", gamma=0.99
        )
    if name == "SequentialLR":
        s1 = mod.LinearLR(opt, start_factor=0.1, total_iters=10)
        s2 = mod.CosineAnnealingLR(opt, T_max=50, eta_min=1e-3)
        s3 = mod.ExponentialLR(opt, gamma=0.98)
        return mod.SequentialLR(opt, schedulers=[s1, s2, s3], milestones=[10, 80])
    if name == "ChainedScheduler":
        s1 = mod.ConstantLR(opt, factor=0.5, total_iters=7)
        s2 = mod.ExponentialLR(opt, gamma=0.98)
        s3 = mod.StepLR(opt, step_size=40, gamma=0.5)
        return mod.ChainedScheduler([s1, s2, s3])
    raise KeyError(name)


NAMES = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "LambdaLR",
    "MultiplicativeLR",
    "LinearLR",
    "ConstantLR",
    "PolynomialLR",
    "OneCycleLR",
    "OneCycleLR-linear-3phase",
    "CyclicLR",
    "CyclicLR-triangular2",
    "CyclicLR-exp_range",
    "SequentialLR",
    "ChainedScheduler",
]


def _sequence(lib_optim, mod, tensor_fn, name, kind="SGD"):
    opt = _opt(lib_optim, tensor_fn, kind)
    sched = _make(mod, opt, name)
    lrs, moms = [list(sched.get_last_lr())], []
    for _ in range(EPOCHS):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        moms.append([g["momentum"] if kind == "SGD" else g["betas"][0] for g in opt.param_groups])
        assert [g["lr"] for g in opt.param_groups] == lrs[-1]
    return np.array(lrs, dtype=float), np.array(moms, dtype=float)


@pytest.mark.parametrize("name", NAMES)
def test_200_epochs_match_torch(name):
    torch = pytest.importorskip("torch")
    got_lr, got_mom = _sequence(optim, mls, _mg_tensor, name)
    want_lr, want_mom = _sequence(
        torch.optim, torch.optim.lr_scheduler, lambda v: torch.tensor(v, requires_grad=True), name
    )
    np.testing.assert_allclose(got_lr, want_lr, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got_mom, want_mom, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["CyclicLR", "OneCycleLR"])
def test_beta1_cycling_with_adam_matches_torch(name):
    torch = pytest.importorskip("torch")
    got_lr, got_b1 = _sequence(optim, mls, _mg_tensor, name, kind="Adam")
    want_lr, want_b1 = _sequence(
        torch.optim,
        torch.optim.lr_scheduler,
        lambda v: torch.tensor(v, requires_grad=True),
        name,
        "Adam",
    )
    np.testing.assert_allclose(got_lr, want_lr, rtol=1e-12)
    np.testing.assert_allclose(got_b1, want_b1, rtol=1e-12)


def _plateau_sequence(lib_optim, mod, tensor_fn, **kw):
    opt = _opt(lib_optim, tensor_fn)
    sched = mod.ReduceLROnPlateau(opt, **kw)
    out = []
    for e in range(EPOCHS):
        metric = 1.0 / (1 + min(e, 40)) ** 0.3 + 0.05 * math.sin(
            e * 0.7
        )  # improving, noisy, then flat
        opt.step()
        sched.step(metric if kw.get("mode", "min") == "min" else -metric)
        out.append(list(sched.get_last_lr()))
    return np.array(out)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"patience": 3, "factor": 0.5},
        {"mode": "max", "patience": 2, "cooldown": 3, "min_lr": [0.01, 0.001]},
        {"threshold_mode": "abs", "threshold": 0.01, "patience": 1, "factor": 0.7, "min_lr": 1e-3},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    got = _plateau_sequence(optim, mls, _mg_tensor, **kw)
    want = _plateau_sequence(
        torch.optim, torch.optim.lr_scheduler, lambda v: torch.tensor(v, requires_grad=True), **kw
    )
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[-1, 0] < got[0, 0]  # it did reduce


@pytest.mark.parametrize(
    "name",
    [
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "LinearLR",
        "ConstantLR",
        "PolynomialLR",
        "CosineAnnealingWarmRestarts",
    ],
)
def test_step_with_epoch_uses_closed_form_like_torch(name):
    torch = pytest.importorskip("torch")
    epochs = [3, 7, 7, 40, 41, 90, 15, 130, 199]

    def run(lib_optim, mod, tensor_fn):
        opt = _opt(lib_optim, tensor_fn)
        sched = _make(mod, opt, name)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in epochs:
                opt.step()
                sched.step(e)
                out.append(list(sched.get_last_lr()))
        return np.array(out)

    got = run(optim, mls, _mg_tensor)
    want = run(torch.optim, torch.optim.lr_scheduler, lambda v: torch.tensor(v, requires_grad=True))
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize(
    "name",
    [
        "StepLR",
        "CosineAnnealingLR",
        "OneCycleLR",
        "CyclicLR",
        "SequentialLR",
        "ChainedScheduler",
        "LambdaLR",
        "CosineAnnealingWarmRestarts",
    ],
)
def test_scheduler_state_dict_round_trip(name):
    def fresh():
        opt = _opt(optim, _mg_tensor)
        return opt, _make(mls, opt, name)

    opt, sched = fresh()
    straight = []
    for e in range(120):
        opt.step()
        sched.step()
        if e >= 60:
            straight.append(list(sched.get_last_lr()))

    opt, sched = fresh()
    for _ in range(60):
        opt.step()
        sched.step()
    osd, ssd = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in ssd
    if name != "ChainedScheduler":
        assert ssd["last_epoch"] == 60
    opt2, sched2 = fresh()
    opt2.load_state_dict(osd)
    sched2.load_state_dict(ssd)
    resumed = []
    for _ in range(60):
        opt2.step()
        sched2.step()
        resumed.append(list(sched2.get_last_lr()))
    assert resumed == straight


def test_base_behaviour():
    a = _mg_tensor([1.0])
    opt = optim.SGD([a], lr=0.1)
    sched = mls.StepLR(opt, step_size=2)
    assert sched.last_epoch == 0 and sched.base_lrs == [0.1]
    assert opt.param_groups[0]["initial_lr"] == 0.1
    assert isinstance(sched.get_last_lr(), list)
    assert isinstance(sched, mls.LRScheduler)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        mls.StepLR(object(), step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        mls.StepLR(optim.SGD([_mg_tensor([1.0])], lr=0.1), step_size=2, last_epoch=3)


def test_warns_when_scheduler_steps_before_optimizer():
    opt = optim.SGD([_mg_tensor([1.0])], lr=0.1)
    sched = mls.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = optim.SGD([_mg_tensor([1.0])], lr=0.1)
    sched2 = mls.ExponentialLR(opt2, gamma=0.5)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()
    assert sched2.get_last_lr() == [0.05]


def test_bad_arguments():
    opt = optim.SGD([_mg_tensor([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="Constant multiplicative factor"):
        mls.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        mls.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        mls.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        mls.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="You must define either total_steps"):
        mls.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        s = mls.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(4):
            opt.step()
            s.step()
    with pytest.raises(ValueError, match="lr_lambdas"):
        mls.LambdaLR(opt, lr_lambda=[lambda e: 1.0, lambda e: 1.0])
    with pytest.raises(ValueError, match="cycle_momentum"):
        mls.CyclicLR(optim.Adagrad([_mg_tensor([1.0])]), base_lr=0.01, max_lr=0.1)
