r"""Cloze deletions (``{{c1::text}}``, ``{{c1::text::hint}}``, nested, numbered): two readings.

**As Anki reads a field** (rslib ``cloze.rs`` of Anki 26, measured with the ``anki`` package):
:func:`anki_numbers` and :func:`reveal`. ``{{c<digits>::`` (at most 65535) opens a cloze and ``}}``
closes the innermost open one (a ``}}`` outside every cloze is text); an opener past ten open clozes
is dropped; a cloze never closed is dropped with everything after its opener; in the text of a cloze
the first ``::`` starts its hint; ``c0`` makes no card (nor do the clozes inside it). A note makes one
card per number; on a card's front its clozes are ``[...]`` (or ``[hint]``), on its back shown, both in
``<span class="cloze">``; the other numbers' text is shown in ``<span class="cloze-inactive">``. HTML
inside ``\(…\)`` / ``\[…\]`` is then removed (a cloze inside math keeps no span). Markup is text to
Anki: it reads HTML tags, math and code alike, so a ``}}`` inside TeX ends the cloze early.

**As the author means it** (:func:`find_clozes`): the same markup, except that math and code are
*regions* in which a ``}}`` or ``::`` of a cloze opened outside them is TeX or code, not the cloze's
end or hint, and in which braces pair up: a cloze opened inside math or code closes at the first
``}}`` where the braces written since its opener are balanced, and must close in the same region.
Card text is read this way (which cards are cloze cards, ``check``'s rules), and the renderer writes
HTML that Anki reads the same way (:mod:`ankigen.render.cloze`): :attr:`Clozes.breaks` are where it
separates a ``}}`` or ``::`` that is TeX or code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ankigen.scan import MATH, Kind, scan_markdown, scan_plain

MAX_NUMBER = 65535
"""The largest cloze number Anki reads (a larger one is text)."""
MAX_OPEN = 10
"""Anki drops an opener while this many clozes are open."""

Region = Literal["prose", "math", "code", "tag"]

_ANKI_TOKEN = re.compile(r"\{\{c(\d+)::|\}\}")
_MARK = re.compile(r"\{\{c(\d+)::|\}\}|::|\\.|[{}]", re.DOTALL)
_MATHJAX = re.compile(r"(\\[(\[])(.*?)(\\[\])])", re.DOTALL)
"""Anki's MathJax pattern (the HTML inside it goes after the clozes are revealed)."""
_HTML_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def quick_check(text: str) -> bool:
    """Whether ``text`` may hold a cloze (a fast test before reading it)."""
    return "{{c" in text


# --------------------------------------------------------------------------- as Anki reads it


@dataclass
class _Node:
    """A cloze as Anki parses it: its number, its children (text or clozes) and its hint."""

    number: int
    children: list[str | _Node] = field(default_factory=list)
    hint: str | None = None


def _anki_parse(text: str) -> list[str | _Node]:
    """``text`` as Anki's cloze parser reads it: text and closed clozes, in order."""
    output: list[str | _Node] = []
    opened: list[_Node] = []
    pos = 0

    def add_text(piece: str) -> None:
        if not piece:
            return
        if opened:
            if "::" in piece:
                piece, opened[-1].hint = piece.split("::", 1)
            opened[-1].children.append(piece)
        else:
            output.append(piece)

    for m in _ANKI_TOKEN.finditer(text):
        if m.group(1) is not None and int(m.group(1)) > MAX_NUMBER:
            continue  # not an opener: text
        add_text(text[pos : m.start()])
        pos = m.end()
        if m.group(1) is not None:
            if len(opened) < MAX_OPEN:
                opened.append(_Node(int(m.group(1))))
        elif opened:
            node = opened.pop()
            (opened[-1].children if opened else output).append(node)
        else:
            output.append("}}")
    add_text(text[pos:])
    return output


def anki_numbers(text: str) -> set[int]:
    """The cloze numbers Anki makes cards for in ``text`` (a field's HTML)."""
    found: set[int] = set()

    def walk(nodes: list[str | _Node]) -> None:
        for node in nodes:
            if isinstance(node, _Node) and node.number:
                found.add(node.number)
                walk(node.children)

    if quick_check(text):
        walk(_anki_parse(text))
    return found


def reveal(text: str, number: int, question: bool) -> str:
    """Anki's ``{{cloze:Field}}`` of ``text`` on card ``number``'s front (``question``) or back; ``""``
    when the card's number is not in the text (Anki then shows an error)."""
    found = False

    def show(node: _Node) -> str:
        nonlocal found
        inner = "".join(child if isinstance(child, str) else show(child) for child in node.children)
        if node.number != number:
            return f'<span class="cloze-inactive" data-ordinal="{node.number}">{inner}</span>'
        found = True
        if question:
            hint = "..." if node.hint is None else node.hint
            return f'<span class="cloze" data-ordinal="{node.number}">[{hint}]</span>'
        return f'<span class="cloze" data-ordinal="{node.number}">{inner}</span>'

    shown = "".join(node if isinstance(node, str) else show(node) for node in _anki_parse(text))
    if not found:
        return ""
    return _MATHJAX.sub(lambda m: m[1] + _HTML_TAG.sub("", m[2]) + m[3], shown)


# --------------------------------------------------------------------------- as the author means it


