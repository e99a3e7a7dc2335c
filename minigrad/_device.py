"""``minigrad.device``: where a tensor lives. minigrad computes on the CPU only."""
from __future__ import annotations

_TYPES = ("cpu", "cuda", "mps", "meta", "xpu")


class device:
    """``device('cpu')`` as ``torch.device``: ``type`` and ``index``; printed
    ``device(type='cpu')``, ``str()`` gives ``'cpu'``. A ``'cuda'`` device can be named (code
    often builds one before checking ``cuda.is_available()``) but moving a tensor there fails."""

    __slots__ = ("index", "type")

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({type.__class__.__name__})")
        name, _, idx = type.partition(":")
        if name not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                               f"device string: {type}")
        if idx:
            if index is not None or not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def check_device(value) -> None:
    """Accept ``'cpu'``/``device('cpu')``; any other device raises (as PyTorch without CUDA)."""
    if value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"cuda:{value}"  # PyTorch reads a bare int as a CUDA ordinal
    d = value if isinstance(value, device) else device(value)
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled (minigrad runs on the CPU "
                             "only: use device='cpu')")
    if d.type != "cpu":
        raise RuntimeError(f"minigrad runs on the CPU only: device '{d}' is not available")
