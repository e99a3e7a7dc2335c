"""Reverse-mode differentiation: walks the graph of Nodes from the outputs to the leaves.

The walk is iterative (no recursion, so a 10,000-op chain is fine): first it counts, for every
node and leaf reachable from the roots, how many edges lead to it; then it runs nodes in
topological order (Kahn's algorithm), so each node runs once, after every gradient for its
outputs has arrived and been summed (diamonds and reused nodes are exact). Gradients are
un-broadcast to each input's shape here, in one place, and checked against the input's shape
and dtype. With ``inputs`` (``autograd.grad``, ``backward(inputs=...)``) only the part of the
graph that leads to them runs.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minigrad.autograd import anomaly, grad_mode
from minigrad.autograd.function import Node

_state = grad_mode._state


def _collect(roots: Sequence) -> dict:
    """Number of edges leading to every node and leaf reachable from ``roots``."""
    dependencies = {r: 0 for r in roots}
    stack = [r for r in dependencies if isinstance(r, Node)]
    while stack:
        for edge in stack.pop().next_edges:
            if edge is None:
                continue
            target = edge[0]
            if target in dependencies:
                dependencies[target] += 1
            else:
                dependencies[target] = 1
                if isinstance(target, Node):
                    stack.append(target)
    return dependencies


def _needed(roots: Sequence, wanted: set) -> set:
    """Nodes whose backward must run to deliver gradient to a ``wanted`` node or leaf: those
    with a path to one. Children are visited before parents (iterative post-order)."""
    needed: set = set()
    done: set = set()
    for root in roots:
        if not isinstance(root, Node) or root in done:
            continue
        stack = [(root, iter(root.next_edges))]
        done.add(root)
        while stack:
            node, edges = stack[-1]
            for edge in edges:
                if edge is None:
                    continue
                child = edge[0]
                if isinstance(child, Node) and child not in done:
                    done.add(child)
                    stack.append((child, iter(child.next_edges)))
                    break
            else:
                stack.pop()
                if any(e is not None and (e[0] in wanted or e[0] in needed)
                       for e in node.next_edges):
                    needed.add(node)
    return needed


def _sum_to_shape(grad, shape: tuple):
    """Reduce a broadcast gradient back to ``shape`` (differentiable, for double backward);
    None when ``grad``'s shape does not broadcast from ``shape``."""
    gshape = grad._data.shape
    lead = len(gshape) - len(shape)
    if lead < 0 or any(n != 1 and gshape[i + lead] != n for i, n in enumerate(shape)):
        return None
    dims = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1
    )
    if dims:
        grad = grad.sum(dim=dims, keepdim=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


def _check_input_grad(node: Node, index: int, grad):
    """The gradient for input ``index`` of ``node``, un-broadcast and validated."""
    shape, dtype = node.input_meta[index]
    if not isinstance(grad, _tensor_class()):
        grad = _tensor_class()._from_array(np.asarray(grad, dtype=dtype))
    if grad._data.shape != shape:
        reduced = _sum_to_shape(grad, shape)
        if reduced is None:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got "
                f"{list(grad._data.shape)} but expected shape compatible with {list(shape)}"
            )
        grad = reduced
    if grad._data.dtype != dtype:
        if not node._function.__module__.startswith("minigrad."):
            return grad.to(_dtype_of(dtype))  # user Functions: PyTorch casts silently
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {index} - expected "
            f"dtype {dtype} but got {grad._data.dtype}"
        )
    return grad


def _tensor_class():
    from minigrad.autograd import function

    return function._Tensor


def _dtype_of(np_dtype):
    from minigrad.dtypes import from_numpy

    return from_numpy(np_dtype)


