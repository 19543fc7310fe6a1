"""Numbered questionnaires without ``---``: questions as list items, the answer under each."""

from __future__ import annotations

from ankigen.model import ParseResult
from ankigen.parsers import numbered, questionnaire
from ankigen.sources import detect_format


def parse(text: str, path: str = "notes.md") -> ParseResult:
    return numbered.parse(text, path)


def pairs(result: ParseResult) -> list[tuple[str, str]]:
    return [(card.front, card.back) for card in result.cards]


def rules(result: ParseResult) -> list[tuple[str, int]]:
    return [(d.rule, d.line) for d in result.diagnostics]


def test_quoted_answers_under_numbered_questions() -> None:
    text = (
        "1. What is a tensor?\n   > An array with\n   > any number of axes.\n"
        "2. What is a rank?\n\n   > Its number of axes.\n"
    )
    result = parse(text)
    assert pairs(result) == [
        ("What is a tensor?", "An array with\nany number of axes."),
        ("What is a rank?", "Its number of axes."),
    ]
    first, second = result.cards
    assert (first.line, first.back_line, first.end_line) == (1, 2, 3)
    assert (second.line, second.back_line, second.end_line) == (4, 6, 6)
    assert result.diagnostics == [] and first.markup == "markdown"


def test_nested_bullets_and_indented_paragraphs_after_a_blank_line() -> None:
    text = (
        "1) Name two optimisers.\n\n   - SGD\n   - Adam\n\n"
        "1) Why normalise inputs?\n\n    Gradients behave better.\n\n    Training is faster.\n"
    )
    assert pairs(parse(text)) == [
        ("Name two optimisers.", "- SGD\n- Adam"),
        ("Why normalise inputs?", "Gradients behave better.\n\nTraining is faster."),
    ]


def test_answer_labels_are_removed() -> None:
    text = (
        "1. What is a GPU?\n   Ans: A graphics processor.\n"
        "1. What is a CPU?\n   Answer:\n   A central processor.\n"
        "1. What is a TPU?\n\n  A: A tensor processor.\n"
        "1. What is RAM?\n   A1) Memory.\n"
    )
    assert pairs(parse(text)) == [
        ("What is a GPU?", "A graphics processor."),
        ("What is a CPU?", "A central processor."),
        ("What is a TPU?", "A tensor processor."),
        ("What is RAM?", "Memory."),
    ]


def test_a_word_that_opens_many_answers_is_a_label_in_any_language() -> None:
    text = (
        "1. Kio estas tensoro?\n   Respondo: Tabelo.\n"
        "2. Kio estas rango?\n   Respondo: Nombro da aksoj.\n"
        "3. Kio estas formo?\n   Respondo: Longoj de aksoj.\n"
        "4. Kio estas noto?\n   Noto: ne etikedo.\n"
    )
    assert pairs(parse(text)) == [
        ("Kio estas tensoro?", "Tabelo."),
        ("Kio estas rango?", "Nombro da aksoj."),
        ("Kio estas formo?", "Longoj de aksoj."),
        ("Kio estas noto?", "Noto: ne etikedo."),
    ]


def test_plain_lines_right_under_the_question_are_the_answer() -> None:
    text = "1. Draw the sigmoid.\nIt is S-shaped.\nIt maps to (0, 1).\n1. What is ReLU?\nmax(0, x)\n"
    assert pairs(parse(text)) == [
        ("Draw the sigmoid.", "It is S-shaped.\nIt maps to (0, 1)."),
        ("What is ReLU?", "max(0, x)"),
    ]


def test_bold_and_wrapped_questions() -> None:
    text = (
        "1. **What is the difference between a loss\n   and a metric?**\n\n   One is for the model.\n\n"
        "10.**Why do we need a validation set?**\n   To measure overfitting.\n\n"
        "11. What is the output of a model that is\n    trained on labels?\n    Predictions.\n\n"
        "12. Create a model with\n    two layers.\n    Done with nn.Sequential.\n"
    )
    assert pairs(parse(text)) == [
        ("What is the difference between a loss and a metric?", "One is for the model."),
        ("Why do we need a validation set?", "To measure overfitting."),
        ("What is the output of a model that is trained on labels?", "Predictions."),
        ("Create a model with two layers.", "Done with nn.Sequential."),
    ]


