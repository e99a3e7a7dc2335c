"""Differentiable operations, by family. Every public name here is also ``minigrad.<name>``."""
from minigrad.ops.elementwise import *  # noqa: F401,F403
from minigrad.ops.reduce import *  # noqa: F401,F403
from minigrad.ops.shape import *  # noqa: F401,F403
from minigrad.ops.index import *  # noqa: F401,F403
from minigrad.ops.linalg import *  # noqa: F401,F403
from minigrad.ops.inplace import *  # noqa: F401,F403
