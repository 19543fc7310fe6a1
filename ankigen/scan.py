"""Where code and math are in a field's text: the one scanner the renderer and the linter share.

The renderer stashes exactly the math spans found here and the linter checks exactly those, so the
two cannot disagree about what is math or code. This module is also the one place where a code
fence is recognised in card text and where a ``*`` is judged to be multiplication.

Code blocks (Markdown only), found line by line:

- a *fence* is a line of three or more backticks or tildes (any indentation; a backtick fence's
  info string holds no backtick). It runs to a line of only that character, at least as long, or
  to the end of the text (then it is *open*). ``'''`` is not a fence here: the questionnaire parser
  turns its ``'''`` fences into backtick fences before a card exists.
- *indented code* is a line indented by four spaces or a tab, after a blank line, when the last
  line of prose is neither a list item nor indented; it runs over the indented and blank lines
  that follow.

Inline spans, in the prose between code blocks (Markdown) or in the whole text (plain). At each
position the rules below are tried in this order; the first that matches makes a span and the
scan goes on after it:

1. code span: a run of n backticks up to the next run of exactly n; if there is none, of n-1, …,
   1 (the opening run's other backticks are then code). It may cross blank lines.
2. ``$$…$$`` (display), ``\\\\[…\\\\]`` (display), ``\\\\(…\\\\)``, ``\\[…\\]`` (display),
   ``\\(…\\)``: at least one character, no blank line; the first closer ends it.
3. ``<math …>…</math>`` (any case; may cross blank lines); display when it says ``display=block``.
4. ``\\$``: an escaped dollar.
5. ``$…$``: the opener is followed by a non-space; the math ends at the next ``$`` (backslash
   pairs are skipped) that follows a non-space and non-backslash and precedes no digit. A backtick
   or blank line first, or any other ``$``, means no math (``$5 and $10`` is money).

Math whose closer is missing is returned as :class:`Unclosed` (once: the ``\\(`` inside a failed
``\\\\(`` or the ``$`` inside a failed ``$$`` is not reported again). Every search remembers where it
failed, so a scan is linear in the text's length.
"""

from __future__ import annotations

import enum
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

ARITHMETIC_STAR = re.compile(r"(?<=[^\W_])\*(?=[^\W_])")
"""A single ``*`` between two letters or digits (``7*7*(1168-16)``, ``49*C*C``): multiplication,
kept literal by the renderer and never emphasis to the linter."""


class Kind(enum.Enum):
    """What a :class:`Span` is."""

    CODE_BLOCK = "code block"
    CODE_SPAN = "code span"
    INLINE_MATH = "inline math"
    DISPLAY_MATH = "display math"
    ESCAPED_DOLLAR = "escaped dollar"


