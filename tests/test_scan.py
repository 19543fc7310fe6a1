"""Tests for ankigen.scan: the spans it finds, that the renderer and linter use exactly them, linear work."""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ankigen import lint, scan
from ankigen.model import Card
from ankigen.render import math
from ankigen.render.math import MathStash, protect_markdown, split_plain_math
from ankigen.scan import Kind, Scan, Span, Unclosed, scan_markdown, scan_plain

MATH_ALPHABET = list("$\\{}()[]`*_-~'<>/ \n\tabcmath1") + ["<math>", "</math>", "```", "    ", "- "]


def kinds(found: Scan, text: str) -> list[tuple[str, str]]:
    """Each span as (kind, the text it covers)."""
    return [(span.kind.name, text[span.start : span.end]) for span in found.spans]


# --------------------------------------------------------------------------- spans


def test_every_kind_of_span_with_its_offsets() -> None:
    text = "a $x$ b $$y$$ `c $z$` \\$ <math display=block>w</math>\n\n```\n$q$\n```"
    found = scan_markdown(text)
    assert kinds(found, text) == [
        ("INLINE_MATH", "$x$"),
        ("DISPLAY_MATH", "$$y$$"),
        ("CODE_SPAN", "`c $z$`"),
        ("ESCAPED_DOLLAR", "\\$"),
        ("DISPLAY_MATH", "<math display=block>w</math>"),
        ("CODE_BLOCK", "```\n$q$\n```"),
    ]
    x = found.spans[0]
    assert (x.start, x.end, text[x.body_start : x.body_end], x.delimiter) == (2, 5, "x", "$")
    assert found.spans[-1].delimiter == "```" and found.open_fence is None


def test_the_backslash_forms_and_their_order() -> None:
    text = "\\(a\\) \\[b\\] \\\\(c\\\\) \\\\[d\\\\]"
    found = scan_plain(text)
    bodies = [(s.kind.name, text[s.body_start : s.body_end], s.delimiter) for s in found.spans]
    assert bodies == [
        ("INLINE_MATH", "a", "\\("),
        ("DISPLAY_MATH", "b", "\\["),
        ("INLINE_MATH", "c", "\\\\("),
        ("DISPLAY_MATH", "d", "\\\\["),
    ]
    # A \\( that never closes, then the \( inside it that does: one unclosed, one math span.
    mixed = "\\\\(x\\)"
    found = scan_plain(mixed)
    assert kinds(found, mixed) == [("INLINE_MATH", "\\(x\\)")]
    assert found.unclosed == [Unclosed(0, "\\\\(", "\\\\)", len(mixed))]


def test_dollar_rules() -> None:
    assert kinds(scan_plain("$5 and $10"), "$5 and $10") == []
    assert kinds(scan_plain("a $x $ b"), "a $x $ b") == []
    assert kinds(scan_plain("$x$5"), "$x$5") == []  # a closer before a digit does not close
    assert kinds(scan_plain("$a\\$b$"), "$a\\$b$") == [("INLINE_MATH", "$a\\$b$")]
    assert kinds(scan_plain("$a\nb$"), "$a\nb$") == [("INLINE_MATH", "$a\nb$")]
    assert scan_plain("$a\n\nb$").spans == []  # no blank line inside
    found = scan_plain("$\\frac{a `b` $")
    assert found.spans[0].kind is Kind.CODE_SPAN and found.unclosed == [Unclosed(0, "$", "$", 9)]


def test_code_span_takes_the_longest_run_that_closes() -> None:
    assert kinds(scan_plain("``a` b``"), "``a` b``") == [("CODE_SPAN", "``a` b``")]
    # No closer of two: one backtick opens and the other is code (as the regex it replaces did).
    assert kinds(scan_plain("``a` b"), "``a` b") == [("CODE_SPAN", "``a`")]
    assert scan_plain("``` a").spans == []
    assert kinds(scan_plain("`a\n\nb`"), "`a\n\nb`") == [("CODE_SPAN", "`a\n\nb`")]


def test_unclosed_math_is_reported_once_per_opener() -> None:
    assert scan_plain("$$x").unclosed == [Unclosed(0, "$$", "$$", 3)]
    assert scan_plain("a\n\\[x\n\nb").unclosed == [Unclosed(2, "\\[", "\\]", 5)]
    assert scan_plain("<math>x").unclosed == [Unclosed(0, "<math>", "</math>", 7)]
    assert scan_plain("<mathx>y</math>").spans == []  # not a math tag


