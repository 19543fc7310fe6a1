"""``ankigen.toml`` (or ``[tool.ankigen]`` in ``pyproject.toml``) → validated deck specs."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from ankigen import rules
from ankigen.identity import full_deck_name
from ankigen.ignores import Ignores, rule_id_problem
from ankigen.model import Diagnostic
from ankigen.parsers import FORMATS
from ankigen.sources import display_path, resolved
from ankigen.tags import clean_tag

FORMAT_CHOICES = ("auto", *FORMATS)
REQUIRED: Any = object()
"""The default of an option that must be given."""
TOP_LEVEL: Any = object()
"""The default of a ``[[deck]]`` option that takes the top-level option of the same name."""


@dataclass(frozen=True)
class Option:
    """One configuration key: its TOML type (and that of its items), default and help."""

    key: str
    """Dotted: ``output`` at the top, ``deck.name`` inside each ``[[deck]]``."""
    kind: type
    default: Any
    help: str
    items: type | None = None
    choices: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The key inside its table."""
        return self.key.rpartition(".")[2]


OPTIONS: tuple[Option, ...] = (
    Option(
        "output",
        str,
        "output",
        "folder the `.apkg` files go to, relative to the config file (`~` is your home folder)",
    ),
    Option("parent", str, "", "parent deck of every deck below (`Parent::Name`)"),
    Option(
        "removed_notes",
        str,
        "keep",
        "notes that left the sources: `keep` carries them in every build, tagged `ankigen::removed`; "
        "`drop` forgets them at the next full build",
        choices=("keep", "drop"),
    ),
    Option("ignore", list, (), "ids of warning rules never reported (see `check --explain`)", items=str),
    Option(
        "per-file-ignores",
        dict,
        {},
        "globs (relative to the config file) → ids of warning rules not reported in those files",
        items=list,
    ),
    Option(
        "folder_decks",
        bool,
        False,
        "the folder tree is the deck tree: `math/algebra.md` goes into `math::Algebra` (its title, "
        "else its file name, under its folders) unless `[[deck]]` or its front matter names a deck. "
        "Switching it on renames decks, and a GUID includes the deck: Anki imports the renamed decks' "
        "notes again as new notes (existing cards never move deck on import)",
    ),
    Option(
        "single_apkg",
        str,
        "",
        "also write every deck of the build into this one file in `output` (`vault.apkg`), which Anki "
        "imports with all its decks at once; not written when any deck is not",
    ),
    Option(
        "reverse",
        bool,
        False,
        "notes also ask the other way round: each is an `ankigen Basic (and reversed)` note with a second "
        "card showing the answer and asking for the question (a file's front matter `reverse:` wins). "
        "Switching it on or off makes new notes: Anki cannot change an imported note's note type, so the "
        "earlier notes, with their review history, are carried tagged `ankigen::removed` "
        "(`note-type-changed` warns)",
    ),
    Option("deck", list, (), "the decks, one `[[deck]]` table each", items=dict),
    Option("deck.name", str, REQUIRED, "deck name (under `parent`)"),
    Option(
        "deck.sources", list, REQUIRED, "globs of the deck's files, relative to the config file", items=str
    ),
    Option("deck.format", str, "auto", "note format", choices=FORMAT_CHOICES),
    Option("deck.tags", list, (), "tags added to every note of the deck", items=str),
    Option("deck.reverse", bool, TOP_LEVEL, "`reverse` for this deck's notes"),
)
"""Every configuration key: validation, defaults and the README's key list all read this table."""

_TOP = {option.name: option for option in OPTIONS if "." not in option.key}
_DECK = {option.name: option for option in OPTIONS if option.key.startswith("deck.")}


@dataclass(frozen=True)
class DeckSpec:
    """One ``[[deck]]`` entry: full deck name, source globs, note format, tags and its line."""

    name: str
    sources: tuple[str, ...]
    format: str
    tags: tuple[str, ...]
    line: int
    pattern_lines: tuple[int, ...] = ()
    """The config line of each of ``sources``."""
    reverse: bool = False
    """Whether the deck's notes are reversed (``reverse``, else the top-level one)."""

    @property
    def includes(self) -> tuple[str, ...]:
        """The globs that add files (``sources`` not starting with ``!``)."""
        return tuple(p for p in self.sources if not p.startswith("!"))

    @property
    def excludes(self) -> tuple[str, ...]:
        """The globs, ``!`` removed, of files left out of the deck."""
        return tuple(p[1:] for p in self.sources if p.startswith("!"))


