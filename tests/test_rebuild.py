"""A rebuild writes only the decks whose file would change, and says which it left alone."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SEEDS, run

from ankigen import cache, deckfile

UNCHANGED = "; unchanged, not rewritten"


def _notes(folder: Path) -> Path:
    folder.mkdir()
    for name, title in (("algebra.md", "Algebra"), ("geometry.md", "Geometry")):
        cards = [
            f"## What is {title.lower()} rule {i}?\n\nIt says $x_{i}^2 = {i}$ and `code {i}`.\n"
            for i in range(30)
        ]
        (folder / name).write_text(f"# {title}\n\n" + "\n".join(cards), "utf-8")
    return folder


def _build(*options: str, output: str = "out") -> list[str]:
    result = run("build", "notes", "-o", output, *options)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def _files(folder: str = "out") -> dict[str, tuple[int, int, bytes]]:
    """Each deck file's inode, modification time (ns) and bytes."""
    return {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(Path(folder).iterdir())
    }


def test_a_rebuild_with_nothing_changed_writes_no_deck_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _notes(tmp_path / "notes")
    first = _build()
    assert first == [
        "out/Algebra.apkg: Algebra — 30 cards (0 skipped, 0 warnings)",
        "out/Geometry.apkg: Geometry — 30 cards (0 skipped, 0 warnings)",
    ]
    written = _files()
    again = _build()
    assert again == [line + UNCHANGED for line in first]
    assert _files() == written  # the very same files: not even their times changed
    assert sorted(p.name for p in Path("out").iterdir()) == ["Algebra.apkg", "Geometry.apkg"]


def test_only_the_edited_files_deck_is_rewritten_as_a_full_build_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notes = _notes(tmp_path / "notes")
    _build()
    before = _files()
    edited = notes / "geometry.md"
    edited.write_text(
        edited.read_text("utf-8").replace("rule 3?\n\nIt says", "rule 3?\n\nIt now says"), "utf-8"
    )
    lines = _build()
    assert lines[0].endswith(UNCHANGED) and not lines[1].endswith(UNCHANGED)
    after = _files()
    assert after["Algebra.apkg"] == before["Algebra.apkg"]
    assert after["Geometry.apkg"][2] != before["Geometry.apkg"][2]
    _build("--no-cache", output="full")
    assert {name: content for name, (_, _, content) in _files("full").items()} == {
        name: content for name, (_, _, content) in after.items()
    }


def test_a_deleted_or_altered_deck_file_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _notes(tmp_path / "notes")
    _build()
    good = (tmp_path / "out" / "Algebra.apkg").read_bytes()
    target = tmp_path / "out" / "Algebra.apkg"
    target.unlink()
    assert not _build()[0].endswith(UNCHANGED)
    assert target.read_bytes() == good
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0xFF  # same size, one byte different
    target.write_bytes(bytes(damaged))
    assert not _build()[0].endswith(UNCHANGED)
    assert target.read_bytes() == good
    os.utime(target, (1, 1))  # only the time differs: the bytes are what a build writes
    assert _build()[0].endswith(UNCHANGED)
    assert target.stat().st_mtime == 1


def test_without_the_cache_every_deck_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _notes(tmp_path / "notes")
    _build()
    inode = (tmp_path / "out" / "Algebra.apkg").stat().st_ino
    assert not any(line.endswith(UNCHANGED) for line in _build("--no-cache"))
    assert (tmp_path / "out" / "Algebra.apkg").stat().st_ino != inode


def test_another_time_or_another_ankigen_writes_the_deck_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _notes(tmp_path / "notes")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")
    _build()
    assert all(line.endswith(UNCHANGED) for line in _build())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000001")  # every note and the deck get a new time
    assert not any(line.endswith(UNCHANGED) for line in _build())
    monkeypatch.setattr(cache, "renderer_fingerprint", lambda: "another ankigen")  # what writes decks
    assert not any(line.endswith(UNCHANGED) for line in _build())


def test_a_deck_too_large_to_hold_is_streamed_and_still_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notes = _notes(tmp_path / "notes")
    monkeypatch.setattr(deckfile, "HELD_CHARS", 500)  # every deck streams into its collection
    _build("--no-cache", output="held-not")
    monkeypatch.setattr(deckfile, "HELD_CHARS", 10**9)
    _build("--no-cache", output="held")
    assert _files("held-not") != {} and {n: c for n, (_, _, c) in _files("held-not").items()} == {
        n: c for n, (_, _, c) in _files("held").items()
    }
    monkeypatch.setattr(deckfile, "HELD_CHARS", 500)
    _build()
    written = _files()
    assert all(line.endswith(UNCHANGED) for line in _build())
    assert _files() == written
    edited = notes / "algebra.md"
    edited.write_text(edited.read_text("utf-8") + "\n## One more?\n\nYes.\n", "utf-8")
    assert [line.endswith(UNCHANGED) for line in _build()] == [False, True]


