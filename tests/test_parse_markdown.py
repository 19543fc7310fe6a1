"""The Markdown parser: block rules, card structure rules, and the three Markdown seeds."""

from __future__ import annotations

from textwrap import dedent

import pytest
from conftest import python_lines, seed
from hypothesis import given
from hypothesis import strategies as st

from ankigen.model import Card, ParseResult
from ankigen.parsers.markdown import _Parser, parse
from ankigen.parsers.md_text import NA_ANSWER, PLACEHOLDER
from ankigen.sources import read_source


def md(text: str) -> ParseResult:
    return parse(dedent(text).lstrip("\n"), "notes.md")


def fronts(result: ParseResult) -> list[str]:
    return [c.front for c in result.cards]


def card(result: ParseResult, front: str) -> Card:
    (found,) = [c for c in result.cards if c.front == front]
    return found


def rules(result: ParseResult) -> list[tuple[str, int]]:
    return [(d.rule, d.line) for d in result.diagnostics]


# ---- block rules -------------------------------------------------------------------------------


def test_hash_lines_in_backtick_and_tilde_fences_are_code() -> None:
    result = md(
        """
        ## What does this print?

        ```python
        # not a heading
        print(1)
        ```

        ~~~
        ## still code
        ~~~
        """
    )
    assert fronts(result) == ["What does this print?"]
    assert "# not a heading" in result.cards[0].back
    assert "## still code" in result.cards[0].back


def test_indented_code_and_html_blocks_hide_headings() -> None:
    result = md(
        """
        ## Term

        Some text.

            # indented code comment

        <div>
        # inside html
        </div>

        ## Other
        Body.
        """
    )
    assert fronts(result) == ["Term", "Other"]


def test_setext_headings_are_headings() -> None:
    result = md(
        """
        What is a tensor?
        -----------------

        A multi-dimensional array.
        """
    )
    assert fronts(result) == ["What is a tensor?"]
    assert result.cards[0].back == "A multi-dimensional array."


def test_rule_after_paragraph_is_not_a_setext_heading() -> None:
    result = md(
        """
        ## Why?

        line one
        line two
        ---

        ## How?
        Like this.
        """
    )
    assert fronts(result) == ["Why?", "How?"]


def test_unclosed_fence_is_a_warning_and_later_headings_still_count() -> None:
    result = md(
        """
        ## What is A?
        ```
        code that never closes
        ## What is B?
        B.
        """
    )
    assert ("unclosed-fence", 2) in rules(result)
    assert fronts(result) == ["What is A?", "What is B?"]


def test_heading_inside_a_list_item_and_its_indented_subheadings() -> None:
    result = md(
        """
        1. ### What is currying?

            Turning f(a, b) into f(a)(b).

            ## Benefits of Currying
            Reuse.

        2. ### What is a closure?

            A function with its scope.
        """
    )
    assert fronts(result) == ["What is currying?", "What is a closure?"]
    # the answer is the list item's content, so it loses the item's indentation (else: a code block)
    assert result.cards[0].back == "Turning f(a, b) into f(a)(b).\n\n## Benefits of Currying\nReuse."


# ---- card structure ----------------------------------------------------------------------------


def test_title_names_the_deck_and_toc_is_never_a_card() -> None:
    result = md(
        """
        # Deep Learning Flashcards

        1. TOC
        {:toc}

        ## Dropout
        Randomly zeroes activations.
        """
    )
    assert result.title == "Deep Learning Flashcards"
    assert fronts(result) == ["Dropout"]
    assert result.diagnostics == []


def test_prose_under_the_title_is_reported_as_orphan_text() -> None:
    result = md(
        """
        # Notes

        - [What is X?](#what-is-x)

        Some introduction that is on no card.

        ## What is X?
        X.
        """
    )
    assert fronts(result) == ["What is X?"]
    assert rules(result) == [("orphan-text", 5)]


def test_sections_become_context_outermost_first() -> None:
    result = md(
        """
        # Title

        ## Probability

        ### Bayes

        #### Sum Rule
        P(A or B).
        """
    )
    assert card(result, "Sum Rule").context == ("Probability", "Bayes")


