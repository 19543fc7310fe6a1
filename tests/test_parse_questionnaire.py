"""Tests for the questionnaire parser: inline fixtures, seed 004 and the symeneses chapters."""

from __future__ import annotations

import re

import pytest
from answer_key import expected_fronts, truth_scores
from conftest import CORPUS, REPO

from ankigen.model import ParseResult
from ankigen.parsers.questionnaire import parse

CHAPTERS = sorted((CORPUS / "questionnaire").glob("symeneses__*"))
QUESTION = re.compile(r"^ *-{2,} *\n(?: *\n)* *\d+\. .*\n(?:(?! *-{2,} *$) *\S.*\n)* *-{2,} *$", re.M)


def qn(text: str) -> ParseResult:
    return parse(text, "chapter.md")


def pairs(result: ParseResult) -> list[tuple[str, str]]:
    return [(card.front, card.back) for card in result.cards]


def rules(result: ParseResult) -> list[tuple[str, int]]:
    return [(d.rule, d.line) for d in result.diagnostics]


def test_basic_items_with_title_lines_and_markdown_markup() -> None:
    text = (
        "# Questionnaire: CNNs\n\n---\n1. What is a feature?\n---\nAn input variable.\n"
        "\n---\n2.  What is padding?\n---\nAdding rows.\n"
    )
    result = qn(text)
    assert result.title == "Questionnaire: CNNs"
    assert pairs(result) == [
        ("What is a feature?", "An input variable."),
        ("What is padding?", "Adding rows."),
    ]
    first, second = result.cards
    assert (first.line, first.back_line, first.end_line) == (4, 6, 6)
    assert (second.line, second.back_line, second.end_line) == (9, 11, 11)
    assert all(card.markup == "markdown" and card.source == "chapter.md" for card in result.cards)
    assert result.diagnostics == [] and result.skipped == 0


def test_blank_lines_and_short_separators() -> None:
    text = (
        "## Questionnaire\n--\n\n1. Do you need math?\n---\n\n- Lots of math: `F`\n"
        "\nNo.\n\n---\n\n2. Next?\n---  \nYes.\n"
    )
    result = qn(text)
    assert result.title == "Questionnaire"
    assert pairs(result) == [("Do you need math?", "- Lots of math: `F`\n\nNo."), ("Next?", "Yes.")]


def test_numbered_list_in_an_answer_is_not_a_question() -> None:
    text = (
        "---\n17. What are the five steps?\n---\n1. More data\n"
        "2. Augmentation\n\n---\n18. Why?\n---\nBecause.\n"
    )
    result = qn(text)
    assert pairs(result) == [
        ("What are the five steps?", "1. More data\n2. Augmentation"),
        ("Why?", "Because."),
    ]


def test_horizontal_rule_followed_by_a_list_inside_an_answer_stays_in_the_answer() -> None:
    text = "---\n1. Q?\n---\nPart one\n\n---\n1. item\n2. item\n\nmore\n\n---\n2. R?\n---\nok\n"
    result = qn(text)
    assert pairs(result) == [("Q?", "Part one\n\n---\n1. item\n2. item\n\nmore"), ("R?", "ok")]


def test_multi_line_question() -> None:
    text = "---\n6. Pick a paper and implement it.\n    - Port it over.\n    - Submit a PR.\n---\nDone.\n"
    result = qn(text)
    assert pairs(result) == [("Pick a paper and implement it.\n- Port it over.\n- Submit a PR.", "Done.")]


def test_triple_quote_fences_become_backtick_fences() -> None:
    text = (
        "---\n2. Write the kernel.\n---\nLike this:\n'''py\n"
        "top = tensor([[-1, -1]])\n'''\nor\n'''\nx = 1\n'''\n"
    )
    result = qn(text)
    assert result.cards[0].back == "Like this:\n```py\ntop = tensor([[-1, -1]])\n```\nor\n```\nx = 1\n```"
    assert result.diagnostics == []


def test_triple_quote_fence_holding_backticks_gets_a_longer_fence() -> None:
    text = "---\n1. Show markdown.\n---\n'''md\n```py\nx\n```\n'''\n"
    assert qn(text).cards[0].back == "````md\n```py\nx\n```\n````"


def test_separator_and_heading_inside_a_code_fence_are_code() -> None:
    text = (
        "---\n1. Show yaml.\n---\n```yaml\n---\nkey: 1\n# comment\n"
        "## not a section\n```\n\n---\n2. Next?\n---\nok\n"
    )
    result = qn(text)
    assert pairs(result) == [
        ("Show yaml.", "```yaml\n---\nkey: 1\n# comment\n## not a section\n```"),
        ("Next?", "ok"),
    ]
    assert result.cards[1].context == ()


def test_unclosed_fence_is_reported_at_its_opening_line_and_the_next_card_survives() -> None:
    text = "---\n1. Code?\n---\nSee:\n'''py\nx = 1\n\n---\n2. Next?\n---\nok\n"
    result = qn(text)
    assert rules(result) == [("unclosed-fence", 5)]
    assert pairs(result) == [("Code?", "See:\n```py\nx = 1"), ("Next?", "ok")]


def test_unclosed_backtick_fence_at_end_of_file() -> None:
    result = qn("---\n1. Code?\n---\nSee:\n\n```python\nx = 1\n---\ny = 2\n")
    assert rules(result) == [("unclosed-fence", 6)]
    assert pairs(result) == [("Code?", "See:\n\n```python\nx = 1\n---\ny = 2")]


