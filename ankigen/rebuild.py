"""A build skipped whole: the same inputs as the last build of the same selection, its decks untouched.

What a build writes and prints is made from its inputs alone: ankigen's code and its libraries'
versions, the command (working folder, sources, output folder, ``--format``, ``--deck``,
``--locked``), the config file's bytes and time, the files it reads (path, notes' root, whether
named, bytes and time), what the config's globs find, ``SOURCE_DATE_EPOCH``, and the lock (its
bytes, and which files it names exist). After a build whose outcome depends on nothing else — no
card names an image (images are looked up in the tree, and media packaged), and no note got the
current time but those the lock it wrote records — what it printed and each deck file's SHA-256
are recorded with the digest of the inputs the next build will have (with the lock as this build
left it: the next build finds in it every note's GUID and time, and writes the same decks; so a
build that reports notes leaving the sources, or changing note type, is not recorded, as the
next one will not report them). A build with the same selection and inputs, whose deck files
still have those SHA-256s, only says again what that build said (every deck ``unchanged, not
rewritten``): it reads the files, but renders, matches and packages nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen.cache import writer_fingerprint
from ankigen.model import Diagnostic
from ankigen.package import file_sha256

_FORMAT = "ankigen build inputs 1"


@dataclass(frozen=True)
class DeckSummary:
    """What a build said and wrote of one deck: its file (``None``: not written, and why) and
    the file's SHA-256."""

    name: str
    count: int
    skipped: int
    diagnostics: tuple[Diagnostic, ...]
    path: str | None
    failure: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class BuildSummary:
    """What a build said: each deck's summary, the diagnostics of no deck, the ignored counts."""

    decks: tuple[DeckSummary, ...]
    stray: tuple[Diagnostic, ...]
    ignored: dict[str, int]

    def encode(self) -> bytes:
        """The summary as JSON."""
        data = {
            "decks": [
                {**vars(deck), "diagnostics": [vars(d) for d in deck.diagnostics]} for deck in self.decks
            ],
            "stray": [vars(d) for d in self.stray],
            "ignored": self.ignored,
        }
        return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")

    @classmethod
    def decode(cls, value: bytes) -> BuildSummary | None:
        """The summary encoded in ``value`` (``None``: it does not decode as one)."""
        try:
            data = json.loads(value)
            decks = tuple(
                DeckSummary(**{**deck, "diagnostics": tuple(Diagnostic(**d) for d in deck["diagnostics"])})
                for deck in data["decks"]
            )
            stray = tuple(Diagnostic(**d) for d in data["stray"])
            return cls(decks, stray, {str(k): int(v) for k, v in data["ignored"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def untouched(self) -> bool:
        """Whether every deck file written still has the bytes recorded."""
        for deck in self.decks:
            if deck.path is None:
                continue
            try:
                if file_sha256(Path(deck.path)) != deck.sha256:
                    return False
            except OSError:
                return False
        return True


def selection_key(command: Sequence[object]) -> str:
    """The key of a build's selection (the working folder and ``command``, its arguments)."""
    return _digest([_FORMAT, os.getcwd(), [str(part) for part in command]])


def sources_digest(
    files: Sequence[tuple[Path, Path, bool]], config_file: Path | None, found: Sequence[Diagnostic]
) -> str:
    """The digest of a build's inputs but the lock: ``files`` (path, notes' root, named) to read,
    the config file and the config's glob diagnostics ``found``, with the code, ``SOURCE_DATE_EPOCH``
    and the working folder."""
    parts: list[object] = [_FORMAT, writer_fingerprint(), os.getcwd(), os.environ.get("SOURCE_DATE_EPOCH")]
    parts.append([_file(config_file)] if config_file else None)
    parts.append([d.format() for d in found])
    parts.append([[str(path), str(root), explicit, _file(path)] for path, root, explicit in files])
    return _digest(parts)


def inputs_digest(sources: str, lock: Path | None, lock_files: Sequence[str]) -> str:
    """The digest of a build's inputs: ``sources`` (:func:`sources_digest`) and the ``lock``, with
    which of the files it names (``lock_files``, relative to its folder) exist."""
    if lock is None:
        return _digest([sources, None])
    folder = lock.parent
    return _digest(
        [sources, str(lock), _file(lock), [(name, (folder / name).exists()) for name in lock_files]]
    )


_read: dict[str, tuple[tuple[int, int, int, int], list[object]]] = {}
"""What :func:`_file` read in this process, by path: the file's identity and times when read, and
its value — taken again while they are unchanged (a write changes the inode's ctime), so a build
that digests its sources twice (before and after, to see a file change meanwhile) reads each once.
Only files last changed :data:`_SETTLED_NS` before they were read are kept: file times have a
coarse clock, so two writes within one of its ticks can leave the same times ("racy" files, which
git's index also reads again)."""
_SETTLED_NS = 2_000_000_000


def _file(path: Path) -> list[object]:
    """A file as an input: its bytes' SHA-256 and its time in whole seconds (or why it is unreadable)."""
    try:
        stat = os.stat(path)
        seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        known = _read.get(str(path))
        if known is not None and known[0] == seen:
            return known[1]
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            digest = hashlib.sha256(handle.read()).hexdigest()
    except OSError as exc:
        return [type(exc).__name__, exc.errno]
    value: list[object] = [digest, int(stat.st_mtime)]
    settled = max(stat.st_mtime_ns, stat.st_ctime_ns) < time.time_ns() - _SETTLED_NS
    if settled and (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns) == seen:
        _read[str(path)] = (seen, value)
    return value


def _digest(parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
