"""Plain data passed between the stages: cards, diagnostics, parse results and rendered cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
Markup = Literal["markdown", "plain"]


@dataclass(frozen=True)
class Diagnostic:
    """A problem found in a source, located at ``path:line[:col]``."""

    path: str
    line: int
    severity: Severity
    rule: str
    message: str
    col: int | None = None

    def format(self) -> str:
        """Render as ``path:line[:col]: severity: message [rule]``."""
        where = f"{self.path}:{self.line}" + (f":{self.col}" if self.col else "")
        return f"{where}: {self.severity}: {self.message} [{self.rule}]"

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by file, line, column, rule."""
        return (self.path, self.line, self.col or 0, self.rule)


@dataclass(frozen=True)
class Card:
    """One question/answer pair as written in a source file.

    ``front`` and ``back`` hold the author's text (Markdown, or plain text when
    ``markup == "plain"``); ``line``/``end_line`` are the 1-based span of the card
    in ``source``; ``back_line`` is the line where ``back`` starts (so a problem at
    offset *n* inside ``back`` is at ``back_line + n``); ``context`` holds the
    enclosing section titles, outermost first, as plain text (from every parser alike,
    see :func:`ankigen.parsers.common.context_title`).
    """

    front: str
    back: str
    line: int
    end_line: int = 0
    back_line: int = 0
    source: str = ""
    context: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    deck: str = ""
    markup: Markup = "markdown"
    key: str = ""


@dataclass(frozen=True)
class MediaFile:
    """A local file packaged with the deck under a content-hash ``name``."""

    name: str
    path: Path


@dataclass(frozen=True)
class RenderedCard:
    """The HTML of one card's fields, the media it uses and rendering diagnostics."""

    front_html: str
    back_html: str
    context_html: str
    media: tuple[MediaFile, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    images: tuple[tuple[str, str], ...] = ()
    """Each local image ``src`` the HTML depends on, with what it was: see ``ImageRef.state``."""


@dataclass
class ParseResult:
    """What a parser returns: cards, diagnostics, the document title and how many questions it skipped."""

    cards: list[Card] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    title: str | None = None
    skipped: int = 0
