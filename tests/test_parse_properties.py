"""Property tests for every parser in ``ankigen.parsers.PARSERS``: any text parses, results are
well-formed, nothing a Q:/A: author wrote as a question disappears, and pathological input works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ankigen.model import ParseResult
from ankigen.parsers import PARSERS, qa, questionnaire

REPO = Path(__file__).resolve().parents[1]
PATH = "notes/file.txt"
PARSER_RULES = {
    "empty-answer",
    "na-answer",
    "unclosed-fence",
    "orphan-text",
    "no-cards",
    "unanswered-question",
}
FORMATS = sorted(PARSERS)

FRAGMENTS = [
    "Q: ", "A: ", "Q:", "A:", "Q. ", "A) ", "Q001: ", "A-1.\t", "**Q:** ", "**A:**",
    "> ", ">", "  ", "    ", "\t", "---", "--", "1. ", "12) ", "- ", "* ",
    "# ", "## ", "### ", "'''py", "'''", "```", "```python", "~~~", "-->",
    "NA", "n/a", "$", "$$", "\\(", "*", "**", "_", "\\", "[x](y)", "<b>", "</b>", "<br>", "\r",
    " ", "?", "word", "é", "\u00a0", "\x0b",
]  # fmt: skip
COMMENT = ["<!--", "<!-- CARD -->"]

settings.register_profile(
    "parsers", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = settings.get_profile("parsers")


def note_text(fragments: list[str]) -> st.SearchStrategy[str]:
    """Text made of note-like lines: markers, quotes, fences, separators, headings and noise."""
    piece = st.sampled_from(fragments) | st.text(max_size=8)
    line = st.lists(piece, max_size=6).map("".join)
    return st.lists(line, max_size=40).map("\n".join)


def check_well_formed(result: ParseResult, text: str) -> None:
    """What every parser promises about its result, whatever the input."""
    assert isinstance(result, ParseResult)
    last = text.count("\n") + 1
    for card in result.cards:
        assert card.source == PATH
        assert card.front.strip() and card.back.strip()
        assert 1 <= card.line <= card.end_line <= last
        assert card.line <= card.back_line <= card.end_line
        assert card.markup in ("markdown", "plain")
        assert all(isinstance(title, str) for title in card.context)
    for diagnostic in result.diagnostics:
        assert diagnostic.path == PATH
        assert 1 <= diagnostic.line <= last
        assert diagnostic.severity in ("warning", "error")
        assert diagnostic.rule in PARSER_RULES
        assert "\n" not in diagnostic.format()
    skips = [d for d in result.diagnostics if d.rule in ("empty-answer", "na-answer", "unanswered-question")]
    assert result.skipped == len(skips)


def run(fmt: str, text: str) -> ParseResult:
    result = PARSERS[fmt](text, PATH)
    check_well_formed(result, text)
    return result


# -- arbitrary input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@settings(PROFILE)
@given(text=st.text())
def test_any_text_parses(fmt: str, text: str) -> None:
    run(fmt, text)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(PROFILE)
@given(text=note_text(FRAGMENTS + COMMENT))
def test_any_note_like_text_parses_the_same_way_twice(fmt: str, text: str) -> None:
    assert run(fmt, text) == PARSERS[fmt](text, PATH)


Q_LINE = re.compile(r"[ \t]*Q:(.*)")


@settings(PROFILE)
@given(text=note_text(FRAGMENTS))
def test_every_qa_question_reaches_a_card_or_a_diagnostic(text: str) -> None:
    result = run("qa", text)
    fronts = [card.front for card in result.cards]
    messages = [diagnostic.message for diagnostic in result.diagnostics]
    for line in text.split("\n"):
        match = Q_LINE.fullmatch(line)
        if match is None or not match.group(1).strip():
            continue
        question = match.group(1).strip()
        assert any(question in front for front in fronts) or any(question in m for m in messages), question


def test_the_question_property_can_fail() -> None:
    """A Q: line inside an HTML comment is deliberately dropped, which the property above would catch."""
    result = qa.parse("<!--\nQ: hidden?\n-->\nQ: shown?\nA: yes\n", PATH)
    texts = [card.front for card in result.cards] + [d.message for d in result.diagnostics]
    assert not any("hidden?" in text for text in texts)


# -- pathological input ------------------------------------------------------------------------------------

DEEP = 10_000
PATHOLOGICAL = {
    "1 MB line": "Q: " + "x" * 1_000_000 + "\nA: y\n",
    "1 MB of spaces": "Q:" + " " * 1_000_000 + "x\nA: y\n",
    "10k nested quotes": "> " * DEEP + "Q: deep?\n" + "> " * DEEP + "A: yes\n",
    "10k quote characters": ">" * DEEP + "\n" + ">" * DEEP + " Q: x\n",
    "10k nested bullets": "- " * DEEP + "x\n" + "  " * 2 + "- y\n",
    "10k nested numbers": "1. " * DEEP + "x\n",
    "1k indented levels": "\n".join("  " * i + "- item" for i in range(1_000)) + "\n",
    "1k nested quote lines": "\n".join(">" * i + " Q: q" for i in range(1, 1_001)) + "\n",
    "unanswered everywhere": "Q: x?\n\n" * DEEP,
    "answers everywhere": "A: y\n\n" * DEEP,
    "unmatched dollars": "$" * 100_000 + "\n" + "$x " * 30_000,
    "unmatched fences": "```\n" * (DEEP + 1),
    "unmatched quote fences": "'''\n" * (DEEP + 1),
    "unclosed comments": "<!--\n" * DEEP,
    "separators": "---\n" * DEEP,
    "emphasis": "**" * 50_000 + "\n" + "*_" * 50_000,
    "brackets": "[" * 100_000 + "](" * 10_000,
    "headings": "#" * 100_000 + "\n" + "# \n" * DEEP,
    "html": "<div>" * 20_000 + "\n" + "<" * 100_000,
    "carriage returns": "Q: a\r" * 50_000 + "\nA: b\r\r\n",
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_input_parses(fmt: str, name: str) -> None:
    run(fmt, PATHOLOGICAL[name])


def by_rule(result: ParseResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for diagnostic in result.diagnostics:
        counts[diagnostic.rule] = counts.get(diagnostic.rule, 0) + 1
    return counts


def test_qa_pathological_results() -> None:
    huge = run("qa", PATHOLOGICAL["1 MB line"])
    assert [(len(c.front), c.back) for c in huge.cards] == [(1_000_000, "y")]
    assert [(c.front, c.back) for c in run("qa", PATHOLOGICAL["1 MB of spaces"]).cards] == [("x", "y")]
    assert [(c.front, c.back) for c in run("qa", PATHOLOGICAL["10k nested quotes"]).cards] == [
        ("deep?", "yes")
    ]
    unanswered = run("qa", PATHOLOGICAL["unanswered everywhere"])
    assert unanswered.cards == [] and unanswered.skipped == DEEP
    assert by_rule(unanswered) == {"unanswered-question": DEEP, "no-cards": 1}
    assert by_rule(run("qa", PATHOLOGICAL["unclosed comments"])) == {"no-cards": 1}
    returns = run("qa", PATHOLOGICAL["carriage returns"])
    assert len(returns.cards) == 1 and returns.cards[0].back == "b"


def test_questionnaire_pathological_results() -> None:
    na = run("questionnaire", "---\n1. q?\n---\nNA\n\n" * DEEP)
    assert na.cards == [] and na.skipped == DEEP and by_rule(na) == {"na-answer": DEEP, "no-cards": 1}
    unclosed = run("questionnaire", "---\n1. q?\n---\n'''py\nx\n\n" * 2_000)
    assert len(unclosed.cards) == 2_000 and by_rule(unclosed) == {"unclosed-fence": 2_000}
    assert {card.back for card in unclosed.cards} == {"```py\nx"}
    huge = run("questionnaire", "---\n1. " + "q" * 1_000_000 + "\n---\n" + "a" * 1_000_000 + "\n")
    assert [(len(c.front), len(c.back)) for c in huge.cards] == [(1_000_000, 1_000_000)]
    assert run("questionnaire", PATHOLOGICAL["separators"]).cards == []


def test_large_inputs_give_every_card() -> None:
    """Several megabytes of notes: the card count scales exactly (no card lost or merged)."""
    (seed0,) = (REPO / "seeds").glob("000_*.txt")
    (seed4,) = (REPO / "seeds").glob("004_*.txt")
    qa_text = seed0.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    result = qa.parse(qa_text * 200, PATH)
    assert len(result.cards) == 40 * 200 and result.diagnostics == []
    qn_text = seed4.read_text(encoding="utf-8").split("\n", 1)[1].rstrip("\n") + "\n\n"
    result = questionnaire.parse(qn_text * 200, PATH)
    assert len(result.cards) == 37 * 200 and result.skipped == 6 * 200
