"""Helpers every parser shares: headings, list numbers, sections, snippets and orphan-text warnings.

Each idea lives here once, so the parsers read headings, numbers and sections the same way.
"""

from __future__ import annotations

import re

from ankigen import rules
from ankigen.model import Diagnostic
from ankigen.parsers.md_text import front_of, without_symbols

SNIPPET = 80  # characters of a line quoted in a diagnostic
_MAX_NUMBER_DIGITS = 9
_CLOSING_HASHES = re.compile(r"(?:^|\s+)#+\s*$")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")  # a code fence line; group 1 is its run of ` or ~
_TAB = 4


def indent_width(line: str) -> int:
    """The width of ``line``'s leading spaces and tabs (a tab advances to the next multiple of four)."""
    s = line.lstrip(" \t")
    return len(line[: len(line) - len(s)].expandtabs(_TAB))


def closes_fence(line: str, fence: str) -> bool:
    """Whether ``line`` closes the code fence opened by the run ``fence`` (```` ``` ````, ``~~~~``):
    the same character at least as many times, and nothing else on the line."""
    m = FENCE.match(line)
    return (
        m is not None
        and m.group(1)[0] == fence[0]
        and len(m.group(1)) >= len(fence)
        and not line.strip().strip(fence[0])
    )


def is_blank(line: str) -> bool:
    """A line of nothing but whitespace."""
    return not line.strip()


def snippet(text: str) -> str:
    """First line of ``text``, shortened for a diagnostic message."""
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= SNIPPET else first[:SNIPPET] + "…"


def orphan_text(path: str, line: int, text: str) -> Diagnostic | None:
    """The warning for a paragraph outside any card at 1-based ``line``, unless it holds no letters or
    digits at all (a row of ``***``, a lone ``|``)."""
    if not any(ch.isalnum() for ch in text):
        return None
    return rules.ORPHAN_TEXT.at(path, line, f"text outside any question/answer is ignored: {snippet(text)}")


def list_number(text: str) -> str | None:
    """The text after a leading ``12.``/``1)`` list number (ASCII digits, at most nine, then a space, a
    tab or the end), or ``None`` when ``text`` does not start with one (leading blanks allowed)."""
    s = text.lstrip(" \t")
    j = 0
    while j < len(s) and j <= _MAX_NUMBER_DIGITS and s[j].isascii() and s[j].isdigit():
        j += 1
    if not 0 < j <= _MAX_NUMBER_DIGITS or j == len(s) or s[j] not in ".)":
        return None
    if j + 1 < len(s) and s[j + 1] not in " \t":
        return None
    return s[j + 1 :].lstrip(" \t")


def atx_heading(line: str) -> tuple[int, str] | None:
    """``(level, title)`` when ``line`` is an ATX heading as CommonMark writes it: at most 3 spaces in
    (no tab), one to six ``#`` then a space, a tab or the end; a closing ``###`` sequence is dropped."""
    s = line.lstrip(" \t")
    indent = line[: len(line) - len(s)]
    if "\t" in indent or len(indent) > 3:
        return None
    level = 0
    while level < len(s) and level < 7 and s[level] == "#":
        level += 1
    if not 1 <= level <= 6 or (level < len(s) and s[level] not in " \t"):
        return None
    title = s[level:].strip()
    bare = title.rstrip("#")
    if bare != title and (not bare or bare[-1] in " \t"):
        title = bare.strip()  # a closing "###" sequence
    return level, title


def loose_atx_heading(line: str) -> tuple[int, str] | None:
    """``(level, title)`` when ``line`` is an ATX heading as Python-Markdown (the renderer) reads it:
    one to six ``#`` in column 0, no space needed after them; more ``#`` and a closing sequence are
    dropped from the title. A bare ``####`` gives an empty title; ``None`` when ``line`` is no heading.
    """
    level = 0
    while level < len(line) and level < 6 and line[level] == "#":
        level += 1
    if not level:
        return None
    raw = line[level:]
    text = raw.strip()
    stripped = _CLOSING_HASHES.sub("", text).strip()
    title = (stripped or text).lstrip("#").strip()
    if not title and raw.strip(" \t#"):
        return None
    return level, title


def context_title(heading: str) -> str:
    """A heading's text as plain text, the one dialect of ``Card.context`` and of a document title.

    Numbering, a wholly bold wrap and trailing source links go (as from a card front); links become
    their text; ``**``/``__``/backtick marks, emoji (also ``:robot:`` shortcodes) and backslash escapes
    are removed; runs of whitespace become one space.
    """
    text = front_of(heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r":[a-z0-9_+-]+:", "", text)  # GitHub emoji shortcodes such as :robot:
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)  # Markdown backslash escapes
    text = " ".join(text.split())
    return without_symbols(text).strip() or text.strip()


class Sections:
    """The document title and the stack of headings above the current line: a heading closes those at
    its level or deeper. Titles are kept as :func:`context_title` gives them."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self.title: str | None = None

    def heading(self, level: int, text: str, at_top: bool) -> None:
        """A heading outside cards: the document's title when it is the first one ``at_top`` of the
        document (each parser says what that means), else a section."""
        if at_top and self.title is None:
            self.title = context_title(text)
        else:
            self.enter(level, text)

    def enter(self, level: int, title: str) -> None:
        """A heading of ``level`` starts a section titled ``title``."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, context_title(title)))

    def titles(self) -> tuple[str, ...]:
        """The open sections' titles, outermost first (a card's ``context``)."""
        return tuple(title for _, title in self._stack)
