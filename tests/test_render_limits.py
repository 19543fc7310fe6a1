""":func:`ankigen.render.limits.too_complex` skips a measure only where it cannot pass its limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ankigen.render.limits import MAX_INDENT, MAX_UNCLOSED_SCAN, deepest_indent, too_complex, unclosed_scan


def _every_measure(text: str) -> str | None:
    """``too_complex`` with both measures always taken."""
    if deepest_indent(text) > MAX_INDENT:
        return "deep"
    if unclosed_scan(text) > MAX_UNCLOSED_SCAN:
        return "unclosed"
    return None


def _kind(reason: str | None) -> str | None:
    if reason is None:
        return None
    return "deep" if "deep" in reason else "unclosed"


PIECES = [
    " " * 24,
    "\t" * 6,
    "> " * 8,
    ">",
    " ",
    "\t",
    "\n",
    "\n\n",
    "[",
    "](",
    "(",
    "]",
    "<",
    ">",
    "x" * 3000,
]


@given(st.lists(st.sampled_from(PIECES), max_size=200).map("".join))
def test_the_quick_bounds_give_the_verdict_of_both_measures(text: str) -> None:
    assert _kind(too_complex(text)) == _every_measure(text)


def test_the_bounds_are_tight() -> None:
    assert too_complex("\t" * 25 + "x") is None  # 100 columns: not more
    assert too_complex("\t" * 25 + " x") is not None
    assert too_complex(">" * 50 + "x") is None
    assert too_complex(">" * 51 + "x") is not None
    assert too_complex("[" * 200 + "x" * 500) is None  # 200 openers scanning 120,100 characters
    assert too_complex("[" * 1000 + "x" * 500) is not None
