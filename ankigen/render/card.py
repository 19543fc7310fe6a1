"""The :class:`Renderer`: one card's fields through the stages listed in :mod:`ankigen.render`."""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from markdown.extensions import Extension

from ankigen import rules
from ankigen.model import Card, Diagnostic, MediaFile, RenderedCard
from ankigen.render.cloze import seal
from ankigen.render.code import fence_format
from ankigen.render.inline import InlineTriggersExtension
from ankigen.render.limits import too_complex
from ankigen.render.lists import ListsExtension
from ankigen.render.math import MathStash, protect_markdown, split_plain_math
from ankigen.render.media import resolve_image
from ankigen.render.obsidian import rewrite
from ankigen.render.sanitise import DATA_IMAGE, make_cleaner, safe_style, unsafe_html
from ankigen.render.skips import SkipIdleExtension
from ankigen.render.tables import convert_tab_tables, wrap_tables

_PLAIN_SENTENCE = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.?'\"():;/=%+-])*(?<! )")
"""One line of words and plain punctuation, no Markdown syntax: paragraphs of such lines (one blank
line apart) are ``<p>lines</p>`` each. Tried only on short text: the regex engine keeps state per
character it backtracks over."""
_PLAIN_SENTENCE_MAX = 2000


class _Markdown(markdown.Markdown):  # type: ignore[misc]  # markdown has no type information
    """Python-Markdown, with extensions named by module only where a name is an import path.

    Markdown looks every extension name up among the installed packages' entry points first,
    which imports ``importlib.metadata`` and reads every package's metadata (about a tenth of a
    small build); pymdown-extensions' superfences names ``pymdownx.highlight`` so. A dotted name
    is a module here, as Markdown's own fallback reads it."""

    def build_extension(self, ext_name: str, configs: Mapping[str, Any]) -> Extension:
        if "." not in ext_name or ":" in ext_name:
            return super().build_extension(ext_name, configs)
        module = importlib.import_module(ext_name)
        extension: Extension = module.makeExtension(**configs)
        return extension


def _markdown(fence: Callable[..., str]) -> markdown.Markdown:
    """The converter: ``fence`` formats every fenced code block (extensions as objects: see
    :class:`_Markdown`)."""
    import mdx_truly_sane_lists
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.tables import TableExtension
    from pymdownx import highlight, mark, saneheaders, superfences

    return _Markdown(
        extensions=[
            TableExtension(),
            MarkdownInHtmlExtension(),
            superfences.makeExtension(custom_fences=[{"name": "*", "class": "highlight", "format": fence}]),
            highlight.makeExtension(use_pygments=True, css_class="highlight", guess_lang=False),
            saneheaders.makeExtension(),
            mark.makeExtension(),
            mdx_truly_sane_lists.makeExtension(nested_indent=2, truly_sane=False),
            ListsExtension(),
            InlineTriggersExtension(),
            SkipIdleExtension(),
        ],
        output_format="html",
    )


@dataclass
class _CardState:
    """What the sanitiser's attribute callback needs while one card renders."""

    card: Card
    root: Path
    texts: list[tuple[str, int]]
    media: dict[str, MediaFile] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def line_of(self, needle: str) -> int:
        """The source line where ``needle`` first appears in the card, else the card's line."""
        low = needle.lower()
        for text, base in self.texts:
            at = text.lower().find(low)
            if at >= 0:
                return base + text.count("\n", 0, at)
        return self.card.line

    def warn(self, rule: rules.Rule, message: str, needle: str) -> None:
        diag = rule.at(self.card.source, self.line_of(needle), message)
        if diag not in self.diagnostics:
            self.diagnostics.append(diag)


def _plain_html(text: str) -> str:
    """Plain text: escaped, line breaks and leading indentation kept, math still typeset."""
    stash = MathStash()
    lines = html.escape(split_plain_math(text, stash), quote=False).split("\n")
    kept = []
    for line in lines:
        body = line.lstrip(" \t")
        indent = line[: len(line) - len(body)].expandtabs(4)
        kept.append("&nbsp;" * len(indent) + body)
    return seal(stash.restore("<br>".join(kept)))


