"""Seed cards on a phone and at night, in AnkiDroid's own card page and in Anki desktop's reviewer.

The seeds (and a note with hard-coded colours) are built into decks, imported into a real Anki
collection and rendered by Anki's template engine. Each card side is then loaded the way AnkiDroid's
default study screen loads it: a fresh page from its ``card_template.html`` with its ``flashcard.css``
and ``card.js``, body classes ``card card1`` (+ ``night_mode nightMode``, + ``ankidroid_dark_mode``
for its "Dark" theme), MathJax 3.2.2 with Anki's configuration typeset by ``onPageFinished()``, in
Chromium's mobile emulation (no viewport scaling, touch, device scale factor 2.625): 360 px wide by
day and 412 px at night. AnkiDroid's files are read from ``../shared/tools/mobile/assets`` (GPL-3.0,
never copied here); without them the module is skipped. The same sides also go through a page like
Anki desktop's reviewer in night mode.

Every side must: keep the page within the screen (AnkiDroid zooms a wider card out), let every box
that hides part of its content scroll and show a cue (a shadow at the hidden side, gone once scrolled
to the end), give every piece of text and every formula WCAG AA contrast against the background
actually behind it, and use no text under 12 px. AnkiMobile (WKWebView) cannot run here; its
``.nightMode`` class is the desktop's, which the desktop page covers.
"""

from __future__ import annotations

import base64
import http.server
import mimetypes
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import urllib.parse
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from conftest import REPO, import_apkg

from ankigen.notetype import NOTE_CSS

ASSETS = REPO.parent / "shared" / "tools" / "mobile" / "assets"
CHROMIUM = Path("/usr/bin/chromium")
MATHJAX = Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"
MEASURE = (Path(__file__).parent / "mobile_measure.js").read_text(encoding="utf-8")

if not ASSETS.is_dir():  # pragma: no cover - depends on the checkout
    pytest.skip("AnkiDroid's card page (../shared/tools/mobile/assets) is absent", allow_module_level=True)
