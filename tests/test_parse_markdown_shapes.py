"""Markdown headings decided by shape (issue 14): contents lists, labels, navigation, HTML, context."""

from __future__ import annotations

from textwrap import dedent

from ankigen.model import ParseResult
from ankigen.parsers.markdown import parse


def md(text: str) -> ParseResult:
    return parse(dedent(text).lstrip("\n"), "notes.md")


def cards(result: ParseResult) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in result.cards]


def test_a_contents_heading_does_not_hide_the_questions_after_it() -> None:
    result = md(
        """
        ## Title

        ### Contents

        - [What is A?](#a)
        - [What is B?](#b)

        #### 1. What is A?

        A is a.

        #### 2. What is B?

        B is b.
        """
    )
    assert result.title == "Title"
    assert cards(result) == [("What is A?", "A is a."), ("What is B?", "B is b.")]


def test_labels_contents_and_navigation_in_a_language_named_nowhere_in_the_code() -> None:
    # Swahili: "Yaliyomo" = contents, "Jinsi inavyofanya kazi:" = how it works, "Mfano" = example,
    # "Rudi juu" = back to top. None of these words is in ankigen's word lists.
    result = md(
        """
        # Maswali ya kujifunza

        ## Yaliyomo

        1. [Nini ni tensor?](#nini-ni-tensor)
        2. [Nini ni gradient?](#nini-ni-gradient)

        ## Nini ni tensor?

        Safu ya nambari.

        ### Jinsi inavyofanya kazi:

        Kila mhimili una urefu.

        ### Mfano

        Picha ni tensor ya 3.

        ### Kwa nini ni muhimu?

        Kompyuta hufanya hesabu haraka.

        **[↑ Rudi juu](#yaliyomo)**

        ## Nini ni gradient?

        Mteremko wa hasara.

        [⇧ Rudi](#yaliyomo) · [Yaliyomo](#yaliyomo)
        """
    )
    assert result.title == "Maswali ya kujifunza"
    assert cards(result) == [
        (
            "Nini ni tensor?",
            "Safu ya nambari.\n\n### Jinsi inavyofanya kazi:\n\nKila mhimili una urefu.\n\n"
            "### Mfano\n\nPicha ni tensor ya 3.",
        ),
        ("Kwa nini ni muhimu?", "Kompyuta hufanya hesabu haraka."),
        ("Nini ni gradient?", "Mteremko wa hasara."),
    ]
    assert all(c.context == () for c in result.cards)


def test_label_sub_headings_belong_to_the_answer_in_every_language() -> None:
    result = md(
        """
        ## What is attention?

        A weighting of the inputs.

        ### How it works:

        Queries meet keys.

        ### Пример

        Self-attention.

        ### 参考

        The 2017 paper.

        #### 참고자료

        A blog post.

        ### Why is it fast?

        It runs in parallel.
        """
    )
    assert [c.front for c in result.cards] == ["What is attention?", "Why is it fast?"]
    assert result.cards[0].back.endswith("### 参考\n\nThe 2017 paper.\n\n#### 참고자료\n\nA blog post.")


def test_a_document_that_starts_with_an_html_block_gives_its_cards() -> None:
    result = md(
        """
        <div dir="rtl">

        ## What is A?

        A is a.

        ## What is B?

        B is b.

        </div>
        """
    )
    assert cards(result) == [("What is A?", "A is a."), ("What is B?", "B is b.")]


def test_a_heading_that_starts_with_inline_code_is_a_heading() -> None:
    result = md(
        """
        ### What does map do?

        It maps.

        ### `.map()` vs `forEach`?

        One returns a new array.
        """
    )
    assert cards(result) == [
        ("What does map do?", "It maps."),
        ("`.map()` vs `forEach`?", "One returns a new array."),
    ]


def test_a_bare_heading_is_empty_and_lettered_question_numbers_are_removed() -> None:
    result = md(
        """
        ## Question 17a. What is A?

        A is a.

        ####

        ## Question 17b. What is B?

        B is b.
        """
    )
    assert cards(result) == [("What is A?", "A is a."), ("What is B?", "B is b.")]


def test_a_fence_indented_after_a_paragraph_is_a_fence() -> None:
    result = md(
        """
        ## How do you comment?

        Like this:
           ```python
           # a comment
           ```

        ## Next?

        Yes.
        """
    )
    assert cards(result) == [
        ("How do you comment?", "Like this:\n   ```python\n   # a comment\n   ```"),
        ("Next?", "Yes."),
    ]


def test_a_title_after_a_cover_image_is_the_title() -> None:
    result = md(
        """
        ![cover](cover.png)

        # My Notes

        ## What is A?

        A is a.

        ## What is B?

        B is b.
        """
    )
    assert result.title == "My Notes"
    assert [c.context for c in result.cards] == [(), ()]


def test_a_plain_section_among_bold_chapters_starts_a_chapter() -> None:
    result = md(
        """
        # **Classical Vision**

        # What is SIFT?

        A feature detector.

        # Deep Learning

        ## What is a neuron?

        A weighted sum.

        # What is dropout?

        Random zeroing.
        """
    )
    assert [(c.front, c.context) for c in result.cards] == [
        ("What is SIFT?", ("Classical Vision",)),
        ("What is a neuron?", ("Deep Learning",)),
        ("What is dropout?", ("Deep Learning",)),
    ]


def test_a_question_without_an_answer_is_not_the_context_of_unrelated_questions() -> None:
    result = md(
        """
        # How do you size a conv layer's output?

        ## What about a pooling layer?

        The same formula.

        ## What is softmax?

        A normalised exponential.
        """
    )
    assert [(c.front, c.context) for c in result.cards] == [
        ("What about a pooling layer?", ("How do you size a conv layer's output?",)),
        ("What is softmax?", ()),
    ]


QUESTIONS = "".join(f"## What is item {n}?\n\nItem {n} is a thing.\n\n" for n in range(1, 6))


def test_a_foreword_and_a_sign_off_around_the_questions_give_no_cards() -> None:
    text = (
        "# Notes\n\n## Vorwort\n\nI wrote these while studying.\n\n"
        + QUESTIONS
        + "# Tack och hej\n\nGood luck with your exams!\n"
    )
    result = parse(text, "notes.md")
    assert [c.front for c in result.cards] == [f"What is item {n}?" for n in range(1, 6)]
    warned = [(d.rule, d.line) for d in result.diagnostics]
    assert ("orphan-text", 3) in warned and ("orphan-text", 27) in warned


def test_sections_at_the_questions_level_after_them_stay_cards() -> None:
    result = parse(QUESTIONS + "## Gradient clipping\n\nCapping the gradient norm.\n", "notes.md")
    assert result.cards[-1].front == "Gradient clipping"


def test_a_to_do_list_gives_no_card() -> None:
    result = parse("## What is A?\n\nA is a.\n\n## Pendiente\n\n- [ ] add B\n- [x] add A\n", "notes.md")
    assert [c.front for c in result.cards] == ["What is A?"]
