"""The preview page in headless Chromium: every card there (rendered as it comes near the screen),
math typeset offline by the bundled MathJax 3.2.2, every diagnostic on its card, search, deck/tag and
problem filters, views, highlights, remembered state, and no request leaving the machine except the
remote images the notes themselves link to. Both layouts (files beside the page, one file)."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, expect
from preview_page import page_entries, render_all, settle, shown

from ankigen.build import BuiltCard, Collected, collect
from ankigen.config import Config, load_config
from ankigen.preview import Links, fill_template, page_data, write_preview

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
LAYOUTS = {"beside": False, "self-contained": True}


@dataclass
class Opened:
    """A loaded preview page and every request it made."""

    page: Page
    requests: list[Request] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def cards(self) -> list[str]:
        """``source:line`` of every card the filters let through."""
        return [f"{e['source']}:{e['line']}" for e in shown(self.page) if e["card"]]

    def offsite(self) -> list[Request]:
        return [r for r in self.requests if not r.url.startswith(("file:", "data:"))]


@pytest.fixture(scope="module")
def seeds() -> Collected:
    """The seeds as the repository's ankigen.toml puts them into decks (``Deep Learning::…``)."""
    return collect([], load_config(REPO / "ankigen.toml"))


def _cards(collected: Collected) -> list[BuiltCard]:
    return [built for deck in collected.decks for built in deck.cards]


def _where(cards: list[BuiltCard]) -> list[str]:
    return [f"{b.card.source}:{b.card.line}" for b in cards]


def _open(browser: Browser, page_path: Path, color_scheme: str = "light") -> Iterator[Opened]:
    """Open the page with every request outside file:// and data: recorded and refused."""
    page = browser.new_page(viewport={"width": 900, "height": 1300}, color_scheme=color_scheme)  # type: ignore[arg-type]
    opened = Opened(page)
    page.on("request", lambda request: opened.requests.append(request))
    page.on("requestfailed", lambda request: opened.failed.append(request.url))
    page.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
    page.goto(page_path.as_uri())
    settle(page)
    yield opened
    page.close()


@pytest.fixture(params=list(LAYOUTS), scope="module")
def opened(
    request: pytest.FixtureRequest,
    browser: Browser,
    seeds: Collected,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Opened]:
    folder = tmp_path_factory.mktemp(request.param)
    page_path = write_preview(seeds, folder / "preview.html", self_contained=LAYOUTS[request.param])
    assert page_path == folder / "preview.html"
    yield from _open(browser, page_path)


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> None:
    """Every test starts from the page's defaults (the page remembers filters per tab)."""
    if "opened" not in request.fixturenames:
        return
    page = request.getfixturevalue("opened").page
    page.wait_for_timeout(500)  # the page saves its state 150 ms after a change: let the last save happen
    page.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
    page.reload()
    settle(page)


def test_every_card_is_on_the_page_rendered_as_it_comes_near(opened: Opened, seeds: Collected) -> None:
    cards = _cards(seeds)
    assert cards, "the seeds gave no cards"
    assert opened.page.inner_text("#pv-count") == f"{len(cards)} of {len(cards)} cards"
    assert opened.cards() == _where(cards)
    first = opened.page.locator("#pv-list > .pv-card").count()
    assert 0 < first < len(cards), "only the cards near the screen are rendered at first"
    rendered, entries = render_all(opened.page), len(shown(opened.page))
    assert rendered == entries, f"{rendered} of {entries} entries rendered (first {first})"
    assert opened.page.locator(".pv-card .card.pv-back > #qa").count() == len(cards)
    assert opened.page.locator(".pv-card .card.pv-front > #qa").count() == len(cards)
    links = opened.page.locator(".pv-card .pv-back .source a").all_inner_texts()
    assert links == _where(cards)


def test_source_links_point_at_the_note_files(opened: Opened) -> None:
    render_all(opened.page)
    hrefs = opened.page.eval_on_selector_all(
        ".pv-card .source a, .pv-diagnostics a", "links => links.map(a => a.href)"
    )
    files = set(hrefs)
    assert files
    for href in files:
        assert href.startswith("file://")
        assert Path(href.removeprefix("file://")).resolve().is_file(), href


def test_math_is_typeset_offline_without_errors(opened: Opened) -> None:
    page = opened.page
    render_all(page)
    assert page.locator("mjx-container").count() > 0
    assert page.locator("mjx-merror").count() == 0
    # MathJax's own TeX fonts were loaded (from the folder beside the page, or embedded).
    fonts = page.evaluate("() => Array.from(document.fonts).map(f => [f.family, f.status])")
    assert ["MJXTEX", "loaded"] in fonts
    assert ["MJXTEX-I", "loaded"] in fonts


