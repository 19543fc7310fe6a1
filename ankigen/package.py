"""Deterministic ``.apkg`` writing (via genanki): same notes and mtime, same bytes."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ankigen import deflate
from ankigen.cloze import anki_numbers
from ankigen.identity import deck_id
from ankigen.notetype import BASIC, RELEASE_EPOCH, NoteType

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locks, so stale files are not recognised
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import genanki


@dataclass(frozen=True)
class NoteFields:
    """One note ready to package: its GUID, the HTML of its fields and its tags."""

    guid: str
    front: str
    back: str
    context: str
    source: str
    tags: tuple[str, ...] = ()
    note_type: NoteType = BASIC

    def values(self) -> tuple[str, ...]:
        """The field values in the note type's order; U+001F (Anki's field separator, which a
        file name may hold) is dropped, it would break the deck."""
        drop = "\x1f"
        if (
            drop not in self.source
            and drop not in self.front
            and drop not in self.back
            and drop not in self.context
        ):
            return (self.front, self.back, self.context, self.source)
        return tuple(f.replace(drop, "") for f in (self.front, self.back, self.context, self.source))


LATEST_EPOCH = 4354819199
"""2107-12-31 23:59:59 UTC, the last time a zip entry can carry."""


def source_date_epoch(value: str | None = None) -> int | None:
    """``SOURCE_DATE_EPOCH`` (or ``value``) as seconds, ``None`` when unset or empty; a
    ``ValueError`` saying how to write it when it is not whole seconds a deck can carry."""
    if value is None:
        value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    if not value.strip().isdigit() or int(value) > LATEST_EPOCH:
        raise ValueError(
            f"SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, at most {LATEST_EPOCH} "
            f"(such as `git log -1 --format=%ct`), not {value!r}"
        )
    return int(value)


def deck_mtime(paths: Iterable[Path], epoch: str | None = None) -> int:
    """The modification time stamped on a deck's notes (DESIGN.md's rule).

    ``SOURCE_DATE_EPOCH`` (or ``epoch``) when set, else the newest mtime of ``paths``; never
    older than ``RELEASE_EPOCH``.
    """
    fixed = source_date_epoch(epoch)
    stamp = fixed if fixed is not None else max((_mtime(p) for p in paths), default=0)
    return min(max(stamp, RELEASE_EPOCH), LATEST_EPOCH)


def _mtime(path: Path) -> int:
    """The file's mtime in whole seconds (0 when it is gone)."""
    try:
        return int(os.stat(path).st_mtime)
    except OSError:
        return 0


def slug(deck_name: str) -> str:
    """A readable file name stem for a deck: ``Deep Learning::Q&A`` → ``Deep-Learning--Q-A``."""
    parts = [re.sub(r"[^\w]+", "-", part, flags=re.UNICODE).strip("-") for part in deck_name.split("::")]
    return "--".join(part or "deck" for part in parts)


MAX_STEM_BYTES = 120
"""A deck file name's stem is at most this long in UTF-8 (file systems allow 255 bytes a name)."""


def file_stems(deck_names: Iterable[str]) -> dict[str, str]:
    """Each deck's file name stem, unique in the build: its :func:`slug`, readable and short.

    When two decks' slugs would be the same file (``C++`` and ``C#`` are both ``C``; case is
    ignored, as some file systems do), or a slug is longer than :data:`MAX_STEM_BYTES`, the stem
    ends with ``-`` and six hex digits of a hash of the full deck name.
    """
    names = list(dict.fromkeys(deck_names))
    slugs = {name: slug(name) for name in names}
    clashes = Counter(stem.casefold() for stem in slugs.values())
    stems = {}
    for name, stem in slugs.items():
        if clashes[stem.casefold()] > 1 or len(stem.encode("utf-8")) > MAX_STEM_BYTES:
            short = stem.encode("utf-8")[: MAX_STEM_BYTES - 7].decode("utf-8", "ignore")
            stem = f"{short}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}"
        stems[name] = stem
    return stems


