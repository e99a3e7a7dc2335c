"""``minigrad.nn``: modules, parameters, layers, losses, ``functional``, ``init`` and ``utils``."""
from minigrad.nn.parameter import Parameter  # noqa: F401
from minigrad.nn.modules import *  # noqa: F401,F403
from minigrad.nn.modules import Module, Identity  # noqa: F401
from minigrad.nn.modules.container import (  # noqa: F401
    ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential,
)
from minigrad.nn import functional, init, modules, parameter, utils  # noqa: F401
