"""Tests for ankigen.lint: each rule firing and not firing, at exact positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, python_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from ankigen.lint import lint_card, lint_cards
from ankigen.model import Card, Diagnostic, Markup
from ankigen.parsers import PARSERS

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
MARKUPS: tuple[Markup, ...] = ("markdown", "plain")


def back(text: str, markup: Markup = "markdown", back_line: int = 10) -> list[tuple[int, int | None, str]]:
    """Lint ``text`` as a card's back starting at ``back_line``; return (line, col, rule)."""
    card = Card(front="Q", back=text, line=back_line - 1, back_line=back_line, source="n.md", markup=markup)
    return [(d.line, d.col, d.rule) for d in lint_card(card)]


def whole_file(path: Path) -> Card:
    return Card(front="x", back=path.read_text(encoding="utf-8"), line=1, back_line=1, source=str(path))


# --------------------------------------------------------------------------- tex-unbalanced


def test_missing_close_brace_reported_at_the_unclosed_brace() -> None:
    assert back("intro\n$w = a * {\\frac{dL}{d_{w}}$") == [(11, 10, "tex-unbalanced")]


def test_extra_close_brace_reported_at_itself() -> None:
    assert back("$$a}b$$") == [(10, 4, "tex-unbalanced")]


def test_balanced_braces_and_escaped_braces_pass() -> None:
    assert back("$\\{x \\mid x_{i} > 0\\}$ and \\(\\frac{a}{b}\\)") == []
    assert back("$\\left\\{ a \\right.$ and $\\\\{a}$") == []


def test_left_right_balance() -> None:
    assert back("$\\left( a + b$") == [(10, 2, "tex-unbalanced")]
    assert back("$a \\right)$") == [(10, 4, "tex-unbalanced")]
    assert back("$\\left( \\frac{a}{b} \\right)$") == []
    # \right inside a brace group that \left is outside of: the group is left open.
    assert back("$\\left( {a \\right) }$") == [(10, 9, "tex-unbalanced")]


def test_left_with_double_backslash_is_not_a_delimiter() -> None:
    diags = lint_card(Card(front="Q", back="$$\n\\left\\\\{ a \\right\\\\}\n$$", line=1, back_line=2))
    assert [(d.line, d.col, d.rule) for d in diags] == [(3, 1, "tex-unbalanced")]
    assert "not a delimiter" in diags[0].message


def test_begin_without_end_and_mismatched_end() -> None:
    assert back("$$\\begin{aligned} a &= b $$") == [(10, 3, "tex-unbalanced")]
    assert back("$$\\begin{aligned} a \\end{cases}$$") == [(10, 21, "tex-unbalanced")]
    assert back("$$\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}$$") == []


def test_only_the_first_problem_of_a_formula_is_reported() -> None:
    assert back("$a}}}{{{$") == [(10, 3, "tex-unbalanced")]


def test_seed_002_line_319_missing_brace() -> None:
    diags = lint_card(whole_file(next(SEEDS.glob("002_*.txt"))))
    assert [(d.line, d.col, d.rule) for d in diags] == [(319, 33, "tex-unbalanced")]
    assert diags[0].severity == "warning"


# --------------------------------------------------------------------------- tex-unclosed


def test_unclosed_display_and_bracket_math() -> None:
    assert back("a\n$$x^2\n\nb") == [(11, 1, "tex-unclosed")]
    assert back("see \\(x^2 here") == [(10, 5, "tex-unclosed")]
    assert back("text\n  \\[ x^2") == [(11, 3, "tex-unclosed")]


def test_closed_math_spans_lines_within_a_paragraph() -> None:
    assert back("$$\nx^2\n$$") == []
    assert back("\\[\n\\frac{a}{b}\n\\]") == []


def test_unclosed_dollar_only_when_clearly_math() -> None:
    assert back("so $\\frac{a}{b} is it") == [(10, 4, "tex-unclosed")]
    assert back("then $x^2 + y") == [(10, 6, "tex-unclosed")]
    assert back("costs $5 and $10, or $HOME") == []
    assert back("one $ sign, $x$ is math") == []


def test_dollar_in_code_is_not_math() -> None:
    assert back("run `echo $\\alpha` now") == []
    assert back("```sh\necho $\\frac{\n```\nafter") == []
    assert back("text\n\n    echo $\\frac{ x\n\nafter") == []


def test_triple_quotes_are_not_a_fence_in_markdown() -> None:
    # The renderer typesets math between ''' lines of a Markdown card, so it is checked there.
    assert back("'''\nsee $\\frac{a}{b$\nhere\n'''") == [(11, 14, "tex-unbalanced")]
    assert back("see $\\frac{a}{b$\nhere") == [(10, 14, "tex-unbalanced")]
    # A questionnaire's ''' fence is code: its parser makes it a backtick fence first.
    text = "---\n1. Q?\n---\n'''py\nx = '$\\alpha{'\n'''\n"
    cards = PARSERS["questionnaire"](text, "q.md").cards
    assert cards[0].back.startswith("```py")
    assert lint_cards(cards) == []


