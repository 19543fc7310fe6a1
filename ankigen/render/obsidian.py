"""Obsidian's Markdown, rewritten to the Markdown and HTML the converter knows, outside code and math.

- ``![[image.png]]``, ``![[image.png|300]]``, ``![[image.png|300x200]]``: an ``<img>`` of the file
  found by name anywhere in the notes' tree (see :func:`find_embed`); a size sets its width (and height).
- ``![[Other note]]``: its name as text (``check`` reports it; notes are not copied into cards).
- ``[[Note]]``, ``[[Note#Part]]``, ``[[Note|alias]]``: the alias, else the title (``Note › Part``).
- ``- [ ]`` / ``- [x]`` list items: ☐ / ☑.
- ``> [!type] Title`` blockquotes (callouts): a titled box ``<div class="callout callout-type">``
  (``[!type]-`` or ``[!type]+``: a ``<details>`` box, folded with ``-``).
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from ankigen import rules
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


@dataclass(frozen=True)
class Found:
    """Where an embed's file is: its path from the notes' root (``None``: not found) and, when
    several files match equally well, all of them."""

    path: str | None
    ambiguous: tuple[str, ...] = ()


def find_embed(target: str, note: Path, root: Path) -> Found:
    """The file ``![[target]]`` in the note ``note`` means, as Obsidian finds it.

    A target with a folder is taken from the notes' root, then from the note's folder, then as the
    end of a path in the tree; a bare name is searched for anywhere in the tree. When several files
    match, the one with the shortest path wins; files of the same depth are ambiguous (the first
    by path is used). A target leaving the tree (``..``) is left to the renderer, which refuses it.
    """
    wanted = PurePosixPath(target.split("#", 1)[0].strip())
    if ".." in wanted.parts:
        return Found(None)
    files = _tree(root.resolve())
    if len(wanted.parts) > 1:
        for base in (PurePosixPath(), _relative(note.parent, root)):
            candidate = (base / wanted).as_posix() if base is not None else None
            if candidate in files.paths:
                return Found(candidate)
    suffix = tuple(part.casefold() for part in wanted.parts)
    matches = sorted(
        files.by_name.get(wanted.name.casefold(), ()),
        key=lambda path: (path.count("/"), path),
    )
    matches = [path for path in matches if tuple(path.casefold().split("/"))[-len(suffix) :] == suffix]
    if not matches:
        return Found(None)
    best = [path for path in matches if path.count("/") == matches[0].count("/")]
    return Found(best[0], tuple(best) if len(best) > 1 else ())


def _relative(folder: Path, root: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(folder.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return None


@dataclass(frozen=True)
class _Tree:
    paths: frozenset[str]
    by_name: dict[str, tuple[str, ...]]


@lru_cache(maxsize=8)
def _tree(root: Path) -> _Tree:
    """Every file under ``root`` (hidden folders skipped), by path and by case-folded name."""
    paths: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder).relative_to(root).as_posix()
        paths.extend(name if base == "." else f"{base}/{name}" for name in names)
    by_name: dict[str, list[str]] = {}
    for path in paths:
        by_name.setdefault(path.rpartition("/")[2].casefold(), []).append(path)
    return _Tree(frozenset(paths), {name: tuple(found) for name, found in by_name.items()})


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
