"""Hostile and unlucky notes (issue 16): no script or remote load in any deck, no deck or card lost,
no traceback, no hang. The HTML checks read what Anki's own renderer returns for each card."""

from __future__ import annotations

import json
import os
import random
import re
import sys
import tracemalloc
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from anki.collection import Collection
from conftest import import_apkg, least_cpu, run
from hypothesis import given, settings
from hypothesis import strategies as st

from ankigen import rules
from ankigen.model import Card
from ankigen.render import Renderer
from ankigen.render.math import MathStash, protect_markdown
from ankigen.render.sanitise import ATTRIBUTES, TAGS, URL_SCHEMES

LOADS = re.compile(r"url\s*\(|image-set|expression\s*\(|@import|@font-face", re.IGNORECASE)
ACTIVE_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "frame",
    "applet",
    "base",
    "meta",
    "link",
    "style",
    "svg",
}


class _Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer reads them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(html: str) -> None:
    """No element that runs or loads, no handler, no script URL and no CSS that loads anything."""
    for tag, attrs in _Tags(html).tags:
        assert tag not in ACTIVE_TAGS, (tag, html)
        for name, value in attrs:
            value = re.sub(r"[\x00-\x20]", "", value or "").lower()
            assert not name.startswith("on"), (tag, name, html)
            assert not value.startswith(("javascript:", "vbscript:", "data:")), (tag, name, html)
            assert not (name == "style" and LOADS.search(value)), (tag, value, html)


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
        assert not LOADS.search(output.css)  # the note type's own CSS loads nothing either
        shown.append((output.question_text, output.answer_text))
    return shown


def notes_folder(tmp_path: Path) -> Path:
    """An empty folder of notes."""
    notes = tmp_path / "notes"
    notes.mkdir()
    return notes


def render_back(text: str, source: str = "notes.md") -> tuple[str, list[str]]:
    card = Card("q", text, 1, back_line=2, source=source)
    rendered = Renderer().render(card, Path("."))
    return rendered.back_html, [d.rule for d in rendered.diagnostics]


def test_a_file_name_cannot_put_a_handler_on_the_cards(tmp_path: Path, collection: Collection) -> None:
    notes = notes_folder(tmp_path)
    (notes / "x<img src=y onerror=alert(1)>.txt").write_text("Q: one?\nA: two\n", encoding="utf-8")
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) == 1
    question, answer = cards[0]
    assert_inert(question + answer)
    assert "x&lt;img src=y onerror=alert(1)&gt;.txt:1" in answer


def test_a_section_title_cannot_put_a_handler_on_the_cards(tmp_path: Path, collection: Collection) -> None:
    notes = notes_folder(tmp_path)
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
    notes = notes_folder(tmp_path)
    (notes / "a.md").write_text(
        "# Deck\n\n## Pixel?\n\n"
        '<span style="background:url(https://t.example/p.gif); color: red">seen</span>\n\n'
        "## Disguised?\n\n"
        '<p style="background-image: u\\72l(https://t.example/q); font-weight: bold">x</p>\n\n'
        "## Set?\n\n<b style=\"background: image-set('https://t.example/r' 1x)\">y</b>\n",
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
    notes = notes_folder(tmp_path)
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
    notes = notes_folder(tmp_path)
    title = "Ünïcode " * 40
    (notes / "a.md").write_text(f"# {title}\n\n## Why?\n\nBecause.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", str(notes), "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    (deck,) = out.glob("*.apkg")
    assert deck.name.startswith("Ünïcode-Ünïcode-") and len(deck.name.encode()) <= 130


def test_overlapping_sources_give_each_card_once(tmp_path: Path, collection: Collection) -> None:
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "a.txt").write_text("Q: one?\nA: two\n", encoding="utf-8")
    result = run(
        "build", str(notes), str(notes / "a.txt"), str(notes / "." / "a.txt"), "-o", str(tmp_path / "o")
    )
    assert result.exit_code == 0, result.output
    assert "— 1 card (" in result.output
    (deck,) = (tmp_path / "o").glob("*.apkg")
    import_apkg(collection, deck)
    assert len(collection.find_notes("")) == 1


def test_a_stray_latin1_byte_decodes_only_its_line_and_warns_there(tmp_path: Path) -> None:
    notes = tmp_path / "n"
    notes.mkdir()
    good = "Q: Größe?\nA: Maß\n".encode()
    (notes / "a.txt").write_bytes(good + b"Q: caf\xe9?\nA: cr\xe8me\n")
    listed = run("list", str(notes), "--json", "--no-cache")
    cards = json.loads(listed.stdout)
    assert [c["front"] for c in cards] == ["Größe?", "café?"]
    assert cards[1]["back"] == "crème"
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "a.txt").write_bytes(good)  # the same cards without the stray bytes: same GUIDs
    clean = json.loads(run("list", str(tmp_path / "clean"), "--json", "--no-cache").stdout)
    assert clean[0]["guid"] == cards[0]["guid"]
    checked = run("check", str(notes / "a.txt"), "--no-cache")
    assert "a.txt:3: warning: line is not valid UTF-8" in checked.output
    assert "a.txt:4: warning: line is not valid UTF-8" in checked.output
    assert "a.txt:1:" not in checked.output


