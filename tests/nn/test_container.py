"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict and Identity."""
from __future__ import annotations

from collections import OrderedDict

import pytest

import minigrad
from minigrad import nn
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from tests.helpers import assert_close, torch_or_skip


class AddConst(Module):
    """x + c, with c a parameter (a layer that does not depend on nn.Linear)."""

    def __init__(self, c: float):
        super().__init__()
        self.c = Parameter(minigrad.tensor([float(c)]))

    def forward(self, x):
        return x + self.c

    def extra_repr(self) -> str:
        return f"c={float(self.c):g}"


def consts(seq) -> list:
    return [float(m.c) for m in seq]


# -- Sequential ----------------------------------------------------------------------------------
def test_sequential_forward_indexing_and_len():
    seq = nn.Sequential(AddConst(1), AddConst(2), AddConst(3))
    assert_close(seq(minigrad.zeros(1)), [6.0])
    assert len(seq) == 3
    assert float(seq[-1].c) == 3 and float(seq[0].c) == 1
    sub = seq[1:]
    assert type(sub) is nn.Sequential and consts(sub) == [2, 3]
    assert list(sub._modules) == ["1", "2"]  # slices keep the original names, as PyTorch
    assert consts(seq[::-1]) == [3, 2, 1]
    assert consts(iter(seq)) == [1, 2, 3]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    with pytest.raises(IndexError):
        seq[-4]


def test_sequential_ordered_dict_names():
    seq = nn.Sequential(OrderedDict([("first", AddConst(1)), ("second", AddConst(2))]))
    assert [n for n, _ in seq.named_parameters()] == ["first.c", "second.c"]
    assert seq.second is seq[1]
    assert "first" in dir(seq)


def test_sequential_mutation():
    seq = nn.Sequential(AddConst(1), AddConst(2))
    assert seq.append(AddConst(3)) is seq
    seq.insert(0, AddConst(0))
    assert consts(seq) == [0, 1, 2, 3] and list(seq._modules) == ["0", "1", "2", "3"]
    seq.insert(-1, AddConst(2.5))
    assert consts(seq) == [0, 1, 2, 2.5, 3]
    seq[1] = AddConst(10)
    assert consts(seq) == [0, 10, 2, 2.5, 3]
    del seq[0]
    assert consts(seq) == [10, 2, 2.5, 3] and list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1:3]
    assert consts(seq) == [10, 3]
    seq.extend([AddConst(4), AddConst(5)])
    assert consts(seq) == [10, 3, 4, 5]
    popped = seq.pop(0)
    assert float(popped.c) == 10 and consts(seq) == [3, 4, 5]
    with pytest.raises(IndexError):
        seq.insert(10, AddConst(0))
    with pytest.raises(AssertionError):
        seq.insert(0, 3)


def test_sequential_add_and_mul():
    a = nn.Sequential(AddConst(1))
    b = nn.Sequential(AddConst(2))
    assert consts(a + b) == [1, 2]
    doubled = a * 2
    assert len(doubled) == 2 and doubled[0] is doubled[1]
    assert len(3 * a) == 3
    a += b
    assert consts(a) == [1, 2]
    a *= 2
    assert consts(a) == [1, 2, 1, 2]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
        a + [AddConst(1)]
    with pytest.raises(ValueError, match="Non-positive multiplication factor"):
        a * 0


def test_sequential_repr_nested():
    seq = nn.Sequential(AddConst(1), nn.Sequential(AddConst(2), nn.Identity()))
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): AddConst(c=1)\n"
        "  (1): Sequential(\n"
        "    (0): AddConst(c=2)\n"
        "    (1): Identity()\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Sequential()) == "Sequential()"


def test_type_of_layers_inside_sequential():
    if not hasattr(nn, "Linear"):
        pytest.skip("nn.Linear not available yet")
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert type(seq[0]) is nn.Linear and isinstance(seq[1], nn.ReLU)


# -- ModuleList ----------------------------------------------------------------------------------
def test_module_list():
    ml = nn.ModuleList([AddConst(i) for i in range(3)])
    assert len(ml) == 3 and consts(ml) == [0, 1, 2]
    assert [n for n, _ in ml.named_parameters()] == ["0.c", "1.c", "2.c"]
    ml.append(AddConst(3))
    ml.extend([AddConst(4)])
    ml += [AddConst(5)]
    ml.insert(1, AddConst(0.5))
    assert consts(ml) == [0, 0.5, 1, 2, 3, 4, 5]
    assert type(ml[1:3]) is nn.ModuleList and consts(ml[1:3]) == [0.5, 1]
    assert float(ml[-1].c) == 5
    del ml[0]
    assert consts(ml) == [0.5, 1, 2, 3, 4, 5] and next(iter(ml._modules)) == "0"
    ml[0] = AddConst(9)
    assert float(ml.pop(0).c) == 9
    combined = ml + nn.ModuleList([AddConst(7)])
    assert consts(combined) == [1, 2, 3, 4, 5, 7]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        ml.extend(AddConst(1))
    with pytest.raises(NotImplementedError):
        ml(minigrad.zeros(1))


