"""The helpers every parser shares, and what they promise together: one context dialect."""

from __future__ import annotations

import pytest

from ankigen.parsers import markdown, numbered, qa, questionnaire
from ankigen.parsers.common import Sections, atx_heading, context_title, list_number, loose_atx_heading

TITLE = "# **My** `Notes`"
SECTION = "## 🚀 **Basics** of `git` [docs](https://git-scm.com) \\#1"
LAYOUTS = {
    "markdown": (markdown.parse, "### What is a commit?\n\nA snapshot.\n"),
    "qa": (qa.parse, "Q: What is a commit?\nA: A snapshot.\n"),
    "questionnaire": (questionnaire.parse, "---\n1. What is a commit?\n---\nA snapshot.\n"),
    "numbered": (numbered.parse, "1. What is a commit?\n   A snapshot.\n"),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_parser_gives_context_and_title_as_the_same_plain_text(layout: str) -> None:
    parse, card = LAYOUTS[layout]
    result = parse(f"{TITLE}\n\n{SECTION}\n\n{card}", "notes.md")
    assert [(c.front, c.context) for c in result.cards] == [("What is a commit?", ("Basics of git docs #1",))]
    assert result.title == "My Notes"


def test_context_title_removes_markup_numbering_and_symbols() -> None:
    assert context_title("1. **Probability** and `numpy` :robot:") == "Probability and numpy"
    assert context_title("See [the guide](https://example.com)  now") == "See the guide now"
    assert context_title(r"\*args and \_\_init\_\_") == "*args and __init__"
    assert context_title("✅") == "✅"  # nothing but a symbol: kept rather than emptied


def test_sections_close_at_their_level() -> None:
    sections = Sections()
    sections.enter(2, "A")
    sections.enter(3, "B")
    sections.enter(3, "C")
    assert sections.titles() == ("A", "C")
    sections.enter(1, "**D**")
    assert sections.titles() == ("D",)


def test_list_number() -> None:
    assert list_number("  12. What?") == "What?"
    assert list_number("1)\tWhat?") == "What?"
    assert list_number("3.") == ""
    assert list_number("1234567890. too long") is None
    assert list_number("1.5 metres") is None
    assert list_number("١. not ASCII") is None


def test_the_two_heading_shapes() -> None:
    """Text formats read CommonMark's ATX headings; the Markdown scanner reads Python-Markdown's."""
    assert atx_heading("   ## Title ##") == (2, "Title")
    assert atx_heading("#hashtag") is None
    assert atx_heading("    # indented code") is None
    assert loose_atx_heading("#hashtag") == (1, "hashtag")
    assert loose_atx_heading("####### seven") == (6, "seven")
    assert loose_atx_heading("####") == (4, "")
    assert loose_atx_heading(" # not at the margin") is None


def test_a_fence_closes_in_a_qa_card_where_the_parser_closes_it() -> None:
    """A ``````~`` line does not close a backtick fence (for the parser nor for Python-Markdown), so
    the fence ends at the ```````` line and the text after it gets its hard line breaks."""
    result = qa.parse("Q: Code?\nA: ```\nx = 1\n```~\ny = 2\n```\nDone\nhere\n", "notes.md")
    assert result.cards[0].back == "```\nx = 1\n```~\ny = 2\n```\nDone  \nhere"
