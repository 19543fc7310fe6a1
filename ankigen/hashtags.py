"""``#tag`` words written in notes: taken out of the card's text and made its Anki tags.

Where a ``#tag`` counts (Obsidian's spelling: letters, digits, ``_``, ``-`` and ``/``, at least one
character not a digit, after a space or at the start of a line):

- at the end of a question (its last line), or of a section heading: a run of tags there;
- in an answer, a line holding only tags.

``#`` inside code or math, in a URL (``page#part``), a heading's own ``#`` marks, ``C#`` and
``#1`` are never tags. ``#a/b`` becomes the hierarchical tag ``a::b``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ankigen import rules, tags
from ankigen.model import Card, Diagnostic
from ankigen.scan import Covered, code_line_mask, scan_markdown, scan_plain

_TAG = r"#(?=[\w/-]*[^\W\d])[\w/-]+"
TAG_LINE = re.compile(rf"^[ \t]*{_TAG}(?:[ \t]+{_TAG})*[ \t]*$")
"""A line of only tags: in Markdown notes it is not a heading (``#review``), whatever the parser."""
_ONE = re.compile(_TAG)


def take_tags(card: Card, more: tuple[str, ...] = ()) -> tuple[Card, list[Diagnostic]]:
    """``card`` with its ``#tag`` words moved from its text into its tags (after any it has, then
    ``more``: the tags of its document's title)."""
    found: list[str] = list(more)
    front = _trailing(card.front, card.markup, found)
    back, dropped = _own_lines(card.back, card.markup, found)
    context = tuple(_trailing(title, "markdown", found) for title in card.context)
    if not found:
        return card, []
    kept, problems = list(card.tags), []
    for tag in found:
        try:
            kept.append(tags.clean_tag(note_tag(tag)))
        except ValueError as exc:
            problems.append(rules.INVALID_TAG.at(card.source, card.line, f"{exc}; the tag is left out"))
    back_line = card.back_line + dropped if card.back_line else 0
    changed = replace(
        card, front=front, back=back, back_line=back_line, context=context, tags=tuple(dict.fromkeys(kept))
    )
    return changed, problems


def split_title(title: str | None) -> tuple[str | None, tuple[str, ...]]:
    """A document title without the tags at its end (it names a deck), and those tags (as written)."""
    if title is None:
        return None, ()
    found: list[str] = []
    return _trailing(title, "markdown", found), tuple(found)


def _trailing(text: str, markup: str, found: list[str]) -> str:
    """``text`` without the run of tags ending its last line (unless they are all it holds)."""
    last = text.rpartition("\n")[2]
    if "#" not in last:
        return text
    # Word by word from the end (a regex anchored at the end would retry from every space: quadratic).
    words = last.split()
    count = 0
    while count < len(words) - 1 and _ONE.fullmatch(words[-1 - count]):
        count += 1
    if not count:
        return text
    tags = words[len(words) - count :]
    cut = len(last)
    for word in reversed(tags):
        cut = last.rfind(word, 0, cut)
    start = len(text) - len(last) + cut
    if _in_span(text, markup, start):
        return text
    found.extend(tags)
    return text[:start].rstrip()


def _own_lines(text: str, markup: str, found: list[str]) -> tuple[str, int]:
    """``text`` with its lines of only tags (outside code blocks) left empty, and how many lines
    were dropped from its start (the lines of the rest stay where they were)."""
    if "#" not in text:
        return text, 0
    lines = text.split("\n")
    in_code = code_line_mask(lines) if markup == "markdown" else [False] * len(lines)
    kept = []
    for line, code in zip(lines, in_code, strict=True):
        if not code and TAG_LINE.match(line):
            found.extend(_ONE.findall(line))
            kept.append("")
        else:
            kept.append(line)
    if kept == lines:
        return text, 0
    joined = "\n".join(kept).rstrip()
    stripped = joined.lstrip("\n")
    return stripped, len(joined) - len(stripped)


def _in_span(text: str, markup: str, offset: int) -> bool:
    """Whether ``offset`` of ``text`` is inside code or math."""
    scan = scan_markdown(text) if markup == "markdown" else scan_plain(text)
    return offset in Covered(scan.spans)


def note_tag(written: str) -> str:
    """A tag as a note writes it (``#stats/bayes``) in Anki's spelling (``stats::bayes``)."""
    return written.strip().removeprefix("#").replace("/", "::")