MATH = frozenset({Kind.INLINE_MATH, Kind.DISPLAY_MATH})


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` is code or math; ``text[body_start:body_end]`` is the code or TeX inside.

    ``delimiter`` is the opener as written (``$``, ``\\\\(``, ``<math display="block">``), a code
    block's fence, or ``""`` for indented code and code spans.
    """

    kind: Kind
    start: int
    end: int
    body_start: int
    body_end: int
    delimiter: str = ""


@dataclass(frozen=True)
class Unclosed:
    """Math opened at ``offset`` by ``opener`` whose ``closer`` was not found before ``stop``."""

    offset: int
    opener: str
    closer: str
    stop: int


@dataclass
class Scan:
    """A field's spans in text order, its unclosed math, and the fence left open at its end."""

    spans: list[Span] = field(default_factory=list)
    unclosed: list[Unclosed] = field(default_factory=list)
    open_fence: str | None = None


class Covered:
    """Whether an offset is inside one of ``spans`` (in text order, as a scan gives them), in log time."""

    def __init__(self, spans: list[Span]) -> None:
        self._starts = [span.start for span in spans]
        self._ends = [span.end for span in spans]

    def __contains__(self, offset: int) -> bool:
        at = bisect_right(self._starts, offset) - 1
        return at >= 0 and offset < self._ends[at]


def scan_plain(text: str) -> Scan:
    """The inline spans of plain (Q:/A:) text: math, escaped dollars and code spans."""
    scan = Scan()
    if _SPECIAL.search(text):
        _Inline(text, 0, len(text), scan).run()
    return scan


def scan_markdown(text: str) -> Scan:
    """Code blocks of Markdown ``text`` and the inline spans in the prose between them."""
    scan = Scan()
    if not any(mark in text for mark in _CODE_MARKS):  # no fence, no indented line: all prose
        _prose(text, 0, len(text), scan)
        return scan
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    blocks, scan.open_fence = code_blocks(lines)
    prose = 0  # the first line of the prose before the next block
    for first, last, fence in blocks:
        if first > prose:
            _prose(text, starts[prose], starts[first] - 1, scan)
        end = starts[last - 1] + len(lines[last - 1])
        scan.spans.append(Span(Kind.CODE_BLOCK, starts[first], end, starts[first], end, fence))
        prose = last
    if prose < len(lines):
        _prose(text, starts[prose], len(text), scan)
    return scan


def code_line_mask(lines: list[str]) -> list[bool]:
    """For each line, whether it is in a code block (fences included)."""
    mask = [False] * len(lines)
    for first, last, _ in code_blocks(lines)[0]:
        mask[first:last] = [True] * (last - first)
    return mask


_FENCE = re.compile(r"[ \t]*(`{3,}(?!.*`)|~{3,})")
_LIST_ITEM = re.compile(r"[ \t]*(?:[*+-]|\d+[.)])[ \t]+")
_INDENT = ("    ", "\t")
_CODE_MARKS = ("```", "~~~", "\n    ", "\n\t")
"""Text without any of these holds no code block (an indented one cannot start on the first line)."""


def code_blocks(lines: list[str]) -> tuple[list[tuple[int, int, str]], str | None]:
    """Code blocks as ``(first line, line after the last, fence or "")`` and the fence left open."""
    blocks: list[tuple[int, int, str]] = []
    prev_text = ""  # the last non-blank line outside code
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            end = _fence_end(lines, i + 1, fence.group(1))
            blocks.append((i, min(end + 1, len(lines)), fence.group(1)))
            if end == len(lines):
                return blocks, fence.group(1)
            i = end + 1
        elif _starts_indented_code(lines, i, prev_text):
            end = i + 1
            while end < len(lines) and (lines[end].startswith(_INDENT) or not lines[end].strip()):
                end += 1
            blocks.append((i, end, ""))
            i = end
        else:
            if line.strip():
                prev_text = line
            i += 1
    return blocks, None


def _fence_end(lines: list[str], i: int, fence: str) -> int:
    """The line that closes ``fence`` from line ``i`` on, or ``len(lines)`` when none does."""
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.startswith(fence) and set(stripped) == {fence[0]}:
            return i
        i += 1
    return i


def _starts_indented_code(lines: list[str], i: int, prev_text: str) -> bool:
    line = lines[i]
    if not (line.startswith(_INDENT) and line.strip()) or i == 0 or lines[i - 1].strip():
        return False
    return not (_LIST_ITEM.match(prev_text) or prev_text.startswith((" ", "\t")))


def _prose(text: str, start: int, end: int, scan: Scan) -> None:
    if _SPECIAL.search(text, start, end):
        _Inline(text, start, end, scan).run()


# --------------------------------------------------------------------------- inline spans

_SPECIAL = re.compile(r"[`$\\<]")  # what can start an inline span
_BLANK_LINE = re.compile(r"\n(?=[ \t]*\n)")  # where a blank line starts
_BACKTICKS = re.compile(r"`+")
_DOLLAR_STOP = re.compile(r"[$`\\\n]")
_MATH_CLOSE = re.compile(r"</math>", re.IGNORECASE)
_DISPLAY_BLOCK = re.compile(r"""display\s*=\s*["']?block""", re.IGNORECASE)

_Rule = Callable[["_Inline", int], "int | None"]
"""An inline rule: given a position, where the scan goes on, or None when the rule does not apply."""


class _Inline:
    """One pass over ``text[start:end]`` by the inline rules (see the module docstring)."""

    def __init__(self, text: str, start: int, end: int, scan: Scan) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.scan = scan
        self.blanks = [m.start() for m in _BLANK_LINE.finditer(text, start, end)]
        self.failed: dict[str, dict[int, int]] = {}  # closer -> search limit -> first start that failed
        self.runs: dict[int, list[int]] | None = None  # backtick run length -> run starts
        self.next_run: dict[int, int] = {}  # run length -> index of the next candidate closer
        self.quiet = -1  # no unclosed math is recorded before this offset (inside an opener)

    def run(self) -> None:
        """Apply the rules at every position that can start a span."""
        text, end = self.text, self.end
        p = self.start
        while (m := _SPECIAL.search(text, p, end)) is not None:
            p = m.start()
            for rule in _RULES[text[p]]:
                resume = rule(self, p)
                if resume is not None:
                    p = resume
                    break
            else:
                p += 1

    def add(self, span: Span) -> int:
        """Record ``span``; return where the scan goes on."""
        self.scan.spans.append(span)
        return span.end

    def unclosed(self, offset: int, opener: str, closer: str, stop: int) -> None:
        """Record math opened at ``offset`` that never closes, unless it lies in an opener recorded so."""
        if offset >= self.quiet:
            self.scan.unclosed.append(Unclosed(offset, opener, closer, stop))
            self.quiet = offset + len(opener)

    def blank_after(self, i: int) -> int:
        """Where the first blank line at or after ``i`` starts (the end of the text if none)."""
        n = bisect_left(self.blanks, i)
        return self.blanks[n] if n < len(self.blanks) else self.end

    def is_blank(self, i: int) -> bool:
        n = bisect_left(self.blanks, i)
        return n < len(self.blanks) and self.blanks[n] == i

    def find(self, closer: str, start: int, limit: int) -> int:
        """The first ``closer`` in ``text[start:limit]`` (case-insensitive for ``</math>``), or -1."""
        failed = self.failed.setdefault(closer, {})
        if failed.get(limit, limit + 1) <= start:
            return -1
        if closer == "</math>":
            m = _MATH_CLOSE.search(self.text, start, limit)
            at = m.start() if m else -1
        else:
            at = self.text.find(closer, start, limit)
        if at < 0:
            failed[limit] = start
        return at

    def backtick_run(self, length: int, after: int) -> int:
        """The start of the first run of exactly ``length`` backticks after ``after``, or -1."""
        if self.runs is None:
            self.runs = {}
            for m in _BACKTICKS.finditer(self.text, self.start, self.end):
                self.runs.setdefault(m.end() - m.start(), []).append(m.start())
        starts = self.runs.get(length, [])
        n = self.next_run.get(length, 0)
        while n < len(starts) and starts[n] <= after:
            n += 1
        self.next_run[length] = n  # the scan only moves forward, so earlier runs never count again
        return starts[n] if n < len(starts) else -1


def _code_span(s: _Inline, p: int) -> int:
    text = s.text
    run = p
    while run < s.end and text[run] == "`":
        run += 1
    for length in range(run - p, 0, -1):
        close = s.backtick_run(length, run)
        if close >= 0:
            return s.add(Span(Kind.CODE_SPAN, p, close + length, p + length, close))
    return run  # no closer for any part of the run: it is text


def _delimited(opener: str, closer: str, kind: Kind) -> _Rule:
    """The rule for math between ``opener`` and ``closer`` that holds no blank line."""

    def rule(s: _Inline, p: int) -> int | None:
        if not s.text.startswith(opener, p, s.end):
            return None
        body = p + len(opener)
        limit = s.blank_after(body)
        close = s.find(closer, body + 1, limit)
        if close < 0:
            s.unclosed(p, opener, closer, limit)
            return None
        return s.add(Span(kind, p, close + len(closer), body, close, opener))

    return rule


def _math_tag(s: _Inline, p: int) -> int | None:
    text = s.text
    if p + 5 >= s.end or text[p + 1 : p + 5].lower() != "math":
        return None
    if text[p + 5] == ">":
        tag_end = p + 5
    elif text[p + 5].isspace():
        tag_end = s.find(">", p + 6, s.end)
        if tag_end < 0:
            return None
    else:
        return None
    body = tag_end + 1
    close = s.find("</math>", body, s.end)
    if close < 0:
        s.unclosed(p, text[p:body], "</math>", s.end)
        return None
    kind = Kind.DISPLAY_MATH if _DISPLAY_BLOCK.search(text, p + 5, tag_end) else Kind.INLINE_MATH
    return s.add(Span(kind, p, close + 7, body, close, text[p:body]))


def _escaped_dollar(s: _Inline, p: int) -> int | None:
    if not s.text.startswith("\\$", p, s.end):
        return None
    return s.add(Span(Kind.ESCAPED_DOLLAR, p, p + 2, p + 1, p + 2))


def _dollar(s: _Inline, p: int) -> int | None:
    text, end = s.text, s.end
    if p + 1 >= end or text[p + 1].isspace() or text[p + 1] == "$":
        return None
    j = p + 1
    while (m := _DOLLAR_STOP.search(text, j, end)) is not None:
        j = m.start()
        ch = text[j]
        if ch == "\\" and j + 1 < end:
            j += 2
        elif ch == "\n" and not s.is_blank(j):
            j += 1
        elif ch == "$" and _closes_dollar(text, j, end):
            return s.add(Span(Kind.INLINE_MATH, p, j + 1, p + 1, j, "$"))
        else:
            break
    s.unclosed(p, "$", "$", j if m else end)
    return None


def _closes_dollar(text: str, j: int, end: int) -> bool:
    """The ``$`` at ``j`` closes inline math: after a non-space non-backslash, before no digit."""
    before = text[j - 1]
    return not (before.isspace() or before == "\\") and not (j + 1 < end and text[j + 1].isdecimal())


_RULES: dict[str, tuple[_Rule, ...]] = {
    "`": (_code_span,),
    "$": (_delimited("$$", "$$", Kind.DISPLAY_MATH), _dollar),
    "\\": (
        _delimited("\\\\[", "\\\\]", Kind.DISPLAY_MATH),
        _delimited("\\\\(", "\\\\)", Kind.INLINE_MATH),
        _delimited("\\[", "\\]", Kind.DISPLAY_MATH),
        _delimited("\\(", "\\)", Kind.INLINE_MATH),
        _escaped_dollar,
    ),
    "<": (_math_tag,),
}
"""The inline rules by the character they start with, each list in the order they are tried."""
