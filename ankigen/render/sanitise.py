"""HTML safety: the nh3 allow-list for card HTML and the markup it removes because it can run code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "font", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "samp", "small", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class", "title", "style", "align", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "details": {"open"},
    "font": {"color", "size"},
}
STYLE_PROPERTIES = {
    "background", "background-color", "border", "border-collapse", "color", "display", "float",
    "font-family", "font-size", "font-style", "font-weight", "height", "list-style-type", "margin",
    "margin-left", "margin-right", "max-width", "padding", "text-align", "text-decoration",
    "vertical-align", "white-space", "width",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
STYLE_FUNCTIONS = {"rgb", "rgba", "hsl", "hsla", "calc", "min", "max", "clamp"}
"""The only CSS functions a ``style`` may use: none of them can name a URL (``url()``, ``image-set()``…)."""
_CSS_FUNCTION = re.compile(r"([\w-]*)\s*\(")

# Markup nh3 removes because it can run code. Code blocks are escaped by then, so "<script" here is
# a real tag; handlers and javascript: URLs are only matched inside a tag.
UNSAFE_HTML = re.compile(
    r"<(?:script|iframe|object|embed|frame|frameset|applet|base|meta)\b"
    r"|(?<=\s)on[a-z]+\s*=(?=[^<>]*>)"
    r"|javascript\s*:(?=[^<>]*>)",
    re.IGNORECASE,
)

_CASE_FOLDS = "\u0130\u0131\u017f\u212a"
"""İ ı ſ K: the characters ``re.IGNORECASE`` matches to an ASCII letter that ``str.lower()`` does not
turn into that letter (found by trying every code point)."""
_TAG_HINT = re.compile(r"<(?:script|iframe|object|embed|frame|applet|base|meta)")
_HANDLER_HINT = re.compile(r"on(?<=\son)[a-z]+\s*=(?=[^<>]*>)")
""":data:`UNSAFE_HTML`'s handler branch, on lower-cased text: starting with its literal ``on``
(the look-behind after it) lets the regex engine jump from one ``on`` to the next."""


def unsafe_html(html: str) -> Iterator[re.Match[str]]:
    """The matches of :data:`UNSAFE_HTML` in ``html``, none found quicker where there can be none.

    Lower-cased ``html`` is tested for what each branch needs (each test runs at C speed, the
    case-blind regex tries its three branches at every character). The test is exact unless a
    character of :data:`_CASE_FOLDS` is present: then the regex always runs.
    """
    if html.isascii() or not any(char in html for char in _CASE_FOLDS):
        low = html.lower()
        if not (_TAG_HINT.search(low) or "javascript" in low or _HANDLER_HINT.search(low)):
            return iter(())
    return UNSAFE_HTML.finditer(html)


DATA_IMAGE = re.compile(r"<img\b[^>]*?\ssrc\s*=\s*[\"']?\s*(data:[^\s\"'>,;]*)", re.IGNORECASE)
"""An image inlined as a ``data:`` URL (nh3 removes its ``src``: Anki keeps media as files)."""


def safe_style(style: str) -> tuple[str, list[str]]:
    """``style`` without the declarations that could load something: the kept text and the dropped ones.

    A declaration goes when it calls a function other than :data:`STYLE_FUNCTIONS` or holds a CSS
    escape or comment (which could spell ``url(`` in disguise).
    """
    kept: list[str] = []
    dropped: list[str] = []
    for declaration in style.split(";"):
        functions = {name.lower() for name in _CSS_FUNCTION.findall(declaration)}
        if functions - STYLE_FUNCTIONS or "\\" in declaration or "/*" in declaration:
            dropped.append(declaration.strip())
        else:
            kept.append(declaration)
    return ";".join(kept), dropped


def make_cleaner(attribute_filter: Callable[[str, str, str], str | None]) -> nh3.Cleaner:
    """An nh3 cleaner for card HTML, calling ``attribute_filter`` on every kept attribute."""
    return nh3.Cleaner(
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=URL_SCHEMES,
        filter_style_properties=STYLE_PROPERTIES,
    )
