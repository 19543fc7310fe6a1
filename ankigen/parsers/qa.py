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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from ankigen import rules
from ankigen.cloze import makes_cards
from ankigen.model import Card, Diagnostic, Markup, ParseResult
from ankigen.parsers.common import (
    FENCE,
    Sections,
    atx_heading,
    closes_fence,
    is_blank,
    list_number,
    orphan_text,
    snippet,
)

_TAB = 8
_MAX_MARKER_DIGITS = 6
_MAX_MESSAGE = 2000
_NO_CAP = 1 << 30
_QUOTE = re.compile(r"(?: {0,3}> ?)+")

Kind = Literal["Q", "A"]

# The marker grammar :func:`_marker` reads, and the sniffer's line patterns for it (a looser reading,
# for format detection): Q: Q. Q) Q001: Q-001. **Q:** Question 3: (also quoted with >).
_WORD_MARKERS = (("Question", "Q"), ("Answer", "A"), ("QUESTION", "Q"), ("ANSWER", "A"), ("Ans", "A"))
_NUMBER = rf"\d{{1,{_MAX_MARKER_DIGITS}}}"
_LINE_START = r"\n[ \t]*(?:>[ \t]*)*"  # searched in the text after a newline: the engine skips to each
_QUESTION_LINE = re.compile(
    rf"{_LINE_START}(?:[-*+][ \t]+)?(?:\*\*|__)?"
    rf"(?:Q(?:-?{_NUMBER})?[:.)]|(?:{'|'.join(w for w, k in _WORD_MARKERS if k == 'Q')})(?: ?{_NUMBER})?:)",
)
_ANSWER_LINE = re.compile(rf"{_LINE_START}(?:[-*+][ \t]+)?(?:\*\*|__)?A(?:-?{_NUMBER})?[:.)]")
# "Answer:" lines mark answers only beside question markers: under "### Q1: …" headings they are labels.
_ANSWER_WORD_LINE = re.compile(
    rf"{_LINE_START}(?:\*\*|__)?(?:{'|'.join(w for w, k in _WORD_MARKERS if k == 'A')})(?: ?{_NUMBER})?:",
)
# The second option of a multiple-choice list ("B) softmax"): its "A)" lines are options, not answers.
_OPTION_LINE = re.compile(r"\n[ \t]*(?:[-*+][ \t]+)?\(?B[.)][ \t]")


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


class _Line(NamedTuple):
    """One source line as the rules see it: ``rest`` is ``raw`` without its ``>`` quote prefixes."""

    lineno: int
    raw: str
    rest: str
    quoted: bool
    blank: bool
    marker: _Marker | None


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


def _marker(rest: str, follows: int | None = None) -> _Marker | None:
    """Recognise ``Q:``, ``A.``, ``Q)``, ``Q001:``, ``A-001.``, ``**Q:**``, ``**Q: text**``,
    ``Question 3:``/``**Answer:**`` at the start of ``rest`` (also as a ``-`` list item); ``Q12 text``
    too when ``follows`` is 11.
    """
    i, col = _indent(rest)
    j = _after_bullet(rest, i) if rest[i : i + 1] in ("-", "*", "+") else i
    bold = rest[j : j + 2] if rest.startswith(("**", "__"), j) else ""
    j += len(bold)
    if j >= len(rest) or rest[j] not in "QA":
        return None
    kind: Kind = "Q" if rest[j] == "Q" else "A"
    word = next((w for w, k in _WORD_MARKERS if rest.startswith(w, j)), None)
    j, number = _marker_number(rest, j + (len(word) if word else 1), word is not None)
    if (
        j < len(rest)
        and rest[j] in " \t"
        and not bold
        and kind == "Q"
        and number is not None
        and number == follows
    ):
        return _Marker(kind, col, _width(rest[i : j + 1], col), rest[j + 1 :], number)  # "Q12 text"
    if j >= len(rest) or rest[j] not in ":.)" or (word and rest[j] != ":" and number is None):
        return None
    return _marker_text(rest, i, col, j, _Marker(kind, col, 0, "", number), bold)


def _after_bullet(rest: str, j: int) -> int:
    """Skip a ``-``/``*``/``+`` list bullet and its spaces at ``j`` ("- **Q:** …", "* A: …")."""
    if j + 1 < len(rest) and rest[j] in "-*+" and rest[j + 1] in " \t":
        j += 1
        while j < len(rest) and rest[j] in " \t":
            j += 1
    return j