def test_na_answers_are_skipped_with_a_warning() -> None:
    text = (
        "---\n1. A?\n---\nNA\n\n---\n2. B?\n---\nn/a.\n\n---\n"
        "3. C?\n---\nReal.\n\n---\n4. D?\n---\nNaN values\n"
    )
    result = qn(text)
    assert pairs(result) == [("C?", "Real."), ("D?", "NaN values")]
    assert rules(result) == [("na-answer", 2), ("na-answer", 7)]
    assert result.skipped == 2


def test_empty_answers_are_skipped_with_a_warning() -> None:
    text = "---\n1. A?\n---\n\n---\n2. B?\n---\nok\n\n---\n3. Last?\n---\n"
    result = qn(text)
    assert pairs(result) == [("B?", "ok")]
    assert rules(result) == [("empty-answer", 2), ("empty-answer", 11)]
    assert result.skipped == 2


def test_sections_become_context_and_numbering_restarts() -> None:
    text = (
        "# Questionnaire\n\n---\n1. A?\n---\na\n\n---\n2. B?\n---\nb\n\n\n"
        "## Further Research\n\n---\n1. C?\n---\nc\n\n---\n2. D?\n---\nd\n"
    )
    result = qn(text)
    assert pairs(result) == [("A?", "a"), ("B?", "b"), ("C?", "c"), ("D?", "d")]
    assert [card.context for card in result.cards] == [(), (), ("Further Research",), ("Further Research",)]
    assert result.cards[1].end_line == 11


def test_subheading_inside_an_answer_stays_in_it() -> None:
    text = "---\n1. A?\n---\nIntro\n\n### Details\nMore.\n\n---\n2. B?\n---\nb\n"
    result = qn(text)
    assert pairs(result) == [("A?", "Intro\n\n### Details\nMore."), ("B?", "b")]


def test_text_outside_cards_is_orphan_text() -> None:
    text = "# Title\n\nSome intro words.\n\n---\n1. A?\n---\na\n"
    result = qn(text)
    assert rules(result) == [("orphan-text", 3)]
    assert len(result.cards) == 1


@pytest.mark.parametrize("text", ["", "\n", "  \n\n"])
def test_empty_input(text: str) -> None:
    result = qn(text)
    assert result.cards == [] and result.diagnostics == [] and result.skipped == 0


def test_text_without_items_gives_one_no_cards_warning() -> None:
    result = qn("# Notes\n\nJust prose.\n\n---\n\nMore prose.\n")
    assert result.cards == []
    assert rules(result) == [("no-cards", 1)]


def test_carriage_returns_do_not_break_parsing() -> None:
    result = qn("---\r\n1. A?\r\n---\r\nyes\r\n\r\n---\r\n2. B?\r\n---\r\nno\rway\r\n")
    assert pairs(result) == [("A?", "yes"), ("B?", "no\rway")]
    result = qn("---\n1. A?\n---\nyes")
    assert pairs(result) == [("A?", "yes")]


# -- real files ------------------------------------------------------------------------------------------


def test_seed_004() -> None:
    (path,) = (REPO / "seeds").glob("004_*.txt")
    result = parse(path.read_text(encoding="utf-8"), "seeds/004.txt")
    assert len(result.cards) == 37
    assert result.title == "Questionnaire: Convolutional Neural Networks"
    assert result.skipped == 6
    assert {d.rule for d in result.diagnostics} == {"na-answer"}
    kernel = result.cards[1]
    assert kernel.front == "Write out the convolutional kernel matrix for a top edge detector."
    assert kernel.back == (
        "A convolutional kernel to detect top edges should have higher values to the bottom as there will be "
        "higher pixels values in that area.\n"
        "```py\n"
        "top_edge = tensor([[-1,-1,-1],\n"
        "                   [ 0, 0, 0],\n"
        "                   [ 1, 1, 1]]).float()\n"
        "```\n"
        "or\n"
        "```py\n"
        "top_edge = tensor([[ 0, 0, 0],\n"
        "                   [-1,-1,-1],\n"
        "                   [ 1, 1, 1]]).float()\n"
        "```"
    )
    assert (kernel.line, kernel.back_line, kernel.end_line) == (9, 11, 22)
    mult = next(card for card in result.cards if "1168-16" in card.front)
    assert mult.front == "Why does the third layer of the MNIST CNN have 7*7*(1168-16) multiplications?"
    assert mult.back.endswith("$$ n_{mult} = 7*7*(1168 - 16) = 56448$$")
    assert result.cards[7].front == 'What is a "channel"?'
    assert all(card.context == () for card in result.cards)


@pytest.mark.corpus
def test_all_symeneses_chapters_parse_to_one_card_or_warning_per_question() -> None:
    assert len(CHAPTERS) == 18
    for path in CHAPTERS:
        text = path.read_text(encoding="utf-8")
        # Counted independently: a separator, a numbered line (and its continuation lines), a separator.
        questions = len(QUESTION.findall(text))
        result = parse(text, path.name)
        assert len(result.cards) + result.skipped == questions, path.name
        assert len(result.cards) >= questions // 2, path.name
        assert result.title is not None and result.title.startswith("Questionnaire"), path.name
        assert {d.rule for d in result.diagnostics} <= {"na-answer"}, path.name


@pytest.mark.corpus
def test_chapter_15_matches_the_answer_key() -> None:
    key = "questionnaire/symeneses__dlfc-fastai-pytorch__questionnaires__chapter_15.md"
    expected = expected_fronts(key)
    result = parse((CORPUS / key).read_text(encoding="utf-8"), key)
    recall, precision = truth_scores(expected, [card.front for card in result.cards])
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)
    assert truth_scores(expected, [card.front for card in result.cards] + ["an extra front"])[1] < 0.95
