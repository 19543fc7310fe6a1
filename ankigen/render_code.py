"""Fenced code → Pygments HTML, built here in full so that it need not be sanitised.

pymdownx.superfences finds the fences (in lists and quotes too); :func:`fence_format`, registered
for every language, highlights them with one shared Pygments formatter. The HTML goes back through
the field's fragment stash, so the sanitiser never parses the thousands of ``<span>`` that
highlighted code consists of (a sixth of all rendering time on code-heavy notes). That is safe
because nothing the author wrote reaches a tag or attribute: the fence's options and attributes
are ignored and Pygments escapes the code text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pygments
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)
_OPEN, _CLOSE = '<div class="highlight">', "</div>"  # how the formatter wraps every block


@functools.lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer:
    """The lexer for a fence's language; plain text when there is none or Pygments has none."""
    try:
        return get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        return TextLexer()


def highlight(code: str, language: str) -> str:
    """``<div class="highlight"><pre><span></span><code>…</code></pre></div>`` for ``code``."""
    return str(pygments.highlight(code, _lexer(language), _FORMATTER)).rstrip("\n")


def fence_format(keep: Callable[[str], str]) -> Callable[..., str]:
    """A superfences ``format`` for every fence: highlighted code whose ``<pre>`` is stashed by ``keep``.

    The block's outer ``<div>`` stays, so Markdown still sees a block of HTML (a bare token would
    become a paragraph).
    """

    def format_fence(src: str, language: str, class_name: str, options: Any, md: Any, **kwargs: Any) -> str:
        html = highlight(src, language)
        return _OPEN + keep(html[len(_OPEN) : -len(_CLOSE)]) + _CLOSE

    return format_fence
