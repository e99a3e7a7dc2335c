"""20-step trajectories of every optimizer and option equal PyTorch's (float64, rtol 1e-5).

The problem is a small tanh MLP built from plain leaves: loss = mean((tanh(x @ w1 + b1) @ w2 - y)**2),
differentiated by each library's own autograd; PyTorch runs its single-tensor (foreach=False) path.
"""

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 3))
Y = _rng.standard_normal((8, 2))
INIT = {
    "w1": _rng.standard_normal((3, 5)) * 0.7,
    "b1": _rng.standard_normal(5) * 0.1,
    "w2": _rng.standard_normal((5, 2)) * 0.7,
}
STEPS = 20

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "weight_decay": 0.05, "nesterov": True, "maximize": True}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": [0.8, 0.9]}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "eps": 1e-3, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "betas": (0.5, 0.6), "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "eps": 1e-2, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4}),
    ("Adadelta", {"lr": 1.0, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {"lr": 0.05}),
    ("Adamax", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "momentum_decay": 0.05, "betas": (0.8, 0.99)}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "betas": (0.9, 0.9)}),  # rho_t > 5 early: rectified branch
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
]


def _ids(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def _mg_run(name, kwargs, groups=None):
    ps = {k: mg.tensor(v.copy(), dtype=mg.float64, requires_grad=True) for k, v in INIT.items()}
    x, y = mg.tensor(X, dtype=mg.float64), mg.tensor(Y, dtype=mg.float64)
    params = list(ps.values()) if groups is None else groups(ps)
    opt = getattr(optim, name)(params, **kwargs)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = ((((x @ ps["w1"]) + ps["b1"]).tanh() @ ps["w2"] - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return {k: p.detach().numpy().copy() for k, p in ps.items()}, losses, opt


def _torch_run(name, kwargs, groups=None):
    ps = {
        k: torch.tensor(v.copy(), dtype=torch.float64, requires_grad=True) for k, v in INIT.items()
    }
    x, y = torch.tensor(X), torch.tensor(Y)
    params = list(ps.values()) if groups is None else groups(ps)
    opt = getattr(torch.optim, name)(params, foreach=False, **kwargs)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = ((((x @ ps["w1"]) + ps["b1"]).tanh() @ ps["w2"] - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return {k: p.detach().numpy().copy() for k, p in ps.items()}, losses, opt


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_matches_torch(case):
    name, kwargs = case
    got, got_losses, _ = _mg_run(name, kwargs)
    want, want_losses, _ = _torch_run(name, kwargs)
    np.testing.assert_allclose(got_losses, want_losses, rtol=1e-5, atol=1e-12)
    for k, start in INIT.items():
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-10, err_msg=k)
        assert not np.allclose(want[k], start)  # the parameter really moved


def test_param_groups_with_own_options_match_torch():
    def groups(ps):
        return [
            {"params": [ps["w1"], ps["b1"]], "lr": 0.02, "weight_decay": 0.1},
            {"params": ps["w2"], "momentum": 0.5},
        ]

    got, _, _ = _mg_run("SGD", {"lr": 0.1, "momentum": 0.9}, groups)
    want, _, _ = _torch_run("SGD", {"lr": 0.1, "momentum": 0.9}, groups)
    for k in INIT:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-10, err_msg=k)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}),
        ("Adam", {"amsgrad": True}),
        ("Adagrad", {}),
        ("RMSprop", {"momentum": 0.9, "centered": True}),
        ("Adadelta", {}),
        ("Adamax", {}),
        ("NAdam", {}),
        ("RAdam", {}),
    ],
)
def test_state_dict_layout_matches_torch(name, kwargs):
    _, _, mg_opt = _mg_run(name, kwargs)
    _, _, t_opt = _torch_run(name, kwargs)
    a, b = mg_opt.state_dict(), t_opt.state_dict()
    assert [g["params"] for g in a["param_groups"]] == [g["params"] for g in b["param_groups"]]
    assert set(a["param_groups"][0]) == set(b["param_groups"][0])
    assert sorted(a["state"]) == sorted(b["state"])
    for i in b["state"]:
        assert set(a["state"][i]) == set(b["state"][i])
        for key, tv in b["state"][i].items():
            np.testing.assert_allclose(
                np.asarray(a["state"][i][key]._data), tv.numpy(), rtol=1e-5, atol=1e-10, err_msg=key
            )


@pytest.mark.parametrize(
    "name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("AdamW", {"lr": 0.02})]
)
def test_nn_model_with_scheduler_matches_torch(name, kwargs):
    # the textbook loop: model.parameters() (a generator), zero_grad, backward, step, sched.step
    nn = pytest.importorskip("minigrad.nn")

    def build(lib_nn):
        return lib_nn.Sequential(lib_nn.Linear(3, 5), lib_nn.Tanh(), lib_nn.Linear(5, 2)).double()

    tmodel, mmodel = build(torch.nn), build(nn)
    with torch.no_grad(), mg.no_grad():
        for tp, mp in zip(tmodel.parameters(), mmodel.parameters()):
            mp.copy_(mg.tensor(tp.numpy().copy(), dtype=mg.float64))

    def train(lib, model, x, y):
        opt = getattr(lib.optim, name)(model.parameters(), **kwargs)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
        for _ in range(STEPS):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            sched.step()
        return [p.detach().numpy().copy() for p in model.parameters()]

    want = train(torch, tmodel, torch.tensor(X), torch.tensor(Y))
    got = train(mg, mmodel, mg.tensor(X, dtype=mg.float64), mg.tensor(Y, dtype=mg.float64))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-10)
