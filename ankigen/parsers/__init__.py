"""Note-format parsers: each turns source text into cards and diagnostics.

Every parser has the signature ``parse(text, path) -> ParseResult``, where ``text``
is already decoded (no BOM, ``\\n`` line endings) and ``path`` is the source path
used in cards and diagnostics. Parsers never render HTML and never print.
Each parser also counts what it reads (``qa.count_markers``, ``questionnaire.count_items``,
``numbered.count_questions``, ``markdown.count_headings``) for :func:`ankigen.sources.detect_format`;
what they share (headings, list numbers, sections, fences, snippets) is in :mod:`.common`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from importlib import import_module

from ankigen.model import ParseResult

Parser = Callable[[str, str], ParseResult]

FORMATS = ("qa", "markdown", "questionnaire")
"""The note formats, each parsed by the module of its name."""


class _Parsers(Mapping[str, Parser]):
    """Format → parse function; a parser's module is imported when it is first asked for (a build
    whose cards all come from the cache never imports one)."""

    def __getitem__(self, fmt: str) -> Parser:
        if fmt not in FORMATS:
            raise KeyError(fmt)
        parse: Parser = import_module(f"{__name__}.{fmt}").parse
        return parse

    def __iter__(self) -> Iterator[str]:
        return iter(FORMATS)

    def __len__(self) -> int:
        return len(FORMATS)


PARSERS: Mapping[str, Parser] = _Parsers()