def test_only_the_notes_remote_images_are_requested(opened: Opened, seeds: Collected) -> None:
    render_all(opened.page)
    written = " ".join(b.html.front_html + b.html.back_html for b in _cards(seeds))
    for request in opened.offsite():
        assert request.resource_type == "image", request.url
        assert request.url.split("?")[0] in written, request.url
    local_failures = [url for url in opened.failed if url.startswith("file:")]
    assert local_failures == []


def test_search_box_filters_cards_and_highlights_matches(opened: Opened, seeds: Collected) -> None:
    cards = _cards(seeds)
    word = "normalization"
    expected = [
        b
        for b in cards
        if word in " ".join([b.card.front, b.card.back, *b.card.context, *b.card.tags]).lower()
    ]
    assert 0 < len(expected) < len(cards)
    page = opened.page
    page.fill("#pv-search", "Normalization")
    expect(page.locator("#pv-count")).to_have_text(f"{len(expected)} of {len(cards)} cards")
    assert opened.cards() == _where(expected)
    settle(page)
    marks = page.locator("#pv-list mark.pv-hit")
    assert marks.count() > 0
    assert {text.lower() for text in marks.all_inner_texts()} == {word}
    assert page.locator("mjx-container mark").count() == 0
    page.fill("#pv-search", "normalization zzzz-no-such-word")
    expect(page.locator("#pv-count")).to_have_text(f"0 of {len(cards)} cards")
    expect(page.locator("#pv-empty")).to_be_visible()
    page.fill("#pv-search", "")
    expect(page.locator("#pv-count")).to_have_text(f"{len(cards)} of {len(cards)} cards")
    settle(page)
    assert page.locator("#pv-list mark.pv-hit").count() == 0


def test_slash_focuses_the_search_box(opened: Opened) -> None:
    page = opened.page
    page.locator("body").click(position={"x": 5, "y": 600})
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "pv-search"
    page.keyboard.type("dropout")
    expect(page.locator("#pv-search")).to_have_value("dropout")


def test_deck_and_tag_filters_offer_parents(opened: Opened, seeds: Collected) -> None:
    page = opened.page
    total = len(_cards(seeds))
    for deck in seeds.decks:
        page.select_option("#pv-deck", deck.name)
        expect(page.locator("#pv-count")).to_have_text(f"{len(deck.cards)} of {total} cards")
        assert opened.cards() == _where(deck.cards), deck.name
        decks = page.eval_on_selector_all(
            ".pv-card .pv-deck", "els => [...new Set(els.map(e => e.textContent))]"
        )
        assert decks == [deck.name]
    parents = {deck.name.split("::")[0] for deck in seeds.decks if "::" in deck.name}
    assert parents, "no seed deck has a parent"
    for parent in parents:
        under = [b for d in seeds.decks if d.name.startswith(parent + "::") for b in d.cards]
        page.select_option("#pv-deck", parent)
        assert opened.cards() == _where(under)
    page.select_option("#pv-deck", "")
    assert len(opened.cards()) == total
    tags = {t for b in _cards(seeds) for t in b.card.tags}
    prefixes = {"::".join(t.split("::")[:n]) for t in tags for n in range(1, t.count("::") + 2)}
    options = page.eval_on_selector_all("#pv-tag option", "os => os.map(o => o.value)")
    assert options == ["", *sorted(prefixes, key=lambda t: t.split("::"))]
    parent = sorted(t.split("::")[0] for t in tags if "::" in t)[0]
    expected = [
        b for b in _cards(seeds) if any(t == parent or t.startswith(parent + "::") for t in b.card.tags)
    ]
    assert len(expected) > sum(parent in b.card.tags for b in _cards(seeds))
    page.select_option("#pv-tag", parent)
    assert opened.cards() == _where(expected)
    page.select_option("#pv-tag", "")
    assert len(opened.cards()) == total


def test_every_diagnostic_is_on_the_page_and_problems_can_be_filtered(
    opened: Opened, seeds: Collected
) -> None:
    page = opened.page
    diagnostics = seeds.all_diagnostics()
    assert diagnostics
    page.check("#pv-problems")
    problem_entries = shown(page)
    assert 0 < len(problem_entries) < len(_cards(seeds)) + len(diagnostics)
    render_all(page)
    items = page.locator(".pv-diagnostics li").all_inner_texts()
    assert sorted(items) == sorted(f"{d.format()}" for d in diagnostics)
    skipped = [d for d in diagnostics if d.rule in ("empty-answer", "na-answer")]
    assert skipped
    loose = page.locator(".pv-card.pv-loose .pv-diagnostics li").all_inner_texts()
    for d in skipped:
        assert d.format() in loose
    assert page.locator(".pv-card:not(.pv-loose) .pv-diagnostics li", has_text="tex-unbalanced").count() == 1
    page.uncheck("#pv-problems")


