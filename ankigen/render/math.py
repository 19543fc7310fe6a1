"""Protect math before Markdown runs, and put it back afterwards as ``\\(…\\)`` / ``\\[…\\]``.

One stash for every math form: ``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` and MediaWiki
``<math>…</math>`` are replaced by inert placeholder tokens before Markdown sees the text, so
Markdown never touches ``_``, ``*`` or ``\\`` inside TeX. After rendering and sanitising, each token
becomes the author's TeX, HTML-escaped exactly once, between MathJax's delimiters.

The same pass (which skips code spans and code blocks) also keeps a single ``*`` between two
letters or digits literal (``7*7*(1168-16)``), turns an escaped ``\\$`` into a dollar sign, and
marks ``<details>`` for Markdown inside it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

# Placeholder tokens: letters and digits only, so no Markdown rule can split or decorate them.
_TOKEN = "MJXq{}qX"
TOKEN_RE = re.compile(r"MJXq(\d+)qX")

_NOT_BLANK_LINE = r"(?:(?!\n[ \t]*\n)[\s\S])"
_INLINE = re.compile(
    r"(?P<code>(?P<ticks>`+)[\s\S]*?(?<!`)(?P=ticks)(?!`))"
    rf"|\$\$(?P<dd>{_NOT_BLANK_LINE}+?)\$\$"
    # \\( \\) and \\[ \\] are how Markdown authors write \( \) and \[ \] for MathJax.
    rf"|\\\\\[(?P<brack2>{_NOT_BLANK_LINE}+?)\\\\\]"
    rf"|\\\\\((?P<paren2>{_NOT_BLANK_LINE}+?)\\\\\)"
    rf"|\\\[(?P<brack>{_NOT_BLANK_LINE}+?)\\\]"
    rf"|\\\((?P<paren>{_NOT_BLANK_LINE}+?)\\\)"
    r"|<math(?P<attrs>\s[^>]*)?>(?P<tag>[\s\S]*?)</math>"
    r"|(?P<esc>\\\$)"
    # $…$: no space after the opening or before the closing $, no digit right after it
    # (so "$5 and $10" stays money), and no blank line inside.
    r"|\$(?P<d>(?![\s$])(?:[^$\\\n`]|\\[\s\S]|\n(?![ \t]*\n))+?)(?<![\s\\])\$(?!\d)",
    re.IGNORECASE,
)
_BLOCK = re.compile(r"""display\s*=\s*["']?block""", re.IGNORECASE)
_ARITHMETIC_STAR = re.compile(r"(?<=[^\W_])\*(?=[^\W_])")
_DETAILS = re.compile(r"<details(?![^>]*\bmarkdown=)(?=[\s>])", re.IGNORECASE)


def _prose(text: str) -> str:
    """Keep arithmetic ``*`` literal; let Markdown work inside ``<details>`` (as GitHub does)."""
    return _DETAILS.sub('<details markdown="1"', _ARITHMETIC_STAR.sub(r"\\*", text))


_FENCE = re.compile(r"^[ \t]*(`{3,}(?!.*`)|~{3,})")  # a backtick fence's info string has no backtick
_LIST_ITEM = re.compile(r"^[ \t]*(?:[*+-]|\d+[.)])[ \t]+")


@dataclass
class MathStash:
    """Math (and highlighted code) found in one field: ``items[n]`` is the HTML for token ``n``."""

    items: list[str] = field(default_factory=list)

    def add(self, tex: str, display: bool) -> str:
        """Store TeX (raw, unescaped) and return its placeholder token."""
        escaped = html.escape(tex, quote=False)
        self.items.append(f"\\[{escaped}\\]" if display else f"\\({escaped}\\)")
        return _TOKEN.format(len(self.items) - 1)

    def keep(self, fragment: str) -> str:
        """Store finished HTML (restored as it is, never sanitised) and return its placeholder token."""
        self.items.append(fragment)
        return _TOKEN.format(len(self.items) - 1)

    def restore(self, text: str) -> str:
        """Replace every token in ``text`` with its math HTML."""
        if not self.items:
            return text
        return TOKEN_RE.sub(lambda m: self.items[int(m.group(1))], text)