def test_dollar_pairing_follows_the_renderer() -> None:
    # A closing `$` followed by a digit or after a space, or a backtick before the closer:
    # no math here, so the TeX shows as text.
    assert back("$\\alpha{$5 more") == [(10, 1, "tex-unclosed")]
    assert back("a $\\alpha $ b") == [(10, 3, "tex-unclosed")]
    assert back("$5 and $\\alpha$ and $x $") == []
    assert back("$\\frac{ `code` $") == [(10, 1, "tex-unclosed")]
    # Inline math may run over a line break but not over a blank line.
    assert back("$a +\nb}$") == [(11, 2, "tex-unbalanced")]
    assert back("$a +\n\nb}$") == []


def test_escaped_dollar_is_not_math() -> None:
    assert back("price \\$\\alpha and more") == []


def test_plain_markup_math_as_the_renderer_finds_it_and_no_columns() -> None:
    # Plain backs lost their `A:` prefixes, so columns would be wrong: none are given.
    # The renderer typesets `$…$` in plain text too, and backticks are not code there.
    assert back("cost $\\frac{a}{b} and `x`", markup="plain") == [(10, None, "tex-unclosed")]
    assert back("price $5 and $10", markup="plain") == []
    assert back("$x_1$ and $y$", markup="plain") == []
    assert back("see \\(x", markup="plain") == [(10, None, "tex-unclosed")]
    assert back("a\n\\[ {x \\]", markup="plain") == [(11, None, "tex-unbalanced")]
    assert back("$$a}$$", markup="plain") == [(10, None, "tex-unbalanced")]
    assert back("$a}$", markup="plain") == [(10, None, "tex-unbalanced")]


# --------------------------------------------------------------------------- tex-unknown-env


def test_unknown_environment() -> None:
    assert back("$$\\begin{foo} a \\end{foo}$$") == [(10, 3, "tex-unknown-env")]
    assert back("x \\[\\begin{tabular}{cc} a \\end{tabular}\\]") == [(10, 5, "tex-unknown-env")]


def test_known_environments_base_ams_mathtools() -> None:
    for env in ("array", "bmatrix", "align*", "cases", "dcases", "pmatrix*", "multlined"):
        assert back(f"$$\\begin{{{env}}} a \\end{{{env}}}$$") == [], env


def test_math_tag_is_checked() -> None:
    assert back("<math>\\begin{foo} {a</math>") == [(10, 7, "tex-unbalanced"), (10, 7, "tex-unknown-env")]
    assert back("<math>\\frac{a}{b}</math>") == []
    assert back('x <MATH display="block">{a</math>') == [(10, 25, "tex-unbalanced")]


# --------------------------------------------------------------------------- stray-emphasis


def test_lost_opening_marker() -> None:
    assert back("- Long Short Term Memory (LSTM)** is a RNN") == [(10, 32, "stray-emphasis")]
    assert back("  - Q** contains **queries**: weights") == [(10, 6, "stray-emphasis")]


def test_lost_closing_marker() -> None:
    assert back("a **bold start\n\nnext") == [(10, 3, "stray-emphasis")]


def test_paired_emphasis_passes() -> None:
    assert back("**bold** and ***both*** and **mental mode**l") == []
    assert back("**bold that\ncontinues** on the next line") == []
    assert back("7*7*(1168-16) and *em* and 49*C*C") == []


def test_pairing_follows_python_markdown_whitespace_rules() -> None:
    # A run followed by whitespace cannot open, one preceded by whitespace cannot close;
    # punctuation does not matter (unlike CommonMark).
    assert back("we use a** logistic or sigmoid** function") == [
        (10, 9, "stray-emphasis"),
        (10, 31, "stray-emphasis"),
    ]
    assert back("1.** Randomization:** The data") == [(10, 3, "stray-emphasis"), (10, 20, "stray-emphasis")]
    assert back("값 **경사하강법(Gradient descent)**을 사용") == []
    assert back("a**b c**d and (**x**)") == []


def test_rule_of_three_and_triple_runs() -> None:
    assert back("***both*** and ***a** b*") == []
    assert back("**a***b") == [(10, 4, "stray-emphasis")]


def test_whitespace_surrounded_markers_are_meant_literally() -> None:
    assert back("x ** 2 is x squared") == []
    assert back("**a** ** b") == []


def test_the_lost_opener_is_located_even_when_a_later_pair_exists() -> None:
    assert back("intro\n\n- K** contains **keys**: weights\n- **V** fine") == [(12, 4, "stray-emphasis")]


