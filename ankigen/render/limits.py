"""Which fields are too much for Python-Markdown, judged from the text alone (never a timer).

Python-Markdown has slow paths we do not own: each ``[`` or ``<`` that never closes makes it scan
to the end of the paragraph (4,000 of them: seconds), and each nesting level of a list costs it
several stack frames (a few hundred levels: ``RecursionError``). A field whose measures pass the
limits below is shown as escaped text with a warning, so a build's output never depends on the
speed of the machine.
"""

from __future__ import annotations

import re

MAX_FIELD_CHARS = 1_000_000
"""A longer field is not converted (Python-Markdown holds many copies of it)."""
MAX_UNCLOSED_SCAN = 250_000
"""At most this many characters scanned past openers that never close (``[`` or ``<``)."""
MAX_INDENT = 100
"""At most this many columns of indentation (and ``>`` quoting, two columns each) before a line."""

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_INDENT = re.compile(r"^[ \t>]*", re.MULTILINE)
_DEEP_PREFIX = re.compile(rf"^[ \t>]{{{MAX_INDENT // 4 + 1}}}", re.MULTILINE)
"""A line starting with more indentation characters than :data:`MAX_INDENT` columns need, a tab (the
widest) counting four: a field with none cannot be too deep."""
_BRACKETS = re.compile(r"[\[\]]")
_PARENS = re.compile(r"[()]")


def _unmatched(paragraph: str, pairs: re.Pattern[str]) -> list[int]:
    """Where the openers of ``pairs`` (``[`` or ``(``, nesting) that are never closed stand."""
    opened: list[int] = []
    for m in pairs.finditer(paragraph):
        if m.group(0) in "[(":
            opened.append(m.start())
        elif opened:
            opened.pop()
    return opened


def unclosed_scan(text: str) -> int:
    """How far Python-Markdown scans past openers that never close, in one linear pass: for each
    ``[`` or link's ``](`` without its match (they nest) and each ``<`` with no ``>`` after it in its
    paragraph, the characters from the opener to the paragraph's end."""
    total = 0
    for paragraph in _PARAGRAPH_BREAK.split(text):
        openers = _unmatched(paragraph, _BRACKETS)
        openers += [at for at in _unmatched(paragraph, _PARENS) if paragraph[at - 1 : at] == "]"]
        at = paragraph.find("<", paragraph.rfind(">") + 1)  # one before the last ">" finds it
        while at >= 0:
            openers.append(at)
            at = paragraph.find("<", at + 1)
        total += sum(len(paragraph) - at for at in openers)
    return total


def deepest_indent(text: str) -> int:
    """The most columns of indentation before any line, a ``>`` counting two and a tab four."""
    return max(
        (len(m.group(0).expandtabs(4)) + m.group(0).count(">") for m in _INDENT.finditer(text)), default=0
    )


def too_complex(text: str) -> str | None:
    """Why Markdown ``text`` is shown as escaped text instead of converted, or None if it is fine."""
    if len(text) > MAX_FIELD_CHARS:
        return f"it is longer than {MAX_FIELD_CHARS:,} characters"
    if _DEEP_PREFIX.search(text) and deepest_indent(text) > MAX_INDENT:
        return f"it is indented or quoted more than {MAX_INDENT} columns deep"
    openers = text.count("[") + text.count("](") + text.count("<")  # each scans at most the whole text
    if openers * len(text) > MAX_UNCLOSED_SCAN and unclosed_scan(text) > MAX_UNCLOSED_SCAN:
        return "it has too many `[` or `<` that never close"
    return None
