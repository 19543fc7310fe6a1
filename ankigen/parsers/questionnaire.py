"""Parser for fastbook-style questionnaires: ``---`` / ``N. question`` / ``---`` / answer, repeated.

A card starts at a separator line (``---``, or ``--``) followed, after optional blank lines, by a
numbered question whose lines run without a blank line to the closing separator; the answer runs to
the next card, or to a ``#``/``##`` heading (deeper headings only when a card follows them).
A ``---`` or ``#`` line inside a code fence is content. ``'''lang`` fences become ```` ```lang ````
fences so the Markdown renderer treats them as code. Answers that are only ``NA`` or empty are
skipped with a warning. The first line, when it is a heading, is the document title; later headings
("Further Research") become the context of the cards after them, and numbering may restart there.

A single pass over the lines with bounded look-ahead: every look-ahead range is scanned once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ankigen import rules
from ankigen.cloze import makes_cards
from ankigen.model import Card, Diagnostic, ParseResult
from ankigen.parsers import numbered
from ankigen.parsers.common import (
    Sections,
    atx_heading,
    is_blank,
    list_number,
    orphan_text,
    snippet,
)

# The sniffer's reading of an item: a ``---`` line at the margin and a numbered line between two.
_RULE = re.compile(r"^-{2,}[ \t]*$")
_NUMBERED_QUESTION = re.compile(r"^[ \t]*\d+[.)][ \t]+\S")


def _is_separator(line: str) -> bool:
    """A line of two or more dashes (surrounding whitespace allowed)."""
    s = line.strip()
    return len(s) >= 2 and not s.strip("-")


def _numbered(line: str) -> str | None:
    """The text after a ``12.`` / ``12)`` list number, or ``None`` when ``line`` is not numbered."""
    return (list_number(line) or "").strip() or None


@dataclass(frozen=True)
class _Fence:
    """An open code fence: its character, length, indentation and the answer line that opened it."""

    char: str
    length: int
    indent: str
    info: str
    line: int
    out_index: int


def _fence_open(line: str) -> tuple[str, int, str, str] | None:
    """Return ``(char, length, indent, info)`` when ``line`` opens a ```` ``` ````/``~~~``/``'''`` fence."""
    s = line.lstrip(" \t")
    if not s or s[0] not in "`~'":
        return None
    char = s[0]
    n = 0
    while n < len(s) and s[n] == char:
        n += 1
    info = s[n:]
    if n < 3 or (char != "~" and char in info):
        return None
    return char, n, line[: len(line) - len(s)], info.strip()


def _closes(line: str, fence: _Fence) -> bool:
    s = line.strip()
    return len(s) >= fence.length and not s.strip(fence.char)


def _leading_backticks(line: str) -> int:
    s = line.lstrip(" \t")
    n = 0
    while n < len(s) and s[n] == "`":
        n += 1
    return n


def _is_na(answer: str) -> bool:
    """``NA``, ``N/A``, ``na.`` …: the author had no answer."""
    return len(answer) <= 16 and "".join(ch for ch in answer if ch.isalnum()).casefold() == "na"


def _front(lines: list[str]) -> str:
    """The question text: numbering removed, continuation lines dedented by their common indent."""
    first = _numbered(lines[0]) or lines[0].strip()
    rest = [line.rstrip() for line in lines[1:]]
    cut = min((len(line) - len(line.lstrip(" \t")) for line in rest if line.strip()), default=0)
    return "\n".join([first, *(line[cut:] for line in rest)])


