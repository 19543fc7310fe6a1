r"""Card text → the HTML Anki shows: math kept for MathJax, Pygments code, media, sanitised.

Build one :class:`Renderer` and reuse it: it holds the Markdown converter (``reset()`` between
fields) and the HTML sanitiser. A Markdown field passes these stages, in this order:

==  =========================================================  =====================================
#   Stage                                                      Module
==  =========================================================  =====================================
1   a line of plain words is ``<p>text</p>`` at once           :mod:`~ankigen.render.card`
2   stash math as tokens; arithmetic ``*`` and ``\$`` literal; :mod:`~ankigen.render.math`
    ``<details markdown="1">``; close a fence left open
3   tab-separated tables → pipe tables (outside code)          :mod:`~ankigen.render.tables`
4   Python-Markdown, preprocessors by priority:
    30 normalise whitespace;
    25 fenced code → Pygments HTML, put in the stash           :mod:`~ankigen.render.code`
    22 blank line before a list; 21 re-indent lists to 2       :mod:`~ankigen.render.lists`
    spaces a level; 20 raw HTML blocks (25 and 20 only on a    :mod:`~ankigen.render.skips`
    field that has a fence, or a ``<`` or ``&``)
5   Python-Markdown blocks and inlines (tables, lists, HTML
    with Markdown inside, indented code → Pygments HTML;       :mod:`~ankigen.render.code`
    each inline pattern tried only on text with its trigger)   :mod:`~ankigen.render.inline`
6   warn about markup that could run code; nh3 sanitises       :mod:`~ankigen.render.sanitise`
7   local ``<img src>`` → packaged media name (in stage 6)     :mod:`~ankigen.render.media`
8   each table in a ``<div class="table-scroll">`` (phones)    :mod:`~ankigen.render.tables`
9   tokens → math between ``\(…\)`` / ``\[…\]``, code HTML     :mod:`~ankigen.render.math`
    (inside a tag with ``"`` escaped: it stays in its
    attribute)
==  =========================================================  =====================================

A field past the limits of :mod:`~ankigen.render.limits` (measured after stage 3; too long, too deep,
too many openers that never close), or one Python-Markdown cannot nest (``RecursionError``), skips
stages 4–9: it is escaped text with line breaks, and a warning.

A plain-text field is only escaped (line breaks and indentation kept) with its math stashed and
restored (stages 2 and 9); a context title is rendered as Markdown and unwrapped from its ``<p>``.
"""

from __future__ import annotations

from ankigen import libs

libs.import_pymdownx()  # before any module of this package imports it (see ankigen.libs)

from ankigen.render.card import Renderer  # noqa: E402

__all__ = ["Renderer"]
