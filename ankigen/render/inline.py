"""Python-Markdown's inline patterns, tried only on text that contains what they look for.

Python-Markdown tries every inline pattern on every piece of text (each paragraph, list item,
table cell, emphasis…). Most of them contain no ``[``, ``<``, ``&`` or backtick, so most of
those tries are wasted. This module's inline processor looks at each piece of text once and
tries on it only the patterns whose trigger text occurs in it. A pattern cannot match text
without its trigger, and a match only puts a placeholder (none of the triggers) in place of
text, so the triggers found at first are enough for the whole piece: the HTML is the same as
with every pattern. Patterns this module does not know are always tried.

It overrides a private method of Python-Markdown's ``InlineProcessor`` (``__handleInline``, the
loop over the patterns; its body is copied, plus the skip): pyproject pins the Markdown versions
it was checked against and ``tests/test_render_inline.py`` fails if that method changes.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from typing import Any

import markdown
from markdown import util
from markdown.extensions import Extension
from markdown.treeprocessors import InlineProcessor

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


_NEEDLES = tuple(dict.fromkeys(n for needles in TRIGGERS.values() for n in needles))
"""Every trigger once: a piece of text is judged by which of these it contains."""


class TriggeredInlineProcessor(InlineProcessor):  # type: ignore[misc]
    """Python-Markdown's inline processor, trying on each piece of text only the patterns it can match."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._registry: Any = None
        self._patterns: tuple[Any, ...] = ()
        self._tried: dict[tuple[bool, ...], tuple[bool, ...]] = {}

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        """Python-Markdown's ``run``, with the patterns taken from the registry once."""
        registry = self.inlinePatterns
        if registry is not self._registry or len(registry) != len(self._patterns):
            self._registry, self._patterns, self._tried = registry, tuple(registry), {}
        result: etree.Element = super().run(tree, ancestors)
        return result

    def _tried_for(self, found: tuple[bool, ...]) -> tuple[bool, ...]:
        """For each pattern, whether text containing the :data:`_NEEDLES` marked in ``found`` may match it."""
        present = {needle for needle, there in zip(_NEEDLES, found, strict=True) if there}
        tried = [True] * len(self._patterns)
        for name, needles in TRIGGERS.items():
            if name in self._registry:
                tried[self._registry.get_index_for_name(name)] = not present.isdisjoint(needles)
        self._tried[found] = tuple(tried)
        return self._tried[found]

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        """Python-Markdown's loop over the patterns from ``patternIndex``, skipping those whose
        triggers ``data`` lacks (its name is the private one it replaces)."""
        if isinstance(data, util.AtomicString):  # text no pattern applies to, kept as it is
            atomic: str = data
            return atomic
        found = tuple(needle in data for needle in _NEEDLES)
        tried = self._tried.get(found) or self._tried_for(found)
        patterns = self._patterns
        apply = self._InlineProcessor__applyPattern
        start = 0
        count = len(patterns)
        while patternIndex < count:
            if not tried[patternIndex]:
                patternIndex += 1
                start = 0
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


class InlineTriggersExtension(Extension):  # type: ignore[misc]
    """Replace Python-Markdown's inline processor with :class:`TriggeredInlineProcessor`."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.treeprocessors.register(TriggeredInlineProcessor(md), "inline", 20)
