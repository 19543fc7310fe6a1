"""Find source files, read them robustly and detect their note format from content."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ankigen import rules
from ankigen.model import Diagnostic

SOURCE_SUFFIXES = (".md", ".markdown", ".txt")
_SNIFF_BYTES = 8192

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_C0_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
"""The bytes of :data:`_CONTROL`'s characters below U+0080 in UTF-8, but carriage return."""
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
"""U+0080-U+009F in UTF-8."""
"""Control characters but tab and newline (``\\r`` is gone by the time this is used)."""


@dataclass
class SourceText:
    """A decoded source: its text (``\\n`` line endings, no BOM) or ``None`` if unusable."""

    path: str
    text: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


_RESOLVED: dict[str, str] = {}
"""Absolute path → resolved path, for this build (:func:`forget_paths`)."""
_RESOLVED_PATHS: dict[str, Path] = {}


def resolved(path: Path) -> Path:
    """``path.resolve()``, with each folder resolved once a build: a file that is not a symlink
    is its resolved folder's entry (one ``lstat``, instead of one per part of its path)."""
    absolute = os.path.join(os.getcwd(), path)
    found = _RESOLVED_PATHS.get(absolute)
    if found is None:
        found = _RESOLVED_PATHS[absolute] = Path(_real(absolute))
    return found


def _real(path: str) -> str:
    found = _RESOLVED.get(path)
    if found is None:
        folder, name = os.path.split(path)
        if name in ("", ".", "..") or folder == path or os.path.islink(path):
            found = os.path.realpath(path)
        else:
            found = os.path.join(_real(folder), name)
        _RESOLVED[path] = found
    return found


def forget_paths() -> None:
    """Resolve paths afresh from now on (each build sees the tree as it is when it starts)."""
    _RESOLVED.clear()
    _RESOLVED_PATHS.clear()


def display_path(path: Path) -> str:
    """The POSIX path relative to the working directory (``../x`` above it) when possible (bytes
    of a file name that are not UTF-8 shown as U+FFFD)."""
    real, here = str(resolved(path)), str(resolved(Path.cwd()))
    inside = here.rstrip(os.sep) + os.sep
    try:
        # A file under the working directory (the usual case) is the rest of its path.
        shown = Path(
            real[len(inside) :] if real.startswith(inside) else os.path.relpath(real, here)
        ).as_posix()
    except ValueError:  # another drive on Windows
        shown = path.as_posix()
    return text_name(shown)


def text_name(name: str) -> str:
    """A file name as text: the bytes that are not UTF-8 (kept by Python as lone surrogates) → U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def find_sources(paths: Iterable[Path]) -> list[Path]:
    """Expand files and directories (recursively) into a sorted list of note files."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(_notes_in(path))
        else:
            found.add(path)
    return sorted(found)


def _notes_in(folder: Path) -> Iterable[Path]:
    """The note files under ``folder``, at any depth, as ``folder.rglob`` finds them (symlinked
    folders are not entered), but none under a hidden folder or hidden themselves."""
    for parent, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in SOURCE_SUFFIXES:
                continue
            path = os.path.join(parent, name)
            if os.path.isfile(path):
                yield Path(path)


def decode(data: bytes, path: str) -> SourceText:
    """Decode bytes: UTF-8 (with or without BOM), UTF-16 with BOM; a line that is not UTF-8 as cp1252,
    with a warning at it; control characters removed, with a warning."""
    diagnostics: list[Diagnostic] = []
    clean = False  # known to hold no control character
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        if b"\x00" in data[:_SNIFF_BYTES]:
            return SourceText(path, None, [rules.BINARY_FILE.at(path, 1, "binary file, not notes")])
        try:
            text = data.decode("utf-8")
            clean = not _utf8_controls(data)  # the common case, checked on the bytes: 4x faster
        except UnicodeDecodeError:
            text = _decode_lines(data, path, diagnostics)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not clean:
        text = _strip_controls(text, path, diagnostics)
    if not text.strip():
        return SourceText(path, None, diagnostics + [rules.EMPTY_FILE.at(path, 1, "empty file, no cards")])
    return SourceText(path, text, diagnostics)


def _utf8_controls(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds a character :func:`_strip_controls` removes (a carriage return
    does not count: line ends are made ``\\n`` first)."""
    if len(data.translate(None, _C0_BYTES)) != len(data):
        return True
    return b"\xc2" in data and _C1_UTF8.search(data) is not None


def _decode_lines(data: bytes, path: str, diagnostics: list[Diagnostic]) -> str:
    """Decode UTF-8 line by line: a line that is not UTF-8 is Windows-1252, with a warning at it."""
    decoded = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            decoded.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(raw.decode("cp1252", errors="replace"))
            message = "line is not valid UTF-8; decoded as Windows-1252 (cp1252); save the file as UTF-8"
            diagnostics.append(rules.ENCODING.at(path, number, message))
    return "\n".join(decoded)


def _strip_controls(text: str, path: str, diagnostics: list[Diagnostic]) -> str:
    """``text`` without control characters (but tab and newline), with a warning at each line that had any.

    Anki separates a note's fields with U+001F, so one in a field makes it refuse the whole deck.
    """
    if not _CONTROL.search(text):
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        found = sorted(set(_CONTROL.findall(line)))
        if found:
            shown = ", ".join(f"U+{ord(c):04X}" for c in found)
            diagnostics.append(
                rules.CONTROL_CHARACTER.at(path, number, f"removed control characters {shown}")
            )
            lines[number - 1] = _CONTROL.sub("", line)
    return "\n".join(lines)


def read_source(path: Path) -> SourceText:
    """Read and decode one source file; problems become diagnostics, never exceptions."""
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SourceText(
            shown,
            None,
            [rules.READ_ERROR.at(shown, 1, f"cannot read file: {exc.strerror or exc}")],
        )
    return decode(data, shown)


def detect_format(text: str) -> str:
    """Guess the note format of ``text``: ``qa``, ``questionnaire`` or ``markdown``.

    Each parser counts what it reads (its sniffer lives with it); the whole file is weighed here:
    ``---`` questionnaire items win; otherwise numbered question items (``1. What …?``),
    ``Q:``/``A:`` markers and headings are counted, and the layout that holds most of the file's
    questions wins.
    """
    from ankigen.parsers import markdown, numbered, qa, questionnaire  # only files not in the cache

    if questionnaire.count_items(text) >= 2:
        return "questionnaire"
    questions, answers = qa.count_markers(text)
    headings = markdown.count_headings(text)
    markers = max(questions, answers)  # FAQs may mark only questions, or only answers
    listed = numbered.count_questions(text)
    if listed >= 3 and listed > questions and listed >= 2 * headings:
        return "questionnaire"
    if (answers or questions >= 3) and markers and 2 * markers >= headings:
        return "qa"
    return "markdown"