def test_a_question_followed_by_the_next_one_is_skipped_with_a_warning() -> None:
    text = (
        "1. What is a prior?\n2. What is a posterior?\n   > The updated belief.\n3. What is a likelihood?\n"
    )
    result = parse(text)
    assert pairs(result) == [("What is a posterior?", "The updated belief.")]
    assert result.skipped == 2
    assert rules(result) == [("unanswered-question", 1), ("unanswered-question", 4)]
    assert "What is a prior?" in result.diagnostics[0].message


def test_more_questions_on_the_items_lines_are_not_an_answer() -> None:
    result = parse(
        "1. Why use mini-batches?\n   How many steps has SGD?\n2. What is a step?\n   > One update.\n"
    )
    assert pairs(result) == [("What is a step?", "One update.")]
    assert "How many steps has SGD?" in result.diagnostics[0].message


def test_na_answers_are_skipped() -> None:
    result = parse("1. What is a prior?\n   > NA\n2. What is X?\n   > Y.\n")
    assert pairs(result) == [("What is X?", "Y.")]
    assert rules(result) == [("na-answer", 1)] and result.skipped == 1


def test_sections_are_context_and_the_first_heading_is_the_title() -> None:
    text = (
        "# Chapter 4 questions\n\n1. What is MNIST?\n   > Digits.\n\n"
        "## Further Research\n\n1. Write your own optimiser?\n   > Later.\n"
    )
    result = parse(text)
    assert result.title == "Chapter 4 questions"
    assert [(card.front, card.context) for card in result.cards] == [
        ("What is MNIST?", ()),
        ("Write your own optimiser?", ("Further Research",)),
    ]


def test_a_contents_list_that_repeats_the_questions_is_dropped() -> None:
    text = (
        "Frequently asked questions\n\nContents\n1. What is the agent?\n2. Why was it renamed?\n\n\n"
        "1. What is the agent?\n   A: A daemon that provisions machines.\n\n"
        "2. Why was it renamed?\n   A: The platform was renamed.\n"
    )
    result = parse(text, "FAQ.txt")
    assert pairs(result) == [
        ("What is the agent?", "A daemon that provisions machines."),
        ("Why was it renamed?", "The platform was renamed."),
    ]
    assert result.skipped == 0
    assert {rule for rule, _ in rules(result)} == {"orphan-text"}
    assert all(card.markup == "plain" for card in result.cards)


def test_links_only_items_are_a_table_of_contents() -> None:
    text = "1. [What is X?](#x)\n2. [What is Y?](#y)\n\n1. What is X?\n   > X.\n"
    assert pairs(parse(text)) == [("What is X?", "X.")]


def test_an_answer_that_is_a_numbered_list_stays_one_answer() -> None:
    text = (
        "1. How do we fight overfitting?\n   1. More data\n   2. Augmentation\n"
        "   3. Regularisation\n2. Next?\n   > Yes.\n"
    )
    assert pairs(parse(text)) == [
        ("How do we fight overfitting?", "1. More data\n2. Augmentation\n3. Regularisation"),
        ("Next?", "Yes."),
    ]


def test_code_in_answers_and_numbered_lines_inside_fences() -> None:
    text = (
        "1. Show a loop?\n\n   ```python\n1. not a question\n# not a heading\n   ```\n\n"
        "2. Show indented code?\n\n   > Like this:\n\n          x = 1\n"
    )
    assert pairs(parse(text)) == [
        ("Show a loop?", "```python\n1. not a question\n# not a heading\n```"),
        ("Show indented code?", "Like this:\n\n       x = 1"),
    ]


def test_an_answer_indented_four_past_the_question_text_is_code() -> None:
    assert pairs(parse("1.  Is it code?\n\n        x = 1\n        y = 2\n")) == [
        ("Is it code?", "    x = 1\n    y = 2"),
    ]


