"""The regular-expression cache: patterns from the file are the patterns ``re`` makes, later runs
skip compiling them, and a damaged or unwritable file changes nothing but speed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ankigen import regexcache

pytestmark = pytest.mark.skipif(
    sys.implementation.name != "cpython" or sys.version_info[:2] not in regexcache.SUPPORTED,
    reason="the cache installs only on the CPython versions it supports",
)

PATTERNS = [
    (r"a+b(?P<name>c)?", 0),
    (r"(?<=\$)\d+(?:\.\d\d)?", 0),
    (r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$", 8),  # re.MULTILINE
    (r"(?i)straße|ǅ", 0),
    (r"[\w.-]+@[\w-]+\.\w{2,}", 256),  # re.ASCII
    (r"(a)(b)?(?(2)c|d)", 0),
    (r"\b(\w+)\s+\1\b", 2),  # re.IGNORECASE
    (r"(?s)<!--.*?-->", 0),
]
SAMPLES = [
    "aabc",
    "$12.50 and $7",
    "  ## Title ##",
    "STRASSE straße ǅ",
    "me@x.org",
    "abd ac",
    "the the",
    "a\n<!-- x\ny -->",
]

# Run in a fresh interpreter: compile PATTERNS (and Pygments' Python lexer) through the cache in
# FOLDER, and print what the patterns are and do, and how many ``re._parser.parse`` calls it took.
_CHILD = textwrap.dedent(
    """
    import json, re, sys
    from pathlib import Path
    from ankigen import regexcache
    cache = regexcache.install(Path(sys.argv[1]))
    from re import _parser
    parse, calls = _parser.parse, []
    _parser.parse = lambda *a, **k: calls.append(1) or parse(*a, **k)
    patterns, samples = json.loads(sys.argv[2]), json.loads(sys.argv[3])
    seen = []
    for source, flags in patterns:
        p = re.compile(source, flags)
        seen.append([p.pattern, p.flags, p.groups, sorted(p.groupindex.items()),
                     [[m.span(), m.groups()] for s in samples for m in p.finditer(s)]])
    assert re.compile(rb"\\x00[\\x80-\\xff]+").match(b"\\x00\\x81")
    assert re.compile(rb"\\w+", re.LOCALE).match(b"ab")
    from pygments.lexers import PythonLexer
    from pygments import lex
    tokens = [[str(t), v] for t, v in lex("def f(x):\\n    return x ** 2  # sq\\n", PythonLexer())]
    print(json.dumps({"seen": seen, "tokens": tokens, "parses": len(calls), "learned": cache.learned}))
    """
)


def _child(folder: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), json.dumps(PATTERNS), json.dumps(SAMPLES)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _plain() -> list[object]:
    """What the patterns are and do, compiled by ``re`` alone (this process has no cache)."""
    import re

    out: list[object] = []
    for source, flags in PATTERNS:
        p = re.compile(source, flags)
        out.append(
            [
                p.pattern,
                p.flags,
                p.groups,
                sorted(p.groupindex.items()),
                [[list(m.span()), list(m.groups())] for s in SAMPLES for m in p.finditer(s)],
            ]
        )
    return out


def test_a_later_run_compiles_nothing_and_gets_the_same_patterns(tmp_path: Path) -> None:
    first = _child(tmp_path)
    assert first["learned"] and first["parses"]
    assert len(list(tmp_path.glob("regex-*.marshal"))) == 1
    second = _child(tmp_path)
    assert second["learned"] == 0
    assert second["parses"] == 1  # the re.LOCALE one; the rest (Pygments' lexer too) from the file
    assert second["seen"] == first["seen"] == json.loads(json.dumps(_plain()))
    assert second["tokens"] == first["tokens"]


def test_the_code_from_the_file_is_the_code_re_generates(tmp_path: Path) -> None:
    """Compare with ``re._compiler``'s own output, pattern by pattern (a bytes pattern too);
    ``re.LOCALE`` patterns are left to ``re``."""
    import re
    from re import _compiler, _parser

    _child(tmp_path)
    cache = regexcache.RegexCache(regexcache.cache_file(tmp_path))
    assert (rb"\x00[\x80-\xff]+", 0) in cache.entries
    assert not [key for key in cache.entries if key[1] & re.LOCALE]
    assert {(p, f) for p, f in PATTERNS} <= set(cache.entries)
    for (source, flags), (final, code, groups, groupindex, _) in cache.entries.items():
        tree = _parser.parse(source, flags)
        assert list(regexcache._code_array(code)) == _compiler._code(tree, flags)
        assert final == flags | tree.state.flags
        assert groups == tree.state.groups - 1
        assert groupindex == tree.state.groupdict


@pytest.mark.parametrize("damage", [b"", b"not marshal at all", b"\xe3\x00\x00\x00", b"[)(]" * 50])
def test_a_damaged_file_is_ignored_and_replaced(tmp_path: Path, damage: bytes) -> None:
    regexcache.cache_file(tmp_path).write_bytes(damage)
    result = _child(tmp_path)
    assert result["seen"] == json.loads(json.dumps(_plain()))
    assert regexcache.RegexCache(regexcache.cache_file(tmp_path)).entries  # written anew


def test_a_file_of_the_wrong_shape_is_ignored(tmp_path: Path) -> None:
    import marshal

    regexcache.cache_file(tmp_path).write_bytes(marshal.dumps([("a+", 0, 32, [1, 2], 0, {}, ())]))
    assert regexcache.RegexCache(regexcache.cache_file(tmp_path)).entries == {}
    result = _child(tmp_path)
    assert result["seen"] == json.loads(json.dumps(_plain()))


def test_an_unwritable_folder_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    result = _child(blocker / "cache")
    assert result["seen"] == json.loads(json.dumps(_plain()))


def test_build_fills_it_in_the_cache_folder_and_no_cache_leaves_none(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# T\n\n## What is x?\n\n```python\nx = 1\n```\n", encoding="utf-8")
    for args, cache in (([], tmp_path / "c1"), (["--no-cache"], tmp_path / "c2")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ankigen",
                "build",
                str(notes),
                "-o",
                str(tmp_path / "out"),
                "--cache-dir",
                str(cache),
                "-q",
                *args,
            ],
            check=True,
        )
        assert bool(list(cache.glob("regex-*.marshal"))) is not bool(args)
