"""Protect math before Markdown runs, and put it back afterwards as ``\\(…\\)`` / ``\\[…\\]``.

One stash for every math form :mod:`ankigen.scan` finds (``$…$``, ``$$…$$``, ``\\(…\\)``,
``\\[…\\]``, MediaWiki ``<math>…</math>``): each is replaced by an inert placeholder token before
Markdown sees the text, so Markdown never touches ``_``, ``*`` or ``\\`` inside TeX. After rendering
and sanitising, each token becomes the author's TeX, HTML-escaped exactly once, between MathJax's
delimiters.

The same pass keeps code spans and code blocks as written, keeps a single ``*`` between two letters
or digits literal (:data:`ankigen.scan.ARITHMETIC_STAR`), turns an escaped ``\\$`` into a dollar
sign, and marks ``<details>`` for Markdown inside it.
"""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass, field

from ankigen.scan import ARITHMETIC_STAR, MATH, Kind, Scan, Span, scan_markdown, scan_plain

# Placeholder tokens: letters and digits only, so no Markdown rule can split or decorate them; each
# stash's own random marker in them, so a note cannot write a token that restores (``MJXq7qX``).
_TOKEN = "MJX{}q{}qX"
_TOKEN_RE = re.compile(r"MJX([0-9a-f]{16})q(\d+)qX")
_ACTIVE_TEX = re.compile(r"\\(href|style|class|cssId|data|require)(?![a-zA-Z])")
"""MathJax's ``html`` and ``require`` commands: a link (``javascript:``), CSS (``url()``), loading code."""
_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')
"""A tag of sanitised HTML, whose attribute values are always in double quotes."""
_TAG_OR_TOKEN = re.compile(f"{_TAG.pattern}|{_TOKEN_RE.pattern}")
"""A tag or a token outside one, in one pass (the tag pattern has no groups: a token's are 1 and 2)."""

_DETAILS = re.compile(r"<details(?![^>]*\bmarkdown=)(?=[\s>])", re.IGNORECASE)


def _prose(text: str) -> str:
    """Keep arithmetic ``*`` literal; let Markdown work inside ``<details>`` (as GitHub does)."""
    if "*" in text:  # each pattern needs its first character: most prose has neither
        text = ARITHMETIC_STAR.sub(r"\\*", text)
    return _DETAILS.sub('<details markdown="1"', text) if "<" in text else text


@dataclass
class MathStash:
    """Math (and highlighted code) found in one field: ``items[n]`` is the HTML for token ``n``."""

    items: list[str] = field(default_factory=list)
    marker: str = field(default_factory=lambda: secrets.token_hex(8))
    disarmed: list[str] = field(default_factory=list)
    """MathJax commands that link or load found in the math (shown as text, never run)."""

    def add(self, tex: str, display: bool) -> str:
        """Store TeX (raw, unescaped) and return its placeholder token.

        MathJax commands that make links or set HTML attributes (``\\href``, ``\\style``…) are
        shown as their names instead: they could run script or load remote content."""
        for m in _ACTIVE_TEX.finditer(tex):
            self.disarmed.append(m.group(0))
        escaped = html.escape(_ACTIVE_TEX.sub(r"\\backslash\\text{\1}", tex), quote=False)
        self.items.append(f"\\[{escaped}\\]" if display else f"\\({escaped}\\)")
        return _TOKEN.format(self.marker, len(self.items) - 1)

    def keep(self, fragment: str) -> str:
        """Store finished HTML (restored as it is, never sanitised) and return its placeholder token."""
        self.items.append(fragment)
        return _TOKEN.format(self.marker, len(self.items) - 1)

    def restore(self, text: str) -> str:
        """Replace every token in HTML ``text`` with its math HTML; inside a tag (where TeX written
        across an attribute's quotes ends up) with its ``"`` escaped, so it stays in its attribute."""
        if not self.items and "\\" not in text:
            return text
        if "\\" not in text or not _ACTIVE_TEX.search(text):  # no command to break up in the prose
            return _TAG_OR_TOKEN.sub(self._tag_or_token, text) if "MJX" in text else text
        out: list[str] = []
        pos = 0
        for tag in _TAG.finditer(text):
            out.append(self._restore_text(text[pos : tag.start()]))
            out.append(_TOKEN_RE.sub(lambda m: self._item(m).replace('"', "&quot;"), tag.group(0)))
            pos = tag.end()
        out.append(self._restore_text(text[pos:]))
        return "".join(out)

    def _tag_or_token(self, m: re.Match[str]) -> str:
        """A tag with its tokens restored (their ``"`` escaped), or a token's HTML."""
        if m.group(1) is not None:
            return self._item(m)
        tag = m.group(0)
        return _TOKEN_RE.sub(lambda t: self._item(t).replace('"', "&quot;"), tag) if "MJX" in tag else tag

    def _restore_text(self, text: str) -> str:
        """Tokens in text → math. A linking or loading MathJax command in the prose around gets a
        ``<span>`` after its backslash: MathJax reads no TeX across one, and the text looks the same
        (MathJax also reads across ``<br>`` and paragraphs of plain text, which the stash does not)."""
        return _TOKEN_RE.sub(self._item, _ACTIVE_TEX.sub(r"\\<span>\1</span>", text))

    def _item(self, m: re.Match[str]) -> str:
        """A token's HTML; a token that is not this stash's stays as written."""
        ours = m.group(1) == self.marker and int(m.group(2)) < len(self.items)
        return self.items[int(m.group(2))] if ours else m.group(0)


