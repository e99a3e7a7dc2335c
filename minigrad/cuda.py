"""``minigrad.cuda``: there is no GPU support; these answer as PyTorch does on a CPU-only build,
so ``device = 'cuda' if torch.cuda.is_available() else 'cpu'`` picks the CPU."""
from __future__ import annotations


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """No-op (no CUDA generator exists), as PyTorch on a CPU-only build."""


def manual_seed_all(seed: int) -> None:
    """No-op (no CUDA generator exists), as PyTorch on a CPU-only build."""


def synchronize(device=None) -> None:
    """No-op: nothing runs asynchronously."""


def empty_cache() -> None:
    """No-op: there is no device memory cache."""