class DeckWriter:
    """Streams one deck's notes into a temporary collection; ``finish`` stamps, zips and renames it.

    Notes are written as they come, so a deck never has to be held in memory. Their ids depend
    on the deck's mtime and their GUIDs and times may depend on the whole deck, known for sure
    only once every source of the deck was read: notes are written with the caller's best guess
    (``mtime``, and each note's GUID and time as given to :meth:`add`), and ``finish`` copies
    them into a fresh collection with the final values only when a guess was wrong — the same
    rows in the same order as a right guess writes, so the same bytes.
    """

    def __init__(self, folder: Path, deck_name: str, css: str, mtime: int = RELEASE_EPOCH) -> None:
        from ankigen import libs

        genanki = libs.genanki()  # imported only when a deck is written
        self.folder = folder
        remove_stale_files(folder)
        self.css = css
        self.deck = genanki.Deck(deck_id(deck_name), deck_name)
        self.media: dict[str, Path] = {}
        self.count = 0
        self.mtime = mtime
        self._ids: Iterator[int] = itertools.count(mtime * 1000)
        self.db_path, self._lock, self._conn = _new_collection(folder)
        self._cursor = self._conn.cursor()

    def add(self, fields: NoteFields, media: Iterable[tuple[str, Path]] = (), mod: int | None = None) -> None:
        """Write one note stamped ``mod`` (default: the deck's mtime), and remember its media."""
        self.add_values(fields.note_type, fields.guid, fields.values(), fields.tags, media, mod)

    def add_values(
        self,
        note_type: NoteType,
        guid: str,
        values: Sequence[str],
        tags: Sequence[str],
        media: Iterable[tuple[str, Path]] = (),
        mod: int | None = None,
    ) -> None:
        """:meth:`add` of a note given by its field ``values`` (:meth:`NoteFields.values`).

        The rows are genanki's (``Note.write_to_db``), written straight, without its per-note objects.
        """
        model = self.deck.models.get(note_type.id)
        if model is None:
            model = note_type.model(self.css)
            self.deck.add_model(model)
        stamp = self.mtime if mod is None else mod
        note_id = next(self._ids)
        row = (
            note_id,
            guid,
            model.model_id,
            stamp,
            -1,
            f" {' '.join(tags)} ",
            "\x1f".join(values),
            values[0],
            0,
            0,
            "",
        )
        execute = self._cursor.execute
        execute(_INSERT_NOTE, row)
        for card_ord in card_ords(model, values):
            execute(_INSERT_CARD, (next(self._ids), note_id, self.deck.deck_id, card_ord, stamp, *_NEW_CARD))
        self.media.update(media)
        self.count += 1

    def finish(self, path: Path, mtime: int, notes: Sequence[tuple[str, int]] | None = None) -> str:
        """Stamp the deck with ``mtime`` and replace ``path`` with the finished deck, atomically;
        returns the SHA-256 of the file written.

        ``notes`` are every note's final GUID and time, in the order added (default: as added,
        stamped ``mtime``).
        """
        try:
            written = [
                (guid, mod) for guid, mod in self._cursor.execute("SELECT guid, mod FROM notes ORDER BY id")
            ]
            final = [(guid, mtime) for guid, _ in written] if notes is None else list(notes)
            if mtime != self.mtime or final != written:
                self._rewrite(mtime, final)
            self.deck.write_to_db(self._cursor, mtime, self._ids)  # the deck and note type
            self._conn.commit()
            self._conn.close()
            zip_path = self.db_path.with_suffix(".apkg")  # under the same lock
            try:
                _write_zip(zip_path, self.db_path, sorted(self.media.items()), mtime)
                zip_path.chmod(0o666 & ~current_umask())
                written_sha = file_sha256(zip_path)
                os.replace(zip_path, path)
            finally:
                zip_path.unlink(missing_ok=True)
        finally:
            self.discard()
        return written_sha

    def _rewrite(self, mtime: int, final: Sequence[tuple[str, int]]) -> None:
        """Copy every note and card, in order, into a fresh collection with ids from ``mtime`` and
        each note's final GUID and time (its cards take its time)."""
        if len(final) != self.count:
            raise ValueError(f"{len(final)} stamps for {self.count} notes")
        self._conn.commit()
        old_path, old_lock, old = self.db_path, self._lock, self._conn
        self.db_path, self._lock, self._conn = _new_collection(self.folder)
        self._cursor = self._conn.cursor()
        self._ids = itertools.count(mtime * 1000)
        try:
            cards = old.execute("SELECT * FROM cards ORDER BY id")
            card = cards.fetchone()
            notes = old.execute("SELECT * FROM notes ORDER BY id")
            for note, (guid, mod) in zip(notes, final, strict=True):
                note_id = next(self._ids)
                self._cursor.execute(_INSERT_NOTE, (note_id, guid, note[2], mod, *note[4:]))
                while card is not None and card[1] == note[0]:
                    self._cursor.execute(_INSERT_CARD, (next(self._ids), note_id, *card[2:4], mod, *card[5:]))
                    card = cards.fetchone()
        finally:
            old.close()
            old_path.unlink(missing_ok=True)
            os.close(old_lock)

    def discard(self) -> None:
        """Drop the temporary collection (the deck is not written)."""
        self._conn.close()
        self.db_path.unlink(missing_ok=True)
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1


_TEMPORARY_PREFIX = ".ankigen-"
"""A build's temporary files in the output folder: ``.ankigen-ID.sqlite`` (locked while the build
runs), its ``-journal`` and the zip ``.ankigen-ID.apkg`` being written."""


def _locked_temporary(folder: Path) -> tuple[Path, int]:
    """A new ``.ankigen-ID.sqlite`` in ``folder`` and a descriptor holding an exclusive lock on it."""
    while True:
        fd, name = tempfile.mkstemp(dir=folder, prefix=_TEMPORARY_PREFIX, suffix=".sqlite")
        if fcntl is None:
            return Path(name), fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                return Path(name), fd
        except FileNotFoundError:
            pass
        os.close(fd)  # another build took it for a dead one's before the lock: take a new one