def run_backward(
    roots: Sequence,
    root_grads: Sequence,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence | None = None,
    accumulate: bool = True,
) -> list | None:
    """Backpropagate ``root_grads`` from the tensors ``roots``.

    With ``accumulate=True`` (``Tensor.backward``) gradients are added into the ``.grad`` of the
    leaves (only of ``inputs`` when given, which may then also be non-leaf tensors). With
    ``accumulate=False`` (``autograd.grad``) the gradients of ``inputs`` are returned instead and
    no ``.grad`` is touched.
    """
    buffers: dict = {}
    for t, g in zip(roots, root_grads):
        fn = t.grad_fn
        target, slot = (fn, t._output_nr) if fn is not None else (t, 0)
        buf = buffers.get(target)
        if buf is None:
            buf = buffers[target] = [None] * (target.num_outputs if fn is not None else 1)
        buf[slot] = g if buf[slot] is None else buf[slot] + g
    dependencies = _collect(list(buffers))

    # For autograd.grad and backward(inputs=...): where the wanted gradients arrive.
    capture: dict = {}
    needed = None
    if inputs is not None:
        for i, t in enumerate(inputs):
            fn = t.grad_fn
            capture.setdefault((fn, t._output_nr) if fn is not None else (t, 0), []).append(i)
        needed = _needed(list(buffers), {target for target, _ in capture})
    captured: list = [None] * (len(inputs) if inputs is not None else 0)

    ready = [target for target, n in dependencies.items() if n == 0]
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        _execute(ready, buffers, dependencies, capture, captured, needed, inputs, accumulate,
                 retain_graph, create_graph)
    finally:
        _state.enabled = prev_mode
    if accumulate:
        _accumulate_non_leaf_inputs(inputs, captured, create_graph)
        return None
    return captured


def _execute(ready, buffers, dependencies, capture, captured, needed, inputs, accumulate,
             retain_graph, create_graph) -> None:
    """The main loop: pop a node whose gradients are complete, run its backward, route each
    input gradient (checked, un-broadcast) to the buffer of the node or leaf it belongs to.
    Written as one flat loop because it runs once per node of every backward pass."""
    Tensor = _tensor_class()
    check_anomaly = anomaly._enabled
    while ready:
        node = ready.pop()
        grads = buffers.pop(node, None)
        if not isinstance(node, Node):  # a leaf tensor
            if grads is not None and grads[0] is not None:
                _finish_leaf(node, grads[0], capture, captured, inputs, accumulate,
                             create_graph)
            continue
        if grads is not None:
            if node._tensor_hooks:
                _run_tensor_hooks(node, grads)
            if node._retained and accumulate:
                _retain(node, grads, create_graph)
            if capture:
                for slot, g in enumerate(grads):
                    for i in capture.get((node, slot), ()):
                        captured[i] = g
        if needed is not None and node not in needed:
            continue
        edges = node.next_edges
        result = None
        if grads is not None:
            if len(grads) == 1:
                if grads[0] is not None:
                    result = node._function.backward(node, grads[0]) if not check_anomaly \
                        else _backward_in_anomaly_mode(node, grads)
            elif any(g is not None for g in grads):
                if node.materialize_grads:
                    grads = [g if g is not None else _zeros_for_output(node, slot)
                             for slot, g in enumerate(grads)]
                result = node._function.backward(node, *grads) if not check_anomaly \
                    else _backward_in_anomaly_mode(node, grads)
        if not retain_graph:
            node._saved = node._saved_versions = None
            node._freed = True
        if result is None and (grads is None or not any(g is not None for g in grads)):
            for edge in edges:  # no gradient flows, but the children still lose a dependency
                if edge is not None:
                    child = edge[0]
                    dependencies[child] -= 1
                    if dependencies[child] == 0:
                        ready.append(child)
            continue
        if type(result) is not tuple:
            result = (result,)
        if len(result) != len(edges):
            n_missing = len(edges) - len(result)
            if n_missing > 0 and edges[-1] is None and not any(edges[len(result):]):
                result += (None,) * n_missing  # omitted trailing non-tensor arguments
            else:
                result = _pad_result(node, result)
        meta = node.input_meta
        for i, edge in enumerate(edges):
            if edge is None:
                continue
            child = edge[0]
            g = result[i]
            if g is not None:
                a = getattr(g, "_data", None)
                shape, dtype = meta[i]
                if a is None or a.shape != shape or (a.dtype is not dtype and a.dtype != dtype):
                    g = _check_input_grad(node, i, g)
                slot = edge[1]
                buf = buffers.get(child)
                if buf is None:
                    buf = buffers[child] = [None] * (
                        child.num_outputs if isinstance(child, Node) else 1)
                    buf[slot] = g
                else:
                    old = buf[slot]
                    if old is None:
                        buf[slot] = g
                    elif create_graph:
                        buf[slot] = old + g
                    else:
                        buf[slot] = Tensor._from_array(old._data + g._data)
            dependencies[child] -= 1
            if dependencies[child] == 0:
                ready.append(child)


