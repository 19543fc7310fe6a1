"""Numbered questionnaires written as a plain list: ``1. Question?`` items, the answer under each.

The layout most people post fastbook-style question lists in, and that plain-text numbered FAQs use.
Shape decides, never wording:

- A question is a top-level numbered item (``1.``, ``1)``, the same number repeated, ``**bold**``,
  ``10.**bold**``); "top-level" means left of the text column of the item before it. A question
  wraps onto the next line when it is still open: unclosed ``**``, or no closing punctuation and
  the next line ends in ``?`` or starts in lower case.
- The answer is what sits under it: lines right under the question (any indentation), and after a
  blank line anything indented past the item's number, a code fence, or a plain paragraph that is
  not itself a question (no ``?``) while the item has no answer yet. A leading ``>`` quote, an
  answer label (``A:``, ``A1)``, ``Ans:``; or any short word followed by ``:`` that opens the answers
  of several items) and the indentation the answer's lines share are removed (unless that is four
  or more past the question's text: then the answer is a code block).
- A question followed directly by the next one has no answer and is skipped with a warning; an
  unanswered item whose question is asked again later is a line of a table of contents and is
  dropped silently, as are items that are only a link.
- ``#`` headings end the item; the first one, at the top, is the title, later ones are context.
  A ``---`` rule at the item's indentation ends it. Text outside items is reported.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from ankigen import rules
from ankigen.model import Card, Diagnostic, Markup, ParseResult
from ankigen.parsers.common import (
    FENCE,
    Sections,
    atx_heading,
    closes_fence,
    indent_width,
    orphan_text,
    snippet,
)

_TAB = 4
_ITEM = re.compile(r"^([ \t]*)(\*\*|__)?(\d{1,9})[.)](?=[ \t]|\*\*|__)[ \t]*(.*?)\s*$")
_ITEM_START = re.compile(r"\n[ \t]*(?:\*\*|__)?\d")
"""How an :data:`_ITEM` line starts, after the newline before it (the engine skips from one to the next)."""
_LABEL = re.compile(r"^(?:\*\*|__)?([^\W\d_][\w-]{0,9}?)\s*(?:\d{1,4})?\s*[:：)](?:\*\*|__)?(?:[ \t]+|$)")
_KNOWN_LABELS = frozenset(["a", "ans", "answer"])  # ties only: any word opening 3+ answers is one too
_LINK_ONLY = re.compile(r"^\[(?:[^\[\]]|\[[^\[\]]*\])*\]\([^()]*\)$")
_RULE = re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_CLOSED = (".", "?", "？", "!", ":", "：", ")", "。", "*", "_", "`", '"', "”")
_SEQUENTIAL_SHARE = 0.8  # of its questions each numbered one more than the last: "numbers its questions"
_NA = re.compile(r"(?i)^(?:na|n/a|n\.a\.|tbd|todo)\.?$")


def _dedent(line: str, cols: int) -> str:
    """``line`` with up to ``cols`` columns of leading whitespace removed."""
    expanded = line.expandtabs(_TAB) if line[:1] in " \t" else line
    return expanded[min(cols, indent_width(expanded)) :]


def _is_question_line(text: str) -> bool:
    """A line shaped like a question: it ends with a question mark (markup and spaces ignored)."""
    return text.strip().rstrip("*_ ").endswith(("?", "？"))


def _bold_open(text: str) -> bool:
    return text.count("**") % 2 == 1 or (text.startswith("__") and text.count("__") % 2 == 1)


def _question_closed(text: str) -> bool:
    """A question is complete when its bold is closed and it ends with closing punctuation."""
    return not _bold_open(text) and text.rstrip().endswith(_CLOSED)


@dataclass
class _Item:
    """A numbered item: its question lines and answer lines (0-based indexes into the text)."""

    start: int
    marker_col: int
    text_col: int
    question: list[str]
    number: int
    answer: list[int] = field(default_factory=list)
    closed_question: bool = False
    listing: bool = False  # the answer is a numbered list at the question's level
    context: tuple[str, ...] = ()


class _Numbered(NamedTuple):
    """A numbered list item: where its number and its text start, its text and its number."""

    marker_col: int
    text_col: int
    text: str
    number: int


def _item(line: str) -> _Numbered | None:
    """The numbered item ``line`` opens, when it has some text."""
    m = _ITEM.match(line)
    if m is None or not m.group(4):
        return None
    text = (m.group(2) or "") + m.group(4)
    if text.startswith("#") or _LINK_ONLY.match(text.strip("*_ ")):
        return None  # a heading inside a list item (Markdown), or a contents line of links
    return _Numbered(indent_width(line), len(line[: m.start(4)].expandtabs(_TAB)), text, int(m.group(3)))


def _fences(lines: list[str]) -> dict[int, int]:
    """Fenced code blocks: the index of each opening fence line mapped to its closing line's
    (an unclosed fence runs to the end, mapped to ``len(lines) - 1``)."""
    blocks: dict[int, int] = {}
    start: int | None = None
    fence = ""
    for i, line in enumerate(lines):
        if start is None:
            if m := FENCE.match(line):
                start, fence = i, m.group(1)
        elif closes_fence(line, fence):
            blocks[start] = i
            start = None
    if start is not None:
        blocks[start] = len(lines) - 1
    return blocks


def _inside(blocks: dict[int, int], n: int) -> list[bool]:
    inside = [False] * n
    for start, end in blocks.items():
        for k in range(start, end + 1):
            inside[k] = True
    return inside


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.lines = text.split("\n")
        self.path = path
        self.blocks = _fences(self.lines)
        self.fenced = _inside(self.blocks, len(self.lines))
        self.result = ParseResult()
        self.items: list[_Item] = []
        self.sections = Sections()
        self.orphans: list[Diagnostic] = []
        self.stray: list[list[int]] = []  # paragraphs outside any item (0-based line indexes)
        self.markup: Markup = "markdown" if path.lower().endswith((".md", ".markdown")) else "plain"
        self.labels = _repeated_labels(self.lines)
        self.numbered_questions = _numbered_questions(self.lines, self.fenced)

    def warn(self, line: int, rule: rules.Rule, message: str) -> None:
        self.result.diagnostics.append(rule.at(self.path, line + 1, message))

    def strays(self) -> None:
        """Report the text outside items: a run of question lines (most end in ``?``) is questions
        without answers, one warning each; any other paragraph is one orphan-text warning."""
        for para in self.stray:
            texts = [self.lines[k].strip() for k in para]
            if 2 * sum(map(_is_question_line, texts)) >= len(texts):
                for k, text in zip(para, texts, strict=True):
                    self.result.skipped += 1
                    self.warn(k, rules.UNANSWERED_QUESTION, f"question has no answer: {snippet(text)}")
            elif (orphan := orphan_text(self.path, para[0] + 1, "\n".join(texts))) is not None:
                self.orphans.append(orphan)

    # -- scanning --------------------------------------------------------------------------------
    def top_item(self, i: int, open_: _Item | None) -> _Numbered | None:
        """The numbered item starting at line ``i`` when it is a question, not a nested list item."""
        if self.fenced[i]:
            return None
        found = _item(self.lines[i])
        if found is None:
            return None
        limit = open_.text_col if open_ is not None else 4
        return found if found.marker_col < min(limit, 4) else None

    def run(self) -> ParseResult:
        lines = self.lines
        for start, end in self.blocks.items():
            if end == len(lines) - 1 and not (end > start and FENCE.match(lines[end])):
                self.warn(start, rules.UNCLOSED_FENCE, "code fence opened here is never closed")
        open_: _Item | None = None
        blank = True
        para_end = -1  # index after the last line of the current orphan paragraph run
        first = next((k for k, line in enumerate(lines) if line.strip()), len(lines))
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                blank = True
                if open_ is not None and open_.answer:
                    open_.answer.append(i)
                i += 1
                continue
            found = self.top_item(i, open_)
            if found is not None and open_ is not None and self.lists_answer(open_, found):
                open_.answer.append(i)
                open_.listing = True
                blank = False
                i += 1
                continue
            if found is not None:
                open_ = self.open(i, found)
                blank = False
                i += 1
                continue
            heading = None if self.fenced[i] else atx_heading(line)
            if heading is not None and (open_ is None or indent_width(line) <= open_.marker_col):
                open_ = None
                self.sections.heading(*heading, at_top=i == first)
                blank = True
                i += 1
                continue
            if open_ is not None and self.belongs(open_, i, blank):
                i = self.take(open_, i, blank)
                blank = False
                continue
            open_ = None
            if not self.fenced[i] and _RULE.match(line):
                blank = True
                i += 1
                continue
            if i != para_end:
                self.stray.append([])
            self.stray[-1].append(i)
            para_end = i + 1
            blank = False
            i += 1
        return self.finish()

    def lists_answer(self, item: _Item, found: _Numbered) -> bool:
        """In a file of numbered questions, items that are no question and number from 1 again
        right under a question are its answer, written as a numbered list at the question's level."""
        if not self.numbered_questions or _is_question_line(found.text):
            return False
        return item.listing or (not item.answer and found.number == 1 and item.number > 1)

    def open(self, i: int, found: _Numbered) -> _Item:
        context = self.sections.titles()
        item = _Item(i, found.marker_col, found.text_col, [found.text], found.number, context=context)
        item.closed_question = _question_closed(found.text)
        self.items.append(item)
        return item

    def belongs(self, item: _Item, i: int, blank: bool) -> bool:
        """Does line ``i`` (not blank, not an item) belong to the open item?"""
        line = self.lines[i]
        if not blank or self.fenced[i] or indent_width(line) > item.marker_col:
            return not (_RULE.match(line) and indent_width(line) <= item.marker_col and not self.fenced[i])
        s = line.strip()
        if _LABEL.match(s) and self.label_word(s) is not None:
            return True
        if item.answer or s[:1] in "-*+>|<" or _item(line) is not None:
            return False
        return not any(_is_question_line(self.lines[k]) for k in self.paragraph(i))

    def paragraph(self, i: int) -> range:
        end = i
        while end < len(self.lines) and self.lines[end].strip() and self.top_item(end, None) is None:
            end += 1
        return range(i, end)

    def take(self, item: _Item, i: int, blank: bool) -> int:
        """Add line ``i`` (and a whole fenced block it opens) to the item; return the next index."""
        line = self.lines[i]
        if not item.answer and not blank and not item.closed_question and not self.fenced[i]:
            s = line.strip()
            if _bold_open(" ".join(item.question)) or _is_question_line(s) or s[:1].islower():
                item.question.append(s)
                item.closed_question = _question_closed(" ".join(item.question))
                return i + 1
        item.closed_question = True
        end = self.blocks.get(i, i)
        item.answer.extend(range(i, end + 1))
        return end + 1

    # -- labels --------------------------------------------------------------------------------
    def label_word(self, line: str) -> str | None:
        """The answer label opening ``line``: ``A``/``Ans``/``Answer`` or a word that opens many answers."""
        m = _LABEL.match(line.strip())
        if m is None:
            return None
        word = m.group(1).casefold()
        return word if word in _KNOWN_LABELS or word in self.labels else None

    # -- cards ---------------------------------------------------------------------------------
    def finish(self) -> ParseResult:
        self.result.title = self.sections.title
        asked: dict[str, int] = {}
        for k, item in enumerate(self.items):
            asked[_key(" ".join(item.question))] = k
        for k, item in enumerate(self.items):
            self.card(item, asked.get(_key(" ".join(item.question)), k) > k)
        self.strays()
        if self.result.cards:
            self.result.diagnostics.extend(self.orphans)
        elif any(line.strip() for line in self.lines):
            self.warn(0, rules.NO_CARDS, "no numbered questions with answers found")
        self.result.diagnostics.sort(key=Diagnostic.sort_key)
        return self.result

    def card(self, item: _Item, asked_again: bool) -> None:
        rows = item.answer
        while rows and not self.lines[rows[-1]].strip():
            rows.pop()
        while rows and _RULE.match(self.lines[rows[-1]]) and not self.fenced[rows[-1]]:
            rows.pop()
        front = _front(item.question)
        if rows and all(_is_question_line(self.lines[k]) for k in rows if self.lines[k].strip()):
            front = " ".join([front, *(self.lines[k].strip() for k in rows if self.lines[k].strip())])
            rows = []  # more questions on the item's lines, no answer
        back, first, last = self.answer(item, rows)
        if not back:
            if asked_again:
                return  # a line of the contents list that repeats the questions
            self.result.skipped += 1
            self.warn(item.start, rules.UNANSWERED_QUESTION, f"question has no answer: {snippet(front)}")
            return
        if _NA.match(back.strip(" *_`")):
            self.result.skipped += 1
            message = f"answer is only {back.strip()!r}, question skipped: {snippet(front)}"
            self.warn(item.start, rules.NA_ANSWER, message)
            return
        self.result.cards.append(
            Card(
                front=front,
                back=back,
                line=item.start + 1,
                end_line=last + 1,
                back_line=first + 1,
                source=self.path,
                context=item.context,
                markup=self.markup,
            )
        )

    def answer(self, item: _Item, rows: list[int]) -> tuple[str, int, int]:
        """The answer text of ``rows`` with indentation, a leading quote and a label removed."""
        if not rows:
            return "", 0, 0
        widths = [indent_width(self.lines[k]) for k in rows if self.lines[k].strip() and not self.fenced[k]]
        cut = min(widths, default=item.text_col)
        if cut >= item.text_col + 4:
            cut = item.text_col  # indented four past the question's text: a code block
        out = [_dedent(self.lines[k], cut).rstrip() if self.lines[k].strip() else "" for k in rows]
        quoted = out[0].startswith(">")
        labelled = False
        for n, k in enumerate(rows):
            text = out[n]
            if self.fenced[k]:
                continue
            if quoted and text.startswith(">"):
                text = text[2:] if text.startswith("> ") else text[1:]
            if not labelled and (n == 0 or not out[n - 1].strip()) and self.label_word(text) is not None:
                m = _LABEL.match(text.strip())
                assert m is not None
                text = text.strip()[m.end() :]
                labelled = True
            out[n] = text
        start = 0
        while start < len(out) and not out[start].strip():
            start += 1
        end = len(out)
        while end > start and not out[end - 1].strip():
            end -= 1
        if start == end:
            return "", 0, 0
        return "\n".join(out[start:end]), rows[start], rows[end - 1]


