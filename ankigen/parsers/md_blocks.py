"""Line-based Markdown block scanner: finds headings the way Python-Markdown renders them.

The scanner walks the lines once and labels each one (blank, text, code, html, hr, heading,
front matter), so ``#`` lines inside fenced or indented code, HTML blocks and front matter are
never mistaken for headings. It keeps 0-based line indices; callers turn them into line numbers.
Every step is linear in the input: searches for a closing fence or tag remember their failures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ankigen.hashtags import TAG_LINE
from ankigen.parsers.common import indent_width, loose_atx_heading

BLANK, TEXT, CODE, HTML, HR, HEADING, FRONT = "blank", "text", "code", "html", "hr", "heading", "front"

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_LIST_ATX = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])(?:\s|$)")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_HR = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|(?:\*[ \t]*){3,})$")
_HTML_OPEN = re.compile(r"^ {0,3}<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>]|$)")
_BLOCK_TAG_NAMES = (
    "address article aside blockquote body canvas center details dialog dd div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr iframe main math menu nav "
    "noscript ol p pre script section style summary table tbody td tfoot th thead tr ul video"
)
BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
# A disclosure widget holds one hidden answer: read up to its closing tag, blank lines and all.
_WHOLE_TAGS = frozenset({"details"})
VOID_TAGS = frozenset({"hr", "br", "img", "input", "meta", "link"})


@dataclass(frozen=True)
class Heading:
    """A heading found by the scanner: ``line`` is 0-based; ``end`` is the first line after it."""

    level: int
    text: str
    line: int
    end: int
    nested: bool = False  # indented inside a list item: part of that item's content
    in_item: bool = False  # the heading opens a list item ("1. ### Question"): its body is indented


@dataclass
class Scan:
    """The scanner's result: headings in order, a kind per line, and unclosed fence lines."""

    headings: list[Heading] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    unclosed_fences: list[int] = field(default_factory=list)


def _is_prose(line: str) -> bool:
    """A long sentence ending with a period: above ``---`` it is a paragraph and a rule, not a heading."""
    text = line.strip()
    return text.endswith(".") and len(text.split()) >= 8


