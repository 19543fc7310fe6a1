"""Cloze decks in all three note formats, built by the CLI and imported into a real Anki collection:
the cards each note makes, what each card's front hides and its back shows, and updates in place."""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki.cards import Card as AnkiCard
from anki.collection import Collection
from conftest import import_apkg, run

from ankigen.notetype import CLOZE_FIELDS, CLOZE_NOTE_TYPE_ID, CLOZE_NOTE_TYPE_NAME, CLOZE_TEMPLATE_NAME

MARKDOWN = r"""# Calculus

## Derivatives

### Power rule

The derivative of $x^n$ is {{c1::$n x^{n-1}$}}, and of $\frac{1}{x}$ it is {{c2::$-\frac{1}{x^{2}}$}}.

### Nested fraction

{{c1::$\frac{a}{\frac{b}{c}}$}} equals $\frac{ac}{b}$, and $x = {{c2::\frac{a}{b}}}$.

### Area in code

```python
def area(r):
    return {{c1::math.pi * r ** 2}}
```

Call it as {{c2::`area(2)`::a call}}; C++ keeps it in a {{c3::`std::vector`}}.

### Optimizers

- {{c1::**Adam**}} adapts the rate per parameter
- {{c2::Momentum}} averages past gradients

| Optimizer | Keeps |
|---|---|
| {{c3::SGD}} | nothing |

### Paris is the capital of {{c1::France}}
"""

QA = r"""# Physics

Q: The speed of light is about {{c1::$3 \times 10^{8}$}} m/s.

Q: What is Newton's second law?
A: {{c1::$F = m a$}}, where {{c2::$a$}} is the {{c2::acceleration}}.

Q: What does a {{c1::tensor}} generalise?
A: Vectors and matrices.

Q: Which unit measures force?
A: The newton.
"""

QUESTIONNAIRE = r"""# Deep Learning Quiz

---
1. What is a tensor?
---
A {{c1::multi-dimensional array}}, indexed as $T_{ij}$ with {{c2::$i, j \in \{1, 2\}$}}.

---
2. The learning rate is {{c1::a hyperparameter}}.
---

---
3. Which layers does a CNN stack?
---
- {{c1::convolution}}
- {{c2::pooling}}
"""


@dataclass(frozen=True)
class Expected:
    """A note, found by text on its cards, with what each of its cards hides (by cloze number)."""

    finds: str
    hidden: dict[int, tuple[str, ...]]
    """Per cloze number, the text of each of its clozes as the card's back shows it."""
    hints: dict[int, str]


EXPECTED = [
    Expected("derivative of", {1: (r"\(n x^{n-1}\)",), 2: (r"\(-\frac{1}{x^{2} }\)",)}, {}),
    Expected("equals", {1: (r"\(\frac{a}{\frac{b}{c} }\)",), 2: (r"\frac{a}{b} ",)}, {}),
    Expected("def area", {1: ("math.pi * r ** 2",), 2: ("area(2)",), 3: ("std::vector",)}, {2: "a call"}),
    Expected("adapts the rate", {1: ("Adam",), 2: ("Momentum",), 3: ("SGD",)}, {}),
    Expected("capital of", {1: ("France",)}, {}),
    Expected("speed of light", {1: (r"\(3 \times 10^{8}\)",)}, {}),
    Expected("second law", {1: (r"\(F = m a\)",), 2: (r"\(a\)", "acceleration")}, {}),
    Expected("generalise", {1: ("tensor",)}, {}),
    Expected("multi-dimensional", {1: ("multi-dimensional array",), 2: (r"\(i, j \in \{1, 2\}\)",)}, {}),
    Expected("learning rate is", {1: ("a hyperparameter",)}, {}),
    Expected("CNN stack", {1: ("convolution",), 2: ("pooling",)}, {}),
]


def _write_notes(project: Path) -> None:
    notes = project / "notes"
    notes.mkdir(exist_ok=True)
    (notes / "calculus.md").write_text(MARKDOWN, "utf-8")
    (notes / "physics.md").write_text(QA, "utf-8")
    (notes / "quiz.md").write_text(QUESTIONNAIRE, "utf-8")


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    _write_notes(project)
    monkeypatch.chdir(project)
    return project


def _build_and_import(collection: Collection) -> None:
    result = run("build", "notes")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output.replace("0 warnings", "")
    for path in sorted(Path("output").glob("*.apkg")):
        import_apkg(collection, path)


