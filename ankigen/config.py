"""``ankigen.toml`` (or ``[tool.ankigen]`` in ``pyproject.toml``) → validated deck specs."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from ankigen import rules
from ankigen.model import Diagnostic
from ankigen.parsers import FORMATS

CONFIG_NAMES = ("ankigen.toml", "pyproject.toml")
FORMAT_CHOICES = ("auto", *FORMATS)


@dataclass(frozen=True)
class DeckSpec:
    """One ``[[deck]]`` entry: full deck name, source globs, note format and tags."""

    name: str
    sources: tuple[str, ...]
    format: str = "auto"
    tags: tuple[str, ...] = ()
    line: int = 0


@dataclass
class Config:
    """A loaded configuration; ``path`` is ``None`` when no file was found."""

    path: Path | None = None
    output: str = "output"
    parent: str = ""
    decks: list[DeckSpec] = field(default_factory=list)
    _matches: dict[Path, DeckSpec] | None = field(default=None, repr=False, compare=False)

    @property
    def root(self) -> Path:
        """The folder that globs and the output folder are relative to."""
        return self.path.parent if self.path else Path.cwd()

    def deck_for(self, source: Path) -> DeckSpec | None:
        """The first deck whose globs match ``source``, if any."""
        if self._matches is None:
            self._matches = {}
            for deck in self.decks:
                for pattern in deck.sources:
                    for match in self.root.glob(pattern):
                        self._matches.setdefault(match.resolve(), deck)
        return self._matches.get(source.resolve())


class ConfigError(Exception):
    """An invalid configuration file; ``diagnostic`` names the file, line and key."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


_TOP_KEYS: dict[str, type] = {"output": str, "parent": str, "deck": list}
_DECK_KEYS: dict[str, type] = {"name": str, "sources": list, "format": str, "tags": list}


def find_config(folder: Path) -> Path | None:
    """``ankigen.toml`` in ``folder``, else a ``pyproject.toml`` with ``[tool.ankigen]``, else None."""
    candidate = folder / "ankigen.toml"
    if candidate.is_file():
        return candidate
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and re.search(r"^\[tool\.ankigen", pyproject.read_text("utf-8"), re.MULTILINE):
        return pyproject
    return None


def load_config(path: Path | None) -> Config:
    """Load and validate ``path`` (``None`` gives the defaults); raise ``ConfigError`` when invalid."""
    if path is None:
        return Config()
    shown = path.as_posix()
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(rules.CONFIG.at(shown, 1, f"cannot read config: {exc}")) from exc
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        raise ConfigError(rules.CONFIG.at(shown, line, f"invalid TOML: {exc}")) from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("ankigen", {})
    return _validate(data, text, shown, path)


def _validate(data: dict[str, Any], text: str, shown: str, path: Path) -> Config:
    locate = _Locator(text)

    def fail(message: str, key: str, deck_index: int | None = None) -> ConfigError:
        line = locate.line(key, deck_index)
        return ConfigError(rules.CONFIG.at(shown, line, message))

    _check_keys(data, _TOP_KEYS, "", fail)
    decks: list[DeckSpec] = []
    parent = data.get("parent", "").strip(":")
    for index, entry in enumerate(data.get("deck", [])):
        if not isinstance(entry, dict):
            raise fail("`deck` must be an array of tables ([[deck]])", "deck")
        _check_keys(entry, _DECK_KEYS, "deck.", fail, index)
        for key in ("name", "sources"):
            if key not in entry:
                raise fail(f"[[deck]] is missing the required key `{key}`", "[[deck]]", index)
        for key in ("sources", "tags"):
            if not all(isinstance(item, str) for item in entry.get(key, [])):
                raise fail(f"`deck.{key}` must be a list of strings", key, index)
        fmt = entry.get("format", "auto")
        if fmt not in FORMAT_CHOICES:
            raise fail(
                f"`deck.format` must be one of {', '.join(FORMAT_CHOICES)}, not {fmt!r}", "format", index
            )
        name = entry["name"].strip(":")
        decks.append(
            DeckSpec(
                name=f"{parent}::{name}" if parent else name,
                sources=tuple(entry["sources"]),
                format=fmt,
                tags=tuple(entry.get("tags", ())),
                line=locate.line("[[deck]]", index),
            )
        )
    return Config(path=path, output=data.get("output", "output"), parent=parent, decks=decks)


def _check_keys(
    table: dict[str, Any], schema: dict[str, type], prefix: str, fail: Any, index: int | None = None
) -> None:
    for key, value in table.items():
        expected = schema.get(key)
        if expected is None:
            raise fail(f"unknown key `{prefix}{key}` (expected one of: {', '.join(schema)})", key, index)
        if not isinstance(value, expected):
            kind = "a string" if expected is str else "a list"
            raise fail(f"`{prefix}{key}` must be {kind}, not {type(value).__name__}", key, index)


class _Locator:
    """Finds the line of a key in the TOML text, optionally inside the n-th ``[[deck]]`` table."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.deck_starts = [
            i
            for i, line in enumerate(self.lines)
            if re.match(r"\s*\[\[\s*(?:tool\.ankigen\.)?deck\s*\]\]", line)
        ]

    def line(self, key: str, deck_index: int | None) -> int:
        start, stop = 0, len(self.lines)
        if deck_index is not None and deck_index < len(self.deck_starts):
            start = self.deck_starts[deck_index]
            following = self.deck_starts[deck_index + 1 :]
            stop = following[0] if following else stop
            if key == "[[deck]]":
                return start + 1
        elif deck_index is None and self.deck_starts:
            stop = self.deck_starts[0]
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start, stop):
            if pattern.match(self.lines[number]):
                return number + 1
        return start + 1