def _marker_number(rest: str, j: int, word: bool) -> tuple[int, int | None]:
    """Read a marker's number at ``j`` (``001``, ``-001``, `` 3`` after a word); return where it ends."""
    n = len(rest)
    if word and j + 1 < n and rest[j] == " " and rest[j + 1].isascii() and rest[j + 1].isdigit():
        j += 1  # "Question 3:"
    if j + 1 < n and rest[j] == "-" and rest[j + 1].isascii() and rest[j + 1].isdigit():
        j += 1
    digits = j
    while j < n and rest[j].isascii() and rest[j].isdigit() and j - digits < _MAX_MARKER_DIGITS:
        j += 1
    return j, int(rest[digits:j]) if j > digits else None


def _marker_text(rest: str, i: int, col: int, j: int, marker: _Marker, bold: str) -> _Marker | None:
    """Finish ``marker`` whose punctuation is at ``j``: close its bold, skip one space, take its text."""
    punct = rest[j]
    j += 1
    wraps = False
    if bold:
        if rest.startswith(bold, j):
            j += 2
        elif marker.kind == "Q" and rest.rstrip().endswith(bold) and len(rest.rstrip()) > j + 2:
            wraps = True  # "**Q: the whole question?**"
        else:
            return None
    if j < len(rest):
        if rest[j] in " \t":
            j += 1
        elif punct != ":" or (bold and not wraps):
            return None
    text = rest[j:]
    if wraps:
        text = text.rstrip()[: -len(bold)]
    marker.text_col, marker.text = _width(rest[i:j], col), text
    return marker


def _width(text: str, col: int = 0) -> int:
    """The column reached after ``text`` starting at column ``col`` (tabs expanded)."""
    for ch in text:
        col += _TAB - col % _TAB if ch == "\t" else 1
    return col


def _quoted_question(text: str) -> str:
    """The whole question on one line (`` / `` between lines) for a diagnostic; cut only when huge."""
    joined = " / ".join(line.strip() for line in text.split("\n") if line.strip())
    return joined if len(joined) <= _MAX_MESSAGE else joined[:_MAX_MESSAGE] + "…"


def _is_rule(s: str) -> bool:
    """A ruler line such as ``-----`` or ``=====`` (dropped when it trails a question or answer)."""
    t = s.strip()
    return len(t) >= 3 and not t.strip(t[0]) and t[0] in "-=_*~"


