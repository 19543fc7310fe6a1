"""Heavy libraries, imported on first use and without the imports they do not need here.

- genanki decorates two methods with the ``cached_property`` package, which imports ``asyncio``
  (for its async variants); and it imports ``yaml``, used only for templates given as YAML text.
  While genanki is imported, the ``cached_property`` name stands for a module holding the standard
  library's :func:`functools.cached_property`, which caches the same way (in the instance's
  ``__dict__``, computed once), and ``yaml`` for a module whose ``full_load`` imports the real one
  when called.
- pymdown-extensions imports two path helpers from ``urllib.request`` (which imports the HTTP
  client, ``ssl`` and ``email``): while it is imported, that name stands for a module whose two
  helpers import the real module when called.

A module already imported is used as it is.

A stand-in is released right after the import, so anything importing the name later gets the real
module. Together these are a fifth of a small build's time.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def _standing_in(name: str, stand_in: types.ModuleType) -> Iterator[None]:
    """While the block runs, importing ``name`` gives ``stand_in`` (unless it is imported already)."""
    if name in sys.modules:
        yield
        return
    sys.modules[name] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


def _calling_through(name: str, *functions: str) -> types.ModuleType:
    """A stand-in for module ``name`` whose ``functions`` import the real module when called."""
    stand_in = types.ModuleType(name)

    def through(function: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(importlib.import_module(name), function)(*args, **kwargs)

        call.__name__ = call.__qualname__ = function
        return call

    for function in functions:
        setattr(stand_in, function, through(function))
    return stand_in


def genanki() -> Any:  # genanki has no type information
    """The ``genanki`` module (see the module docstring for how it is imported)."""
    cached = types.ModuleType("cached_property")
    cached.cached_property = functools.cached_property  # type: ignore[attr-defined]
    with _standing_in("cached_property", cached), _standing_in("yaml", _calling_through("yaml", "full_load")):
        import genanki as module
    return module


def import_pymdownx() -> None:
    """Import the pymdown-extensions modules ankigen uses (see the module docstring)."""
    helpers = _calling_through("urllib.request", "pathname2url", "url2pathname")
    with _standing_in("urllib.request", helpers):
        import pymdownx.highlight  # noqa: F401
        import pymdownx.mark  # noqa: F401
        import pymdownx.saneheaders  # noqa: F401
        import pymdownx.superfences  # noqa: F401
