"""REFERENCE.md's figures: two optimizer steps on w=[1.0], loss=(w**2/2).sum(); scheduler tables."""

import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler


def _two_steps(make_opt):
    w = mg.tensor([1.0], requires_grad=True)
    opt = make_opt([w])
    out = []
    for _ in range(2):
        opt.zero_grad()
        loss = (w**2 / 2).sum()
        loss.backward()
        opt.step()
        out.append(round(float(w.detach()[0]), 6))
    return out


@pytest.mark.parametrize(
    "make_opt, expected",
    [
        (lambda p: optim.SGD(p, lr=0.01, momentum=0.9), [0.990000, 0.971100]),
        (lambda p: optim.Adagrad(p, lr=0.01), [0.990000, 0.982965]),
        (lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9), [0.968377, 0.945788]),
        (lambda p: optim.Adam(p, lr=0.01, betas=[0.9, 0.99]), [0.990000, 0.980003]),
    ],
    ids=["SGD-momentum", "Adagrad", "RMSprop-alpha0.9", "Adam-betas-list"],
)
def test_two_step_traces(make_opt, expected):
    assert _two_steps(make_opt) == expected


def test_sgd_param_group_with_bare_tensor():
    # learner code: SGD([{"params": w}], ...) where "params" is a tensor, not a list
    w = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([2.0], requires_grad=True)
    opt = optim.SGD([{"params": w}, {"params": b, "lr": 0.5}], lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 1 and opt.param_groups[0]["params"][0] is w
    (w * 3 + b * 2).sum().backward()
    opt.step()
    assert float(w.detach()[0]) == pytest.approx(1.0 - 0.1 * 3)
    assert float(b.detach()[0]) == pytest.approx(2.0 - 0.5 * 2)


def _lrs(make_sched, epochs):
    w = mg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    sched = make_sched(opt)
    lrs = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return lrs


def test_steplr_table():
    lrs = _lrs(lambda o: lr_scheduler.StepLR(o, 50, 0.5), 200)
    assert isinstance(lrs[0], list)
    for e in (0, 49):
        assert lrs[e] == [pytest.approx(0.1)]
    for e in (50, 99):
        assert lrs[e] == [pytest.approx(0.05)]
    for e in (100, 149):
        assert lrs[e] == [pytest.approx(0.025)]
    for e in (150, 199):
        assert lrs[e] == [pytest.approx(0.0125)]


def test_multisteplr_table():
    lrs = _lrs(lambda o: lr_scheduler.MultiStepLR(o, [50, 125, 160], 0.5), 200)
    assert lrs[49] == [pytest.approx(0.1)]
    assert lrs[50] == [pytest.approx(0.05)] and lrs[124] == [pytest.approx(0.05)]
    assert lrs[125] == [pytest.approx(0.025)] and lrs[159] == [pytest.approx(0.025)]
    assert lrs[160] == [pytest.approx(0.0125)] and lrs[199] == [pytest.approx(0.0125)]


def test_exponentiallr_table():
    lrs = _lrs(lambda o: lr_scheduler.ExponentialLR(o, 0.95), 200)
    for e in (0, 1, 10, 49, 199):
        assert lrs[e][0] == pytest.approx(0.1 * 0.95**e, rel=1e-12)
    assert lrs[49][0] == pytest.approx(0.0080995, abs=5e-8)
    assert lrs[199][0] == pytest.approx(3.6898e-06, rel=1e-4)
