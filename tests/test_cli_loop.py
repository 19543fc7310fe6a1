"""The everyday loop at the CLI level (issue 12): the notes' root and the config found from the
notes, partial builds, diagnostics on stderr, ignores, and the hook and CI outputs."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from conftest import run

CONFIG = 'parent = "Study"\n\n[[deck]]\nname = "Math"\nsources = ["math/**/*.md"]\n'


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notes repository: ankigen.toml at its root, notes in sub-folders, one shared img/."""
    root = tmp_path / "notes"
    _write(root / "ankigen.toml", CONFIG)
    _write(root / "math" / "sub" / "q.md", "## What is e?\n\n![e](../../img/e.png)\n\nEuler's number.\n")
    _write(root / "math" / "algebra.md", "## What is a group?\n\nA set with an associative operation.\n")
    (root / "img").mkdir()
    (root / "img" / "e.png").write_bytes(_png())
    monkeypatch.chdir(root)
    return root


# 1. The notes' root is the tree of every command and the base of the stored Source path.


def test_check_of_one_file_uses_the_config_folder_as_its_tree(notes: Path) -> None:
    """The pre-commit hook's call: a note in math/sub/ may show ../../img/e.png."""
    result = run("check", "math/sub/q.md")
    assert result.exit_code == 0, result.output
    assert "media-outside-tree" not in result.output
    assert result.stderr.endswith("1 card in 1 deck; 0 errors, 0 warnings\n")


def test_source_path_and_deck_bytes_do_not_depend_on_the_working_folder(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    from_root = run("list", "--json", "math/sub/q.md")
    assert [card["source"] for card in json.loads(from_root.stdout)] == ["math/sub/q.md"]
    assert run("build", "-o", str(notes.parent / "a")).exit_code == 0
    monkeypatch.chdir(notes / "math" / "sub")
    from_sub = run("list", "--json", "q.md")
    assert [card["source"] for card in json.loads(from_sub.stdout)] == ["math/sub/q.md"]
    assert run("build", "-o", str(notes.parent / "b")).exit_code == 0
    first = (notes.parent / "a" / "Study--Math.apkg").read_bytes()
    assert first == (notes.parent / "b" / "Study--Math.apkg").read_bytes()


def test_without_config_the_named_folder_is_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "deck" / "part" / "a.txt", "Q: What is a tensor?\nA: An array.\n")
    monkeypatch.chdir(tmp_path)
    result = run("list", "--json", "deck")
    assert [card["source"] for card in json.loads(result.stdout)] == ["part/a.txt"]


# 2. The config is found from the notes upward, and the one used is named.