@dataclass
class Config:
    """A loaded configuration; ``path`` is ``None`` when no file was found."""

    path: Path | None = None
    output: str = _TOP["output"].default
    removed_notes: str = _TOP["removed_notes"].default
    folder_decks: bool = False
    single_apkg: str = ""
    reverse: bool = False
    """The top-level ``reverse``: the default of every deck's."""
    decks: list[DeckSpec] = field(default_factory=list)
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _claims: dict[Path, tuple[Path, DeckSpec]] | None = field(default=None, repr=False, compare=False)
    _left_out: set[Path] = field(default_factory=set, repr=False, compare=False)

    @property
    def root(self) -> Path:
        """The folder that globs and the output folder are relative to."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def output_dir(self) -> Path:
        """The output folder: ``output`` with ``~`` expanded, relative to :attr:`root`."""
        return self.root / Path(self.output).expanduser()

    def claims(self) -> dict[Path, tuple[Path, DeckSpec]]:
        """Every file the decks' globs give (resolved) → (the path as globbed, the first deck
        that gives it); in deck order, then glob order, each glob's matches sorted."""
        if self._claims is None:
            self._claims = {}
            for deck in self.decks:
                for path in self.matches(deck):
                    self._claims.setdefault(path.resolve(), (path, deck))
                self._left_out.update(p.resolve() for g in deck.excludes for p in self.root.glob(g))
            self._left_out.difference_update(self._claims)
        return self._claims

    def matches(self, deck: DeckSpec) -> list[Path]:
        """The files ``deck``'s globs match, minus those its ``!`` globs match (earlier decks may
        claim some of them first)."""
        left_out = {p.resolve() for pattern in deck.excludes for p in self.root.glob(pattern)}
        found = [p for pattern in deck.includes for p in sorted(self.root.glob(pattern)) if p.is_file()]
        return [p for p in found if p.resolve() not in left_out]

    def deck_for(self, source: Path) -> DeckSpec | None:
        """The first deck whose globs give ``source``, if any."""
        claimed = self.claims().get(resolved(source))
        return claimed[1] if claimed else None

    def files_of(self, deck: DeckSpec) -> list[Path]:
        """The files ``deck`` is made of (those no earlier deck claimed)."""
        return [path for path, owner in self.claims().values() if owner is deck]

    def ignores(self) -> Ignores:
        """The rules ``ignore`` and ``per-file-ignores`` silence (markers are added per file)."""
        per_file: dict[Path, frozenset[str]] = {}
        for pattern, ids in self.per_file_ignores.items():
            for path in self.root.glob(pattern):
                per_file[path.resolve()] = per_file.get(path.resolve(), frozenset()) | frozenset(ids)
        return Ignores(frozenset(self.ignore), per_file)

    def excluded(self, source: Path) -> bool:
        """Whether a ``!`` glob leaves ``source`` out and no deck takes it: such a file found by
        walking a folder is skipped."""
        self.claims()
        return resolved(source) in self._left_out


def glob_warnings(config: Config) -> list[Diagnostic]:
    """The config's decks that give no files: a glob matching nothing, or a deck whose files
    all went to earlier decks (each warning names the config line)."""
    if config.path is None:
        return []
    shown = display_path(config.path)
    found: list[Diagnostic] = []
    for deck in config.decks:
        for pattern, line in zip(deck.sources, deck.pattern_lines, strict=True):
            if not pattern.startswith("!") and not any(p.is_file() for p in config.root.glob(pattern)):
                message = f"glob {pattern!r} of deck {deck.name!r} matches no file"
                found.append(rules.UNMATCHED_GLOB.at(shown, line, message))
        matched = config.matches(deck)
        if matched and not config.files_of(deck):
            owner = config.claims()[matched[0].resolve()][1]
            message = (
                f"every file of deck {deck.name!r} is already in deck {owner.name!r} ({shown}:{owner.line}), "
                "which comes first; the deck is not built"
            )
            found.append(rules.DECK_CLAIMED.at(shown, deck.line, message))
    return found


