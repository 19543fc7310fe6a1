"""Parser stub for the markdown format (to be replaced)."""

from __future__ import annotations

from ankigen.model import ParseResult


def parse(text: str, path: str) -> ParseResult:
    """Parse `text` from `path` into cards."""
    return ParseResult()