@dataclass
class _Parser:
    lines: list[str]
    path: str
    result: ParseResult = field(default_factory=ParseResult)
    sections: Sections = field(default_factory=Sections)
    orphans: list[Diagnostic] = field(default_factory=list)
    failed: tuple[int, int] = (0, 0)
    question_cache: dict[int, int | None] = field(default_factory=dict)

    def warn(self, line: int, rule: rules.Rule, message: str) -> None:
        self.result.diagnostics.append(rule.at(self.path, line, message))

    # -- look-ahead ------------------------------------------------------------------------------------
    def question_at(self, i: int) -> tuple[int, int] | None:
        """If a card's question starts at line index ``i``, return ``(question_index, closing_sep_index)``.

        ``i`` may be the opening separator (blank lines may follow it) or the numbered line itself.
        """
        lines = self.lines
        n = len(lines)
        j = i
        if _is_separator(lines[j]):
            j += 1
            while j < n and is_blank(lines[j]):
                j += 1
            if j >= n:
                return None
        if self.failed[0] <= j < self.failed[1] or _numbered(lines[j]) is None:
            return None
        if j not in self.question_cache:
            k = j + 1
            while k < n and not is_blank(lines[k]) and not _is_separator(lines[k]):
                k += 1
            closed = k < n and _is_separator(lines[k])
            self.question_cache[j] = k if closed else None
            if not closed:
                self.failed = (j, k)
        k_found = self.question_cache[j]
        return None if k_found is None else (j, k_found)

    def heading_ends_answer(self, i: int, level: int) -> bool:
        """A ``#``/``##`` heading always ends an answer; a deeper one only when a card follows it."""
        if level <= 2:
            return True
        j = i + 1
        while j < len(self.lines) and is_blank(self.lines[j]):
            j += 1
        return j < len(self.lines) and self.question_at(j) is not None

    def run(self) -> ParseResult:
        lines = self.lines
        n = len(lines)
        i = 0
        paragraph: list[int] = []
        first_content = next((k for k, line in enumerate(lines) if line.strip()), None)
        while i < n:
            line = lines[i]
            if is_blank(line):
                self.flush(paragraph)
                i += 1
                continue
            found = self.question_at(i)
            if found is not None:
                self.flush(paragraph)
                i = self.card(*found)
                continue
            heading = atx_heading(line)
            if heading is not None:
                self.flush(paragraph)
                self.sections.heading(*heading, at_top=i == first_content)
            elif not _is_separator(line):
                paragraph.append(i)
            i += 1
        self.flush(paragraph)
        self.result.title = self.sections.title
        if self.result.cards:
            self.result.diagnostics.extend(self.orphans)
        elif any(line.strip() for line in lines):
            self.warn(1, rules.NO_CARDS, "no '---' / 'N. question' / '---' questionnaire items found")
        self.result.diagnostics.sort(key=Diagnostic.sort_key)
        return self.result

    def flush(self, paragraph: list[int]) -> None:
        """Report a paragraph outside any card (unless it has no letters or digits at all)."""
        if not paragraph:
            return
        orphan = orphan_text(self.path, paragraph[0] + 1, "\n".join(self.lines[k] for k in paragraph))
        if orphan is not None:
            self.orphans.append(orphan)
        paragraph.clear()

    def card(self, q: int, sep: int) -> int:
        """Read the card whose question is lines ``q..sep-1``; return the index where the next item starts."""
        lines = self.lines
        n = len(lines)
        front = _front(lines[q:sep])
        out: list[str] = []
        out_lines: list[int] = []
        fence: _Fence | None = None
        max_ticks = 0
        i = sep + 1
        while i < n:
            line = lines[i]
            if _is_separator(line) and self.question_at(i) is not None:
                break
            if fence is not None:
                if _closes(line, fence):
                    if fence.char == "'":
                        ticks = "`" * max(3, max_ticks + 1)
                        out[fence.out_index] = f"{fence.indent}{ticks}{fence.info}"
                        line = line[: len(line) - len(line.lstrip(" \t"))] + ticks
                    fence = None
                elif fence.char == "'":
                    max_ticks = max(max_ticks, _leading_backticks(line))
            else:
                heading = atx_heading(line)
                if heading is not None and self.heading_ends_answer(i, heading[0]):
                    break
                opened = _fence_open(line)
                if opened is not None:
                    char, length, indent, info = opened
                    fence = _Fence(char, length, indent, info, i + 1, len(out))
                    max_ticks = 0
                    if char == "'":
                        line = f"{indent}```{info}"
            out.append(line.rstrip())
            out_lines.append(i + 1)
            i += 1
        if fence is not None:
            self.warn(
                fence.line, rules.UNCLOSED_FENCE, f"code fence opened here is never closed: {snippet(front)}"
            )
            if fence.char == "'":
                out[fence.out_index] = f"{fence.indent}{'`' * max(3, max_ticks + 1)}{fence.info}"
        self.add(front, q + 1, out, out_lines)
        return i

    def add(self, front: str, line: int, out: list[str], out_lines: list[int]) -> None:
        start, end = 0, len(out)
        while start < end and is_blank(out[start]):
            start += 1
        while end > start and (is_blank(out[end - 1]) or _is_separator(out[end - 1])):
            end -= 1
        back = "\n".join(out[start:end])
        if not back and makes_cards(front):  # a question of clozes needs no answer
            self.result.cards.append(
                Card(front=front, back="", line=line, end_line=line, back_line=line, source=self.path,
                     context=self.sections.titles(), markup="markdown")
            )  # fmt: skip
        elif not back:
            self.result.skipped += 1
            self.warn(line, rules.EMPTY_ANSWER, f"question has an empty answer: {snippet(front)}")
        elif _is_na(back):
            self.result.skipped += 1
            self.warn(line, rules.NA_ANSWER, f"answer is only 'NA', question skipped: {snippet(front)}")
        else:
            self.result.cards.append(
                Card(
                    front=front,
                    back=back,
                    line=line,
                    end_line=out_lines[end - 1],
                    back_line=out_lines[start],
                    source=self.path,
                    context=self.sections.titles(),
                    markup="markdown",
                )
            )


def count_items(text: str) -> int:
    """How many ``---`` / ``N. question`` / ``---`` triples ``text`` holds (format detection; blank
    lines allowed around the question)."""
    lines = [line for line in text.split("\n") if line.strip()]
    return sum(
        1
        for before, line, after in zip(lines, lines[1:], lines[2:], strict=False)
        if _RULE.match(before) and _NUMBERED_QUESTION.match(line) and _RULE.match(after)
    )


def parse(text: str, path: str) -> ParseResult:
    """Parse a questionnaire: ``---`` / ``N. question`` / ``---`` / answer items, else a numbered list.

    A file without a single ``---`` item is read by :mod:`numbered` (questions as list items).
    """
    result = _Parser(text.split("\n"), path).run()
    if result.cards or result.skipped:
        return result
    return numbered.parse(text, path)