def test_non_question_subheadings_fold_into_the_question_answer() -> None:
    result = md(
        """
        ## What is backpropagation?

        ### Overview
        Chain rule.

        ### Details
        Gradients flow backwards.

        ### Why does it need the chain rule?
        Because layers compose.
        """
    )
    assert fronts(result) == ["What is backpropagation?", "Why does it need the chain rule?"]
    back = result.cards[0].back
    assert back.startswith("### Overview") and "### Details" in back
    assert "chain rule?" not in back


def test_question_with_body_then_instruction_subheading_is_its_own_card() -> None:
    result = md(
        """
        # How does backpropagation work?
        Gradients.
        ## Complete the following computational graph.
        Done.
        """
    )
    assert fronts(result) == [
        "How does backpropagation work?",
        "Complete the following computational graph.",
    ]


def test_question_without_body_whose_child_is_a_question_is_context() -> None:
    result = md(
        """
        # How do you compute the output size of a conv layer?

        ## What about a pooling layer?
        Same formula.
        """
    )
    assert fronts(result) == ["What about a pooling layer?"]
    assert result.cards[0].context == ("How do you compute the output size of a conv layer?",)


def test_empty_rule_only_and_placeholder_answers_are_skipped_with_warnings() -> None:
    result = md(
        """
        ## What is A?

        ## What is B?

        ---

        ## What is C?
        TODO

        ## What is D?
        NA

        ## What is E?
        E.
        """
    )
    assert fronts(result) == ["What is E?"]
    assert result.skipped == 4
    assert rules(result) == [("empty-answer", 1), ("empty-answer", 3), ("empty-answer", 7), ("na-answer", 10)]
    assert all(d.severity == "warning" for d in result.diagnostics)


def test_numbering_and_closing_hashes_are_stripped_inline_markdown_kept() -> None:
    result = md(
        """
        ## 12. What is `softmax`?
        a

        ### Q3: What is **ReLU**? ###
        b

        #### 1) Why $x^2$?
        c
        """
    )
    assert fronts(result) == ["What is `softmax`?", "What is **ReLU**?", "Why $x^2$?"]


def test_bold_chapter_headings_give_context_at_the_same_level() -> None:
    result = md(
        """
        # **Classical Vision**

        # What is SIFT?
        Features.

        # **Sequence Models**

        A table of models.

        ## Additional Notes:
        More.

        # What is an RNN?
        Recurrence.
        """
    )
    assert fronts(result) == ["What is SIFT?", "Sequence Models", "What is an RNN?"]
    assert card(result, "What is SIFT?").context == ("Classical Vision",)
    assert card(result, "What is an RNN?").context == ("Sequence Models",)
    assert "## Additional Notes:" in card(result, "Sequence Models").back


def test_emoji_and_summary_sibling_headings_fold_into_the_card_above() -> None:
    result = md(
        """
        ## What is the SVD?
        A factorisation.

        ## 🧩 Definition of SVD
        U S V^T.

        ## ✅ When is it useful?
        Always.

        ## SVD and PCA
        Related.
        """
    )
    assert fronts(result) == ["What is the SVD?", "SVD and PCA"]
    assert "## ✅ When is it useful?" in result.cards[0].back


def test_term_headings_with_term_children_are_separate_cards() -> None:
    result = md(
        """
        ## Activation Functions
        Non-linearities.

        ### Sigmoid
        1/(1+e^-x)
        """
    )
    assert fronts(result) == ["Activation Functions", "Sigmoid"]
    assert card(result, "Sigmoid").context == ("Activation Functions",)


def test_reference_and_link_headings_are_not_cards() -> None:
    result = md(
        """
        ## What is X?
        X.

        ## References
        - [paper](https://example.org)

        #### Explore all answers 👉 [site](https://example.org)
        <img src="https://example.org/banner.png">
        """
    )
    assert fronts(result) == ["What is X?"]


