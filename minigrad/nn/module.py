"""``Module``: the base class of every layer and model, with PyTorch's registration rules.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it (in ``_parameters`` /
``_modules``, in assignment order); buffers are registered with ``register_buffer``. Every
traversal (``parameters()``, ``state_dict()``, ``train()``, ``to()``...) walks these three
dicts, so a layer only has to assign its weights in ``__init__`` and write ``forward``.
"""
from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Iterator, Mapping
from typing import Any, Callable, TypeVar

import numpy as np

from minigrad import dtypes as _dtypes
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import is_grad_enabled, no_grad
from minigrad.hooks import RemovableHandle
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Module"]

T = TypeVar("T", bound="Module")

# Module-wide counter so that every hook gets a distinct key in the ordered hook dicts.
_hook_ids = itertools.count()


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: ``(missing_keys, unexpected_keys)``."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _typename(obj: Any) -> str:
    """``torch.typename``: ``minigrad.FloatTensor`` for tensors, the qualified type otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    prefix = "" if module in ("builtins", "__builtin__", None) else module + "."
    return prefix + type(obj).__qualname__


def _addindent(s: str, num_spaces: int) -> str:
    """Indent every line but the first (child reprs nested inside a parent's repr)."""
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(num_spaces * " " + line for line in lines)


def _forward_unimplemented(self, *input: Any) -> None:
    raise NotImplementedError(
        f'Module [{type(self).__name__}] is missing the required "forward" function'
    )


def _add_hook(hooks: dict[int, Callable], hook: Callable, prepend: bool,
              extra: tuple[dict, ...] = ()) -> RemovableHandle:
    """Insert ``hook`` into the ordered dict ``hooks``; the handle also clears ``extra`` flags."""
    key = next(_hook_ids)
    hooks[key] = hook
    if prepend:
        items = list(hooks.items())
        hooks.clear()
        hooks[key] = hook
        hooks.update(items[:-1])
    return _MultiHandle((hooks,) + extra, key)


class _MultiHandle(RemovableHandle):
    """A handle that removes one key from several dicts (the hook and its option flags)."""

    def __init__(self, containers: tuple[dict, ...], key: int):
        super().__init__(containers[0], key)
        self._containers = containers
        self.id = key

    def remove(self) -> None:
        for c in self._containers:
            c.pop(self._key, None)


class Module:
    """Base class for all neural network modules.

    Subclasses call ``super().__init__()`` first, assign ``Parameter``s and sub-``Module``s as
    attributes, and implement ``forward``. Calling the module runs the forward pre-hooks,
    ``forward`` and the forward hooks.
    """

    dump_patches: bool = False
    _version: int = 1
    training: bool
    call_super_init: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError("Module.__init__() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        if args:
            raise TypeError(f"Module.__init__() takes 1 positional argument but "
                            f"{len(args) + 1} were given")
        # object.__setattr__: our __setattr__ needs these dicts to exist already.
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_backward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_pre_hooks_with_kwargs", {})
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", {})
        setattr_(self, "_forward_hooks_always_called", {})
        setattr_(self, "_state_dict_pre_hooks", OrderedDict())
        setattr_(self, "_state_dict_hooks", OrderedDict())
        setattr_(self, "_load_state_dict_pre_hooks", OrderedDict())
        setattr_(self, "_load_state_dict_post_hooks", OrderedDict())

    forward: Callable[..., Any] = _forward_unimplemented

    # -- registration --------------------------------------------------------------------------
    def register_buffer(self, name: str, tensor: Tensor | None,
                        persistent: bool = True) -> None:
        """Register a non-learnable tensor (running statistics...) saved in the state dict.

        ``persistent=False`` keeps it out of ``state_dict()``; it still moves with ``to()``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(torch Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a ``Parameter`` or None) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        elif param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                f"be created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        else:
            self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name`` (reachable as an attribute)."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias for ``add_module``."""
        self.add_module(name, module)

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``"net.0"``); ``""`` is ``self``."""
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")  # noqa: TRY004
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (``"net.0.weight"``)."""
        module_path, _, param_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, param_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + param_name + "`")
        param = getattr(mod, param_name)
        if not isinstance(param, Parameter):
            raise AttributeError(  # noqa: TRY004 (PyTorch raises AttributeError)
                "`" + param_name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target`` (``"bn.running_mean"``)."""
        module_path, _, buffer_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, buffer_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + buffer_name + "`")
        if buffer_name not in mod._buffers:
            raise AttributeError("`" + buffer_name + "` is not a buffer")
        return getattr(mod, buffer_name)

    def get_extra_state(self) -> Any:
        """Override (with ``set_extra_state``) to save non-tensor state in the state dict."""
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called."
        )

    def set_extra_state(self, state: Any) -> None:
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called."
        )

    # -- attribute protocol --------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            return d["_parameters"][name]
        if "_buffers" in d and name in d["_buffers"]:
            return d["_buffers"][name]
        if "_modules" in d and name in d["_modules"]:
            return d["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__

        def remove_from(*containers) -> None:
            for c in containers:
                if name in c:
                    if isinstance(c, dict):
                        del c[name]
                    else:
                        c.discard(name)

        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(d, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(torch.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            remove_from(d, self._parameters, self._buffers, self._non_persistent_buffers_set)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(torch.nn.Module or None expected)"
                )
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(torch.Tensor or None expected)"
                )
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = (dir(self.__class__) + list(self.__dict__) + list(self._parameters)
                + list(self._modules) + list(self._buffers))
        # Sequential's children are named "0", "1"...: not valid attribute names.
        return sorted(k for k in keys if not k[0].isdigit())

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        # Modules pickled by an older minigrad may lack newer hook dicts.
        for name in ("_backward_hooks", "_backward_pre_hooks",
                     "_forward_pre_hooks_with_kwargs", "_forward_hooks_with_kwargs",
                     "_forward_hooks_always_called", "_state_dict_pre_hooks",
                     "_state_dict_hooks", "_load_state_dict_pre_hooks",
                     "_load_state_dict_post_hooks", "_non_persistent_buffers_set"):
            if name not in self.__dict__:
                self.__dict__[name] = set() if name.endswith("_set") else OrderedDict()

    # -- calling -------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks
                or self._backward_pre_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    _call_impl = __call__

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {result}."
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward_state = None
        if (self._backward_hooks or self._backward_pre_hooks) and is_grad_enabled():
            backward_state = _BackwardHookState(self)
            args = backward_state.wrap_inputs(args)
        called = set()
        try:
            output = self.forward(*args, **kwargs)
            for hook_id, hook in list(self._forward_hooks.items()):
                called.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs:
                    result = hook(self, args, kwargs, output)
                else:
                    result = hook(self, args, output)
                if result is not None:
                    output = result
            if backward_state is not None:
                output = backward_state.wrap_outputs(output)
        except Exception:
            # ``always_call`` hooks run even when forward (or an earlier hook) raised.
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called and hook_id not in called:
                    try:
                        if hook_id in self._forward_hooks_with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception:  # noqa: BLE001, S110
                        pass  # the original error is the one worth reporting
            raise
        return output

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; it may return new args.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and may return a
        ``(new_args, new_kwargs)`` tuple.
        """
        handle = _add_hook(self._forward_pre_hooks, hook, prepend,
                           (self._forward_pre_hooks_with_kwargs,))
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``; it may return a new output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``.
        ``always_call=True`` runs it even when ``forward`` raises.
        """
        handle = _add_hook(self._forward_hooks, hook, prepend,
                           (self._forward_hooks_with_kwargs, self._forward_hooks_always_called))
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        return handle

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients of the module's outputs are
        known (before those of its inputs); it may return a replacement ``grad_output``."""
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable,
                                    prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's positional tensor inputs are computed; it may return a replacement
        ``grad_input``. Entries are None for inputs that need no gradient."""
        return _add_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """The legacy name: minigrad gives it ``register_full_backward_hook``'s semantics."""
        return self.register_full_backward_hook(hook)

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict`` saves this module."""
        return _add_hook(self._state_dict_pre_hooks, hook, False)

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after saving this module."""
        return _add_hook(self._state_dict_hooks, hook, False)

    _register_state_dict_hook = register_state_dict_post_hook

    def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module loads its entries."""
        return _add_hook(self._load_state_dict_pre_hooks, _WithModule(hook, self), False)

    def _register_load_state_dict_pre_hook(self, hook: Callable,
                                           with_module: bool = False) -> RemovableHandle:
        return _add_hook(self._load_state_dict_pre_hooks,
                         _WithModule(hook, self) if with_module else hook, False)

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after this module and its children loaded;
        the hook may edit ``incompatible_keys.missing_keys`` / ``unexpected_keys`` in place."""
        return _add_hook(self._load_state_dict_post_hooks, hook, False)

    # -- traversal -----------------------------------------------------------------------------
    def _named_members(self, get_members_fn: Callable, prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        # Identity (not ==) decides duplicates: Tensor.__eq__ is elementwise.
        memo: set[int] = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for k, v in get_members_fn(module):
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield module_prefix + ("." if module_prefix else "") + k, v

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (a shared one once), depth first in registration order."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted_name, parameter)`` pairs: ``("0.weight", ...)``, ``("0.bias", ...)``..."""
        return self._named_members(lambda m: m._parameters.items(), prefix=prefix,
                                   recurse=recurse, remove_duplicate=remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members(lambda m: m._buffers.items(), prefix=prefix,
                                   recurse=recurse, remove_duplicate=remove_duplicate)

    def children(self) -> Iterator[Module]:
        """The direct submodules (each once)."""
        for _, module in self.named_children():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        memo: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def modules(self) -> Iterator[Module]:
        """``self`` and every submodule, depth first (a module reused twice appears once)."""
        for _, module in self.named_modules():
            yield module

    def named_modules(self, memo: set[Module] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """``(dotted_name, module)`` pairs, ``("", self)`` first."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub_prefix, remove_duplicate)

    def apply(self: T, fn: Callable[[Module], None]) -> T:
        """Call ``fn`` on every submodule (children first) and then on ``self``."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients -------------------------------------------------------------------
    def train(self: T, mode: bool = True) -> T:
        """Set ``training`` on this module and all descendants (Dropout, BatchNorm use it)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")  # noqa: TRY004
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self: T) -> T:
        return self.train(False)

    def requires_grad_(self: T, requires_grad: bool = True) -> T:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad`` to None (default) or to zeros in place."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad.zero_()

    # -- dtype / device ------------------------------------------------------------------------
    def _apply(self: T, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> T:
        """Replace every parameter's and buffer's data with ``fn(data)``.

        Parameters keep their identity (``param.data`` is swapped), so optimizers built before
        ``model.double()`` still hold the right objects.
        """
        if recurse:
            for module in self.children():
                module._apply(fn)
        with no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                param.data = fn(param)
                if param.grad is not None:
                    param.grad.data = fn(param.grad)
            for key, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[key] = fn(buf)
        return self

    def to(self: T, *args: Any, **kwargs: Any) -> T:
        """``to(dtype)``, ``to(device)``, ``to(tensor)``, ``to(device, dtype)``.

        Only floating-point parameters and buffers change dtype (integer buffers such as
        ``num_batches_tracked`` stay int64). Devices other than ``"cpu"`` raise RuntimeError.
        """
        from minigrad.tensor import _check_device

        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() received an invalid combination of arguments: {kwargs}")
        for a in args:
            if isinstance(a, _dtypes.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, bool):
                continue  # the positional non_blocking flag
            else:
                device = a
        if device is not None:
            _check_device(device)
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype={dtype}"
            )
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self: T) -> T:
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self: T) -> T:
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self: T) -> T:
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def type(self: T, dst_type: Any) -> T:
        """Cast every parameter and buffer (integer ones included) to ``dst_type``."""
        return self._apply(lambda t: t.type(dst_type))

    def cpu(self: T) -> T:
        return self

    def cuda(self: T, device: Any = None) -> T:
        """Always fails (AssertionError, as PyTorch built without CUDA): minigrad is CPU-only."""
        from minigrad.tensor import _check_device

        _check_device("cuda")
        return self

    def share_memory(self: T) -> T:
        return self

    # -- state dict ----------------------------------------------------------------------------
    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str,
                            keep_vars: bool) -> None:
        """Put this module's own parameters and persistent buffers (not children's) into
        ``destination``; override to save extra entries."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def state_dict(self, *args: Any, destination: dict[str, Any] | None = None,
                   prefix: str = "", keep_vars: bool = False) -> dict[str, Any]:
        """An ``OrderedDict`` from dotted names to detached parameters and persistent buffers.

        The tensors share storage with the module (copy them to snapshot). ``keep_vars=True``
        returns the Parameters themselves.
        """
        if args:  # PyTorch's deprecated positional form: (destination, prefix, keep_vars)
            names = ("destination", "prefix", "keep_vars")
            values = dict(zip(names, args))
            destination = values.get("destination", destination)
            prefix = values.get("prefix", prefix)
            keep_vars = values.get("keep_vars", keep_vars)
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            result = hook(self, destination, prefix, local_metadata)
            if result is not None:
                destination = result
        return destination

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str,
                              local_metadata: dict, strict: bool, missing_keys: list[str],
                              unexpected_keys: list[str], error_msgs: list[str]) -> None:
        """Copy this module's own entries (``prefix + name``) from ``state_dict`` in place.

        Records missing and unexpected keys and shape errors in the lists; override (calling
        super) to handle version changes or extra entries.
        """
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        persistent_buffers = {k: v for k, v in self._buffers.items()
                              if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(),
                                                        persistent_buffers.items())
                       if v is not None}
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            input_param = state_dict[key]
            if isinstance(input_param, (np.ndarray, np.generic)):
                input_param = Tensor._from_array(np.asarray(input_param))
            elif not isinstance(input_param, Tensor):
                if hasattr(input_param, "detach") and hasattr(input_param, "numpy"):
                    # a torch tensor: read its values (lets users port PyTorch checkpoints)
                    input_param = Tensor._from_array(input_param.detach().cpu().numpy())
                else:
                    error_msgs.append(
                        f'While copying the parameter named "{key}", expected torch.Tensor or '
                        f"Tensor-like object from checkpoint but received {type(input_param)}"
                    )
                    continue
            # PyTorch 0.3 checkpoints stored scalars as shape [1].
            if param.ndim == 0 and input_param.ndim == 1 and input_param.shape[0] == 1:
                input_param = input_param[0]
            if input_param.shape != param.shape:
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape "
                    f"{list(input_param.shape)} from checkpoint, the shape in current model is "
                    f"{list(param.shape)}."
                )
                continue
            try:
                with no_grad():
                    if assign:
                        self._assign_state(name, param, input_param)
                    else:
                        param.copy_(input_param)
            except Exception as ex:  # noqa: BLE001 (report every bad key at once, as PyTorch)
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model '
                    f"are {list(param.shape)} and whose dimensions in the checkpoint are "
                    f"{list(input_param.shape)}, an exception occurred : {ex.args}."
                )
        extra_state_key = prefix + "_extra_state"
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_state_key in state_dict:
                self.set_extra_state(state_dict[extra_state_key])
            elif strict:
                missing_keys.append(extra_state_key)
        elif strict and extra_state_key in state_dict:
            unexpected_keys.append(extra_state_key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra_state_key:
                    input_name = key[len(prefix):].split(".", 1)
                    if len(input_name) > 1:
                        if input_name[0] not in self._modules:
                            unexpected_keys.append(key)
                    elif input_name[0] not in local_state:
                        unexpected_keys.append(key)

    def _assign_state(self, name: str, current: Tensor, value: Tensor) -> None:
        """``load_state_dict(assign=True)``: take the checkpoint tensor itself."""
        if name in self._parameters:
            if not isinstance(value, Parameter):
                value = Parameter(value.detach(), requires_grad=current.requires_grad)
            self._parameters[name] = value
        else:
            self._buffers[name] = value

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy ``state_dict``'s values into this module's parameters and buffers in place.

        Values may be minigrad Tensors or NumPy arrays. Returns ``(missing_keys,
        unexpected_keys)``; with ``strict=True`` any missing or unexpected key raises
        RuntimeError, and a shape mismatch raises whatever ``strict`` is. Every problem is
        listed in one message.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys: list[str] = []
        unexpected_keys: list[str] = []
        error_msgs: list[str] = []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata

        # Iterative walk (deep nets must not hit the recursion limit); children's entries are
        # filtered by prefix so each module only sees its own subtree.
        post_hooks = []
        stack = [(self, state_dict, "")]
        while stack:
            module, local_sd, prefix = stack.pop()
            local_metadata = dict(metadata.get(prefix[:-1], {})) if metadata is not None else {}
            if assign:
                local_metadata["assign_to_params_buffers"] = True
            module._load_from_state_dict(local_sd, prefix, local_metadata, True, missing_keys,
                                         unexpected_keys, error_msgs)
            if module._load_state_dict_post_hooks:
                post_hooks.append(module)
            children = []
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_sd = {k: v for k, v in local_sd.items() if k.startswith(child_prefix)}
                    children.append((child, child_sd, child_prefix))
            stack.extend(reversed(children))  # keep PyTorch's depth-first key order
        incompatible = _IncompatibleKeys(missing_keys, unexpected_keys)
        for module in reversed(post_hooks):
            for hook in module._load_state_dict_post_hooks.values():
                out = hook(module, incompatible)
                if out is not None:
                    raise RuntimeError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                        "expected to return new values, if incompatible_keys need to be "
                        "modified, it should be done inplace."
                    )
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return incompatible

    # -- printing ------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside this module's parentheses (``in_features=4, out_features=8, ...``);
        override it to describe a layer's configuration."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(module), 2)
                       for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