def test_module_list_repr_folds_repeats_like_pytorch():
    layer = AddConst(1)
    ml = nn.ModuleList([layer, layer, layer, AddConst(2)])
    assert repr(ml) == "ModuleList(\n  (0-2): 3 x AddConst(c=1)\n  (3): AddConst(c=2)\n)"
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_module_list_repr_matches_torch():
    torch = torch_or_skip()
    ours = nn.ModuleList([nn.Identity(), nn.Identity(), nn.Sequential(nn.Identity())])
    theirs = torch.nn.ModuleList([torch.nn.Identity(), torch.nn.Identity(),
                                  torch.nn.Sequential(torch.nn.Identity())])
    assert repr(ours) == repr(theirs)


# -- ModuleDict ----------------------------------------------------------------------------------
def test_module_dict():
    md = nn.ModuleDict({"b": AddConst(2), "a": AddConst(1)})
    assert list(md.keys()) == ["b", "a"]  # insertion order, as current PyTorch
    md["c"] = AddConst(3)
    assert "c" in md and len(md) == 3 and list(md) == ["b", "a", "c"]
    assert [n for n, _ in md.named_parameters()] == ["b.c", "a.c", "c.c"]
    md.update([("d", AddConst(4))])
    assert float(md.pop("d").c) == 4
    del md["b"]
    assert [k for k, _ in md.items()] == ["a", "c"] and len(list(md.values())) == 2
    md.clear()
    assert len(md) == 0
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        md.update([("x",)])
    with pytest.raises(TypeError):
        md.update(3)


# -- ParameterList / ParameterDict ---------------------------------------------------------------
def test_parameter_list_wraps_tensors():
    pl = nn.ParameterList([minigrad.zeros(2), Parameter(minigrad.ones(3))])
    assert all(isinstance(p, Parameter) and p.requires_grad for p in pl)
    pl.append(minigrad.zeros(1, 4))
    pl.extend([minigrad.zeros(5)])
    assert len(pl) == 4 and [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3"]
    assert pl[-1].shape == (5,)
    assert len(pl[1:3]) == 2
    pl[0] = minigrad.ones(2)
    assert isinstance(pl[0], Parameter)
    assert repr(pl).startswith(
        "ParameterList(\n    (0): Parameter containing: [minigrad.float32 of size 2]\n"
    )
    assert "(2): Parameter containing: [minigrad.float32 of size 1x4]" in repr(pl)
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        pl()
    with pytest.raises(TypeError):
        pl.extend(minigrad.zeros(2))


def test_parameter_dict():
    pd = nn.ParameterDict({"b": minigrad.zeros(1), "a": minigrad.ones(2)})
    assert list(pd) == ["a", "b"]  # a plain dict is added in sorted key order (PyTorch's rule)
    pd2 = nn.ParameterDict(OrderedDict([("b", minigrad.zeros(1)), ("a", minigrad.ones(2))]))
    assert list(pd2.keys()) == ["b", "a"]
    assert isinstance(pd["a"], Parameter)
    pd["c"] = minigrad.zeros(3)
    assert [n for n, _ in pd.named_parameters()] == ["a", "b", "c"]
    assert "c" in pd and len(pd) == 3 and pd.get("zz") is None
    assert pd.setdefault("d", minigrad.zeros(1)) is pd["d"]
    key, value = pd.popitem()
    assert key == "d" and isinstance(value, Parameter)
    assert pd.pop("c").shape == (3,)
    merged = pd | nn.ParameterDict({"z": minigrad.zeros(1)})
    assert list(merged) == ["a", "b", "z"] and list(pd) == ["a", "b"]
    assert list(pd.copy()) == ["a", "b"]
    assert "(a): Parameter containing: [minigrad.float32 of size 2]" in repr(pd)
    with pytest.raises(TypeError, match="not a string"):
        pd[1] = minigrad.zeros(1)
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []


def test_containers_in_state_dict_and_optimizer_view():
    class Model(Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([AddConst(1), AddConst(2)])
            self.heads = nn.ModuleDict({"x": AddConst(3)})
            self.extras = nn.ParameterList([minigrad.zeros(2)])
            self.named = nn.ParameterDict({"s": minigrad.ones(1)})

    m = Model()
    assert list(m.state_dict()) == ["blocks.0.c", "blocks.1.c", "heads.x.c", "extras.0", "named.s"]
    assert len(list(m.parameters())) == 5


def test_identity():
    ident = nn.Identity(54, unused_argument1=0.1)
    x = minigrad.randn(2, 3)
    assert ident(x) is x
    assert repr(ident) == "Identity()" and list(ident.parameters()) == []


def test_container_repr_matches_torch():
    torch = torch_or_skip()
    ours = nn.Sequential(OrderedDict([("a", nn.Identity()),
                                      ("b", nn.Sequential(nn.Identity(), nn.Identity()))]))
    theirs = torch.nn.Sequential(OrderedDict([
        ("a", torch.nn.Identity()),
        ("b", torch.nn.Sequential(torch.nn.Identity(), torch.nn.Identity()))]))
    assert repr(ours) == repr(theirs)
    pl_ours = nn.ParameterList([minigrad.zeros(2, 3)])
    pl_theirs = torch.nn.ParameterList([torch.zeros(2, 3)])
    assert repr(pl_ours).replace("minigrad", "torch") == repr(pl_theirs)