def test_list_items_do_not_pair_with_each_other() -> None:
    assert back("- **a\n- b**") == [(10, 3, "stray-emphasis"), (11, 4, "stray-emphasis")]


def test_markers_in_code_math_and_escapes_are_ignored() -> None:
    assert back("use `**kwargs` or <code>**kwargs</code>") == []
    assert back("$a**b$ and \\*\\* literal") == []
    assert back("```\nx = 2 ** 3 **\n```") == []


def test_list_markers_and_rules_are_not_emphasis() -> None:
    assert back("* item\n* other\n\n***\n\n* * *") == []


def test_plain_markup_has_no_emphasis() -> None:
    assert back("a **b", markup="plain") == []


def test_front_diagnostics_use_card_line_without_column() -> None:
    card = Card(front="What is **this?\nsecond $$a", back="fine", line=4, back_line=6, source="q.md")
    found = [(d.line, d.col, d.rule) for d in lint_card(card)]
    assert found == [(4, None, "stray-emphasis"), (5, None, "tex-unclosed")]


def test_seed_003_lost_markers_all_reported() -> None:
    diags = lint_card(whole_file(next(SEEDS.glob("003_*.txt"))))
    expected = [299, 718, 725, 726, 734, 736, 739, 765, 766, 781, 782, 783, 793, 794]
    assert [d.line for d in diags] == expected
    assert {d.rule for d in diags} == {"stray-emphasis"}


def test_no_other_findings_in_the_seeds() -> None:
    found = {
        (Path(d.path).name[:3], d.line, d.rule)
        for path in sorted(SEEDS.glob("*.txt"))
        for d in lint_card(whole_file(path))
    }
    assert {f for f in found if f[0] != "003"} == {("002", 319, "tex-unbalanced")}


@pytest.mark.corpus
def test_money_in_corpus_is_not_math() -> None:
    path = next(CORPUS.glob("qa/*cost-sensitive-learning.md"))
    assert "$1000" in path.read_text(encoding="utf-8")
    assert lint_card(whole_file(path)) == []


@pytest.mark.corpus
def test_corpus_findings_are_the_known_real_problems() -> None:
    """Whole corpus files as Markdown backs: only genuine problems fire (checked by hand)."""
    found = set()
    for path in sorted(CORPUS.glob("*/*")):
        if path.suffix in (".md", ".txt", "") and path.name != "SOURCES.md":
            text = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n").lstrip("\ufeff")
            card = Card(front="x", back=text, line=1, back_line=1, source=path.name)
            found |= {(d.path.split("__")[1], d.line, d.col, d.rule) for d in lint_card(card)}
    assert found == {
        ("ML-FlashCards", 271, 1, "tex-unbalanced"),  # \left\\{ : '\\' is no delimiter
        ("ai-ml", 26, 240, "stray-emphasis"),  # "a** logistic or sigmoid** function"
        ("ai-ml", 26, 262, "stray-emphasis"),
        ("Data-Science-Interview-Questions-Answers", 170, 3, "stray-emphasis"),  # "1.** Randomization:**"
        ("Data-Science-Interview-Questions-Answers", 170, 20, "stray-emphasis"),
    }


# --------------------------------------------------------------------------- API and robustness


STRAY = "'**' has no partner and will show as literal asterisks"


def test_lint_cards_concatenates_in_card_order() -> None:
    cards = [
        Card(front="Q", back="$a}$", line=1, back_line=2, source="b.md"),
        Card(front="Q", back="x **y", line=1, back_line=2, source="a.md"),
    ]
    assert lint_cards(cards) == [
        Diagnostic("b.md", 2, "warning", "tex-unbalanced", "'}' without a matching '{'", col=3),
        Diagnostic("a.md", 2, "warning", "stray-emphasis", STRAY, col=3),
    ]


@pytest.mark.parametrize(
    "unit",
    ["$", "$a ", "\\(", "\\[ ", "`` ` ", "**a ", "{", "x", "- $x\n", "<code>", "$$ {{ $$\n"],
)
def test_pathological_input_is_linear(unit: str) -> None:
    def work(copies: int) -> int:
        text = unit * copies
        return python_lines(lambda: lint_card(Card(front=text, back=text, line=1, back_line=1)))

    small, big = work(2_000), work(20_000)
    # 10x the input may take at most ~12x the Python work (linear), never quadratic (100x)
    assert big <= 12 * small + 1_000, (unit, small, big)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("$\\{}()[]`*_-~'<>/ \nabcmath1")), max_size=200))
def test_arbitrary_text_never_raises_and_stays_in_the_card(text: str) -> None:
    for markup in MARKUPS:
        card = Card(front=text, back=text, line=3, back_line=7, markup=markup)
        for d in lint_card(card):
            lines = text.count("\n")
            assert 3 <= d.line <= 7 + lines
            if d.col is not None:
                assert 1 <= d.col <= len(text.split("\n")[d.line - 7])