def test_line_numbers_of_a_card() -> None:
    result = md(
        """
        # Title

        ## What is X?

        X is this.

        More.

        ---

        ## Y
        Y.
        """
    )
    x = card(result, "What is X?")
    assert (x.line, x.back_line, x.end_line) == (3, 5, 7)
    assert x.back == "X is this.\n\nMore."
    assert x.source == "notes.md" and x.markup == "markdown"


def test_back_to_top_links_are_not_part_of_the_answer() -> None:
    result = md(
        """
        ## Q. What is Python?

        A language.

        <div align="right">
            <b><a href="#table-of-contents">↥ back to top</a></b>
        </div>

        ## Q. What is pass?
        A no-op.
        """
    )
    assert result.cards[0].back == "A language."
    assert fronts(result) == ["What is Python?", "What is pass?"]


def test_no_headings_gives_a_no_cards_warning() -> None:
    result = md("just some prose\n")
    assert result.cards == []
    assert sorted(rules(result)) == [("no-cards", 1), ("orphan-text", 1)]
    assert md("").diagnostics == []


# ---- seeds -------------------------------------------------------------------------------------


def parse_seed(prefix: str) -> ParseResult:
    path = seed(prefix)
    text = read_source(path).text
    assert text is not None
    return parse(text, path.name)


def test_seed_001_interview_notes() -> None:
    result = parse_seed("001")
    assert len(result.cards) == 17
    assert result.title == "Neural Networks - Interview Notes"
    assert result.skipped == 4
    empty_lines = [d.line for d in result.diagnostics if d.rule == "empty-answer"]
    assert empty_lines == [62, 137, 141, 175]
    assert ("orphan-text", 20) in rules(result)
    transfer = card(result, "What is Transfer Learning? Give an example.")
    for step in (
        "Load the pre-trained model",
        "Freeze all layers",
        "Unfreeze last layer",
        "Replace last layer",
    ):
        assert f"#### {step}" in transfer.back
    assert transfer.context == ("FAQ",)
    assert fronts(result)[0] == "Difference between torch.nn Vs. torch.nn.Functional?"
    assert fronts(result)[-1] == "Latent Space Vs. Embedding Vectors"
    assert all(not c.front.startswith("[") for c in result.cards)


def test_seed_002_flashcards() -> None:
    result = parse_seed("002")
    assert len(result.cards) == 40
    assert result.title == "Deep Learning Flashcards"
    assert card(result, "Sum Rule").context == ("Probability",)
    assert card(result, "Product Rule").context == ("Probability",)
    assert "**mental mode**l" in card(result, "Product Rule").back
    assert card(result, "Panoptic Segmentation").context == ()
    softmax = card(result, "Softmax Activation Function")
    assert "# calculate the softmax of a vector" in softmax.back
    loop = card(result, "Train loop with and without Pytorch")
    assert "#         set_trace()" in loop.back
    assert "TOC" not in fronts(result)
    assert result.diagnostics == []


def test_seed_003_computer_vision_notes() -> None:
    result = parse_seed("003")
    assert len(result.cards) in (47, 48)
    assert result.title is None
    folds = {
        "What is RANSAC and how can it be used to find correspondences?": "## RANSAC pseudocode:",
        "What is the softmax function, and what loss function is it usually associated with?": "### Note",
        "How does backpropagation work in neural networks?": "## Details",
        "Describe how the following functions/gates propagate the upstream gradient during "
        "backpropagation:": "### add, max, multiply",
        "What are some general tips/tricks on tuning these hyperparameters? Learning rate, batch size.": (
            "### Batch Size:"
        ),
        "Seminal & Foundational Topics in Deep Learning": "## Additional Notes:",
        "Describe some basic regularization techniques (5).": "### Implementation Notes:",
    }
    for front, sub in folds.items():
        assert sub in card(result, front).back, front
    transformers = card(
        result, "In NLP, what are Transformers and how do they work? How do they differ from LSTMs/RNNs?"
    )
    assert "## Encoder input preparation:" in transformers.back
    assert card(result, "What is SIFT and what problems does it tackle?").context == (
        "Low Level / Classical Techniques in Vision And Image Processing",
    )
    assert card(
        result, "What is the triplet loss, and when is it used? How can it be trained effectively?"
    ).context == ("Seminal & Foundational Topics in Deep Learning",)
    pooling = card(result, "What about a pooling layer of input size W, filter size F and stride S?")
    assert pooling.line == 206
    assert "How do you calculate output volume size" in pooling.context[-1]
    assert "Complete the following computational graph for backpropagation." in fronts(result)
    assert not any(f in fronts(result) for f in ("Overview", "Details", "Note", "Learning Rate:"))


