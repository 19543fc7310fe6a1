"""Cloze deletions: Anki's reading (checked against the real ``anki`` package), the author's reading,
the HTML the renderer writes for them, the note formats, ``check``'s rules and the note type."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection
from conftest import python_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from ankigen import pipeline
from ankigen.build import collect
from ankigen.cloze import anki_numbers, find_clozes, hidden_text, read_field, reveal, without_markup
from ankigen.config import Config
from ankigen.identity import note_guid, question_key
from ankigen.lint import lint_cards
from ankigen.model import Card
from ankigen.notetype import (
    BASIC,
    CLOZE,
    CLOZE_FIELDS,
    CLOZE_NOTE_TYPE_ID,
    CLOZE_NOTE_TYPE_NAME,
    CLOZE_TEMPLATE_NAME,
    NOTE_TYPES,
    cloze_fields,
    note_type_for,
)
from ankigen.package import card_ords
from ankigen.preview import Links, page_data
from ankigen.render import Renderer
from ankigen.render.cloze import keep_clozes, markers, seal, segments
from ankigen.render.code import highlight

RENDERER = Renderer()


@pytest.fixture(scope="module")
def anki() -> Iterator[Collection]:
    """A real Anki collection with Anki's own Cloze note type."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        col = Collection(str(Path(folder) / "collection.anki2"))
        yield col
        col.close()


def anki_cards(col: Collection, text: str) -> list[tuple[int, str, str]]:
    """Anki's cards for a Cloze note with ``text``: (ord, question, answer), without the CSS and the
    ``data-cloze`` attribute (the hidden text, which no reader sees) and Back Extra's ``<br>``."""
    note = col.new_note(col.models.by_name("Cloze"))
    note["Text"] = text
    col.add_note(note, 1)

    def bare(side: str) -> str:
        side = re.sub(r"<style>.*?</style>", "", side, flags=re.DOTALL)
        return re.sub(r' data-cloze="[^"]*"', "", side).removesuffix("<br>\n")

    return [(card.ord, bare(card.question()), bare(card.answer())) for card in note.cards()]


def ours(text: str) -> list[tuple[int, str, str]]:
    """The same cards as :mod:`ankigen.cloze` predicts them."""
    numbers = sorted(anki_numbers(text))
    return [(n - 1, reveal(text, n, True), reveal(text, n, False)) for n in numbers]


TRICKY = [
    "{{c1::a}} {{c3::b}}",
    "{{c1::a {{c2::b}} c}}",
    "{{c1:: {{c1::y}} }}",
    "{{c2::te}}{{c1::s}}t{{",
    "{{c0::a}} {{c2::b}}",
    "{{c1::}} x",
    "{{c1::a::h::i}}",
    "{{c1::a::}}",
    "{{c1::std::vector}}",
    "{{c1::x}}}",
    "}} {{c1::x}}",
    "{{c01::x}} {{c1::y}}",
    "{{c70000::x}} {{c2::y}}",
    "{{c2::x}} {{c1::a b",
    "{{c1::a {{c2::b}}",
    "<code>{{c1::x}}</code> <b>{{c2::<i>y</i>}}</b>",
    "\\(x = {{c1::\\frac{a}{b} }}\\) and \\[{{c2::y}}\\]",
    "{{c1::\\(\\frac{a}{\\frac{b}{c}}\\)}}",
    "{{c1::<span class=x>a</span>::hint}}",
    "".join(f"{{{{c{n}::" for n in range(1, 13)) + "deep" + "}}" * 12,
]


@pytest.mark.parametrize("text", TRICKY)
def test_cards_and_sides_are_anki_s(anki: Collection, text: str) -> None:
    cards = anki_cards(anki, text)
    assert [ord_ for ord_, _, _ in cards] == (sorted(n - 1 for n in anki_numbers(text)) or [0])
    if anki_numbers(text):
        assert cards == ours(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["{{c1::", "{{c2::", "{{c0::", "}}", "::", "{", "}", "c", "1", "x", " ", "<b>", "\\("]
        ),
        max_size=14,
    ).map("".join)
)
def test_any_markup_makes_the_cards_anki_makes(anki: Collection, text: str) -> None:
    cards = anki_cards(anki, text)
    assert [ord_ for ord_, _, _ in cards] == (sorted(n - 1 for n in anki_numbers(text)) or [0])
    if anki_numbers(text):
        assert cards == ours(text)


def test_card_ords_are_anki_s_not_genanki_s() -> None:
    model = CLOZE.model("")
    assert card_ords(model, ["{{c1::a {{c2::b}} c}}", "", "", ""]) == [0, 1]  # genanki's regex: [0]
    assert card_ords(model, ["{{c1::a {{c2::b}}", "", "", ""]) == [0]  # never closed: Anki's error card
    assert card_ords(model, ["{{c3::a}} {{c0::b}}", "{{c2::in Back Extra}}", "", ""]) == [2]


