"""Rendering rules, one at a time, with the exact HTML/TeX expected; plus golden pairs.

Golden pairs live in ``tests/golden/render/``: ``<scenario>.md`` is a card's back (Markdown) and
``<scenario>.html`` the exact HTML expected. ``ANKIGEN_UPDATE_GOLDEN=1`` rewrites the ``.html``
files (review the diff before committing).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ankigen.model import Card, Diagnostic, MediaFile, RenderedCard
from ankigen.notetype import NOTE_CSS
from ankigen.render import Renderer
from ankigen.render.card import _PLAIN_SENTENCE, _CardState
from ankigen.render.code import highlight

GOLDEN = Path(__file__).resolve().parent / "golden" / "render"
RENDERER = Renderer()


def back(text: str, **card: object) -> str:
    """The back HTML of a Markdown card whose back is ``text``."""
    return render(text, **card).back_html


def render(text: str, root: Path = Path("."), **card: object) -> RenderedCard:
    fields: dict[str, object] = {"front": "Q", "back": text, "line": 1, "source": "notes.md"}
    fields.update(card)
    return RENDERER.render(Card(**fields), root)  # type: ignore[arg-type]


# --- math ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("$a_1 * b_2^*$", r"<p>\(a_1 * b_2^*\)</p>"),
        (r"$\frac{a_i}{b_j}$ and $x$", r"<p>\(\frac{a_i}{b_j}\) and \(x\)</p>"),
        ("$$\\sum_{i=1}^n x_i$$", r"<p>\[\sum_{i=1}^n x_i\]</p>"),
        ("so $$x_1 * y_2$$ holds", r"<p>so \[x_1 * y_2\] holds</p>"),
        (r"keep \(a_b\) and \[c_d\]", r"<p>keep \(a_b\) and \[c_d\]</p>"),
        (r"Markdown-escaped \\(n_i\\) and \\[x\\]", r"<p>Markdown-escaped \(n_i\) and \[x\]</p>"),
        (
            "$$\n\\begin{aligned}\na_1 &= b\n\\end{aligned}\n$$",
            "<p>\\[\n\\begin{aligned}\na_1 &amp;= b\n\\end{aligned}\n\\]</p>",
        ),
        ("$a<b$ and $c>d$", r"<p>\(a&lt;b\) and \(c&gt;d\)</p>"),
        (r"<math>\alpha &gt; 0</math>", r"<p>\(\alpha &gt; 0\)</p>"),
        (r"<math>a &amp; b</math>", r"<p>\(a &amp; b\)</p>"),
        (r'<math display="block">x &lt; 1</math>', r"<p>\[x &lt; 1\]</p>"),
        ("$5 and $10", "<p>$5 and $10</p>"),
        ("costs $5, or $ 7", "<p>costs $5, or $ 7</p>"),
        (r"a \$ sign and $x$", r"<p>a $ sign and \(x\)</p>"),
        ("`$x$ and $y$`", "<p><code>$x$ and $y$</code></p>"),
        ("$x_1$ `_a_` $y_2$", r"<p>\(x_1\) <code>_a_</code> \(y_2\)</p>"),
    ],
)
def test_math_reaches_mathjax_as_written(source: str, html: str) -> None:
    assert back(source) == html


def test_math_in_code_blocks_is_code() -> None:
    html = back("```\necho $HOME $x$\n```")
    assert "$HOME $x$" in html and r"\(" not in html


def test_underscores_and_stars_in_math_are_not_emphasis() -> None:
    assert back("$a_1 b_2$ and $x*y*z$") == r"<p>\(a_1 b_2\) and \(x*y*z\)</p>"


# --- asterisks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("7*7*(1168-16) multiplications", "<p>7*7*(1168-16) multiplications</p>"),
        ("49*C*C", "<p>49*C*C</p>"),
        ("**mental mode**l", "<p><strong>mental mode</strong>l</p>"),
        ("an *em* word and **bold**", "<p>an <em>em</em> word and <strong>bold</strong></p>"),
        ("2 * 3 * 4", "<p>2 * 3 * 4</p>"),
        ("`a*b*c`", "<p><code>a*b*c</code></p>"),
    ],
)
def test_arithmetic_asterisks_stay_literal(source: str, html: str) -> None:
    assert back(source) == html


# --- plain (Q:/A:) -------------------------------------------------------------------------------


def test_plain_text_is_escaped_with_breaks_and_indentation() -> None:
    html = back("for p in ps:\n  l1 += *p* <x> & _y_\n\tdone", markup="plain")
    assert html == "for p in ps:<br>&nbsp;&nbsp;l1 += *p* &lt;x&gt; &amp; _y_<br>&nbsp;&nbsp;&nbsp;&nbsp;done"


def test_plain_text_still_typesets_math() -> None:
    assert back("f = $x_1 < y$ costs $5", markup="plain") == r"f = \(x_1 &lt; y\) costs $5"


# --- code ----------------------------------------------------------------------------------------


def test_fenced_code_uses_pygments_classes() -> None:
    html = back("```py\ndef f(x):\n    return x * 2\n```")
    assert html.startswith('<div class="highlight"><pre><span></span><code>')
    assert '<span class="k">def</span><span class="w"> </span><span class="nf">f</span>' in html
    assert '<span class="k">return</span> <span class="n">x</span> <span class="o">*</span>' in html


def test_tilde_fences_and_indented_code() -> None:
    assert '<span class="kn">import</span>' in back("~~~python\nimport os\n~~~")
    html = back("Text:\n\n    x = 1 * 2\n    y = $a$\n")
    assert html.startswith('<p>Text:</p>\n<div class="highlight"><pre>')
    assert "y = $a$" in html


def test_fence_right_under_text_is_code_and_unclosed_fence_runs_to_the_end() -> None:
    assert back("text\n```\nx = 1\n```") == (
        '<p>text</p>\n<div class="highlight"><pre><span></span><code>x = 1\n</code></pre></div>'
    )
    assert back("text\n```\nx = *a*") == (
        '<p>text</p>\n<div class="highlight"><pre><span></span><code>x = *a*\n</code></pre></div>'
    )


def test_triple_backticks_on_one_line_are_a_code_span() -> None:
    assert back("```x = 1```\n\n$y$") == "<p><code>x = 1</code></p>\n<p>\\(y\\)</p>"


# --- lists ---------------------------------------------------------------------------------------


def test_two_space_nested_lists_stay_nested() -> None:
    assert back("- a\n  - b\n    - c\n- d") == (
        "<ul>\n<li>a<ul>\n<li>b<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n</li>\n<li>d</li>\n</ul>"
    )


def test_four_space_nested_lists_stay_nested() -> None:
    assert back("- a\n    - b\n- c") == "<ul>\n<li>a<ul>\n<li>b</li>\n</ul>\n</li>\n<li>c</li>\n</ul>"


def test_list_right_after_text_or_heading_is_a_list() -> None:
    assert back("Steps:\n1. one\n2. two") == "<p>Steps:</p>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>"
    assert back("## Head\n- x") == "<h2>Head</h2>\n<ul>\n<li>x</li>\n</ul>"


def test_indented_list_after_text_is_a_list() -> None:
    assert back("at **inference time**:\n  1. do\n  2. classify") == (
        "<p>at <strong>inference time</strong>:</p>\n<ol>\n<li>do</li>\n<li>classify</li>\n</ol>"
    )


def test_list_marker_inside_code_gets_no_blank_line() -> None:
    assert "x = [\n- 1\n]" in back("```\nx = [\n- 1\n]\n```")


# --- tables --------------------------------------------------------------------------------------


def test_pipe_table_with_html_in_cells() -> None:
    html = back('|A|B<br/>C|\n|---|---|\n|<img src="https://x.org/a.png"/>|**b**|')
    assert html == (
        '<div class="table-scroll"><table>\n<thead>\n<tr>\n<th>A</th>\n<th>B<br>C</th>\n</tr>\n</thead>\n'
        '<tbody>\n<tr>\n<td><img src="https://x.org/a.png"></td>\n<td><strong>b</strong></td>\n</tr>\n</tbody>\n'
        "</table></div>"
    )


def test_html_table_is_kept() -> None:
    source = "<table><tr><th>a</th></tr><tr><td>1</td></tr></table>"
    assert back(source) == (
        '<div class="table-scroll"><table><tbody><tr><th>a</th></tr><tr><td>1</td></tr></tbody></table></div>'
    )


def test_only_table_tags_get_the_scrolling_wrapper() -> None:
    html = back('`<table>` and <span title="<table>">&lt;table&gt;</span>\n\n```html\n<table>\n```')
    assert "table-scroll" not in html
    nested = back("<table><tr><td><table><tr><td>1</td></tr></table></td></tr></table>")
    assert nested.count('<div class="table-scroll"><table>') == 2 and nested.count("</table></div>") == 2


def test_tab_separated_table_with_math_and_html_cells() -> None:
    html = back("Gate\tBehavior\nAdd\t<p>gradient <math>x+7</math> is <b>1</b></p>")
    assert html == (
        '<div class="table-scroll"><table>\n<thead>\n<tr>\n<th>Gate</th>\n<th>Behavior</th>\n</tr>\n'
        "</thead>\n<tbody>\n<tr>\n"
        r"<td>Add</td>" "\n" r"<td><p>gradient \(x+7\) is <b>1</b></p></td>" "\n</tr>\n</tbody>\n"
        "</table></div>"
    )  # fmt: skip


def test_tab_table_with_empty_corner_cell_and_caption_row() -> None:
    html = back("Overview\t\t\n\tCNNs\tViTs\nSpeed\tslow\tfast")
    start = '<p>Overview</p>\n<div class="table-scroll"><table>\n<thead>\n<tr>\n<th></th>\n<th>CNNs</th>'
    assert html.startswith(start)
    assert "<td>Speed</td>\n<td>slow</td>\n<td>fast</td>" in html


def test_tab_indentation_is_not_a_table() -> None:
    html = back("* events:\n\n\t`P(A or B)`\n\t\n\tIf you have a die\n")
    assert "<table>" not in html
    assert "<code>P(A or B)</code>" in html


def test_tex_lines_with_a_tab_comment_are_not_a_table() -> None:
    html = back("$\\mu \\leftarrow x$\t// mean\n$\\sigma^2$\t// variance")
    assert html == "<p>\\(\\mu \\leftarrow x\\) \u2003 // mean<br>\n\\(\\sigma^2\\) \u2003 // variance</p>"


# --- images --------------------------------------------------------------------------------------


def test_local_image_becomes_media_with_content_hash_name(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "img").mkdir(parents=True)
    (notes / "img" / "a.PNG").write_bytes(b"png bytes")
    name = hashlib.sha1(b"png bytes").hexdigest() + ".png"
    card = render(
        "![pic](img/a.PNG) <img src='img/a.PNG' width=20>", root=tmp_path, source=str(notes / "n.md")
    )
    assert card.back_html == f'<p><img alt="pic" src="{name}"> <img src="{name}" width="20"></p>'
    assert card.media == (MediaFile(name, (notes / "img" / "a.PNG").resolve()),)
    assert card.diagnostics == ()


def test_remote_image_stays_a_url() -> None:
    card = render("![x](https://example.org/a.png)")
    assert card.back_html == '<p><img alt="x" src="https://example.org/a.png"></p>'
    assert card.media == ()


def test_image_outside_the_tree_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"x")
    notes = tmp_path / "notes"
    notes.mkdir()
    card = render(
        "first\n\nsecond ![s](../secret.png)", root=notes, source=str(notes / "n.md"), line=10, back_line=12
    )
    assert card.media == ()
    assert card.back_html == '<p>first</p>\n<p>second <img alt="s"></p>'
    assert card.diagnostics == (
        Diagnostic(
            str(notes / "n.md"), 14, "error", "media-outside-tree",
            f"image '../secret.png' is outside the source tree {notes}; not packaged",
        ),
    )  # fmt: skip


def test_missing_image_is_a_warning() -> None:
    card = render("![m](nope.png)", line=3, back_line=4)
    assert card.diagnostics == (
        Diagnostic("notes.md", 4, "warning", "missing-image", "image 'nope.png' not found"),
    )
    assert card.media == ()


# --- safety --------------------------------------------------------------------------------------


def test_code_running_html_is_stripped_with_a_warning() -> None:
    card = render(
        'ok\n\n<script>alert(1)</script>\n<img src="https://x.org/a.png" onerror="alert(1)">\n'
        '<a href="javascript:alert(1)">l</a>',
        back_line=5,
    )
    assert "script" not in card.back_html and "onerror" not in card.back_html
    assert "javascript" not in card.back_html
    assert card.back_html.endswith(
        '<p><img src="https://x.org/a.png">\n<a rel="noopener noreferrer">l</a></p>'
    )
    assert [(d.rule, d.line, d.severity) for d in card.diagnostics] == [
        ("unsafe-html", 7, "warning"),
        ("unsafe-html", 8, "warning"),
        ("unsafe-html", 9, "warning"),
    ]


def test_safe_html_is_kept() -> None:
    source = (
        "<details><summary>More</summary>\n\nH<sub>2</sub>O, x<sup>2</sup>, **bold**\n\n</details>\n\n"
        '<ul style="list-style-type: none"><li>a<br>b</li></ul>'
    )
    assert back(source) == (
        "<details>\n<summary>More</summary>\n<p>H<sub>2</sub>O, x<sup>2</sup>, <strong>bold</strong></p>\n"
        '</details>\n<ul style="list-style-type:none"><li>a<br>b</li></ul>'
    )


def test_code_showing_html_is_not_unsafe() -> None:
    card = render('```html\n<script>x()</script>\n```\n\n`onclick="f()"`')
    assert card.diagnostics == ()
    assert '<span class="p">&lt;</span><span class="nt">script</span>' in card.back_html


def test_fence_options_and_attributes_never_reach_the_html() -> None:
    # Fenced code skips the sanitiser (render.code): nothing the author writes may become markup.
    html = back('```{.python #x data-x=\'"><img src=x onerror=alert(1)>\' hl_lines="1"}\nx\n```')
    assert (
        html == '<div class="highlight"><pre><span></span><code><span class="n">x</span>\n</code></pre></div>'
    )
    assert back("```no-such-language\n<b>x</b>\n```") == (
        '<div class="highlight"><pre><span></span><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre></div>'
    )


@settings(max_examples=200)
@given(
    code=st.text(alphabet=st.sampled_from(list("<>&\"'`=/ \n\tabcscript{}$*_\\")), max_size=60),
    language=st.sampled_from(["python", "html", "js", "bash", "text", "", "unknown-lang"]),
)
def test_highlighted_code_is_what_sanitising_it_would_give(code: str, language: str) -> None:
    html = highlight(code, language)
    assert Renderer()._cleaner.clean(html) == html


# --- fields, context, CSS, reuse -----------------------------------------------------------------


def test_front_and_context() -> None:
    card = render("a", front="What is $x_1$ in *f*?", context=("**Part** one", "A < B"))
    assert card.front_html == r"<p>What is \(x_1\) in <em>f</em>?</p>"
    assert card.context_html == "<strong>Part</strong> one › A &lt; B"


def test_context_that_looks_like_a_list_is_escaped_text() -> None:
    assert render("a", context=("1. Intro", "- x")).context_html == "1. Intro › - x"


def test_note_css_has_light_and_night_code_palettes() -> None:
    assert ".highlight .k {" in NOTE_CSS
    assert ".nightMode .highlight .k, .night_mode .highlight .k {" in NOTE_CSS
    assert "overflow-x: auto" in NOTE_CSS


def test_renderer_is_reusable_and_deterministic() -> None:
    renderer = Renderer()
    card = Card(front="$a$", back="```py\nx = 1\n```\n\n$b$ and 7*7", line=1)
    first = renderer.render(card, Path("."))
    renderer.render(Card(front="[^1]", back="$c$ $d$ $e$\n\n- x\n  - y", line=1), Path("."))
    assert renderer.render(card, Path(".")) == first
    assert first.back_html.endswith(r"<p>\(b\) and 7*7</p>")


# --- golden pairs --------------------------------------------------------------------------------

GOLDEN_CASES = sorted(GOLDEN.glob("*.md"))


def test_golden_pairs_exist() -> None:
    assert len(GOLDEN_CASES) >= 8
    assert all(p.with_suffix(".html").exists() for p in GOLDEN_CASES)


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[p.stem for p in GOLDEN_CASES])
def test_golden(case: Path) -> None:
    html = back(case.read_text(encoding="utf-8")) + "\n"
    expected = case.with_suffix(".html")
    if os.environ.get("ANKIGEN_UPDATE_GOLDEN") == "1":
        expected.write_text(html, encoding="utf-8")
    assert html == expected.read_text(encoding="utf-8")


@given(st.from_regex(_PLAIN_SENTENCE, fullmatch=True))
@settings(max_examples=500, deadline=None)
def test_plain_sentence_shortcut_gives_what_markdown_gives(text: str) -> None:
    renderer = Renderer()
    card = Card(front="q", back=text, line=1, source="a.md")
    state = _CardState(card, Path("."), [(text, 1)])
    assert renderer.render(card, Path(".")).back_html == renderer.convert(text, state)


@given(st.lists(st.from_regex(_PLAIN_SENTENCE, fullmatch=True), min_size=1, max_size=6), st.data())
@settings(max_examples=300, deadline=None)
def test_plain_paragraphs_shortcut_gives_what_markdown_gives(lines: list[str], data: st.DataObject) -> None:
    breaks = data.draw(
        st.lists(st.sampled_from(["\n", "\n\n"]), min_size=len(lines) - 1, max_size=len(lines) - 1)
    )
    text = lines[0] + "".join(brk + line for brk, line in zip(breaks, lines[1:], strict=True))
    renderer = Renderer()
    card = Card(front="q", back=text, line=1, source="a.md")
    state = _CardState(card, Path("."), [(text, 1)])
    assert renderer.render(card, Path(".")).back_html == renderer.convert(text, state)


def test_plain_sentence_shortcut_takes_questions() -> None:
    assert _PLAIN_SENTENCE.fullmatch('What is a "feature"? (see chapter 2: CNNs)')
    for markdown_text in ("1. list", "- item", "a *b*", "a  ", "# h", "a\nb", "x_1", "[a](b)"):
        assert not _PLAIN_SENTENCE.fullmatch(markdown_text)
