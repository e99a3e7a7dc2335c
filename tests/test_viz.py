"""minigrad.viz.make_dot: DOT text of an autograd graph (torchviz's layout and colours)."""
from __future__ import annotations

import re
import shutil

import pytest

import minigrad
from minigrad import nn, viz


def graph_names(output) -> set:
    """Every grad_fn name reachable from ``output``."""
    names, stack, seen = set(), [output.grad_fn], set()
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        names.add(fn.name())
        stack.extend(e[0] for e in fn.next_edges
                     if e is not None and not isinstance(e[0], minigrad.Tensor))
    return names


def small_graph():
    w = minigrad.randn(3, 4, requires_grad=True)
    b = minigrad.zeros(4, requires_grad=True)
    x = minigrad.randn(2, 3)
    y = (x @ w + b).relu().sum()
    return y, {"w": w, "b": b}


def test_source_has_every_node_leaf_and_edge():
    y, params = small_graph()
    dot = viz.make_dot(y, params=params)
    src = dot.source
    assert src.startswith("digraph {\n") and src.rstrip().endswith("}")
    assert 'node [style="filled" shape="box" align="left"' in src
    for name in graph_names(y):
        assert f'label="{name}"' in src
    assert {"MatmulBackward0", "AddBackward0", "ReluBackward0", "SumBackward0"} & \
        graph_names(y)
    assert src.count('label="AccumulateGrad"') == 2
    assert 'label="w\\n (3, 4)" fillcolor="lightblue"' in src
    assert 'label="b\\n (4)" fillcolor="lightblue"' in src
    assert 'label="\\n ()" fillcolor="darkolivegreen1"' in src  # the output, a 0-d tensor
    # every edge joins two declared nodes
    declared = set(re.findall(r"^\t(\S+) \[label=", src, flags=re.MULTILINE))
    edges = re.findall(r"^\t(\S+) -> (\S+)", src, flags=re.MULTILINE)
    assert edges and all(a in declared and b in declared for a, b in edges)
    # IDs are DOT numerals or quoted strings ("123_acc" unquoted would not parse)
    assert all(re.fullmatch(r'[0-9]+|"[0-9]+_acc"', i) for i in declared)
    assert str(dot) == src


def test_shared_nodes_drawn_once_and_tuple_outputs():
    x = minigrad.randn(3, requires_grad=True)
    h = x.exp()
    a, b = h * 2, h + 1
    src = viz.make_dot((a, b)).source
    exp_name = h.grad_fn.name()
    assert src.count(f'label="{exp_name}"') == 1
    assert src.count('fillcolor="darkolivegreen1"') == 2
    assert src.count('label="AccumulateGrad"') == 1


def test_show_attrs_and_show_saved():
    x = minigrad.randn(2, 3, requires_grad=True)
    y = x.sum(dim=1).exp().sum()
    plain = viz.make_dot(y).source
    detailed = viz.make_dot(y, show_attrs=True, show_saved=True).source
    assert "----" not in plain and 'fillcolor="orange"' not in plain
    assert 'fillcolor="orange"' in detailed  # exp saves its output
    assert "\\n----" in detailed  # an attribute table under a node name


def test_leaf_output_and_bad_params():
    w = minigrad.ones(2, requires_grad=True)
    src = viz.make_dot(w, params={"w": w}).source
    assert 'label="w\\n (2)" fillcolor="darkolivegreen1"' in src
    with pytest.raises(TypeError, match="must be a Tensor"):
        viz.make_dot(w, params={"w": 3})


def test_model_parameters_named():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    y = model(minigrad.randn(4, 3)).mean()
    src = viz.make_dot(y, params=dict(model.named_parameters())).source
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert f'label="{name}\\n' in src


def test_deep_graph_needs_no_recursion():
    x = minigrad.ones(1, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    src = viz.make_dot(y).source
    assert src.count('label="' + y.grad_fn.name() + '"') == 3000
    assert "size=" in src.splitlines()[1]  # the drawing grows with the graph


def test_save_writes_source(tmp_path):
    y, params = small_graph()
    dot = viz.make_dot(y, params)
    path = dot.save("graph.gv", directory=str(tmp_path))
    with open(path) as f:
        assert f.read() == dot.source


def test_render_without_dot_gives_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    y, _ = small_graph()
    dot = viz.make_dot(y)
    with pytest.raises(RuntimeError, match="Graphviz 'dot' program"):
        dot.render(str(tmp_path / "g"), format="png")
    assert dot._repr_mimebundle_() == {"text/plain": dot.source}


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")
def test_render_with_dot(tmp_path):
    y, params = small_graph()
    out = viz.make_dot(y, params).render(str(tmp_path / "g"), format="svg")
    with open(out) as f:
        assert out.endswith("g.svg") and "<svg" in f.read()