def _math_or_none(m: re.Match[str], stash: MathStash) -> str | None:
    """The token for a math match, ``$`` for an escaped dollar, or None for code spans."""
    if m.group("code") is not None:
        return None
    if m.group("esc") is not None:
        return "&#36;"
    if m.group("dd") is not None:
        return stash.add(m.group("dd"), display=True)
    for name, display in (("brack", True), ("brack2", True), ("paren", False), ("paren2", False)):
        if m.group(name) is not None:
            return stash.add(m.group(name), display=display)
    if m.group("tag") is not None:
        # MediaWiki <math> holds HTML text: decode its entities once, so "&gt;" reaches MathJax as ">".
        display = bool(_BLOCK.search(m.group("attrs") or ""))
        return stash.add(html.unescape(m.group("tag")), display=display)
    return stash.add(m.group("d"), display=False)


def protect_inline(text: str, stash: MathStash, *, stars: bool = True) -> str:
    """Stash math in prose ``text`` (code spans kept verbatim); optionally escape arithmetic ``*``."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        prose = text[pos : m.start()]
        out.append(_prose(prose) if stars else prose)
        token = _math_or_none(m, stash)
        out.append(m.group(0) if token is None else token)
        pos = m.end()
    tail = text[pos:]
    out.append(_prose(tail) if stars else tail)
    return "".join(out)


def split_plain_math(text: str, stash: MathStash) -> str:
    """Stash math in plain (non-Markdown) text; everything else is left as written."""
    return protect_inline(text, stash, stars=False).replace("&#36;", "$")


def code_line_mask(lines: list[str]) -> list[bool]:
    """Mark lines inside fenced code blocks (with their fences) and indented code blocks."""
    return _scan_code(lines)[0]


def _scan_code(lines: list[str]) -> tuple[list[bool], str | None]:
    """The code mask of ``lines`` and the fence still open at the end (None if all are closed)."""
    mask = [False] * len(lines)
    fence: str | None = None
    prev_text = ""  # the last non-blank line outside code
    i = 0
    while i < len(lines):
        line = lines[i]
        if fence is not None:
            mask[i] = True
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            i += 1
            continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(1)
            mask[i] = True
            i += 1
            continue
        indented = line.startswith(("    ", "\t")) and line.strip()
        after_blank = i > 0 and not lines[i - 1].strip()
        in_list = bool(_LIST_ITEM.match(prev_text)) or prev_text.startswith((" ", "\t"))
        if indented and after_blank and not in_list:
            while i < len(lines) and (lines[i].startswith(("    ", "\t")) or not lines[i].strip()):
                mask[i] = True
                i += 1
            continue
        if line.strip():
            prev_text = line
        i += 1
    return mask, fence


def protect_markdown(text: str, stash: MathStash) -> str:
    """Stash math (and escape arithmetic ``*``) outside code in Markdown ``text``.

    A code fence left open runs to the end of the text (as in CommonMark): it is closed here.
    Fenced code gets blank lines around it, so it never sits inside a paragraph.
    """
    lines = text.split("\n")
    mask, open_fence = _scan_code(lines)
    out: list[str] = []
    chunk: list[str] = []

    def flush() -> None:
        if chunk:
            out.extend(protect_inline("\n".join(chunk), stash).split("\n"))
            chunk.clear()

    for i, (line, is_code) in enumerate(zip(lines, mask, strict=True)):
        if is_code:
            flush()
            if i and not mask[i - 1] and lines[i - 1].strip() and _FENCE.match(line):
                out.append("")  # a fence right under a line of text still starts a code block
            out.append(line)
        else:
            if i and mask[i - 1] and line.strip():
                chunk.append("")  # text right under a closing fence starts a new paragraph
            chunk.append(line)
    flush()
    if open_fence is not None:
        out.append(open_fence)
    return "\n".join(out)
