"""Layer families, one file each (``linear.py``, ``conv.py``...); ``nn`` re-exports them all."""
from minigrad.nn.module import Module  # noqa: F401
from minigrad.nn.modules.container import (  # noqa: F401
    ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential,
)
from minigrad.nn.modules.identity import Identity  # noqa: F401
from minigrad.nn.modules.linear import *  # noqa: F401,F403
from minigrad.nn.modules.conv import *  # noqa: F401,F403
from minigrad.nn.modules.pooling import *  # noqa: F401,F403
from minigrad.nn.modules.activation import *  # noqa: F401,F403
from minigrad.nn.modules.batchnorm import *  # noqa: F401,F403
from minigrad.nn.modules.normalization import *  # noqa: F401,F403
from minigrad.nn.modules.dropout import *  # noqa: F401,F403
from minigrad.nn.modules.sparse import *  # noqa: F401,F403
from minigrad.nn.modules.flatten import *  # noqa: F401,F403
from minigrad.nn.modules.padding import *  # noqa: F401,F403
from minigrad.nn.modules.upsampling import *  # noqa: F401,F403
from minigrad.nn.modules.distance import *  # noqa: F401,F403
from minigrad.nn.modules.loss import *  # noqa: F401,F403
