"""Tests for the Q:/A: parser: inline fixtures for each layout, seed 000 and the FAQ corpus."""

from __future__ import annotations

import re

import pytest
from answer_key import expected_fronts, truth_scores
from conftest import CORPUS, REPO
from hypothesis import given
from hypothesis import strategies as st

from ankigen.cloze import makes_cards
from ankigen.model import ParseResult
from ankigen.parsers import markdown, numbered
from ankigen.parsers import qa as qa_parser
from ankigen.parsers.qa import parse
from ankigen.sources import detect_format


def qa(text: str) -> ParseResult:
    return parse(text, "notes.txt")


def pairs(result: ParseResult) -> list[tuple[str, str]]:
    return [(card.front, card.back) for card in result.cards]


def rules(result: ParseResult) -> list[tuple[str, int]]:
    return [(d.rule, d.line) for d in result.diagnostics]


# -- the strict form ---------------------------------------------------------------------------------


def test_simple_cards_with_lines_and_plain_markup() -> None:
    result = qa("Q: one?\nA: first\nA: second\n\nQ: two?\nA: x\n")
    assert pairs(result) == [("one?", "first\nsecond"), ("two?", "x")]
    first, second = result.cards
    assert (first.line, first.back_line, first.end_line) == (1, 2, 3)
    assert (second.line, second.back_line, second.end_line) == (5, 6, 6)
    assert all(card.markup == "plain" and card.source == "notes.txt" for card in result.cards)
    assert result.diagnostics == [] and result.skipped == 0


def test_several_q_lines_make_one_question() -> None:
    result = qa("Q: We have input\nQ: and stride 1.\nQ: How many?\nA: 49*C*C\n")
    assert pairs(result) == [("We have input\nand stride 1.\nHow many?", "49*C*C")]


def test_q_line_after_unprefixed_text_starts_a_new_question() -> None:
    result = qa("Q: first?\nits answer\nQ: second?\nA: two\n")
    assert pairs(result) == [("first?", "its answer"), ("second?", "two")]


def test_indentation_after_the_marker_is_kept() -> None:
    result = qa("Q: code?\nA: for p in ps:\nA:   total += p\n")
    assert result.cards[0].back == "for p in ps:\n  total += p"


def test_markup_characters_are_left_alone() -> None:
    result = qa("Q: what is *this* and _that_?\nA: <b>x</b> * y_1\n")
    assert pairs(result) == [("what is *this* and _that_?", "<b>x</b> * y_1")]


# -- FAQ layouts ---------------------------------------------------------------------------------------


def test_indented_markers_and_hanging_continuation_lines() -> None:
    text = (
        "  Q: When running it, it shows the usage help even while using correct\n"
        "     parameters, why?\n"
        "  A: This can happen with alternative shells. Try using a different\n"
        "     shell:\n"
        "         bash lynis audit system\n"
    )
    result = qa(text)
    assert pairs(result) == [
        (
            "When running it, it shows the usage help even while using correct\nparameters, why?",
            "This can happen with alternative shells. Try using a different\n"
            "shell:\n    bash lynis audit system",
        )
    ]
    assert result.cards[0].end_line == 5


def test_blockquoted_markers() -> None:
    result = qa("# Data Structure\n\n> Q: What is a list?\n> A: A sequence\n>   of items.\n")
    assert pairs(result) == [("What is a list?", "A sequence\nof items.")]
    assert result.title == "Data Structure"


def test_nested_blockquote_markers() -> None:
    result = qa(">> Q: deep?\n>> A: yes\n")
    assert pairs(result) == [("deep?", "yes")]


def test_blank_lines_between_question_and_answer_and_multiline_question() -> None:
    text = "Q: Can the question\nrun over multiple lines?\n\n\nA: Yes, and\nso can the answer\n"
    result = qa(text)
    assert pairs(result) == [("Can the question\nrun over multiple lines?", "Yes, and\nso can the answer")]
    assert (result.cards[0].line, result.cards[0].back_line, result.cards[0].end_line) == (1, 5, 6)


def test_several_answer_paragraphs() -> None:
    text = "Q: Where are caves?\nA: First paragraph.\nA: Second paragraph.\n\nA: Third, after a blank.\n"
    result = qa(text)
    assert pairs(result) == [
        ("Where are caves?", "First paragraph.\nSecond paragraph.\n\nThird, after a blank.")
    ]


