"""Note-format parsers: each turns source text into cards and diagnostics.

Every parser has the signature ``parse(text, path) -> ParseResult``, where ``text``
is already decoded (no BOM, ``\\n`` line endings) and ``path`` is the source path
used in cards and diagnostics. Parsers never render HTML and never print.
Each parser also counts what it reads (``qa.count_markers``, ``questionnaire.count_items``,
``numbered.count_questions``, ``markdown.count_headings``) for :func:`ankigen.sources.detect_format`;
what they share (headings, list numbers, sections, fences, snippets) is in :mod:`.common`.
"""

from __future__ import annotations

from collections.abc import Callable

from ankigen.model import ParseResult
from ankigen.parsers import markdown, qa, questionnaire

Parser = Callable[[str, str], ParseResult]

PARSERS: dict[str, Parser] = {
    "qa": qa.parse,
    "markdown": markdown.parse,
    "questionnaire": questionnaire.parse,
}
FORMATS = tuple(PARSERS)
