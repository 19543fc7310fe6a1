"""The everyday loop at the CLI level (issue 12): the notes' root and the config found from the
notes, partial builds, diagnostics on stderr, ignores, and the hook and CI outputs."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from conftest import run

CONFIG = 'parent = "Study"\n\n[[deck]]\nname = "Math"\nsources = ["math/**/*.md"]\n'


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notes repository: ankigen.toml at its root, notes in sub-folders, one shared img/."""
    root = tmp_path / "notes"
    _write(root / "ankigen.toml", CONFIG)
    _write(root / "math" / "sub" / "q.md", "## What is e?\n\n![e](../../img/e.png)\n\nEuler's number.\n")
    _write(root / "math" / "algebra.md", "## What is a group?\n\nA set with an associative operation.\n")
    (root / "img").mkdir()
    (root / "img" / "e.png").write_bytes(_png())
    monkeypatch.chdir(root)
    return root


# 1. The notes' root is the tree of every command and the base of the stored Source path.


def test_check_of_one_file_uses_the_config_folder_as_its_tree(notes: Path) -> None:
    """The pre-commit hook's call: a note in math/sub/ may show ../../img/e.png."""
    result = run("check", "math/sub/q.md")
    assert result.exit_code == 0, result.output
    assert "media-outside-tree" not in result.output
    assert result.stderr.endswith("1 card in 1 deck; 0 errors, 0 warnings\n")


def test_source_path_and_deck_bytes_do_not_depend_on_the_working_folder(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    from_root = run("list", "--json", "math/sub/q.md")
    assert [card["source"] for card in json.loads(from_root.stdout)] == ["math/sub/q.md"]
    assert run("build", "-o", str(notes.parent / "a")).exit_code == 0
    monkeypatch.chdir(notes / "math" / "sub")
    from_sub = run("list", "--json", "q.md")
    assert [card["source"] for card in json.loads(from_sub.stdout)] == ["math/sub/q.md"]
    assert run("build", "-o", str(notes.parent / "b")).exit_code == 0
    first = (notes.parent / "a" / "Study--Math.apkg").read_bytes()
    assert first == (notes.parent / "b" / "Study--Math.apkg").read_bytes()


def test_without_config_the_named_folder_is_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "deck" / "part" / "a.txt", "Q: What is a tensor?\nA: An array.\n")
    monkeypatch.chdir(tmp_path)
    result = run("list", "--json", "deck")
    assert [card["source"] for card in json.loads(result.stdout)] == ["part/a.txt"]


# 2. The config is found from the notes upward, and the one used is named.


def test_build_from_a_sub_folder_uses_the_config_above(notes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(notes / "math")
    result = run("build", ".", "-o", str(notes / "out"))
    assert result.exit_code == 0, result.output
    assert "config: ../ankigen.toml\n" in result.stderr
    assert sorted(p.name for p in (notes / "out").iterdir()) == ["Study--Math.apkg"]
    assert result.stdout.startswith("../out/Study--Math.apkg: Study::Math — 2 cards")


def test_config_is_found_from_the_sources_not_the_working_folder(notes: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    import os

    os.chdir(elsewhere)
    result = run("list", "--json", str(notes / "math" / "algebra.md"))
    assert result.exit_code == 0, result.output
    assert [card["deck"] for card in json.loads(result.stdout)] == ["Study::Math"]
    assert "config: ../notes/ankigen.toml" in result.stderr


def test_no_notes_and_no_config_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("build")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no notes given and no ankigen.toml found")
    assert "cannot read" not in result.stderr and "Traceback" not in result.stderr


def test_sources_under_different_configs_are_a_usage_error(notes: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    _write(other / "ankigen.toml", '[[deck]]\nname = "O"\nsources = ["*.md"]\n')
    _write(other / "o.md", "## Q?\n\nA.\n")
    result = run("check", "math/algebra.md", str(other / "o.md"))
    assert result.exit_code == 2
    assert "different configurations (../other/ankigen.toml, ankigen.toml)" in result.stderr
