"""Parallel rendering and the render cache never change what is built."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from anki.collection import Collection
from conftest import import_apkg, run

import ankigen
from ankigen import pipeline
from ankigen.cache import _LIBRARIES, code_fingerprint, library_version, renderer_fingerprint
from ankigen.pipeline import PARALLEL_MIN_CHARS

CARDS = 1200  # spread over three files, well above PARALLEL_MIN_CHARS of text


def _notes(folder: Path) -> Path:
    folder.mkdir()
    for part in range(3):
        body = [
            f"## What is rule {i}?\n\nIt says $x_{i}^2 = {i}$ and\n\n"
            f"- item *{i}*\n  - nested `code {i}`\n\n```python\nprint({i})\n```\n"
            for i in range(part, CARDS, 3)
        ]
        (folder / f"notes{part}.md").write_text("# Rules\n\n" + "\n".join(body), "utf-8")
    (folder / "qa.txt").write_text("Q: 49*C*C?\nA: as written\n", "utf-8")
    assert sum(len(p.read_text()) for p in folder.iterdir()) > 2 * PARALLEL_MIN_CHARS
    return folder


def _build(*options: str) -> dict[str, bytes]:
    result = run("build", "notes", "-o", "out", *options)
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(Path("out").iterdir())}


def _mark_cached_fronts(db_path: Path) -> None:
    """Rewrite every cached front "What is rule …" as "CACHED rule …" (checksums kept valid)."""
    with sqlite3.connect(db_path) as db:
        for key, value in db.execute("SELECT key, value FROM outcome").fetchall():
            outcome = pipeline._decode(bytes(value))
            assert outcome is not None
            outcome.rendered = [
                dataclasses.replace(r, front_html=r.front_html.replace("<p>What is rule", "<p>CACHED rule"))
                for r in outcome.rendered
            ]
            marked = pipeline._encode(outcome)
            assert marked is not None
            db.execute(
                "UPDATE outcome SET value = ?, sum = ? WHERE key = ?",
                (marked, hashlib.sha256(marked).hexdigest(), key),
            )


def test_jobs_and_cache_give_byte_identical_decks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collection: Collection
) -> None:
    monkeypatch.chdir(tmp_path)
    _notes(tmp_path / "notes")
    cache = tmp_path / "cache"
    serial = _build("--jobs", "1", "--no-cache")
    parallel = _build("--jobs", "2", "--no-cache")
    cold = _build("--jobs", "2", "--cache-dir", str(cache))
    with sqlite3.connect(cache / "cache.sqlite3") as db:
        (entries,) = db.execute("SELECT count(*) FROM outcome").fetchone()
    assert entries == 4  # one per source file
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
    with sqlite3.connect(cache / "cache.sqlite3") as db:
        db.execute('UPDATE outcome SET value = CAST(\'{"front": "POISONED"}\' AS BLOB)')
    assert _build("--cache-dir", str(cache)) == clean
    with sqlite3.connect(cache / "cache.sqlite3") as db:
        db.execute("UPDATE outcome SET value = CAST('not json' AS BLOB), sum = 'x'")
    assert _build("--cache-dir", str(cache)) == clean
    (cache / "cache.sqlite3").write_bytes(b"this is not a database" * 100)
    for leftover in cache.glob("cache.sqlite3-*"):
        leftover.unlink()
    assert _build("--cache-dir", str(cache)) == clean


def test_warm_build_reuses_unchanged_files_and_cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    notes = _notes(tmp_path / "notes")
    cache = tmp_path / "cache"
    _build("--cache-dir", str(cache))
    db_path = cache / "cache.sqlite3"
    _mark_cached_fronts(db_path)  # a valid entry is used as it is
    edited = notes / "notes1.md"
    text = edited.read_text("utf-8")
    # One card changes; the lines of every card after it move down by one.
    edited.write_text(text.replace("It says $x_4^2", "It now\nsays $x_4^2", 1), "utf-8")
    result = run("list", "notes", "--json", "--cache-dir", str(cache))
    cards = json.loads(result.stdout)
    fresh = {(c["source"], c["front"]) for c in cards if c["front_html"].startswith("<p>What is rule")}
    assert fresh == {("notes1.md", "What is rule 4?")}  # Source is relative to the folder named
    with sqlite3.connect(db_path) as db:  # the edited file's old entry was replaced, not kept
        assert db.execute("SELECT count(*) FROM outcome").fetchone() == (4,)


def test_reused_cards_are_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    notes = _notes(tmp_path / "notes")
    edited = notes / "notes2.md"
    with edited.open("a", encoding="utf-8") as handle:
        handle.write("\n## Where is the picture?\n\nHere: <img src='missing.png'> <b onclick='x()'>b</b>\n")
    cache = str(tmp_path / "cache")
    _build("--cache-dir", cache)
    edited.write_text(edited.read_text("utf-8").replace("It says", "It\n\nsays", 7), "utf-8")
    assert _build("--cache-dir", cache) == _build("--no-cache")
    warm = run("check", "notes", "--cache-dir", cache).stdout
    cold = run("check", "notes", "--no-cache").stdout
    assert warm == cold
    assert "missing-image" in warm and "unsafe-html" in warm


def test_a_new_renderer_renders_every_card_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _notes(tmp_path / "notes")
    cache = tmp_path / "cache"
    _build("--cache-dir", str(cache))
    _mark_cached_fronts(cache / "cache.sqlite3")
    # An upgraded ankigen (or library) renders differently: nothing rendered before may be reused.
    monkeypatch.setattr(pipeline, "renderer_fingerprint", lambda: "another renderer")
    cards = json.loads(run("list", "notes", "--json", "--cache-dir", str(cache)).stdout)
    assert len(cards) == CARDS + 1
    assert not [c for c in cards if "CACHED" in c["front_html"]]
    with sqlite3.connect(cache / "cache.sqlite3") as db:  # the old renderer's entries were replaced
        assert db.execute("SELECT count(*) FROM outcome").fetchone() == (4,)


def _copy_of_ankigen(site: Path) -> Path:
    """A copy of the running ankigen's package folder under ``site`` (without bytecode)."""
    package = site / "ankigen"
    shutil.copytree(Path(ankigen.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    return package


def test_every_module_at_any_depth_is_fingerprinted(tmp_path: Path) -> None:
    package = _copy_of_ankigen(tmp_path)
    assert code_fingerprint(package) == renderer_fingerprint()  # paths count relative to the package
    modules = sorted(package.rglob("*.py"))
    assert package / "render" / "tables.py" in modules and package / "parsers" / "qa.py" in modules
    seen = {renderer_fingerprint()}
    for module in modules:
        original = module.read_bytes()
        module.write_bytes(original + b"\n# edited\n")
        seen.add(code_fingerprint(package))
        module.write_bytes(original)
    assert len(seen) == len(modules) + 1  # every edit, in any module, gives a fingerprint of its own


def test_editing_a_render_module_renders_every_card_again(tmp_path: Path) -> None:
    package = _copy_of_ankigen(tmp_path / "site")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\n\n## What is rule 1?\n\nOne.\n\n## What is rule 2?\n\nTwo.\n", "utf-8")
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}

    def fronts() -> list[str]:
        shown = subprocess.run(
            [sys.executable, "-m", "ankigen", "list", "notes", "--json", "--cache-dir", str(cache)],
            cwd=tmp_path, env=env, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return [card["front_html"] for card in json.loads(shown.stdout)]

    assert fronts() == ["<p>What is rule 1?</p>", "<p>What is rule 2?</p>"]
    _mark_cached_fronts(cache / "cache.sqlite3")
    assert fronts() == ["<p>CACHED rule 1?</p>", "<p>CACHED rule 2?</p>"]  # a warm build reuses them
    tables = package / "render" / "tables.py"
    tables.write_text(tables.read_text("utf-8") + "\n# a change to the renderer\n", "utf-8")
    assert fronts() == ["<p>What is rule 1?</p>", "<p>What is rule 2?</p>"]


def test_library_versions_are_the_installed_ones() -> None:
    from importlib import metadata

    for library in (*_LIBRARIES, "click", "PyYAML", "cached_property"):
        assert library_version(library) == metadata.version(library)
    assert library_version("no-such-library-installed") == ""


def test_an_outcome_holding_a_library_s_string_type_is_cached_as_plain_strings(tmp_path: Path) -> None:
    class Atomic(str):  # as Python-Markdown's AtomicString, which marshal refuses
        pass

    (tmp_path / "n.md").write_text("# T\n\n## What is a prior?\n\nA belief.\n", "utf-8")
    job = pipeline.FileJob(str(tmp_path / "n.md"), (tmp_path / "n.md").read_text("utf-8"), tmp_path)
    outcome = pipeline.process_file(job)
    outcome.title = Atomic(outcome.title or "")
    outcome.cards = [dataclasses.replace(card, front=Atomic(card.front)) for card in outcome.cards]
    decoded = pipeline._decode(pipeline._encode(outcome))
    assert decoded is not None and decoded.cards == outcome.cards and decoded.title == outcome.title == "T"
    assert type(decoded.title) is str and type(decoded.cards[0].front) is str
    assert decoded.rendered == outcome.rendered and decoded.diagnostics == outcome.diagnostics
    outcome.title = object()  # type: ignore[assignment]  # nothing marshal can keep: not cached
    assert pipeline._encode(outcome) is None