def test_front_back_and_both_views(opened: Opened) -> None:
    page = opened.page
    first = page.locator("#pv-list > .pv-card:not(.pv-loose)").first
    front, back = first.locator(".pv-front"), first.locator(".pv-back")
    expect(back).to_be_visible()
    expect(front).to_be_hidden()
    page.select_option("#pv-view", "front")
    expect(front).to_be_visible()
    expect(back).to_be_hidden()
    assert page.locator(".pv-front #answer").count() == 0
    front.click()  # flips the card
    expect(back).to_be_visible()
    expect(front).to_be_hidden()
    back.click()
    expect(front).to_be_visible()
    page.select_option("#pv-view", "both")
    expect(front).to_be_visible()
    expect(back).to_be_visible()
    assert front.bounding_box()["y"] == back.bounding_box()["y"]  # type: ignore[index]
    page.select_option("#pv-view", "back")


def test_filters_view_and_scroll_survive_a_reload(opened: Opened) -> None:
    page = opened.page
    page.fill("#pv-search", "the")
    page.select_option("#pv-view", "both")
    expect(page.locator("#pv-count")).not_to_have_text(re.compile(r"^(\d+) of \1 cards$"))
    page.evaluate("() => window.scrollTo(0, 3000)")
    page.wait_for_timeout(400)
    top = page.evaluate("() => document.elementFromPoint(450, 200).closest('.pv-card').dataset.key")
    page.reload()
    settle(page)
    expect(page.locator("#pv-search")).to_have_value("the")
    expect(page.locator("#pv-view")).to_have_value("both")
    page.wait_for_timeout(200)
    again = page.evaluate("() => document.elementFromPoint(450, 200).closest('.pv-card').dataset.key")
    assert again == top


def test_night_mode_follows_the_system_and_is_remembered(
    browser: Browser, seeds: Collected, tmp_path: Path
) -> None:
    page_path = write_preview(seeds, tmp_path / "preview.html")
    for opened in _open(browser, page_path, color_scheme="dark"):
        page = opened.page
        night = "() => document.querySelector('#pv-list .card').classList.contains('nightMode')"
        assert page.evaluate("() => document.body.classList.contains('nightMode')")
        assert page.evaluate(night)
        card = page.locator("#pv-list .card").first
        dark = card.evaluate("el => getComputedStyle(el).backgroundColor")
        page.screenshot(path="/tmp/ankigen-preview-night.png")
        page.click("#pv-night")
        assert not page.evaluate(night)
        assert card.evaluate("el => getComputedStyle(el).backgroundColor") != dark
        page.screenshot(path="/tmp/ankigen-preview-light.png")
        page.reload()
        settle(page)
        assert not page.evaluate("() => document.body.classList.contains('nightMode')"), "not remembered"
        page.evaluate("() => localStorage.clear()")


def test_page_data_puts_each_diagnostic_once_on_its_card_or_its_own_entry(seeds: Collected) -> None:
    data = page_data(seeds, Links(lambda source: source, {}))
    entries = data["entries"]
    cards = [e for e in entries if "f" in e]
    assert len(cards) == len(_cards(seeds))
    found = sorted((e["s"], p[3], p[4], p[1], p[2]) for e in entries for p in e["p"])
    assert found == sorted((d.path, d.line, d.col, d.rule, d.message) for d in seeds.all_diagnostics())
    by_place = {(b.card.source, b.card.line): b for b in _cards(seeds)}
    for entry in cards:
        built = by_place[(entry["s"], entry["l"])]
        for _, _, _, line, _ in entry["p"]:
            assert built.card.line <= line <= max(built.card.end_line, built.card.line)
    loose = [e for e in entries if "f" not in e]
    assert {p[1] for e in loose for p in e["p"]} >= {"empty-answer", "na-answer"}
    assert len({e["k"] for e in entries}) == len(entries)


def test_layouts_on_disk(seeds: Collected, tmp_path: Path) -> None:
    beside = write_preview(seeds, tmp_path / "a" / "cards.html")
    mathjax = tmp_path / "a" / "cards_files" / "mathjax"
    assert (mathjax / "tex-chtml-full.js").is_file()
    assert len(list((mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))) > 10
    assert 'src="cards_files/mathjax/tex-chtml-full.js"' in beside.read_text(encoding="utf-8")
    one = write_preview(seeds, tmp_path / "b" / "cards.html", self_contained=True)
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["cards.html"]
    text = one.read_text(encoding="utf-8")
    assert "<script src=" not in text
    assert "data:font/woff;base64," in text
    for script in re.findall(r'<script src="([^"]*)"', beside.read_text(encoding="utf-8")):
        assert not re.match(r"[a-z]+:|//", script), script  # relative, never a CDN
    assert not list(tmp_path.rglob("*.tmp"))
    assert len(page_entries(text)) == len(page_entries(beside.read_text(encoding="utf-8")))


