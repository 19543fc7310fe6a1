"""A persistent cache of processed source files, keyed by everything their outcome depends on,
and a record of the deck files builds wrote.

Entries live in one SQLite database under the user cache directory. Every value carries a
checksum; an entry that fails to verify or decode is ignored and computed again, and a
database that cannot be opened or read disables the cache for the build instead of failing it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import sys
import zlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from ankigen import __version__
from ankigen.package import file_sha256

_LIBRARIES = (
    "markdown",
    "pymdown-extensions",
    "pygments",
    "nh3",
    "mdx-breakless-lists",
    "mdx-truly-sane-lists",
    "genanki",  # it packages decks: the records of written decks count on this hash too
)
_DATABASE = "cache.sqlite3"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/ankigen`` (default ``~/.cache/ankigen``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ankigen"


def code_fingerprint(package: Path) -> str:
    """A hash of ankigen's version, every module under ``package`` and its libraries' versions.

    Every ``*.py`` at any depth counts (parsers, lint, the ``render`` package…), taken in the order
    of their paths relative to ``package``, so the hash does not depend on where ankigen is installed.
    """
    digest = hashlib.sha256(__version__.encode())
    modules = sorted((p.relative_to(package).as_posix(), p) for p in package.rglob("*.py"))
    for name, path in modules:
        digest.update(name.encode())
        digest.update(path.read_bytes())
    for library in _LIBRARIES:
        digest.update(f"{library}={library_version(library)}".encode())
    return digest.hexdigest()


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@cache
def _metadata_folders(entry: str) -> dict[str, str]:
    """The ``*.dist-info`` / ``*.egg-info`` names in one ``sys.path`` folder, by normalised project name."""
    found: dict[str, str] = {}
    try:
        names = sorted(os.listdir(entry or "."))
    except OSError:
        return found
    for name in names:
        stem, dot, kind = name.lower().rpartition(".")
        if dot and kind in ("dist-info", "egg-info"):
            found.setdefault(_normalise(stem.partition("-")[0]), name)
    return found


def library_version(library: str) -> str:
    """The installed version of ``library`` (``""`` when it is not installed).

    The first ``sys.path`` folder holding its ``.dist-info`` (or ``.egg-info``) gives it, as for
    ``importlib.metadata.version``, which is used only when no such folder is found: importing
    ``importlib.metadata`` costs a small build a sixth of its time.
    """
    wanted = _normalise(library)
    for entry in sys.path:
        folder = _metadata_folders(entry).get(wanted)
        if folder is None:
            continue
        for meta in ("METADATA", "PKG-INFO"):
            try:
                with open(os.path.join(entry or ".", folder, meta), encoding="utf-8") as handle:
                    for line in handle:
                        if line.startswith("Version:"):
                            return line.partition(":")[2].strip()
                        if not line.strip():
                            break  # the headers end at the first empty line
            except (OSError, UnicodeDecodeError):
                continue
    from importlib import metadata

    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return ""


@cache
def renderer_fingerprint() -> str:
    """:func:`code_fingerprint` of the running ankigen: what a cached outcome was computed by."""
    return code_fingerprint(Path(__file__).parent)


def _connect(folder: Path, *tables: str) -> sqlite3.Connection | None:
    """The cache database in ``folder`` with ``tables`` created, or ``None`` when it cannot be used."""
    conn = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(folder / _DATABASE, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        for table in tables:
            conn.execute(table)
        return conn
    except (OSError, sqlite3.Error):
        if conn is not None:
            conn.close()
        return None


def writer_fingerprint() -> list[str]:
    """What the bytes of a file ankigen writes depend on besides its content: ankigen's code and
    libraries (:func:`renderer_fingerprint`) and the versions of SQLite, zlib and Python."""
    return [renderer_fingerprint(), sqlite3.sqlite_version, zlib.ZLIB_RUNTIME_VERSION, sys.version]


class OutcomeCache:
    """Bytes by key, verified by checksum; errors only ever cost the cache, never the build."""

    def __init__(self, folder: Path) -> None:
        self._conn = _connect(
            folder,
            "CREATE TABLE IF NOT EXISTS outcome (key TEXT PRIMARY KEY, value BLOB, sum TEXT)",
            "CREATE TABLE IF NOT EXISTS latest (path TEXT, root TEXT, key TEXT, PRIMARY KEY (path, root))",
        )

    def get(self, key: str) -> bytes | None:
        """The entry for ``key`` if there is one and its checksum verifies."""
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT value, sum FROM outcome WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not isinstance(row[0], bytes) or hashlib.sha256(row[0]).hexdigest() != row[1]:
            return None
        return row[0]

    def latest(self, path: str, root: str) -> bytes | None:
        """The entry last stored for the file ``path`` under ``root``, whatever its text was then."""
        if self._conn is None:
            return None
        try:
            row = self._conn.execute(
                "SELECT key FROM latest WHERE path = ? AND root = ?", (path, root)
            ).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else self.get(row[0])

    def put_many(self, items: Iterable[tuple[str, str, str, bytes]]) -> None:
        """Store ``(key, path, root, value)`` entries in one transaction (safe against concurrent builds)."""
        if self._conn is None:
            return
        items = list(items)
        rows = [(key, value, hashlib.sha256(value).hexdigest()) for key, _, _, value in items]
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT OR REPLACE INTO outcome VALUES (?, ?, ?)", rows)
                for key, path, root, _ in items:  # a file keeps one entry: drop its previous one
                    self._conn.execute(
                        "DELETE FROM outcome WHERE key != ? AND key IN "
                        "(SELECT key FROM latest WHERE path = ? AND root = ?)",
                        (key, path, root),
                    )
                    self._conn.execute("INSERT OR REPLACE INTO latest VALUES (?, ?, ?)", (path, root, key))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        """Close the database."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class DeckRecords:
    """What each deck file written with this cache holds, by the file's path: the digest of the
    content it was made from and the SHA-256 of its bytes (see :mod:`ankigen.deckfile`); and what
    the last build of each selection said (see :mod:`ankigen.rebuild`)."""

    def __init__(self, folder: Path) -> None:
        self._conn = _connect(
            folder,
            "CREATE TABLE IF NOT EXISTS written (path TEXT PRIMARY KEY, content TEXT, sha256 TEXT)",
            "CREATE TABLE IF NOT EXISTS build (selection TEXT PRIMARY KEY, inputs TEXT, summary BLOB)",
        )

    def holds(self, path: Path, content: str) -> str | None:
        """The SHA-256 of the file at ``path`` when it is the one recorded as made from ``content``
        and its bytes are still the ones recorded; else ``None`` (it must be written)."""
        if self._conn is None:
            return None
        try:
            row = self._conn.execute(
                "SELECT content, sha256 FROM written WHERE path = ?", (str(path.resolve()),)
            ).fetchone()
        except (OSError, sqlite3.Error):
            return None
        if row is None or row[0] != content:
            return None
        try:
            found = file_sha256(path)
        except OSError:
            return None
        return found if found == row[1] else None

    def record(self, path: Path, content: str, sha256: str) -> None:
        """Record that ``path`` was written from ``content`` with bytes of SHA-256 ``sha256``."""
        if self._conn is None:
            return
        with contextlib.suppress(OSError, sqlite3.Error):
            self._conn.execute(
                "INSERT OR REPLACE INTO written VALUES (?, ?, ?)", (str(path.resolve()), content, sha256)
            )

    def last_build(self, selection: str, inputs: str) -> bytes | None:
        """What the last build of ``selection`` recorded, if its inputs' digest was ``inputs``."""
        if self._conn is None:
            return None
        try:
            row = self._conn.execute(
                "SELECT summary FROM build WHERE selection = ? AND inputs = ?", (selection, inputs)
            ).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row is not None and isinstance(row[0], bytes) else None

    def record_build(self, selection: str, inputs: str, summary: bytes) -> None:
        """Record what the build of ``selection`` with inputs ``inputs`` said (replacing the last)."""
        if self._conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("INSERT OR REPLACE INTO build VALUES (?, ?, ?)", (selection, inputs, summary))

    def close(self) -> None:
        """Close the database."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
