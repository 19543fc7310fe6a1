"""HTML safety and images: the nh3 allow-list for card HTML and local image resolution."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

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

# Markup nh3 removes because it can run code. Code blocks are escaped by then, so "<script" here is
# a real tag; handlers and javascript: URLs are only matched inside a tag.
UNSAFE_HTML = re.compile(
    r"<(?:script|iframe|object|embed|frame|frameset|applet|base|meta)\b"
    r"|(?<=\s)on[a-z]+\s*=(?=[^<>]*>)"
    r"|javascript\s*:(?=[^<>]*>)",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


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


@dataclass(frozen=True)
class ImageRef:
    """Where an ``<img src>`` points: remote, outside the tree, missing, or a file to package."""

    remote: bool = False
    outside: bool = False
    path: Path | None = None
    name: str | None = None


def resolve_image(src: str, base: Path, root: Path) -> ImageRef:
    """Resolve an image ``src`` written in a note under ``base`` against the source tree ``root``.

    A path starting with ``/`` is taken from ``root`` (as a repository-root link on GitHub).
    """
    if _SCHEME.match(src):
        return ImageRef(remote=True)
    relative = unquote(src.split("#", 1)[0].split("?", 1)[0])
    start = root if relative.startswith("/") else base
    path = (start / relative.lstrip("/")).resolve()
    if not path.is_relative_to(root.resolve()):
        return ImageRef(outside=True)
    if not path.is_file():
        return ImageRef()
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    return ImageRef(path=path, name=digest + path.suffix.lower())