def test_unprefixed_paragraphs_after_an_unindented_answer_belong_to_it() -> None:
    text = "Q) How to use it on a Pi?\n\nA) Upgrade first:\n\nsudo apt-get update\n\nQ) Next?\n\nA) Yes.\n"
    result = qa(text)
    assert pairs(result) == [
        ("How to use it on a Pi?", "Upgrade first:\n\nsudo apt-get update"),
        ("Next?", "Yes."),
    ]


def test_dedented_text_after_a_hanging_answer_is_orphan_text() -> None:
    text = (
        "Q: Does it compile?\n\nA: Probably. Known issues have\n   been resolved.\n\n\n"
        "Shane Kerr <shane@example.org>\n"
    )
    result = qa(text)
    assert pairs(result) == [("Does it compile?", "Probably. Known issues have\nbeen resolved.")]
    assert rules(result) == [("orphan-text", 7)]
    assert "Shane Kerr" in result.diagnostics[0].message


def test_unprefixed_text_after_a_fully_prefixed_answer_is_orphan_text() -> None:
    text = "Q: a?\nA: 1\nA: 2\n\nstray note\n\nQ: b?\nA: 3\n"
    result = qa(text)
    assert pairs(result) == [("a?", "1\n2"), ("b?", "3")]
    assert rules(result) == [("orphan-text", 5)]


def test_trailing_ruler_lines_are_not_part_of_the_answer() -> None:
    result = qa("Q: a?\nA: first\n------\nsecond\n\n---\n\nQ: b?\nA: c\n=====\n")
    assert pairs(result) == [("a?", "first\n------\nsecond"), ("b?", "c")]


def test_marker_spellings_of_real_faqs() -> None:
    text = (
        "Q001: What protocols?\n    - TCP\n    - UDP\n\n"
        "Q-002.\tIs it a plugin?\nA-002.\tNo, it modifies\n\tcore files.\n\n"
        "**Q:** Bold markers?\n\n**A:** Work too.\n\n"
        "Q. Where do I buy parts?\n\n   From a shop.\n"
    )
    result = qa(text)
    assert pairs(result) == [
        ("What protocols?", "- TCP\n- UDP"),
        ("Is it a plugin?", "No, it modifies\ncore files."),
        ("Bold markers?", "Work too."),
        ("Where do I buy parts?", "From a shop."),
    ]


def test_question_without_a_marker_the_answer_follows() -> None:
    text = (
        "  Q: My version is outdated, what can I do?\n     Check out the upgrade guide.\n\n"
        "  Q: Next?\n  A: ok\n"
    )
    result = qa(text)
    assert pairs(result) == [
        ("My version is outdated, what can I do?", "Check out the upgrade guide."),
        ("Next?", "ok"),
    ]
    assert result.cards[0].back_line == 2


def test_two_line_question_without_question_mark_then_answer_paragraph() -> None:
    text = "Q. What is the difference between A and B\n   type of adapter.\n\n   A uses a chip.\n"
    result = qa(text)
    assert pairs(result) == [("What is the difference between A and B\ntype of adapter.", "A uses a chip.")]


def test_numbered_question_line_directly_above_an_answer_marker() -> None:
    text = (
        "Contents\n1. What is it?\n\n1. What is it?\n   A: An agent.\n\n2. Why renamed?\n   A: Marketing.\n"
    )
    result = qa(text)
    assert pairs(result) == [("What is it?", "An agent."), ("Why renamed?", "Marketing.")]
    assert [card.line for card in result.cards] == [4, 7]
    assert rules(result) == [("orphan-text", 1)]


def test_html_comments_between_cards_are_ignored() -> None:
    text = "<!-- CARD -->\nQ: one?\nA: 1\n\n<!--\nQ: commented out?\nA: no\n-->\nQ: two?\nA: 2\n"
    result = qa(text)
    assert pairs(result) == [("one?", "1"), ("two?", "2")]
    assert result.diagnostics == []


def test_html_comment_ends_the_answer() -> None:
    result = qa("Q: one?\nA: 1\n<!-- CARD -->\nQ: two?\nA: 2\n")
    assert pairs(result) == [("one?", "1"), ("two?", "2")]