if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is required under CI (/usr/bin/chromium missing)", pytrace=False)
    pytest.skip("chromium not installed at /usr/bin/chromium", allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

# Anki's MathJax configuration (ts/mathjax/index.ts, served to AnkiDroid as backend/js/mathjax.js).
ANKI_MATHJAX_JS = """window.MathJax = {tex: {displayMath: [["\\\\[", "\\\\]"]], processEscapes: false,
  processEnvironments: false, processRefs: false,
  packages: {"[+]": ["noerrors", "mathtools"], "[-]": ["textmacros"]}},
  loader: {load: ["[tex]/noerrors", "[tex]/mathtools"], paths: {mathjax: "/_anki/js/vendor/mathjax"}},
  startup: {typeset: false}};"""
# AndroidCardRenderContext: the scripts a side gets when it holds \\(…\\) or \\[…\\].
ANKIDROID_MATHJAX = (
    '<script src="file:///android_asset/backend/js/mathjax.js"></script>'
    '<script src="file:///android_asset/backend/js/vendor/mathjax/tex-chtml-full.js"></script>'
)
ANKIDROID_STYLE = (
    "BODY {font-family: 'OpenSans';font-weight: normal;font-style: normal;font-stretch: normal;}"
)
# Anki desktop's reviewer page in night mode, as far as it touches a card: aqt's webview.css and
# reviewer.css give the root night-mode colours, color-scheme dark, body margin and link colour.
DESKTOP_PAGE = """<!doctype html><html class="linux chrome night-mode" dir="ltr" data-bs-theme="dark">
<head><meta charset="utf-8"><style>
:root.night-mode { --fg: #fcfcfc; --fg-link: #bfdbfe; --canvas: #2c2c2c; color-scheme: dark; }
body { color: var(--fg); background: var(--canvas); margin: 20px; overflow-wrap: break-word; }
body.nightMode { background-color: var(--canvas); color: var(--fg); }
a { color: var(--fg-link); text-decoration: none; }
hr { background-color: #737373; margin: 1em 0; border: none; height: 1px; }
img { max-width: 100%; max-height: 95vh; }
</style><script>MATHJAX_CONFIG</script>
<script src="/_anki/js/vendor/mathjax/tex-chtml-full.js"></script></head>
<body class="card card1 isLin nightMode night_mode"><div id="qa" dir="auto"></div></body></html>""".replace(
    "MATHJAX_CONFIG", ANKI_MATHJAX_JS
)
# What the app paints behind the page: AnkiDroid's activity (white; theme "Black" #000, "Dark" #303030),
# desktop's canvas. The note type paints the card itself, so this shows only where it does not.
CANVAS = {"day": "#ffffff", "night": "#000000", "dark": "#303030", "desktop": "#2c2c2c"}

COLOURS_NOTE = """# Colours

## Which colours does this note hard-code?

<span style="color:red">red</span>, <span style="color:#0000ff">blue</span>,
<font color="green">green</font>, <span style="color:navy">navy</span>,
<span style="color:purple">purple</span>, <span style="color:black">black</span>,
<span style="color:#777">grey</span>, <span style="color:darkred">dark red</span>,
<span style="color:yellow">yellow</span>, <span style="color:orange">orange</span>,
<span style="color:cyan">cyan</span>, <span style="color:white">white</span>,
<span style="background-color:yellow">on yellow</span>,
<span style="color:#333;background:#ffd">dark on cream</span>.

> A quotation with a [link](https://example.com) and `inline code`.

![a picture wider than the screen](wide.png)
"""


@dataclass(frozen=True)
class Side:
    """One card side as Anki's template engine renders it."""

    label: str
    css: str
    html: str


def _palette_side() -> Side:
    """Every Pygments token class of the note type (both palettes), inline code, a link, a quote,
    context and source lines and a table header: colours no seed card happens to use."""
    tokens = sorted(set(re.findall(r"\.highlight \.([A-Za-z][\w-]*)", NOTE_CSS)) - {"w"})
    lines = "\n".join(f'<span class="{t}">{t}_token = sample(1, "x")</span>' for t in tokens if t != "hll")
    hll = "".join(f'<span class="{t}">{t}</span> ' for t in tokens if t != "hll")
    html = (
        '<div class="context">context › line</div><div class="front">Text, <code>inline code</code>, '
        '<a href="https://example.com">a link</a>.</div><hr id="answer"><div class="back">'
        f'<div class="highlight"><pre><span></span><code>plain\n{lines}\n'
        f'<span class="hll">{hll}</span></code></pre>'
        "</div><blockquote>quoted</blockquote><table><tr><th>head</th><td>cell</td></tr></table></div>"
        '<div class="source">seeds/x.md:1</div>'
    )
    return Side("palette (every token class)", NOTE_CSS, html)


def _wide_png(path: Path, width: int = 1200, height: int = 300) -> None:
    """A grey picture far wider than a phone, as a note's local image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = (b"\x00" + b"\x9a\xa5\xb1" * width) * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _build(tmp: Path) -> list[Path]:
    out = tmp / "decks"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache")}
    subprocess.run(
        [sys.executable, "-m", "ankigen", "build", "-q", "-o", str(out)], cwd=REPO, env=env, check=True
    )
    notes = tmp / "notes"
    notes.mkdir()
    (notes / "colours.md").write_text(COLOURS_NOTE, encoding="utf-8")
    _wide_png(notes / "wide.png")
    subprocess.run(
        [sys.executable, "-m", "ankigen", "build", "-q", "-o", str(out / "fixture"), "--deck", "Colours",
         str(notes / "colours.md")],
        cwd=tmp, env=env, check=True,
    )  # fmt: skip
    return sorted(out.glob("*.apkg")) + sorted((out / "fixture").glob("*.apkg"))


@dataclass(frozen=True)
class Cards:
    """Every side to check, and the folder holding their media."""

    sides: list[Side]
    media: Path


def load_cards(tmp: Path) -> Cards:
    """Both sides of every card of the seed decks and the colours note, rendered by Anki."""
    found = []
    media = tmp / "media"
    media.mkdir()
    for i, apkg in enumerate(_build(tmp)):
        folder = tmp / f"col{i}"
        folder.mkdir()
        col = Collection(str(folder / "collection.anki2"))
        try:
            import_apkg(col, apkg)
            for cid in col.find_cards("", order="c.nid"):
                out = col.get_card(cid).render_output()
                front = " ".join(
                    re.sub(r"<style>.*?</style>|<[^>]+>", " ", out.question_text, flags=re.S).split()
                )
                label = f"{col.decks.name(col.get_card(cid).did)} | {front[:70]}"
                found.append(Side(f"{label} (question)", out.css, out.question_text))
                found.append(Side(f"{label} (answer)", out.css, out.answer_text))
            for file in Path(col.media.dir()).iterdir():
                shutil.copyfile(file, media / file.name)
        finally:
            col.close()
    return Cards(found, media)


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Cards:
    return load_cards(tmp_path_factory.mktemp("mobile"))


def _ankidroid_page(side: Side, classes: str) -> str:
    """CardTemplate.render(): card_template.html filled as AnkiDroid fills it for ``side``."""
    template = (ASSETS / "ankidroid" / "card_template.html").read_text(encoding="utf-8")
    content = f'<div id="qa"><style>{side.css}</style>{side.html}</div>'
    math = ("\\(" in content and "\\)" in content) or ("\\[" in content and "\\]" in content)
    page = (
        template.replace("::style::", ANKIDROID_STYLE)
        .replace("::script::", ANKIDROID_MATHJAX if math else "")
        .replace("::class::", f"card card1 {classes}" + (" mathjax-needs-to-render" if math else ""))
        .replace("::content::", content)
    )
    # the WebView lays the page out at the screen's width (useWideViewPort=false): same as this tag
    viewport = '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
    return page.replace('<meta charset="utf-8">', viewport).replace(
        "file:///android_asset/", "/android_asset/"
    )


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet."""

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        found = self.server.resolve(urllib.parse.unquote(self.path.split("?", 1)[0]))
        if found is None:
            self.send_error(404)
            return
        body, kind = found
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store" if kind.startswith("text/html") else "max-age=3600")
        self.end_headers()
        self.wfile.write(body)


class Site(http.server.ThreadingHTTPServer):
    """A local server like the one AnkiDroid loads cards from (``loadDataWithBaseURL(http://127.0.0.1:PORT/)``):
    the card page, AnkiDroid's assets, Anki's MathJax and the cards' media. Cached like a real server, so
    that MathJax is compiled once, not on every side."""

    daemon_threads = True

    def __init__(self, media: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"
        self.page = ""
        self.media = media
        android = ASSETS / "ankidroid"
        self.files = {
            "/android_asset/flashcard.css": android / "flashcard.css",
            "/android_asset/mathjax/mathjax.css": android / "mathjax" / "mathjax.css",
            "/android_asset/scripts/card.js": android / "scripts" / "card.js",
            "/android_asset/scripts/js-api.js": android / "scripts" / "js-api.js",
            "/android_asset/backend/css/reviewer_extras.css": ASSETS / "anki" / "reviewer_extras.css",
            "/android_asset/backend/js/reviewer_extras_bundle.js": ASSETS
            / "anki"
            / "reviewer_extras_bundle.js",
        }

    def resolve(self, path: str) -> tuple[bytes, str] | None:
        """The body and content type for ``path``; None when not found (so is jQuery: card.js needs none)."""
        file: Path | None = None
        if path == "/card":
            return self.page.encode("utf-8"), "text/html; charset=utf-8"
        if path == "/android_asset/backend/js/mathjax.js":
            return ANKI_MATHJAX_JS.encode("utf-8"), "application/javascript"
        if path in self.files:
            file = self.files[path]
        elif path.startswith(("/android_asset/backend/js/vendor/mathjax/", "/_anki/js/vendor/mathjax/")):
            file = MATHJAX / path.split("/vendor/mathjax/", 1)[1]
        elif path.count("/") == 1:
            file = self.media / path[1:]
        if file is None or not file.is_file() or ".." in path:
            return None
        kind = "application/javascript" if file.suffix == ".js" else mimetypes.guess_type(file.name)[0]
        return file.read_bytes(), kind or "application/octet-stream"


@dataclass(frozen=True)
class Variant:
    name: str
    width: int
    height: int
    classes: str
    canvas: str
    desktop: bool = False


VARIANTS = [
    Variant("ankidroid 360 day", 360, 800, "", CANVAS["day"]),
    Variant("ankidroid 412 night", 412, 915, "night_mode nightMode", CANVAS["night"]),
    Variant("desktop night", 800, 600, "", CANVAS["desktop"], desktop=True),
]
DARK_THEME = Variant(
    "ankidroid 360 dark theme", 360, 800, "night_mode nightMode ankidroid_dark_mode", CANVAS["dark"]
)


_PIXEL_DIFFERENCE = """async ([a, b]) => {  // the largest difference of one colour channel between two PNGs
  const pixels = async (png) => {
    const image = await createImageBitmap(await (await fetch("data:image/png;base64," + png)).blob());
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height).data;
  };
  const [pa, pb] = [await pixels(a), await pixels(b)];
  let most = 0;
  for (let i = 0; i < pa.length; i++) most = Math.max(most, Math.abs(pa[i] - pb[i]));
  return most;
}"""
# For the photographs the box's content is hidden and all text made transparent (how text and borders
# are rasterised depends on the layers below, which the cue changes), and scrollbars are hidden (an
# overlay scrollbar fades out between two photographs): what is left is the backgrounds.
_HIDE_TEXT = """(e, cue) => {
  let style = document.getElementById("ankigen-no-text");
  if (!style) {
    style = document.head.appendChild(document.createElement("style"));
    style.id = "ankigen-no-text";
    style.textContent = "* { color: transparent !important; -webkit-text-fill-color: transparent " +
      "!important; scrollbar-width: none !important; } " +
      "[data-ankigen-box] > * { visibility: hidden !important; }";
  }
  if (cue) e.style.removeProperty("background-image");
  else e.style.setProperty("background-image", "none", "important");
}"""
CUE_SHOWN, CUE_GONE = 24, 8  # channel differences: a cue is clearly there; only gradient dithering is left
CUE_FROM_PX = 4  # a box hiding less than this (a glyph's edge) uncovers too little shadow to be seen


def _cue_problems(page: Page, index: int) -> list[str]:
    """A hidden right-hand part must show a cue at the right edge, gone once scrolled to the end.

    The cue is whatever the box paints as background image: the 16 px inside its right edge are
    photographed with and without it (leaving out the last pixel, where the end of a fractional
    scroll width can leave a sliver of shadow).
    """
    el = page.locator(f'[data-ankigen-box="{index}"]')
    rect = el.evaluate(
        """(e) => { const r = e.getBoundingClientRect();
        return {x: r.left + scrollX + e.clientLeft + e.clientWidth - 17, y: r.top + scrollY + e.clientTop,
                width: 16, height: Math.min(e.clientHeight, 200)}; }"""
    )
    if rect["height"] < 2:
        return []

    def difference() -> int:
        shots = []
        for cue in (True, False):
            el.evaluate(_HIDE_TEXT, cue)
            shot = page.screenshot(clip=rect, full_page=True, animations="disabled", caret="hide")
            shots.append(base64.b64encode(shot).decode("ascii"))
        el.evaluate("(e) => e.style.removeProperty('background-image')")
        page.evaluate("() => document.getElementById('ankigen-no-text').remove()")
        return int(page.evaluate(_PIXEL_DIFFERENCE, shots))

    problems = []
    if (shown := difference()) < CUE_SHOWN:
        problems.append(f"no visible cue that more is hidden at the right (difference {shown})")
    el.evaluate(
        "(e) => new Promise((done) => { e.scrollLeft = e.scrollWidth; requestAnimationFrame(done); })"
    )
    if (left := difference()) > CUE_GONE:
        problems.append(f"the cue stays when scrolled to the end (difference {left})")
    el.evaluate("(e) => { e.scrollLeft = 0; }")
    return problems


def _problems(page: Page, variant: Variant, label: str) -> list[str]:
    m = page.evaluate(MEASURE, variant.canvas)
    out = []
    if m["hiddenCard"]:
        out.append("card still hidden (MathJax never finished)")
    if m["docWidth"] > m["vw"] + 1 or m["scale"] < 0.99:
        out.append(f"page {m['docWidth']} px wide on a {m['vw']} px screen (shown at {m['scale']:.0%})")
    for i, box in enumerate(m["boxes"]):
        where = f"{box['what']} ({box['content']} px in {box['box']} px) {box['text']!r}"
        if not box["scrollable"]:
            out.append(f"{where} hides content that cannot be scrolled to")
        elif box["content"] - box["box"] >= CUE_FROM_PX:
            out += [f"{where}: {p}" for p in _cue_problems(page, i)]
    for row in m["contrast"]:
        if row["ratio"] < row["need"]:
            pair = f"{row['fg']} on {row['bg']} = {row['ratio']}:1 < {row['need']}"
            out.append(f"contrast {pair} in {row['what']} {row['text']!r}")
    for row in m["fonts"]:
        if row["px"] < 12:
            out.append(f"{row['px']} px text in {row['what']} {row['text']!r}")
    return [f"{variant.name} | {label} | {p}" for p in out]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        # offline, like a phone without network: remote images fail at once
        rules = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", rules])
        yield chromium
        chromium.close()


def _open(browser: Browser, variant: Variant) -> Page:
    night = "night" in variant.name or "dark" in variant.name
    context = browser.new_context(
        viewport={"width": variant.width, "height": variant.height},
        device_scale_factor=1 if variant.desktop else 2.625,
        is_mobile=not variant.desktop,
        has_touch=not variant.desktop,
        color_scheme="dark" if night else "light",
    )
    return context.new_page()


def _check_ankidroid(page: Page, site: Site, variant: Variant, side: Side) -> list[str]:
    site.page = _ankidroid_page(side, variant.classes)
    page.goto(f"{site.origin}/card", wait_until="load")
    page.evaluate("() => onPageFinished()")  # what CardViewerWebClient.onPageFinished calls
    page.wait_for_function("() => document.body.classList.contains('mathjax-rendered')", timeout=20_000)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return _problems(page, variant, side.label)


def _check_desktop(page: Page, variant: Variant, side: Side) -> list[str]:
    page.evaluate(
        """async (html) => { const qa = document.getElementById("qa"); qa.innerHTML = html;
        await MathJax.startup.promise; await MathJax.typesetPromise([qa]); await document.fonts.ready; }""",
        f"<style>{side.css}</style>{side.html}",
    )
    return _problems(page, variant, side.label)


def _run(browser: Browser, variant: Variant, todo: list[Side], media: Path) -> list[str]:
    site = Site(media)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    page = _open(browser, variant)
    try:
        if variant.desktop:
            site.page = DESKTOP_PAGE
            page.goto(f"{site.origin}/card", wait_until="load")
            return [p for side in todo for p in _check_desktop(page, variant, side)]
        return [p for side in todo for p in _check_ankidroid(page, site, variant, side)]
    finally:
        page.context.close()
        site.shutdown()
        site.server_close()


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_every_seed_card_side_fits_scrolls_with_a_cue_and_reads(
    browser: Browser, cards: Cards, variant: Variant
) -> None:
    assert len(cards.sides) == 2 * (182 + 1)  # every seed card and the colours note, both sides
    assert len(list(cards.media.iterdir())) == 1  # the colours note's wide picture
    assert _run(browser, variant, cards.sides, cards.media) == []


@pytest.mark.parametrize("variant", [*VARIANTS, DARK_THEME], ids=[v.name for v in [*VARIANTS, DARK_THEME]])
def test_every_colour_of_the_note_type_reads(browser: Browser, variant: Variant, tmp_path: Path) -> None:
    assert _run(browser, variant, [_palette_side()], tmp_path) == []


def test_visited_links_read_day_and_night() -> None:
    """Browsers hide :visited colours from scripts, so these are read from the CSS itself."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    day = re.search(r"^a:visited \{ color: (#\w+); \}", NOTE_CSS, re.MULTILINE)
    night = re.search(
        r"^\.nightMode a:visited, \.night_mode a:visited \{ color: (#\w+); \}", NOTE_CSS, re.MULTILINE
    )
    assert day and night
    assert contrast(day.group(1), "#ffffff") >= 4.5 and contrast(night.group(1), "#2c2c2e") >= 4.5
