"""YAML front matter: the ``---`` block at the top of a note, read with a real YAML parser.

The block is a note's settings, never card text: :func:`split_front_matter` blanks its lines
(line numbers of everything after it stay as written) and returns the settings it gives.

A first line of ``---`` starts front matter only when the lines up to the next ``---`` (or
``...``) line read as ``key: value`` YAML, so a questionnaire whose first item is fenced by
``---`` rules is not taken for front matter.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ankigen import rules, tags
from ankigen.hashtags import note_tag
from ankigen.model import Diagnostic
from ankigen.parsers import FORMATS

KEYS = ("deck", "tags", "format", "reverse")
"""The keys ankigen reads; every other key is left to other tools."""
_OWN_LOOKING = ("output", "parent", "sources", "deck_name", "anki_deck", "ankigen")
_CLOSE = re.compile(r"^---[ \t]*$|^\.\.\.[ \t]*$")
_KEY_LINE = re.compile(r"^[A-Za-z_][\w .-]*:(?:\s|$)")


@dataclass(frozen=True)
class FrontMatter:
    """What a note's front matter sets: its deck, tags, note format and whether its notes are
    reversed (``None``: not set)."""

    deck: str | None = None
    tags: tuple[str, ...] = ()
    format: str | None = None
    reverse: bool | None = None


@dataclass
class Split:
    """A source with its front matter lines blanked, the settings and the problems found."""

    text: str
    front_matter: FrontMatter = field(default_factory=FrontMatter)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def split_front_matter(text: str, path: str) -> Split:
    """``text`` without its front matter (its lines left empty) and the settings it gives."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return Split(text)
    end = next((i for i in range(1, len(lines)) if _CLOSE.match(lines[i])), None)
    if end is None:
        return Split(text)
    body = lines[1:end]
    if not all(_KEY_LINE.match(line) or not line.strip() or line[:1] in " \t-#" for line in body):
        return Split(text)
    blanked = "\n" * (end + 1) + "\n".join(lines[end + 1 :])
    diagnostics: list[Diagnostic] = []
    block = "\n".join(body)
    import yaml  # here: most notes have no front matter

    try:
        node = yaml.compose(block, Loader=yaml.SafeLoader)
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or str(exc)
        message = f"front matter is not valid YAML ({problem}); its settings are ignored"
        return Split(blanked, FrontMatter(), [rules.FRONT_MATTER.at(path, line, message)])
    if data is None:
        return Split(blanked)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return Split(text)
    key_lines = {str(k.value): 2 + k.start_mark.line for k, _ in node.value}
    settings = _settings(data, key_lines, path, diagnostics)
    return Split(blanked, settings, diagnostics)


def _settings(
    data: dict[object, object], lines: dict[str, int], path: str, out: list[Diagnostic]
) -> FrontMatter:
    """The ankigen settings in ``data``; wrong values and ankigen-looking keys are reported."""

    def warn(key: str, message: str) -> None:
        out.append(rules.FRONT_MATTER.at(path, lines.get(key, 1), message))

    for key in map(str, data):
        if key in KEYS:
            continue
        close = difflib.get_close_matches(key.casefold(), KEYS, n=1, cutoff=0.75)
        if close or key.casefold() in _OWN_LOOKING or key.casefold().startswith("anki"):
            hint = f"; did you mean `{close[0]}`?" if close else f"; ankigen reads only {', '.join(KEYS)}"
            warn(key, f"front matter key `{key}` is not one ankigen reads{hint}")
    deck = data.get("deck")
    if deck is not None and not isinstance(deck, str | int | float):
        warn("deck", "front matter `deck` must be a deck name; ignored")
        deck = None
    fmt = data.get("format")
    if fmt is not None and fmt not in FORMATS:
        warn("format", f"front matter `format` must be one of {', '.join(FORMATS)}, not {fmt!r}; ignored")
        fmt = None
    reverse = data.get("reverse")
    if reverse is not None and not isinstance(reverse, bool):
        warn("reverse", f"front matter `reverse` must be true or false, not {reverse!r}; ignored")
        reverse = None
    found: list[str] = []
    for raw in _tag_values(data.get("tags")):
        try:
            found.append(tags.clean_tag(note_tag(raw)))
        except ValueError as exc:
            warn("tags", f"{exc}; the tag is left out")
    name = str(deck).strip() if deck is not None else ""
    fmt = fmt if isinstance(fmt, str) else None
    return FrontMatter(name or None, tuple(dict.fromkeys(found)), fmt, reverse)


def _tag_values(value: object) -> list[str]:
    """Front matter tags as written: a list, or one string of tags separated by commas or spaces."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value if item is not None]
    return [part for part in re.split(r"[,\s]+", str(value)) if part]