def _replacement(text: str, span: Span, stash: MathStash, *, plain: bool) -> str:
    """What an inline span becomes: a math token, a dollar sign, or the code as written."""
    if span.kind is Kind.ESCAPED_DOLLAR:
        return "$" if plain else "&#36;"
    if span.kind not in MATH:
        return text[span.start : span.end]
    tex = text[span.body_start : span.body_end]
    if span.delimiter.startswith("<"):
        tex = html.unescape(tex)  # MediaWiki <math> holds HTML text: "&gt;" reaches MathJax as ">"
    return stash.add(tex, display=span.kind is Kind.DISPLAY_MATH)


def split_plain_math(text: str, stash: MathStash) -> str:
    """Stash math in plain (non-Markdown) text; everything else is left as written."""
    out: list[str] = []
    pos = 0
    for span in scan_plain(text).spans:
        out += (text[pos : span.start], _replacement(text, span, stash, plain=True))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def protect_markdown(text: str, stash: MathStash) -> str:
    """Stash math (and escape arithmetic ``*``) outside code in Markdown ``text``.

    A code fence left open runs to the end of the text (as in CommonMark): it is closed here.
    Fenced code gets blank lines around it, so it never sits inside a paragraph.
    """
    scan = scan_markdown(text)
    out: list[str] = []
    pos = 0
    for n, span in enumerate(scan.spans):
        if span.kind is not Kind.CODE_BLOCK:
            out += (_prose(text[pos : span.start]), _replacement(text, span, stash, plain=False))
        else:
            if span.start > pos:  # the prose before the block, and the newline that ends it
                out += (_prose(text[pos : span.start - 1]), "\n")
            out += _code_block(text, scan, n)
        pos = span.end
    out.append(_prose(text[pos:]))
    if scan.open_fence is not None:
        out += ("\n", scan.open_fence)
    return "".join(out)


def _code_block(text: str, scan: Scan, n: int) -> list[str]:
    """Code block ``scan.spans[n]`` as written, with a blank line where text touches a fence."""
    span = scan.spans[n]
    out = [text[span.start : span.end]]
    before = scan.spans[n - 1] if n else None
    after_code = before is not None and before.kind is Kind.CODE_BLOCK and before.end == span.start - 1
    if span.delimiter and span.start and not after_code and _line_ending(text, span.start - 1).strip():
        out.insert(0, "\n")  # a fence right under a line of text still starts a code block
    after = scan.spans[n + 1] if n + 1 < len(scan.spans) else None
    code_follows = after is not None and after.kind is Kind.CODE_BLOCK and after.start == span.end + 1
    if span.end < len(text) and not code_follows and _line_starting(text, span.end + 1).strip():
        out.append("\n")  # text right under a code block starts a new paragraph
    return out


def _line_ending(text: str, end: int) -> str:
    return text[text.rfind("\n", 0, end) + 1 : end]


def _line_starting(text: str, start: int) -> str:
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)]
