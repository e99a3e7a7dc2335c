"""The Optimizer base class: param groups, zero_grad, step(closure), state, state_dict, hooks."""

import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim


def _leaf(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype=mg.float64, requires_grad=True)


def _set_grad(p, values):
    p.grad = mg.tensor(np.asarray(values, dtype=np.float64), dtype=mg.float64)


def test_params_as_generator_and_defaults():
    ps = [_leaf([1.0, 2.0]), _leaf([3.0])]
    opt = optim.SGD((p for p in ps), lr=0.1, momentum=0.5)
    assert len(opt.param_groups) == 1
    group = opt.param_groups[0]
    assert group["params"][0] is ps[0] and group["params"][1] is ps[1]
    assert group["lr"] == 0.1 and group["momentum"] == 0.5 and group["nesterov"] is False
    assert opt.defaults["lr"] == 0.1


def test_per_group_options_override_defaults():
    a, b = _leaf([1.0]), _leaf([1.0])
    opt = optim.SGD(
        [{"params": [a]}, {"params": iter([b]), "lr": 1.0, "weight_decay": 0.5}], lr=0.1
    )
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["weight_decay"] == 0
    assert opt.param_groups[1]["lr"] == 1.0 and opt.param_groups[1]["weight_decay"] == 0.5
    _set_grad(a, [1.0])
    _set_grad(b, [1.0])
    opt.step()
    assert float(a.detach()[0]) == pytest.approx(0.9)
    assert float(b.detach()[0]) == pytest.approx(1.0 - 1.0 * (1.0 + 0.5 * 1.0))


def test_add_param_group_and_duplicate_group_raises():
    a, b = _leaf([1.0]), _leaf([2.0])
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a]}, {"params": [a, b]}], lr=0.1)


def test_params_type_errors():
    a = _leaf([1.0])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(a, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {a}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([a, 3.0], lr=0.1)


def test_zero_grad_set_to_none_default_and_zeros():
    a = _leaf([1.0, 2.0])
    opt = optim.SGD([a], lr=0.1)
    _set_grad(a, [3.0, 4.0])
    opt.zero_grad()
    assert a.grad is None
    _set_grad(a, [3.0, 4.0])
    g = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is g
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])


def test_step_skips_params_without_grad_and_returns_closure_loss():
    a, b = _leaf([1.0]), _leaf([5.0])
    opt = optim.SGD([a, b], lr=0.5)
    calls = []

    def closure():
        calls.append(mg.is_grad_enabled())
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert calls == [True]  # closure runs with grad enabled even under no_grad
    assert float(loss) == pytest.approx(1.0)
    assert float(a.detach()[0]) == pytest.approx(1.0 - 0.5 * 2.0)
    assert float(b.detach()[0]) == 5.0  # no grad: untouched
    assert opt.step() is None


def test_step_updates_in_place_bumps_version_and_builds_no_graph():
    a = _leaf([1.0, 2.0])
    storage = a._data
    v0 = a._version
    opt = optim.Adam([a], lr=0.1)
    _set_grad(a, [1.0, -1.0])
    opt.step()
    assert a._data is storage
    assert a._version > v0
    assert a.is_leaf and a.grad_fn is None and a.requires_grad
    st = opt.state[a]
    assert set(st) == {"step", "exp_avg", "exp_avg_sq"}
    assert all(isinstance(v, mg.Tensor) for v in st.values())
    assert float(st["step"]) == 1.0
    assert not st["exp_avg"].requires_grad


def test_state_dict_format():
    a, b, c = _leaf([1.0]), _leaf([1.0, 2.0]), _leaf([3.0])
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    for p in (a, b, c):
        _set_grad(p, np.ones(p.shape))
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert set(sd["state"]) == {0, 1, 2}
    assert isinstance(sd["state"][1]["momentum_buffer"], mg.Tensor)
    np.testing.assert_array_equal(sd["state"][1]["momentum_buffer"].numpy(), [1.0, 1.0])


def test_load_state_dict_validates_shapes():
    a, b = _leaf([1.0]), _leaf([2.0])
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)


