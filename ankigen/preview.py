"""The preview page: every card as Anki shows it, with every ``check`` diagnostic on its card.

The page is a small shell (controls, ``preview.css``, ``preview.js``) and the cards as JSON data; the
script renders only the cards near the screen, typesets their math as they appear, and filters the
data (search, deck, tag, problems) without touching the rest. Each card is the note type's front or
back template filled with the card's fields (a cloze note's clozes hidden and shown as Anki does),
inside the markup Anki uses (``<div class="card"><div id="qa">``) and styled with the note type CSS.
A diagnostic that lies inside no card (a skipped question, an unreadable file) is an entry of its
own. Math is typeset by MathJax 3.2.2 (Anki 26's version, from the ``django-static-mathjax`` package
data) configured as Anki configures it. Nothing is ever loaded from a CDN; only remote images
written in the notes are fetched, as Anki would.

``write_preview`` writes the static page: MathJax, its fonts and the cards' local images go into
``<stem>_files/`` beside it, or, ``self_contained``, into the one HTML file. ``ankigen serve``
(:mod:`ankigen.serve`) serves the same page live.
"""

from __future__ import annotations

import base64
import bisect
import copy
import functools
import hashlib
import html
import json
import mimetypes
import os
import re
import uuid
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import genanki

from ankigen.build import BuiltCard, Collected
from ankigen.cloze import anki_numbers, reveal
from ankigen.model import Diagnostic
from ankigen.notetype import CLOZE_CSS, NOTE_CSS, NoteType, cloze_fields
from ankigen.package import card_ords

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

MATHJAX_SCRIPT = "tex-chtml-full.js"
MATHJAX_FONTS = "output/chtml/fonts/woff-v2"
"""The MathJax files the page needs, relative to MathJax's ``es5`` folder."""

PAGE_CSS: str = resources.files("ankigen").joinpath("preview.css").read_text(encoding="utf-8")
PAGE_JS: str = resources.files("ankigen").joinpath("preview.js").read_text(encoding="utf-8")

# Anki 26's MathJax settings (ts/mathjax/index.ts): only \(…\) and \[…\], no $ delimiters, no
# escapes/environments/refs outside math, noerrors and mathtools on, textmacros off. The menu is off so
# that nothing is ever loaded lazily; the page typesets each card itself when it first shows it.
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
    "startup": {"typeset": False},
}

# With MathJax inlined, its @font-face rules would point to a folder that does not exist: swap each
# font URL for an embedded data: URL before the first typeset builds the stylesheet.
_EMBED_FONTS_JS = """
MathJax.startup.ready = () => {
  const fonts = MathJax._.output.chtml.fonts.tex_ts.TeXFont.defaultFonts;
  for (const [rule, face] of Object.entries(fonts)) {
    const file = /%%URL%%\\/([^")]+)/.exec(face.src);
    if (file && EMBEDDED_FONTS[file[1]]) {
      fonts[rule] = {...face, src: 'url("' + EMBEDDED_FONTS[file[1]] + '") format("woff")'};
    }
  }
  MathJax.startup.defaultReady();
};
"""

_BULK = ("x", "f", "b")
_SEPARATOR = "\x1e"
_LT = "\x1d"
_CONTROLS = re.compile("[\x1d\x1e\x1f]")
_SCRIPT_BREAKERS = re.compile(r"</script|<!--", re.IGNORECASE)
_SECTION = re.compile(r"\{\{([#^])(\w[\w ]*)\}\}(.*?)\{\{/\2\}\}", re.DOTALL)
_FIELD = re.compile(r"\{\{(\w[\w :]*)\}\}")


@dataclass(frozen=True)
class Links:
    """Where the page's links point: ``source(path)`` → a note file's URL, media name → image URL;
    ``lines``: the file's URL takes ``#L<line>`` to show that line."""

    source: Callable[[str], str]
    images: Mapping[str, str]
    lines: bool = False

    def at(self, source: str, line: int) -> str:
        """The URL of ``source`` at ``line``."""
        return self.source(source) + (f"#L{line}" if self.lines else "")