def test_plain_paragraph_after_a_blank_line() -> None:
    text = (
        "1. What is an epoch?\n\nOne pass over the data.\n\n"
        "2. What is a batch?\n\nWhat is a loss?\nWhat is a metric?\n\n- a stray note\n"
    )
    result = parse(text)
    assert pairs(result) == [("What is an epoch?", "One pass over the data.")]
    assert rules(result) == [
        ("unanswered-question", 5),
        ("unanswered-question", 7),
        ("unanswered-question", 8),
        ("orphan-text", 10),
    ]


def test_a_rule_ends_the_answer() -> None:
    text = "1. What is X?\n   > X.\n---\nclosing words\n"
    result = parse(text)
    assert pairs(result) == [("What is X?", "X.")]
    assert rules(result) == [("orphan-text", 4)]


def test_no_items_gives_one_warning() -> None:
    assert rules(parse("just some text\n")) == [("no-cards", 1)]


def test_questionnaire_format_reads_both_layouts() -> None:
    listed = questionnaire.parse("1. What is X?\n   > X.\n", "q.md")
    separated = questionnaire.parse("---\n1. What is X?\n---\nX.\n", "q.md")
    assert pairs(listed) == pairs(separated) == [("What is X?", "X.")]


def test_detection_picks_the_numbered_reader() -> None:
    questions = "".join(f"{n}. What is item {n}?\n   > Answer {n}.\n\n" for n in range(1, 5))
    assert detect_format("## Questionnaire\n\n" + questions) == "questionnaire"
    faq = (
        "Contents\n1. What is A?\n2. Why B?\n\n1. What is A?\n   A: a.\n2. Why B?\n   A: b.\n"
        "3. How C?\n   A: c.\n"
    )
    assert detect_format(faq) == "questionnaire"


def test_detection_keeps_markdown_and_qa_files() -> None:
    contents = "".join(f"{n}. What is {n}?\n" for n in range(1, 5))
    headings = "".join(f"## {n}. What is {n}?\n\nIt is {n}.\n\n" for n in range(1, 5))
    assert detect_format("# Questions\n\n" + contents + "\n" + headings) == "markdown"
    qa = "Q: What is A?\nA: a.\n\nQ: 1. What is B?\nA: b.\n\nQ: What is C?\nA: c.\n"
    assert detect_format(qa) == "qa"


def test_a_quiz_with_lettered_options_is_not_qa() -> None:
    quiz = "".join(
        (
            f"## Question {n}\n\nWhich one squashes to (0, 1)?\n\nA) sigmoid\nB) softmax\nC) relu\n"
            "\n**Answer:** A\n\n"
        )
        for n in range(1, 4)
    )
    assert detect_format(quiz) == "markdown"


def test_an_unclosed_fence_is_reported() -> None:
    result = parse("1. Show code?\n   ```\n   x = 1\n2. Not a question inside the fence?\n")
    assert [c.front for c in result.cards] == ["Show code?"]
    assert ("unclosed-fence", 2) in rules(result)


def test_a_label_after_a_blank_line_is_recognised_by_repetition() -> None:
    text = "".join(f"{n}. Swali {n}?\n\n   Jibu: {n}.\n\n" for n in range(1, 4))
    assert [c.back for c in parse(text).cards] == ["1.", "2.", "3."]


def test_an_answer_numbered_at_the_questions_level_stays_one_answer() -> None:
    text = (
        "1. What is an epoch?\n   > One pass.\n"
        "2. What are the steps of the approach?\n1. Define the objective\n2. Find the levers\n\n"
        "3. Why does it matter?\n   > Focus.\n"
    )
    assert pairs(parse(text)) == [
        ("What is an epoch?", "One pass."),
        ("What are the steps of the approach?", "1. Define the objective\n2. Find the levers"),
        ("Why does it matter?", "Focus."),
    ]


def test_items_numbered_one_throughout_are_all_questions() -> None:
    text = "1. What is X?\n   > X.\n1. Draw Y.\n   > Done.\n1. Why Z?\n   > Because.\n1. What is W?\n"
    result = parse(text)
    assert [c.front for c in result.cards] == ["What is X?", "Draw Y.", "Why Z?"]
    assert result.skipped == 1
