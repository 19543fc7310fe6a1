"""One offline HTML page showing every card as Anki shows it.

Each card is the back side of the note type's template filled with the card's fields, inside the
markup Anki uses (``<div class="card"><div id="qa">``) and styled with the note type CSS. Math is
typeset by MathJax 3.2.2 (Anki 26's version, from the ``django-static-mathjax`` package data)
configured as Anki configures it. The default writes MathJax and its fonts into ``<stem>_files/``
beside the page and local images beside the page (where the cards' ``<img src>`` point);
``self_contained`` puts everything (script, fonts, images) into the one HTML file. Nothing is ever
loaded from a CDN; only remote images written in the notes are fetched, as Anki would.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import mimetypes
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ankigen.build import BuiltCard, Collected
from ankigen.notetype import BACK_TEMPLATE, FRONT_TEMPLATE, NOTE_CSS

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

MATHJAX_SCRIPT = "tex-chtml-full.js"
MATHJAX_FONTS = "output/chtml/fonts/woff-v2"
"""The MathJax files the page needs, relative to MathJax's ``es5`` folder."""

PAGE_CSS: str = resources.files("ankigen").joinpath("preview.css").read_text(encoding="utf-8")

# Anki 26's MathJax settings (ts/mathjax/index.ts): only \(…\) and \[…\], no $ delimiters, no
# escapes/environments/refs outside math, noerrors and mathtools on, textmacros off. The menu is off so
# that nothing is ever loaded lazily.
_MATHJAX_CONFIG: dict[str, dict[str, Any]] = {
    "tex": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processEscapes": False,
        "processEnvironments": False,
        "processRefs": False,
        "packages": {"[+]": ["noerrors", "mathtools"], "[-]": ["textmacros"]},
    },
    "loader": {"load": ["[tex]/noerrors", "[tex]/mathtools"], "versionWarnings": False},
    "options": {"enableMenu": False},
}

# With MathJax inlined, its @font-face rules would point to a folder that does not exist: swap each
# font URL for an embedded data: URL before the first typeset builds the stylesheet.
_EMBED_FONTS_JS = """
MathJax.startup = {ready() {
  const fonts = MathJax._.output.chtml.fonts.tex_ts.TeXFont.defaultFonts;
  for (const [rule, face] of Object.entries(fonts)) {
    const file = /%%URL%%\\/([^")]+)/.exec(face.src);
    if (file && EMBEDDED_FONTS[file[1]]) {
      fonts[rule] = {...face, src: 'url("' + EMBEDDED_FONTS[file[1]] + '") format("woff")'};
    }
  }
  MathJax.startup.defaultReady();
}};
"""

_PAGE_JS = """
(() => {
  const cards = Array.from(document.querySelectorAll(".pv-card"));
  const search = document.getElementById("pv-search");
  const deck = document.getElementById("pv-deck");
  const tag = document.getElementById("pv-tag");
  const count = document.getElementById("pv-count");
  const within = (value, wanted) => value === wanted || value.startsWith(wanted + "::");
  function apply() {
    const words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    for (const card of cards) {
      const tags = card.dataset.tags ? card.dataset.tags.split(" ") : [];
      const ok = (!deck.value || within(card.dataset.deck, deck.value))
        && (!tag.value || tags.some((t) => within(t, tag.value)))
        && words.every((w) => card.dataset.text.includes(w));
      card.hidden = !ok;
      shown += ok ? 1 : 0;
    }
    count.textContent = shown + " of " + cards.length + " cards";
  }
  for (const control of [search, deck, tag]) control.addEventListener("input", apply);
  document.getElementById("pv-night").addEventListener("click", () => {
    const night = !document.body.classList.contains("nightMode");
    for (const el of [document.body, ...document.querySelectorAll(".card")]) {
      el.classList.toggle("nightMode", night);
      el.classList.toggle("night_mode", night);
    }
  });
  apply();
})();
"""

_SECTION = re.compile(r"\{\{([#^])(\w+)\}\}(.*?)\{\{/\2\}\}", re.DOTALL)
_FIELD = re.compile(r"\{\{(\w+)\}\}")


