"""One deck's ``.apkg`` as a build makes it, written only when it is not already the file in place.

While a deck's notes come, a digest is taken of everything its file is made from: each note's note
type, fields and tags and the media it names (media names are hashes of their bytes), then the
notes' final GUIDs and times, the deck's name, time and CSS, and what writes it
(:func:`ankigen.cache.writer_fingerprint`: ankigen's modules and libraries, SQLite, zlib, Python).
The same digest gives the same bytes. When the cache database records that digest for the target
and the file there still has the SHA-256 recorded with it, the file is left as it is — not even
its time changes — and nothing of it is packaged; otherwise it is written and recorded. Without a
cache (``--no-cache``) every deck is written.

A deck's temporary collection (:class:`ankigen.package.DeckWriter`) is made with its first note,
but the notes are held in memory until packaged, when their final GUIDs and times and the deck's
time are known, so they are written once, right; a deck of more than :data:`HELD_CHARS` is
streamed into its collection as its notes come (and copied with the final values if a guess was
wrong), so memory stays bounded whatever the deck's size.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from ankigen.cache import DeckRecords, writer_fingerprint
from ankigen.notetype import NoteType
from ankigen.package import DeckWriter, NoteFields

HELD_CHARS = 32_000_000
"""A deck's notes are held until packaged up to about this many characters of fields (some 25,000
notes); beyond it they are streamed into the deck's temporary collection."""
_FORMAT = "ankigen deck digest 1"

Media = tuple[tuple[str, Path], ...]
_Held = tuple[NoteType, str, tuple[str, ...], tuple[str, ...], Media, int | None]
"""A note held until packaged: :meth:`DeckWriter.add_values`' arguments."""


class DeckFile:
    """Collects one deck's notes; :meth:`finish` writes its file unless it already holds them.

    ``mtime`` is the best guess of the deck's time, used when the notes are streamed before the
    final one is known.
    """

    def __init__(self, folder: Path, deck_name: str, css: str, mtime: int) -> None:
        self.folder = folder
        self.deck_name = deck_name
        self.css = css
        self.mtime = mtime
        self.count = 0
        self._held: list[_Held] = []
        self._held_chars = 0
        self._streaming = False
        self._writer: DeckWriter | None = None
        self._notes = hashlib.sha256()
        self._note_types: dict[int, NoteType] = {}
        self._media: dict[str, Path] = {}

    def add(self, fields: NoteFields, media: Iterable[tuple[str, Path]] = (), mod: int | None = None) -> None:
        """Add one note stamped ``mod`` (a guess, replaced by :meth:`finish`'s), with its media."""
        media = tuple(media)
        values, note_type = fields.values(), fields.note_type
        flds, tags = "\x1f".join(values), " ".join(fields.tags)
        names = "\x1f".join(name for name, _ in media) if media else ""
        note = f"{note_type.id}\x00{len(flds)}:{flds}{len(tags)}:{tags}{len(names)}:{names}"
        self._notes.update(note.encode("utf-8", "surrogatepass"))
        if note_type.id not in self._note_types:
            self._note_types[note_type.id] = note_type
        if media:
            self._media.update(media)
        self.count += 1
        if self._writer is None:
            self._writer = self._open(self.mtime)
        held = (note_type, fields.guid, values, fields.tags, media, mod)
        if self._streaming:
            self._writer.add_values(*held)
            return
        self._held.append(held)
        self._held_chars += len(flds)
        if self._held_chars > HELD_CHARS:
            self._streaming = True
            for waiting in self._held:
                self._writer.add_values(*waiting)
            self._held = []

    def finish(
        self, target: Path, mtime: int, stamps: Sequence[tuple[str, int]], records: DeckRecords | None
    ) -> tuple[str, bool]:
        """Write the deck to ``target`` stamped ``mtime``, each note with its final ``(GUID, time)``
        from ``stamps`` (in the order added) — unless ``records`` show the file there already is
        exactly that deck. Returns the SHA-256 of the file and whether it was written."""
        try:
            if len(stamps) != self.count:
                raise ValueError(f"{len(stamps)} stamps for {self.count} notes")
            content = self.digest(mtime, stamps) if records is not None else ""
            kept = records.holds(target, content) if records is not None else None
            if kept is not None:
                return kept, False
            writer = self._writer
            if not self._streaming:
                if writer is not None and writer.mtime != mtime:  # its note ids follow the deck's time
                    self._writer = None
                    writer.discard()
                writer = self._writer = self._writer or self._open(mtime)
                for (note_type, _, values, tags, media, _), (guid, mod) in zip(
                    self._held, stamps, strict=True
                ):
                    writer.add_values(note_type, guid, values, tags, media, mod)
            assert writer is not None  # a streamed deck has its collection
            written = writer.finish(target, mtime, stamps)  # it is discarded, whatever happens
        finally:
            self.discard()
        if records is not None:
            records.record(target, content, written)
        return written, True

    def digest(self, mtime: int, stamps: Sequence[tuple[str, int]]) -> str:
        """The digest of the file this deck makes with ``mtime`` and ``stamps``."""
        made_by = [_FORMAT, *writer_fingerprint()]
        note_types = [repr(note_type) for note_type in self._note_types.values()]
        deck = [self.deck_name, self.css, mtime, note_types, sorted(self._media)]
        header = json.dumps([made_by, deck, stamps], ensure_ascii=False).encode("utf-8", "surrogatepass")
        return hashlib.sha256(header + self._notes.digest()).hexdigest()

    def discard(self) -> None:
        """Drop the deck (nothing is written)."""
        self._held = []
        if self._writer is not None:
            self._writer.discard()
            self._writer = None

    def _open(self, mtime: int) -> DeckWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        return DeckWriter(self.folder, self.deck_name, self.css, mtime)


def write_bundle_of(decks: Sequence[tuple[Path, str]], target: Path, records: DeckRecords | None) -> bool:
    """Write the single ``.apkg`` ``target`` holding ``decks`` (each deck file with its SHA-256),
    unless ``records`` show it already is that bundle; whether it was written."""
    from ankigen.bundle import write_bundle

    content = hashlib.sha256(
        json.dumps(["ankigen bundle digest 1", writer_fingerprint(), [sha for _, sha in decks]]).encode()
    ).hexdigest()
    if records is not None and records.holds(target, content):
        return False
    written = write_bundle([path for path, _ in decks], target)
    if records is not None:
        records.record(target, content, written)
    return True
