"""Highlights, callouts and task lists from the test vault in headless Chromium, day and night mode.

The vault's cards are rendered into a page like Anki's card page (``<body class="card">``, the note
type CSS); night mode adds Anki's ``nightMode``/``night_mode`` classes. Every highlight and callout
must stand out from the card (its own background) and keep its text readable: a WCAG contrast
ratio of at least 4.5 between the text and the background it is drawn on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

from ankigen import build
from ankigen.config import Config
from ankigen.notetype import NOTE_CSS

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is required under CI (/usr/bin/chromium missing)", pytrace=False)
    pytest.skip("chromium not installed at /usr/bin/chromium", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402

_COLOURS = """() => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const alpha = s => { const m = s.match(/[\\d.]+/g); return m.length > 3 ? Number(m[3]) : 1; };
  const background = e => {  // the colour actually behind the element's text
    for (; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (alpha(c) > 0) return rgb(c);
    }
    return [255, 255, 255];
  };
  const pick = sel => [...document.querySelectorAll(sel)].map(e => ({
    text: rgb(getComputedStyle(e).color), back: background(e),
    border: getComputedStyle(e).borderLeftWidth, weight: getComputedStyle(e).fontWeight,
  }));
  return JSON.stringify({card: background(document.body), mark: pick("mark"),
    callout: pick(".callout"), title: pick(".callout-title"), tasks: document.body.innerText});
}"""


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: list[float], b: list[float]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    collected = build.collect([REPO / "tests" / "vault"], Config())
    cards = [built.html for deck in collected.decks for built in deck.cards]
    body = "\n<hr>\n".join(f"{c.front_html}\n{c.back_html}" for c in cards)
    site = tmp_path_factory.mktemp("vault-browser") / "index.html"
    site.write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><style>{NOTE_CSS}</style></head>'
        f'<body class="card"><div id="qa">{body}</div></body></html>',
        encoding="utf-8",
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        opened = browser.new_page(viewport={"width": 360, "height": 740})
        opened.goto(site.as_uri())
        yield opened
        browser.close()


@pytest.mark.parametrize("mode", ["day", "night"])
def test_highlights_and_callouts_stand_out_and_stay_readable(page: Page, mode: str) -> None:
    if mode == "night":
        page.evaluate("document.body.classList.add('nightMode', 'night_mode')")
    else:
        page.evaluate("document.body.classList.remove('nightMode', 'night_mode')")
    seen = json.loads(page.evaluate(_COLOURS))
    card = seen["card"]
    assert (_luminance(card) < 0.1) == (mode == "night")
    assert len(seen["mark"]) == 1 and len(seen["callout"]) == 2 and len(seen["title"]) == 2
    for box in [*seen["mark"], *seen["callout"]]:
        assert box["back"] != card, f"{mode}: a highlight or callout has the card's own background"
        assert _contrast(box["text"], box["back"]) >= 4.5, (mode, box)
        assert (_luminance(box["back"]) < 0.2) == (mode == "night"), (mode, box)
    assert all(box["border"] == "4px" for box in seen["callout"])
    assert all(int(title["weight"]) >= 700 for title in seen["title"])
    assert "☑ state the prior" in seen["tasks"] and "☐ normalise" in seen["tasks"]
