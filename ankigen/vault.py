"""Before parsing: a note's front matter and ``%%comments%%`` leave its text, and the syntax of
note-taking apps that gives no card content is reported where it is written.

Line numbers are kept: what is removed leaves its line breaks behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ankigen import rules
from ankigen.frontmatter import FrontMatter, split_front_matter
from ankigen.model import Diagnostic
from ankigen.scan import Covered, code_line_mask, scan_markdown

MEDIA_SUFFIXES = frozenset(
    [".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif", ".ico", ".tif", ".tiff"]
)
"""The images an ``![[embed]]`` may name; any other embed names a note (or a file Anki cannot show)."""

_COMMENT = re.compile(r"%%.*?%%", re.DOTALL)
_BLOCK_REFERENCE = re.compile(r"\s\^[A-Za-z0-9-]+[ \t]*$")
_LOGSEQ_PROPERTY = re.compile(r"^[ \t]*(?:[-*][ \t]+)?[A-Za-z][\w-]*::[ \t]+\S")
_DATAVIEW_FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*dataview(?:js)?\b", re.IGNORECASE)
EMBED = re.compile(r"!\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]*))?\]\](?![(\[])")
"""``![[target]]`` or ``![[target|size or alias]]`` (``![[x]](url)`` is a Markdown image)."""


@dataclass
class Prepared:
    """A source ready for its parser, the settings of its front matter and what was reported."""

    text: str
    front_matter: FrontMatter = field(default_factory=FrontMatter)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def is_note_embed(target: str) -> bool:
    """Whether ``![[target]]`` names a note rather than an image."""
    name = target.split("#", 1)[0].strip()
    return not any(name.lower().endswith(suffix) for suffix in MEDIA_SUFFIXES)


def prepare(text: str, path: str) -> Prepared:
    """``text`` without front matter and comments, its front matter, and warnings about syntax
    that gives no card content (note embeds, block references, Dataview, Logseq properties)."""
    split = split_front_matter(text, path)
    body = _strip_comments(split.text) if "%%" in split.text else split.text
    found = list(split.diagnostics)
    lines = body.split("\n")
    in_code = code_line_mask(lines) if _MAYBE_APP_SYNTAX.search(body) else None
    for number, line in enumerate(lines, 1):
        if in_code is None:
            break
        if _DATAVIEW_FENCE.match(line):
            found.append(rules.DATAVIEW.at(path, number, "a Dataview query is shown on the card as code"))
        if in_code[number - 1]:
            continue
        if _BLOCK_REFERENCE.search(line):
            found.append(rules.BLOCK_REFERENCE.at(path, number, "a `^id` block reference stays as text"))
        if _LOGSEQ_PROPERTY.match(line):
            key = line.strip().lstrip("-* ").split("::", 1)[0]
            found.append(rules.LOGSEQ_PROPERTY.at(path, number, f"Logseq property `{key}::` stays as text"))
        for embed in EMBED.finditer(line):
            if is_note_embed(embed.group(1)):
                message = f"`{embed.group()}` embeds a note, which is not supported; only its name is shown"
                found.append(rules.NOTE_EMBED.at(path, number, message, embed.start() + 1))
    return Prepared(body, split.front_matter, found)


_MAYBE_APP_SYNTAX = re.compile(r"\^[A-Za-z0-9-]+[ \t]*$|::|dataview|!\[\[", re.MULTILINE | re.IGNORECASE)


def _strip_comments(text: str) -> str:
    """``text`` without ``%%comments%%`` outside code and math; their line breaks stay."""
    covered = Covered(scan_markdown(text).spans)

    def outside(match: re.Match[str]) -> str:
        if match.start() in covered:
            return match.group()
        return "\n" * match.group().count("\n")

    return _COMMENT.sub(outside, text)
