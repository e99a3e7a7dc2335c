"""``minigrad.viz.make_dot``: draw an autograd graph as Graphviz DOT (torchviz's ``make_dot``).

The DOT text is built here (``.source`` always works); turning it into PNG/SVG/PDF needs the
Graphviz ``dot`` program, which ``render``, ``pipe`` and notebook display call when it is
installed (``apt-get install graphviz``, ``brew install graphviz`` or
``conda install python-graphviz``).

Colours follow torchviz: the output is dark olive green, leaves (parameters) light blue under
their ``AccumulateGrad`` box, saved tensors orange, backward nodes grey boxes.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

from minigrad.tensor import Tensor

__all__ = ["DotGraph", "make_dot"]

_NODE_ATTR = {"style": "filled", "shape": "box", "align": "left", "fontsize": "10",
              "ranksep": "0.1", "height": "0.2", "fontname": "monospace"}
# Attributes every Node has; whatever else a Function's forward stored on ctx is "its" attrs.
_BARE_ID = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|-?[0-9]+")
_NODE_INTERNALS = {"next_edges", "input_meta", "needs_input_grad", "num_outputs",
                   "materialize_grads"}


def _quote(s: str) -> str:
    """A DOT double-quoted string (newlines become the ``\\n`` escape)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _id(name: str) -> str:
    """A node ID as DOT reads it: bare when it is an identifier or a number, else quoted."""
    return name if _BARE_ID.fullmatch(name) else _quote(name)


def _attr_list(attrs: dict[str, str]) -> str:
    return " ".join(f"{k}={_quote(str(v))}" for k, v in attrs.items())


class DotGraph:
    """A DOT digraph with the part of ``graphviz.Digraph``'s API that torchviz users call:
    ``source``, ``node``, ``edge``, ``save``, ``render``, ``pipe``, ``view`` and notebook display.
    """

    def __init__(self, name: str | None = None, node_attr: dict[str, str] | None = None,
                 graph_attr: dict[str, str] | None = None, format: str = "png"):
        self.name = name
        self.node_attr = dict(node_attr or {})
        self.graph_attr = dict(graph_attr or {})
        self.format = format
        self.body: list[str] = []

    def node(self, name: str, label: str | None = None, **attrs: str) -> None:
        if label is not None:
            attrs = {"label": label, **attrs}
        name = _id(name)
        self.body.append(f"\t{name} [{_attr_list(attrs)}]" if attrs else f"\t{name}")

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        line = f"\t{_id(tail)} -> {_id(head)}"
        self.body.append(f"{line} [{_attr_list(attrs)}]" if attrs else line)

    @property
    def source(self) -> str:
        """The DOT text."""
        lines = ["digraph {" if self.name is None else f"digraph {_quote(self.name)} {{"]
        if self.graph_attr:
            lines.append(f"\tgraph [{_attr_list(self.graph_attr)}]")
        if self.node_attr:
            lines.append(f"\tnode [{_attr_list(self.node_attr)}]")
        lines += self.body
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.source

    def save(self, filename: str | None = None, directory: str | None = None) -> str:
        """Write the DOT source to ``filename`` (default ``Digraph.gv``); returns the path."""
        path = os.path.join(directory or "", filename or (self.name or "Digraph") + ".gv")
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.source)
        return path

    def pipe(self, format: str | None = None) -> bytes:
        """The rendered graph as bytes (``format`` png, svg, pdf... as ``dot -T`` takes)."""
        return subprocess.run([_dot_executable(), "-T" + (format or self.format)],
                              input=self.source.encode("utf-8"), capture_output=True,
                              check=True).stdout

    def render(self, filename: str | None = None, directory: str | None = None,
               view: bool = False, cleanup: bool = False,
               format: str | None = None) -> str:
        """Save the source to ``filename`` and render it to ``filename.<format>``; returns the
        rendered file's path (graphviz's convention: ``render("graph")`` writes ``graph`` and
        ``graph.png``). Raises RuntimeError when Graphviz's ``dot`` is not installed."""
        fmt = format or self.format
        dot = _dot_executable()
        source_path = self.save(filename, directory)
        out_path = f"{source_path}.{fmt}"
        subprocess.run([dot, "-T" + fmt, "-o", out_path, source_path], check=True,
                       capture_output=True)
        if cleanup:
            os.remove(source_path)
        if view:
            _open_file(out_path)
        return out_path

    def view(self, filename: str | None = None, directory: str | None = None,
             cleanup: bool = False) -> str:
        return self.render(filename, directory, view=True, cleanup=cleanup)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        # Jupyter shows the SVG when dot exists, the DOT text otherwise (never an exception).
        try:
            return {"image/svg+xml": self.pipe("svg").decode("utf-8")}
        except (RuntimeError, OSError, subprocess.CalledProcessError):
            return {"text/plain": self.source}


def _dot_executable() -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "make_dot(...).render() needs the Graphviz 'dot' program, which is not installed "
            "or not on PATH. Install Graphviz (apt-get install graphviz, brew install graphviz, "
            "or conda install python-graphviz), or use .source / .save() to get the DOT text."
        )
    return dot


def _open_file(path: str) -> None:
    import sys

    if sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]
    else:
        subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", path])


def _size_to_str(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(v)) for v in shape) + ")"