def test_code_blocks_fences_and_indented_code() -> None:
    text = "intro\n\n    code $x$\n\n~~~\n$y$\n~~~~\n- item\n\n    more item $z$\n```py\nopen $w$"
    found = scan_markdown(text)
    assert [(s.kind.name, s.delimiter) for s in found.spans] == [
        ("CODE_BLOCK", ""),
        ("CODE_BLOCK", "~~~"),
        ("INLINE_MATH", "$"),
        ("CODE_BLOCK", "```"),
    ]
    assert text[found.spans[0].start : found.spans[0].end] == "    code $x$\n"  # with its trailing blank
    assert found.open_fence == "```"
    # ''' is no fence in a Markdown card (the questionnaire parser rewrites its own), nor is a
    # backtick line whose info string holds a backtick.
    assert kinds(scan_markdown("'''\n$x$\n'''"), "'''\n$x$\n'''") == [("INLINE_MATH", "$x$")]
    text = "``` `a`\n$x$"
    assert kinds(scan_markdown(text), text) == [("CODE_SPAN", "``` `"), ("INLINE_MATH", "$x$")]


def test_the_arithmetic_star_is_one_star_between_letters_or_digits() -> None:
    text = "7*7*(1168-16) and 49*C*C but a**b, *x*, a_*b, a *b"
    assert [m.start() for m in scan.ARITHMETIC_STAR.finditer(text)] == [1, 20, 22]  # not the one before "("


# --------------------------------------------------------------------------- one scanner for both


def _math_bodies(text: str, found: Scan) -> list[tuple[str, bool]]:
    math = [s for s in found.spans if s.kind in scan.MATH]
    return [(text[s.body_start : s.body_end], s.kind is Kind.DISPLAY_MATH) for s in math]


def _stashed(items: list[str]) -> list[tuple[str, bool]]:
    return [(html.unescape(item[2:-2]), item.startswith("\\[")) for item in items]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MATH_ALPHABET), max_size=80).map("".join))
def test_the_renderer_stashes_exactly_the_scanned_math(text: str) -> None:
    text = text.replace("&", "")  # <math> bodies are entity-decoded; keep the comparison exact
    stash = MathStash()
    protect_markdown(text, stash)
    assert _stashed(stash.items) == _math_bodies(text, scan_markdown(text))
    stash = MathStash()
    split_plain_math(text, stash)
    assert _stashed(stash.items) == _math_bodies(text, scan_plain(text))


def _restored_tag_by_tag(stash: MathStash, text: str) -> str:
    """``MathStash.restore`` as it was: each tag and each piece of text between tags on its own."""
    if not stash.items and "\\" not in text:
        return text
    out, pos = [], 0
    for tag in math._TAG.finditer(text):
        out.append(stash._restore_text(text[pos : tag.start()]))
        out.append(math._TOKEN_RE.sub(lambda m: stash._item(m).replace('"', "&quot;"), tag.group(0)))
        pos = tag.end()
    out.append(stash._restore_text(text[pos:]))
    return "".join(out)


RESTORE_PIECES = [
    "<p>",
    "</p>",
    '<a title="',
    '">',
    '"',
    ">",
    "<",
    "x",
    " ",
    "\\",
    "\\href",
    "\\styles",
    "MJX",
    "qX",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(RESTORE_PIECES + ["OURS0", "OURS1", "OTHER"]), max_size=40))
def test_restoring_in_one_pass_gives_what_restoring_tag_by_tag_gave(pieces: list[str]) -> None:
    stash = MathStash()
    stash.add('a"b', display=False)
    stash.keep("<b>code</b>")
    tokens = {
        "OURS0": f"MJX{stash.marker}q0qX",
        "OURS1": f"MJX{stash.marker}q1qX",
        "OTHER": "MJX0123456789abcdefq0qX",
    }
    text = "".join(tokens.get(piece, piece) for piece in pieces)
    assert stash.restore(text) == _restored_tag_by_tag(stash, text)
    assert MathStash().restore(text) == _restored_tag_by_tag(MathStash(), text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MATH_ALPHABET), max_size=80).map("".join))
def test_the_linter_checks_exactly_the_scanned_math(text: str) -> None:
    checked: list[tuple[int, int]] = []
    real = lint._check_tex

    def spy(field: str, span: Span) -> list[Any]:
        checked.append((span.start, span.end))
        return real(field, span)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lint, "_check_tex", spy)
        lint.lint_card(Card(front="q", back=text, line=1, back_line=1))
    assert checked == [(s.start, s.end) for s in scan_markdown(text).spans if s.kind in scan.MATH]


