"""Parser for the ``Q:``/``A:`` format: one or more question lines, then answer lines.

Besides the strict form (every line prefixed with ``Q:`` or ``A:``) it accepts what real FAQ files do:
markers indented or inside ``>`` blockquotes, ``Q.``/``Q)``/``Q001:``/``Q-001.``/``**Q:**`` spellings,
a wholly bold question ``**Q: …?**``, ``Question 3:``/``Answer:`` (also bold), ``Q12 …`` without
punctuation right after ``Q11:``, unprefixed continuation lines (their common indentation is removed,
relative indentation is kept), blank lines between question and answer, several ``A:`` paragraphs,
HTML comments between cards (ignored), a question with no ``A:`` whose answer follows as unprefixed
text, and an ``A:`` right under an unprefixed question line. Markdown ``#`` headings outside cards
become the cards' context; inside a card a ``#`` line is text unless a question follows it, and
nothing inside a code fence is a marker or a heading.

Cards from a ``.md``/``.markdown`` file are Markdown (their line breaks kept as hard breaks); from
any other file they are plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ankigen import rules
from ankigen.model import Card, Diagnostic, Markup, ParseResult
from ankigen.parsers.md_text import atx_heading, hard_breaks

_TAB = 8
_SNIPPET = 80
_MAX_MARKER_DIGITS = 6
_MAX_MESSAGE = 2000
_NO_CAP = 1 << 30
_QUOTE = re.compile(r"(?: {0,3}> ?)+")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")

Kind = Literal["Q", "A"]


@dataclass
class _Item:
    """One source line of a question or answer: the marker's text, or a raw continuation line."""

    line: int
    text: str
    marker: bool


@dataclass
class _Open:
    """The card being read."""

    line: int
    quoted: bool
    q_text_col: int
    marker_col: int
    q_items: list[_Item] = field(default_factory=list)
    a_items: list[_Item] = field(default_factory=list)
    a_text_col: int = 0
    answering: bool = False
    hanging: bool | None = None
    para_start: int | None = None
    a_markers: int = 0


@dataclass
class _Marker:
    """A ``Q:``/``A:`` marker: its kind, its column, the column its text starts at, that text, its number."""

    kind: Kind
    col: int
    text_col: int
    text: str
    number: int | None = None


def _indent(s: str) -> tuple[int, int]:
    """Return the number of leading space/tab characters of ``s`` and their width in columns."""
    count = len(s) - len(s.lstrip(" \t"))
    prefix = s[:count]
    if "\t" not in prefix:
        return count, count
    return count, _width(prefix)


def _dedent(s: str, cols: int) -> str:
    """Remove ``cols`` columns of leading whitespace from ``s`` (a tab straddling the cut becomes spaces)."""
    count, width = _indent(s)
    if count == width:
        return s[min(count, cols) :]
    col = 0
    for i in range(count):
        nxt = col + (_TAB - col % _TAB if s[i] == "\t" else 1)
        if nxt > cols:
            return " " * (nxt - cols) + s[i + 1 :] if col < cols else s[i:]
        col = nxt
    return s[count:]


def _unquote(line: str) -> tuple[str, bool]:
    """Strip every ``>`` blockquote prefix (each at most 3 spaces in, with one optional space after)."""
    match = _QUOTE.match(line)
    if match is None:
        return line, False
    return line[match.end() :], True


_WORD_MARKERS = (("Question", "Q"), ("Answer", "A"), ("QUESTION", "Q"), ("ANSWER", "A"), ("Ans", "A"))