# ---- scale -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit",
    [
        "## What is item?\n\nSome answer with `code` and $x$.\n\n",
        "```\n# comment\n",  # unclosed fences, one after another
        "<div>\n# in html\n\n",  # unclosed HTML blocks
        "- [x](#x)\n",  # a long TOC
        "#### Overview\ntext\n",  # many foldable sub-headings
    ],
)
def test_large_inputs_parse_in_linear_time(unit: str) -> None:
    small = python_lines(lambda: parse(unit * 1_000, "small.md"))
    big = python_lines(lambda: parse(unit * 20_000, "big.md"))
    # 20x the input may take at most ~24x the Python work (linear), never quadratic (400x).
    assert big <= 24 * small + 1_000, (small, big)


def test_a_50_mb_file_parses_in_bounded_time() -> None:
    text = read_source(seed("003")).text
    assert text is not None
    copies = 50_000_000 // len(text) + 1
    result = parse(text * copies, "big.md")
    assert len(result.cards) >= 47 * copies


# ---- rules found on real notes -----------------------------------------------------------------


def test_repeated_bodiless_dividers_before_questions_are_chapters() -> None:
    result = md(
        """
        ## # 1. Introduction

        ## Q. What is Python?
        A language.

        ## # 2. Data Types

        ## Q. What is a list?
        A sequence.
        """
    )
    assert fronts(result) == ["What is Python?", "What is a list?"]
    assert [c.context for c in result.cards] == [("Introduction",), ("Data Types",)]
    assert result.diagnostics == []


def test_a_lone_empty_term_is_skipped_not_a_chapter() -> None:
    result = md(
        """
        ### YOLO
        One stage.

        ### SSD

        ### Are CNNs invariant to translation?
        No.
        """
    )
    assert fronts(result) == ["YOLO", "Are CNNs invariant to translation?"]
    assert result.cards[1].context == ()
    assert rules(result) == [("empty-answer", 4)]


def test_heading_whose_body_is_a_list_of_links_is_a_table_of_contents() -> None:
    result = md(
        """
        # Interview Questions

        ## Questions
        * [Q1: What is X?](https://example.org/page#q1-what-is-x)
        * [Q2: Why [a, b] (closed)?](https://example.org/page(1)#q2)

        ## Questions & Answers

        ### Q1: What is X? ###
        X.

        ### Q2: Why [a, b] (closed)? ###
        Because.
        """
    )
    assert fronts(result) == ["What is X?", "Why [a, b] (closed)?"]
    assert result.cards[0].context == ("Questions & Answers",)


def test_prose_headings_under_an_unanswered_question_are_its_answer() -> None:
    result = md(
        """
        ## What are the benefits of a high learning rate?

        ## By training with higher learning rates, we train faster and converge sooner.

        ## By training with higher learning rates, we overfit less than with small ones.

        ## What is cyclical momentum?
        Momentum that varies.
        """
    )
    assert fronts(result) == ["What are the benefits of a high learning rate?", "What is cyclical momentum?"]
    assert result.cards[0].back.count("## By training") == 2
    assert result.skipped == 0


def test_problem_statement_heading_after_a_question_stays_a_card() -> None:
    result = md(
        """
        ### What is the size of the feature map?
        (n + 2p - f) / s + 1

        ### An input image of size 12 X 12 is convolved with a 3 X 3 filter. Determine the output size.
        10 X 10
        """
    )
    assert len(result.cards) == 2