def test_an_inline_data_image_is_removed_with_a_warning(tmp_path: Path) -> None:
    html, found = render_back("A chart:\n\n![chart](data:image/png;base64,iVBORw0KGgo=)")
    assert found == [rules.DATA_IMAGE.id]
    assert "data:" not in html and 'alt="chart"' in html


def test_control_characters_go_and_anki_imports_the_deck(tmp_path: Path, collection: Collection) -> None:
    """Removed with a warning at their line."""
    notes = notes_folder(tmp_path)
    (notes / "a.txt").write_text(
        "Q: unit\x1fseparator?\nA: bell\x07 and \x0bvertical tab\nQ: fine?\nA: yes\n"
    )
    (notes / "b\x1fc.txt").write_text("Q: from a file name?\nA: yes\n")
    checked = run("check", str(notes / "a.txt"), "--no-cache")
    assert "a.txt:1: warning: removed control characters U+001F [control-character]" in checked.output
    assert "a.txt:2: warning: removed control characters U+0007, U+000B [control-character]" in checked.output
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) == 3
    answers = "\n".join(answer for _, answer in cards)
    assert "unitseparator?" in answers and "bell and vertical tab" in answers
    assert not re.search("[\x00-\x08\x0b-\x1f]", answers)


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def test_the_cache_notices_an_image_that_appears_or_a_link_that_now_points_elsewhere(tmp_path: Path) -> None:
    notes = notes_folder(tmp_path)
    source = notes / "a.md"
    source.write_text("# Deck\n\n## Chart?\n\n![c](c.png)\n\n## Link?\n\n![l](l.png)\n", encoding="utf-8")
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG + b"outside")
    (notes / "l.png").symlink_to(outside)
    first = run("check", str(notes))
    assert "image 'c.png' not found" in first.output and "outside the source tree" in first.output
    # the link now points inside the tree, the file unchanged: its cached outcome no longer holds
    (notes / "l.png").unlink()
    (notes / "inside.png").write_bytes(PNG + b"inside")
    (notes / "l.png").symlink_to(notes / "inside.png")
    second = run("check", str(notes))
    assert "outside" not in second.output and "image 'c.png' not found" in second.output, second.output
    # the image appears and another card is added: the unchanged card's earlier HTML is not reused
    (notes / "c.png").write_bytes(PNG)
    source.write_text(source.read_text("utf-8") + "\n## New?\n\nYes.\n", encoding="utf-8")
    third = run("check", str(notes))
    assert "not found" not in third.output and "outside" not in third.output, third.output


def steps(text: str) -> int:
    """How many Python lines rendering ``text`` as an answer runs: work, counted without a timer."""
    renderer = Renderer()
    card = Card("q", text, 1, back_line=2, source="notes.md")
    count = 0

    def trace(frame: object, event: str, arg: object) -> object:
        nonlocal count
        count += 1
        return trace

    sys.settrace(trace)
    try:
        renderer.render(card, Path("."))
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("unit", ["[", "[a ", "[a](", "<b ", "![x]("])
def test_markdown_slow_paths_are_bounded_linear(unit: str) -> None:
    """Twice the openers that never close cost at most three times the work (it was four)."""
    small, large = steps(unit * 1000), steps(unit * 2000)
    assert large <= 3 * small, (small, large)
    html, found = render_back(unit * 2000)
    assert found == [rules.FIELD_TOO_COMPLEX.id] and html.startswith(html_escape(unit))