def _marker(rest: str, follows: int | None = None) -> _Marker | None:
    """Recognise ``Q:``, ``A.``, ``Q)``, ``Q001:``, ``A-001.``, ``**Q:**``, ``**Q: text**``,
    ``Question 3:``/``**Answer:**`` at the start of ``rest`` (also as a ``-`` list item); ``Q12 text``
    too when ``follows`` is 11.
    """
    i, col = _indent(rest)
    n = len(rest)
    j = i
    if j + 1 < n and rest[j] in "-*+" and rest[j + 1] in " \t":  # "- **Q:** …", "* A: …" list items
        j += 1
        while j < n and rest[j] in " \t":
            j += 1
    bold = ""
    if rest.startswith("**", j) or rest.startswith("__", j):
        bold = rest[j : j + 2]
        j += 2
    if j >= n or rest[j] not in "QA":
        return None
    kind: Kind = "Q" if rest[j] == "Q" else "A"
    word = next((w for w, k in _WORD_MARKERS if rest.startswith(w, j)), None)
    j += len(word) if word else 1
    if word and j < n and rest[j] == " " and j + 1 < n and rest[j + 1].isascii() and rest[j + 1].isdigit():
        j += 1  # "Question 3:"
    if j < n and rest[j] == "-" and j + 1 < n and rest[j + 1].isascii() and rest[j + 1].isdigit():
        j += 1
    digits = j
    while j < n and rest[j].isascii() and rest[j].isdigit() and j - digits < _MAX_MARKER_DIGITS:
        j += 1
    number = int(rest[digits:j]) if j > digits else None
    if j < n and rest[j] in " \t" and not bold and kind == "Q" and number is not None and number == follows:
        return _Marker(kind, col, _width(rest[i : j + 1], col), rest[j + 1 :], number)  # "Q12 text"
    if j >= n or rest[j] not in ":.)" or (word and rest[j] != ":" and number is None):
        return None
    punct = rest[j]
    j += 1
    wraps = False
    if bold:
        if rest.startswith(bold, j):
            j += 2
        elif kind == "Q" and rest.rstrip().endswith(bold) and len(rest.rstrip()) > j + 2:
            wraps = True  # "**Q: the whole question?**"
        else:
            return None
    if j < n:
        if rest[j] in " \t":
            j += 1
        elif punct != ":" or (bold and not wraps):
            return None
    text = rest[j:]
    if wraps:
        text = text.rstrip()[: -len(bold)]
    return _Marker(kind, col, _width(rest[i:j], col), text, number)


def _width(text: str, col: int = 0) -> int:
    """The column reached after ``text`` starting at column ``col`` (tabs expanded)."""
    for ch in text:
        col += _TAB - col % _TAB if ch == "\t" else 1
    return col


def _snippet(text: str) -> str:
    """First line of ``text``, shortened for a diagnostic message."""
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= _SNIPPET else first[:_SNIPPET] + "…"


def _quoted_question(text: str) -> str:
    """The whole question on one line (`` / `` between lines) for a diagnostic; cut only when huge."""
    joined = " / ".join(line.strip() for line in text.split("\n") if line.strip())
    return joined if len(joined) <= _MAX_MESSAGE else joined[:_MAX_MESSAGE] + "…"


def _is_rule(s: str) -> bool:
    """A ruler line such as ``-----`` or ``=====`` (dropped when it trails a question or answer)."""
    t = s.strip()
    return len(t) >= 3 and not t.strip(t[0]) and t[0] in "-=_*~"


def _is_blank(s: str) -> bool:
    return not s.strip()


def _render(items: list[_Item], text_col: int, strip_first: bool) -> tuple[str, int, int]:
    """Join items into text; return ``(text, first_line, last_line)`` of the non-blank part.

    Marker items contribute the text after their marker; continuation items lose their common
    indentation, but never more than ``text_col`` columns (the column where marker text starts).
    """
    start = 0
    end = len(items)
    while start < end and _is_blank(items[start].text):
        start += 1
    while end > start and (
        _is_blank(items[end - 1].text) or (not items[end - 1].marker and _is_rule(items[end - 1].text))
    ):
        end -= 1
    if start == end:
        return "", 0, 0
    cut = text_col
    for item in items[start:end]:
        if not item.marker and not _is_blank(item.text):
            cut = min(cut, _indent(item.text)[1])
    out: list[str] = []
    for item in items[start:end]:
        text = item.text if item.marker else _dedent(item.text, cut)
        out.append(text.rstrip())
    if strip_first:
        out[0] = out[0].lstrip()
    return "\n".join(out), items[start].line, items[end - 1].line