def _render(items: list[_Item], text_col: int, strip_first: bool) -> tuple[str, int, int]:
    """Join items into text; return ``(text, first_line, last_line)`` of the non-blank part.

    Marker items contribute the text after their marker; continuation items lose their common
    indentation, but never more than ``text_col`` columns (the column where marker text starts).
    """
    start = 0
    end = len(items)
    while start < end and is_blank(items[start].text):
        start += 1
    while end > start and (
        is_blank(items[end - 1].text) or (not items[end - 1].marker and _is_rule(items[end - 1].text))
    ):
        end -= 1
    if start == end:
        return "", 0, 0
    cut = text_col
    for item in items[start:end]:
        if not item.marker and not is_blank(item.text):
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
        self.sections = Sections()
        self.seen_content = False
        self.paragraph: list[_Item] = []
        self.prev_blank = True
        self.last_number: int | None = None  # of the last numbered Q marker ("Q11:")
        self.fence: str | None = None  # the run of ` or ~ of the code fence open inside the card
        self.rules: tuple[Callable[[_Line], bool], ...] = (
            self.leaves_card,
            self.outside_card,
            self.question_marker,
            self.answer_marker,
            self.continuation,
        )

    # -- diagnostics -------------------------------------------------------------------------------
    def warn(self, line: int, rule: rules.Rule, message: str) -> None:
        self.result.diagnostics.append(rule.at(self.path, line, message))

    def flush_paragraph(self) -> None:
        """Report the pending orphan paragraph (unless it holds no letters or digits at all)."""
        para = self.paragraph
        self.paragraph = []
        if not para:
            return
        orphan = orphan_text(self.path, para[0].line, "\n".join(item.text for item in para))
        if orphan is not None:
            self.orphans.append(orphan)

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
                        f"answer without a question is ignored: {snippet(back)}",
                    )
                )
            return
        if not back and not makes_cards(front, self.markup == "plain"):
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
            front, back = _hard_breaks(front), _hard_breaks(back)
        self.result.cards.append(
            Card(
                front=front,
                back=back,
                line=card.line,
                end_line=end_line,
                back_line=back_line,
                source=self.path,
                context=self.sections.titles(),
                markup=self.markup,
            )
        )

    def ends_card(self, card: _Open, ln: _Line) -> bool:
        """After a blank line, does this unmarked line leave the card?

        It does when it is a heading that starts a section (see :meth:`starts_section`), leaves the
        card's blockquote, sits left of the marker, or sits at the marker's column when the card's own
        lines are indented under their markers or are all prefixed (``A:`` on every line, as in seed 000).
        """
        if not self.prev_blank:
            return False
        if card.quoted and not ln.quoted:
            return True
        if atx_heading(ln.rest) is not None:
            return self.starts_section(ln.lineno)
        col = _indent(ln.rest)[1]
        all_prefixed = card.hanging is None and card.a_markers >= 2
        return col < card.marker_col or ((bool(card.hanging) or all_prefixed) and col <= card.marker_col)

    def starts_section(self, lineno: int) -> bool:
        """A ``#`` line inside an answer is a section heading only when a question (or the end) follows it.

        Otherwise it is answer text, such as a shell or Python comment.
        """
        for line in self.lines[lineno:]:
            rest, _ = _unquote(line)
            if is_blank(rest) or atx_heading(rest) is not None:
                continue
            marker = _marker(rest)
            return marker is not None and marker.kind == "Q"
        return True

    # -- outside cards ---------------------------------------------------------------------------------
    def outside(self, ln: _Line) -> None:
        """A line outside cards: an ``A:`` under a paragraph makes it the question; headings are
        the title or sections; other text is kept to be reported as orphan text."""
        marker = ln.marker
        if marker is not None and marker.kind == "A":
            if self.paragraph and not self.prev_blank:
                self.question_from_paragraph(ln.lineno, marker, ln.quoted)
                return
            self.flush_paragraph()
            self.paragraph.append(_Item(ln.lineno, ln.raw, False))
            return
        if ln.blank:
            self.flush_paragraph()
            return
        heading = atx_heading(ln.rest)
        if heading is not None:
            self.flush_paragraph()
            self.sections.heading(*heading, at_top=heading[0] == 1 and not self.seen_content)
            return
        self.paragraph.append(_Item(ln.lineno, ln.rest, False))

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
        text = list_number(first.text)
        i, col = _indent(first.text)
        card = _Open(first.line, quoted, col, col)
        card.q_items.append(_Item(first.line, first.text if text is None else text, True))
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
        self.result.title = self.sections.title
        if self.result.cards:
            self.result.diagnostics.extend(self.orphans)
        elif text.strip():
            self.warn(1, rules.NO_CARDS, "no Q:/A: cards found")
        self.result.diagnostics.sort(key=Diagnostic.sort_key)
        return self.result

    def line(self, lineno: int, raw: str, rest: str, quoted: bool) -> None:
        """Read one line (comments already removed): the first rule of :attr:`rules` that takes it decides."""
        blank = is_blank(rest)
        if self.card is not None and self.fence is not None:
            self.fenced(self.card, _Line(lineno, raw, rest, quoted, blank, None))
        else:
            ln = _Line(lineno, raw, rest, quoted, blank, self.read_marker(rest))
            for rule in self.rules:
                if rule(ln):
                    break
            if not blank:
                self.seen_content = True
        self.prev_blank = blank

    def read_marker(self, rest: str) -> _Marker | None:
        """The line's ``Q:``/``A:`` marker; ``## Q: What is …?`` is a question written as a heading."""
        marker = _marker(rest, None if self.last_number is None else self.last_number + 1)
        heading = atx_heading(rest) if marker is None else None
        if heading is not None:
            asked = _marker(heading[1])
            if asked is not None and asked.kind == "Q":
                marker = _Marker("Q", 0, _indent(rest)[1], asked.text, asked.number)
        if marker is not None and marker.kind == "Q" and marker.number is not None:
            self.last_number = marker.number
        return marker

    def fenced(self, card: _Open, ln: _Line) -> None:
        """Inside a code fence a line is text, whatever it holds, until the fence closes."""
        assert self.fence is not None
        self.content(card, ln)
        if closes_fence(ln.rest, self.fence):
            self.fence = None

    # -- line rules, in order: each returns True when it took the line ------------------------------
    def leaves_card(self, ln: _Line) -> bool:
        """An unmarked line that ends the open card (see :meth:`ends_card`) closes it; others read on."""
        card = self.card
        if card is not None and ln.marker is None and not ln.blank and self.ends_card(card, ln):
            self.finish_card()
        return False

    def outside_card(self, ln: _Line) -> bool:
        """With no card open a ``Q:`` starts one; anything else is outside text."""
        if self.card is not None:
            return False
        if ln.marker is not None and ln.marker.kind == "Q":
            self.start_card(ln.lineno, ln.marker, ln.quoted)
        else:
            self.outside(ln)
        return True

    def question_marker(self, ln: _Line) -> bool:
        """A ``Q:`` in a card starts the next card, unless it continues the card's ``Q:`` lines."""
        card = self.card
        if card is None or ln.marker is None or ln.marker.kind != "Q":
            return False
        if card.answering or not card.q_items[-1].marker:
            self.start_card(ln.lineno, ln.marker, ln.quoted)
        else:
            card.q_items.append(_Item(ln.lineno, ln.marker.text, True))
            card.marker_col = ln.marker.col
        return True

    def answer_marker(self, ln: _Line) -> bool:
        """An ``A:`` adds an answer paragraph, or splits off a question paragraph above it."""
        card, marker = self.card, ln.marker
        if card is None or marker is None:
            return False
        if (
            card.answering
            and card.para_start is not None
            and _looks_like_question(card.a_items[card.para_start :])
        ):
            self.split_off_question(card, ln.lineno, marker, ln.quoted)
            return True
        if not card.answering:
            card.answering = True
            card.a_text_col = marker.text_col
        card.a_items.append(_Item(ln.lineno, marker.text, True))
        card.a_markers += 1
        card.marker_col = marker.col
        card.para_start = None
        return True

    def continuation(self, ln: _Line) -> bool:
        """An unmarked line continues the card's question or answer; it may open a code fence."""
        if self.card is None:
            return False
        self.content(self.card, ln)
        fence = FENCE.match(ln.rest)
        if fence and not (fence.group(1)[0] == "`" and "`" in ln.rest[fence.end() :]):
            self.fence = fence.group(1)
        return True

    def content(self, card: _Open, ln: _Line) -> None:
        """An unmarked line of the open card: question text until its ``A:``, then answer text."""
        content = ln.rest if card.quoted and ln.quoted else ln.raw
        if not ln.blank and card.hanging is None:
            card.hanging = _indent(content)[1] > card.marker_col
        items = card.a_items if card.answering else card.q_items
        if ln.blank:
            card.para_start = None
        elif self.prev_blank:
            card.para_start = len(items)
        items.append(_Item(ln.lineno, content, False))


