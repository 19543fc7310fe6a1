"""``ankigen.lock``: the notes' GUIDs and times as the last full build left them (the file format).

One JSON object a line, sorted by deck then GUID, under a one-line header::

    # ankigen.lock 1 — written by `ankigen build`; commit it with your notes (see docs/USAGE.md)
    {"deck": "D", "guid": "b@T,3kq!Xv", "question": "What is a tensor?", "file": "a.md",
     "answer": "…", "hash": "…", "time": 1795564800}   (on one line)

``question`` is the question's source text on one line (identity normalises it again), ``answer``
and ``hash`` are digests (of the answer's text, and of everything the note packages), ``time``
the note's modification time, ``removed`` — only on a note that left the sources — the time it
left, ``note_type`` — only on a note of another note type than ``ankigen Basic`` — its note
type's name, and ``clozes`` — only on an ``ankigen Cloze`` note — its cloze numbers (its cards).
A rewording changes one line in place; notes added on two branches land on different lines, so the
file merges like any sorted list. The same GUID twice (a merge that kept both sides) keeps
the newer line.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ankigen import rules
from ankigen.model import Diagnostic
from ankigen.notetype import BASIC, NOTE_TYPES
from ankigen.package import current_umask

LOCK_NAME = "ankigen.lock"
VERSION = 1
HEADER = (
    f"# ankigen.lock {VERSION} — written by `ankigen build`; commit it with your notes (see docs/USAGE.md)"
)
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


@dataclass(frozen=True)
class Entry:
    """One note as the lock records it."""

    deck: str
    guid: str
    question: str
    file: str
    answer: str
    hash: str
    time: int
    removed: int | None = None
    note_type: str | None = None
    """The note type's name; ``None`` for ``ankigen Basic``."""
    clozes: tuple[int, ...] | None = None
    """A cloze note's cloze numbers, one per card (``None`` for other note types)."""

    def line(self) -> str:
        """The entry as its line in the file."""
        data = {k: v for k, v in vars(self).items() if v is not None}  # flat: no need to copy deeply
        return _ENCODER.encode(data)


_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""``json.dumps(…, ensure_ascii=False)``, made once."""

_FIELDS: dict[str, type] = {
    "deck": str,
    "guid": str,
    "question": str,
    "file": str,
    "answer": str,
    "hash": str,
    "time": int,
}


class LockError(Exception):
    """A lock file that cannot be read; ``diagnostic`` names its line."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def read_lock(path: Path, shown: str) -> list[Entry] | None:
    """The entries of the lock at ``path`` (``None`` when there is none); ``shown`` names it in errors.

    Raises ``LockError`` for an unreadable or damaged file, or one with merge-conflict markers.
    """
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockError(rules.LOCK.at(shown, 1, f"cannot read the lock: {exc}")) from exc
    found: dict[str, Entry] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(_CONFLICT_MARKERS):
            message = (
                "merge-conflict marker: keep the lines of both sides (drop the markers), "
                "then run `ankigen build` to settle the rest"
            )
            raise LockError(rules.LOCK.at(shown, number, message))
        if not line.strip() or line.startswith("#"):
            continue
        entry = _parse(line, shown, number)
        kept = found.get(entry.guid)
        if kept is None or (entry.time, entry.line()) > (kept.time, kept.line()):
            found[entry.guid] = entry
    return sorted(found.values(), key=lambda e: (e.deck, e.guid))


def _parse(line: str, shown: str, number: int) -> Entry:
    def fail(problem: str) -> LockError:
        return LockError(rules.LOCK.at(shown, number, f"damaged lock entry: {problem}"))

    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise fail(f"not a JSON object ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise fail("not a JSON object")
    for key, kind in _FIELDS.items():
        value = data.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise fail(f"`{key}` is missing or not {'an integer' if kind is int else 'a string'}")
    removed = data.get("removed")
    if removed is not None and (not isinstance(removed, int) or isinstance(removed, bool)):
        raise fail("`removed` is not an integer")
    note_type = data.get("note_type")
    if note_type is not None and note_type not in NOTE_TYPES:
        raise fail(f"`note_type` is not one of {', '.join(map(repr, NOTE_TYPES))}")
    clozes = data.get("clozes")
    if clozes is not None and (
        not isinstance(clozes, list) or not all(type(n) is int and n > 0 for n in clozes)
    ):
        raise fail("`clozes` is not a list of cloze numbers")
    unknown = sorted(set(data) - set(_FIELDS) - {"removed", "note_type", "clozes"})
    if unknown:
        raise fail(f"unknown key `{unknown[0]}`")
    if note_type == BASIC.name:
        note_type = None
    numbers = None if clozes is None else tuple(clozes)
    return Entry(**{key: data[key] for key in _FIELDS}, removed=removed, note_type=note_type, clozes=numbers)


def format_lock(entries: list[Entry]) -> str:
    """The lock file's text for ``entries``: the header, then one sorted line per note."""
    lines = [entry.line() for entry in sorted(entries, key=lambda e: (e.deck, e.guid))]
    return "\n".join([HEADER, *lines]) + "\n"


def write_lock(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (a reader sees the old file or the new one)."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".ankigen-lock-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        Path(name).chmod(0o666 & ~current_umask())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