def _backward_in_anomaly_mode(node: Node, grads: list):
    """``backward`` checked for NaN; any error is preceded by a warning that shows where the
    node's forward was called (as PyTorch's anomaly mode)."""
    try:
        result = node._function.backward(node, *grads)
        anomaly.check_gradients(node, result if type(result) is tuple else (result,))
    except Exception:
        anomaly.warn_with_forward_stack(node)
        raise
    return result


def _pad_result(node: Node, result: tuple) -> tuple:
    """Backward may omit trailing entries for non-tensor arguments (dims, flags)."""
    n = len(node.next_edges)
    if len(result) > n or any(e is not None for e in node.next_edges[len(result):]):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {n}, got {len(result)})"
        )
    return result + (None,) * (n - len(result))


def _run_tensor_hooks(node: Node, grads: list) -> None:
    """Tensor hooks of the node's outputs may replace their gradient."""
    for slot, hooks in node._tensor_hooks.items():
        for hook in list(hooks):
            if grads[slot] is not None:
                replaced = hook(grads[slot])
                if replaced is not None:
                    grads[slot] = replaced


def _retain(node: Node, grads: list, create_graph: bool) -> None:
    """``.grad`` of non-leaf tensors that called ``retain_grad()``."""
    for slot, ref in node._retained.items():
        t = ref()
        g = grads[slot]
        if t is None or g is None:
            continue
        if t.grad is None:
            t.grad = g if create_graph else g.detach()._copy_storage()
        else:
            t.grad = t.grad + g


def _zeros_for_output(node: Node, slot: int):
    """A zero gradient for an output that received none (shape recorded at forward time)."""
    meta = node._output_meta[slot] if slot < len(node._output_meta) else None
    if meta is None:
        return None
    shape, dtype = meta
    return _tensor_class()._from_array(np.zeros(shape, dtype=dtype))


def _finish_leaf(leaf, grad, capture, captured, inputs, accumulate, create_graph) -> None:
    """All gradient for a leaf has arrived: run its hooks, then capture or accumulate it."""
    if leaf._hooks:
        for hook in list(leaf._hooks):
            replaced = hook(grad)
            if replaced is not None:
                grad = replaced
    slots = capture.get((leaf, 0), ())
    if not accumulate:
        for i in slots:
            captured[i] = grad
        return
    if inputs is not None and not slots:
        return
    _accumulate_grad(leaf, grad, create_graph)


def _accumulate_grad(t, grad, create_graph: bool) -> None:
    """``t.grad += grad``: in place when no graph is built (as PyTorch's AccumulateGrad)."""
    if t.grad is None:
        # Copy: the same gradient object may reach several tensors (e.g. through an addition).
        t.grad = grad if create_graph else grad.detach()._copy_storage()
    elif create_graph or t.grad._requires_grad:
        t.grad = t.grad + grad
    else:
        np.add(t.grad._data, grad._data, out=t.grad._data, casting="unsafe")


def _accumulate_non_leaf_inputs(inputs, captured: list, create_graph: bool) -> None:
    """``backward(inputs=[y])`` with a non-leaf ``y`` accumulates into ``y.grad`` too."""
    if not inputs:
        return
    for t, g in zip(inputs, captured):
        if t.grad_fn is not None and g is not None:
            _accumulate_grad(t, g, create_graph)
