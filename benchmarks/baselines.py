"""The two baselines ``run.py`` times against ankigen, each run as its own process.

``python benchmarks/baselines.py naive CORPUS OUT.apkg`` is the naive pipeline: the simplest split
per format (``## `` headings, ``Q:``/``A:`` lines, ``---`` separators), a new
``markdown.markdown(answer, extensions=["fenced_code", "tables", "codehilite"])`` per card, one
genanki package. ``python benchmarks/baselines.py package NOTES.jsonl OUT.apkg`` is genanki alone
packaging notes whose HTML is already rendered (``export_notes`` writes them from an ankigen deck).
Both print ``N cards``.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

DECK = "Bench"
NAIVE_EXTENSIONS = ["fenced_code", "tables", "codehilite"]


def naive_cards(path: Path) -> list[tuple[str, str]]:
    """The simplest split per format: ``## `` headings, ``Q:``/``A:`` lines, ``---`` separators."""
    text = path.read_text(encoding="utf-8")
    if "_qa." in path.name:
        chunks = re.split(r"^Q: ", text, flags=re.MULTILINE)[1:]
        return [(q.strip(), a) for q, _, a in (chunk.partition("\nA: ") for chunk in chunks)]
    if "_questionnaire." in path.name:
        parts = re.split(r"^---$", text, flags=re.MULTILINE)[1:]
        return [(parts[i].strip(), parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
    chunks = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return [(q.strip(), a) for q, _, a in (chunk.partition("\n") for chunk in chunks)]


def _model(fields: list[str]) -> Any:
    import genanki

    return genanki.Model(
        1_607_392_319,
        DECK,
        fields=[{"name": name} for name in fields],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
    )


def _write(deck: Any, out: Path) -> None:
    import genanki

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        genanki.Package(deck).write_to_file(out)
    print(f"{len(deck.notes)} cards")


def run_naive(corpus_dir: Path, out: Path) -> None:
    """The naive pipeline: a new Markdown converter per card, one genanki package."""
    import genanki
    import markdown

    model = _model(["Front", "Back"])
    deck = genanki.Deck(2_059_400_110, DECK)
    for path in sorted(corpus_dir.glob("notes_*")):
        for question, answer in naive_cards(path):
            back = markdown.markdown(answer, extensions=NAIVE_EXTENSIONS)
            deck.add_note(genanki.Note(model=model, fields=[html.escape(question), back]))
    _write(deck, out)


def run_package(notes_file: Path, out: Path) -> None:
    """genanki alone: package notes whose HTML is already rendered (one JSON array per line)."""
    import genanki

    model = _model(["Front", "Back", "Context", "Source"])
    deck = genanki.Deck(2_059_400_110, DECK)
    with notes_file.open(encoding="utf-8") as lines:
        for line in lines:
            guid, fields, tags = json.loads(line)
            deck.add_note(genanki.Note(model=model, fields=fields, tags=tags, guid=guid))
    _write(deck, out)


def export_notes(apkg: Path, notes_file: Path) -> int:
    """Write the notes of ``apkg`` (GUID, fields, tags) as JSON lines; return how many."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(apkg) as archive:
            archive.extract("collection.anki2", tmp)
        conn = sqlite3.connect(Path(tmp) / "collection.anki2")
        count = 0
        with notes_file.open("w", encoding="utf-8") as out:
            for guid, flds, tags in conn.execute("SELECT guid, flds, tags FROM notes ORDER BY id"):
                out.write(json.dumps([guid, flds.split("\x1f"), tags.split()], ensure_ascii=False) + "\n")
                count += 1
        conn.close()
    return count


def main(argv: list[str]) -> int:
    """``naive CORPUS OUT`` or ``package NOTES OUT``."""
    commands = {"naive": run_naive, "package": run_package}
    if len(argv) != 3 or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[0]](Path(argv[1]), Path(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