class ConfigError(Exception):
    """An invalid configuration file; ``diagnostic`` names the file, line and key."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def find_config(start: Path) -> Path | None:
    """The configuration that applies to notes in ``start``: in ``start`` or the nearest folder
    above it, ``ankigen.toml``, else a ``pyproject.toml`` with ``[tool.ankigen]``; else None."""
    for folder in (start.resolve(), *start.resolve().parents):
        for candidate in (folder / name for name in CONFIG_NAMES):
            if is_config(candidate):
                return candidate
    return None


def config_for(sources: Sequence[Path]) -> Path | None:
    """The configuration found from ``sources`` upward (with none, from the current folder);
    ``ValueError`` when the sources lie under different ones."""
    starts = [s if s.is_dir() else s.parent for s in sources] or [Path.cwd()]
    found = {find_config(start) for start in starts}
    if len(found) > 1:
        shown = ", ".join(sorted(display_path(p) if p else "none" for p in found))
        raise ValueError(
            f"the notes given belong to different configurations ({shown}); "
            "run ankigen once per notes folder, or choose one with --config"
        )
    return found.pop()


CONFIG_NAMES = ("ankigen.toml", "pyproject.toml")
"""The file names a configuration can have."""


def is_config(path: Path) -> bool:
    """Whether ``path`` is a configuration: an ``ankigen.toml``, or a ``pyproject.toml`` with
    ``[tool.ankigen]``."""
    if path.name == "ankigen.toml":
        return path.is_file()
    return path.name == "pyproject.toml" and path.is_file() and _has_tool_table(path)


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text("utf-8", "replace")  # not UTF-8: load_config reports it if it is ours
    except OSError:
        return False
    return re.search(r"^\[\[?tool\.ankigen", text, re.MULTILINE) is not None


def load_config(path: Path | None) -> Config:
    """Load and validate ``path`` (``None`` gives the defaults); raise ``ConfigError`` when invalid."""
    if path is None:
        return Config()
    shown = display_path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(rules.CONFIG.at(shown, 1, f"cannot read config: {exc}")) from exc
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        raise ConfigError(rules.CONFIG.at(shown, line, f"invalid TOML: {exc}")) from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("ankigen", {})
    return _validate(data, text, shown, path)


def _validate(data: dict[str, Any], text: str, shown: str, path: Path) -> Config:
    locate = _Locator(text)

    def fail(message: str, key: str, deck_index: int | None = None) -> ConfigError:
        line = locate.line(key, deck_index)
        return ConfigError(rules.CONFIG.at(shown, line, message))

    _check_table(data, _TOP, "", fail)
    top = _values(data, _TOP)
    single = top["single_apkg"]
    if single and (not single.endswith(".apkg") or Path(single).name != single or single.startswith(".")):
        raise fail(f"`single_apkg` must be a file name ending in .apkg, not {single!r}", "single_apkg")
    decks: list[DeckSpec] = []
    for index, entry in enumerate(top["deck"]):
        if not isinstance(entry, dict):
            raise fail(f"`deck` must be {_describe(_TOP['deck'])}", "deck")
        _check_table(entry, _DECK, "deck.", fail, index)
        deck = _values(entry, _DECK)
        lines = tuple(locate.value_line(pattern, "sources", index) for pattern in deck["sources"])
        for pattern, line in zip(deck["sources"], lines, strict=True):
            problem = _glob_problem(pattern)
            if problem:
                raise ConfigError(rules.CONFIG.at(shown, line, f"source glob {pattern!r} {problem}"))
        if not any(not pattern.startswith("!") for pattern in deck["sources"]):
            raise fail(
                "`deck.sources` needs at least one glob that is not an exclusion (`!…`)", "sources", index
            )
        for tag in deck["tags"]:
            try:
                clean_tag(tag)
            except ValueError as exc:
                line = locate.value_line(tag, "tags", index)
                raise ConfigError(rules.CONFIG.at(shown, line, str(exc))) from exc
        decks.append(
            DeckSpec(
                name=full_deck_name(top["parent"], deck["name"]),
                sources=tuple(deck["sources"]),
                format=deck["format"],
                tags=tuple(clean_tag(tag) for tag in deck["tags"]),
                line=locate.line("[[deck]]", index),
                pattern_lines=lines,
                reverse=top["reverse"] if deck["reverse"] is TOP_LEVEL else deck["reverse"],
            )
        )
    for rule_id in top["ignore"]:
        problem = rule_id_problem(rule_id)
        if problem:
            raise fail(f"`ignore`: {problem}", "ignore")
    per_file: dict[str, tuple[str, ...]] = {}
    for pattern, ids in top["per-file-ignores"].items():
        line = locate.line(pattern, None)
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ConfigError(
                rules.CONFIG.at(shown, line, f"`per-file-ignores` of {pattern!r} must be a list of strings")
            )
        problem = _glob_problem(pattern) or next(filter(None, map(rule_id_problem, ids)), None)
        if problem:
            raise ConfigError(rules.CONFIG.at(shown, line, f"`per-file-ignores` {pattern!r}: {problem}"))
        per_file[pattern] = tuple(ids)
    return Config(
        path=path,
        output=top["output"],
        removed_notes=top["removed_notes"],
        folder_decks=top["folder_decks"],
        single_apkg=top["single_apkg"],
        reverse=top["reverse"],
        decks=decks,
        ignore=tuple(top["ignore"]),
        per_file_ignores=per_file,
    )


def _glob_problem(pattern: str) -> str | None:
    """Why a ``sources`` glob cannot be used, if it cannot: it must name files inside the config's
    folder, relative to it."""
    glob = pattern[1:] if pattern.startswith("!") else pattern
    if not glob.strip() or glob.strip() in (".", "./"):
        return "names no files; write one such as `notes/**/*.md`"
    if glob.startswith(("/", "\\")) or PureWindowsPath(glob).is_absolute() or Path(glob).is_absolute():
        return "is absolute; globs are relative to the config file's folder"
    if ".." in PurePosixPath(glob.replace("\\", "/")).parts:
        return "leaves the config file's folder (`..`); the notes' root is that folder"
    return None


def _values(table: dict[str, Any], schema: dict[str, Option]) -> dict[str, Any]:
    """Every key of ``schema``: its value in ``table``, else its default."""
    return {name: table.get(name, option.default) for name, option in schema.items()}


def _check_table(
    table: dict[str, Any], schema: dict[str, Option], prefix: str, fail: Any, index: int | None = None
) -> None:
    """Check ``table`` against ``schema``: no unknown keys, the right types, nothing required
    missing, list items and choices as the options say."""
    for key, value in table.items():
        option = schema.get(key)
        if option is None:
            raise fail(f"unknown key `{prefix}{key}` (expected one of: {', '.join(schema)})", key, index)
        if not isinstance(value, option.kind):
            kinds: dict[type, str] = {str: "a string", bool: "true or false", list: "a list", dict: "a table"}
            kind = kinds[option.kind]
            raise fail(f"`{prefix}{key}` must be {kind}, not {type(value).__name__}", key, index)
    for key, option in schema.items():
        if option.default is REQUIRED and key not in table:
            raise fail(f"[[deck]] is missing the required key `{key}`", "[[deck]]", index)
    for key, option in schema.items():
        if option.items is str and not all(isinstance(item, str) for item in table.get(key, [])):
            raise fail(f"`{prefix}{key}` must be {_describe(option)}", key, index)
    for key, option in schema.items():
        value = table.get(key, option.default)
        if option.choices and value not in option.choices:
            raise fail(
                f"`{prefix}{key}` must be one of {', '.join(option.choices)}, not {value!r}", key, index
            )


def _describe(option: Option) -> str:
    return "an array of tables ([[deck]])" if option.items is dict else "a list of strings"


class _Locator:
    """Finds the line of a key in the TOML text, optionally inside the n-th ``[[deck]]`` table."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.deck_starts = [
            i
            for i, line in enumerate(self.lines)
            if re.match(r"\s*\[\[\s*(?:tool\.ankigen\.)?deck\s*\]\]", line)
        ]

    def value_line(self, value: str, key: str, deck_index: int) -> int:
        """The line of the string ``value`` inside the n-th deck's ``key`` (a list may span lines)."""
        start = self.line(key, deck_index) - 1
        stop = self.deck_starts[deck_index + 1] if deck_index + 1 < len(self.deck_starts) else len(self.lines)
        quoted = (json.dumps(value), f"'{value}'")
        for number in range(start, stop):
            if any(q in self.lines[number] for q in quoted):
                return number + 1
        return start + 1

    def line(self, key: str, deck_index: int | None) -> int:
        start, stop = 0, len(self.lines)
        if deck_index is not None and deck_index < len(self.deck_starts):
            start = self.deck_starts[deck_index]
            following = self.deck_starts[deck_index + 1 :]
            stop = following[0] if following else stop
            if key == "[[deck]]":
                return start + 1
        elif deck_index is None and self.deck_starts:
            stop = self.deck_starts[0]
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        # A top-level table such as [per-file-ignores] may also come after the decks.
        rest = range(stop, len(self.lines)) if deck_index is None else range(0)
        numbers: list[int] = [*range(start, stop), *rest]
        for number in numbers:
            if pattern.match(self.lines[number]):
                return number + 1
        return start + 1