@dataclass
class Cloze:
    """One cloze as its author means it: its number, where its opener and closer are, its hint."""

    number: int
    start: int
    """Offset of its ``{{c``."""
    body: int
    """Offset right after its opener's ``::``."""
    region: int
    """The region it opened in: ``-1`` for prose, else the index of its math or code region."""
    kind: Region = "prose"
    """The kind of the region it opened in."""
    close: int | None = None
    """Offset of its ``}}``; ``None`` when it is never closed."""
    hint: int | None = None
    """Offset of the ``::`` before its hint."""
    depth: int = 0
    """Braces opened inside it and not closed yet (math and code only)."""


@dataclass
class Clozes:
    """The clozes of a text (in opener order) and the ``}}`` / ``::`` of math and code inside them.

    ``breaks`` holds ``(offset, region kind)``, in order, of each ``}`` or ``:`` that the next
    character would join into a ``}}`` or ``::`` Anki takes for cloze syntax though it is TeX or
    code, and of the first ``{`` of each opener never closed (Anki would drop the text after it).
    """

    clozes: list[Cloze] = field(default_factory=list)
    breaks: list[tuple[int, Region]] = field(default_factory=list)

    def cards(self) -> bool:
        """Whether a closed cloze numbered 1 or more makes a card."""
        return any(c.close is not None and c.number for c in self.clozes)


Segment = tuple[int, int, Region, int]
"""``text[start:end]``, its kind, and the index of its region (``-1`` for prose)."""


def find_clozes(text: str, segments: list[Segment]) -> Clozes:
    """The clozes of ``text`` as its author means them; ``segments`` cover it in order (tags are skipped)."""
    found = Clozes()
    opened: list[Cloze] = []
    read = [segment for segment in segments if segment[2] != "tag"]
    for n, (start, end, kind, region) in enumerate(read):
        _read_segment(text, start, end, kind, region, opened, found)
        if region >= 0 and (n + 1 == len(read) or read[n + 1][3] != region):
            while opened and opened[-1].region == region:
                opened.pop()  # a cloze opened in math or code closes there, or never
    found.breaks += [(c.start, c.kind) for c in found.clozes if c.close is None]
    found.breaks.sort()
    return found


def source_segments(text: str, plain: bool = False) -> list[Segment]:
    """The segments of a card field's source text: its math and code (as :mod:`ankigen.scan` finds
    them, the renderer's scanner) and the prose around them. Plain text has no code: its backticks
    are shown as written."""
    spans = (scan_plain(text) if plain else scan_markdown(text)).spans
    segments: list[Segment] = []
    pos = 0
    for region, span in enumerate(spans):
        if span.kind is Kind.ESCAPED_DOLLAR or (plain and span.kind not in MATH):
            continue
        kind: Region = "math" if span.kind in MATH else "code"
        segments += [(pos, span.body_start, "prose", -1), (span.body_start, span.body_end, kind, region)]
        pos = span.body_end
    segments.append((pos, len(text), "prose", -1))
    return segments


def read_field(text: str, plain: bool = False) -> Clozes:
    """The clozes of a card field's source text as its author means them."""
    if not quick_check(text):
        return Clozes()
    return find_clozes(text, source_segments(text, plain))


def _read_segment(
    text: str, start: int, end: int, kind: Region, region: int, opened: list[Cloze], found: Clozes
) -> None:
    """Read the cloze markup of one segment, updating the open clozes."""
    i = start
    while (m := _MARK.search(text, i, end)) is not None:
        token, i = m.group(), m.end()
        top = opened[-1] if opened else None
        local = top is not None and top.region == region and kind != "prose"
        if m.group(1) is not None:
            if int(m.group(1)) <= MAX_NUMBER and len(opened) < MAX_OPEN:
                cloze = Cloze(int(m.group(1)), m.start(), m.end(), region if kind != "prose" else -1, kind)
                found.clozes.append(cloze)
                opened.append(cloze)
        elif token == "}}":
            if top is not None and (kind == "prose" or (local and top.depth == 0)):
                top.close = m.start()
                opened.pop()
            elif kind != "prose":
                i = m.start() + 1  # a brace of TeX or code: read the second one on its own
                if top is not None:
                    found.breaks.append((m.start(), kind))
                    top.depth = max(top.depth - 1, 0) if local else top.depth
        elif token == "::":
            if kind == "prose":
                if top is not None and top.region == -1 and top.hint is None:
                    top.hint = m.start()
            elif top is not None:
                i = m.start() + 1
                found.breaks.append((m.start(), kind))
        elif token[0] == "\\":
            i = m.start() + (2 if kind == "math" else 1)
        elif local and top is not None:
            top.depth = top.depth + 1 if token == "{" else max(top.depth - 1, 0)


def without_markup(text: str) -> str:
    """Card text with its clozes' markup left out: ``{{c1::Paris::a city}}`` reads ``Paris``."""
    found = read_field(text)
    cuts = sorted(
        (start, end)
        for c in found.clozes
        if c.close is not None
        for start, end in ((c.start, c.body), (c.close if c.hint is None else c.hint, c.close + 2))
    )
    if not cuts:
        return text
    out: list[str] = []
    pos = 0
    for start, end in cuts:
        out.append(text[pos:start])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def hidden_text(text: str) -> str:
    """The text card text's clozes hide, one cloze a line (hints left out)."""
    closed = [c for c in read_field(text).clozes if c.close is not None]
    return "\n".join(text[c.body : c.close if c.hint is None else c.hint] for c in closed)


def makes_cards(text: str, plain: bool = False) -> bool:
    """Whether card text has a closed cloze numbered 1 or more (a question that needs no answer)."""
    return quick_check(text) and read_field(text, plain).cards()
