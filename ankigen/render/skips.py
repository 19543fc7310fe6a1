"""Python-Markdown preprocessors skipped on text they cannot change.

Fenced code needs a fence (three backticks or tildes); the raw-HTML extractor changes only text
with a ``<`` (a tag, comment…) or a ``&`` (it rewrites entity references). Most card fields have
neither, and both preprocessors cost a pass over every line of every field. Each is wrapped here
so that it runs only on text containing what it looks for: on other text it would return the
lines unchanged, so the HTML is the same.
"""

from __future__ import annotations

from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

NEEDS: dict[str, tuple[float, tuple[str, ...]]] = {
    "fenced_code_block": (25, ("```", "~~~")),  # pymdownx.superfences
    "html_block": (20, ("<", "&")),  # md_in_html's raw-HTML extractor
}
"""Preprocessor name → its priority and the text one of which a field must contain for it to
change anything."""


class _Gated(Preprocessor):  # type: ignore[misc]
    """``inner``, run only on text containing one of ``needles``; its other attributes are the
    inner one's (pymdownx.superfences reads its preprocessor's settings by name)."""

    def __init__(self, inner: Preprocessor, needles: tuple[str, ...]) -> None:
        super().__init__(inner.md)
        self.inner = inner
        self.needles = needles

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if any(needle in text for needle in self.needles):
            changed: list[str] = self.inner.run(lines)
            return changed
        return lines

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (a copy being made): no attribute to hand on
            raise AttributeError(name)
        return getattr(self.inner, name)


class SkipIdleExtension(Extension):  # type: ignore[misc]
    """Gate the preprocessors of :data:`NEEDS` (load it after the extensions that register them)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        for name, (priority, needles) in NEEDS.items():
            md.preprocessors.register(_Gated(md.preprocessors[name], needles), name, priority)
