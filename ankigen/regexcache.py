"""Compiled regular expressions kept from one run to the next.

Python compiles every regular expression again in every process: parsing the pattern and generating
its matcher code happen in Python (``re._parser``, ``re._compiler``), and Pygments' lexers and
Python-Markdown compile hundreds of patterns when first used — about a quarter of a small build.
:func:`install` keeps the generated code of each pattern in one file under the cache folder and
hands it straight to ``_sre.compile`` in later runs, exactly the call ``re`` itself ends with: the
pattern objects are the same, only the Python-level compiling is skipped.

It relies on two private parts of CPython's ``re`` package (``re._compiler.compile`` is looked up by
``re`` on every compile, and it calls ``_sre.compile``), so it installs only on the CPython versions
it is tested with (``SUPPORTED``), and the file is named after everything the code format depends
on (interpreter, ``_sre.MAGIC``, ``_sre.CODESIZE``). A file that cannot be read or holds anything
unexpected is ignored; one that cannot be written is not written. Patterns compiled with
``re.DEBUG`` or ``re.LOCALE``, and compiled parse trees, go the usual way.
"""

from __future__ import annotations

import atexit
import contextlib
import marshal
import os
import re
import sys
import tempfile
import threading
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

SUPPORTED = ((3, 11), (3, 12), (3, 13))
"""CPython versions whose ``re._compiler.compile`` ends with one ``_sre.compile`` call (tested)."""
MAX_ENTRIES = 5000
"""Beyond this many patterns the file keeps only those the last run used."""

Entry = tuple[int, bytes, int, dict[str, int], tuple[str | None, ...]]
"""``_sre.compile``'s arguments after the pattern — flags, code, groups, group index, index group —
with the code as the bytes of an array of code words (marshal reads bytes much faster than a list)."""
Key = tuple[str | bytes, int]
"""A pattern and the flags it was compiled with."""


def _code_array(words: Any = ()) -> array[int]:
    """An array of ``_sre`` code words (``_sre.CODESIZE`` bytes each)."""
    import _sre

    return array("I" if array("I").itemsize == _sre.CODESIZE else "L", words)


class _Recorder:
    """Stands in for the ``_sre`` module inside ``re._compiler``: forwards everything, and keeps
    the arguments of the last ``compile`` call."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.last: tuple[Any, ...] = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def compile(self, *args: Any) -> Any:
        self.last = args
        return self._real.compile(*args)


class RegexCache:
    """The patterns of one file: loaded, used and learned in this process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[Key, Entry] = _load(path)
        self.used: set[Key] = set()
        self.learned = 0

    def compile(self, original: Callable[..., Any], recorder: _Recorder, sre: Any) -> Callable[..., Any]:
        """A replacement for ``re._compiler.compile`` that reads and fills this cache."""
        lock = threading.Lock()

        def compile_cached(p: Any, flags: int = 0) -> Any:
            if not isinstance(p, (str, bytes)) or flags & (re.DEBUG | re.LOCALE):
                return original(p, flags)
            key = (p, int(flags))
            entry = self.entries.get(key)
            if entry is not None:
                final, code, groups, groupindex, indexgroup = entry
                try:
                    compiled = sre.compile(
                        p, final, _code_array(code).tolist(), groups, groupindex, indexgroup
                    )
                except Exception:  # noqa: BLE001 - a damaged entry: compile as usual
                    del self.entries[key]
                else:
                    self.used.add(key)
                    return compiled
            with lock:
                compiled = original(p, flags)
                args = recorder.last
            if args and args[0] is p:
                final, words, groups, groupindex, indexgroup = args[1:]
                code = _code_array(words).tobytes()
                self.entries[key] = (int(final), code, int(groups), dict(groupindex), tuple(indexgroup))
                self.used.add(key)
                self.learned += 1
            return compiled

        return compile_cached

    def save(self) -> None:
        """Write the file when this run learned a pattern (atomically; errors are ignored)."""
        if not self.learned:
            return
        keep = self.entries
        if len(keep) > MAX_ENTRIES:
            keep = {key: keep[key] for key in self.used if key in keep}
        rows = [(p, flags, *entry) for (p, flags), entry in keep.items()]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".regex-", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(rows, handle)
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _load(path: Path) -> dict[Key, Entry]:
    """The entries of ``path``; empty when it is missing, unreadable or not what this module wrote."""
    try:
        with path.open("rb") as handle:
            rows = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(rows, list):
        return {}
    entries: dict[Key, Entry] = {}
    for row in rows:
        if not (isinstance(row, tuple) and len(row) == 7):
            return {}
        p, flags, final, code, groups, groupindex, indexgroup = row
        if not (
            isinstance(p, (str, bytes))
            and isinstance(flags, int)
            and isinstance(final, int)
            and isinstance(code, bytes)
            and isinstance(groups, int)
            and isinstance(groupindex, dict)
            and isinstance(indexgroup, tuple)
        ):
            return {}
        entries[(p, flags)] = (final, code, groups, groupindex, indexgroup)
    return entries


def cache_file(folder: Path) -> Path:
    """The file for this interpreter's regular-expression code format in ``folder``."""
    import _sre

    impl = sys.implementation
    return folder / f"regex-{impl.cache_tag}-{sys.hexversion:x}-{_sre.MAGIC}-{_sre.CODESIZE}.marshal"


_installed: RegexCache | None = None


def install(folder: Path) -> RegexCache | None:
    """Compile regular expressions through the cache file in ``folder`` from now on (once per
    process; written back at exit). Returns ``None`` where it does not apply."""
    global _installed
    if _installed is not None:
        return _installed
    if sys.implementation.name != "cpython" or sys.version_info[:2] not in SUPPORTED:
        return None
    import importlib

    compiler: Any = importlib.import_module("re._compiler")  # private: no type information
    sre = compiler._sre
    if not callable(getattr(sre, "compile", None)):
        return None
    cache = RegexCache(cache_file(folder))
    recorder = _Recorder(sre)
    original = compiler.compile
    compiler._sre = recorder
    compiler.compile = cache.compile(original, recorder, sre)
    pid = os.getpid()

    def save_in_this_process() -> None:  # not in forked workers: they end without atexit anyway
        if os.getpid() == pid:
            cache.save()

    atexit.register(save_in_this_process)
    _installed = cache
    return cache
