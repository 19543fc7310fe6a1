"""A command imports only what it needs: the heavy libraries are loaded on first use.

Each case runs in a fresh interpreter and reads ``sys.modules`` at its end (no timing: what was
imported is what costs a small build its start-up).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ankigen

HEAVY = (
    "genanki",  # packaging: only when a deck is written
    "markdown",  # rendering: only for cards not in the cache
    "pygments",
    "pymdownx",
    "nh3",
    "yaml",  # front matter
    "rapidfuzz",  # matching reworded notes against the lock
    "watchfiles",  # serve
    "multiprocessing",  # worker processes: only for enough new text
    "importlib.metadata",  # library versions are read from their .dist-info
    "asyncio",
    "ankigen.render",
    "ankigen.lint",
    "ankigen.parsers.markdown",
)
_REPORT = "import json, sys; print(json.dumps(sorted(sys.modules)))"


def _loaded(code: str, cwd: Path) -> set[str]:
    """The heavy modules (and packages) loaded after running ``code`` in a fresh interpreter."""
    script = f"{code}\n{_REPORT}"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=True, timeout=300
    )
    modules = json.loads(done.stdout.splitlines()[-1])
    return {name for name in HEAVY if any(m == name or m.startswith(name + ".") for m in modules)}


def _command(*args: str) -> str:
    """Code running ``ankigen ARGS`` as ``python -m ankigen`` does, without exiting."""
    return (
        "import sys, runpy\n"
        f"sys.argv = ['ankigen', *{list(args)!r}]\n"
        "try:\n    runpy.run_module('ankigen', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    )


def _notes(folder: Path) -> None:
    folder.mkdir()
    cards = [
        f"## What is rule {i}?\n\nIt says $x^{i}$ and\n\n```python\nprint({i})\n```\n" for i in range(40)
    ]
    (folder / "one.md").write_text("# Rules\n\n" + "\n".join(cards), "utf-8")


def test_the_ankigen_running_is_this_checkout() -> None:
    found = subprocess.run(
        [sys.executable, "-c", "import ankigen; print(ankigen.__file__)"], capture_output=True, text=True
    )
    assert found.stdout.strip() == ankigen.__file__


def test_importing_the_cli_and_help_load_nothing_heavy(tmp_path: Path) -> None:
    assert _loaded("import ankigen.cli", tmp_path) == set()
    assert _loaded(_command("--help"), tmp_path) == set()
    assert _loaded(_command("build", "--help"), tmp_path) == set()


def test_a_small_build_loads_what_it_uses_and_a_rebuild_nothing_heavy(tmp_path: Path) -> None:
    _notes(tmp_path / "notes")
    cold = _loaded(_command("build", "notes", "-o", "out"), tmp_path)
    assert {"genanki", "markdown", "pygments", "ankigen.render", "ankigen.lint"} <= cold
    assert "multiprocessing" not in cold  # one small file is rendered in this process
    assert "importlib.metadata" not in cold  # Markdown's extensions are not looked up as entry points
    assert "asyncio" not in cold  # genanki's cached_property is the standard library's (ankigen.libs)
    assert "yaml" not in cold  # no front matter here; genanki's yaml is imported when called
    assert (tmp_path / "out" / "Rules.apkg").is_file()
    # Everything comes from the cache and the deck file already holds this deck.
    assert _loaded(_command("build", "notes", "-o", "out"), tmp_path) == set()
    assert _loaded(_command("check", "notes"), tmp_path) == set()
    (tmp_path / "out" / "Rules.apkg").unlink()  # a deck to write: genanki, but no renderer
    written = _loaded(_command("build", "notes", "-o", "out"), tmp_path)
    assert written == {"genanki"}
    assert (tmp_path / "out" / "Rules.apkg").is_file()


def test_genanki_writes_the_same_deck_with_the_real_cached_property(tmp_path: Path) -> None:
    """``ankigen.libs`` lends genanki the standard library's ``cached_property``; with the
    ``cached_property`` package imported first genanki uses that one: the deck is the same."""
    _notes(tmp_path / "notes")
    for out, first in (("plain", ""), ("real", "import cached_property\n")):
        code = first + _command("build", "notes", "-o", out, "--no-cache")
        loaded = subprocess.run(
            [sys.executable, "-c", code + _REPORT], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout.splitlines()[-1]
        assert ("asyncio" in json.loads(loaded)) is bool(first)
    plain, real = ((tmp_path / out / "Rules.apkg").read_bytes() for out in ("plain", "real"))
    assert plain == real


def test_the_stand_ins_call_the_real_modules() -> None:
    """What pymdown-extensions and genanki got from :mod:`ankigen.libs` in place of
    ``urllib.request`` and ``yaml`` behaves as those modules do (in a fresh interpreter)."""
    code = (
        "from ankigen import libs\n"
        "import ankigen.render, pymdownx.util as u\n"
        "genanki = libs.genanki()\n"
        "model = genanki.Model(1, 'M', fields='- name: A\\n- name: B', templates=[])\n"
        "import urllib.request as r\n"
        "import json, sys\n"
        "print(json.dumps([u.path2url('/a b/ü.png'), r.pathname2url('/a b/ü.png'), u.url2path('/a%20b'),\n"
        "                  r.url2pathname('/a%20b'), model.fields]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    ours, real, ours_back, real_back, fields = json.loads(done.stdout)
    assert ours == real == "/a%20b/%C3%BC.png"
    assert ours_back == real_back == "/a b"
    assert fields == [{"name": "A"}, {"name": "B"}]  # genanki read its YAML through the stand-in
