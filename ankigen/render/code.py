"""Code blocks → Pygments HTML: one lexer cache for fenced and indented code alike.

Fenced code: pymdownx.superfences finds the fences (in lists and quotes too); :func:`fence_format`,
registered for every language, highlights them with one shared Pygments formatter. The HTML goes
back through the field's fragment stash, so the sanitiser never parses the thousands of ``<span>``
that highlighted code consists of (a sixth of all rendering time on code-heavy notes). That is safe
because nothing the author wrote reaches a tag or attribute: the fence's options and attributes
are ignored and Pygments escapes the code text.

Indented code is highlighted by pymdownx.highlight and then sanitised like any other HTML. Two
patches, applied on import, make that path build Pygments objects once instead of once per block:
its lexer lookup is :func:`lexer_by_name` (the same cache the fences use; lexers hold no per-call
state), and its block formatter computes each style's class tables only once (re-deriving the style
sheet was a quarter of the render time on code-heavy notes). Output is unchanged.

Every lexer :func:`lexer_by_name` makes gets the loop of :mod:`ankigen.render.lexing`, which tries at
each position only the rules that can start there (the same tokens, lexed in about half the time).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pygments
import pymdownx.highlight as _highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from ankigen.render.cloze import keep_clozes
from ankigen.render.lexing import speed_up

_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)
_OPEN, _CLOSE = '<div class="highlight">', "</div>"  # how the formatter wraps every block


@functools.lru_cache(maxsize=256)
def lexer_by_name(name: str, **options: Any) -> Lexer:
    """Pygments' lexer for ``name`` (raises ``ClassNotFound``), made once per name and options, with
    the quicker loop of :mod:`ankigen.render.lexing`."""
    return speed_up(get_lexer_by_name(name, **options))


def _lexer(language: str) -> Lexer:
    """The lexer for a fence's language; plain text when there is none or Pygments has none."""
    try:
        return lexer_by_name(language or "text", stripnl=True)
    except ClassNotFound:
        return lexer_by_name("text", stripnl=True)


def highlight(code: str, language: str) -> str:
    """``<div class="highlight"><pre><span></span><code>…</code></pre></div>`` for ``code``."""
    return str(pygments.highlight(code, _lexer(language), _FORMATTER)).rstrip("\n")


def fence_format(keep: Callable[[str], str]) -> Callable[..., str]:
    """A superfences ``format`` for every fence: highlighted code whose ``<pre>`` is stashed by ``keep``.

    The block's outer ``<div>`` stays, so Markdown still sees a block of HTML (a bare token would
    become a paragraph).
    """

    def format_fence(src: str, language: str, class_name: str, options: Any, md: Any, **kwargs: Any) -> str:
        html = keep_clozes(src, lambda code: highlight(code, language))
        return _OPEN + keep(html[len(_OPEN) : -len(_CLOSE)]) + _CLOSE

    return format_fence


_highlight.get_lexer_by_name = lexer_by_name

_Base: Any = getattr(_highlight, "BlockHtmlFormatter", None)

if _Base is not None and hasattr(_Base, "_create_stylesheet"):
    _SHEETS: dict[tuple[Any, str], tuple[Any, Any]] = {}

    class _SharedStyleFormatter(_Base):  # type: ignore[misc]
        """pymdownx's block formatter, computing each style's class tables only once."""

        def _create_stylesheet(self) -> None:
            key = (self.style, self.classprefix)
            if key not in _SHEETS:
                super()._create_stylesheet()
                _SHEETS[key] = (getattr(self, "ttype2class"), getattr(self, "class2style"))  # noqa: B009
            setattr(self, "ttype2class", _SHEETS[key][0])  # noqa: B010
            setattr(self, "class2style", _SHEETS[key][1])  # noqa: B010

    _highlight.BlockHtmlFormatter = _SharedStyleFormatter