def test_a_long_single_line_answer_is_held_in_bounded_memory() -> None:
    text = "word " * 400_000  # 2 MB
    tracemalloc.start()
    try:
        html, found = render_back(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == [rules.FIELD_TOO_COMPLEX.id] and html.startswith("word word")
    assert peak < 12 * len(text), peak


def test_a_list_nested_400_deep_is_plain_text_with_a_warning(tmp_path: Path) -> None:
    notes = tmp_path / "n"
    notes.mkdir()
    deep = "".join("  " * i + f"- level {i}\n" for i in range(400))
    (notes / "a.md").write_text(
        f"# D\n\n## Deep?\n\n{deep}\n## Fine?\n\n- yes\n  - nested\n", encoding="utf-8"
    )
    result = run("check", str(notes), "--no-cache")
    assert result.exit_code == 0, result.output
    assert "a.md:5: warning: shown as plain text: it is indented or quoted more than" in result.output
    listed = json.loads(run("list", str(notes), "--json", "--no-cache").stdout)
    assert "level 399" in listed[0]["back_html"] and "<ul>" in listed[1]["back_html"]


def test_a_pyproject_that_is_not_utf8_is_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("Q: one?\nA: two\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "caf\xe9"\n')
    assert run("build", "notes", "-o", "out").exit_code == 0
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.ankigen]\noutput = "caf\xe9"\n')
    result = run("build", "notes", "-o", "out")
    assert result.exit_code == 1 and "pyproject.toml:1: error: cannot read config" in result.output


def test_a_file_name_that_is_not_utf8_still_gives_its_cards(tmp_path: Path, collection: Collection) -> None:
    notes = notes_folder(tmp_path)
    (notes / os.fsdecode(b"caf\xe9.txt")).write_text("Q: one?\nA: two\n", encoding="utf-8")
    (notes / "b.txt").write_text("Q: three?\nA: four\n", encoding="utf-8")
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) == 2
    assert any("caf\ufffd.txt:1" in answer for _, answer in cards)


def test_text_that_looks_like_a_placeholder_stays_as_written() -> None:
    html, _ = render_back("MJXq0qX and MJXq1qX next to $x$ and `code`")
    assert html.startswith("<p>MJXq0qX and MJXq1qX next to \\(x\\)")


def test_image_paths_no_file_can_have_are_missing_images(tmp_path: Path) -> None:
    notes = notes_folder(tmp_path)
    long_name = "y" * 300
    (notes / "loop.png").symlink_to("loop.png")
    (notes / "a.md").write_text(
        f"# D\n\n## Nul?\n\n![x](a%00b.png)\n\n## Long?\n\n![y]({long_name}.png)\n\n"
        "## Loop?\n\n![z](loop.png)\n",
        encoding="utf-8",
    )
    result = run("check", str(notes), "--no-cache")
    assert result.exit_code == 0, result.output
    assert result.output.count("[missing-image]") == 3
    assert run("build", str(notes), "-o", str(tmp_path / "out")).exit_code == 0


def test_a_note_dated_after_2107_still_gives_a_deck(tmp_path: Path, collection: Collection) -> None:
    notes = notes_folder(tmp_path)
    source = notes / "a.txt"
    source.write_text("Q: one?\nA: two\n", encoding="utf-8")
    os.utime(source, (4_500_000_000, 4_500_000_000))  # in 2112
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) == 1