class Renderer:
    """Renders cards; construct once and reuse (it keeps one Markdown converter and sanitiser)."""

    def __init__(self) -> None:
        self._stash = MathStash()  # the field being converted's: fenced code goes in it
        self._md = _markdown(fence_format(lambda html: self._stash.keep(html)))
        self._state: _CardState | None = None
        self._cleaner = make_cleaner(self._filter_attribute)
        self._titles: dict[str, str] = {}  # context titles repeat across a section's cards

    def _filter_attribute(self, tag: str, attr: str, value: str) -> str | None:
        if self._state is None:
            return value
        if tag == "img" and attr == "src":
            return self._image_src(value, self._state)
        if attr == "style":
            kept, dropped = safe_style(value)
            for declaration in dropped:
                self._state.warn(
                    rules.REMOTE_CONTENT, f"removed CSS that could load content: {declaration!r}", declaration
                )
            return kept if kept.strip() else None
        return value

    def _image_src(self, src: str, state: _CardState) -> str | None:
        found = resolve_image(src, Path(state.card.source).parent, state.root)
        if not found.remote:
            state.images[src] = found.state
        if found.remote:
            return src
        if found.outside:
            state.warn(
                rules.MEDIA_OUTSIDE_TREE,
                f"image {src!r} is outside the source tree {state.root}; not packaged",
                src,
            )
            return None
        if found.path is None or found.name is None:
            state.warn(rules.MISSING_IMAGE, f"image {src!r} not found", src)
            return src
        state.media.setdefault(found.name, MediaFile(found.name, found.path))
        return found.name

    def _markdown_html(self, text: str, state: _CardState) -> str:
        if len(text) <= _PLAIN_SENTENCE_MAX and "==" not in text:
            paragraphs = text.split("\n\n")
            if all(
                _PLAIN_SENTENCE.fullmatch(line) for paragraph in paragraphs for line in paragraph.split("\n")
            ):
                # what convert() makes of it; most questions, and many answers, are like this
                return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        return self.convert(text, state)

    def convert(self, text: str, state: _CardState) -> str:
        """Markdown → sanitised HTML with the author's math intact."""
        stash = self._stash = MathStash()
        text = rewrite(text, Path(state.card.source), state.root, state.warn)
        source = convert_tab_tables(protect_markdown(text, stash))
        reason = too_complex(source)
        self._md.reset()
        try:
            converted = "" if reason else self._md.convert(source)
        except RecursionError:
            reason = "it is nested too deeply"
        if reason:
            state.warn(rules.FIELD_TOO_COMPLEX, f"shown as plain text: {reason}", text[:40])
            return "<br>".join(html.escape(text, quote=False).split("\n"))
        for m in unsafe_html(stash.restore(converted)):  # with the math: TeX can hide a handler
            snippet = m.group(0).strip().rstrip("=").strip()
            state.warn(rules.UNSAFE_HTML, f"removed HTML that could run code: {snippet!r}", snippet)
        for command in dict.fromkeys(stash.disarmed):
            message = f"math command {command} is shown as text: it could run code"
            state.warn(rules.UNSAFE_HTML, message, command)
        for m in DATA_IMAGE.finditer(converted):
            state.warn(
                rules.DATA_IMAGE, "removed an image written inline as a data: URL; save it as a file", m[1]
            )
        self._state = state
        try:
            cleaned = self._cleaner.clean(converted)
        finally:
            self._state = None
        return seal(stash.restore(wrap_tables(cleaned)))

    def _field(self, text: str, markup: str, state: _CardState) -> str:
        """One field's text → HTML."""
        if markup == "plain":
            return _plain_html(text)
        return self._markdown_html(text, state)

    def _context_html(self, titles: tuple[str, ...], state: _CardState) -> str:
        parts = []
        for title in titles:
            if title not in self._titles:
                if len(self._titles) > 4096:
                    self._titles.clear()
                rendered = self._markdown_html(title, state).strip()
                if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
                    self._titles[title] = rendered[3:-4]
                else:
                    self._titles[title] = html.escape(title, quote=False)
            parts.append(self._titles[title])
        return " › ".join(parts)

    def render(self, card: Card, root: Path) -> RenderedCard:
        """Render ``card``; local media must lie inside ``root``."""
        back_line = card.back_line or card.line
        state = _CardState(card, root, [(card.front, card.line), (card.back, back_line)])
        front = self._field(card.front, card.markup, state)
        back = self._field(card.back, card.markup, state)
        context = self._context_html(card.context, _CardState(card, root, []))
        return RenderedCard(
            front_html=front,
            back_html=back,
            context_html=context,
            media=tuple(state.media[name] for name in sorted(state.media)),
            diagnostics=tuple(state.diagnostics),
            images=tuple(sorted(state.images.items())),
        )
