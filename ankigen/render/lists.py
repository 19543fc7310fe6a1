"""Lists as people write them: nested by 2 or 4 spaces, right under a line of text, or indented.

Python-Markdown wants a blank line before a list and exactly one indentation unit per level.
``mdx_breakless_lists`` supplies the blank line and ``mdx_truly_sane_lists`` (2-space unit) the
nesting; this module registers the former after fenced code is stashed (so no code ever gains a
line) and re-indents list blocks to the 2-space unit by the CommonMark idea of nesting: an item
indented at least two columns more than the item above it is that item's child.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mdx_breakless_lists.mdx_breakless_lists import BreaklessListsProcessor

_ITEM = re.compile(r"^( *)(?:[*+-]|\d+\.)[ \t]+\S")
_UNIT = 2  # the nested_indent given to mdx_truly_sane_lists


@dataclass
class _Open:
    indent: int  # column of the item's marker in the source


class _ListIndentation(Preprocessor):  # type: ignore[misc]
    """Re-indent list items and their continuation blocks to ``depth * 2`` spaces."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        stack: list[_Open] = []
        after_blank = True
        for raw in lines:
            line = raw.expandtabs(4)
            if not line.strip():
                out.append(raw)
                after_blank = True
                continue
            indent = len(line) - len(line.lstrip(" "))
            item = _ITEM.match(line)
            if item or (stack and after_blank):
                while stack and indent < stack[-1].indent + _UNIT:
                    stack.pop()
                depth = len(stack)
                if item:
                    stack.append(_Open(indent))
                    out.append(" " * (depth * _UNIT) + line.lstrip(" "))
                elif stack:
                    out.append(" " * (depth * _UNIT) + line.lstrip(" "))
                else:
                    out.append(raw)
            elif stack and indent:
                out.append(" " * (len(stack) * _UNIT) + line.lstrip(" "))  # lazy continuation line
            else:
                if after_blank:
                    stack.clear()
                out.append(raw)
            after_blank = False
        return out


class _BreaklessLists(BreaklessListsProcessor):  # type: ignore[misc]
    """mdx_breakless_lists, minus the extra blank line it adds where one already is."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = super().run(lines)
        return [line for i, line in enumerate(out) if line or i == 0 or out[i - 1] or i + 1 == len(out)]


class ListsExtension(Extension):  # type: ignore[misc]
    """Register the breakless-list and list-indentation preprocessors (use with truly_sane_lists)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API name)
        md.preprocessors.register(_BreaklessLists(md.parser), "breakless_lists", 22)
        md.preprocessors.register(_ListIndentation(md), "list_indentation", 21)
