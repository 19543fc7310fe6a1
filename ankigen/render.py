"""Card text → HTML for Anki (stub: to be replaced by the full renderer)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import markdown

from ankigen.model import Card, Diagnostic


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


def render_text(text: str, markup: str) -> str:
    """Render one field's text to HTML."""
    if markup == "plain":
        return html.escape(text).replace("\n", "<br>")
    return markdown.markdown(text, extensions=["fenced_code", "tables"])


def render_card(card: Card, root: Path) -> RenderedCard:
    """Render ``card``; local media must lie inside ``root``."""
    return RenderedCard(
        front_html=render_text(card.front, card.markup),
        back_html=render_text(card.back, card.markup),
        context_html=html.escape(" › ".join(card.context)),
    )