def _quadratic_grad(p):
    # gradient of sum(p**4 / 4 - p): nonlinear so the optimizer state matters
    return p._data**3 - 1.0


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
        lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True),
        lambda ps: optim.AdamW(ps, lr=0.05),
        lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
        lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
        lambda ps: optim.Adadelta(ps),
        lambda ps: optim.Adamax(ps),
        lambda ps: optim.NAdam(ps, lr=0.05),
        lambda ps: optim.RAdam(ps, lr=0.05),
    ],
    ids=["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam"],
)
def test_state_dict_round_trip_mid_training_matches_uninterrupted(make):
    init = [np.array([0.3, -1.2, 2.0]), np.array([[0.5, 1.5], [-0.7, 0.1]])]

    def run(n_before, n_after, reload):
        ps = [_leaf(v.copy()) for v in init]
        opt = make(ps)
        for _ in range(n_before):
            for p in ps:
                p.grad = mg.tensor(_quadratic_grad(p), dtype=mg.float64)
            opt.step()
        if reload:
            saved = copy.deepcopy(opt.state_dict())
            ps = [_leaf(p._data.copy()) for p in ps]  # "a new process": new params, new optimizer
            opt = make(ps)
            opt.load_state_dict(saved)
        for _ in range(n_after):
            for p in ps:
                p.grad = mg.tensor(_quadratic_grad(p), dtype=mg.float64)
            opt.step()
        return ps, opt

    straight, opt1 = run(12, 8, False)
    resumed, opt2 = run(12, 8, True)
    for p, q in zip(straight, resumed):
        np.testing.assert_array_equal(p._data, q._data)
    for s1, s2 in zip(opt1.state.values(), opt2.state.values()):
        if "step" in s1:
            assert float(s1["step"]) == float(s2["step"]) == 20.0


def test_load_state_dict_does_not_alias_source():
    a = _leaf([1.0])
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    _set_grad(a, [1.0])
    opt.step()
    b = _leaf([1.0])
    opt2 = optim.SGD([b], lr=0.1, momentum=0.9)
    opt2.load_state_dict(opt.state_dict())
    _set_grad(b, [1.0])
    opt2.step()
    np.testing.assert_array_equal(opt.state[a]["momentum_buffer"].numpy(), [1.0])
    np.testing.assert_array_equal(opt2.state[b]["momentum_buffer"].numpy(), [1.9])


def test_step_hooks_and_repr():
    a = _leaf([1.0])
    opt = optim.SGD([a], lr=0.1)
    seen = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append("post"))
    opt.step()
    h1.remove()
    opt.step()
    assert seen == ["pre", "post", "post"]
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text


def test_float32_params_stay_float32():
    a = mg.tensor([1.0, -2.0], requires_grad=True)
    opts = [
        optim.SGD([a], lr=0.1, momentum=0.9, weight_decay=0.1),
        optim.Adam([a], weight_decay=0.1),
        optim.RMSprop([a], centered=True, momentum=0.9),
        optim.NAdam([a]),
        optim.RAdam([a]),
    ]
    for opt in opts:
        for _ in range(3):
            a.grad = mg.tensor([0.5, 0.25])
            opt.step()
        assert a._data.dtype == np.float32
        for st in opt.state.values():
            for k, v in st.items():
                if k not in ("step", "mu_product"):
                    assert v._data.dtype == np.float32


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "NAdam"])
def test_threaded_update_of_large_params_is_bit_identical(monkeypatch, name):
    # large parameters are split into slices updated on worker threads; elementwise kernels make
    # that exact. The second parameter is a non-contiguous view, which is updated whole.
    from minigrad.optim import _foreach

    kwargs = {
        "SGD": {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01},
        "Adam": {"amsgrad": True},
        "RMSprop": {"centered": True, "momentum": 0.5},
        "NAdam": {},
    }[name]
    rng = np.random.default_rng(1)
    big = rng.standard_normal(3 * _foreach.GRAIN + 17)
    wide = rng.standard_normal((700, 300))
    grads = [rng.standard_normal(big.shape), rng.standard_normal((300, 700))]

    def run(threads):
        monkeypatch.setattr(_foreach, "_num_threads", lambda: threads)
        ps = [_leaf(big.copy()), _leaf(wide.copy())]
        ps[1]._data = ps[1]._data.T  # non-contiguous storage
        opt = getattr(optim, name)(ps, **kwargs)
        for _ in range(3):
            for p, g in zip(ps, grads):
                p.grad = mg.tensor(g, dtype=mg.float64)
            opt.step()
        return [p._data.copy() for p in ps]

    for a, b in zip(run(1), run(3)):
        np.testing.assert_array_equal(a, b)