# --------------------------------------------------------------------------- the author's reading


def closed(text: str, plain: bool = False) -> list[tuple[int, str]]:
    """(number, text between opener and closer) of each closed cloze, as the author means them."""
    return [(c.number, text[c.body : c.close]) for c in read_field(text, plain).clozes if c.close is not None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{c1::$\\frac{a}{\\frac{b}{c}}$}}", [(1, "$\\frac{a}{\\frac{b}{c}}$")]),
        ("$x = {{c1::\\frac{a}{b}}}$", [(1, "\\frac{a}{b}")]),
        ("$x = {{c1::\\{a\\}}}$", [(1, "\\{a\\}")]),
        ("{{c1::`a}}b`}}", [(1, "`a}}b`")]),
        ("`d = {{c1::{'a': {'b': 1}}}}`", [(1, "{'a': {'b': 1}}")]),
        ("{{c1::a {{c2::b}} c}}", [(1, "a {{c2::b}} c"), (2, "b")]),
        ("$x = {{c1::y$ and z}}", []),  # opened in math, never closed there
        ("{{c1::a\n\n- b}} c", [(1, "a\n\n- b")]),
    ],
)
def test_math_and_code_are_regions_of_their_own(text: str, expected: list[tuple[int, str]]) -> None:
    assert sorted(closed(text)) == sorted(expected)


def test_hints_only_outside_math_and_code() -> None:
    text = "{{c1::`std::map`::a container}} {{c2::$a::b$}}"
    clozes = read_field(text).clozes
    assert [text[c.hint + 2 : c.close] if c.hint else None for c in clozes] == ["a container", None]
    assert [kind for _, kind in read_field(text).breaks] == ["code", "math"]


def test_identity_ignores_cloze_markup() -> None:
    assert without_markup("{{c1::Paris::a city}} is in {{c2::`France`}}") == "Paris is in `France`"
    assert question_key("{{c1::Paris}} is the **capital**") == question_key("{{c2::Paris}} is the capital")
    assert hidden_text("The {{c1::x::h}} and {{c2::y}}") == "x\ny"
    key = question_key("What is {{c1::x}}?")
    assert note_guid("D", key, 1, CLOZE.name) != note_guid("D", key)  # a cloze note is never a Basic one


# --------------------------------------------------------------------------- rendering


def back(text: str) -> str:
    return RENDERER.render(Card(front="Q", back=text, line=1, source="n.md"), Path(".")).back_html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("{{c1::$\\frac{a}{\\frac{b}{c}}$}}", "<p>{{c1::\\(\\frac{a}{\\frac{b}{c} }\\)}}</p>"),
        ("$x = {{c1::\\frac{a}{b}}}$", "<p>\\(x = {{c1::\\frac{a}{b} }}\\)</p>"),
        ("{{c1::$a::b$::hint}}", "<p>{{c1::\\(a: :b\\)::hint}}</p>"),
        ("{{c1::`std::map`}}", "<p>{{c1::<code>std&#58;:map</code>}}</p>"),
        ("`x = {{c1::{a: 1}}}`", "<p><code>x = {{c1::{a: 1&#125;}}</code></p>"),
        ("**{{c1::bold}}** {{c2::**b**}}", "<p><strong>{{c1::bold}}</strong> {{c2::<strong>b</strong>}}</p>"),
        ("- {{c1::one}}\n- two", "<ul>\n<li>{{c1::one}}</li>\n<li>two</li>\n</ul>"),
        ("{{c1::open and {{c2::x}}", "<p>&#123;{c1::open and {{c2::x}}</p>"),
        (
            "$\\frac{a}{\\frac{b}{c}}$ {{c1::x}}",
            "<p>\\(\\frac{a}{\\frac{b}{c}}\\) {{c1::x}}</p>",
        ),  # TeX outside
    ],
)
def test_rendered_clozes_read_as_written(source: str, html: str) -> None:
    assert back(source) == html


def test_tables_keep_clozes_in_cells() -> None:
    html = back("| term | meaning |\n|---|---|\n| {{c1::GPU}} | {{c2::graphics **card**}} |")
    assert "<td>{{c1::GPU}}</td>" in html and "<td>{{c2::graphics <strong>card</strong>}}</td>" in html