def test_build_from_a_sub_folder_uses_the_config_above(notes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(notes / "math")
    result = run("build", ".", "-o", str(notes / "out"))
    assert result.exit_code == 0, result.output
    assert "config: ../ankigen.toml\n" in result.stderr
    assert sorted(p.name for p in (notes / "out").iterdir()) == ["Study--Math.apkg"]
    assert result.stdout.startswith("../out/Study--Math.apkg: Study::Math — 2 cards")


def test_config_is_found_from_the_sources_not_the_working_folder(notes: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    import os

    os.chdir(elsewhere)
    result = run("list", "--json", str(notes / "math" / "algebra.md"))
    assert result.exit_code == 0, result.output
    assert [card["deck"] for card in json.loads(result.stdout)] == ["Study::Math"]
    assert "config: ../notes/ankigen.toml" in result.stderr


def test_no_notes_and_no_config_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("build")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no notes given and no ankigen.toml found")
    assert "cannot read" not in result.stderr and "Traceback" not in result.stderr


def test_sources_under_different_configs_are_a_usage_error(notes: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    _write(other / "ankigen.toml", '[[deck]]\nname = "O"\nsources = ["*.md"]\n')
    _write(other / "o.md", "## Q?\n\nA.\n")
    result = run("check", "math/algebra.md", str(other / "o.md"))
    assert result.exit_code == 2
    assert "different configurations (../other/ankigen.toml, ankigen.toml)" in result.stderr


# 4. No silent no-ops: every config glob, deck and partial build is accounted for.


def test_a_glob_matching_nothing_and_a_claimed_deck_are_warned_at_their_line(notes: Path) -> None:
    _write(
        notes / "ankigen.toml",
        CONFIG
        + '\n[[deck]]\nname = "Typos"\nsources = [\n  "math/*.md",\n  "maths/*.md",\n  "math/*",\n]\n'
        + '\n[[deck]]\nname = "Again"\nsources = ["math/algebra.md"]\n'
        + '\n[[deck]]\nname = "Folders"\nsources = ["math/*/"]\n',  # matches a folder, no file
    )
    result = run("check")
    assert result.exit_code == 0, result.output
    assert (
        "ankigen.toml:11: warning: glob 'maths/*.md' of deck 'Study::Typos' matches no file [unmatched-glob]"
        in result.stdout
    )
    claimed = "is already in deck 'Study::Math' (ankigen.toml:3), which comes first; the deck is not built"
    assert (
        f"ankigen.toml:7: warning: every file of deck 'Study::Typos' {claimed} [deck-claimed]"
        in result.stdout
    )
    assert (
        f"ankigen.toml:15: warning: every file of deck 'Study::Again' {claimed} [deck-claimed]"
        in result.stdout
    )
    assert (
        "ankigen.toml:21: warning: glob 'math/*/' of deck 'Study::Folders' matches no file" in result.stdout
    )


def test_an_exclamation_glob_leaves_files_out(notes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(notes / "math" / "README.md", "# About these notes\n\n## Who wrote them?\n\nMe.\n")
    _write(notes / "ankigen.toml", CONFIG.replace('"math/**/*.md"]', '"math/**/*.md", "!**/README.md"]'))
    cards = json.loads(run("list", "--json").stdout)
    assert sorted(card["source"] for card in cards) == ["math/algebra.md", "math/sub/q.md"]
    monkeypatch.chdir(notes / "math")
    walked = json.loads(run("list", "--json", ".").stdout)
    assert sorted(card["source"] for card in walked) == ["math/algebra.md", "math/sub/q.md"]


def test_building_one_file_of_a_config_deck_builds_the_whole_deck(notes: Path) -> None:
    result = run("build", "math/algebra.md", "-o", "out")
    assert result.exit_code == 0, result.output
    assert result.stdout == "out/Study--Math.apkg: Study::Math — 2 cards (0 skipped, 0 warnings)\n"
    assert (
        "ankigen.toml:3: deck 'Study::Math' is built from all its files, not only those named "
        "(a deck is always built whole)" in result.stderr
    )


def test_a_deck_without_cards_keeps_its_earlier_file(notes: Path) -> None:
    assert run("build", "-o", "out").exit_code == 0
    earlier = (notes / "out" / "Study--Math.apkg").read_bytes()
    for note in (notes / "math").rglob("*.md"):
        note.write_text("Just prose, no questions here.\n", "utf-8")
    result = run("check")
    assert (
        "ankigen.toml:3: warning: deck 'Study::Math' has no cards, so it is not written "
        "(an earlier Study--Math.apkg, if any, stays as it was) [empty-deck]" in result.stdout
    )
    built = run("build", "-o", "out")
    assert built.exit_code == 0 and built.stdout == ""
    assert (notes / "out" / "Study--Math.apkg").read_bytes() == earlier


@pytest.mark.parametrize(
    ("glob", "problem"),
    [
        ("/etc/*.md", "is absolute"),
        ("", "names no files"),
        (".", "names no files"),
        ("../other/*.md", "leaves the config file's folder"),
        ("!math/*.md", "needs at least one glob that is not an exclusion"),
    ],
)
def test_unusable_globs_are_config_errors(notes: Path, glob: str, problem: str) -> None:
    _write(notes / "ankigen.toml", CONFIG.replace('["math/**/*.md"]', json.dumps([glob])))
    result = run("build")
    assert result.exit_code == 1
    assert result.stderr.startswith("ankigen.toml:5: error: ")
    assert problem in result.stderr and "Traceback" not in result.stderr


# 5. Crashes and wrong messages.


def test_a_config_tag_anki_cannot_store_is_a_config_error(notes: Path) -> None:
    _write(notes / "ankigen.toml", CONFIG + 'tags = [\n  "fine::tag",\n  "has space",\n]\n')
    result = run("build")
    assert result.exit_code == 1
    assert result.stderr.startswith("ankigen.toml:8: error: tag 'has space' holds a space; a tag is one word")
    assert "Traceback" not in result.stderr and not (notes / "output").exists()


@pytest.mark.parametrize("epoch", ["garbage", "2026-12-01", "1e9", "99999999999"])
def test_a_bad_source_date_epoch_is_a_usage_error(
    notes: Path, monkeypatch: pytest.MonkeyPatch, epoch: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = run("build", "-o", "out")
    assert result.exit_code == 2
    assert result.stderr == (
        "config: ankigen.toml\nerror: SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, at "
        f"most 4354819199 (such as `git log -1 --format=%ct`), not {epoch!r}\n"
    )
    assert not (notes / "out").exists()


def test_the_largest_source_date_epoch_still_builds(notes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "4354819199")
    result = run("build", "-o", "out")
    assert result.exit_code == 0, result.output


def test_summary_counts_errors_and_strict_says_why(notes: Path) -> None:
    _write(notes / "math" / "bad.md", "## What is x?\n\n![x](../../../outside.png)\n\nx.\n")
    _write(notes / "math" / "todo.md", "## What is $\\frac{a}{b}$?\n\nTODO\n\n## What is y?\n\ny.\n")
    built = run("build", "-o", "out")
    assert built.exit_code == 1
    assert built.stderr.endswith("1 error, 1 warning\n")
    (notes / "math" / "bad.md").unlink()
    checked = run("check", "--strict")
    assert checked.exit_code == 1
    assert "the answer to 'What is $\\frac{a}{b}$?' is empty; skipped [empty-answer]" in checked.stdout
    assert checked.stderr.endswith("1 warning\nerror: failing on 1 warning (--strict)\n")


def test_config_errors_show_paths_relative_to_the_working_folder(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(notes / "ankigen.toml", CONFIG + "colour = 1\n")
    monkeypatch.chdir(notes / "math")
    result = run("check", ".")
    assert result.exit_code == 1
    assert result.stderr.startswith("../ankigen.toml:6: error: unknown key `deck.colour`")


# 6. build and list print their diagnostics on stderr.


def test_build_and_list_print_warnings_capped_and_every_error(notes: Path) -> None:
    many = "".join(f"## Question {i}?\n\nTODO\n\n" for i in range(25))
    _write(notes / "math" / "todo.md", many + "## What is x?\n\n![x](../../../outside.png)\n\nx.\n")
    for command in (["build", "-o", "out"], ["list"]):
        result = run(*command, "math/todo.md")
        lines = result.stderr.splitlines()
        warnings = [line for line in lines if ": warning: " in line]
        errors = [line for line in lines if ": error: " in line]
        assert len(warnings) == 20 and len(errors) == 1, result.stderr
        assert (
            warnings[0]
            == "math/todo.md:1: warning: the answer to 'Question 0?' is empty; skipped [empty-answer]"
        )
        assert "math/todo.md:103: error: image '../../../outside.png' is outside" in errors[0]
        assert "… and 5 more warnings; `ankigen check math/todo.md` shows them all" in lines
        assert result.exit_code == 1
    quiet = run("build", "-q", "-o", "out", "math/todo.md")
    assert [line for line in quiet.stderr.splitlines() if ": warning: " in line] == []
    assert any(": error: " in line for line in quiet.stderr.splitlines())


# 8. Silencing rules, --statistics, --output-format and colour.

TODO_NOTES = "## What is a ring?\n\nTODO\n\n## What is a field?\n\nTODO\n\n## What is a monoid?\n\nA set.\n"


def test_config_ignore_and_per_file_ignores_silence_warnings_and_are_counted(notes: Path) -> None:
    _write(notes / "math" / "todo.md", TODO_NOTES)
    _write(notes / "math" / "stray.md", "## What is **bold?\n\nText.\n\n## Other?\n\nMore.\n")
    plain = run("check")
    assert {line.rsplit(" ", 1)[1] for line in plain.stdout.splitlines()} == {
        "[empty-answer]",
        "[stray-emphasis]",
    }
    _write(
        notes / "ankigen.toml",
        'ignore = ["stray-emphasis"]\n'
        + CONFIG
        + '\n[per-file-ignores]\n"math/todo.md" = ["empty-answer"]\n',
    )
    quiet = run("check")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert quiet.stderr.endswith("; 0 errors, 0 warnings (3 ignored)\n")
    stats = run("check", "--statistics")
    assert stats.stdout.splitlines() == [
        "     0  empty-answer           warning  (2 ignored)",
        "     0  stray-emphasis         warning  (1 ignored)",
    ]
    as_json = json.loads(run("check", "--statistics", "--output-format", "json").stdout)
    assert as_json[0] == {"rule": "empty-answer", "severity": "warning", "count": 0, "ignored": 2}


def test_an_inline_marker_silences_its_line_and_never_reaches_the_card(notes: Path) -> None:
    marked = TODO_NOTES.replace(
        "## What is a ring?", "## What is a ring? <!-- ankigen: ignore empty-answer -->"
    )
    _write(notes / "math" / "todo.md", marked)
    result = run("check", "math/todo.md")
    assert (
        result.stdout
        == "math/todo.md:5: warning: the answer to 'What is a field?' is empty; skipped [empty-answer]\n"
    )
    assert result.stderr.endswith("(1 ignored)\n")
    qa = _write(
        notes / "math" / "plain.txt",
        "Q: Why? <!-- ankigen: ignore empty-answer, no-such-rule -->\nA: Because.\n",
    )
    cards = json.loads(run("list", "--json", str(qa.relative_to(notes))).stdout)
    assert [card["front"] for card in cards] == ["Why?"]
    flagged = run("check", "math/plain.txt")
    assert flagged.stdout == (
        "math/plain.txt:1: warning: ignore marker: 'no-such-rule' is not a rule id (see `ankigen check "
        "--explain`) [bad-ignore]\n"
    )


def test_errors_cannot_be_ignored(notes: Path) -> None:
    _write(notes / "ankigen.toml", 'ignore = ["media-outside-tree"]\n' + CONFIG)
    result = run("check")
    assert result.exit_code == 1
    assert (
        "ankigen.toml:1: error: `ignore`: 'media-outside-tree' reports errors, which cannot be ignored"
        in (result.stderr)
    )


def test_output_format_is_the_name_and_output_its_alias(notes: Path) -> None:
    _write(notes / "math" / "todo.md", TODO_NOTES)
    by_name = run("check", "--output-format", "json")
    assert by_name.stdout == run("check", "--output", "json").stdout
    assert [d["rule"] for d in json.loads(by_name.stdout)] == ["empty-answer", "empty-answer"]


def _on_a_terminal(notes: Path, **env: str) -> str:
    """``ankigen check`` with stdout on a pseudo-terminal; what it wrote there."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    subprocess.run(
        [sys.executable, "-m", "ankigen", "check"],
        cwd=notes,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=environment,
        timeout=120,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_unless_no_color(notes: Path) -> None:
    _write(notes / "math" / "todo.md", TODO_NOTES)
    coloured = _on_a_terminal(notes)
    assert "\x1b[33m\x1b[1mwarning\x1b[0m" in coloured and "\x1b[2m[empty-answer]\x1b[0m" in coloured
    plain = _on_a_terminal(notes, NO_COLOR="1")
    assert "\x1b[" not in plain and "math/todo.md:1: warning: the answer to" in plain
    piped = run("check")
    assert "\x1b[" not in piped.stdout


# 7. The pre-commit hook, run by pre-commit itself.


def _hook_repository(folder: Path) -> dict[str, str]:
    """A notes repository whose pre-commit config runs this checkout's hook definition (as a local
    hook, with this interpreter's ankigen); returns the environment to run git and pre-commit in."""
    import os
    import subprocess
    import sys

    import yaml
    from conftest import REPO

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    hook |= {"language": "system", "entry": f"{sys.executable} -m ankigen check"}
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    _write(folder / ".pre-commit-config.yaml", yaml.safe_dump(config))
    env = os.environ | {
        "PRE_COMMIT_HOME": str(folder.parent / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True, env=env)
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=folder, check=True, env=env, capture_output=True
    )
    return env


def test_the_pre_commit_hook_shows_warnings_skips_documents_and_checks_config_changes(notes: Path) -> None:
    import subprocess

    _write(notes / "math" / "todo.md", TODO_NOTES)
    _write(notes / "README.md", "# My notes\n\n## What is this?\n\nTODO\n")
    _write(notes / "CHANGELOG.md", "## 1.0?\n\n\n")
    _write(notes / "requirements.txt", "ankigen\n")
    env = _hook_repository(notes)

    def commit(*args: str) -> subprocess.CompletedProcess[str]:
        subprocess.run(["git", "add", "-A"], cwd=notes, check=True, env=env)
        # git passes the hook's output on to stderr; merge the two as a terminal would show them
        return subprocess.run(
            ["git", "commit", "-q", "-m", "notes", *args],
            cwd=notes,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    first = commit()
    assert first.returncode == 0, first.stdout + first.stderr
    assert (
        "math/todo.md:1: warning: the answer to 'What is a ring?' is empty; skipped [empty-answer]"
        in first.stdout
    )
    assert "media-outside-tree" not in first.stdout  # math/sub/q.md shows ../../img/e.png
    assert "README.md" not in first.stdout and "CHANGELOG.md" not in first.stdout
    assert "requirements.txt" not in first.stdout

    _write(notes / "ankigen.toml", CONFIG + "colour = 1\n")
    broken = commit()
    assert broken.returncode == 1
    assert "ankigen.toml:6: error: unknown key `deck.colour`" in broken.stdout

    _write(notes / "ankigen.toml", CONFIG.replace("math/**/*.md", "maths/**/*.md"))
    typo = commit()
    assert typo.returncode == 0  # a warning: shown, not blocking
    assert (
        "ankigen.toml:5: warning: glob 'maths/**/*.md' of deck 'Study::Math' matches no file" in typo.stdout
    )


def test_a_deck_built_from_one_named_file_is_byte_identical_to_the_whole_build(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even the GUIDs of a question asked in two files follow the config's order of files."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    _write(notes / "math" / "sub" / "q.md", "## What is a group?\n\nAgain.\n\n## What is e?\n\nEuler.\n")
    assert run("build", "-o", "whole").exit_code == 0
    named = run("build", "-o", "named", "math/sub/q.md")
    assert named.exit_code == 0, named.output
    whole = (notes / "whole" / "Study--Math.apkg").read_bytes()
    assert (notes / "named" / "Study--Math.apkg").read_bytes() == whole


def test_a_config_file_named_as_a_source_is_the_config(notes: Path, tmp_path: Path) -> None:
    """What the hook passes: ankigen.toml alone checks its notes; a foreign pyproject.toml is skipped."""
    alone = run("check", "ankigen.toml")
    assert alone.exit_code == 0 and alone.stderr.endswith("2 cards in 1 deck; 0 errors, 0 warnings\n")
    with_note = run("list", "--json", "ankigen.toml", "math/algebra.md")
    assert [card["source"] for card in json.loads(with_note.stdout)] == ["math/algebra.md"]
    _write(notes / "pyproject.toml", '[project]\nname = "notes"\n')
    foreign = run("check", "pyproject.toml")
    assert foreign.exit_code == 0
    assert foreign.stderr == "nothing to check: pyproject.toml holds no ankigen config\n"
    other = _write(tmp_path / "other" / "ankigen.toml", CONFIG)
    two = run("check", "ankigen.toml", "--config", str(other))
    assert two.exit_code == 2 and "more than one config given" in two.stderr
