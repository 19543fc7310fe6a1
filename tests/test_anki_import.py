"""Every seed deck, built by the CLI and imported into a real Anki collection."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from anki.collection import Collection
from conftest import import_apkg, run

from ankigen import package
from ankigen.notetype import FIELDS, NOTE_TYPE_ID, NOTE_TYPE_NAME, RELEASE_EPOCH

EXPECTED = {
    "Deep Learning::Interview Q&A": (40,),
    "Deep Learning::Neural Network Interview Notes": (17,),
    "Deep Learning::Flashcards": (40,),
    "Deep Learning::Computer Vision Interview": (47, 48),
    "Deep Learning::CNN Questionnaire": (37,),
}


def _build(project: Path) -> dict[str, Path]:
    result = run("build")
    assert result.exit_code == 0, result.output
    built = {}
    for line in result.stdout.splitlines():
        line = line.removesuffix("; unchanged, not rewritten")
        match = re.match(r"(\S+\.apkg): (.+) — (\d+) cards? \((\d+) skipped, (\d+) warnings?\)$", line)
        assert match, f"unexpected summary line {line!r}"
        built[match.group(2)] = project / match.group(1)
    return built


def test_every_seed_deck_imports_with_expected_notes(project: Path, collection: Collection) -> None:
    built = _build(project)
    assert set(built) == set(EXPECTED)
    for name, path in built.items():
        assert path.name == f"{package.slug(name)}.apkg"
        import_apkg(collection, path)
    for name, counts in EXPECTED.items():
        deck = collection.decks.by_name(name)
        assert deck is not None, name
        note_ids = collection.find_notes(f'"deck:{name}"')
        assert len(note_ids) in counts, (name, len(note_ids))
    notetype = collection.models.by_name(NOTE_TYPE_NAME)
    assert notetype is not None and notetype["id"] == NOTE_TYPE_ID
    assert [f["name"] for f in notetype["flds"]] == list(FIELDS)
    assert [t["name"] for t in notetype["tmpls"]] == ["Card 1"]
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        output = card.render_output()
        question, answer = output.question_text, output.answer_text
        assert "{{" not in question and "{{" not in answer
        note = card.note()
        assert note["Front"] and note["Front"] in question
        assert note["Back"] in answer
        assert re.fullmatch(r"seeds/00\d_[0-9a-f]+\.txt:\d+", note["Source"])


def test_qa_seed_fields(project: Path, collection: Collection) -> None:
    built = _build(project)
    import_apkg(collection, built["Deep Learning::Interview Q&A"])
    notes = [collection.get_note(nid) for nid in collection.find_notes("")]
    backs = "\n".join(n["Back"] for n in notes)
    assert "49*C*C" in backs
    first = next(n for n in notes if n["Front"] == "Explain Batch Normalization")
    assert first["Back"].startswith("When inputs are large (like 0-255 in images)")
    assert "interview" in first.tags
    assert first["Source"] == "seeds/000_b0ed0fda48863393.txt:1"


def test_edited_answer_updates_the_note_in_place(project: Path, collection: Collection) -> None:
    built = _build(project)
    path = built["Deep Learning::Interview Q&A"]
    import_apkg(collection, path)
    before = {collection.get_note(n).guid: n for n in collection.find_notes("")}
    model_count = len(collection.models.all_names_and_ids())

    source = next((project / "seeds").glob("000_*.txt"))
    text = source.read_text("utf-8")
    assert "changes significantly" not in text
    source.write_text(text.replace("doesn't change a lot", "changes significantly", 1), "utf-8")
    stat = source.stat()
    os.utime(source, (stat.st_atime, max(stat.st_mtime, RELEASE_EPOCH) + 10))

    import_apkg(collection, _build(project)["Deep Learning::Interview Q&A"])
    after = {collection.get_note(n).guid: n for n in collection.find_notes("")}
    assert after == before, "no note may be added or replaced"
    assert len(collection.models.all_names_and_ids()) == model_count, "the note type must not fork"
    edited = [collection.get_note(n) for n in collection.find_notes('"Back:*changes significantly*"')]
    assert len(edited) == 1 and edited[0]["Front"] == "Explain Batch Normalization"


def test_unchanged_rebuild_is_byte_identical(project: Path) -> None:
    first = {name: path.read_bytes() for name, path in _build(project).items()}
    second = {name: path.read_bytes() for name, path in _build(project).items()}
    assert first == second


@pytest.mark.parametrize("epoch", ["1800000000"])
def test_source_date_epoch_pins_modification_time(
    project: Path, collection: Collection, monkeypatch: pytest.MonkeyPatch, epoch: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    import_apkg(collection, _build(project)["Deep Learning::CNN Questionnaire"])
    mods = {collection.get_note(n).mod for n in collection.find_notes("")}
    assert mods == {int(epoch)}