def test_fenced_code_keeps_markers_whole_around_tokens() -> None:
    html = back("```python\ndef f(x):\n    return {{c1::x * 2::double}}\n```")
    assert "{{c1::" in html and "}}" in html
    inside = html[html.index("{{c1::") : html.index("}}") + 2]
    assert inside.count("<span") == inside.count("</span>")  # the cloze holds whole tokens only
    assert "::double" not in html  # in code a :: is code: the hint would need to be outside it
    bare = re.sub(r"<[^>]+>", "", html)
    assert "return {{c1::x * 2&#58;:double}}" in bare


def test_highlighting_without_markers_is_unchanged() -> None:
    code = "def f(x):\n    return {{c1::x}} + {'a': {'b': 1}}\n"
    stripped, placed = markers(code)
    assert stripped == "def f(x):\n    return x + {'a': {'b': 1}}\n"
    assert [marker for _, marker in placed] == ["{{c1::", "}}"]
    with_markers = keep_clozes(code, lambda text: highlight(text, "python"))
    opener = with_markers.index("{{c1::")
    closer = with_markers.index("}}", opener)
    without = with_markers[:opener] + with_markers[opener + 6 : closer] + with_markers[closer + 2 :]
    assert without == highlight(stripped, "python")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["{{c1::", "{{c2::", "}}", "::", "{", "}", "x", " ", "\\(", "\\)", "<code>", "</code>"]
        ),
        max_size=16,
    ).map("".join)
)
def test_sealed_html_is_read_by_anki_as_the_author_means_it(text: str) -> None:
    """After :func:`seal`, Anki's cloze numbers are exactly the author's closed clozes'."""
    meant = find_clozes(text, segments(text))
    assert anki_numbers(seal(text)) == {c.number for c in meant.clozes if c.close is not None}


def test_plain_text_has_math_but_no_code() -> None:
    text = "{{c1::`a::b`}} {{c2::$x::y$}}"
    assert [(c.number, c.hint is not None) for c in read_field(text, plain=True).clozes] == [
        (1, True),
        (2, False),
    ]
    card = Card(front="Q", back=text, line=1, markup="plain")
    assert RENDERER.render(card, Path(".")).back_html == "{{c1::`a::b`}} {{c2::\\(x: :y\\)}}"


def test_plain_text_cards_keep_clozes() -> None:
    card = Card(front="Q", back="it is {{c1::$x^{a^{b}}$}}", line=1, markup="plain")
    assert RENDERER.render(card, Path(".")).back_html == "it is {{c1::\\(x^{a^{b} }\\)}}"


# --------------------------------------------------------------------------- note formats


def process(tmp_path: Path, name: str, text: str) -> pipeline.FileOutcome:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return pipeline.process_file(pipeline.FileJob(str(path), text, tmp_path))


def test_a_q_line_of_clozes_needs_no_answer(tmp_path: Path) -> None:
    outcome = process(tmp_path, "n.txt", "Q: The capital is {{c1::Paris}}.\n\nQ: Unanswered?\n")
    assert [(c.front, c.back) for c in outcome.cards] == [("The capital is {{c1::Paris}}.", "")]
    assert [d.rule for d in outcome.diagnostics] == ["unanswered-question"]


def test_a_questionnaire_question_of_clozes_needs_no_answer(tmp_path: Path) -> None:
    text = "---\n1. The rate is {{c1::a hyperparameter}}.\n---\n\n---\n2. Empty?\n---\n"
    outcome = process(tmp_path, "n.md", text)
    assert [(c.front, c.back, c.line) for c in outcome.cards] == [
        ("The rate is {{c1::a hyperparameter}}.", "", 2)
    ]
    assert [d.rule for d in outcome.diagnostics] == ["empty-answer"]


def test_a_heading_of_clozes_needs_no_body(tmp_path: Path) -> None:
    outcome = process(tmp_path, "n.md", "# T\n\n## Paris is in {{c1::France}}\n\n## Empty?\n")
    assert [(c.front, c.back) for c in outcome.cards] == [("Paris is in {{c1::France}}", "")]


def test_fields_per_layout() -> None:
    assert cloze_fields("<p>Q</p>", "<p>{{c1::A}}</p>", True) == (
        '<div class="title"><p>Q</p></div>\n<p>{{c1::A}}</p>',
        "",
    )
    assert cloze_fields("<p>{{c1::Q}}</p>", "<p>A</p>", False) == ("<p>{{c1::Q}}</p>", "<p>A</p>")
    assert cloze_fields("", "{{c1::A}}", True) == ("{{c1::A}}", "")


# --------------------------------------------------------------------------- check


def where(outcome: pipeline.FileOutcome) -> list[tuple[int, int | None, str]]:
    return sorted((d.line, d.col, d.rule) for d in outcome.diagnostics if d.rule.startswith("cloze"))


