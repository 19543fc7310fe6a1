"""Line-based Markdown block scanner: finds headings the way Python-Markdown renders them.

The scanner walks the lines once and labels each one (blank, text, code, html, hr, heading,
front matter), so ``#`` lines inside fenced or indented code, HTML blocks and front matter are
never mistaken for headings. It keeps 0-based line indices; callers turn them into line numbers.
Every step is linear in the input: searches for a closing fence or tag remember their failures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BLANK, TEXT, CODE, HTML, HR, HEADING, FRONT = "blank", "text", "code", "html", "hr", "heading", "front"

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^(#{1,6})(.*)$")
_LIST_ATX = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])(?:\s|$)")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_HR = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|(?:\*[ \t]*){3,})$")
_HTML_OPEN = re.compile(r"^ {0,3}<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>]|$)")
_CLOSING_HASHES = re.compile(r"(?:^|\s+)#+\s*$")
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


def _indent(line: str) -> int:
    """Width of the line's leading whitespace, tabs counting as four columns."""
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _is_prose(line: str) -> bool:
    """A long sentence ending with a period: above ``---`` it is a paragraph and a rule, not a heading."""
    text = line.strip()
    return text.endswith(".") and len(text.split()) >= 8


def heading_text(raw: str) -> str:
    """Strip the optional closing ``###`` sequence and surrounding whitespace of an ATX heading."""
    text = raw.strip()
    stripped = _CLOSING_HASHES.sub("", text)
    return stripped.strip() if stripped.strip() else text


class _Scanner:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.kinds = [BLANK] * len(lines)
        self.scan = Scan(kinds=self.kinds)
        self.fence_fail: dict[str, int] = {}  # fence char -> smallest length whose close was missing
        self.tag_fail: set[str] = set()  # tag names whose close tag was missing once

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
        lines, kinds = self.lines, self.kinds
        i = self._front_matter()
        for j in range(i):
            kinds[j] = FRONT
        block_start = True  # the previous line ended a block (blank line, heading, start)
        in_list = False
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                kinds[i] = BLANK
                block_start = True
                i += 1
                continue
            ind = _indent(line)
            fence = _FENCE.match(line)
            if fence and (ind <= 3 or in_list) and not (fence.group(2)[0] == "`" and "`" in fence.group(3)):
                close = self._find_fence_close(
                    i + 1, fence.group(2)[0], len(fence.group(2)), ind > 0 and in_list
                )
                if close >= 0:
                    for j in range(i, close + 1):
                        kinds[j] = CODE
                    i, block_start = close + 1, True
                    continue
                self.scan.unclosed_fences.append(i)
            prev = kinds[i - 1] if i else BLANK
            if ind >= 4 and not in_list and prev in (BLANK, CODE, HEADING, HR, FRONT) and block_start:
                kinds[i] = CODE
                i += 1
                continue
            if in_list and ind >= 2 and line.lstrip().startswith("#"):
                m = _ATX.match(line.lstrip())
                if m and self._add_atx(i, m.group(1), m.group(2), nested=True):
                    block_start = True
                    i += 1
                    continue
            if block_start and ind <= 3:
                if line.lstrip().startswith("<!--"):
                    end = self._comment_end(i)
                    for j in range(i, end + 1):
                        kinds[j] = HTML
                    i = end + 1
                    continue
                tag = _HTML_OPEN.match(line)
                if tag and tag.group(1).lower() in BLOCK_TAGS:
                    end = self._html_end(i, tag.group(1).lower())
                    for j in range(i, end + 1):
                        kinds[j] = HTML
                    i, block_start = end + 1, False
                    continue
            m = _ATX.match(line)
            if m and self._add_atx(i, m.group(1), m.group(2)):
                block_start, in_list = True, False
                i += 1
                continue
            m = _LIST_ATX.match(line)
            if m and self._add_atx(i, m.group(1), m.group(2), in_item=True):
                block_start, in_list = True, True
                i += 1
                continue
            if (
                _SETEXT.match(line)
                and i > 0
                and kinds[i - 1] == TEXT
                and (i == 1 or kinds[i - 2] in (BLANK, HEADING, HR, FRONT, CODE, HTML))
                and not _LIST_ITEM.match(lines[i - 1])
                and not lines[i - 1].lstrip().startswith((">", "|", "<"))
                and _indent(lines[i - 1]) <= 3
                and not (line.startswith("-") and _is_prose(lines[i - 1]))
            ):
                level = 1 if line.startswith("=") else 2
                kinds[i - 1] = kinds[i] = HEADING
                self.scan.headings.append(Heading(level, lines[i - 1].strip(), i - 1, i + 1))
                block_start, in_list = True, False
                i += 1
                continue
            if _HR.match(line):
                kinds[i] = HR
                block_start, in_list = True, False
                i += 1
                continue
            if _LIST_ITEM.match(line):
                in_list = True
            elif block_start and ind < 4 and prev == BLANK:
                in_list = False
            kinds[i] = TEXT
            block_start = False
            i += 1
        return self.scan

    def _add_atx(self, i: int, hashes: str, raw: str, nested: bool = False, in_item: bool = False) -> bool:
        text = heading_text(raw).lstrip("#").strip()
        if not text:
            if raw.strip(" \t#"):
                return False
            self.kinds[i] = HR  # a bare "####": an empty heading, never answer text
            return True
        self.kinds[i] = HEADING
        self.scan.headings.append(Heading(len(hashes), text, i, i + 1, nested, in_item))
        return True


def scan(lines: list[str]) -> Scan:
    """Label every line and collect the headings of a Markdown document."""
    return _Scanner(lines).run()