def write_preview(collected: Collected, target: Path, self_contained: bool = False) -> Path:
    """Write the preview page of every collected card to ``target`` (atomically) and return its path.

    Without ``self_contained``, MathJax goes into ``<stem>_files/mathjax/`` and local images into
    ``<stem>_files/media/``; with it, the page is one file with MathJax, its fonts and the images embedded.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    mathjax = mathjax_folder()
    media = {m.name: m.path for deck in collected.decks for built in deck.cards for m in built.html.media}
    page_dir = target.parent.resolve()
    if self_contained:
        fonts = {
            font.name: "data:font/woff;base64," + base64.b64encode(font.read_bytes()).decode("ascii")
            for font in mathjax_fonts(mathjax)
        }
        script = mathjax.joinpath(MATHJAX_SCRIPT).read_text(encoding="utf-8")
        scripts = _inline_script(
            _config_js(None) + f"const EMBEDDED_FONTS = {json.dumps(fonts)};" + _EMBED_FONTS_JS
        ) + _inline_script(script)
        images = {name: _data_url(path) for name, path in media.items()}
    else:
        files = f"{target.stem}_files"
        folder = target.parent / files
        _atomic_write(folder / "mathjax" / MATHJAX_SCRIPT, mathjax.joinpath(MATHJAX_SCRIPT).read_bytes())
        for font in mathjax_fonts(mathjax):
            _atomic_write(folder / "mathjax" / MATHJAX_FONTS / font.name, font.read_bytes())
        for name, path in media.items():
            _atomic_write(folder / "media" / name, path.read_bytes())
        scripts = mathjax_scripts(quote(f"{files}/mathjax"))
        images = {name: quote(f"{files}/media/{name}") for name in media}
    links = Links(lambda source: _relative_href(source, page_dir), images)
    page = render_page(pack(page_data(collected, links)), scripts)
    _atomic_write(target, page.encode("utf-8"))
    return target


def mathjax_scripts(url: str) -> str:
    """The ``<script>`` elements that load MathJax from ``url`` (its ``es5`` folder), configured as Anki's."""
    return _inline_script(_config_js(url)) + (
        f'<script src="{html.escape(f"{url}/{MATHJAX_SCRIPT}")}"></script>\n'
    )


def page_data(
    collected: Collected, links: Links, version: str = "", memo: dict[Hashable, Any] | None = None
) -> dict[str, Any]:
    """The page's data: one entry per card, and per diagnostic that lies inside no card.

    An entry has ``k`` (a key that changes when anything shown changes), ``d`` deck, ``t`` tags,
    ``s`` source, ``l`` line, ``h`` link to the source file, ``p`` diagnostics ``[severity, rule,
    message, line, column]``, ``x`` the lower-cased text search looks in and, for a card, ``f`` /
    ``b`` its front and back sides (the back's ``{{FrontSide}}`` left for the page to fill). A cloze
    note has an entry per card, as Anki does (one per cloze number; its diagnostics on the first). A
    ``version`` makes the page follow the server's rebuilds (``ankigen serve``). ``memo`` (kept by
    the caller between calls with the same ``links``) holds the card entries made last time;
    unchanged cards are taken from it.
    """
    cards = [(deck.name, built) for deck in collected.decks for built in deck.cards]
    located = _Locator([built for _, built in cards])
    problems: dict[int, list[Diagnostic]] = {}
    loose: list[tuple[tuple[int, int, int], str, Diagnostic]] = []
    for deck_name, diagnostic in _diagnostics(collected):
        index = located.card_of(diagnostic)
        if index is None:
            loose.append((located.place(diagnostic, len(loose)), deck_name, diagnostic))
        else:
            problems.setdefault(index, []).append(diagnostic)
    made: dict[Hashable, Any] = {}
    entries: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
    for index, (_, built) in enumerate(cards):
        found = tuple(problems.get(index, ()))
        key = (built.card, built.guid, built.html, built.note_type, found)
        made[key] = (memo or {}).get(key) or _card_entries(built, list(found), links)
        entries.extend(((index, 0, number), entry) for number, entry in enumerate(made[key]))
    if memo is not None:
        memo.clear()
        memo.update(made)
    entries.extend((place, _loose_entry(deck, diagnostic, links)) for place, deck, diagnostic in loose)
    entries.sort(key=lambda pair: pair[0])
    return {
        "entries": [entry for _, entry in entries],
        "live": bool(version),
        "version": version,
        "lines": links.lines,
    }


def render_page(packed: Mapping[str, Any], scripts: str) -> str:
    """The page's HTML: controls, the ``packed`` card data, the page script, then ``scripts`` (MathJax)."""
    count = packed["cards"]
    bulk = "\n".join(f'<script type="text/plain" id="pv-{name}">{packed[name]}</script>' for name in _BULK)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ankigen">