def write_preview(collected: Collected, target: Path, self_contained: bool = False) -> Path:
    """Write the preview page of every collected card to ``target`` (atomically) and return its path.

    Without ``self_contained``, MathJax goes into ``<stem>_files/mathjax/`` and local images beside the
    page; with it, the page is one file with MathJax, its fonts and the images embedded.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    mathjax = _mathjax_folder()
    media = {m.name: m.path for deck in collected.decks for built in deck.cards for m in built.html.media}
    if self_contained:
        fonts = {
            font.name: "data:font/woff;base64," + base64.b64encode(font.read_bytes()).decode("ascii")
            for font in _font_files(mathjax)
        }
        script = mathjax.joinpath(MATHJAX_SCRIPT).read_text(encoding="utf-8")
        scripts = _inline_script(
            _config_js(None) + f"const EMBEDDED_FONTS = {json.dumps(fonts)};" + _EMBED_FONTS_JS
        ) + _inline_script(script)
        images = {name: _data_url(path) for name, path in media.items()}
    else:
        folder = f"{target.stem}_files/mathjax"
        _atomic_write(target.parent / folder / MATHJAX_SCRIPT, mathjax.joinpath(MATHJAX_SCRIPT).read_bytes())
        for font in _font_files(mathjax):
            _atomic_write(target.parent / folder / MATHJAX_FONTS / font.name, font.read_bytes())
        for name, path in media.items():
            _atomic_write(target.parent / name, path.read_bytes())
        scripts = _inline_script(_config_js(quote(folder))) + (
            f'<script src="{html.escape(quote(f"{folder}/{MATHJAX_SCRIPT}"))}"></script>\n'
        )
        images = {}
    page = render_page(collected, target.parent, scripts, images)
    _atomic_write(target, page.encode("utf-8"))
    return target


def render_page(collected: Collected, page_dir: Path, scripts: str, images: Mapping[str, str]) -> str:
    """The page's HTML: controls, one ``<article class="pv-card">`` per card, then ``scripts``.

    ``page_dir`` is where the page will be (source links are relative to it); ``images`` maps media
    names to the URLs that replace them in ``<img src>`` (empty: the media sit beside the page).
    """
    cards = [built for deck in collected.decks for built in deck.cards]
    decks = sorted({built.card.deck for built in cards})
    tags = sorted({tag for built in cards for tag in built.card.tags})
    articles = "\n".join(_article(built, page_dir, images) for built in cards)
    if not cards:
        articles = '<p class="pv-empty">No cards found.</p>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ankigen">
<title>ankigen preview — {len(cards)} cards</title>
<style>
{PAGE_CSS}
</style>
<style>
{NOTE_CSS}
</style>
</head>
<body>
<header class="pv-bar mathjax_ignore">
<input id="pv-search" type="search" placeholder="Search cards" aria-label="Search cards">
{_select("pv-deck", "All decks", decks)}
{_select("pv-tag", "All tags", tags)}
<button id="pv-night" type="button">Night mode</button>
<span id="pv-count">{len(cards)} of {len(cards)} cards</span>
</header>
<main class="pv-cards">
{articles}
</main>
<script>{_PAGE_JS}</script>
{scripts}</body>
</html>
"""


def fill_template(template: str, fields: Mapping[str, str]) -> str:
    """Fill an Anki card template: ``{{Field}}``, ``{{#Field}}…{{/Field}}`` and ``{{^Field}}…{{/Field}}``.

    Field values are HTML and go in unescaped, as Anki inserts them.
    """

    def section(match: re.Match[str]) -> str:
        present = bool(fields.get(match[2], "").strip())
        return match[3] if present == (match[1] == "#") else ""

    return _FIELD.sub(lambda match: fields.get(match[1], ""), _SECTION.sub(section, template))


def _article(built: BuiltCard, page_dir: Path, images: Mapping[str, str]) -> str:
    card = built.card
    location = f"{card.source}:{card.line}"
    source = f'<a href="{html.escape(_source_href(card.source, page_dir))}">{html.escape(location)}</a>'
    fields = {
        "Front": _with_images(built.html.front_html, images),
        "Back": _with_images(built.html.back_html, images),
        "Context": built.html.context_html,
        "Source": source,
    }
    front = fill_template(FRONT_TEMPLATE, fields)
    back = fill_template(BACK_TEMPLATE, {**fields, "FrontSide": front})
    text = " ".join([card.front, card.back, *card.context, *card.tags, location]).lower()
    tags = " ".join(f"<span>{html.escape(tag)}</span>" for tag in card.tags)
    return (
        f'<article class="pv-card" data-deck="{html.escape(card.deck)}" '
        f'data-tags="{html.escape(" ".join(card.tags))}" data-text="{html.escape(text)}">\n'
        f'<div class="pv-meta mathjax_ignore"><span class="pv-deck">{html.escape(card.deck)}</span>'
        f'<span class="pv-tags">{tags}</span></div>\n'
        f'<div class="card"><div id="qa">\n{back}\n</div></div>\n</article>'
    )


def _select(element_id: str, everything: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values)
    return (
        f'<select id="{element_id}" aria-label="{everything}">'
        f'<option value="">{everything}</option>{options}</select>'
    )


def _source_href(source: str, page_dir: Path) -> str:
    """A link from the page to the note file (relative when possible)."""
    path = Path(source).resolve()
    try:
        return quote(Path(os.path.relpath(path, page_dir.resolve())).as_posix())
    except ValueError:  # another drive on Windows
        return path.as_uri()


def _with_images(field_html: str, images: Mapping[str, str]) -> str:
    for name, url in images.items():
        field_html = field_html.replace(f'src="{name}"', f'src="{url}"')
    return field_html


def _data_url(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _config_js(mathjax_url: str | None) -> str:
    """``window.MathJax = …``; ``mathjax_url`` is where MathJax's own files are (if written)."""
    config = copy.deepcopy(_MATHJAX_CONFIG)
    if mathjax_url is not None:
        config["loader"]["paths"] = {"mathjax": mathjax_url}
    return f"window.MathJax = {json.dumps(config)};\n"


def _inline_script(js: str) -> str:
    """A ``<script>`` element holding ``js`` (``</script`` inside it escaped)."""
    return "<script>\n" + re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE) + "\n</script>\n"


def _mathjax_folder() -> Traversable:
    """MathJax 3.2.2's ``es5`` folder inside the ``django-static-mathjax`` package."""
    return resources.files("mathjax").joinpath("static", "mathjax", "es5")


def _font_files(mathjax: Traversable) -> list[Traversable]:
    fonts = mathjax.joinpath(*MATHJAX_FONTS.split("/"))
    return sorted((f for f in fonts.iterdir() if f.name.endswith(".woff")), key=lambda f: f.name)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temp.open("xb") as out:  # created with the umask's permissions, unlike mkstemp's 0600
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
