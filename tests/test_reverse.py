"""Reversed notes (``reverse = true``, front matter ``reverse:``): the ``ankigen Basic (and reversed)``
note type, imported into a real Anki collection, and a deck switched between Basic and reversed with
``ankigen.lock`` (what Anki really does with the notes, cards and review histories)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import Note
from click.testing import CliRunner, Result
from conftest import import_apkg

from ankigen import package
from ankigen.build import Collected, collect
from ankigen.cli import cli
from ankigen.config import ConfigError, load_config
from ankigen.notetype import BASIC, FIELDS, NOTE_CSS, NOTE_TYPES, RELEASE_EPOCH, REVERSED, note_type_for
from ankigen.preview import Links, fill_template, page_data, write_preview
from ankigen.state import REMOVED_TAG

TERMS = """\
# Terms

## Probability

### Sum Rule

The marginal is the sum of the joint: \\(p(X) = \\sum_Y p(X, Y)\\)

### Product Rule

The joint is the conditional times the marginal.

### Bayes Theorem

The posterior is proportional to the likelihood times the prior.
"""
QA = """\
Q: What is a tensor?
A: A multi-dimensional array.
"""


def _project(root: Path, reverse: str = "") -> Path:
    (root / "notes").mkdir(parents=True, exist_ok=True)
    _config(root, reverse)
    (root / "notes" / "terms.md").write_text(TERMS, "utf-8")
    (root / "notes" / "qa.txt").write_text(QA, "utf-8")
    return root


def _config(root: Path, reverse: str) -> None:
    text = f'{reverse}\n[[deck]]\nname = "ML"\nsources = ["notes/*"]\n'
    (root / "ankigen.toml").write_text(text, "utf-8")


def _build(root: Path, epoch: int, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(root)
    env = {"SOURCE_DATE_EPOCH": str(epoch)}
    result = CliRunner().invoke(cli, ["build", "--no-cache"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _notes(col: Collection, search: str = "") -> list[Note]:
    return [col.get_note(nid) for nid in col.find_notes(search)]


def _text(field: str) -> str:
    return re.sub(r"<[^>]+>", "", field)


def _reviews(col: Collection, card_id: int) -> int:
    return int(col.db.scalar("select count() from revlog where cid = ?", card_id))


def _learn(col: Collection, notes: list[Note]) -> None:
    """Answer every card of ``notes`` once ("good"): a real revlog row each."""
    for note in notes:
        for card_id in note.card_ids():
            card = col.get_card(card_id)
            card.start_timer()
            col.sched.answerCard(card, 3)


def test_the_reversed_note_type_is_fixed() -> None:
    assert REVERSED.id == 1_732_406_021
    assert REVERSED.name == "ankigen Basic (and reversed)"
    assert REVERSED.fields == FIELDS == BASIC.fields
    assert [name for name, _, _ in REVERSED.templates] == ["Card 1", "Card 2"]
    assert REVERSED.templates[0] == BASIC.templates[0]
    assert not REVERSED.cloze
    assert (
        len({t.id for t in NOTE_TYPES.values()})
        == len({t.name for t in NOTE_TYPES.values()})
        == len(NOTE_TYPES)
    )
    assert note_type_for(has_cloze=False, reverse=True) is REVERSED
    assert note_type_for(has_cloze=False, reverse=False) is BASIC


def test_a_reversed_deck_gives_two_cards_a_note_asking_both_ways(
    tmp_path: Path, collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "p", "reverse = true")
    _build(project, RELEASE_EPOCH + 10, monkeypatch)
    import_apkg(collection, project / "output" / "ML.apkg")
    notetype = collection.models.by_name(REVERSED.name)
    assert notetype is not None and notetype["id"] == REVERSED.id
    assert [f["name"] for f in notetype["flds"]] == list(FIELDS)
    assert [t["name"] for t in notetype["tmpls"]] == ["Card 1", "Card 2"]
    assert collection.models.by_name(BASIC.name) is None, "no Basic note type in a reversed deck"
    notes = _notes(collection)
    assert len(notes) == 4 and len(collection.find_cards("")) == 8
    for note in notes:
        first, second = (collection.get_card(c) for c in note.card_ids())
        assert (first.ord, second.ord) == (0, 1)
        assert note["Front"] in first.question() and note["Back"] not in first.question()
        assert note["Back"] in second.question() and note["Front"] not in second.question()
        assert note["Front"] in second.answer() and note["Back"] in second.answer()
        assert note["Source"] in second.answer()
        assert collection.decks.name(second.did) == "ML"
    sums = next(n for n in notes if _text(n["Front"]) == "Sum Rule")
    second = collection.get_card(sums.card_ids()[1])
    assert "Probability" in second.question(), "Card 2 shows the sections too"
    assert "\\(p(X) = \\sum_Y p(X, Y)\\)" in second.question()
    assert collection.get_empty_cards().notes == []


def test_a_note_with_an_empty_back_has_no_card_2_for_genanki_and_for_anki(
    tmp_path: Path, collection: Collection
) -> None:
    # Parsers skip empty answers; a note can still be written with one (the package writer's rule).
    writer = package.DeckWriter(tmp_path, "D", NOTE_CSS, RELEASE_EPOCH)
    fields = package.NoteFields(
        "empty-back", "Only a front", "", "Some section", "a.md:1", note_type=REVERSED
    )
    assert package.card_ords(REVERSED.model(NOTE_CSS), fields.values()) == [0]
    writer.add(fields)
    writer.finish(tmp_path / "D.apkg", RELEASE_EPOCH)
    import_apkg(collection, tmp_path / "D.apkg")
    (note,) = _notes(collection)
    assert [collection.get_card(c).ord for c in note.card_ids()] == [0]
    collection.after_note_updates([note.id], mark_modified=False, generate_cards=True)
    assert len(note.card_ids()) == 1, "Anki makes no Card 2 either, though Context is filled"
    assert collection.get_empty_cards().notes == []
    note["Back"] = "now an answer"
    collection.update_note(note)
    assert [collection.get_card(c).ord for c in note.card_ids()] == [0, 1]


def test_reverse_comes_from_front_matter_else_the_deck_else_the_top_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "ankigen.toml").write_text(
        'reverse = true\n[[deck]]\nname = "A"\nsources = ["a/*"]\n'
        '[[deck]]\nname = "B"\nsources = ["b/*"]\nreverse = false\n',
        "utf-8",
    )
    (tmp_path / "a" / "plain.txt").write_text(QA, "utf-8")
    (tmp_path / "a" / "off.txt").write_text(
        "---\nreverse: false\n---\n" + QA.replace("tensor", "scalar"), "utf-8"
    )
    (tmp_path / "b" / "plain.txt").write_text(QA.replace("tensor", "vector"), "utf-8")
    (tmp_path / "b" / "on.txt").write_text(
        "---\nreverse: true\n---\n" + QA.replace("tensor", "matrix"), "utf-8"
    )
    (tmp_path / "b" / "bad.txt").write_text(
        "---\nreverse: sometimes\n---\n" + QA.replace("tensor", "rank"), "utf-8"
    )
    collected = collect([], load_config(tmp_path / "ankigen.toml"))
    kinds = {b.card.front: b.note_type.name for deck in collected.decks for b in deck.cards}
    assert kinds == {
        "What is a tensor?": REVERSED.name,  # the top level
        "What is a scalar?": BASIC.name,  # front matter over the top level
        "What is a vector?": BASIC.name,  # the deck over the top level
        "What is a matrix?": REVERSED.name,  # front matter over the deck
        "What is a rank?": BASIC.name,  # a wrong value is ignored (the deck's)
    }
    messages = [d.format() for d in collected.all_diagnostics()]
    assert any(
        m.startswith("b/bad.txt:2: warning: front matter `reverse` must be true or false, not 'sometimes'")
        for m in messages
    ), messages
    (tmp_path / "ankigen.toml").write_text('reverse = "yes"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"`reverse` must be true or false, not str"):
        load_config(tmp_path / "ankigen.toml")


def test_reversed_notes_keep_their_guid_across_rebuilds_and_differ_from_basic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def guids(reverse: bool) -> dict[str, str]:
        _config(project, "reverse = true" if reverse else "")
        collected = collect([], load_config(project / "ankigen.toml"))
        return {b.card.front: b.guid for deck in collected.decks for b in deck.cards}

    project = _project(tmp_path / "p")
    basic, reversed_ = guids(False), guids(True)
    assert reversed_ == guids(True) and basic == guids(False)
    assert not set(basic.values()) & set(reversed_.values())


class Switches:
    """One learner's collection through builds that switch the deck between Basic and reversed."""

    def __init__(self, col: Collection, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.col, self.project, self.monkeypatch = col, project, monkeypatch
        self.epoch = int(time.time()) - 100_000  # the learner's reviews come after every build

    def step(self, reverse: bool) -> tuple[Result, Any]:
        """Build with ``reverse`` on or off and import the deck; the build's output and Anki's log."""
        _config(self.project, "reverse = true" if reverse else "")
        self.epoch += 100
        result = _build(self.project, self.epoch, self.monkeypatch)
        log = import_apkg(self.col, self.project / "output" / "ML.apkg")
        assert not log.conflicting, "a note Anki refused: same GUID, other note type"  # type: ignore[attr-defined]
        return result, log

    def by_type(self, note_type: str) -> dict[str, Note]:
        """The collection's notes of ``note_type`` by question."""
        notes = _notes(self.col, f'"note:{note_type}"')
        assert len({n["Front"] for n in notes}) == len(notes), "a duplicate note"
        return {_text(n["Front"]): n for n in notes}


def _switch_warnings(result: Result) -> list[str]:
    return re.findall(r"^(\S+: warning: \d+ notes? of deck 'ML' changed note type.*)$", result.stderr, re.M)


def test_switching_a_deck_between_basic_and_reversed(
    tmp_path: Path, collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "p")
    switch = Switches(collection, project, monkeypatch)
    fronts = {"Sum Rule", "Product Rule", "Bayes Theorem", "What is a tensor?"}

    # Basic, learnt: one card a note, one review each.
    result, log = switch.step(reverse=False)
    assert len(log.new) == 4 and not _switch_warnings(result)
    basic = switch.by_type(BASIC.name)
    assert set(basic) == fronts
    _learn(collection, list(basic.values()))
    basic_cards = {front: note.card_ids() for front, note in basic.items()}

    # Reversed: Anki cannot change the notes' note type, so they come as new notes (new GUIDs), two
    # new cards each without history; the Basic notes are carried, tagged, with their history.
    result, log = switch.step(reverse=True)
    warnings = _switch_warnings(result)
    assert [w.split(":")[0] for w in warnings] == ["notes/qa.txt", "notes/terms.md"]
    assert warnings[1].startswith(
        "notes/terms.md:5: warning: 3 notes of deck 'ML' changed note type, from 'ankigen Basic' to "
        "'ankigen Basic (and reversed)': Anki cannot change an imported note's note type"
    )
    assert "carried tagged ankigen::removed" in warnings[1] and "[note-type-changed]" in warnings[1]
    assert (len(log.new), len(log.updated)) == (4, 4)
    reversed_ = switch.by_type(REVERSED.name)
    assert set(reversed_) == fronts and len(_notes(collection)) == 8
    for front, note in reversed_.items():
        assert len(note.card_ids()) == 2 and all(_reviews(collection, c) == 0 for c in note.card_ids())
        assert REMOVED_TAG not in note.tags
        old = collection.get_note(basic[front].id)
        assert old.guid == basic[front].guid != note.guid
        assert REMOVED_TAG in old.tags and old["Back"].startswith("Removed from the notes")
        assert old.card_ids() == basic_cards[front] and _reviews(collection, old.card_ids()[0]) == 1
    _learn(collection, list(reversed_.values()))

    # Basic again: the Basic notes come back (same notes, cards and history, untagged); the reversed
    # ones are carried in turn, with theirs. No note is added.
    result, log = switch.step(reverse=False)
    assert len(_switch_warnings(result)) == 2
    assert "from 'ankigen Basic (and reversed)' to 'ankigen Basic'" in _switch_warnings(result)[1]
    assert (len(log.new), len(log.updated)) == (0, 8)
    assert len(_notes(collection)) == 8
    for front, note in switch.by_type(BASIC.name).items():
        assert note.id == basic[front].id and note.card_ids() == basic_cards[front]
        assert REMOVED_TAG not in note.tags and note["Back"] == basic[front]["Back"]
        assert _reviews(collection, note.card_ids()[0]) == 1
    for front, note in switch.by_type(REVERSED.name).items():
        assert note.id == reversed_[front].id and REMOVED_TAG in note.tags
        assert [_reviews(collection, c) for c in note.card_ids()] == [1, 1]

    # Unchanged: nothing to say, nothing to import.
    result, log = switch.step(reverse=False)
    assert not _switch_warnings(result) and not log.new and not log.updated

    # Reversed again: the reversed notes come back with their history; still eight notes.
    result, log = switch.step(reverse=True)
    assert len(_switch_warnings(result)) == 2
    assert (len(log.new), len(log.updated)) == (0, 8)
    for front, note in switch.by_type(REVERSED.name).items():
        assert note.id == reversed_[front].id and REMOVED_TAG not in note.tags
        assert [_reviews(collection, c) for c in note.card_ids()] == [1, 1]
    assert len(_notes(collection)) == 8 and len(_notes(collection, f"tag:{REMOVED_TAG}")) == 4


def _collected(root: Path) -> Collected:
    return collect([], load_config(root / "ankigen.toml"))


def test_the_preview_shows_both_cards_of_a_reversed_note(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", "reverse = true")
    (project / "notes" / "qa.txt").write_text(QA + "Q: Broken \\(x\nA: Unclosed math.\n", "utf-8")
    data = page_data(_collected(project), Links(lambda source: source, {}))
    cards = [e for e in data["entries"] if "f" in e]
    assert len(cards) == 10 and [e["c"] for e in cards[:2]] == ["Card 1", "Card 2"]
    first, second = (e for e in cards if e["l"] == 1 and e["s"].endswith("qa.txt"))
    assert "What is a tensor?" in first["f"] and "multi-dimensional" not in first["f"]
    assert "multi-dimensional" in second["f"] and "What is a tensor?" not in second["f"]
    assert "What is a tensor?" in second["b"] and "{{FrontSide}}" in second["b"]
    broken = [e for e in cards if e["l"] == 3]
    assert [[p[1] for p in e["p"]] for e in broken] == [["tex-unclosed"], []], "problems go on the first card"


def test_fill_template_fills_nested_sections() -> None:
    template = "{{#Back}}{{#Context}}<i>{{Context}}</i>{{/Context}}<b>{{Back}}</b>{{/Back}}"
    assert fill_template(template, {"Back": "b", "Context": "c"}) == "<i>c</i><b>b</b>"
    assert fill_template(template, {"Back": "b", "Context": ""}) == "<b>b</b>"
    assert fill_template(template, {"Back": "", "Context": "c"}) == ""


def test_a_reversed_cards_back_in_the_browser(tmp_path: Path, browser: Any) -> None:
    project = _project(tmp_path / "p", "reverse = true")
    page_path = write_preview(_collected(project), tmp_path / "preview.html")
    page = browser.new_page(viewport={"width": 900, "height": 1300})
    try:
        page.goto(page_path.as_uri())
        page.wait_for_function("() => window.ankigenPreview")
        page.evaluate("() => ankigenPreview.settle()")
        assert page.inner_text("#pv-count") == "8 of 8 cards"
        second = page.locator(".pv-card", has_text="Card 2").filter(has_text="Sum Rule").first
        assert second.locator(".pv-kind").inner_text().lower() == "card 2"
        back = second.locator(".pv-back #qa")
        assert back.locator(".back mjx-container").count() == 1, "the answer's math is typeset"
        assert back.locator("#answer").count() == 1
        assert back.locator(".front").inner_text() == "Sum Rule"
        assert back.locator("mjx-merror").count() == 0 and "\\(" not in back.inner_text()
        front = second.locator(".pv-front #qa")
        assert "Sum Rule" not in front.inner_text() and front.locator("mjx-container").count() == 1
    finally:
        page.close()


def test_the_warning_names_only_the_notes_that_switched_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "p")
    (project / "notes" / "again.txt").write_text(QA, "utf-8")  # the same question in another file
    first = _build(project, RELEASE_EPOCH + 1, monkeypatch)
    assert "duplicate-question" in first.stderr and not _switch_warnings(first)
    (project / "notes" / "again.txt").write_text("---\nreverse: true\n---\n" + QA, "utf-8")
    switched = _build(project, RELEASE_EPOCH + 2, monkeypatch)
    assert [w.split(": warning")[0] for w in _switch_warnings(switched)] == ["notes/again.txt:4"]
    assert "1 note of deck 'ML' changed note type" in switched.stderr
    again = _build(project, RELEASE_EPOCH + 3, monkeypatch)
    assert not _switch_warnings(again), "the warning comes with the build that switches only"
    _config(project, 'removed_notes = "drop"')
    (project / "notes" / "again.txt").write_text(QA, "utf-8")
    back = _build(project, RELEASE_EPOCH + 4, monkeypatch)
    (warning,) = _switch_warnings(back)
    assert 'left in your collection as they are (removed_notes = "drop")' in warning
