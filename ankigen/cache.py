"""A persistent render cache: card source + renderer fingerprint → rendered HTML.

Entries live in one SQLite database under the user cache directory. Every value carries a
checksum; an entry that fails to decode or verify is ignored and rendered again, and a
database that cannot be opened disables the cache for the build instead of failing it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from ankigen import __version__
from ankigen.model import Card, Diagnostic
from ankigen.render import RenderedCard

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


@cache
def renderer_fingerprint() -> str:
    """A hash of ankigen's version, its rendering code and the rendering libraries' versions."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parent
    for path in sorted(package.glob("render*.py")):
        digest.update(path.read_bytes())
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(library.encode())
    return digest.hexdigest()


def card_key(card: Card, root: Path) -> str:
    """The cache key of rendering ``card`` with media confined to ``root``."""
    parts = [renderer_fingerprint(), str(root), card.source, str(card.line), str(card.back_line)]
    parts += [card.markup, card.front, card.back, *card.context]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class RenderCache:
    """Rendered cards by key. Cards that package media are never cached (their files may change)."""

    def __init__(self, folder: Path) -> None:
        self._conn: sqlite3.Connection | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(folder / "render-cache.sqlite3", timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS rendered (key TEXT PRIMARY KEY, value BLOB, sum TEXT)")
            self._conn = conn
        except (OSError, sqlite3.Error):
            self._conn = None

    def get_many(self, keys: list[str]) -> dict[str, RenderedCard]:
        """The valid cached entries among ``keys``."""
        found: dict[str, RenderedCard] = {}
        if self._conn is None:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, value, sum FROM rendered WHERE key IN ({marks})"
                rows = self._conn.execute(query, chunk)
                for key, value, checksum in rows:
                    card = _decode(value, checksum)
                    if card is not None:
                        found[key] = card
        except sqlite3.Error:
            return {}
        return found

    def put_many(self, items: Iterable[tuple[str, RenderedCard]]) -> None:
        """Store rendered cards (those without media); errors only cost the cache."""
        if self._conn is None:
            return
        rows = []
        for key, card in items:
            if card.media:
                continue
            value = _encode(card)
            rows.append((key, value, hashlib.sha256(value).hexdigest()))
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT OR REPLACE INTO rendered VALUES (?, ?, ?)", rows)
        except sqlite3.Error:
            pass

    def close(self) -> None:
        """Close the database."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _encode(card: RenderedCard) -> bytes:
    data = {
        "front": card.front_html,
        "back": card.back_html,
        "context": card.context_html,
        "diagnostics": [[d.path, d.line, d.severity, d.rule, d.message, d.col] for d in card.diagnostics],
    }
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _decode(value: object, checksum: object) -> RenderedCard | None:
    if not isinstance(value, bytes) or hashlib.sha256(value).hexdigest() != checksum:
        return None
    try:
        data = json.loads(value)
        diagnostics = tuple(
            Diagnostic(path=p, line=ln, severity=s, rule=r, message=m, col=c)
            for p, ln, s, r, m, c in data["diagnostics"]
        )
        return RenderedCard(data["front"], data["back"], data["context"], (), diagnostics)
    except (ValueError, KeyError, TypeError):
        return None
