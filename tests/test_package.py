"""Note identity, deck ids and the deterministic, atomic .apkg writer."""

from __future__ import annotations

import os
import sqlite3
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest
from anki.collection import Collection
from conftest import import_apkg

from ankigen import deflate, identity, notetype, package
from ankigen.package import NoteFields


def _notes(answer: str = "an answer") -> list[NoteFields]:
    return [
        NoteFields(identity.note_guid("D", "what is a tensor"), "What is a tensor?", answer, "", "a.md:1"),
        NoteFields(identity.note_guid("D", "why relu"), "Why ReLU?", "<b>cheap</b>", "Activations", "a.md:5"),
    ]


def test_question_key_ignores_numbering_emphasis_and_case() -> None:
    assert identity.question_key("12. What is **`ReLU`**?") == identity.question_key("what is  relu?")
    assert identity.question_key("Q3. Why?") == "why?"
    assert identity.question_key("Q: Why?") == "why?"
    assert identity.question_key("1) Why?") == "why?"
    assert identity.question_key("What is 2.5?") == "what is 2.5?"


def test_guid_depends_on_deck_question_and_occurrence_only() -> None:
    guid = identity.note_guid("Deep Learning::Q&A", "what is relu?")
    assert guid == identity.note_guid("Deep Learning::Q&A", "what is relu?")
    assert guid != identity.note_guid("Deep Learning::Other", "what is relu?")
    assert guid != identity.note_guid("Deep Learning::Q&A", "what is relu?", 2)


def test_deck_ids_are_stable_and_distinct() -> None:
    assert identity.deck_id("A::B") == identity.deck_id("A::B")
    assert identity.deck_id("A::B") != identity.deck_id("A::C")
    assert 0 < identity.deck_id("A::B") < 2**53


def test_slug_is_readable() -> None:
    assert package.slug("Deep Learning::Q&A") == "Deep-Learning--Q-A"
    assert package.slug("Ünïcode::Deck") == "Ünïcode--Deck"


def test_mtime_rule(tmp_path: Path) -> None:
    old, new = tmp_path / "old.md", tmp_path / "new.md"
    old.write_text("x")
    new.write_text("y")
    later = notetype.RELEASE_EPOCH + 5000
    os.utime(old, (later - 100, later - 100))
    os.utime(new, (later, later))
    assert package.deck_mtime([old, new], "") == later
    assert package.deck_mtime([old, new], "1900000000") == 1900000000
    os.utime(new, (1000, 1000))
    os.utime(old, (1000, 1000))
    assert package.deck_mtime([old, new], "") == notetype.RELEASE_EPOCH
    assert package.deck_mtime([old], "5") == notetype.RELEASE_EPOCH


def _write(
    path: Path,
    notes: Iterable[NoteFields],
    media: list[tuple[str, Path]],
    mtime: int,
    css: str = "",
    guess: int = notetype.RELEASE_EPOCH,
) -> None:
    """Write a deck the way build does: stream the notes in, finish, and discard on any failure."""
    writer = package.DeckWriter(path.parent, "D", css, guess)
    try:
        for note in notes:
            writer.add(note)
        writer.media.update(media)
        writer.finish(path, mtime)
    finally:
        writer.discard()


