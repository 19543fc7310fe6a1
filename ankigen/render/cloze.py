r"""Cloze markup through rendering: HTML in which Anki reads each cloze as its author means it.

Python-Markdown, nh3 and the math stash leave ``{{c1::``, ``::`` and ``}}`` as they are: they are
text to all three (clozes work in lists, tables, bold text and around inline code as written). Two
things would still make Anki read something else (:mod:`ankigen.cloze` has both readings):

- **Highlighted code.** Pygments would split a marker written inside a fenced code block into
  tokens (``<span class="p">{{</span><span class="n">c1</span>…``), which Anki no longer sees as
  a cloze, so the hidden text would show. :func:`keep_clozes` highlights the code without its
  markers and puts them back between the token spans, each cloze's text wholly inside it.
  (Indented code is highlighted as plain text, in no spans: its markers stay as written.)
- **TeX and code inside a cloze.** ``{{c1::$\frac{a}{\frac{b}{c}}$}}`` would end at the first
  ``}}`` of the TeX, and ``{{c1::`std::vector`}}`` would take ``vector`` as a hint.
  :func:`seal` separates each ``}}`` and ``::`` that is TeX or code: in math with a space (Anki's
  own advice; TeX ignores spaces in math, so MathJax shows the same), in code by writing the first
  character as a character reference (``&#125;``, ``&#58;``: the browser shows the same character).
  It runs on the finished HTML, after the sanitiser (which would turn a reference back into text).
  It also writes the opener of a cloze that is never closed so that Anki shows it as written
  (Anki would drop it and all the text after it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from ankigen.cloze import Region, Segment, find_clozes, quick_check

_TAG_OR_TEXT = re.compile(r"(<[^>]*>)|[^<]+|<", re.DOTALL)
_TAG_OR_CHAR = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|[^<&]+|&", re.DOTALL)
_CODE_OPEN = re.compile(r"<code\b[^>]*>", re.IGNORECASE)
_CODE_CLOSE = re.compile(r"</code\s*>", re.IGNORECASE)
_MATHJAX = re.compile(r"\\[(\[].*?\\[\])]", re.DOTALL)
_SPAN_OPEN = re.compile(r"<span\b[^>]*>")
_EMPTY_TOKEN = re.compile(r'<span class="[^"]*"></span>')
_REFERENCE = {"}": "&#125;", ":": "&#58;", "{": "&#123;"}


def markers(code: str) -> tuple[str, list[tuple[int, str]]]:
    """``code`` without the markup of the clozes written in it, and each marker (an opener or a
    ``}}``) with its offset in that text. A cloze never closed in the code stays code."""
    found = find_clozes(code, [(0, len(code), "code", 0)])
    cuts = sorted(
        [(c.start, c.body) for c in found.clozes if c.close is not None]
        + [(c.close, c.close + 2) for c in found.clozes if c.close is not None]
    )
    kept: list[str] = []
    placed: list[tuple[int, str]] = []
    pos = length = 0
    for start, end in cuts:
        kept.append(code[pos:start])
        length += start - pos
        placed.append((length, code[start:end]))
        pos = end
    kept.append(code[pos:])
    return "".join(kept), placed


def keep_clozes(code: str, highlight: Callable[[str], str]) -> str:
    """``highlight(code)``, with the clozes written in ``code`` kept whole (see the module's text).

    Should the highlighted text not be the code (it never was so far), the code is shown escaped and
    unhighlighted instead, with its clozes.
    """
    if not quick_check(code):
        return highlight(code)
    bare, placed = markers(code)
    if not placed:
        return highlight(code)
    lead = len(bare) - len(bare.lstrip("\n"))  # Pygments drops the newlines at both ends
    core = bare.strip("\n")
    at = [(min(max(offset - lead, 0), len(core)), marker) for offset, marker in placed]
    result = _insert(highlight(bare), at, core)
    if result is None:
        escaped = html.escape(code, quote=False)
        return f'<div class="highlight"><pre><span></span><code>{escaped}\n</code></pre></div>'
    return result


def _insert(highlighted: str, at: list[tuple[int, str]], core: str) -> str | None:
    """``highlighted`` with each marker put at its offset in the code's text, closing and reopening
    the token spans around it; ``None`` when its text does not start with ``core``."""
    out: list[str] = []
    spans: list[str] = []
    text: list[str] = []
    pos = 0
    pending = iter(at)
    nxt = next(pending, None)
    inside = False
    for m in _TAG_OR_CHAR.finditer(highlighted):
        piece = m.group()
        if piece.startswith("<"):
            inside = inside or piece.startswith("<code")
            if inside and _SPAN_OPEN.match(piece):
                spans.append(piece)
            elif inside and piece.startswith("</span"):
                spans.pop()
            out.append(piece)
            continue
        chars = [piece] if piece.startswith("&") else list(piece)
        for char in chars:
            while nxt is not None and nxt[0] == pos:
                out += ["</span>"] * len(spans) + [nxt[1], *spans]
                nxt = next(pending, None)
            out.append(char)
            text.append(html.unescape(char))
            pos += 1
    if "".join(text)[: len(core)] != core or nxt is not None and nxt[0] > pos:
        return None
    return _EMPTY_TOKEN.sub("", "".join(out))


def segments(text: str) -> list[Segment]:
    """The segments of finished card HTML: tags, the text of ``<code>`` elements (one region
    each), math between ``\\(…\\)`` or ``\\[…\\]`` outside code (one region each), and prose."""
    found: list[Segment] = []
    region = -1
    code = -1
    for m in _TAG_OR_TEXT.finditer(text):
        if m.group(1) is not None:
            if code < 0 and _CODE_OPEN.fullmatch(m.group()):
                region += 1
                code = region
            elif code >= 0 and _CODE_CLOSE.fullmatch(m.group()):
                code = -1
            found.append((m.start(), m.end(), "tag", code))
        elif code >= 0:
            found.append((m.start(), m.end(), "code", code))
        else:
            pos = m.start()
            for math in _MATHJAX.finditer(text, m.start(), m.end()):
                region += 1
                found += [(pos, math.start(), "prose", -1), (math.start(), math.end(), "math", region)]
                pos = math.end()
            found.append((pos, m.end(), "prose", -1))
    return found


def seal(text: str) -> str:
    """Finished card HTML in which Anki reads each cloze as :func:`ankigen.cloze.find_clozes` does:
    every ``}}`` and ``::`` inside a cloze that is TeX or code is separated, and the opener of a cloze
    never closed is shown as written."""
    if not quick_check(text):
        return text
    breaks = find_clozes(text, segments(text)).breaks
    if not breaks:
        return text
    out: list[str] = []
    pos = 0
    for offset, kind in breaks:
        out.append(text[pos:offset])
        out.append(_separated(text[offset], kind))
        pos = offset + 1
    out.append(text[pos:])
    return "".join(out)


def _separated(char: str, kind: Region) -> str:
    """The first character of a ``}}``, ``::`` or ``{{`` to keep from the next: in TeX followed by a
    space, elsewhere written as a character reference."""
    return char + " " if kind == "math" else _REFERENCE[char]