def test_a_home_relative_output_folder_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    project = tmp_path / "project"
    (project / "notes").mkdir(parents=True)
    (project / "notes" / "a.txt").write_text("Q: one?\nA: two\n", encoding="utf-8")
    (project / "ankigen.toml").write_text('output = "~/decks"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    result = run("build", "notes")
    assert result.exit_code == 0, result.output
    assert not (project / "~").exists()
    assert [p.name for p in (home / "decks").glob("*.apkg")] == ["a.apkg"]
    assert "home/decks/a.apkg: a — 1 card (" in result.output  # says where the decks went
    assert run("build", "notes", "-o", "~/other").exit_code == 0
    assert (home / "other" / "a.apkg").is_file() and not (project / "~").exists()


SMUGGLED = [
    '<img src="missing.png" alt="$x" onerror="alert(document.domain)$">',
    '<img src="missing.png" alt="\\(x" onerror="alert(document.domain)\\)">',
    '<img src="missing.png" alt="<math>x&quot;" onerror="alert(document.domain)</math>">',
    '<img src="missing.png" alt="\\[x" onmouseover="alert(document.domain)\\]">',
    '<a href="https://example.org" title="$$x" onclick="alert(1)$$">link</a>',
]


def test_math_inside_an_attribute_cannot_smuggle_a_handler(tmp_path: Path, collection: Collection) -> None:
    notes = notes_folder(tmp_path)
    body = "".join(f"## Smuggle {i}?\n\n{html}\n\n" for i, html in enumerate(SMUGGLED))
    (notes / "a.md").write_text(f"# Deck\n\n{body}", encoding="utf-8")
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) == len(SMUGGLED)
    for question, answer in cards:
        assert_inert(question + answer)
        assert "alert(" in answer  # still there, as the text of an attribute
    checked = run("check", str(notes), "--no-cache")
    assert checked.output.count("[unsafe-html]") == len(SMUGGLED), checked.output


def test_mathjax_commands_that_link_or_load_are_shown_as_text(tmp_path: Path, collection: Collection) -> None:
    notes = notes_folder(tmp_path)
    (notes / "a.md").write_text(
        "# Deck\n\n## Link?\n\n$\\href{javascript:alert(1)}{x}$\n\n"
        "## Pixel?\n\n\\(\\style{background:url(https://t.example/p)}{y}\\)\n\n"
        "## Class?\n\n$$\\class{x}{\\cssId{y}{z}} + \\require{physics}$$\n\n"
        "## Fine?\n\n$\\hrefx + \\text{style}$\n",
        encoding="utf-8",
    )
    cards = anki_cards(collection, notes, tmp_path / "out")
    answers = "\n".join(answer for _, answer in cards)
    assert not re.search(r"\\(href|style|class|cssId|require)\{", answers), answers
    assert "\\backslash\\text{href}{javascript:alert(1)}{x}" in answers
    assert "\\(\\hrefx + \\text{style}\\)" in answers
    checked = run("check", str(notes), "--no-cache")
    assert checked.output.count("[unsafe-html]") == 5, checked.output


def test_unclosed_math_costs_linear_time() -> None:
    """Twice as many unclosed openers cost at most three times as much (it was four: 8,000 unclosed
    ``\\(`` took 12 s)."""
    unit = "\\( \\[ \\\\( <math>x $$ a "

    def cpu(text: str) -> float:
        return least_cpu(lambda: protect_markdown(text, MathStash()))

    small, large = cpu(unit * 10_000), cpu(unit * 20_000)
    assert large <= 3 * small, (small, large)


HOSTILE = [
    '<img src="missing.png" alt="',
    '" onerror="alert(1)',
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">a</a>',
    '<a href="&#106;avascript:alert(1)">b</a>',
    "[c](javascript:alert(1))",
    "![p](https://t.example/p.png)",
    "![d](data:image/png;base64,iVBORw0KGgo=)",
    "<svg onload=alert(1)>",
    "<script>alert(1)</script>",
    "<iframe src=//t.example></iframe>",
    "<style>@import url(https://t.example/s.css)</style>",
    '<p style="color:red;background:url(https://t.example/q)">',
    '<span style="background-image: u\\72l(//t.example/r)">s</span>',
    '<div markdown="1">',
    "</div>",
    "<details><summary>s</summary>",
    "$",
    "$$",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "<math>",
    "</math>",
    "\\href{javascript:alert(1)}{x}",
    "\\style{background:url(https://t.example/m)}{y}",
    "x_1",
    "**",
    "`",
    "```",
    '"',
    "'",
    "<",
    ">",
    "&quot;",
    "MJXq0qX",
    "\n",
    "\n\n",
    "- ",
    "1. ",
    "> ",
    "    ",
    "| a | b |\n|---|---|\n",
    "\t",
    " ",
    "word",
]
hostile_text = st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=25).map("".join)
ACTIVE_MATH = re.compile(r"\\(?:href|style|class|cssId|data|require)(?![a-zA-Z])")
MATH_SPAN = re.compile(r"\\[(\[](?:[^<]|<br>)*?\\[)\]]")
"""What MathJax reads as one piece of TeX: any tag but ``<br>`` ends its text."""
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.DOTALL)