def test_unclosed_html_comment_hides_only_its_own_line() -> None:
    result = qa("<!-- never closed\nQ: one?\nA: 1\n")
    assert pairs(result) == [("one?", "1")]
    assert rules(result) == [("orphan-text", 1)]


def test_headings_outside_cards_become_context() -> None:
    text = "# Title\n\n## Basics\nQ: a?\nA: 1\n\n### Detail\nQ: b?\nA: 2\n\n## Other\nQ: c?\nA: 3\n"
    result = qa(text)
    assert result.title == "Title"
    assert [card.context for card in result.cards] == [("Basics",), ("Basics", "Detail"), ("Other",)]


# -- problems ------------------------------------------------------------------------------------------


def test_unanswered_question_is_reported_and_skipped() -> None:
    result = qa("Q: lonely question?\n\nQ: answered?\nA: yes\n")
    assert pairs(result) == [("answered?", "yes")]
    assert rules(result) == [("unanswered-question", 1)]
    assert "lonely question?" in result.diagnostics[0].message
    assert result.skipped == 1


def test_unanswered_question_at_end_of_file() -> None:
    result = qa("Q: a?\nA: b\n\nQ: last?\n")
    assert rules(result) == [("unanswered-question", 4)]
    assert result.skipped == 1


def test_empty_answer_marker() -> None:
    result = qa("Q: a?\nA:\n\nQ: b?\nA: c\n")
    assert rules(result) == [("empty-answer", 1)]
    assert result.skipped == 1 and len(result.cards) == 1


def test_orphan_text_reported_once_per_block() -> None:
    text = "Frequently Asked Questions\nfor our tool\n\nAnother block\n\n=====\n\nQ: a?\nA: b\n"
    result = qa(text)
    assert rules(result) == [("orphan-text", 1), ("orphan-text", 4)]
    assert len(result.cards) == 1


def test_answer_without_question_is_orphan_text() -> None:
    result = qa("Q: a?\nA: b\n\nQ:\nA: stray answer\n")
    assert pairs(result) == [("a?", "b")]
    assert rules(result) == [("orphan-text", 5)]


@pytest.mark.parametrize("text", ["", "\n\n", "   \n\t\n"])
def test_empty_input_gives_nothing(text: str) -> None:
    result = qa(text)
    assert result.cards == [] and result.diagnostics == [] and result.skipped == 0


def test_text_without_cards_gives_one_no_cards_warning() -> None:
    result = qa("just some notes\n\nand more notes\n")
    assert result.cards == []
    assert rules(result) == [("no-cards", 1)]


def test_newline_only_input_and_stray_carriage_returns() -> None:
    assert pairs(qa("Q: a?\nA: b")) == [("a?", "b")]
    result = qa("Q: a?\r\nA: b\rc\r\n\r\nQ: d?\r\nA: e\r")
    assert pairs(result) == [("a?", "b\rc"), ("d?", "e")]


# -- real files ------------------------------------------------------------------------------------------


def test_seed_000() -> None:
    (path,) = (REPO / "seeds").glob("000_*.txt")
    result = parse(path.read_text(encoding="utf-8"), "seeds/000.txt")
    assert len(result.cards) == 40
    assert result.diagnostics == [] and result.skipped == 0
    conv = next(card for card in result.cards if card.front.startswith("We have input"))
    assert conv.front == (
        "We have input H x W x C and we use Conv with C filters,\n"
        "stride 1 and padding to preserve depth.\n"
        "How many parameters do we have to 7x7 conv, how many\n"
        "for 3 layers of 3 x 3 and which one is better"
    )
    assert conv.back.startswith("C filters x (7 x 7 x depth of C) = 49*C*C\n3 x C x (3 x 3 x C) = 27*C*C\n")
    assert (conv.line, conv.back_line, conv.end_line) == (246, 250, 253)
    l1 = next(card for card in result.cards if card.front == "How to implement L1 / L2 in pytorch?")
    assert "for param in model.parameters():\n  l1 += torch.norm(param, 1)" in l1.back
    assert result.cards[0].front == "Explain Batch Normalization"
    assert result.cards[-1].back.endswith("simultaneous detection and segmentation")