def _numbered_questions(lines: list[str], fenced: list[bool]) -> bool:
    """Whether the file numbers its questions 1, 2, 3 …: then an item that is no question and
    numbers from 1 again is not a question either."""
    items = [found for k, line in enumerate(lines) if not fenced[k] and (found := _item(line)) is not None]
    numbers = [found.number for found in items if found.marker_col < 4 and _is_question_line(found.text)]
    steps = sum(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))
    return len(numbers) >= 3 and steps >= _SEQUENTIAL_SHARE * (len(numbers) - 1)


def _repeated_labels(lines: list[str]) -> frozenset[str]:
    """Words that open the first line under three or more numbered items (``Ans:``, ``Réponse :``)."""
    openers: Counter[str] = Counter()
    for k, line in enumerate(lines):
        if _item(line) is None:
            continue
        below = next((row for row in lines[k + 1 : k + 4] if row.strip()), "")
        m = _LABEL.match(below.strip())
        if m:
            openers[m.group(1).casefold()] += 1
    return frozenset(word for word, n in openers.items() if n >= 3)


def _front(question: list[str]) -> str:
    """The question text: wrapped lines joined, a bold wrapping the whole question removed."""
    text = " ".join(part.strip() for part in question)
    m = re.fullmatch(r"(\*\*|__)(.+?)\1(.*)", text)
    if m and m.group(1) not in m.group(2) and not m.group(3).strip(" :"):
        text = m.group(2).strip()
    return text


def _key(question: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", question).casefold().split())


def count_questions(text: str) -> int:
    """How many top-level numbered items of ``text`` are shaped like questions (detection)."""
    if not _ITEM_START.search("\n" + text):  # no line opens with a number: no item
        return 0
    lines = text.split("\n")
    fenced = _inside(_fences(lines), len(lines))
    count = 0
    for i, line in enumerate(lines):
        found = None if fenced[i] else _item(line)
        if found is not None and found.marker_col < 4 and _is_question_line(found.text):
            count += 1
    return count


def parse(text: str, path: str) -> ParseResult:
    """Parse a numbered list of questions with the answers under them into cards."""
    return _Parser(text, path).run()