def assert_sanitised(html: str) -> None:
    """The sanitiser's guarantees on a field's final HTML: allowed tags and attributes only, nothing
    that runs or loads, and no MathJax command that links or loads inside math."""
    assert_inert(html)
    for tag, attrs in _Tags(html).tags:
        assert tag in TAGS, (tag, html)
        allowed = (
            ATTRIBUTES["*"] | ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        )  # nh3's rel
        for name, value in attrs:
            assert name in allowed, (tag, name, html)
            if name in ("href", "src"):
                scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", value or "")
                assert scheme is None or scheme.group(1).lower() in URL_SCHEMES, (value, html)
    for m in MATH_SPAN.finditer(CODE.sub("", html)):
        assert not ACTIVE_MATH.search(m.group(0)), (m.group(0), html)


@settings(max_examples=300, deadline=None)
@given(hostile_text, hostile_text, st.sampled_from(["markdown", "plain"]))
def test_the_renderer_keeps_the_sanitisers_guarantees(front: str, back: str, markup: str) -> None:
    card = Card(front, back, 1, back_line=2, source="notes.md", context=(front,), markup=markup)
    rendered = RENDERER.render(card, Path("."))
    for html in (rendered.front_html, rendered.back_html, rendered.context_html):
        assert_sanitised(html)


RENDERER = Renderer()


def test_no_deck_built_from_hostile_notes_runs_or_loads_anything(
    tmp_path: Path, collection: Collection
) -> None:
    """A generated corpus of hostile notes in every format, hostile in every field (file names for
    Source, headings for Context), built and imported: Anki's rendering of every card is inert."""
    rng = random.Random(16)

    def text() -> str:
        return "".join(rng.choices(HOSTILE, k=rng.randint(1, 12))).replace("\n\n", "\n")

    def line() -> str:
        return text().replace("\n", " ")

    notes = notes_folder(tmp_path)
    names = ["x<img src=y onerror=alert(1)>", 'q" onmouseover="alert(1)', "&lt;script&gt;", "plain $x$"]
    for name in names:
        sections = "".join(f"## {line()} {i}?\n\n{text()}\n\n" for i in range(40))
        (notes / f"{name}.md").write_text(f"# {line()}\n\n## {line()}\n\n{sections}", encoding="utf-8")
        qa = "".join(f"Q: {line()} {i}?\nA: {line()}\n\n" for i in range(40))
        (notes / f"{name}.txt").write_text(qa, encoding="utf-8")
        numbered = "".join(f"---\n{i + 1}. {line()} {i}?\n---\n{text()}\n\n" for i in range(40))
        (notes / f"{name} numbered.md").write_text(numbered, encoding="utf-8")
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) > 300, len(cards)
    for question, answer in cards:
        assert_inert(question + answer)
        for m in MATH_SPAN.finditer(CODE.sub("", answer)):
            assert not ACTIVE_MATH.search(m.group(0)), m.group(0)


def test_the_source_field_is_relative_to_the_notes_root_from_any_folder(
    tmp_path: Path, collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 7 (made so by the everyday-loop issue): never an absolute path in a shared deck."""
    notes = notes_folder(tmp_path)
    (notes / "sub").mkdir()
    (notes / "sub" / "a.txt").write_text("Q: one?\nA: two\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cards = anki_cards(collection, notes, tmp_path / "out")
    assert len(cards) == 1
    assert '<div class="source">sub/a.txt:1</div>' in cards[0][1]
    assert str(tmp_path) not in cards[0][1]