def remove_stale_files(folder: Path) -> None:
    """Remove the temporary files that killed builds left in ``folder``: those whose ``.sqlite``
    no process holds locked (the lock goes with its process). A running build's files stay."""
    if fcntl is None:
        return
    for path in folder.glob(f"{_TEMPORARY_PREFIX}*"):
        if not path.is_file():
            continue  # a bundle's working folder, removed by its own build
        ident = path.name[len(_TEMPORARY_PREFIX) :].split(".")[0]
        lock = folder / f"{_TEMPORARY_PREFIX}{ident}.sqlite"
        try:
            fd = os.open(lock, os.O_RDONLY)
        except FileNotFoundError:
            path.unlink(missing_ok=True)  # a journal or zip outlives its .sqlite only when killed
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a running build's
        try:
            path.unlink(missing_ok=True)
            if path != lock:
                lock.unlink(missing_ok=True)
        finally:
            os.close(fd)


_INSERT_NOTE = "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)"
_INSERT_CARD = "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
_NEW_CARD = (-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "")
"""A new card's columns after ``mod`` (usn … data), as genanki writes them."""
_CLOZE_FIELD = re.compile(r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}")


def card_ords(model: genanki.Model, values: Sequence[str]) -> list[int]:
    """The cards (ords) a note with field ``values`` makes: for a cloze note type, one per cloze
    number in the fields its front template clozes, read as Anki reads them (Anki makes no card
    on import, so these must be its own: genanki's reading misses nested clozes); else each
    template whose required fields are filled, as genanki decides."""
    if model.model_type == model.CLOZE:
        names = [field["name"] for field in model.fields]
        ords = {
            number - 1
            for name in _CLOZE_FIELD.findall(model.templates[0]["qfmt"])
            if name in names
            for number in anki_numbers(values[names.index(name)])
        }
        return sorted(ords) or [0]
    return [ord_ for ord_, kind, required in model._req if _filled(values, kind, required)]


def _filled(values: Sequence[str], kind: str, required: list[int]) -> bool:
    """Whether the fields ``required`` are filled as a template needs them: ``all`` or ``any``."""
    if len(required) == 1:
        return bool(values[required[0]])
    filled = (values[i] for i in required)
    return all(filled) if kind == "all" else any(filled)


def _new_collection(folder: Path) -> tuple[Path, int, sqlite3.Connection]:
    """A fresh temporary collection in ``folder`` (schema and ``col`` row), the descriptor that
    holds its lock, and a connection to it."""
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    path, lock = _locked_temporary(folder)
    try:
        conn = sqlite3.connect(path)
        # A temporary file: no need to survive a crash, so no fsync or journal file per transaction
        # (the schema is a dozen of them); the database's bytes are the same.
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.executescript(APKG_SCHEMA)
        conn.executescript(APKG_COL)
    except BaseException:  # Ctrl-C while it is made: no file of it stays
        path.unlink(missing_ok=True)
        os.close(lock)
        raise
    return path, lock, conn


ZIP_LEVEL = 1
"""zlib level of the deck's deflated members."""


ZIP_TIMES = (315_532_800, 4_354_819_198)
"""The first and last times a zip entry can carry (1980-01-01 and 2107-12-31T23:59:58 UTC)."""


def _write_zip(zip_path: Path, db_path: Path, media: list[tuple[str, Path]], mtime: int) -> None:
    date_time = time.gmtime(min(max(mtime, ZIP_TIMES[0]), ZIP_TIMES[1]))[:6]
    index = {str(i): name for i, (name, _) in enumerate(media)}
    entries: list[tuple[str, Path | bytes]] = [("collection.anki2", db_path)]
    entries.append(("media", json.dumps(index, sort_keys=True).encode("utf-8")))
    entries.extend((str(i), source) for i, (_, source) in enumerate(media))
    # zlib level 1: half the time of the default level 6 for a deck about 1.35x its size
    # (still about 8x smaller than a stored deck); the zip is written after the last card, so its
    # time is all added to the build's: the collection is deflated on every core (ankigen.deflate).
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]  # open() reads the level here
            info.create_system = 3
            info.external_attr = 0o644 << 16
            if isinstance(content, bytes):
                archive.writestr(info, content)
            else:
                with content.open("rb") as source, archive.open(info, "w") as target:
                    workers = None if os.fstat(source.fileno()).st_size > deflate.BLOCK else 1
                    # zipfile keeps a member's compressor here (CPython 3.11-3.13; tested)
                    target._compressor = deflate.ParallelDeflate(ZIP_LEVEL, workers)  # type: ignore[attr-defined]
                    shutil.copyfileobj(source, target, deflate.BLOCK)


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file at ``path``, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def current_umask() -> int:
    """The process's umask (files are created as ``0o666 & ~umask``)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
