"""``single_apkg``: the finished deck files of a build copied into one ``.apkg`` with all their decks.

Each deck is first written as usual (its GUIDs, times and lock unchanged); the bundle copies its
notes, cards, decks and media as they are. Only the notes' and cards' row ids are moved past those
of the decks before, so they cannot collide: Anki matches notes by GUID, not by id.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from ankigen import package
from ankigen.notetype import RELEASE_EPOCH


def write_bundle(decks: Sequence[Path], target: Path) -> str:
    """Write ``target`` holding every note, deck and media file of the ``.apkg`` files ``decks``;
    returns the SHA-256 of the file written."""
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".ankigen-") as work:
        folder = Path(work)
        db_path, lock, conn = package._new_collection(folder)
        media: dict[str, Path] = {}
        decks_json: dict[str, object] = {}
        models_json: dict[str, object] = {}
        newest = 0
        try:
            for number, apkg in enumerate(decks):
                source = folder / f"{number}.anki2"
                with zipfile.ZipFile(apkg) as archive:
                    source.write_bytes(archive.read("collection.anki2"))
                    index = json.loads(archive.read("media"))
                    for member, name in sorted(index.items()):
                        kept = folder / f"{number}-{member}"
                        kept.write_bytes(archive.read(member))
                        media.setdefault(name, kept)
                old = sqlite3.connect(source)
                try:
                    decks_text, models_text = old.execute("SELECT decks, models FROM col").fetchone()
                    decks_json.update(json.loads(decks_text))
                    models_json.update(json.loads(models_text))
                    newest = max(newest, *(mod for (mod,) in old.execute("SELECT mod FROM notes")), 0)
                    conn.execute("ATTACH DATABASE ? AS deck", (str(source),))
                    _copy_rows(conn)
                    conn.commit()
                    conn.execute("DETACH DATABASE deck")
                finally:
                    old.close()
            conn.execute(
                "UPDATE col SET decks = ?, models = ?", (json.dumps(decks_json), json.dumps(models_json))
            )
            conn.commit()
        finally:
            conn.close()
        zip_path = folder / "bundle.apkg"  # removed with the folder unless renamed away
        try:
            package._write_zip(zip_path, db_path, sorted(media.items()), newest or RELEASE_EPOCH)
            zip_path.chmod(0o666 & ~package.current_umask())
            written = package.file_sha256(zip_path)
            os.replace(zip_path, target)
        finally:
            os.close(lock)
    return written


def _copy_rows(conn: sqlite3.Connection) -> None:
    """Append the attached deck's notes and cards, their ids moved above every id copied so far."""
    (top,) = conn.execute(
        "SELECT coalesce(max(id), 0) FROM (SELECT id FROM main.notes UNION ALL SELECT id FROM main.cards)"
    ).fetchone()
    (low,) = conn.execute(
        "SELECT coalesce(min(id), 0) FROM (SELECT id FROM deck.notes UNION ALL SELECT id FROM deck.cards)"
    ).fetchone()
    offset = top - low + 1 if top else 0
    conn.execute(
        "INSERT INTO main.notes SELECT id + ?, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data "
        "FROM deck.notes ORDER BY id",
        (offset,),
    )
    conn.execute(
        "INSERT INTO main.cards SELECT id + ?, nid + ?, did, ord, mod, usn, type, queue, due, ivl, factor, "
        "reps, lapses, left, odue, odid, flags, data FROM deck.cards ORDER BY id",
        (offset, offset),
    )
