"""Python-Markdown's inline patterns, tried only on fields that contain what they look for.

Python-Markdown tries every inline pattern on every piece of text. Most card fields contain no
``[``, ``<``, ``&`` or backtick, so most of those tries are wasted. This extension looks at
each field once, before inline processing, and gives the inline processor only the patterns
whose trigger text occurs in it. A pattern cannot match text without its trigger, so the HTML
is the same as with every pattern; patterns this module does not know are always kept.
"""

from __future__ import annotations

from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

TRIGGERS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("[",),
    "image_reference": ("[",),
    "short_reference": ("[",),
    "short_image_ref": ("[",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
    "delimiter": ("==",),  # pymdownx.mark's ==mark==
}
"""Text each inline pattern (Python-Markdown's defaults and pymdownx.mark's) needs in order to match."""


class _SelectPatterns(Preprocessor):  # type: ignore[misc]
    """Hand the inline processor the patterns this field can use (runs after tab expansion)."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._chosen: dict[frozenset[str], tuple[Any, ...]] = {}

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        absent = frozenset(name for name, needles in TRIGGERS.items() if not any(n in text for n in needles))
        patterns = self._chosen.get(absent)
        if patterns is None:
            registry = self.md.inlinePatterns
            skip = {registry.get_index_for_name(name) for name in absent if name in registry}
            patterns = tuple(pattern for at, pattern in enumerate(registry) if at not in skip)
            self._chosen[absent] = patterns
        self.md.treeprocessors["inline"].inlinePatterns = patterns
        return lines


class InlineTriggersExtension(Extension):  # type: ignore[misc]
    """Register the pattern selection right after whitespace normalisation."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.preprocessors.register(_SelectPatterns(md), "select_inline_patterns", 29)