def test_truth_scores_can_fail() -> None:
    assert truth_scores(["What is X?", "Why Y?"], ["12. what is **x**", "Something else"]) == (0.5, 0.5)


@pytest.mark.corpus
def test_lynis_faq_matches_the_answer_key() -> None:
    key = "qa/CISOfy__lynis__FAQ"
    expected = expected_fronts(key)
    result = parse((CORPUS / key).read_text(encoding="utf-8"), key)
    recall, precision = truth_scores(expected, [card.front for card in result.cards])
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("2013eric__oftpd__FAQ", 4),
        ("AAVSO__VStar__FAQ.txt", 2),
        ("Agetian__bouldercaves__FAQ", 16),
        ("AlexBeem__digitemp__FAQ", 11),
        ("Azure__WALinuxAgent__FAQ.txt", 2),
        ("Blady-Com__gnoga__FAQ", 17),
        ("Bloke__MLP__FAQ.txt", 5),
        ("CISOfy__lynis__FAQ", 13),
        ("Danjb1__openlierox-classic__FAQ.txt", 6),
        ("Ekristoffe__WagoModbusNet__FAQ.txt", 6),
        (
            "ObsidianToAnki__Obsidian_to_Anki__tests__defaults__test_vault_suites__question_answer__question_answer.md",
            5,
        ),
        ("metaphorlism__data-structures__README.md", 1),
    ],
)
def test_corpus_faq_card_counts(name: str, count: int) -> None:
    text = (CORPUS / "qa" / name).read_bytes().decode("utf-8").replace("\r\n", "\n")
    result = parse(text, name)
    assert len(result.cards) == count
    assert result.skipped == 0
    assert all(card.front.strip() and card.back.strip() for card in result.cards)
    assert all(
        card.line < card.back_line <= card.end_line or card.line == card.back_line for card in result.cards
    )


# -- Q/A written another way (issue 14) ---------------------------------------------------------------


def test_a_wholly_bold_question_then_bold_answer_markers() -> None:
    text = (
        "**Q: Do you need maths for deep learning?**\n\n**A:** Less than you think.\n\n"
        "**Q: Do you need a PhD?**\n**A:** No.\n**A:** Nobody asks.\n"
    )
    assert pairs(qa(text)) == [
        ("Do you need maths for deep learning?", "Less than you think."),
        ("Do you need a PhD?", "No.\nNobody asks."),
    ]


def test_question_and_answer_written_as_words() -> None:
    text = (
        "**Question 3:** What is a tensor?\n\n**Answer:** An array.\n\n"
        "Question: What is a rank?\nAnswer: The number of axes.\n\nQ: What is a shape?\nAns: Lengths.\n"
    )
    result = qa(text)
    assert pairs(result) == [
        ("What is a tensor?", "An array."),
        ("What is a rank?", "The number of axes."),
        ("What is a shape?", "Lengths."),
    ]
    assert detect_format(text + "\nQuestion: What is a shape?\nAnswer: Lengths.\n") == "qa"


def test_answer_words_under_question_headings_are_not_qa() -> None:
    text = "".join(f"### Q{n}: What is {n}? ###\n\nAnswer:\n\nIt is {n}.\n\n" for n in range(1, 5))
    assert detect_format(text) == "markdown"


def test_questions_without_answer_markers_take_the_next_paragraph() -> None:
    text = (
        "Q: What is a tensor?\n    An array with\n      any number of axes.\n\n"
        "Q: What is a rank?\n\nThe number of axes.\n"
    )
    assert pairs(qa(text)) == [
        ("What is a tensor?", "An array with\n  any number of axes."),
        ("What is a rank?", "The number of axes."),
    ]


def test_a_numbered_question_without_punctuation_after_numbered_ones() -> None:
    text = (
        "Q11: What is a rank?\nThe number of axes.\n\n"
        "Q12 What is a shape?\nThe lengths of the axes; Q3 reports use it.\nQ4 figures too.\n"
    )
    assert pairs(qa(text)) == [
        ("What is a rank?", "The number of axes."),
        ("What is a shape?", "The lengths of the axes; Q3 reports use it.\nQ4 figures too."),
    ]


