"""Notes from Obsidian-style vaults: tags, front matter, embeds, links, highlights, callouts, task
lists, the warnings about syntax that gives no card content, folder decks and one .apkg.

The vault in ``tests/vault`` is built and imported into a real Anki collection; its images are
made here (so the repository holds no binary files).
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from anki.collection import Collection
from conftest import CORPUS, REPO, SEEDS, import_apkg, least_cpu, run

from ankigen import build, hashtags, pipeline, vault
from ankigen.config import Config, ConfigError, load_config
from ankigen.frontmatter import split_front_matter
from ankigen.model import Card
from ankigen.render import Renderer

VAULT = REPO / "tests" / "vault"


def _png(seed: int) -> bytes:
    """A valid 1x1 PNG whose colour (and so its bytes) depends on ``seed``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(b"\x00" + bytes([seed % 256, 40, 200]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


IMAGES = {
    "attachments/eigen.png": 1,
    "math/img/matrix.png": 2,
    "plot.png": 3,  # the shortest path of two plot.png: it wins
    "stats/probability/plot.png": 4,
    "attachments/diagram.png": 5,  # two diagram.png at the same depth: ambiguous
    "stats/diagram.png": 6,
}


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the vault, with its images, as the working directory."""
    root = tmp_path / "vault"
    shutil.copytree(VAULT, root)
    for name, seed in IMAGES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(_png(seed))
    monkeypatch.chdir(root)
    return root


def _media_name(root: Path, name: str) -> str:
    return hashlib.sha1((root / name).read_bytes()).hexdigest() + ".png"


def _cards(root: Path, config: Config | None = None) -> dict[str, build.BuiltCard]:
    collected = build.collect([root], config or Config())
    return {built.card.front: built for deck in collected.decks for built in deck.cards}


# Front matter ---------------------------------------------------------------------------------


def test_front_matter_is_read_and_blanked_keeping_line_numbers() -> None:
    text = "---\ntags: [a, 'b/c']\ndeck: D\nformat: qa\n---\nQ: one?\nA: two\n"
    split = split_front_matter(text, "n.md")
    assert split.text == "\n\n\n\n\nQ: one?\nA: two\n"
    assert split.front_matter.tags == ("a", "b::c")
    assert (split.front_matter.deck, split.front_matter.format) == ("D", "qa")
    assert split.diagnostics == []


def test_front_matter_problems_are_warnings_at_their_line() -> None:
    text = "---\ntitle: x\ndecks: D\ntags: [ok, 'two words']\nformat: word\n---\nQ: q?\nA: a\n"
    found = {(d.line, d.rule, d.message.split(";")[0]) for d in split_front_matter(text, "n.md").diagnostics}
    assert found == {
        (3, "front-matter", "front matter key `decks` is not one ankigen reads"),
        (4, "front-matter", "tag 'two words' holds a space"),
        (5, "front-matter", "front matter `format` must be one of qa, markdown, questionnaire, not 'word'"),
    }
    broken = split_front_matter("---\ntags: [a\nb: c\n---\nQ: q?\n", "n.md")
    assert [(d.rule, d.line) for d in broken.diagnostics] == [("front-matter", 3)]
    assert broken.text.startswith("\n\n\n\nQ: q?")  # never shown on a card


def test_a_questionnaire_opening_with_a_rule_is_not_front_matter() -> None:
    text = "---\n1. What is x: a letter?\n---\nx\n"
    assert split_front_matter(text, "n.md").text == text


# Tags from the text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "back", "tags", "left_front", "left_back"),
    [
        ("What is x? #a #b/c", "y", ("a", "b::c"), "What is x?", "y"),
        ("What is C#?", "y\n#lang", ("lang",), "What is C#?", "y"),
        ("Issue #1 is what?", "see #2", (), "Issue #1 is what?", "see #2"),
        ("What is `x #y`", "a url http://e.com/#frag", (), "What is `x #y`", "a url http://e.com/#frag"),
        ("What is $a #b$", "```\n#comment\n```", (), "What is $a #b$", "```\n#comment\n```"),
        ("#only", "y #mid text", (), "#only", "y #mid text"),
    ],
)
def test_tags_leave_the_text(
    front: str, back: str, tags: tuple[str, ...], left_front: str, left_back: str
) -> None:
    card, problems = hashtags.take_tags(Card(front, back, 1, back_line=2, source="n.md"))
    assert (card.tags, card.front, card.back, problems) == (tags, left_front, left_back, [])


def test_many_tags_on_a_line_take_linear_time() -> None:
    def cpu(copies: int) -> float:
        many = " #a" * copies
        fronts = (f"Q{many} end?", f"Q{many}", f"x {'#1 ' * copies}")
        cards = [Card(front, f"y\n{many.strip()}", 1, source="n.md") for front in fronts]
        return least_cpu(lambda: [hashtags.take_tags(card) for card in cards])

    small, large = cpu(50_000), cpu(100_000)
    assert large <= 3 * small, (small, large)  # the quadratic regex it replaces: 4x


def test_many_comments_links_and_math_spans_take_linear_time() -> None:
    def prepared(copies: int) -> tuple[str, str]:
        # Paragraphs of ten: Python-Markdown copies a text node once per inline match (quadratic
        # in one paragraph of thousands of code spans, its cost, not ours); the spans here are
        # found over the whole field, so comparing every match with every span still shows.
        text = "Q: many?\nA: " + (" $x$ %%c%% [[n]] `[[k]]`" * 10 + "\n\n") * (copies // 10)
        ready = vault.prepare(text, "n.md")
        return ready.text, Renderer().render(
            Card("Q?", ready.text[13:], 2, source="n.md"), Path(".")
        ).back_html

    text, html = prepared(20_000)
    assert "%%" not in text and text.count("$x$") == 20_000
    assert html.count("<code>[[k]]</code>") == 20_000 and "[[n]]" not in html
    small, large = least_cpu(lambda: prepared(5_000)), least_cpu(lambda: prepared(10_000))
    assert large <= 3 * small, (small, large)  # comparing every match with every span: 4x


def test_a_tag_line_starting_an_answer_moves_its_start_line() -> None:
    card, _ = hashtags.take_tags(Card("Q?", "#a\n\nanswer", 1, back_line=2, source="n.md"))
    assert (card.back, card.back_line, card.tags) == ("answer", 4, ("a",))


def test_a_tag_anki_cannot_hold_is_reported_not_raised() -> None:
    card, problems = hashtags.take_tags(Card("Q? #a//b", "y", 7, source="n.md"))
    assert card.tags == () and [(d.rule, d.line) for d in problems] == [("invalid-tag", 7)]


# Rendering -------------------------------------------------------------------------------------


def test_vault_cards_render_as_the_author_meant(notes: Path) -> None:
    cards = _cards(notes)
    eigen = cards["What is an eigenvector?"]
    back = eigen.html.back_html
    assert "<mark>its direction is kept</mark>" in back
    assert "the spectral theorem" in back and "Matrices › Rank" in back and "[[" not in back
    assert f'<img src="{_media_name(notes, "attachments/eigen.png")}" alt="eigen.png" width="300">' in back
    drawn = cards["How is a matrix drawn?"].html.back_html
    assert f'src="{_media_name(notes, "math/img/matrix.png")}"' in drawn
    assert f'src="{_media_name(notes, "plot.png")}" alt="plot.png" width="120" height="80"' in drawn
    assert '<div class="callout callout-tip">' in drawn
    assert '<div class="callout-title">Remember <strong>this</strong></div>' in drawn
    steps = cards["Which steps does an update take?"].html.back_html
    assert "☑ state the prior" in steps and "☐ compute the likelihood" in steps
    mean = cards["What is the mean of a Bernoulli variable?"].html.back_html
    assert '<details class="callout callout-warning">' in mean and "<summary" in mean
    assert "Other note" in mean and "![[" not in mean
    remark = cards["What does C# have to do with issue #1?"].card.back
    assert "private remark" not in remark and "#include" in remark


def test_diagnostics_name_file_and_line(notes: Path) -> None:
    collected = build.collect([notes], Config())
    found = {(Path(d.path).name, d.line, d.rule) for d in collected.all_diagnostics()}
    assert found == {
        ("Linear algebra.md", 5, "front-matter"),  # decks: looks like ankigen's deck
        ("Linear algebra.md", 25, "ambiguous-embed"),
        ("Distributions.md", 6, "block-reference"),
        ("Distributions.md", 18, "note-embed"),
        ("Distributions.md", 20, "dataview"),
        ("Distributions.md", 24, "logseq-property"),
    }


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("see [[src]](https://e.c)", '<p>see <a href="https://e.c" rel="noopener noreferrer">[src]</a></p>'),
        ("a [[Note]] b", "<p>a Note b</p>"),
        ("`[[Prototype]]`", "<p><code>[[Prototype]]</code></p>"),
        ("x ==mark== y and a == b", "<p>x <mark>mark</mark> y and a == b</p>"),
        ("- [ ] open\n- [x] done", "<ul>\n<li>☐ open</li>\n<li>☑ done</li>\n</ul>"),
    ],
)
def test_markdown_links_code_and_comparisons_are_left_alone(text: str, html: str) -> None:
    assert Renderer().render(Card("Q?", text, 1, source="n.md"), Path(".")).back_html == html


def test_an_embed_cannot_leave_the_tree(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(_png(9))
    notes = tmp_path / "notes"
    notes.mkdir()
    card = Card("Q?", "![[../secret.png]]", 1, source=str(notes / "n.md"))
    rendered = Renderer().render(card, notes)
    assert rendered.media == () and [d.rule for d in rendered.diagnostics] == ["media-outside-tree"]


def test_an_image_added_after_a_build_is_found_by_the_next(notes: Path) -> None:
    (notes / "extra.md").write_text("## Where is the new image?\n\n![[new.png]]\n", "utf-8")
    assert _cards(notes)["Where is the new image?"].html.media == ()
    (notes / "attachments" / "new.png").write_bytes(_png(7))
    assert [m.name for m in _cards(notes)["Where is the new image?"].html.media] == [
        _media_name(notes, "attachments/new.png")
    ]


def test_a_missing_embed_is_reported() -> None:
    card = Card("Q?", "![[nowhere.png]]", 1, back_line=2, source="n.md")
    rendered = Renderer().render(card, Path("."))
    assert [(d.rule, d.line) for d in rendered.diagnostics] == [("missing-image", 2)]


# Building and importing --------------------------------------------------------------------------


def test_vault_imports_into_anki_with_tags_decks_and_media(notes: Path, collection: Collection) -> None:
    (notes / "ankigen.toml").write_text("folder_decks = true\n", "utf-8")
    result = run("build", "-o", "out", str(notes))
    assert result.exit_code == 0, result.output
    built = sorted((notes / "out").glob("*.apkg"))
    assert [p.name for p in built] == [
        "Plain-notes.apkg",
        "Statistics--Bayes.apkg",
        "math--Linear-algebra.apkg",
        "stats--probability--Distributions.apkg",
    ]
    for path in built:
        import_apkg(collection, path)
    notes_by_front = {}
    for nid in collection.find_notes(""):
        note = collection.get_note(nid)
        notes_by_front[note["Front"]] = (collection.decks.name(note.cards()[0].did), sorted(note.tags), note)
    expected = {
        "<p>What is an eigenvector?</p>": (
            "math::Linear algebra",
            ["course::math", "exam", "linear-algebra", "math::eigen", "semester1"],
        ),
        "<p>How is a matrix drawn?</p>": (
            "math::Linear algebra",
            ["course::math", "linear-algebra", "semester1"],
        ),
        "<p>Which files share a name?</p>": (
            "math::Linear algebra",
            ["course::math", "linear-algebra", "math::drawing", "review", "semester1"],
        ),
        "<p>What is a prior?</p>": ("Statistics::Bayes", ["bayes", "definition", "stats"]),
        "<p>Which steps does an update take?</p>": ("Statistics::Bayes", ["stats"]),
        "<p>What does C# have to do with issue #1?</p>": ("stats::probability::Distributions", []),
        "<p>What is the mean of a Bernoulli variable?</p>": ("stats::probability::Distributions", []),
        "<p>What is a plain question?</p>": ("Plain notes", []),
    }
    assert {front: (deck, tags) for front, (deck, tags, _) in notes_by_front.items()} == expected
    media = Path(collection.media.dir())
    used = ["attachments/eigen.png", "math/img/matrix.png", "plot.png", "attachments/diagram.png"]
    assert sorted(p.name for p in media.iterdir()) == sorted(_media_name(notes, name) for name in used)
    for name in used:
        assert (media / _media_name(notes, name)).read_bytes() == (notes / name).read_bytes()
    prior = notes_by_front["<p>What is a prior?</p>"][2]
    assert prior["Back"] == "<p>The belief before seeing data.</p>"


def test_folder_decks_and_one_deck_per_file_by_default(notes: Path) -> None:
    result = run("build", "-o", "out", str(notes))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (notes / "out").iterdir())
    assert names == [
        "Distributions.apkg",
        "Linear-algebra.apkg",
        "Plain-notes.apkg",
        "Statistics--Bayes.apkg",
    ]
    (notes / "ankigen.toml").write_text("folder_decks = true\n", "utf-8")
    again = run("build", "-o", "out", str(notes))
    assert "folder_decks is on, and 2 deck file(s)" in again.stderr
    assert "Distributions.apkg, Linear-algebra.apkg" in again.stderr


def test_deck_comes_from_deck_option_then_config_then_front_matter_then_folders(notes: Path) -> None:
    config = notes / "ankigen.toml"
    config.write_text('folder_decks = true\n[[deck]]\nname = "Cfg"\nsources = ["math/*.md"]\n', "utf-8")
    cards = _cards(notes, load_config(config))
    assert cards["What is an eigenvector?"].card.deck == "Cfg"  # the config wins over front matter
    assert cards["What is a prior?"].card.deck == "Statistics::Bayes"  # front matter over folders
    assert cards["What is a plain question?"].card.deck == "Plain notes"  # the top folder: no parent
    built = run("build", "-o", "out", "--deck", "Given", str(notes))
    assert built.stdout.splitlines() == ["out/Given.apkg: Given — 8 cards (0 skipped, 6 warnings)"]


def test_single_apkg_holds_every_deck(notes: Path, collection: Collection) -> None:
    (notes / "ankigen.toml").write_text('folder_decks = true\nsingle_apkg = "vault.apkg"\n', "utf-8")
    result = run("build", "-o", "out", str(notes))
    assert result.exit_code == 0, result.output
    assert "out/vault.apkg: 4 decks — 8 cards" in result.stdout
    again = notes / "again.apkg"
    shutil.copy2(notes / "out" / "vault.apkg", again)
    assert run("build", "-o", "out", str(notes)).exit_code == 0
    assert (notes / "out" / "vault.apkg").read_bytes() == again.read_bytes()  # byte-identical rebuild
    import_apkg(collection, notes / "out" / "vault.apkg")
    names = {name for name in (d.name for d in collection.decks.all_names_and_ids()) if "::" in name}
    assert names >= {"math::Linear algebra", "Statistics::Bayes", "stats::probability::Distributions"}
    assert len(collection.find_notes("")) == 8
    assert len(collection.find_notes('"deck:stats::probability::Distributions"')) == 2
    assert len(list(Path(collection.media.dir()).iterdir())) == 4
    separate = sorted(p for p in (notes / "out").glob("*.apkg") if p.name != "vault.apkg")
    guids = {collection.get_note(n).guid for n in collection.find_notes("")}
    for path in separate:  # the same notes as the deck files: importing those changes nothing
        assert import_apkg(collection, path) is not None
    assert {collection.get_note(n).guid for n in collection.find_notes("")} == guids


def test_single_apkg_is_not_written_when_a_deck_is_not(notes: Path) -> None:
    (notes / "math" / "bad.md").write_text("## What is out?\n\n![x](../../../outside.png)\n", "utf-8")
    (notes / "ankigen.toml").write_text('single_apkg = "vault.apkg"\n', "utf-8")
    result = run("build", "-o", "out", str(notes))
    assert result.exit_code == 1
    assert not (notes / "out" / "vault.apkg").exists()
    assert "out/vault.apkg not written: not every deck was written" in result.stderr


@pytest.mark.parametrize("name", ["x.zip", "a/b.apkg", ".apkg"])
def test_single_apkg_must_be_a_file_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / "ankigen.toml"
    path.write_text(f'single_apkg = "{name}"\n', "utf-8")
    with pytest.raises(ConfigError, match="single_apkg"):
        load_config(path)


# GUIDs -----------------------------------------------------------------------------------------


def _without_vault_syntax(monkeypatch: pytest.MonkeyPatch) -> None:
    """ankigen as it was before notes could carry tags and decks: no front matter, no ``#tags``."""
    monkeypatch.setattr(vault, "prepare", lambda text, path: vault.Prepared(text))
    monkeypatch.setattr(hashtags, "take_tags", lambda card, more=(): (card, []))


def _guids(folders: list[Path]) -> dict[str, tuple[str, int]]:
    collected = build.collect(folders, Config())
    return {b.guid: (b.card.source, b.card.line) for deck in collected.decks for b in deck.cards}


def test_notes_without_tags_or_decks_keep_their_guids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a note with tags or front matter may change GUID: its question or deck changed."""
    corpus = [CORPUS / name for name in ("markdown", "qa", "questionnaire")] if CORPUS.is_dir() else []
    folders = [SEEDS, *corpus]
    after = _guids(folders)
    with monkeypatch.context() as patch:
        _without_vault_syntax(patch)
        before = _guids(folders)
    assert len(before) > 2000 or not CORPUS.is_dir()
    moved = {before[guid] for guid in set(before) - set(after)}
    for source, line in moved:
        text = Path(source).read_text("utf-8", errors="replace")
        asked = text.split("\n")[line - 1].removeprefix("Q:").strip()
        assert hashtags.split_title(asked)[1] or text.startswith("---\n"), (source, line)
    assert len(moved) <= 1


def test_cached_outcomes_keep_the_front_matter_deck(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_text("---\ndeck: Mine\n---\n## What is a prior?\n\nA belief.\n", "utf-8")
    job = pipeline.FileJob(str(tmp_path / "n.md"), (tmp_path / "n.md").read_text("utf-8"), tmp_path)
    outcome = pipeline.process_file(job)
    decoded = pipeline._decode(pipeline._encode(outcome))
    assert decoded is not None and decoded.deck == "Mine" == outcome.deck
    assert dataclasses.replace(decoded.cards[0], key="") == dataclasses.replace(outcome.cards[0], key="")