class _Scanner:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.kinds = [BLANK] * len(lines)
        self.scan = Scan(kinds=self.kinds)
        self.fence_fail: dict[str, int] = {}  # fence char -> smallest length whose close was missing
        self.tag_fail: set[str] = set()  # tag names whose close tag was missing once
        self.i = 0  # the line being labelled
        self.ind = 0  # its indentation
        self.block_start = True  # the previous line ended a block (blank line, heading, start)
        self.in_list = False
        self.rules: tuple[Callable[[str], bool], ...] = (
            self._blank,
            self._fenced_code,
            self._indented_code,
            self._nested_heading,
            self._html_block,
            self._atx,
            self._list_atx,
            self._setext,
            self._hr,
            self._text,
        )

    def _find_fence_close(self, start: int, char: str, length: int, in_item: bool) -> int:
        """Index of the fence's last line, or -1 when it never closes.

        A fence indented inside a list item also ends where the item ends: at the first
        non-blank line back at column 0 (as CommonMark and GitHub read it).
        """
        close = re.compile(r"^\s*" + re.escape(char) + "{" + str(length) + r",}\s*$")
        if in_item:
            for j in range(start, len(self.lines)):
                line = self.lines[j]
                if close.match(line):
                    return j
                if line[:1] not in (" ", "\t", ""):
                    return j - 1
            return len(self.lines) - 1
        if length >= self.fence_fail.get(char, 1 << 30):
            return -1
        for j in range(start, len(self.lines)):
            if close.match(self.lines[j]):
                return j
        self.fence_fail[char] = min(length, self.fence_fail.get(char, 1 << 30))
        return -1

    def _html_end(self, start: int, tag: str) -> int:
        """Last line of the HTML block that opens with ``tag`` at ``start``."""
        lines = self.lines
        if tag in VOID_TAGS:
            return self._until_blank(start)
        opener = re.compile(r"<" + tag + r"(?=[\s/>]|$)", re.IGNORECASE)
        closer = re.compile(r"</" + tag + r"\s*>", re.IGNORECASE)
        depth = 0
        limit = len(lines) if tag not in self.tag_fail else start + 1
        for j in range(start, limit):
            if j > start and not lines[j].strip() and tag not in _WHOLE_TAGS:
                return j - 1  # an HTML block ends at a blank line, as in CommonMark
            depth += len(opener.findall(lines[j])) - len(closer.findall(lines[j]))
            if depth <= 0:
                return j
        self.tag_fail.add(tag)
        return self._until_blank(start)

    def _until_blank(self, start: int) -> int:
        j = start
        while j + 1 < len(self.lines) and self.lines[j + 1].strip():
            j += 1
        return j

    def _comment_end(self, start: int) -> int:
        for j in range(start, len(self.lines)):
            if "-->" in (self.lines[j][self.lines[j].find("<!--") + 4 :] if j == start else self.lines[j]):
                return j
            if j - start > 2000:  # an unclosed comment does not swallow the document
                break
        return start

    def _front_matter(self) -> int:
        """Index of the first line after a YAML front matter block, or 0."""
        lines = self.lines
        if not lines or lines[0].strip() != "---":
            return 0
        for j in range(1, min(len(lines), 200)):
            if lines[j].strip() in ("---", "..."):
                return j + 1 if j > 1 else 0
            if not re.match(r"^(?:[\w\-\s\"']+:|\s+|-\s|#)", lines[j]):
                return 0
        return 0

    def run(self) -> Scan:
        """Label the lines: the first rule of :attr:`rules` that claims a line decides its kind."""
        lines, kinds = self.lines, self.kinds
        self.i = self._front_matter()
        for j in range(self.i):
            kinds[j] = FRONT
        while self.i < len(lines):
            line = lines[self.i]
            self.ind = indent_width(line)
            for rule in self.rules:
                if rule(line):
                    break
        return self.scan

    # -- block rules, in order: each claims the line at ``self.i`` (and moves past it) or returns False --
    def _blank(self, line: str) -> bool:
        if line.strip():
            return False
        self.kinds[self.i] = BLANK
        self.block_start = True
        self.i += 1
        return True

    def _fenced_code(self, line: str) -> bool:
        """A ```` ``` ````/``~~~`` fence with its closing line; an unclosed one is recorded and read on."""
        fence = _FENCE.match(line)
        if (
            not fence
            or not (self.ind <= 3 or self.in_list)
            or (fence.group(2)[0] == "`" and "`" in fence.group(3))
        ):
            return False
        close = self._find_fence_close(
            self.i + 1, fence.group(2)[0], len(fence.group(2)), self.ind > 0 and self.in_list
        )
        if close < 0:
            self.scan.unclosed_fences.append(self.i)
            return False
        self._mark(close, CODE)
        self.block_start = True
        return True

    def _indented_code(self, line: str) -> bool:
        prev = self.kinds[self.i - 1] if self.i else BLANK
        if (
            self.ind < 4
            or self.in_list
            or prev not in (BLANK, CODE, HEADING, HR, FRONT)
            or not self.block_start
        ):
            return False
        self.kinds[self.i] = CODE
        self.i += 1
        return True

    def _nested_heading(self, line: str) -> bool:
        """A heading indented inside a list item: part of that item's content."""
        if not (self.in_list and self.ind >= 2 and line.lstrip().startswith("#")):
            return False
        if not self._add_atx(line.lstrip(), nested=True):
            return False
        self.block_start = True
        return True

    def _html_block(self, line: str) -> bool:
        """An HTML comment or a block-level tag at the start of a block, to its end."""
        if not (self.block_start and self.ind <= 3):
            return False
        if line.lstrip().startswith("<!--"):
            self._mark(self._comment_end(self.i), HTML)
            return True
        tag = _HTML_OPEN.match(line)
        if not tag or tag.group(1).lower() not in BLOCK_TAGS:
            return False
        self._mark(self._html_end(self.i, tag.group(1).lower()), HTML)
        self.block_start = False
        return True

    def _atx(self, line: str) -> bool:
        if TAG_LINE.match(line) or not self._add_atx(line):  # "#review" alone is a tag, not a heading
            return False
        self.block_start, self.in_list = True, False
        return True

    def _list_atx(self, line: str) -> bool:
        """``1. ### Question``: a heading that opens a list item."""
        m = _LIST_ATX.match(line)
        if not m or not self._add_atx(f"{m.group(1)} {m.group(2)}", in_item=True):
            return False
        self.block_start, self.in_list = True, True
        return True

    def _setext(self, line: str) -> bool:
        """A ``===``/``---`` underline below a lone paragraph line makes that line a heading."""
        i, lines, kinds = self.i, self.lines, self.kinds
        if not (
            _SETEXT.match(line)
            and i > 0
            and kinds[i - 1] == TEXT
            and (i == 1 or kinds[i - 2] in (BLANK, HEADING, HR, FRONT, CODE, HTML))
            and not _LIST_ITEM.match(lines[i - 1])
            and not lines[i - 1].lstrip().startswith((">", "|", "<"))
            and indent_width(lines[i - 1]) <= 3
            and not (line.startswith("-") and _is_prose(lines[i - 1]))
        ):
            return False
        level = 1 if line.startswith("=") else 2
        kinds[i - 1] = kinds[i] = HEADING
        self.scan.headings.append(Heading(level, lines[i - 1].strip(), i - 1, i + 1))
        self.block_start, self.in_list = True, False
        self.i += 1
        return True

    def _hr(self, line: str) -> bool:
        if not _HR.match(line):
            return False
        self.kinds[self.i] = HR
        self.block_start, self.in_list = True, False
        self.i += 1
        return True

    def _text(self, line: str) -> bool:
        """Anything else is paragraph text; a list item opens a list, a paragraph after a blank ends it."""
        if _LIST_ITEM.match(line):
            self.in_list = True
        elif self.block_start and self.ind < 4 and (self.kinds[self.i - 1] if self.i else BLANK) == BLANK:
            self.in_list = False
        self.kinds[self.i] = TEXT
        self.block_start = False
        self.i += 1
        return True

    def _mark(self, end: int, kind: str) -> None:
        """Label lines ``self.i`` to ``end`` (inclusive) as ``kind`` and move past them."""
        for j in range(self.i, end + 1):
            self.kinds[j] = kind
        self.i = end + 1

    def _add_atx(self, line: str, nested: bool = False, in_item: bool = False) -> bool:
        """Record the heading ``line`` holds (a bare ``####`` is a rule); False when it is no heading."""
        heading = loose_atx_heading(line)
        if heading is None:
            return False
        level, text = heading
        if not text:
            self.kinds[self.i] = HR  # a bare "####": an empty heading, never answer text
        else:
            self.kinds[self.i] = HEADING
            self.scan.headings.append(Heading(level, text, self.i, self.i + 1, nested, in_item))
        self.i += 1
        return True


def scan(lines: list[str]) -> Scan:
    """Label every line and collect the headings of a Markdown document."""
    return _Scanner(lines).run()
