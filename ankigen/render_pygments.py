"""Make pymdownx.highlight build Pygments objects once instead of once per code block.

pymdownx.highlight looks up a lexer and builds a new HTML formatter for every block; building
the formatter re-derives the whole style sheet (a quarter of the render time on code-heavy
notes). Lexers hold no per-call state, so they are cached; the formatter's style tables depend only
on the style and class prefix, so they are computed once and shared. Output is unchanged.
"""

from __future__ import annotations

import functools
from typing import Any

import pymdownx.highlight as _highlight

_highlight.get_lexer_by_name = functools.lru_cache(maxsize=256)(_highlight.get_lexer_by_name)

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