def _node_attrs(fn: Any) -> dict[str, Any]:
    """What the Function's forward stored on its ctx (``dim``, ``keepdim``...)."""
    return {k: v for k, v in vars(fn).items()
            if not k.startswith("_") and k not in _NODE_INTERNALS}


def _fn_label(fn: Any, show_attrs: bool, max_attr_chars: int) -> str:
    name = fn.name()
    if not show_attrs:
        return name
    attrs = {k: "[saved tensor]" if isinstance(v, Tensor)
             else "[saved tensors]" if isinstance(v, (tuple, list))
             and any(isinstance(t, Tensor) for t in v) else str(v)
             for k, v in _node_attrs(fn).items()}
    if not attrs:
        return name
    max_attr_chars = max(max_attr_chars, 3)
    col1 = max(len(k) for k in attrs)
    col2 = min(max(len(v) for v in attrs.values()), max_attr_chars)
    sep = "-" * max(col1 + col2 + 2, len(name))

    def truncate(s: str) -> str:
        return s[:col2 - 3] + "..." if len(s) > col2 else s

    rows = "\n".join(f"{k:<{col1}}: {truncate(v):>{col2}}" for k, v in attrs.items())
    return name + "\n" + sep + "\n" + rows


def _saved_tensors(fn: Any) -> list[Tensor]:
    """The node's saved tensors, without the in-place version check (empty once freed)."""
    saved = getattr(fn, "_saved", None) or []
    out = []
    for entry in saved:
        if entry is None:
            continue
        out.append(entry.unpack(fn) if hasattr(entry, "unpack") else entry)
    return out


def make_dot(var: Tensor | tuple[Tensor, ...], params: dict[str, Tensor] | None = None,
             show_attrs: bool = False, show_saved: bool = False,
             max_attr_chars: int = 50) -> DotGraph:
    """The autograd graph that produced ``var`` (a Tensor or a tuple of them) as a DotGraph.

    ``params`` maps names to tensors (``dict(model.named_parameters())``) to label the leaves.
    ``show_attrs`` lists what each backward node stored (dims, flags); ``show_saved`` adds the
    tensors saved for backward. Backward nodes are labelled with their ``grad_fn`` name
    (``MmBackward0``); gradients flow along the edges from inputs towards the output.
    """
    if params is not None:
        if not all(isinstance(p, Tensor) for p in params.values()):
            raise TypeError("make_dot: every value in params must be a Tensor")
        param_map = {id(v): k for k, v in params.items()}
    else:
        param_map = {}

    dot = DotGraph(node_attr=_NODE_ATTR, graph_attr={"size": "12,12"})
    seen: set = set()
    # Saved outputs are unpacked into fresh Tensors: keep them alive so no id() is reused.
    keep_alive: list[Tensor] = []

    def var_label(t: Tensor, name: str | None = None) -> str:
        if not name:
            name = param_map.get(id(t), "")
        return f"{name}\n {_size_to_str(t.shape)}"

    def add_leaf(leaf: Tensor) -> str:
        """A leaf's AccumulateGrad box and its light-blue tensor box; returns the box's id."""
        acc_id = f"{id(leaf)}_acc"
        if acc_id not in seen:
            seen.add(acc_id)
            seen.add(id(leaf))
            dot.node(str(id(leaf)), var_label(leaf), fillcolor="lightblue")
            dot.node(acc_id, "AccumulateGrad")
            dot.edge(str(id(leaf)), acc_id)
        return acc_id

    def add_nodes(root: Any) -> None:
        # Iterative depth-first walk: deep graphs (long RNN unrolls) must not hit the
        # recursion limit.
        stack = [root]
        while stack:
            fn = stack.pop()
            if id(fn) in seen:
                continue
            seen.add(id(fn))
            dot.node(str(id(fn)), _fn_label(fn, show_attrs, max_attr_chars))
            if show_saved:
                saved = _saved_tensors(fn)
                keep_alive.extend(saved)
                for i, t in enumerate(saved):
                    dot.edge(str(id(fn)), str(id(t)), dir="none")
                    dot.node(str(id(t)), var_label(t, f"saved[{i}]"), fillcolor="orange")
            for edge in getattr(fn, "next_edges", ()):
                if edge is None:
                    continue
                target = edge[0]
                if isinstance(target, Tensor):
                    dot.edge(add_leaf(target), str(id(fn)))
                else:
                    dot.edge(str(id(target)), str(id(fn)))
                    stack.append(target)

    def add_base_tensor(t: Tensor, color: str = "darkolivegreen1") -> None:
        if id(t) in seen:
            return
        seen.add(id(t))
        dot.node(str(id(t)), var_label(t), fillcolor=color)
        if t.grad_fn is not None:
            add_nodes(t.grad_fn)
            dot.edge(str(id(t.grad_fn)), str(id(t)))

    for v in var if isinstance(var, (tuple, list)) else (var,):
        add_base_tensor(v)
    _resize_graph(dot)
    return dot


def _resize_graph(dot: DotGraph, size_per_element: float = 0.15, min_size: float = 12) -> None:
    """Grow the drawing with the number of statements (torchviz's rule)."""
    size = max(min_size, len(dot.body) * size_per_element)
    dot.graph_attr.update(size=f"{size},{size}")