<title>ankigen preview — {count} cards</title>
<style>
{PAGE_CSS}
</style>
<style>
{NOTE_CSS}{CLOZE_CSS}
</style>
</head>
<body class="pv-view-back">
<header class="pv-bar mathjax_ignore">
<input id="pv-search" type="search" placeholder="Search cards (/)" aria-label="Search" autocomplete="off">
<select id="pv-deck" aria-label="Deck"><option value="">All decks</option></select>
<select id="pv-tag" aria-label="Tag"><option value="">All tags</option></select>
<label class="pv-check"><input id="pv-problems" type="checkbox"> Only problems
<span id="pv-problem-count"></span></label>
<select id="pv-view" aria-label="Show">
<option value="back">Back</option><option value="front">Front (click to flip)</option>
<option value="both">Both</option>
</select>
<button id="pv-night" type="button" aria-pressed="false">Night mode</button>
<span id="pv-count"></span>
<span id="pv-status"></span>
</header>
<main class="pv-cards"><div id="pv-list"></div><p id="pv-empty" hidden>No cards found.</p></main>
<div id="pv-more" aria-hidden="true"></div>
<script type="application/json" id="pv-data">{_safe_json({**packed, **dict.fromkeys(_BULK, "")})}</script>
{bulk}
<script>{PAGE_JS}</script>
{scripts}
</body>
</html>
"""


def pack(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as the page reads it: an ``index`` of the entries' small fields, and each bulky field
    (``x``, ``f``, ``b``) as one string, the entries' values joined by U+001E.

    Big strings cost the browser far less to read than the same text spread over JSON objects. In them,
    U+001D stands for a ``<`` that would open ``</script`` or ``<!--`` (so they fit in a ``<script>``).
    """
    entries = data["entries"]
    index = [{key: value for key, value in entry.items() if key not in _BULK} for entry in entries]
    bulk = {name: _joined([entry.get(name, "") for entry in entries]) for name in _BULK}
    cards = sum("f" in entry for entry in entries)
    small = {key: data[key] for key in ("live", "version", "lines")}
    return {"index": index, **small, "cards": cards, **bulk}


def _joined(values: list[str]) -> str:
    whole = "".join(values)
    if any(control in whole for control in (_LT, _SEPARATOR, "\x1f")):  # `in` is far faster than re
        values = [_CONTROLS.sub("\ufffd", value) for value in values]
    return _SCRIPT_BREAKERS.sub(lambda match: _LT + match[0][1:], _SEPARATOR.join(values))


def _safe_json(data: Mapping[str, Any]) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


def fill_template(template: str, fields: Mapping[str, str]) -> str:
    """Fill an Anki card template: ``{{Field}}``, ``{{#Field}}…{{/Field}}`` and ``{{^Field}}…{{/Field}}``.

    Field values are HTML and go in unescaped, as Anki inserts them; a field not in ``fields`` is
    left as it is. A filtered field (``{{cloze:Text}}``) is filled by its key in ``fields`` as written.
    """

    def section(match: re.Match[str]) -> str:
        present = bool(fields.get(match[2], "").strip())
        return _SECTION.sub(section, match[3]) if present == (match[1] == "#") else ""

    return _FIELD.sub(lambda match: fields.get(match[1], match[0]), _SECTION.sub(section, template))


def _card_entries(built: BuiltCard, problems: list[Diagnostic], links: Links) -> list[dict[str, Any]]:
    """One entry per card the note makes (as Anki decides it: one per template, or per cloze
    number), the note's diagnostics on the first."""
    card = built.card
    location = f"{card.source}:{card.line}"
    front = _with_images(built.html.front_html, links.images)
    back = _with_images(built.html.back_html, links.images)
    values = list(built.note_type.fields)
    if built.note_type.cloze:
        front, back = cloze_fields(front, back, bool(anki_numbers(back)))
    fields = {
        values[0]: front,
        values[1]: back,
        values[2]: built.html.context_html,
        values[3]: f'<a href="{html.escape(links.at(card.source, card.line))}">{html.escape(location)}</a>',
    }
    text = " ".join([card.front, card.back, *card.context, *card.tags, location]).lower()
    note_type = built.note_type
    entries = []
    for number, ord_ in enumerate(card_ords(_model(note_type), [fields[name] for name in note_type.fields])):
        name, front_template, back_template = note_type.templates[0 if note_type.cloze else ord_]
        question = answer = fields
        if note_type.cloze:  # Anki's {{cloze:Text}} of card ord_ + 1
            name = f"Cloze {ord_ + 1}"
            question = {**fields, f"cloze:{values[0]}": reveal(front, ord_ + 1, True)}
            answer = {**fields, f"cloze:{values[0]}": reveal(front, ord_ + 1, False)}
        entry = {
            "d": card.deck,
            "t": list(card.tags),
            "s": card.source,
            "l": card.line,
            "h": links.source(card.source),
            "p": [_problem(d) for d in problems] if number == 0 else [],
            "x": text,
            "f": fill_template(front_template, question),
            "b": fill_template(back_template, answer),
            **({"c": name} if len(note_type.templates) > 1 or note_type.cloze else {}),
        }
        entries.append({"k": _key(entry), **entry})
    return entries


