"""Hostile and unlucky notes (issue 16): no script or remote load in any deck, no deck or card lost,
no traceback, no hang. The HTML checks read what Anki's own renderer returns for each card."""

from __future__ import annotations

import re
from pathlib import Path

from anki.collection import Collection
from conftest import import_apkg, run

from ankigen import rules
from ankigen.model import Card
from ankigen.render import Renderer

HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_URL = re.compile(r"<[^>]*(?:javascript|vbscript|data)\s*:", re.IGNORECASE)
REMOTE_CSS = re.compile(r"url\s*\(|image-set|@import|@font-face", re.IGNORECASE)


def anki_cards(collection: Collection, notes: Path, out: Path, *args: str) -> list[tuple[str, str]]:
    """Build ``notes`` into ``out``, import every deck into ``collection``: each card's question and
    answer HTML as Anki renders them."""
    result = run("build", str(notes), "-o", str(out), "--no-cache", *args)
    assert "Traceback" not in result.output, result.output
    for deck in sorted(out.glob("*.apkg")):
        import_apkg(collection, deck)
    shown = []
    for card_id in collection.find_cards(""):
        output = collection.get_card(card_id).render_output()
        assert_inert(output.css)  # the note type's own CSS loads nothing either
        shown.append((output.question_text, output.answer_text))
    return shown


def assert_inert(html: str) -> None:
    """No handler, no script URL and no CSS that loads anything in ``html``."""
    assert not HANDLER.search(html), html
    assert not SCRIPT_URL.search(html), html
    assert not REMOTE_CSS.search(html), html


def render_back(text: str, source: str = "notes.md") -> tuple[str, list[str]]:
    card = Card("q", text, 1, back_line=2, source=source)
    rendered = Renderer().render(card, Path("."))
    return rendered.back_html, [d.rule for d in rendered.diagnostics]


def test_a_file_name_cannot_put_a_handler_on_the_cards(tmp_path: Path, collection: Collection) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "x<img src=y onerror=alert(1)>.txt").write_text("Q: one?\nA: two\n", encoding="utf-8")
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) == 1
    question, answer = cards[0]
    assert_inert(question + answer)
    assert "x&lt;img src=y onerror=alert(1)&gt;.txt:1" in answer


def test_a_section_title_cannot_put_a_handler_on_the_cards(tmp_path: Path, collection: Collection) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(
        "# Deck\n\n## <img src=y onerror=alert(1)> & <b>bold</b>\n\n### Why?\n\nBecause.\n", encoding="utf-8"
    )
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert cards
    for question, answer in cards:
        assert_inert(question + answer)


def test_css_that_loads_remote_content_is_removed_with_a_warning(
    tmp_path: Path, collection: Collection
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(
        "# Deck\n\n## Pixel?\n\n"
        '<span style="background:url(https://t.example/p.gif); color: red">seen</span>\n\n'
        "## Disguised?\n\n"
        '<p style="background-image: u\\72l(https://t.example/q); font-weight: bold">x</p>\n\n'
        '## Set?\n\n<b style="background: image-set(\'https://t.example/r\' 1x)">y</b>\n',
        encoding="utf-8",
    )
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) == 3
    answers = "\n".join(answer for _, answer in cards)
    assert_inert(answers)
    assert "t.example" not in answers
    assert 'style="color:red"' in answers and 'style="font-weight:bold"' in answers
    html, found = render_back('<span style="background:url(https://t.example/p.gif)">x</span>')
    assert found == [rules.REMOTE_CONTENT.id] and "style" not in html


def test_decks_whose_names_reduce_to_one_file_name_both_get_written(
    tmp_path: Path, collection: Collection
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# C++\n\n## What is RAII?\n\nScope-bound resources.\n", encoding="utf-8")
    (notes / "b.md").write_text("# C#\n\n## What is LINQ?\n\nQueries in the language.\n", encoding="utf-8")
    (notes / "c.md").write_text("# c\n\n## Who wrote C?\n\nRitchie.\n", encoding="utf-8")
    (notes / "d.md").write_text("# Go\n\n## What is a goroutine?\n\nA light thread.\n", encoding="utf-8")
    out = tmp_path / "out"
    cards = anki_cards(collection, notes, out)
    names = sorted(p.name for p in out.glob("*.apkg"))
    assert len(names) == 4 and "Go.apkg" in names, names
    assert all(re.fullmatch(r"(C|c)-[0-9a-f]{6}\.apkg", n) for n in names if n != "Go.apkg"), names
    assert len({n.casefold() for n in names}) == 4
    assert len(cards) == 4
    assert {collection.decks.name(d.id) for d in collection.decks.all_names_and_ids()} >= {"C++", "C#", "c"}


def test_a_title_too_long_for_a_file_name_gives_a_shortened_one(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    title = "Ünïcode " * 40
    (notes / "a.md").write_text(f"# {title}\n\n## Why?\n\nBecause.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", str(notes), "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    (deck,) = out.glob("*.apkg")
    assert deck.name.startswith("Ünïcode-Ünïcode-") and len(deck.name.encode()) <= 130