# --------------------------------------------------------------------------- linear work


class _Counted(str):
    """Text that adds the characters each search or read of it examines to :data:`_WORK`."""

    def find(self, sub: str, start: Any = 0, end: Any = None) -> int:
        end = len(self) if end is None else end
        at = str.find(self, sub, start, end)
        _WORK[0] += (at + len(sub) if at >= 0 else end) - start
        return at

    def startswith(self, prefix: Any, start: Any = 0, end: Any = None) -> bool:
        _WORK[0] += len(prefix)
        return str.startswith(self, prefix, start, len(self) if end is None else end)

    def __getitem__(self, key: Any) -> str:
        part = str.__getitem__(self, key)
        _WORK[0] += max(len(part), 1)
        return part

    def split(self, sep: Any = None, maxsplit: Any = -1) -> list[str]:
        _WORK[0] += len(self)
        return str.split(self, sep, maxsplit)


class _CountedPattern:
    """A compiled pattern that adds the characters each search examines to :data:`_WORK`."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def _count(self, m: re.Match[str] | None, text: str, pos: int, endpos: int | None) -> None:
        end = len(text) if endpos is None else min(endpos, len(text))
        _WORK[0] += (m.end() if m else end) - pos + 1

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        m = self.pattern.search(text, pos, sys.maxsize if endpos is None else endpos)
        self._count(m, text, pos, endpos)
        return m

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        m = self.pattern.match(text, pos, sys.maxsize if endpos is None else endpos)
        self._count(None, text, pos, endpos)  # a match may look ahead to the end
        return m

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        self._count(None, text, pos, endpos)
        return self.pattern.finditer(text, pos, sys.maxsize if endpos is None else endpos)


_WORK = [0]


@contextmanager
def _counting(patch: pytest.MonkeyPatch) -> Iterator[None]:
    """Count lines run in ankigen/scan.py and characters its searches examine."""
    for name, value in vars(scan).items():
        if isinstance(value, re.Pattern):
            patch.setattr(scan, name, _CountedPattern(value))

    def trace(frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if frame.f_code.co_filename != scan.__file__:
            return None
        if event == "line":
            _WORK[0] += 1
        return trace

    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(None)


def _work(scanner: Callable[[str], Scan], text: str, patch: pytest.MonkeyPatch) -> int:
    _WORK[0] = 0
    with _counting(patch):
        scanner(_Counted(text))
    return _WORK[0]


PATHOLOGICAL = [
    "$",
    "$a ",
    "\\(",
    "\\\\[ ",
    "`` ` ",
    "`",
    "$$a\n",
    "<math ",
    "<math>",
    "$\\$",
    "- $x\n",
    "```\n",
    "\n    x\n",
    "$$\\frac{",
    "``a` ",
]


@pytest.mark.parametrize("unit", PATHOLOGICAL)
@pytest.mark.parametrize("scanner", [scan_markdown, scan_plain])
def test_twice_the_text_is_at_most_three_times_the_work(
    unit: str, scanner: Callable[[str], Scan], monkeypatch: pytest.MonkeyPatch
) -> None:
    small = _work(scanner, unit * 2000, monkeypatch)
    large = _work(scanner, unit * 4000, monkeypatch)
    assert large <= 3 * small, (unit, small, large)


def test_the_work_count_sees_a_quadratic_search(monkeypatch: pytest.MonkeyPatch) -> None:
    def quadratic(text: str) -> Scan:  # a closer search from every opener, forgetting failures
        for i in range(0, len(text), 2):
            text.find("\\)", i)
        return Scan()

    small = _work(quadratic, "\\(" * 2000, monkeypatch)
    assert _work(quadratic, "\\(" * 4000, monkeypatch) > 3 * small


SCAN_PIECES = [
    "```",
    "~~~",
    "`",
    "~",
    "    ",
    "\t",
    "\n",
    "\n\n",
    "- ",
    "1. ",
    "x",
    "$",
    "$$",
    "\\(",
    "a*b",
    " ",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SCAN_PIECES), max_size=40).map("".join))
def test_text_without_code_marks_scans_as_with_the_line_by_line_pass(text: str) -> None:
    quick = scan_markdown(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scan, "_CODE_MARKS", ("",))  # every text takes the line-by-line pass
        full = scan_markdown(text)
    assert (quick.spans, quick.open_fence) == (full.spans, full.open_fence)