@functools.cache
def _model(note_type: NoteType) -> genanki.Model:
    """``note_type``'s genanki model, which knows which of its cards a note makes."""
    return note_type.model(NOTE_CSS)


def _loose_entry(deck: str, diagnostic: Diagnostic, links: Links) -> dict[str, Any]:
    location = f"{diagnostic.path}:{diagnostic.line}"
    entry = {
        "d": deck,
        "t": [],
        "s": diagnostic.path,
        "l": diagnostic.line,
        "h": links.source(diagnostic.path),
        "p": [_problem(diagnostic)],
        "x": f"{diagnostic.message} {diagnostic.rule} {location}".lower(),
    }
    return {"k": _key(entry), **entry}


def _problem(diagnostic: Diagnostic) -> list[str | int | None]:
    return [diagnostic.severity, diagnostic.rule, diagnostic.message, diagnostic.line, diagnostic.col]


def _key(entry: Mapping[str, Any]) -> str:
    return hashlib.blake2b(repr(entry).encode("utf-8", "surrogatepass"), digest_size=9).hexdigest()


def _diagnostics(collected: Collected) -> Iterator[tuple[str, Diagnostic]]:
    """Every diagnostic once, with the name of the deck it was found in ("" for none)."""
    seen: set[Diagnostic] = set()
    for deck_name, diagnostics in [
        *((deck.name, deck.diagnostics) for deck in collected.decks),
        ("", collected.diagnostics),
    ]:
        for diagnostic in sorted(diagnostics, key=Diagnostic.sort_key):
            if diagnostic not in seen:
                seen.add(diagnostic)
                yield deck_name, diagnostic


class _Locator:
    """Finds the card a diagnostic lies in, and where a diagnostic outside every card goes in the list."""

    def __init__(self, cards: list[BuiltCard]) -> None:
        self.by_source: dict[str, list[tuple[int, int, int]]] = {}  # source → [(line, end line, index)]
        for index, built in enumerate(cards):
            card = built.card
            span = (card.line, max(card.end_line, card.line), index)
            self.by_source.setdefault(card.source, []).append(span)
        for spans in self.by_source.values():
            spans.sort()

    def card_of(self, diagnostic: Diagnostic) -> int | None:
        """The index of the card whose lines hold the diagnostic's line, if any."""
        spans = self.by_source.get(diagnostic.path, [])
        at = bisect.bisect_right(spans, (diagnostic.line, float("inf"), 0)) - 1
        if at >= 0 and spans[at][0] <= diagnostic.line <= spans[at][1]:
            return spans[at][2]
        return None

    def place(self, diagnostic: Diagnostic, order: int) -> tuple[int, int, int]:
        """A sort key putting the diagnostic after the card before it in its file (or before the first);
        a file without cards (unreadable, binary, the config) comes first."""
        spans = self.by_source.get(diagnostic.path)
        if not spans:
            return (-1, 0, order)
        at = bisect.bisect_right(spans, (diagnostic.line, float("inf"), 0)) - 1
        return (spans[at][2], 1, order) if at >= 0 else (spans[0][2], -1, order)


def _relative_href(source: str, page_dir: Path) -> str:
    """A link from the page in ``page_dir`` to the note file (relative when possible)."""
    path = Path(source).resolve()
    try:
        return quote(Path(os.path.relpath(path, page_dir)).as_posix())
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


def mathjax_folder() -> Traversable:
    """MathJax 3.2.2's ``es5`` folder inside the ``django-static-mathjax`` package."""
    return resources.files("mathjax").joinpath("static", "mathjax", "es5")


def mathjax_fonts(mathjax: Traversable) -> list[Traversable]:
    """The woff fonts MathJax's CHTML output uses."""
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