def visible(side: str) -> str:
    """What a reader sees of a card side's HTML as text (math as its TeX): no CSS, tags or attributes."""
    side = re.sub(r"<style>.*?</style>", "", side, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", side))


def _cards_of(collection: Collection, finds: str) -> list[AnkiCard]:
    notes = [
        collection.get_note(nid)
        for nid in collection.find_notes("")
        if finds in visible(collection.get_note(nid).fields[0])
    ]
    assert len(notes) == 1, (finds, len(notes))
    return sorted(notes[0].cards(), key=lambda card: card.ord)


def test_cloze_notes_of_every_format_import_as_anki_cards(notes: Path, collection: Collection) -> None:
    _build_and_import(collection)
    notetype = collection.models.by_name(CLOZE_NOTE_TYPE_NAME)
    assert notetype is not None and notetype["id"] == CLOZE_NOTE_TYPE_ID and notetype["type"] == 1
    assert [f["name"] for f in notetype["flds"]] == list(CLOZE_FIELDS)
    assert [t["name"] for t in notetype["tmpls"]] == [CLOZE_TEMPLATE_NAME]
    basic = collection.find_notes('"note:ankigen Basic"')
    assert [collection.get_note(nid)["Front"] for nid in basic] == ["<p>Which unit measures force?</p>"]
    assert len(collection.find_notes('"note:ankigen Cloze"')) == len(EXPECTED)
    for expected in EXPECTED:
        cards = _cards_of(collection, expected.finds)
        assert [card.ord + 1 for card in cards] == sorted(expected.hidden), expected.finds
        for card in cards:
            number = card.ord + 1
            front, back = visible(card.question()), visible(card.answer())
            shown = f"[{expected.hints.get(number, '...')}]"
            assert front.count(shown) == len(expected.hidden[number]), (expected.finds, number, front)
            revealed = front
            for text in expected.hidden[number]:
                assert text in back, (expected.finds, number, back)
                revealed = revealed.replace(shown, text, 1)
            assert back.startswith(revealed), (front, back)  # exactly the clozed text is hidden
            for other, texts in expected.hidden.items():
                if other != number:
                    assert all(text in front for text in texts), (expected.finds, number, other)
            assert "{{c" not in front + back and "}}" not in front + back


def test_the_question_becomes_a_title_line_or_text(notes: Path, collection: Collection) -> None:
    _build_and_import(collection)
    (tensor,) = [n for n in map(collection.get_note, collection.find_notes('"Text:*generalise*"'))]
    assert (tensor["Text"], tensor["Back Extra"]) == (
        "<p>What does a {{c1::tensor}} generalise?</p>",
        "<p>Vectors and matrices.</p>",
    )
    (law,) = [n for n in map(collection.get_note, collection.find_notes('"Text:*second law*"'))]
    assert law["Text"].startswith('<div class="title"><p>What is Newton\'s second law?</p></div>\n<p>')
    assert law["Back Extra"] == "" and law["Context"] == ""
    (power,) = [n for n in map(collection.get_note, collection.find_notes('"Text:*derivative of*"'))]
    assert power["Context"] == "Derivatives" and "calculus.md:5" in power["Source"]


def test_editing_a_cloze_updates_the_note_in_place(notes: Path, collection: Collection) -> None:
    _build_and_import(collection)
    before = {collection.get_note(nid).guid: nid for nid in collection.find_notes("")}
    quiz = notes / "notes" / "quiz.md"
    edited = quiz.read_text("utf-8").replace(
        "{{c1::multi-dimensional array}}", "{{c1::multidimensional}} {{c3::array}}"
    )
    quiz.write_text(edited, "utf-8")
    stat = quiz.stat()
    os.utime(quiz, (stat.st_atime, stat.st_mtime + 5))
    _build_and_import(collection)
    after = {collection.get_note(nid).guid: nid for nid in collection.find_notes("")}
    assert after == before, "no note may be added or replaced"
    cards = _cards_of(collection, "multidimensional")
    assert [card.ord + 1 for card in cards] == [1, 2, 3], "Anki adds the card of the new cloze number"
    assert "[...] [...]" not in visible(cards[0].question()) and "[...] array" in visible(cards[0].question())
    assert visible(cards[2].question()).count("[...]") == 1 and "multidimensional [...]" in visible(
        cards[2].question()
    )


def test_a_removed_cloze_note_keeps_a_cloze_on_every_card(notes: Path, collection: Collection) -> None:
    _build_and_import(collection)
    quiz = notes / "notes" / "quiz.md"
    text = quiz.read_text("utf-8")
    start = text.index("---\n3.")
    quiz.write_text(
        text[:start].rstrip("\n") + "\n\n---\n3. Which layers come first?\n---\nConvolutions.\n", "utf-8"
    )
    _build_and_import(collection)
    removed = [collection.get_note(nid) for nid in collection.find_notes("tag:ankigen::removed")]
    assert [note.note_type()["name"] for note in removed] == ["ankigen Cloze"]
    cards = removed[0].cards()
    assert len(cards) == 2
    for card in cards:
        assert "No cloze" not in card.question() and "[...]" in visible(card.question())
        assert "Removed from the notes" in visible(card.answer())


def test_a_first_cloze_makes_a_new_note_and_says_so(notes: Path, collection: Collection) -> None:
    _build_and_import(collection)
    physics = notes / "notes" / "physics.md"
    physics.write_text(
        physics.read_text("utf-8").replace("A: The newton.", "A: The {{c1::newton}}."), "utf-8"
    )
    result = run("build", "notes")
    assert "[note-type-changed]" in result.output and "to 'ankigen Cloze'" in result.output
    for path in sorted(Path("output").glob("*.apkg")):
        import_apkg(collection, path)
    (old,) = map(collection.get_note, collection.find_notes('"note:ankigen Basic"'))
    assert "ankigen::removed" in old.tags and "unit measures force" in old["Front"]
    (new,) = map(collection.get_note, collection.find_notes('"Text:*unit measures force*"'))
    assert [card.ord for card in new.cards()] == [0] and "[...]" in visible(new.cards()[0].question())
