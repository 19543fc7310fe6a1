"""Obsidian's Markdown, rewritten to the Markdown and HTML the converter knows, outside code and math.

- ``![[image.png]]``, ``![[image.png|300]]``, ``![[image.png|300x200]]``: an ``<img>`` of the file
  found by name in the notes' tree (:func:`ankigen.embeds.find_embed`); a size sets its width (and height).
- ``![[Other note]]``: its name as text (``check`` reports it; notes are not copied into cards).
- ``[[Note]]``, ``[[Note#Part]]``, ``[[Note|alias]]``: the alias, else the title (``Note › Part``).
- ``- [ ]`` / ``- [x]`` list items: ☐ / ☑.
- ``> [!type] Title`` blockquotes (callouts): a titled box ``<div class="callout callout-type">``
  (``[!type]-`` or ``[!type]+``: a ``<details>`` box, folded with ``-``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from ankigen import rules
from ankigen.embeds import find_embed
from ankigen.scan import Covered, code_line_mask, scan_markdown
from ankigen.vault import EMBED, is_note_embed

# `[[src]](url)` and `[[x]][ref]` are Markdown links whose text is `[src]`, not wiki links.
_LINK = re.compile(r"(?<![!\[])\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]*))?\]\](?![(\[\]])")
_SIZE = re.compile(r"^\s*(\d+)(?:\s*x\s*(\d+))?\s*$")
_TASK = re.compile(r"^([ \t]*[-*+][ \t]+)\[([ xX])\](?=[ \t])", re.MULTILINE)
_CALLOUT = re.compile(r"^>[ \t]?\[!([\w-]+)\]([+-]?)[ \t]*(.*)$")
_QUOTED = re.compile(r"^>[ \t]?")
_TRIGGER = re.compile(r"\[\[|^[ \t]*[-*+][ \t]+\[[ xX]\]|^>[ \t]?\[!", re.MULTILINE)

Warn = Callable[[rules.Rule, str, str], None]
"""Reports a problem: its rule, message and the text to find its line by."""


def has_obsidian_syntax(text: str) -> bool:
    """Whether ``text`` may hold syntax this module rewrites (a quick test)."""
    return _TRIGGER.search(text) is not None


def rewrite(text: str, note: Path, root: Path, warn: Warn) -> str:
    """``text`` with Obsidian's embeds, links, task items and callouts rewritten (outside code and math)."""
    if not has_obsidian_syntax(text):
        return text
    text = _callouts(text)

    def outside(pattern: re.Pattern[str], make: Callable[[re.Match[str]], str], source: str) -> str:
        covered = Covered(scan_markdown(source).spans)
        return pattern.sub(lambda m: m.group() if m.start() in covered else make(m), source)

    text = outside(EMBED, lambda m: _embed(m, note, root, warn), text)
    text = outside(_LINK, _link, text)
    return outside(_TASK, lambda m: m.group(1) + ("☐" if m.group(2) == " " else "☑"), text)


def _link(match: re.Match[str]) -> str:
    target, alias = match.group(1), match.group(2)
    if alias and alias.strip():
        return alias.strip()
    return " › ".join(part.strip() for part in target.replace("#^", "#").split("#") if part.strip())


def _embed(match: re.Match[str], note: Path, root: Path, warn: Warn) -> str:
    target, option = match.group(1).strip(), (match.group(2) or "").strip()
    if is_note_embed(target):
        return html.escape(option or target)
    found = find_embed(target, note, root)
    if found.ambiguous:
        message = f"`{match.group()}` matches {', '.join(found.ambiguous)}; {found.path} is used"
        warn(rules.AMBIGUOUS_EMBED, message, match.group())
    src = "/" + quote(found.path) if found.path else quote(target)
    size = _SIZE.match(option)
    attributes = f' src="{html.escape(src)}" alt="{html.escape(option if option and not size else target)}"'
    if size:
        attributes += f' width="{size.group(1)}"' + (f' height="{size.group(2)}"' if size.group(2) else "")
    return f"<img{attributes}>"


def _callouts(text: str) -> str:
    """``> [!type] Title`` blockquotes (outside code blocks) as titled boxes."""
    if "[!" not in text:
        return text
    lines = text.split("\n")
    in_code = code_line_mask(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = None if in_code[i] else _CALLOUT.match(lines[i])
        if match is None:
            out.append(lines[i])
            i += 1
            continue
        kind, fold, title = match.group(1).lower(), match.group(2), match.group(3).strip()
        body = []
        i += 1
        while i < len(lines) and lines[i].startswith(">"):
            body.append(_QUOTED.sub("", lines[i], count=1))
            i += 1
        out.extend(_box(kind, fold, title or kind.capitalize(), body))
    return "\n".join(out)


def _box(kind: str, fold: str, title: str, body: list[str]) -> list[str]:
    """The lines of one callout box (as many as the callout had, plus the blank lines around it)."""
    tag, head = ("details", "summary") if fold else ("div", "div")
    opened = f'<{tag} class="callout callout-{kind}" markdown="1"' + (">" if fold != "+" else " open>")
    return [
        "",
        opened,
        f'<{head} class="callout-title" markdown="span">{title}</{head}>',
        "",
        *body,
        "",
        f"</{tag}>",
        "",
    ]