def test_the_lock_and_removed_notes_behave_as_in_a_full_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "project"
    shutil.copytree(SEEDS, work / "seeds", ignore=shutil.ignore_patterns("ankigen.lock"))
    shutil.copy2(REPO / "ankigen.toml", work / "ankigen.toml")
    monkeypatch.chdir(work)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")

    def build() -> list[str]:
        result = run("build")
        assert result.exit_code == 0, result.output
        return result.stdout.splitlines()

    build()  # writes the decks and the lock
    lock = (work / "ankigen.lock").read_text("utf-8")
    assert all(line.endswith(UNCHANGED) for line in build())
    assert (work / "ankigen.lock").read_text("utf-8") == lock
    (qa,) = (work / "seeds").glob("000_*.txt")
    text = qa.read_text("utf-8")
    first = text.index("Q:", 1)  # the first question leaves the notes
    qa.write_text(text[first:], "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000100")
    lines = build()
    assert [line.endswith(UNCHANGED) for line in lines].count(False) == 1
    assert "Interview-Q-A" in next(line for line in lines if not line.endswith(UNCHANGED))
    carried = (work / "ankigen.lock").read_text("utf-8")
    assert carried != lock and '"removed": 1900000100' in carried
    assert all(line.endswith(UNCHANGED) for line in build())  # the removed note is carried as it was
    assert (work / "ankigen.lock").read_text("utf-8") == carried
    shutil.rmtree(work / "output")
    again = build()
    assert not any(line.endswith(UNCHANGED) for line in again)
    result = run("build", "--no-cache", "-o", "full")
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in (work / "output").iterdir()} == {
        p.name: p.read_bytes() for p in (work / "full").iterdir()
    }


def _run(*args: str) -> tuple[int, str, str]:
    result = run(*args)
    return result.exit_code, result.stdout, result.stderr


def test_a_build_with_the_same_inputs_says_what_the_last_one_said_without_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notes = _notes(tmp_path / "notes")
    (notes / "warned.md").write_text("# Warned\n\n## Empty?\n\n## Twice?\n\nA.\n\n## Twice?\n\nB.\n", "utf-8")
    (notes / "broken.md").write_bytes(b"# Broken\n\n## Binary?\n\n\x00\x01\n")
    first = _run("build", "notes", "-o", "out")
    assert first[0] == 0 and "duplicate-question" in first[2] and "binary-file" in first[2]
    second = _run("build", "notes", "-o", "out")
    assert second[1] == "".join(line + UNCHANGED + "\n" for line in first[1].splitlines())

    def nothing_is_built(*args: object, **kwargs: object) -> object:
        raise AssertionError("the notes were read, rendered or packaged again")

    with monkeypatch.context() as patched:
        patched.setattr("ankigen.build.collect", nothing_is_built)
        patched.setattr(deckfile.DeckFile, "finish", nothing_is_built)
        third = _run("build", "notes", "-o", "out")
    assert third == second
    with monkeypatch.context() as patched:  # a deck file altered: the build is made again
        patched.setattr("ankigen.build.collect", nothing_is_built)
        (tmp_path / "out" / "Warned.apkg").write_bytes(b"not a deck")
        with pytest.raises(AssertionError, match="read, rendered or packaged again"):
            run("build", "notes", "-o", "out")
    assert _run("build", "notes", "-o", "out")[1].count(UNCHANGED) == 2


def test_any_changed_input_builds_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    notes = _notes(tmp_path / "notes")
    _build()
    algebra = notes / "algebra.md"
    os.utime(algebra, (2_000_000_000, 2_000_000_000))  # the deck's time follows its files' times
    assert [line.endswith(UNCHANGED) for line in _build()] == [False, True]
    assert [line.endswith(UNCHANGED) for line in _build()] == [True, True]
    (notes / "calculus.md").write_text("# Calculus\n\n## What is a limit?\n\nA value.\n", "utf-8")
    assert "out/Calculus.apkg: Calculus — 1 card (0 skipped, 0 warnings)" in _build()
    (tmp_path / "ankigen.toml").write_text('[[deck]]\nname = "All"\nsources = ["notes/*.md"]\n', "utf-8")
    assert _build() == ["out/All.apkg: All — 61 cards (0 skipped, 0 warnings)"]


