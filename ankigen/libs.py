"""Heavy libraries, imported on first use and without the imports they do not need here.

genanki decorates two methods with the ``cached_property`` package, which imports ``asyncio`` (for
its async variants) — a fifth of a small build's time. While genanki is imported, that package's
name stands for a module holding the standard library's :func:`functools.cached_property`, which
caches the same way (in the instance's ``__dict__``, computed once); the name is released right
after, so anything importing ``cached_property`` later gets the real package. When the package is
already imported, genanki gets it.
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Any


def genanki() -> Any:  # genanki has no type information
    """The ``genanki`` module (see the module docstring for how it is imported)."""
    if "genanki" in sys.modules or "cached_property" in sys.modules:
        import genanki as module

        return module
    stand_in = types.ModuleType("cached_property")
    stand_in.cached_property = functools.cached_property  # type: ignore[attr-defined]
    sys.modules["cached_property"] = stand_in
    try:
        import genanki as module
    finally:
        if sys.modules.get("cached_property") is stand_in:
            del sys.modules["cached_property"]
    return module