class _BackwardHookFunction(Function):
    """Identity on a group of tensors whose backward hands their gradients to ``callback``
    (which may replace them): how module backward hooks see grad_input and grad_output."""

    @staticmethod
    def forward(ctx: Any, callback: Callable, *tensors: Tensor) -> tuple:
        ctx.callback = callback
        outs = []
        for t in tensors:
            out = Tensor._from_array(t._data)
            out._version_counter = t._version_counter  # a view: in-place writes stay visible
            outs.append(out)
        return tuple(outs)

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> tuple:
        return (None,) + tuple(ctx.callback(grads))


class _BackwardHookState:
    """One call's bookkeeping for ``register_full_backward_hook`` / ``..._pre_hook``.

    The module's tensor inputs and outputs are routed through ``_BackwardHookFunction``: the
    output node's backward runs first and records ``grad_output`` (after the pre-hooks); the
    input node's backward then calls the hooks with ``grad_input``.
    """

    def __init__(self, module: Module):
        self.module = module
        self.n_inputs = 0
        self.input_slots: list = []  # argument indices of the inputs that require grad
        self.positions: dict = {}  # argument index -> index in grad_input (tensor args only)
        self.grad_output: tuple | None = None

    def wrap_inputs(self, args: tuple) -> tuple:
        tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(tensor_pos)
        self.positions = {arg: k for k, arg in enumerate(tensor_pos)}
        self.input_slots = [i for i in tensor_pos if args[i].requires_grad]
        if not self.input_slots:
            return args
        wrapped = _BackwardHookFunction.apply(self._on_input_grads,
                                              *(args[i] for i in self.input_slots))
        args = list(args)
        for i, t in zip(self.input_slots, wrapped):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, output: Any) -> Any:
        single = isinstance(output, Tensor)
        outs = [output] if single else list(output) if isinstance(output, (tuple, list)) else []
        slots = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not slots:
            return output
        wrapped = _BackwardHookFunction.apply(self._on_output_grads, *(outs[i] for i in slots))
        for i, t in zip(slots, wrapped):
            outs[i] = t
        return outs[0] if single else type(output)(outs)

    def _on_output_grads(self, grads: tuple) -> tuple:
        module = self.module
        for hook in list(module._backward_pre_hooks.values()):
            result = hook(module, grads)
            if result is not None:
                if len(result) != len(grads):
                    raise RuntimeError(
                        "Backward pre hook returned an invalid number of grad_output, got "
                        f"{len(result)}, but expected {len(grads)}"
                    )
                grads = tuple(result)
        self.grad_output = grads
        if not self.input_slots and module._backward_hooks:
            # No input needs a gradient: the hooks still run, with grad_input all None.
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients. See "
                          "Module.register_full_backward_hook's docstring.", stacklevel=2)
            self._run_hooks((None,) * self.n_inputs)
        return grads

    def _on_input_grads(self, grads: tuple) -> tuple:
        grad_input = [None] * self.n_inputs
        for slot, g in zip(self.input_slots, grads):
            grad_input[self.positions[slot]] = g
        grad_input = self._run_hooks(tuple(grad_input))
        return tuple(grad_input[self.positions[slot]] for slot in self.input_slots)

    def _run_hooks(self, grad_input: tuple) -> tuple:
        module = self.module
        for hook in list(module._backward_hooks.values()):
            result = hook(module, grad_input, self.grad_output)
            if result is not None:
                if len(result) != len(grad_input):
                    raise RuntimeError(
                        "Backward hook returned an invalid number of grad_input, got "
                        f"{len(result)}, but expected {len(grad_input)}"
                    )
                grad_input = tuple(result)
        return grad_input


class _WithModule:
    """Binds the module as the first argument of a load-state-dict pre-hook."""

    def __init__(self, hook: Callable, module: Module):
        self.hook = hook
        self.module = module

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.hook(self.module, *args, **kwargs)