def test_bodiless_term_with_labelled_subheadings_is_one_card() -> None:
    result = md(
        """
        ### **30. Common Metrics to Evaluate LLM Output**

        #### **Automatic Metrics**:
        BLEU, ROUGE.

        #### **Human Evaluation**:
        Raters.
        """
    )
    assert fronts(result) == ["Common Metrics to Evaluate LLM Output"]
    assert "Human Evaluation" in result.cards[0].back


def test_a_prose_sentence_above_a_rule_is_not_a_heading() -> None:
    result = md(
        """
        ### What is LoRA?

        Low-rank adapters.

        These low-rank matrices are used to model the weight updates of the model.
        ---

        ### What is PEFT?
        Fine-tuning few parameters.
        """
    )
    assert fronts(result) == ["What is LoRA?", "What is PEFT?"]
    assert result.cards[1].context == ()


def test_source_links_bare_numbers_and_dashed_numbering_leave_fronts() -> None:
    result = md(
        """
        #### 1) What is gradient descent? [[src](https://example.org/a)]
        Descent.

        #### 2) Define F1-score. [[src]](https://example.org/b)
        Harmonic mean.

        ### 1-1. 갱신 이상에는 어떠한 것들이 있는가?
        삽입 이상.
        """
    )
    assert fronts(result) == [
        "What is gradient descent?",
        "Define F1-score.",
        "갱신 이상에는 어떠한 것들이 있는가?",
    ]
    numbered = md(
        """
        ## 1 Python的函数参数传递
        a
        ## 2 Python中的元类
        b
        ## 12 鸭子类型
        c
        """
    )
    assert fronts(numbered) == ["Python的函数参数传递", "Python中的元类", "鸭子类型"]
    assert fronts(md("## 3D vision\ntext\n")) == ["3D vision"]


def test_title_drops_emoji_shortcodes_and_escapes() -> None:
    result = md(
        """
        # :robot: Machine Learning - Interview Notes :clipboard:

        ## What is a model\\_card?
        A document.
        """
    )
    assert result.title == "Machine Learning - Interview Notes"
    assert fronts(result) == ["What is a model\\_card?"]


def test_front_matter_is_not_content() -> None:
    result = md(
        """
        ---
        title: Lesson 4
        layout: post
        ---

        ## What is SGD?
        Stochastic gradient descent.
        """
    )
    assert fronts(result) == ["What is SGD?"]
    assert result.diagnostics == []


def test_label_headings_keep_the_card_open_across_levels() -> None:
    result = md(
        """
        ## Describe LU, QR, and Cholesky decompositions.

        ### 🔹 1. **LU Decomposition**
        L times U.

        ### ✅ When is LU useful?
        Solving systems.

        ## 🔹 3. **Cholesky Decomposition**
        For SPD matrices.

        ## 📊 Summary Table
        | a | b |
        """
    )
    assert fronts(result) == ["Describe LU, QR, and Cholesky decompositions."]
    assert result.cards[0].back.rstrip().endswith("| a | b |")


def test_generic_label_subheadings_in_korean_fold_into_the_term() -> None:
    result = md(
        """
        ### FCFS(First Come First Served)

        #### 특징
        먼저 온 순서대로 처리한다.

        #### 문제점
        convoy effect.

        ### Critical Section Problem
        문제.

        #### Requirements
        Mutual exclusion.

        ### 해결책
        Lock.
        """
    )
    assert fronts(result) == ["FCFS(First Come First Served)", "Critical Section Problem", "Requirements"]
    assert "#### 문제점" in result.cards[0].back
    assert result.cards[2].back.endswith("Lock.")
    assert result.cards[1].end_line < result.cards[2].line