def _png(width: int, height: int) -> bytes:
    """A valid solid-colour RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x20\x80\xe0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_local_images_show(browser: Browser, tmp_path: Path, layout: str) -> None:
    notes = tmp_path / "notes"
    (notes / "img").mkdir(parents=True)
    (notes / "img" / "dot.png").write_bytes(_png(12, 8))
    (notes / "cards.md").write_text(
        "# Pictures\n\n## What does the dot look like?\n\n![dot](img/dot.png) with \\(x^2\\).\n",
        encoding="utf-8",
    )
    collected = collect([notes], Config())
    media = {m.name for built in _cards(collected) for m in built.html.media}
    assert len(media) == 1
    out = tmp_path / "out"
    page_path = write_preview(collected, out / "preview.html", self_contained=LAYOUTS[layout])
    assert (out / "preview_files" / "media" / next(iter(media))).is_file() is (not LAYOUTS[layout])
    assert sorted(p.name for p in out.iterdir()) == [
        "preview.html",
        *([] if LAYOUTS[layout] else ["preview_files"]),
    ]
    for opened in _open(browser, page_path):
        sizes = opened.page.eval_on_selector_all(
            "#qa img", "imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])"
        )
        assert sizes == [[12, 8]]
        assert opened.page.locator("mjx-container").count() == 1
        assert opened.offsite() == []


def test_empty_collection_gives_a_page_saying_so(browser: Browser, tmp_path: Path) -> None:
    page_path = write_preview(Collected([], []), tmp_path / "empty.html", self_contained=True)
    assert page_entries(page_path.read_text(encoding="utf-8")) == []
    for opened in _open(browser, page_path):
        expect(opened.page.locator("#pv-empty")).to_have_text("No cards found.")
        assert opened.page.inner_text("#pv-count") == "0 of 0 cards"


def test_script_breaking_text_stays_data(browser: Browser, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "odd.md").write_text(
        "# Odd\n\n## What closes a script?\n\n`</script><!--<script>` and \\x1e \x1e\x1d end.\n",
        encoding="utf-8",
    )
    collected = collect([notes], Config())
    page_path = write_preview(collected, tmp_path / "odd.html")
    (entry,) = page_entries(page_path.read_text(encoding="utf-8"))
    assert "&lt;/script&gt;&lt;!--&lt;script&gt;" in entry["b"]
    for opened in _open(browser, page_path):
        assert opened.page.inner_text("#pv-count") == "1 of 1 cards"
        expect(opened.page.locator("#pv-list code").first).to_have_text("</script><!--<script>")


def test_fill_template_follows_anki_sections() -> None:
    template = "{{#Context}}<i>{{Context}}</i>{{/Context}}{{^Context}}none{{/Context}}|{{Front}}"
    assert fill_template(template, {"Context": "A", "Front": "{{x}}"}) == "<i>A</i>|{{x}}"
    assert fill_template(template, {"Context": " ", "Front": "q"}) == "none|q"
    assert fill_template("{{FrontSide}}<hr>{{Back}}", {"Back": "b"}) == "{{FrontSide}}<hr>b"


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_cli_preview(seeds: Collected, tmp_path: Path, layout: str) -> None:
    target = tmp_path / "site" / "cards.html"
    flags = ["--self-contained"] if LAYOUTS[layout] else []
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "preview", "seeds", "-o", str(target), *flags],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    count = len(_cards(seeds))
    assert result.stdout.strip().endswith(f"cards.html: {count} cards")
    text = target.read_text(encoding="utf-8")
    assert sum("f" in entry for entry in page_entries(text)) == count
    assert (tmp_path / "site" / "cards_files").is_dir() is (not LAYOUTS[layout])


def test_cli_preview_writes_into_the_configs_output_folder(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text("# A\n\n## Why?\n\nBecause.\n", encoding="utf-8")
    (tmp_path / "ankigen.toml").write_text(
        'output = "built"\n\n[[deck]]\nname = "A"\nsources = ["notes/*.md"]\n', encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "preview"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "built/preview.html: 1 card"
    assert (tmp_path / "built" / "preview.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ankigen.toml", "built", "notes"]


def test_cli_preview_unwritable_target_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "preview", "seeds", "-o", str(blocker / "p.html")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot write" in result.stderr


def test_page_data_from_its_memo_equals_fresh_data(seeds: Collected) -> None:
    links = Links(lambda source: "source/" + source, {})
    memo: dict[Any, Any] = {}
    fresh = page_data(seeds, links)
    assert page_data(seeds, links, memo=memo) == fresh
    assert len(memo) == len(_cards(seeds))  # one item a note: its cards' entries
    again = page_data(seeds, links, memo=memo)
    assert again == fresh
    reused = [id(entry) for entries in memo.values() for entry in entries]
    assert [id(e) for e in again["entries"] if "f" in e] == reused
