"""Random number state: one global NumPy Generator, re-seeded by ``manual_seed``.

Every random function in minigrad draws from ``get_rng(generator)``, so a single
``minigrad.manual_seed(0)`` makes a whole training run reproducible.
"""
from __future__ import annotations

import numpy as np


class Generator:
    """A source of random numbers, as ``torch.Generator`` (wraps ``numpy.random.Generator``)."""

    def __init__(self, device: str = "cpu"):
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed % (2**64))
        return self

    def seed(self) -> int:
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        self._rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator; returns it, as ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy Generator to draw from: ``generator``'s, or the global one."""
    return (generator or default_generator)._rng
