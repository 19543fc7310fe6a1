"""The preview page in headless Chromium: every card there, math typeset offline by the bundled
MathJax 3.2.2, search and deck/tag filters working, and no request leaving the machine except the
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

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

from ankigen.build import BuiltCard, Collected, collect
from ankigen.config import Config
from ankigen.preview import fill_template, write_preview

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
CHROMIUM = "/usr/bin/chromium"
LAYOUTS = {"beside": False, "self-contained": True}


@dataclass
class Opened:
    """A loaded preview page and every request it made."""

    page: Page
    requests: list[Request] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def visible(self) -> int:
        return int(self.page.locator(".pv-card:not([hidden])").count())

    def offsite(self) -> list[Request]:
        return [r for r in self.requests if not r.url.startswith(("file:", "data:"))]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def seeds() -> Collected:
    return collect([SEEDS], Config())


def _cards(collected: Collected) -> list[BuiltCard]:
    return [built for deck in collected.decks for built in deck.cards]


def _open(browser: Browser, page_path: Path) -> Iterator[Opened]:
    """Open the page with every request outside file:// and data: recorded and refused."""
    page = browser.new_page(viewport={"width": 900, "height": 1300})
    opened = Opened(page)
    page.on("request", lambda request: opened.requests.append(request))
    page.on("requestfailed", lambda request: opened.failed.append(request.url))
    page.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
    page.goto(page_path.as_uri())
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
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


def test_every_card_is_on_the_page(opened: Opened, seeds: Collected) -> None:
    cards = _cards(seeds)
    assert cards, "the seeds gave no cards"
    assert opened.page.locator(".pv-card").count() == len(cards)
    assert opened.page.locator(".pv-card .card > #qa").count() == len(cards)
    links = opened.page.locator(".pv-card .source a").all_inner_texts()
    assert links == [f"{b.card.source}:{b.card.line}" for b in cards]
    assert opened.page.inner_text("#pv-count") == f"{len(cards)} of {len(cards)} cards"


def test_source_links_point_at_the_note_files(opened: Opened) -> None:
    hrefs = opened.page.eval_on_selector_all(".pv-card .source a", "links => links.map(a => a.href)")
    files = {href for href in hrefs}
    assert files
    for href in files:
        assert href.startswith("file://")
        assert Path(href.removeprefix("file://")).resolve().is_file(), href


def test_math_is_typeset_offline_without_errors(opened: Opened) -> None:
    page = opened.page
    assert page.locator("mjx-container").count() > 0
    assert page.locator("mjx-merror").count() == 0
    # MathJax's own TeX fonts were loaded (from the folder beside the page, or embedded).
    fonts = page.evaluate("() => Array.from(document.fonts).map(f => [f.family, f.status])")
    assert ["MJXTEX", "loaded"] in fonts
    assert ["MJXTEX-I", "loaded"] in fonts


def test_only_the_notes_remote_images_are_requested(opened: Opened, seeds: Collected) -> None:
    written = " ".join(b.html.front_html + b.html.back_html for b in _cards(seeds))
    for request in opened.offsite():
        assert request.resource_type == "image", request.url
        assert request.url.split("?")[0] in written, request.url
    local_failures = [url for url in opened.failed if url.startswith("file:")]
    assert local_failures == []


def test_search_box_filters_cards(opened: Opened, seeds: Collected) -> None:
    cards = _cards(seeds)
    word = "normalization"
    expected = [
        b
        for b in cards
        if word in " ".join([b.card.front, b.card.back, *b.card.context, *b.card.tags]).lower()
    ]
    assert 0 < len(expected) < len(cards)
    opened.page.fill("#pv-search", "Normalization")
    assert opened.visible() == len(expected)
    assert opened.page.inner_text("#pv-count") == f"{len(expected)} of {len(cards)} cards"
    shown = opened.page.locator(".pv-card:not([hidden]) .source a").all_inner_texts()
    assert shown == [f"{b.card.source}:{b.card.line}" for b in expected]
    opened.page.fill("#pv-search", "normalization zzzz-no-such-word")
    assert opened.visible() == 0
    opened.page.fill("#pv-search", "")
    assert opened.visible() == len(cards)


def test_deck_and_tag_filters(opened: Opened, seeds: Collected) -> None:
    total = len(_cards(seeds))
    for deck in seeds.decks:
        opened.page.select_option("#pv-deck", deck.name)
        assert opened.visible() == len(deck.cards), deck.name
        decks = opened.page.eval_on_selector_all(
            ".pv-card:not([hidden]) .pv-deck", "els => [...new Set(els.map(e => e.textContent))]"
        )
        assert decks == [deck.name]
    opened.page.select_option("#pv-deck", "")
    assert opened.visible() == total
    tagged = [b for b in _cards(seeds) if b.card.tags]
    assert tagged, "no seed card has a tag"
    tag = tagged[0].card.tags[0]
    expected = sum(any(t == tag or t.startswith(tag + "::") for t in b.card.tags) for b in _cards(seeds))
    opened.page.select_option("#pv-tag", tag)
    assert 0 < opened.visible() == expected
    opened.page.select_option("#pv-tag", "")
    assert opened.visible() == total


def test_night_mode_toggle_and_screenshots(opened: Opened, request: pytest.FixtureRequest) -> None:
    page = opened.page
    layout = request.node.callspec.params["opened"]
    card = page.locator(".card").first
    light = card.evaluate("el => getComputedStyle(el).backgroundColor")
    page.locator(".pv-card", has=page.locator("mjx-container")).first.scroll_into_view_if_needed()
    page.screenshot(path=f"/tmp/ankigen-preview-{layout}.png")
    page.click("#pv-night")
    assert page.evaluate("() => document.body.classList.contains('nightMode')")
    assert "nightMode" in (card.get_attribute("class") or "")
    assert card.evaluate("el => getComputedStyle(el).backgroundColor") != light
    page.screenshot(path=f"/tmp/ankigen-preview-{layout}-night.png")
    page.click("#pv-night")
    assert card.evaluate("el => getComputedStyle(el).backgroundColor") == light


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
    page_path = write_preview(collected, tmp_path / "out" / "preview.html", self_contained=LAYOUTS[layout])
    beside = (tmp_path / "out" / next(iter(media))).is_file()
    assert beside is (not LAYOUTS[layout])
    for opened in _open(browser, page_path):
        sizes = opened.page.eval_on_selector_all(
            "#qa img", "imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])"
        )
        assert sizes == [[12, 8]]
        assert opened.page.locator("mjx-container").count() == 1
        assert opened.offsite() == []


def test_empty_collection_gives_a_page_saying_so(tmp_path: Path) -> None:
    page = write_preview(Collected([], []), tmp_path / "empty.html", self_contained=True)
    assert "No cards found." in page.read_text(encoding="utf-8")


def test_fill_template_follows_anki_sections() -> None:
    template = "{{#Context}}<i>{{Context}}</i>{{/Context}}{{^Context}}none{{/Context}}|{{Front}}"
    assert fill_template(template, {"Context": "A", "Front": "{{x}}"}) == "<i>A</i>|{{x}}"
    assert fill_template(template, {"Context": " ", "Front": "q"}) == "none|q"


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
    assert text.count('<article class="pv-card"') == count
    assert (tmp_path / "site" / "cards_files").is_dir() is (not LAYOUTS[layout])


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
