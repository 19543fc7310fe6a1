"""A persistent cache of processed source files, keyed by everything their outcome depends on.

Entries live in one SQLite database under the user cache directory. Every value carries a
checksum; an entry that fails to verify or decode is ignored and computed again, and a
database that cannot be opened or read disables the cache for the build instead of failing it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from ankigen import __version__

_LIBRARIES = (
    "markdown",
    "pymdown-extensions",
    "pygments",
    "nh3",
    "mdx-breakless-lists",
    "mdx-truly-sane-lists",
)


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
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(library.encode())
    return digest.hexdigest()


@cache
def renderer_fingerprint() -> str:
    """:func:`code_fingerprint` of the running ankigen: what a cached outcome was computed by."""
    return code_fingerprint(Path(__file__).parent)


class OutcomeCache:
    """Bytes by key, verified by checksum; errors only ever cost the cache, never the build."""

    def __init__(self, folder: Path) -> None:
        self._conn: sqlite3.Connection | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(folder / "cache.sqlite3", timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS outcome (key TEXT PRIMARY KEY, value BLOB, sum TEXT)")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS latest (path TEXT, root TEXT, key TEXT, PRIMARY KEY (path, root))"
            )
            self._conn = conn
        except (OSError, sqlite3.Error):
            self._conn = None

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