def test_a_deck_naming_an_image_is_never_taken_on_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notes = _notes(tmp_path / "notes")
    (notes / "picture.md").write_text("# Picture\n\n## What is shown?\n\n![dot](dot.png)\n", "utf-8")
    (notes / "dot.png").write_bytes(b"\x89PNG first")
    _build()
    picture = "out/Picture.apkg: Picture — 1 card (0 skipped, 0 warnings)"
    assert picture + UNCHANGED in _build()
    (notes / "dot.png").write_bytes(b"\x89PNG second")  # the same note, another image
    assert picture in _build()
    _build("--no-cache", output="full")
    assert (tmp_path / "full" / "Picture.apkg").read_bytes() == (
        tmp_path / "out" / "Picture.apkg"
    ).read_bytes()


def test_a_deleted_lock_is_written_again(project: Path) -> None:
    assert run("build").exit_code == 0
    lock = (project / "ankigen.lock").read_text("utf-8")
    assert all(line.endswith(UNCHANGED) for line in run("build").stdout.splitlines())
    (project / "ankigen.lock").unlink()
    assert run("build").exit_code == 0
    assert (project / "ankigen.lock").read_text("utf-8") == lock


def test_the_single_apkg_is_rewritten_only_with_its_decks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notes = _notes(tmp_path / "notes")
    (notes / "ankigen.toml").write_text('single_apkg = "all.apkg"\n', "utf-8")
    assert _build()[-1] == "out/all.apkg: 2 decks — 60 cards"
    bundle = _files()["all.apkg"]
    assert _build()[-1] == "out/all.apkg: 2 decks — 60 cards" + UNCHANGED
    assert _files()["all.apkg"] == bundle
    edited = notes / "algebra.md"
    edited.write_text(edited.read_text("utf-8").replace("rule 3?", "rule three?"), "utf-8")
    assert _build()[-1] == "out/all.apkg: 2 decks — 60 cards"
    _build("--no-cache", output="full")
    assert (tmp_path / "full" / "all.apkg").read_bytes() == (tmp_path / "out" / "all.apkg").read_bytes()


def test_the_build_after_one_that_wrote_the_lock_says_what_a_full_build_says(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")
    assert run("build").exit_code == 0  # writes the lock
    (qa,) = (project / "seeds").glob("000_*.txt")
    qa.write_text(qa.read_text("utf-8").replace("Explain Batch Normalization", "Explain batch norm"), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000100")
    assert run("build").exit_code == 0  # a reworded note: its new time goes into the lock
    lock = (project / "ankigen.lock").read_text("utf-8")

    def nothing_is_built(*args: object, **kwargs: object) -> object:
        raise AssertionError("the notes were read, rendered or packaged again")

    with monkeypatch.context() as patched:  # the next build is the one this lock gives
        patched.setattr("ankigen.build.collect", nothing_is_built)
        again = _run("build")
    full = _run("build", "--no-cache")  # what a build from this lock says (writing every deck)
    assert again[0] == full[0] == 0 and again[2] == full[2]
    assert again[1] == "".join(line + UNCHANGED + "\n" for line in full[1].splitlines())
    assert (project / "ankigen.lock").read_text("utf-8") == lock


def test_a_settled_file_is_read_once_a_racy_or_rewritten_one_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rebuild._file`` takes a file's digest again while its identity and times are unchanged,
    for files last changed over two seconds before; a rewrite (same size, same mtime) is seen."""
    from ankigen import rebuild

    opened: list[str] = []
    real_open = Path.open

    def counting_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "rb":  # a read (writing the files opens them too)
            opened.append(self.name)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    settled, racy = tmp_path / "settled.md", tmp_path / "racy.md"
    settled.write_text("aaa")
    racy.write_text("aaa")
    os.utime(settled, (1_700_000_000, 1_700_000_000))
    monkeypatch.setattr(rebuild, "_SETTLED_NS", -(10**18))  # the ctime of a file written now counts as old
    first = rebuild._file(settled)
    assert rebuild._file(settled) == first and opened == ["settled.md"]
    time.sleep(0.05)  # past the file clock's tick (at most 10 ms), which the guard stands for
    settled.write_text("bbb")  # same size; the time set back: only the ctime tells
    os.utime(settled, (1_700_000_000, 1_700_000_000))
    assert rebuild._file(settled) != first and opened == ["settled.md"] * 2
    monkeypatch.setattr(rebuild, "_SETTLED_NS", 2_000_000_000)
    rebuild._file(racy)
    rebuild._file(racy)
    assert opened.count("racy.md") == 2
