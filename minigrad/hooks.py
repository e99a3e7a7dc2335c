"""``RemovableHandle``: what ``register_hook`` and module hook registrations return."""
from __future__ import annotations


class RemovableHandle:
    """Removes ``hook`` from the list or dict it was registered in when ``remove()`` is called."""

    def __init__(self, container, key):
        self._container = container
        self._key = key

    def remove(self) -> None:
        c = self._container
        if isinstance(c, dict):
            c.pop(self._key, None)
        elif self._key in c:
            c.remove(self._key)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