class _Parser:
    """Line-by-line state machine; ``run`` returns the ParseResult."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.path = path
        self.markup: Markup = "markdown" if path.lower().endswith((".md", ".markdown")) else "plain"
        self.result = ParseResult()
        self.orphans: list[Diagnostic] = []
        self.card: _Open | None = None
        self.context: list[tuple[int, str]] = []
        self.seen_content = False
        self.paragraph: list[_Item] = []
        self.prev_blank = True
        self.last_number: int | None = None  # of the last numbered Q marker ("Q11:")
        self.fence: tuple[str, int] | None = None  # the code fence open inside the card

    # -- diagnostics -------------------------------------------------------------------------------
    def warn(self, line: int, rule: rules.Rule, message: str) -> None:
        self.result.diagnostics.append(rule.at(self.path, line, message))

    def flush_paragraph(self) -> None:
        """Report the pending orphan paragraph (unless it holds no letters or digits at all)."""
        para = self.paragraph
        self.paragraph = []
        if not para:
            return
        joined = "\n".join(item.text for item in para)
        if any(ch.isalnum() for ch in joined):
            self.orphans.append(
                rules.ORPHAN_TEXT.at(
                    self.path,
                    para[0].line,
                    f"text outside any question/answer is ignored: {_snippet(joined)}",
                )
            )

    # -- cards ---------------------------------------------------------------------------------------
    def start_card(self, lineno: int, marker: _Marker, quoted: bool) -> None:
        self.finish_card()
        self.flush_paragraph()
        self.card = _Open(lineno, quoted, marker.text_col, marker.col)
        self.card.q_items.append(_Item(lineno, marker.text, True))

    def finish_card(self) -> None:
        card = self.card
        if card is None:
            return
        self.card = None
        self.fence = None
        q_items = card.q_items
        a_items = card.a_items
        a_col = card.a_text_col
        if not card.answering:
            q_items, a_items = _split_implicit(card.q_items)
            a_col = _NO_CAP  # an unmarked answer loses all the indentation its lines share
        front, _, _ = _render(q_items, card.q_text_col, strip_first=True)
        back, back_line, end_line = _render(a_items, a_col, strip_first=False)
        if not front:
            if back:
                self.orphans.append(
                    rules.ORPHAN_TEXT.at(
                        self.path,
                        back_line,
                        f"answer without a question is ignored: {_snippet(back)}",
                    )
                )
            return
        if not back:
            self.result.skipped += 1
            if card.answering:
                self.warn(
                    card.line, rules.EMPTY_ANSWER, f"question has an empty answer: {_quoted_question(front)}"
                )
            else:
                self.warn(
                    card.line, rules.UNANSWERED_QUESTION, f"question has no answer: {_quoted_question(front)}"
                )
            return
        if self.markup == "markdown":
            front, back = hard_breaks(front), hard_breaks(back)
        self.result.cards.append(
            Card(
                front=front,
                back=back,
                line=card.line,
                end_line=end_line,
                back_line=back_line,
                source=self.path,
                context=tuple(title for _, title in self.context),
                markup=self.markup,
            )
        )

    def ends_card(self, card: _Open, lineno: int, rest: str, quoted: bool) -> bool:
        """After a blank line, does this unmarked line leave the card?

        It does when it is a heading that starts a section (see :meth:`starts_section`), leaves the
        card's blockquote, sits left of the marker, or sits at the marker's column when the card's own
        lines are indented under their markers or are all prefixed (``A:`` on every line, as in seed 000).
        """
        if not self.prev_blank:
            return False
        if card.quoted and not quoted:
            return True
        if atx_heading(rest) is not None:
            return self.starts_section(lineno)
        col = _indent(rest)[1]
        all_prefixed = card.hanging is None and card.a_markers >= 2
        return col < card.marker_col or ((bool(card.hanging) or all_prefixed) and col <= card.marker_col)

    def starts_section(self, lineno: int) -> bool:
        """A ``#`` line inside an answer is a section heading only when a question (or the end) follows it.

        Otherwise it is answer text, such as a shell or Python comment.
        """
        for line in self.lines[lineno:]:
            rest, _ = _unquote(line)
            if _is_blank(rest) or atx_heading(rest) is not None:
                continue
            marker = _marker(rest)
            return marker is not None and marker.kind == "Q"
        return True

    # -- outside cards ---------------------------------------------------------------------------------
    def outside(self, lineno: int, raw: str, rest: str, marker: _Marker | None, quoted: bool) -> None:
        if marker is not None and marker.kind == "A":
            if self.paragraph and not self.prev_blank:
                self.question_from_paragraph(lineno, marker, quoted)
                return
            self.flush_paragraph()
            self.paragraph.append(_Item(lineno, raw, False))
            return
        if _is_blank(rest):
            self.flush_paragraph()
            return
        heading = atx_heading(rest)
        if heading is not None:
            self.flush_paragraph()
            level, title = heading
            if level == 1 and not self.seen_content and self.result.title is None:
                self.result.title = title
            else:
                while self.context and self.context[-1][0] >= level:
                    self.context.pop()
                self.context.append((level, title))
            return
        self.paragraph.append(_Item(lineno, rest, False))

    def split_off_question(self, card: _Open, lineno: int, marker: _Marker, quoted: bool) -> None:
        """An ``A:`` under an unprefixed question-like paragraph inside an answer starts a new card."""
        assert card.para_start is not None
        para = card.a_items[card.para_start :]
        del card.a_items[card.para_start :]
        self.finish_card()
        self.paragraph = [_Item(item.line, item.text, False) for item in para]
        self.question_from_paragraph(lineno, marker, quoted)

    def question_from_paragraph(self, lineno: int, marker: _Marker, quoted: bool) -> None:
        """An ``A:`` right under unprefixed text: that paragraph is the question (numbering removed)."""
        para = self.paragraph
        self.paragraph = []
        first = para[0]
        _, text = _strip_numbering(first.text)
        i, col = _indent(first.text)
        card = _Open(first.line, quoted, col, col)
        card.q_items.append(_Item(first.line, text, True))
        card.q_items.extend(para[1:])
        card.answering = True
        card.a_text_col = marker.text_col
        card.a_items.append(_Item(lineno, marker.text, True))
        self.card = card

    # -- main loop -------------------------------------------------------------------------------------
    def run(self) -> ParseResult:
        text = self.text
        last_close = text.rfind("-->")
        in_comment = False
        pos = 0
        for lineno, raw in enumerate(text.split("\n"), start=1):
            line_start = pos
            pos += len(raw) + 1
            if in_comment:
                if "-->" in raw:
                    in_comment = False
                continue
            rest, quoted = _unquote(raw)
            stripped = rest.lstrip(" \t")
            if stripped.startswith("<!--"):
                self.finish_card()
                self.flush_paragraph()
                self.prev_blank = True
                if "-->" in stripped[4:]:
                    continue
                if last_close > line_start + len(raw) - len(stripped) + 3:
                    in_comment = True
                else:
                    self.orphans.append(
                        rules.ORPHAN_TEXT.at(
                            self.path,
                            lineno,
                            "HTML comment is never closed; only this line is ignored",
                        )
                    )
                continue
            self.line(lineno, raw, rest, quoted)
        self.finish_card()
        self.flush_paragraph()
        if self.result.cards:
            self.result.diagnostics.extend(self.orphans)
        elif text.strip():
            self.warn(1, rules.NO_CARDS, "no Q:/A: cards found")
        self.result.diagnostics.sort(key=Diagnostic.sort_key)
        return self.result

    def line(self, lineno: int, raw: str, rest: str, quoted: bool) -> None:
        card = self.card
        blank = _is_blank(rest)
        if card is not None and self.fence is not None:  # inside a code fence: text, whatever it holds
            self.content(card, lineno, raw, rest, quoted, blank)
            fence = _FENCE.match(rest)
            if fence and fence.group(1)[0] == self.fence[0] and len(fence.group(1)) >= self.fence[1]:
                self.fence = None if not rest.strip().strip(self.fence[0]) else self.fence
            self.prev_blank = blank
            return
        marker = _marker(rest, None if self.last_number is None else self.last_number + 1)
        heading = atx_heading(rest) if marker is None else None
        if heading is not None:  # "## Q: What is …?": a question written as a heading
            asked = _marker(heading[1])
            if asked is not None and asked.kind == "Q":
                marker = _Marker("Q", 0, _indent(rest)[1], asked.text, asked.number)
        if marker is not None and marker.kind == "Q" and marker.number is not None:
            self.last_number = marker.number
        if card is not None and marker is None and not blank and self.ends_card(card, lineno, rest, quoted):
            self.finish_card()
            card = None
        if card is None:
            if marker is not None and marker.kind == "Q":
                self.start_card(lineno, marker, quoted)
            else:
                self.outside(lineno, raw, rest, marker, quoted)
        elif marker is not None and marker.kind == "Q":
            if card.answering or not card.q_items[-1].marker:
                self.start_card(lineno, marker, quoted)
            else:
                card.q_items.append(_Item(lineno, marker.text, True))
                card.marker_col = marker.col
        elif marker is not None:
            if (
                card.answering
                and card.para_start is not None
                and _looks_like_question(card.a_items[card.para_start :])
            ):
                self.split_off_question(card, lineno, marker, quoted)
                return
            if not card.answering:
                card.answering = True
                card.a_text_col = marker.text_col
            card.a_items.append(_Item(lineno, marker.text, True))
            card.a_markers += 1
            card.marker_col = marker.col
            card.para_start = None
        else:
            self.content(card, lineno, raw, rest, quoted, blank)
            fence = _FENCE.match(rest)
            if fence and not (fence.group(1)[0] == "`" and "`" in rest[fence.end() :]):
                self.fence = (fence.group(1)[0], len(fence.group(1)))
        if not blank:
            self.seen_content = True
        self.prev_blank = blank

    def content(self, card: _Open, lineno: int, raw: str, rest: str, quoted: bool, blank: bool) -> None:
        """An unmarked line of the open card: question text until its ``A:``, then answer text."""
        content = rest if card.quoted and quoted else raw
        if not blank and card.hanging is None:
            card.hanging = _indent(content)[1] > card.marker_col
        items = card.a_items if card.answering else card.q_items
        if blank:
            card.para_start = None
        elif self.prev_blank:
            card.para_start = len(items)
        items.append(_Item(lineno, content, False))


def _strip_numbering(text: str) -> tuple[bool, str]:
    """Remove a leading ``12.``/``1)`` list number from ``text``."""
    s = text.lstrip(" \t")
    j = 0
    while j < len(s) and j < 9 and s[j].isascii() and s[j].isdigit():
        j += 1
    if 0 < j < len(s) and s[j] in ".)" and (j + 1 == len(s) or s[j + 1] in " \t"):
        return True, s[j + 1 :].lstrip(" \t")
    return False, text


def _looks_like_question(items: list[_Item]) -> bool:
    """Is this unprefixed paragraph a question (numbered, or ending in ``?``)?"""
    if not items:
        return False
    return _strip_numbering(items[0].text)[0] or items[-1].text.rstrip().endswith("?")


def _split_implicit(items: list[_Item]) -> tuple[list[_Item], list[_Item]]:
    """Split a question that has no ``A:`` into question and answer items.

    The question runs to the first line ending in ``?`` in its first paragraph; failing that, to
    the end of the first paragraph when more text follows, else it is just the marker lines.
    """
    end = len(items)
    while end and _is_blank(items[end - 1].text):
        end -= 1
    last_marker = 0
    while last_marker + 1 < end and items[last_marker + 1].marker:
        last_marker += 1
    first_blank = next((i for i in range(last_marker + 1, end) if _is_blank(items[i].text)), end)
    split = last_marker + 1
    for i in range(last_marker, first_blank):
        if items[i].text.rstrip().endswith("?"):
            split = i + 1
            break
    else:
        if first_blank < end:
            split = first_blank
    return items[:split], items[split:end]


def parse(text: str, path: str) -> ParseResult:
    """Parse Q:/A: notes in ``text`` (from ``path``) into plain-text cards and diagnostics."""
    return _Parser(text, path).run()