def test_apkg_is_deterministic_deflated_and_imports(tmp_path: Path, collection: Collection) -> None:
    out = tmp_path / "out"
    out.mkdir()
    image = out / "img.png"
    image.write_bytes(b"\x89PNG fake image bytes")
    a, b = out / "a.apkg", out / "b.apkg"
    media = [("ff.png", image), ("aa.png", image)]
    notes = _notes('<img src="aa.png"><img src="ff.png">')
    _write(a, notes, media, notetype.RELEASE_EPOCH, ".card{}")
    _write(b, notes, list(reversed(media)), notetype.RELEASE_EPOCH, ".card{}")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["collection.anki2", "media", "0", "1"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert archive.read("media") == b'{"0": "aa.png", "1": "ff.png"}'
        stored, data = infos[0].compress_size, archive.read("collection.anki2")
    # deflated at ZIP_LEVEL, as one block of ankigen.deflate (the collection is under a block)
    assert stored == len(deflate.deflate_block(data, package.ZIP_LEVEL)) + 2
    assert stored != len(zlib.compress(data, 6, wbits=-15))
    assert sorted(p.name for p in out.iterdir()) == ["a.apkg", "b.apkg", "img.png"]
    log = import_apkg(collection, a)
    assert len(log.new) == 2  # type: ignore[attr-defined]
    notes = {collection.get_note(n)["Front"]: collection.get_note(n) for n in collection.find_notes("")}
    assert notes["Why ReLU?"]["Context"] == "Activations"
    assert notes["What is a tensor?"].mod == notetype.RELEASE_EPOCH
    assert collection.media.have("aa.png") and collection.media.have("ff.png")


def test_failed_write_keeps_the_old_deck_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "deck.apkg"
    _write(target, _notes(), [], notetype.RELEASE_EPOCH)
    good = target.read_bytes()

    def broken_notes():  # type: ignore[no-untyped-def]
        yield from _notes()
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        _write(target, broken_notes(), [], notetype.RELEASE_EPOCH + 1)
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["deck.apkg"]


def _stamps(apkg: Path) -> list[tuple[object, ...]]:
    with zipfile.ZipFile(apkg) as archive:
        archive.extract("collection.anki2", apkg.parent / apkg.stem)
    with sqlite3.connect(apkg.parent / apkg.stem / "collection.anki2") as db:
        notes = db.execute("SELECT id, guid, mod FROM notes ORDER BY id").fetchall()
        cards = db.execute("SELECT id, nid, mod FROM cards ORDER BY id").fetchall()
    return [*notes, *cards]


@pytest.mark.parametrize("guess_offset", [0, -1, 1, -86_400])
def test_notes_are_stamped_with_the_final_mtime_whatever_the_guess(
    tmp_path: Path, collection: Collection, guess_offset: int
) -> None:
    # Notes are written stamped with a guessed mtime; a wrong guess (even one second off, so the
    # old and new id ranges overlap) is corrected when the deck is finished.
    mtime = notetype.RELEASE_EPOCH + 100_000
    notes = [NoteFields(f"g{i}", f"Q{i}?", "A", "", "n.md:1") for i in range(1500)]
    _write(tmp_path / "right.apkg", notes, [], mtime, guess=mtime)
    _write(tmp_path / "guessed.apkg", notes, [], mtime, guess=mtime + guess_offset)
    stamps = _stamps(tmp_path / "guessed.apkg")
    assert stamps == _stamps(tmp_path / "right.apkg")
    assert stamps[0] == (mtime * 1000, "g0", mtime) and stamps[1500] == (
        mtime * 1000 + 1,
        mtime * 1000,
        mtime,
    )
    import_apkg(collection, tmp_path / "guessed.apkg")
    assert sorted(collection.find_notes(""))[0] == mtime * 1000


def test_a_collection_of_many_blocks_is_deflated_in_parallel_and_imports(
    tmp_path: Path, collection: Collection
) -> None:
    """A deck whose collection spans several of ankigen.deflate's blocks: a valid zip (CRC checked),
    the same bytes every time, and every note in Anki."""
    rng = __import__("random").Random(5)
    words = [f"w{rng.randrange(10**6)}" for _ in range(3000)]
    notes = [
        NoteFields(
            identity.note_guid("D", f"q{i}"),
            f"Question {i}?",
            " ".join(rng.choices(words, k=120)),
            "",
            "a.md",
        )
        for i in range(2500)
    ]
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    _write(a, notes, [], notetype.RELEASE_EPOCH)
    _write(b, notes, [], notetype.RELEASE_EPOCH)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as archive:
        assert archive.testzip() is None
        info = archive.getinfo("collection.anki2")
        assert info.file_size > 3 * deflate.BLOCK and info.compress_size < info.file_size / 2
    log = import_apkg(collection, a)
    assert len(log.new) == 2500  # type: ignore[attr-defined]
