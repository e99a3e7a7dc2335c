"""``Function``: a differentiable operation, and ``Node``, the record of one call of it.

``Function.apply`` runs ``forward`` without recording, wraps the results in Tensors and, when
grad mode is on and an input requires grad, makes the ``Node`` (which is also the ``ctx`` that
``forward`` and ``backward`` see) the ``grad_fn`` of the outputs.

``apply`` is on the path of every operation, so it is written for speed: class-level defaults
instead of per-node initialisation, grad mode read straight from its thread-local, and work
that only multi-output or view-producing ops need is skipped for the rest.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np

from minigrad.autograd import anomaly, grad_mode

_state = grad_mode._state
_new = object.__new__

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)

_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}


class _SavedOutput:
    """An output saved for backward, kept without its grad_fn to avoid a reference cycle
    (node -> saved output -> node); ``unpack`` rebuilds the tensor with the node as grad_fn."""

    __slots__ = ("data", "output_nr", "requires_grad", "version_counter")

    def __init__(self, tensor, output_nr: int):
        self.data = tensor._data
        self.output_nr = output_nr
        self.version_counter = tensor._version_counter
        self.requires_grad = tensor._requires_grad

    def unpack(self, node):
        t = _Tensor._from_array(self.data)
        t._version_counter = self.version_counter
        if self.requires_grad:
            t._requires_grad = True
            t.grad_fn = node
            t._output_nr = self.output_nr
        return t


class Node:
    """The ctx of one Function call and the ``grad_fn`` of its outputs.

    ``next_edges[i]`` says where the gradient of positional input ``i`` goes: ``None`` (no grad
    needed), ``(node, output_nr)`` for a non-leaf, or ``(tensor, 0)`` for a leaf that accumulates.
    ``input_meta[i]`` is that input's ``(shape, numpy dtype)``, used to un-broadcast and check.
    Attributes below are class-level defaults so that creating a node costs almost nothing.
    """

    next_edges: tuple = ()
    input_meta: tuple = ()
    needs_input_grad: tuple = ()
    num_outputs = 1
    materialize_grads = True
    _saved = None               # list of Tensors / _SavedOutput / None
    _saved_versions = None
    _freed = False
    _non_differentiable = None  # set of ids of outputs marked non-differentiable
    _dirty = None               # ids of inputs marked dirty (modified in place by forward)
    _tensor_hooks = None        # output_nr -> [hook]
    _retained = None            # output_nr -> weakref of a tensor with retain_grad()
    _output_meta = ()           # (shape, dtype) per output; only for multi-output nodes
    _recording = True           # False when apply will not link the node (grad mode off...)
    _function: type             # the Function class; each Function has its own Node subclass

    # -- what forward uses -------------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (inputs or outputs of forward, or None) for backward.

        The version of each is recorded: backward raises if one was modified in place since.
        """
        if not self._recording:  # the node will be discarded: nothing to keep
            return
        self._saved = list(tensors)
        self._saved_versions = [t._version_counter[0] if t is not None else 0 for t in tensors]

    def mark_non_differentiable(self, *tensors) -> None:
        """Outputs that never require grad (e.g. indices)."""
        if self._non_differentiable is None:
            self._non_differentiable = set()
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors) -> None:
        """Inputs that forward modified in place (their version is bumped by ``apply``)."""
        self._dirty = [t for t in tensors]

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``; RuntimeError if one of them was modified
        in place since, or if the graph was freed by a previous backward."""
        saved = self._saved
        if not saved:
            if self._freed:
                raise RuntimeError(_FREED_MESSAGE)
            return ()
        result = []
        for entry, version in zip(saved, self._saved_versions):
            if type(entry) is _SavedOutput:
                t = entry.unpack(self)
            else:
                t = entry
                if t is None:
                    result.append(None)
                    continue
            if t._version_counter[0] != version:
                raise RuntimeError(_modified_message(t, entry, self, version))
            result.append(t)
        return tuple(result)

    # -- what the engine and users see -------------------------------------------------------
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple:
        """``((node_or_leaf_tensor, output_nr), ...)`` as in PyTorch (``(None, 0)`` for inputs
        that need no gradient)."""
        return tuple(e if e is not None else (None, 0) for e in self.next_edges)

    @property
    def metadata(self) -> dict:
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def register_hook(self, hook) -> None:
        raise NotImplementedError("Node hooks are not supported; use Tensor.register_hook")

    def _release(self) -> None:
        """Free the saved tensors after backward (unless retain_graph)."""
        self._saved = None
        self._saved_versions = None
        self._freed = True

    def _add_tensor_hook(self, output_nr: int, hook) -> list:
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        return self._tensor_hooks.setdefault(output_nr, [])


def _modified_message(t, entry, node, version: int) -> str:
    """PyTorch's text for a saved tensor that was modified in place after being saved."""
    kind = f"minigrad.{_TYPE_NAMES.get(t._data.dtype.name, 'Tensor')} {list(t._data.shape)}"
    origin = ""
    if type(entry) is _SavedOutput:
        origin = f", which is output {entry.output_nr} of {_op_name(node)},"
    elif t.grad_fn is not None:
        origin = f", which is output {t._output_nr} of {_op_name(t.grad_fn)},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{kind}]{origin} is at version {t._version_counter[0]}; expected version "
        f"{version} instead. Hint: enable anomaly detection to find the operation that failed "
        "to compute its gradient, with minigrad.autograd.set_detect_anomaly(True, "
        "check_nan=False)."
    )