def test_check_places_cloze_mistakes_in_every_format(tmp_path: Path) -> None:
    markdown = (
        "# T\n\n## {{c1::Rome}} facts\n\n### The forum\n\nIt was {{c1::central}}, {{c3::old}}, {{c0::x}}.\n"
    )
    assert where(process(tmp_path, "a.md", markdown)) == [
        (3, 4, "cloze-not-shown"),
        (7, 25, "cloze-number"),
        (7, 38, "cloze-number"),
    ]
    qa = "Q: It is {{c2::x}} and {{c1::y.\nA: **done** {{c70000::z}}\n"
    assert where(process(tmp_path, "b.txt", qa)) == [
        (1, 10, "cloze-number"),
        (1, 24, "cloze-unclosed"),
        (2, 13, "cloze-number"),
    ]
    questionnaire = "---\n1. What?\n---\nA {{c1::x}} and $y = {{c2::z$}}.\n\n---\n2. Why?\n---\nBecause.\n"
    assert where(process(tmp_path, "c.md", questionnaire)) == [(4, 22, "cloze-unclosed")]


def test_a_clean_cloze_card_has_no_warnings(tmp_path: Path) -> None:
    text = "# T\n\n## Sum\n\n$P = {{c1::\\frac{a}{b}}}$ and {{c2::`f::g`::code}}, {{c2::again}}.\n"
    assert process(tmp_path, "a.md", text).diagnostics == []


# --------------------------------------------------------------------------- the note type


def test_the_cloze_note_type_is_fixed() -> None:
    assert (CLOZE.id, CLOZE.name, CLOZE.fields) == (
        1_732_406_117,
        "ankigen Cloze",
        ("Text", "Back Extra", "Context", "Source"),
    )
    assert (CLOZE.id, CLOZE.name, CLOZE.fields) == (CLOZE_NOTE_TYPE_ID, CLOZE_NOTE_TYPE_NAME, CLOZE_FIELDS)
    assert [name for name, _, _ in CLOZE.templates] == [CLOZE_TEMPLATE_NAME] == ["Cloze"]
    assert (
        CLOZE.cloze
        and "{{cloze:Text}}" in CLOZE.templates[0][1]
        and "{{cloze:Text}}" in CLOZE.templates[0][2]
    )
    assert NOTE_TYPES["ankigen Cloze"] is CLOZE and len({t.id for t in NOTE_TYPES.values()}) == len(
        NOTE_TYPES
    )
    assert (
        note_type_for(True, False) is CLOZE and note_type_for(True, True) is CLOZE
    )  # a cloze has no reverse
    assert note_type_for(False, False) is BASIC
    assert ".cloze" in CLOZE.model("").css and ".cloze" not in BASIC.model("").css


def test_build_makes_cloze_notes_only_of_cards_with_clozes(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_text("# D\n\n## Plain?\n\nAnswer.\n\n## Cloze\n\nIt is {{c1::x}}.\n", "utf-8")
    deck = collect([tmp_path], Config()).decks[0]
    assert [(built.card.front, built.note_type.name) for built in deck.cards] == [
        ("Plain?", "ankigen Basic"),
        ("Cloze", "ankigen Cloze"),
    ]


def test_preview_shows_one_card_per_cloze_number(tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_text("Q: {{c1::Paris}} is in {{c2::France}}.\n", "utf-8")
    entries = [e for e in page_data(collect([tmp_path], Config()), Links(str, {}))["entries"] if "f" in e]
    fronts = [re.sub(r"<[^>]+>", "", entry["f"]).strip() for entry in entries]
    backs = [re.sub(r"<[^>]+>", "", entry["b"]).split("\n")[1] for entry in entries]
    assert fronts == ["[...] is in France.", "Paris is in [...]."]
    assert backs == ["Paris is in France.", "Paris is in France."]


@pytest.mark.parametrize(
    "unit",
    [
        "{{c1::",
        "}}",
        "{{c0::x}} ",
        "$x{{c1::y$ ",
        "{{c1::`a::b}}`}} ",
        "`{{c1::{{{` ",
        "{{c70000::",
        "{{c1::a\n",
    ],
)
def test_cloze_work_is_linear(unit: str) -> None:
    def work(copies: int) -> int:
        text = unit * copies
        card = Card(front=text, back=text, line=1, back_line=1, source="n.md")
        html = RENDERER.render(card, Path(".")).back_html
        return python_lines(
            lambda: (
                lint_cards([card], text + "\n" + text),
                seal(html),
                anki_numbers(html),
                read_field(text, True),
            )
        )

    small, big = work(500), work(5_000)
    # 10x the input may take at most ~12x the Python work (linear), never quadratic (100x)
    assert big <= 12 * small + 1_000, (unit, small, big)
