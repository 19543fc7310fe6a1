"""Parallel rendering and the render cache never change what is built."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from anki.collection import Collection
from conftest import import_apkg, run

from ankigen.workers import PARALLEL_THRESHOLD

CARDS = PARALLEL_THRESHOLD + 100


def _notes(folder: Path) -> Path:
    folder.mkdir()
    body = []
    for i in range(CARDS):
        body.append(
            f"## What is rule {i}?\n\nIt says $x_{i}^2 = {i}$ and\n\n"
            f"- item *{i}*\n  - nested `code {i}`\n\n```python\nprint({i})\n```\n"
        )
    (folder / "notes.md").write_text("# Rules\n\n" + "\n".join(body), "utf-8")
    (folder / "qa.txt").write_text("Q: 49*C*C?\nA: as written\n", "utf-8")
    return folder


def _build(*options: str) -> dict[str, bytes]:
    result = run("build", "notes", "-o", "out", *options)
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(Path("out").iterdir())}


def test_jobs_and_cache_give_byte_identical_decks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collection: Collection
) -> None:
    monkeypatch.chdir(tmp_path)
    _notes(tmp_path / "notes")
    cache = tmp_path / "cache"
    serial = _build("--jobs", "1", "--no-cache")
    parallel = _build("--jobs", "2", "--no-cache")
    cold = _build("--jobs", "2", "--cache-dir", str(cache))
    with sqlite3.connect(cache / "render-cache.sqlite3") as db:
        (entries,) = db.execute("SELECT count(*) FROM rendered").fetchone()
    assert entries == CARDS + 1
    warm = _build("--jobs", "2", "--cache-dir", str(cache))
    assert serial == parallel == cold == warm
    assert sorted(serial) == ["Rules.apkg", "qa.apkg"]
    import_apkg(collection, tmp_path / "out" / "Rules.apkg")
    assert len(collection.find_notes("")) == CARDS


def test_damaged_cache_entries_are_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _notes(tmp_path / "notes")
    cache = tmp_path / "cache"
    clean = _build("--cache-dir", str(cache))
    with sqlite3.connect(cache / "render-cache.sqlite3") as db:
        db.execute('UPDATE rendered SET value = CAST(\'{"front": "POISONED"}\' AS BLOB)')
    assert _build("--cache-dir", str(cache)) == clean
    with sqlite3.connect(cache / "render-cache.sqlite3") as db:
        db.execute("UPDATE rendered SET value = CAST('not json' AS BLOB), sum = 'x'")
    assert _build("--cache-dir", str(cache)) == clean
    (cache / "render-cache.sqlite3").write_bytes(b"this is not a database" * 100)
    for leftover in cache.glob("render-cache.sqlite3-*"):
        leftover.unlink()
    assert _build("--cache-dir", str(cache)) == clean