def _op_name(node: Node) -> str:
    """``MulBackward0`` -> ``Mul``, as PyTorch names the forward op in its messages."""
    return re.sub(r"Backward\d*$", "", node.name())


class FunctionMeta(type):
    """Gives each Function subclass its node name: ``Mul`` -> ``MulBackward0`` for minigrad's
    ops (PyTorch's names), ``MyFn`` -> ``MyFnBackward`` for user Functions. A class may set
    ``_node_name`` itself to match a PyTorch name that differs (``CopySlices``)."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        if "_node_name" not in namespace:
            suffix = "Backward0" if cls.__module__.startswith("minigrad.") else "Backward"
            cls._node_name = name + suffix
        # The class of this Function's nodes (``type(y.grad_fn).__name__ == 'MulBackward0'``).
        cls._node_class = type(cls._node_name, (Node,), {"_function": cls})


class Function(metaclass=FunctionMeta):
    """Base class of differentiable operations (``torch.autograd.Function``).

    Subclasses define static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` and are
    called with ``apply``. ``forward`` sees Tensors (and other arguments) and may return Tensors or
    NumPy arrays; ``backward`` gets one gradient Tensor per output and returns one gradient per
    positional input (None where there is none). Writing ``backward`` with differentiable
    operations makes higher-order gradients work.
    """

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and, in grad mode, record the call in the graph."""
        ctx = cls._node_class()
        Tensor = _Tensor
        needs = []
        record = False
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                needs.append(True)
                record = True
            else:
                needs.append(False)
        ctx.needs_input_grad = needs = tuple(needs)
        enabled = _state.enabled
        if enabled:
            if not record:
                ctx._recording = False
            _state.enabled = False
            try:
                raw = cls.forward(ctx, *args, **kwargs)
            finally:
                _state.enabled = True
        else:
            record = False
            ctx._recording = False
            raw = cls.forward(ctx, *args, **kwargs)

        if type(raw) is np.ndarray:  # the common case: one fresh array
            out = _new(Tensor)  # Tensor._from_array inlined: this runs for every op
            out._data = raw
            out._requires_grad = False
            out._version_counter = [0]
            if raw.base is not None:
                _link_view(out, cls, args, kwargs, enabled)
            if record:
                _link_inputs(ctx, args)
                if anomaly._enabled:
                    ctx.metadata["traceback_"] = anomaly.creation_stack()
                skip = ctx._non_differentiable
                if raw.dtype.kind == "f" and not (skip and id(out) in skip):
                    out._requires_grad = True
                    out.grad_fn = ctx
                    saved = ctx._saved
                    if saved:
                        for j, t in enumerate(saved):
                            if t is out:
                                saved[j] = _SavedOutput(out, 0)
            if ctx._dirty is not None:
                _bump_dirty(ctx)
            return out
        single = not isinstance(raw, tuple)
        outputs = []
        for item in (raw,) if single else raw:
            if isinstance(item, Tensor):
                if any(item is a for a in args):
                    # forward returned an input: the output is a new tensor (a view of it)
                    item = Tensor._from_array(item._data)
                    _link_view(item, cls, args, kwargs, enabled)
                elif item._data.base is not None and item._base is None:
                    _link_view(item, cls, args, kwargs, enabled)
            elif item is not None:
                item = Tensor._from_array(item if type(item) is np.ndarray else np.asarray(item))
                if item._data.base is not None:
                    _link_view(item, cls, args, kwargs, enabled)
            outputs.append(item)
        if record:
            _link(ctx, args, outputs)
        if ctx._dirty is not None:
            _bump_dirty(ctx)
        return outputs[0] if single else tuple(outputs)


def _link_inputs(ctx: Node, args: tuple) -> None:
    """The node's edges to the inputs that need grad, and their (shape, dtype)."""
    edges = []
    meta = []
    for arg, need in zip(args, ctx.needs_input_grad):
        if need:
            fn = arg.grad_fn
            edges.append((fn, arg._output_nr) if fn is not None else (arg, 0))
            a = arg._data
            meta.append((a.shape, a.dtype))
        else:
            edges.append(None)
            meta.append(None)
    ctx.next_edges = edges
    ctx.input_meta = meta


def _link(ctx: Node, args: tuple, outputs) -> None:
    """Connect the node to its inputs (edges) and outputs (grad_fn), in grad mode."""
    _link_inputs(ctx, args)
    if anomaly._enabled:
        ctx.metadata["traceback_"] = anomaly.creation_stack()
    n = len(outputs)
    if n != 1:
        ctx.num_outputs = n
        ctx._output_meta = tuple(
            (o._data.shape, o._data.dtype) if o is not None else None for o in outputs
        )
    skip = ctx._non_differentiable
    saved = ctx._saved
    for i, out in enumerate(outputs):
        if out is None or out._data.dtype.kind != "f" or (skip and id(out) in skip):
            continue
        out._requires_grad = True
        out.grad_fn = ctx
        out._output_nr = i
        if saved:
            for j, t in enumerate(saved):
                if t is out:
                    saved[j] = _SavedOutput(out, i)


def _link_view(out, cls: type, args: tuple, kwargs: dict, grad_enabled: bool) -> None:
    """If ``out`` shares memory with a tensor input, make it a view of that input: same version
    counter (in-place writes through either are seen by autograd) and a recipe to recompute the
    view from its base, used when an in-place op on the view must update the base's history."""
    arr = out._data
    for i, a in enumerate(args):
        if isinstance(a, _Tensor) and (arr is a._data or np.may_share_memory(arr, a._data)):
            out._version_counter = a._version_counter
            if not grad_enabled:
                out._view_no_grad = True
            step = (cls, args, kwargs, i)
            if a._base is None:
                out._base, out._view_steps = a, (step,)
            else:
                out._base, out._view_steps = a._base, a._view_steps + (step,)
            return


def replay_view(base, steps: tuple):
    """Apply the recorded view ``steps`` to ``base`` (differentiably when grad mode is on)."""
    t = base
    for cls, args, kwargs, i in steps:
        t = cls.apply(*args[:i], t, *args[i + 1:], **kwargs)
    return t


def _bump_dirty(ctx: Node) -> None:
    for t in ctx._dirty:
        t._version_counter[0] += 1


def once_differentiable(fn):
    """Decorator for ``backward``: runs it without building a graph (no double backward)."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)

    return wrapper


def as_array(x) -> np.ndarray:
    """The ndarray behind a Tensor (or ``np.asarray`` of anything else)."""
    return x._data if hasattr(x, "_data") else np.asarray(x)


_Tensor: Any = None  # minigrad.tensor.Tensor, registered by tensor.py (it imports this package)


def _register_tensor_class(cls: type) -> None:
    global _Tensor
    _Tensor = cls
