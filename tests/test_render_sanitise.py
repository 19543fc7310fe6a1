"""The quick test before the unsafe-HTML regex: it must never hide one of the regex's matches."""

from __future__ import annotations

import re
import string
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ankigen.render.sanitise import _CASE_FOLDS, UNSAFE_HTML, unsafe_html

PIECES = [
    *"<>= \t\n\"'/:aejknost",
    "\xa0", "\u2003", "\u0130", "\u0131", "\u017f", "\u212a",
    "<script", "<SCRIPT", "<ſcript", "<iframe", "<İframe", "<frameset", "<meta", "<Base", "<embed",
    "onclick", "ONLOAD", "onerror", " on", "on", "once", "javascript", "JavaScript", "javaſcript", "<p>",
]  # fmt: skip


def _spans(html: str) -> list[tuple[int, int]]:
    return [m.span() for m in UNSAFE_HTML.finditer(html)]


@settings(max_examples=2000)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_quick_test_finds_what_the_regex_finds(html: str) -> None:
    assert [m.span() for m in unsafe_html(html)] == _spans(html)


@pytest.mark.parametrize(
    "html",
    [
        '<p>x</p><img src=x onerror="alert(1)">',
        "<a href='JavaScript :alert(1)'>x</a>",
        "<ScRiPt>alert(1)</ScRiPt>",
        "<ſcript>alert(1)</ſcript>",  # re.IGNORECASE reads ſ as s; lower() keeps it
        '<a title="x" \u2003onmouseover=go()>x</a>',
        "<p>plain words on the page = fine</p>",
    ],
)
def test_the_quick_test_on_known_markup(html: str) -> None:
    assert [m.span() for m in unsafe_html(html)] == _spans(html)


def test_the_case_folds_are_every_character_the_regex_reads_as_an_ascii_letter() -> None:
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = {
        char
        for char in map(chr, range(sys.maxunicode + 1))
        if char not in string.ascii_letters
        and (letter.fullmatch(char) or any(c in string.ascii_letters for c in char.lower()))
    }
    assert found == set(_CASE_FOLDS)
