"""nn.Module and nn.Parameter: registration, traversal order, hooks, modes, dtype moves,
state_dict round trips and PyTorch's error messages."""
from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from tests.helpers import assert_close, torch_or_skip


class Affine(Module):
    """A tiny layer (weight, bias, a running buffer) independent of nn.Linear."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.weight = Parameter(minigrad.randn(n_out, n_in))
        self.bias = Parameter(minigrad.zeros(n_out))
        self.register_buffer("running", minigrad.zeros(n_out))
        self.register_buffer("scratch", minigrad.ones(1), persistent=False)

    def forward(self, x):
        return x @ self.weight.t() + self.bias

    def extra_repr(self) -> str:
        return f"n_in={self.weight.shape[1]}, n_out={self.weight.shape[0]}"


class Net(Module):
    def __init__(self):
        super().__init__()
        self.scale = Parameter(minigrad.ones(1))
        self.body = nn.Sequential(Affine(3, 4), Affine(4, 2))
        self.head = Affine(2, 1)

    def forward(self, x):
        return self.head(self.body(x)) * self.scale


def linear_or_skip():
    if not hasattr(nn, "Linear"):
        pytest.skip("nn.Linear not available yet")
    return nn.Linear


# -- Parameter ---------------------------------------------------------------------------------
def test_parameter_is_leaf_requiring_grad_and_shares_data():
    base = minigrad.randn(3, 4, requires_grad=True)
    scaled = base * 0.01
    p = nn.Parameter(scaled)
    assert isinstance(p, minigrad.Tensor) and isinstance(p, nn.parameter.Parameter)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert p._data is scaled._data  # same storage, as PyTorch's Parameter(t)
    q = nn.Parameter(minigrad.zeros(2), requires_grad=False)
    assert not q.requires_grad
    assert nn.Parameter().shape == (0,)


def test_parameter_repr_and_type_errors():
    p = nn.Parameter(minigrad.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    with pytest.raises(TypeError):
        nn.Parameter([1.0, 2.0])
    with pytest.raises(RuntimeError):
        nn.Parameter(minigrad.tensor([1, 2]))  # integer tensors cannot require grad
    assert not nn.Parameter(minigrad.tensor([1, 2]), requires_grad=False).requires_grad


def test_parameter_ops_give_plain_tensors_and_copies_stay_parameters():
    p = nn.Parameter(minigrad.ones(2, 2))
    out = p * 2
    assert type(out) is minigrad.Tensor and out.grad_fn is not None
    c = copy.deepcopy(p)
    assert isinstance(c, Parameter) and c.requires_grad and c._data is not p._data
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, Parameter) and r.requires_grad
    assert_close(r, p)


# -- registration and traversal ------------------------------------------------------------------
def test_registration_order_and_dotted_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias",
        "head.weight", "head.bias",
    ]
    assert [n for n, _ in net.named_buffers()] == [
        "body.0.running", "body.0.scratch", "body.1.running", "body.1.scratch",
        "head.running", "head.scratch",
    ]
    assert [n for n, _ in net.named_children()] == ["body", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "body", "body.0", "body.1", "head"]
    assert [n for n, _ in net.named_parameters(prefix="model", recurse=False)] == ["model.scale"]
    assert len(list(net.parameters())) == 7
    assert next(iter(net.children())) is net.body
    assert next(iter(net.modules())) is net


def test_shared_parameter_and_module_listed_once():
    shared = Affine(2, 2)
    seq = nn.Sequential(shared, shared)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert [n for n, _ in seq.named_modules()] == ["", "0"]
    assert [n for n, _ in seq.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    m = Module()
    m.a = Parameter(minigrad.ones(1))
    m.b = m.a
    assert [n for n, _ in m.named_parameters()] == ["a"]


def test_rnn_style_registration_in_loops():
    """Recurrent layers register per-layer weights with setattr and keep flat name lists."""

    class TinyRNN(Module):
        def __init__(self, num_layers):
            super().__init__()
            self._flat_weights_names = []
            for layer in range(num_layers):
                for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    name = f"{kind}_l{layer}"
                    setattr(self, name, Parameter(minigrad.zeros(2)))
                    self._flat_weights_names.append(name)

        @property
        def _flat_weights(self):
            return [getattr(self, n) for n in self._flat_weights_names]

    rnn = TinyRNN(2)
    names = [n for n, _ in rnn.named_parameters()]
    assert names == rnn._flat_weights_names == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
    ]
    assert rnn._flat_weights[5] is rnn.weight_hh_l1


def test_setattr_rules_and_errors():
    m = Affine(2, 3)
    with pytest.raises(TypeError, match="cannot assign 'minigrad.FloatTensor' as parameter "
                                        "'weight' \\(torch.nn.Parameter or None expected\\)"):
        m.weight = minigrad.zeros(3, 2)
    m.bias = None  # allowed: the slot stays registered as None
    assert "bias" in m._parameters and m.bias is None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    m.running = minigrad.ones(3)  # assigning a Tensor to a buffer name replaces the buffer
    assert_close(m._buffers["running"], np.ones(3))
    with pytest.raises(TypeError, match="as buffer 'running'"):
        m.running = 3.0
    with pytest.raises(TypeError, match="as parameter 'weight'"):
        m.weight = Affine(1, 1)  # the parameter check comes first, as in PyTorch
    m.sub = Affine(1, 1)
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 5
    m.sub = Parameter(minigrad.ones(1))  # a Parameter takes the name over from the module
    assert "sub" not in m._modules and "sub" in m._parameters
    m.plain = 3
    assert m.__dict__["plain"] == 3


def test_register_errors():
    m = Affine(2, 2)
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="empty string"):
        m.register_buffer("", None)
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        m.register_parameter("forward", None)
    with pytest.raises(TypeError, match="cannot assign 'minigrad.FloatTensor' object to parameter"):
        m.register_parameter("w2", minigrad.ones(1))
    x = minigrad.ones(2, requires_grad=True)
    p = Parameter(x)
    p.grad_fn = (x * 2).grad_fn  # forge a non-leaf to hit the check
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'w3'"):
        m.register_parameter("w3", p)
    with pytest.raises(TypeError, match="cannot assign 'builtins.int' object to buffer|"
                                        "cannot assign 'int' object to buffer"):
        m.register_buffer("b2", 3)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("sub", 3)
    with pytest.raises(KeyError):
        m.add_module("x.y", Module())

    class Early(Module):
        def __init__(self):
            self.w = Parameter(minigrad.ones(1))

    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        Early()


def test_getattr_delattr_dir_and_missing_forward():
    m = Affine(2, 2)
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'nope'"):
        _ = m.nope
    assert {"weight", "bias", "running", "forward"} <= set(dir(m))
    del m.bias
    assert "bias" not in m._parameters
    del m.scratch
    assert "scratch" not in m._non_persistent_buffers_set
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        Module()(1)
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        Module(3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'a'"):
        Module(a=3)


def test_add_module_register_module_and_get_submodule():
    root = Module()
    root.add_module("a", Net())
    root.register_module("b", None)
    assert root.get_submodule("a.body.1") is root.a.body[1]
    assert root.get_submodule("") is root
    assert root.get_parameter("a.body.0.weight") is root.a.body[0].weight
    assert root.get_buffer("a.head.running") is root.a.head.running
    with pytest.raises(AttributeError, match="Net has no attribute `nope`"):
        root.get_submodule("a.nope")
    with pytest.raises(AttributeError, match="`scale` is not an nn.Module"):
        root.get_submodule("a.scale")
    with pytest.raises(AttributeError, match="`running` is not an nn.Parameter"):
        root.get_parameter("a.head.running")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        root.get_buffer("a.head.weight")
    assert [n for n, _ in root.named_children()] == ["a"]  # None children are skipped


def test_apply_visits_children_first():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Affine", "Affine", "Sequential", "Affine", "Net"]


# -- hooks -----------------------------------------------------------------------------------------
def test_forward_pre_hook_and_hook_modify_and_remove():
    m = Affine(2, 2)
    x = minigrad.ones(1, 2)
    base = m(x)
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    assert_close(m(x), m.bias.detach().reshape(1, 2))
    h2 = m.register_forward_hook(lambda mod, args, out: out + 1)
    assert_close(m(x), m.bias.detach().reshape(1, 2) + 1)
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    assert_close(m(x), base)
    assert not m._forward_hooks and not m._forward_pre_hooks


def test_hook_order_prepend_kwargs_and_context_manager():
    m = Affine(2, 2)
    calls = []
    m.register_forward_hook(lambda *a: calls.append("first"))
    m.register_forward_hook(lambda *a: calls.append("prepended"), prepend=True)
    m(minigrad.ones(1, 2))
    assert calls == ["prepended", "first"]

    class Scale(Module):
        def forward(self, x, factor=1.0):
            return x * factor

    s = Scale()
    s.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}),
                                with_kwargs=True)
    seen = {}
    with s.register_forward_hook(lambda mod, args, kwargs, out: seen.update(kwargs),
                                 with_kwargs=True):
        assert_close(s(minigrad.ones(2)), [3.0, 3.0])
    assert seen == {"factor": 3.0}
    assert len(s._forward_hooks) == 0 and not s._forward_hooks_with_kwargs
    bad = Scale()
    bad.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        bad(minigrad.ones(1))


def test_always_call_hook_runs_when_forward_raises():
    class Boom(Module):
        def forward(self, x):
            raise ValueError("boom")

    b = Boom()
    calls = []
    b.register_forward_hook(lambda m, a, o: calls.append("normal"))
    b.register_forward_hook(lambda m, a, o: calls.append(o), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        b(1)
    assert calls == [None]


def test_full_backward_hooks_see_and_replace_gradients():
    m = Affine(3, 2)
    log = []

    def pre(mod, grad_output):
        log.append("pre")
        return (grad_output[0] * 10,)  # scales everything upstream, parameters included

    def hook(mod, grad_input, grad_output):
        log.append(("hook", len(grad_input), float(grad_output[0].sum())))
        return (grad_input[0] * 2,)

    h_pre = m.register_full_backward_pre_hook(pre)
    h = m.register_full_backward_hook(hook)
    x = minigrad.randn(4, 3, requires_grad=True)
    m(x).sum().backward()
    assert log == ["pre", ("hook", 1, 80.0)]
    w = m.weight.detach().numpy()
    assert_close(x.grad, np.tile(w.sum(axis=0) * 20, (4, 1)), rtol=1e-5)
    assert_close(m.bias.grad, [40.0, 40.0])
    h_pre.remove()
    h.remove()
    assert not m._backward_hooks and not m._backward_pre_hooks
    x.grad = None
    m(x).sum().backward()
    assert_close(x.grad, np.tile(w.sum(axis=0), (4, 1)), rtol=1e-5)


def test_full_backward_hooks_match_torch():
    torch = torch_or_skip()

    def run(lib):
        lin = lib.nn.Linear(3, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[1.0, 2, 3], [4, 5, 6]]))
            lin.bias.zero_()
        log = []
        lin.register_full_backward_pre_hook(
            lambda mod, go: log.append(("pre", [g.tolist() for g in go])))

        def hook(mod, gi, go):
            log.append(("hook", [None if g is None else g.tolist() for g in gi],
                        [g.tolist() for g in go]))
            return None if gi[0] is None else (gi[0] * 2,)

        lin.register_full_backward_hook(hook)
        x = lib.tensor([[1.0, 1, 1]], requires_grad=True)
        lin(x).sum().backward()
        log.append(("grads", x.grad.tolist(), lin.weight.grad.tolist()))
        with pytest.warns(UserWarning, match="Full backward hook is firing"):
            lin(lib.tensor([[1.0, 1, 1]])).sum().backward()  # no input needs grad: all None
        return log

    assert run(minigrad) == run(torch)


def test_module_used_twice_accumulates_both_gradients():
    m = Affine(2, 2)
    x = minigrad.tensor([[1.0, 2.0]])
    y = m(m(x)).sum()
    y.backward()
    # d/db of sum(W(Wx + b) + b) = W^T 1 + 1
    expected = m.weight.detach()._data.sum(axis=0) + 1
    assert_close(m.bias.grad, expected, rtol=1e-5)


# -- modes and gradients ---------------------------------------------------------------------------
def test_train_eval_recursive_plain_attribute():
    net = Net()
    assert net.training and "training" in net.__dict__
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.body.train(False)
    assert net.training and not net.body[0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad_and_requires_grad_():
    net = Net()
    net(minigrad.ones(2, 3)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None for g in grads)
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g and float(abs(g).sum()) == 0 for p, g in zip(net.parameters(), grads))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())


# -- dtype / device ------------------------------------------------------------------------------
def test_to_double_keeps_parameter_identity_and_int_buffers():
    m = Affine(2, 2)
    m.register_buffer("count", minigrad.tensor(0))
    w = m.weight
    m(minigrad.ones(1, 2)).sum().backward()
    assert m.double() is m
    assert m.weight is w and isinstance(w, Parameter) and w.requires_grad
    assert w.dtype == minigrad.float64 and w.grad.dtype == minigrad.float64
    assert m.running.dtype == minigrad.float64 and m.count.dtype == minigrad.int64
    assert m(minigrad.ones(1, 2, dtype=minigrad.float64)).dtype == minigrad.float64
    m.to(minigrad.float32)
    assert w.dtype == minigrad.float32
    m.to(minigrad.ones(1, dtype=minigrad.float64))
    assert w.dtype == minigrad.float64
    m.float()
    assert w.dtype == minigrad.float32
    assert m.to("cpu") is m and m.cpu() is m
    m.type(minigrad.float64)
    assert m.count.dtype == minigrad.float64  # type() casts every tensor, as PyTorch
    with pytest.raises(TypeError, match="only accepts floating point"):
        m.to(minigrad.int64)
    with pytest.raises(AssertionError, match="CUDA"):
        m.cuda()  # PyTorch without CUDA raises AssertionError too
    with pytest.raises(AssertionError, match="CUDA"):
        m.to("cuda")
    with pytest.raises(RuntimeError):
        m.to("mps")


# -- state dict ----------------------------------------------------------------------------------
def test_state_dict_keys_values_and_keep_vars():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == [
        "scale", "body.0.weight", "body.0.bias", "body.0.running", "body.1.weight",
        "body.1.bias", "body.1.running", "head.weight", "head.bias", "head.running",
    ]  # non-persistent buffers are left out
    w = sd["body.0.weight"]
    assert not isinstance(w, Parameter) and not w.requires_grad
    assert w._data is net.body[0].weight._data  # detached, same storage
    kv = net.state_dict(keep_vars=True)
    assert kv["body.0.weight"] is net.body[0].weight
    assert list(net.body.state_dict(prefix="p.")) == [
        "p.0.weight", "p.0.bias", "p.0.running", "p.1.weight", "p.1.bias", "p.1.running"]


def test_load_state_dict_copies_in_place_and_returns_keys():
    src, dst = Net(), Net()
    w = dst.body[0].weight
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert dst.body[0].weight is w and w.grad_fn is None and w.requires_grad
    assert_close(w, src.body[0].weight)
    assert w._data is not src.body[0].weight._data
    # NumPy arrays are accepted too
    arrays = {k: v.numpy() * 2 for k, v in src.state_dict().items()}
    dst.load_state_dict(arrays)
    assert_close(dst.head.weight, src.head.weight.detach().numpy() * 2)


def test_load_state_dict_strict_error_message():
    m = Affine(4, 4)
    sd = m.state_dict()
    del sd["bias"]
    sd["extra"] = minigrad.zeros(1)
    sd["weight"] = minigrad.zeros(3, 4)
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(sd)
    assert str(info.value) == (
        "Error(s) in loading state_dict for Affine:\n"
        '\tMissing key(s) in state_dict: "bias". \n'
        '\tUnexpected key(s) in state_dict: "extra". \n'
        "\tsize mismatch for weight: copying a param with shape [3, 4] from checkpoint, the "
        "shape in current model is [4, 4]."
    )
    # non-strict: the key lists come back, but a wrong shape still raises
    sd["weight"] = minigrad.zeros(4, 4)
    result = m.load_state_dict(sd, strict=False)
    assert result == (["bias"], ["extra"])
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert float(abs(m.weight).sum()) == 0
    sd["weight"] = minigrad.zeros(3, 4)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        m.load_state_dict(sd, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([1, 2])


def test_load_state_dict_nested_unexpected_and_missing():
    net = Net()
    sd = net.state_dict()
    sd["body.5.weight"] = minigrad.zeros(1)
    del sd["head.bias"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "head.bias". \n\t'
                                           'Unexpected key\\(s\\) in state_dict: "body.5.weight"'):
        net.load_state_dict(sd)


def test_custom_load_and_save_hooks_for_subclasses():
    """BatchNorm-style: an int buffer filled in when an old checkpoint lacks it."""

    class Counting(Affine):
        _version = 2

        def __init__(self):
            super().__init__(2, 2)
            self.register_buffer("num_batches_tracked", minigrad.tensor(7))

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                                  missing_keys, unexpected_keys, error_msgs):
            version = local_metadata.get("version", None)
            key = prefix + "num_batches_tracked"
            if (version is None or version < 2) and key not in state_dict:
                state_dict[key] = minigrad.tensor(0)
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                          missing_keys, unexpected_keys, error_msgs)

    m = Counting()
    sd = m.state_dict()
    assert sd._metadata[""]["version"] == 2
    assert int(sd["num_batches_tracked"]) == 7
    old = OrderedDict((k, v) for k, v in sd.items() if k != "num_batches_tracked")
    m.load_state_dict(old)  # no _metadata: treated as version 1
    assert int(m.num_batches_tracked) == 0
    seen = []
    m.register_load_state_dict_post_hook(lambda mod, keys: seen.append(list(keys.missing_keys)))
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(prefix))
    m.state_dict(prefix="x.")
    m.load_state_dict(m.state_dict(), strict=False)
    assert seen == ["x.", "", []]


def test_extra_state_round_trip():
    class WithExtra(Module):
        def __init__(self):
            super().__init__()
            self.note = "a"

        def get_extra_state(self):
            return {"note": self.note}

        def set_extra_state(self, state):
            self.note = state["note"]

    m = WithExtra()
    sd = m.state_dict()
    assert sd["_extra_state"] == {"note": "a"}
    m.note = "b"
    m.load_state_dict(sd)
    assert m.note == "a"


def test_sequential_linear_state_dict_keys():
    Linear = linear_or_skip()
    net = nn.Sequential(Linear(4, 8), nn.ReLU(), Linear(8, 1))
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert type(net[0]) is nn.Linear
    if hasattr(nn, "BatchNorm1d"):
        bn = nn.Sequential(Linear(4, 8), nn.BatchNorm1d(8))
        assert list(bn.state_dict()) == [
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
            "1.num_batches_tracked"]
        bn.double()  # the int64 counter stays int64
        assert bn[1].num_batches_tracked.dtype == minigrad.int64


# -- printing ------------------------------------------------------------------------------------
def test_nested_repr():
    net = Net()
    assert repr(net) == (
        "Net(\n"
        "  (body): Sequential(\n"
        "    (0): Affine(n_in=3, n_out=4)\n"
        "    (1): Affine(n_in=4, n_out=2)\n"
        "  )\n"
        "  (head): Affine(n_in=2, n_out=1)\n"
        ")"
    )
    assert repr(Module()) == "Module()"


def test_sequential_linear_repr_matches_pytorch_text():
    Linear = linear_or_skip()
    net = nn.Sequential(Linear(4, 8), nn.ReLU())
    assert repr(net) == (
        "Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n  (1): ReLU()\n)"
    )


def test_deepcopy_and_pickle_module():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.body[0].weight, Parameter)
    assert clone.body[0].weight is not net.body[0].weight
    assert_close(clone(minigrad.ones(1, 3)), net(minigrad.ones(1, 3)))
    restored = pickle.loads(pickle.dumps(net))
    assert [n for n, _ in restored.named_parameters()] == [n for n, _ in net.named_parameters()]
    assert isinstance(restored.head.bias, Parameter)


# -- PyTorch parity ------------------------------------------------------------------------------
def test_traversal_and_errors_match_torch():
    torch = torch_or_skip()

    def build(lib):
        class Inner(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.Parameter(lib.zeros(2, 3))
                self.register_buffer("b", lib.zeros(3))
                self.register_buffer("tmp", lib.zeros(1), persistent=False)

        class Outer(lib.nn.Module):
            def __init__(self):
                super().__init__()
                inner = Inner()
                self.seq = lib.nn.Sequential(inner, lib.nn.Sequential(inner))
                self.p = lib.nn.Parameter(lib.ones(1))
                self.last = Inner()

        return Outer()

    ours, theirs = build(minigrad), build(torch)
    for method in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(ours, method)()] == [n for n, _ in getattr(theirs, method)()]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    sd = theirs.state_dict()
    del sd["p"]
    sd["seq.9.w"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict({k: v.numpy() for k, v in sd.items()})
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict(sd)
    assert str(ours_err.value) == str(theirs_err.value)
    assert repr(ours.load_state_dict(sd, strict=False)) == repr(
        theirs.load_state_dict(sd, strict=False))


def test_torch_state_dict_loads_into_minigrad_module():
    torch = torch_or_skip()
    t = torch.nn.Module()
    t.weight = torch.nn.Parameter(torch.randn(2, 3))
    t.bias = torch.nn.Parameter(torch.randn(2))
    m = Affine(3, 2)
    del m.running, m.scratch
    m.load_state_dict(t.state_dict())
    assert_close(m.weight, t.weight)
    assert_close(m.bias, t.bias)
