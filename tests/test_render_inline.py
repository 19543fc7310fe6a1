"""Inline patterns tried only where their trigger text occurs: the HTML must not change.

The oracle is the same renderer with every inline pattern tried on every field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS
from hypothesis import given
from hypothesis import strategies as st

from ankigen.model import Card
from ankigen.parsers import PARSERS
from ankigen.render import Renderer
from ankigen.render.inline import TRIGGERS
from ankigen.sources import detect_format, find_sources, read_source


def _every_pattern() -> Renderer:
    """A renderer whose inline processor tries every pattern, as Python-Markdown does."""
    renderer = Renderer()
    md = renderer._md
    md.preprocessors.deregister("select_inline_patterns")
    md.treeprocessors["inline"].inlinePatterns = md.inlinePatterns
    return renderer


SELECTING = Renderer()
EVERY = _every_pattern()


def _both(text: str) -> tuple[str, str]:
    card = Card("Q", text, 1, source="notes.md")
    return SELECTING.render(card, Path(".")).back_html, EVERY.render(card, Path(".")).back_html


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
    ],
)
def test_selected_patterns_give_the_same_html(text: str) -> None:
    selecting, every = _both(text)
    assert selecting == every


@given(st.text(alphabet=st.sampled_from(list("ab *_`\\[]()!<>&#;:/@.\t\n-|$")), max_size=80))
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
