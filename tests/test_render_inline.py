"""Work skipped where it cannot change anything: the HTML must not change.

Inline patterns are tried only on text containing their trigger (:mod:`ankigen.render.inline`);
the fenced-code and raw-HTML preprocessors run only on fields that can hold what they look for
(:mod:`ankigen.render.skips`). The oracle is the same renderer with Python-Markdown's own inline
processor (every pattern tried on every piece of text) and both preprocessors always run. The
inline processor overrides a private Python-Markdown method: a test fails when the installed
version's method is not the one it was written against.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from conftest import CORPUS, function_ast
from hypothesis import given
from hypothesis import strategies as st
from markdown.treeprocessors import InlineProcessor

from ankigen.model import Card
from ankigen.parsers import PARSERS
from ankigen.render import Renderer
from ankigen.render.inline import TRIGGERS
from ankigen.render.skips import NEEDS
from ankigen.sources import detect_format, find_sources, read_source


def _every_pattern() -> Renderer:
    """A renderer with Python-Markdown's own inline processor, which tries every pattern, and
    every preprocessor run on every field."""
    renderer = Renderer()
    md = renderer._md
    md.treeprocessors.register(InlineProcessor(md), "inline", 20)
    for name, (priority, _) in NEEDS.items():
        md.preprocessors.register(md.preprocessors[name].inner, name, priority)
    return renderer


SELECTING = Renderer()
EVERY = _every_pattern()


def _both(text: str) -> tuple[str, str]:
    card = Card("Q", text, 1, source="notes.md")
    return SELECTING.render(card, Path(".")).back_html, EVERY.render(card, Path(".")).back_html


HANDLE_INLINE = """
def __handleInline(self, data: str, patternIndex: int = 0) -> str:
    if not isinstance(data, util.AtomicString):
        startIndex = 0
        count = len(self.inlinePatterns)
        while patternIndex < count:
            data, matched, startIndex = self.__applyPattern(
                self.inlinePatterns[patternIndex], data, patternIndex, startIndex
            )
            if not matched:
                patternIndex += 1
    return data
"""
"""Python-Markdown's ``InlineProcessor.__handleInline`` (3.5 to 3.11) without its docstring: the
loop ``TriggeredInlineProcessor`` replaces."""


def test_the_private_method_replaced_is_still_python_markdowns() -> None:
    assert SELECTING._md.treeprocessors["inline"].__class__.__name__ == "TriggeredInlineProcessor"
    installed = inspect.getsource(InlineProcessor._InlineProcessor__handleInline)
    assert function_ast(installed) == function_ast(HANDLE_INLINE)
    apply = inspect.signature(InlineProcessor._InlineProcessor__applyPattern)
    assert list(apply.parameters) == ["self", "pattern", "data", "patternIndex", "startIndex"]


def test_the_skipped_preprocessors_are_the_ones_named() -> None:
    kinds = {name: type(SELECTING._md.preprocessors[name].inner).__name__ for name in NEEDS}
    assert kinds == {
        "fenced_code_block": "SuperFencesBlockPreprocessor",
        "html_block": "HtmlBlockPreprocessor",
    }
    assert [type(EVERY._md.preprocessors[name]).__name__ for name in NEEDS] == list(kinds.values())


def test_every_default_pattern_has_a_trigger() -> None:
    registry = EVERY._md.inlinePatterns
    assert all(name in registry for name in TRIGGERS)
    assert len(registry) == len(TRIGGERS)


@pytest.mark.parametrize(
    "text",
    [
        "line one  \nline two",  # hard line break
        "tab then newline\t\nnext",  # a tab expands to spaces: still a line break
        "a &amp; b &copy; &#36;",
        "<kbd>Ctrl</kbd> and <https://example.org> and <me@example.org>",
        "\\*not em\\* and `code *x*` and **strong** _em_",
        "[link](https://example.org) ![img](https://example.org/a.png) [ref][r]\n\n[r]: https://x.org",
        "- item *one*\n  - nested `two`\n\n| a | b |\n|---|---|\n| *c* | d |",
        "```python\nx = [1, 2]  # not a link\n```\n\nafter & before",
        "plain words only",
        "plain paragraph\n\n*em* then [link](https://x.org) &amp; `code`\n\nplain again  \nbroken",
        "- plain item\n- item with <b>html</b>\n- ==marked== item\n\n| plain | `c` |\n|---|---|\n| a | b |",
        "**strong with [link](https://x.org) inside** and _em with `code`_ and ![img](a.png)",
        "~~~\ntilde fence\n~~~\n\n    indented code\n\nx &copy y &amp z",
        "<details>\n<summary>More</summary>\n\n*inside*\n</details>\n\n<!-- a comment -->",
    ],
)
def test_selected_patterns_give_the_same_html(text: str) -> None:
    selecting, every = _both(text)
    assert selecting == every


PIECES = [*"ab *_`\\[]()!<>&#;:/@.\t\n-|$=~", "```", "~~~", "\n\n"]


@given(st.lists(st.sampled_from(PIECES), max_size=80).map("".join))
def test_selected_patterns_give_the_same_html_on_any_text(text: str) -> None:
    selecting, every = _both(text)
    assert selecting == every


@pytest.mark.corpus
def test_selected_patterns_give_the_same_html_on_the_corpus() -> None:
    checked = 0
    for source in find_sources([CORPUS]):
        text = read_source(source).text
        if text is None:
            continue
        for card in PARSERS[detect_format(text)](text, str(source)).cards:
            assert SELECTING.render(card, CORPUS) == EVERY.render(card, CORPUS), f"{source}:{card.line}"
            checked += 1
    assert checked > 2000