def test_cards_of_a_markdown_file_are_markdown_with_line_breaks_kept() -> None:
    text = "Q: How do I list files?\nA: Run `ls`:\none per line\n\n```sh\nls -1\n```\n"
    markdown, plain = parse(text, "notes.md"), parse(text, "notes.txt")
    assert [card.markup for card in markdown.cards] == ["markdown"]
    assert markdown.cards[0].back == "Run `ls`:  \none per line\n\n```sh\nls -1\n```"
    assert [card.markup for card in plain.cards] == ["plain"]
    assert plain.cards[0].back == "Run `ls`:\none per line\n\n```sh\nls -1\n```"


def test_a_hash_line_inside_an_answer_is_text() -> None:
    text = (
        "Q: How do you comment in Python?\nA: Start with a hash:\n\n# this is a comment\nx = 1\n\n"
        "# Shell\n\nQ: And in a shell?\nA: The same.\n"
    )
    result = qa(text)
    assert pairs(result) == [
        ("How do you comment in Python?", "Start with a hash:\n\n# this is a comment\nx = 1"),
        ("And in a shell?", "The same."),
    ]
    assert [card.context for card in result.cards] == [(), ("Shell",)]
    assert result.diagnostics == []


def test_nothing_inside_a_fence_is_a_marker_or_a_heading() -> None:
    text = (
        "Q: Show the file?\nA: It reads:\n\n```\n# Title\n\nQ: not a question\nA: not an answer\n```\n"
        "\nQ: Next?\nA: Yes.\n"
    )
    assert pairs(qa(text)) == [
        ("Show the file?", "It reads:\n\n```\n# Title\n\nQ: not a question\nA: not an answer\n```"),
        ("Next?", "Yes."),
    ]


def test_questions_written_as_headings_or_list_items() -> None:
    headings = (
        "#### Q: What is X?\nA: X is x.\n\n#### Q: What is Y?\nA: Y is y.\n\n#### Q: What is Z?\nA: Z.\n"
    )
    assert detect_format(headings) == "qa"
    assert pairs(qa(headings)) == [("What is X?", "X is x."), ("What is Y?", "Y is y."), ("What is Z?", "Z.")]
    bullets = (
        "- **Q:** What is X?\n  **A:** X is x.\n- **Q:** What is Y?\n  **A:** Y is y.\n\n"
        "* Q: What is Z?\n  A: Z.\n"
    )
    assert detect_format(bullets) == "qa"
    assert pairs(qa(bullets)) == [("What is X?", "X is x."), ("What is Y?", "Y is y."), ("What is Z?", "Z.")]


MARKER_PIECES = [
    "Q:",
    "A:",
    "Q1.",
    "A-2)",
    "B) ",
    "**Q:**",
    "Question 3:",
    "Answer:",
    "> ",
    "- ",
    "# ",
    "1. ",
    "x",
]
MARKER_PIECES += ["\n", " ", "\t", "{{c1::x}}", "**"]


@given(st.lists(st.sampled_from(MARKER_PIECES), max_size=40).map("".join))
def test_the_line_patterns_count_what_line_start_patterns_count(text: str) -> None:
    def at_line_starts(pattern: re.Pattern[str]) -> int:
        return len(re.compile("^" + pattern.pattern.removeprefix(r"\n"), re.MULTILINE).findall(text))

    questions = at_line_starts(qa_parser._QUESTION_LINE)
    answers = max(0, at_line_starts(qa_parser._ANSWER_LINE) - at_line_starts(qa_parser._OPTION_LINE))
    if "{{c" in text:
        lines = text.split("\n")
        starts = re.compile("^" + qa_parser._QUESTION_LINE.pattern.removeprefix(r"\n"))
        answers += sum(1 for line in lines if (m := starts.match(line)) and makes_cards(line[m.end() :]))
    if questions:
        answers += at_line_starts(qa_parser._ANSWER_WORD_LINE)
    assert qa_parser.count_markers(text) == (questions, answers)
    assert markdown.count_headings(text) == at_line_starts(markdown._HEADING_LINE)
    quick = numbered.count_questions(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(numbered, "_ITEM_START", re.compile(""))  # every text takes the line-by-line pass
        assert quick == numbered.count_questions(text)