def _looks_like_question(items: list[_Item]) -> bool:
    """Is this unprefixed paragraph a question (numbered, or ending in ``?``)?"""
    if not items:
        return False
    return list_number(items[0].text) is not None or items[-1].text.rstrip().endswith("?")


def _split_implicit(items: list[_Item]) -> tuple[list[_Item], list[_Item]]:
    """Split a question that has no ``A:`` into question and answer items.

    The question runs to the first line ending in ``?`` in its first paragraph; failing that, to
    the end of the first paragraph when more text follows, else it is just the marker lines.
    """
    end = len(items)
    while end and is_blank(items[end - 1].text):
        end -= 1
    last_marker = 0
    while last_marker + 1 < end and items[last_marker + 1].marker:
        last_marker += 1
    first_blank = next((i for i in range(last_marker + 1, end) if is_blank(items[i].text)), end)
    split = last_marker + 1
    for i in range(last_marker, first_blank):
        if items[i].text.rstrip().endswith("?"):
            split = i + 1
            break
    else:
        if first_blank < end:
            split = first_blank
    return items[:split], items[split:end]


_LIST_START = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]")


def _hard_breaks(text: str) -> str:
    """Markdown ``text`` whose line breaks render as written: a hard break (two trailing spaces) ends
    every line followed by another line of the same paragraph; code fences and tables are left alone.
    """
    lines = text.split("\n")
    fence: str | None = None
    for k, line in enumerate(lines):
        if fence is not None:
            if closes_fence(line, fence):
                fence = None
            continue
        if m := FENCE.match(line):
            fence = m.group(1)
            continue
        nxt = lines[k + 1] if k + 1 < len(lines) else ""
        if not line.strip() or not nxt.strip() or line.endswith(("  ", "\\")) or FENCE.match(nxt):
            continue
        if line.lstrip().startswith(("|", "#")) or nxt.lstrip().startswith("|") or _LIST_START.match(nxt):
            continue  # tables, headings, and lines a list item follows break anyway
        lines[k] = line + "  "
    return "\n".join(lines)


def count_markers(text: str) -> tuple[int, int]:
    """``(questions, answers)``: how many lines of ``text`` open with a question or an answer marker
    (format detection). ``A)`` lines of a list with ``B)`` options are choices, not answers; a
    question line with a cloze is an answer too."""
    text = "\n" + text  # each line after a newline, as the patterns read it
    questions = len(_QUESTION_LINE.findall(text))
    answers = max(0, len(_ANSWER_LINE.findall(text)) - len(_OPTION_LINE.findall(text)))
    if "{{c" in text:  # a question line of clozes needs no answer: it counts as answered
        ends = ((m.end(), text.find("\n", m.end())) for m in _QUESTION_LINE.finditer(text))
        answers += sum(1 for start, end in ends if makes_cards(text[start : end if end >= 0 else len(text)]))
    if questions:
        answers += len(_ANSWER_WORD_LINE.findall(text))
    return questions, answers


def parse(text: str, path: str) -> ParseResult:
    """Parse Q:/A: notes in ``text`` (from ``path``) into plain-text cards and diagnostics."""
    return _Parser(text, path).run()
