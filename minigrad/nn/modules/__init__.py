"""Layer families, one file each (``linear.py``, ``conv.py``...); ``nn`` re-exports them."""
from minigrad.nn.module import Module
from minigrad.nn.modules.container import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from minigrad.nn.modules.identity import Identity

__all__ = ["Identity", "Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList",
           "Sequential"]
