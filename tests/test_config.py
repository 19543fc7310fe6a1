"""ankigen.toml / [tool.ankigen] loading and validation errors with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ankigen.config import OPTIONS, REQUIRED, TOP_LEVEL, ConfigError, Option, find_config, load_config

README = Path(__file__).parent.parent / "README.md"

GOOD = """\
output = "decks"
parent = "Deep Learning"

[[deck]]
name = "Q&A"
sources = ["notes/*.txt"]
format = "qa"
tags = ["ann"]
"""


def _write(tmp_path: Path, text: str, name: str = "ankigen.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_valid_config(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD))
    assert config.output == "decks"
    (deck,) = config.decks
    assert (deck.name, deck.sources, deck.format, deck.tags, deck.line) == (
        "Deep Learning::Q&A",
        ("notes/*.txt",),
        "qa",
        ("ann",),
        4,
    )
    (tmp_path / "notes").mkdir()
    note = tmp_path / "notes" / "a.txt"
    note.write_text("Q: x\nA: y\n")
    assert config.deck_for(note) == deck
    assert config.deck_for(tmp_path / "other.txt") is None


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (GOOD.replace('tags = ["ann"]', 'tagz = ["ann"]'), 8, "unknown key `deck.tagz`"),
        (GOOD.replace('output = "decks"', "output = 3"), 1, "`output` must be a string"),
        (GOOD.replace('format = "qa"', 'format = "org"'), 7, "`deck.format` must be one of"),
        (GOOD.replace('sources = ["notes/*.txt"]', "sources = [1]"), 6, "list of strings"),
        (GOOD.replace('name = "Q&A"\n', ""), 4, "missing the required key `name`"),
        (GOOD.replace('parent = "Deep Learning"', "parent = "), 2, "invalid TOML"),
        ("colour = 1\n" + GOOD, 1, "unknown key `colour`"),
    ],
)
def test_invalid_config_names_key_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text))
    diagnostic = caught.value.diagnostic
    assert (diagnostic.line, diagnostic.severity, diagnostic.rule) == (line, "error", "config")
    assert fragment in diagnostic.message


def test_pyproject_tool_table(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "x"\n\n[tool.ankigen]\nparent = "P"\n\n'
        '[[tool.ankigen.deck]]\nname = "D"\nsources = ["*.md"]\n'
    )
    path = _write(tmp_path, text, "pyproject.toml")
    assert find_config(tmp_path) == path
    assert load_config(path).decks[0].name == "P::D"
    _write(tmp_path, text.replace('sources = ["*.md"]', "sources = 5"), "pyproject.toml")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.diagnostic.line == 9


def test_no_config(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    _write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml")
    assert find_config(tmp_path) is None
    assert load_config(None).decks == []


def _options_table() -> str:
    """The README's key table, written from ``config.OPTIONS``."""
    kinds = {
        (str, None): "string",
        (bool, None): "boolean",
        (list, str): "list of strings",
        (list, dict): "array of tables",
        (dict, list): "table of lists of strings",
    }
    rows = ["| Key | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
    for option in OPTIONS:
        default = option.default
        if default is REQUIRED:
            shown = "required"
        elif default is TOP_LEVEL:
            shown = f"top-level `{option.name}`"
        else:
            shown = f"`{json.dumps(list(default) if default == () else default)}`"
        meaning = option.help
        if option.choices:
            meaning += ": " + ", ".join(f"`{choice}`" for choice in option.choices)
        rows.append(f"| `{option.key}` | {kinds[option.kind, option.items]} | {shown} | {meaning} |")
    return "\n".join(rows) + "\n"


def test_readme_lists_every_option() -> None:
    table = _options_table()
    assert table in README.read_text("utf-8"), f"README.md's configuration keys should read:\n{table}"


@pytest.mark.parametrize("option", OPTIONS, ids=lambda option: option.key)
def test_unknown_key_error_names_every_option_of_its_table(tmp_path: Path, option: Option) -> None:
    text = ("colour = 1\n" + GOOD) if "." not in option.key else GOOD.replace('tags = ["ann"]', "colour = 1")
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text))
    assert option.name in caught.value.diagnostic.message.partition("expected one of: ")[2]
