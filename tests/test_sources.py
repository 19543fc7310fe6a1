"""Reading sources robustly and detecting their note format from content."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from conftest import CORPUS, seed

from ankigen.sources import (
    decode,
    detect_format,
    display_path,
    find_sources,
    forget_paths,
    read_source,
    resolved,
)


def test_utf8_with_bom_and_crlf_is_clean_text() -> None:
    source = decode(codecs.BOM_UTF8 + "Q: café?\r\nA: crème\r\n".encode(), "a.txt")
    assert source.text == "Q: café?\nA: crème\n" and source.diagnostics == []


def test_utf16_with_bom() -> None:
    source = decode("Q: naïve?\r\nA: yes\r\n".encode("utf-16"), "a.txt")
    assert source.text == "Q: naïve?\nA: yes\n" and source.diagnostics == []


def test_cp1252_fallback_warns_at_the_first_bad_line() -> None:
    source = decode("Q: ok\nA: café crème — “quoted”\n".encode("cp1252"), "a.txt")
    assert source.text == "Q: ok\nA: café crème — “quoted”\n"
    (warning,) = source.diagnostics
    assert (warning.path, warning.line, warning.severity, warning.rule) == ("a.txt", 2, "warning", "encoding")


def test_binary_and_empty_files() -> None:
    binary = decode(b"PK\x03\x04\x00\x00", "b.txt")
    assert binary.text is None and [d.rule for d in binary.diagnostics] == ["binary-file"]
    empty = decode(b" \n\r\n", "e.md")
    assert empty.text is None and [d.rule for d in empty.diagnostics] == ["empty-file"]


def test_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    source = read_source(tmp_path / "gone.md")
    assert source.text is None and source.diagnostics[0].rule == "read-error"


def test_find_sources_recurses_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("a.md", "sub/b.txt", "sub/c.markdown", ".git/d.md", "e.png", "sub/.hidden/f.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in find_sources([tmp_path])]
    assert found == ["a.md", "sub/b.txt", "sub/c.markdown"]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("000", "qa"), ("001", "markdown"), ("002", "markdown"), ("003", "markdown"), ("004", "questionnaire")],
)
def test_detects_seed_formats(prefix: str, expected: str) -> None:
    assert detect_format(seed(prefix).read_text("utf-8")) == expected


# A plain-text FAQ numbered "1. Question?" with indented answers is read as a numbered questionnaire.
NUMBERED_FAQS = {"Azure__WALinuxAgent__FAQ.txt"}


@pytest.mark.corpus
@pytest.mark.parametrize(("folder", "count"), [("qa", 15), ("markdown", 36), ("questionnaire", 25)])
def test_detects_corpus_formats(folder: str, count: int) -> None:
    # Every file, variants included: numbered questionnaires without `---` are questionnaires too.
    files = sorted((CORPUS / folder).iterdir())
    assert len(files) == count
    wrong = [
        f.name
        for f in files
        if detect_format(f.read_text("utf-8", errors="replace"))
        != ("questionnaire" if f.name in NUMBERED_FAQS else folder)
    ]
    assert wrong == []


def test_resolved_is_path_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "real" / "deep" / "a.md").write_text("x", "utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "b.md").symlink_to(tmp_path / "real" / "deep" / "a.md")
    (tmp_path / "real" / "up").symlink_to(tmp_path / "real" / "deep")
    monkeypatch.chdir(tmp_path / "linked")
    paths = [
        Path("deep/a.md"),
        Path("b.md"),
        Path("up/../b.md"),
        Path("missing/c.md"),
        tmp_path / "linked" / "deep" / "a.md",
        tmp_path / "linked" / "up" / ".." / "deep",
        Path("."),
        Path("/"),
    ]
    forget_paths()
    assert [resolved(path) for path in paths] == [path.resolve() for path in paths]
    (tmp_path / "real" / "b.md").unlink()
    (tmp_path / "real" / "b.md").write_text("now a file", "utf-8")
    forget_paths()  # a new build sees the tree as it is then
    assert resolved(Path("b.md")) == tmp_path.resolve() / "real" / "b.md"


def test_display_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "work" / "notes").mkdir(parents=True)
    (tmp_path / "workshop").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "work")
    monkeypatch.chdir(tmp_path / "link")
    forget_paths()
    assert display_path(Path("notes/a.md")) == "notes/a.md"
    assert display_path(tmp_path / "work" / "notes" / "a.md") == "notes/a.md"
    assert display_path(tmp_path / "workshop" / "b.md") == "../workshop/b.md"  # not under "work"
    assert display_path(Path(".")) == "."
    assert display_path(tmp_path / "c.md") == "../c.md"


def _rglob_sources(folder: Path) -> list[Path]:
    """What ``find_sources`` found when it walked a folder with ``Path.rglob``."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (".md", ".markdown", ".txt")
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def test_find_sources_walks_as_rglob_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes"
    for name in [
        "a.md",
        "B.MD",
        "c.txt",
        "d.markdown",
        "e.py",
        "f.",
        ".g.md",
        "sub/h.md",
        "sub/.hidden/i.md",
    ]:
        (notes / name).parent.mkdir(parents=True, exist_ok=True)
        (notes / name).write_text("x", "utf-8")
    (notes / "folder.md").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "j.md").write_text("x", "utf-8")
    (notes / "linked").symlink_to(tmp_path / "elsewhere")  # a symlinked folder is not entered
    (notes / "k.md").symlink_to(tmp_path / "elsewhere" / "j.md")  # a symlinked file is a note
    (notes / "broken.md").symlink_to(tmp_path / "missing.md")
    monkeypatch.chdir(tmp_path)
    for folder in (notes, Path("notes"), Path("notes/sub"), Path(".")):
        assert find_sources([folder]) == _rglob_sources(folder), folder
    assert [p.name for p in find_sources([notes])] == ["B.MD", "a.md", "c.txt", "d.markdown", "k.md", "h.md"]


def test_every_control_character_is_found_and_removed_and_nothing_else() -> None:
    """The bytes check before decoding agrees with the character class it stands for: every
    control character but tab and line ends is removed with a warning, at its line; ``©`` (whose
    UTF-8 starts like a C1 control's) and CRLF line ends are kept without one."""
    from ankigen.sources import decode

    for code in [*range(1, 0x20), *range(0x7F, 0xA0)]:
        char = chr(code)
        found = decode(f"# T\n\n## Q?\n\nA{char}b\n".encode(), "n.md")
        if char in "\t\n\r":
            assert not found.diagnostics, code
            continue
        assert found.text is not None and char not in found.text and "Ab" in found.text, code
        assert [(d.rule, d.line) for d in found.diagnostics] == [("control-character", 5)], code
    plain = decode("# T\r\n\r\n## Q?\r\n\r\n© 2024 é\r\n".encode(), "n.md")
    assert plain.text == "# T\n\n## Q?\n\n© 2024 é\n" and not plain.diagnostics