_PIECES = [
    "# Title\n",
    "## What is X?\n",
    "### Overview\n",
    "#### ✅ Summary\n",
    "## **Chapter**\n",
    "Text.\n",
    "\n",
    "---\n",
    "```\n",
    "~~~\n",
    "    # indented\n",
    "<div>\n",
    "</div>\n",
    "- [a](#a)\n",
    "1. ### Q?\n",
    "Setext\n",
    "=====\n",
    "TODO\n",
    "NA\n",
    "<!-- c\n",
    "-->\n",
    "\t#tab\n",
    "## Q. Why?\n",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_any_mix_of_blocks_parses_into_consistent_cards(pieces: list[str]) -> None:
    text = "".join(pieces)
    result = parse(text, "fuzz.md")
    n = text.count("\n") + 1
    for c in result.cards:
        assert c.front.strip() and c.back.strip() and "\n" not in c.front
        assert 1 <= c.line < c.back_line <= c.end_line <= n
    for before, after in zip(result.cards, result.cards[1:], strict=False):
        assert before.end_line < after.line
    assert all(d.severity == "warning" and 1 <= d.line <= n for d in result.diagnostics)
    assert result.skipped == sum(d.rule in ("empty-answer", "na-answer") for d in result.diagnostics)


def test_code_headings_under_an_unanswered_question_are_its_answer() -> None:
    result = md(
        """
        ## What is the purpose of this code in LSTMCell:

        ## h = torch.stack([h, input], dim=1)

        ## What does chunk do in PyTorch?
        Splits a tensor.
        """
    )
    question = "What is the purpose of this code in LSTMCell:"
    assert fronts(result) == [question, "What does chunk do in PyTorch?"]
    assert result.cards[0].back == "## h = torch.stack([h, input], dim=1)"


def test_html_blocks_stay_whole_and_navigation_blocks_are_trimmed() -> None:
    result = md(
        """
        ## Which CNNs do you know?

        <br>

        <table>
        <tr><td>AlexNet</td></tr>
        </table>

        <div align="right">
            <b><a href="#table-of-contents">↥ back to top</a></b>
        </div>

        ## Next?
        Yes.
        """
    )
    back = result.cards[0].back
    assert back.startswith("<table>") and back.endswith("</table>")


def test_back_keeps_the_fences_at_its_start_and_end() -> None:
    text = "# T\n\n## Update rule\n\n```\nerror = (goal - prediction) **2\n```\n\n## Next?\n\nyes\n"
    card = parse(text, "n.md").cards[0]
    assert card.back == "```\nerror = (goal - prediction) **2\n```"
    assert card.back_line == 5


def test_heading_that_is_only_a_marker_keeps_it_as_the_front() -> None:
    result = parse("# **Q:** \nQ: \n\n#\nbody\n", "n.md")
    assert [(c.front, c.back) for c in result.cards] == [("**Q:**", "Q: \n\n#\nbody")]


def _placeholder_of_every_line(parser: _Parser, start: int, end: int) -> object:
    """``_Parser._placeholder`` as it was: the words of every content line, then the patterns."""
    words = " ".join(parser.lines[i].strip() for i in range(start, end) if parser._content(i))
    words = words.strip(" *_>`")
    if not words:
        return "empty-answer"
    if NA_ANSWER.match(words):
        return "na-answer"
    return "empty-answer" if PLACEHOLDER.match(words) else None


BODY_PIECES = [
    "TODO",
    "to be",
    "added.",
    "work in progress!",
    "-",
    "---",
    "...",
    "?",
    "!",
    "**",
    "`",
    "> ",
    "n/a",
]
BODY_PIECES += [
    "[Back to top](#top)",
    "[TOC]",
    "x" * 18,
    "answer",
    " ",
    "\n",
    "\n\n",
    "…",
    "9",
    "ſ",
    "K",
    "İ",
]


@given(st.lists(st.sampled_from(BODY_PIECES), max_size=30).map("".join))
def test_a_placeholder_is_judged_on_the_first_lines_as_on_every_line(body: str) -> None:
    parser = _Parser(f"# Q?\n{body}\n", "notes.md")
    rule = parser._placeholder(1, len(parser.lines))
    assert (rule.id if rule else None) == _placeholder_of_every_line(parser, 1, len(parser.lines))
