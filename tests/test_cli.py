"""The CLI contract: commands, outputs, exit codes and the bad-input policy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from anki.collection import Collection
from conftest import import_apkg, run

DIAGNOSTIC = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+)(?::\d+)?: (?:error|warning): .+ \[[a-z-]+\]$")


def ankigen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "ankigen", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _qa(path: Path, text: str = "Q: What is a tensor?\nA: An n-dimensional array.\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    missing = ankigen("build", "no-such-notes", cwd=tmp_path)
    assert missing.returncode == 2
    assert "no-such-notes" in missing.stderr and "Traceback" not in missing.stderr
    bad = ankigen("build", "--format", "org", cwd=tmp_path)
    assert bad.returncode == 2 and "'org' is not one of" in bad.stderr
    assert ankigen("check", "--output", "xml", cwd=tmp_path).returncode == 2


def test_check_explain_prints_the_rule_without_checking(project: Path) -> None:
    from ankigen import rules

    for rule in (rules.TEX_UNBALANCED, rules.MEDIA_OUTSIDE_TREE):
        shown = run("check", "--explain", rule.id)
        assert shown.exit_code == 0, shown.output
        assert shown.stdout == f"{rule.id} ({rule.severity})\n{rule.help}\n"
        assert shown.stderr == ""  # the seeds were not checked: no summary line
    unknown = run("check", "--explain", "tex-unbalance")
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert "Invalid value for '--explain': 'tex-unbalance' is not one of" in unknown.stderr
    assert all(f"'{rule.id}'" in unknown.stderr for rule in rules.RULES)


def test_version_and_help_examples(tmp_path: Path) -> None:
    from ankigen import __version__

    assert ankigen("--version", cwd=tmp_path).stdout.strip() == f"ankigen, version {__version__}"
    for command in ("build", "list", "check"):
        shown = ankigen(command, "--help", cwd=tmp_path)
        assert shown.returncode == 0 and "Examples:" in shown.stdout


def test_list_json_schema(project: Path) -> None:
    result = run("list", "--json")
    assert result.exit_code == 0
    cards = json.loads(result.stdout)
    assert len(cards) >= 40 + 37
    types = {
        "deck": str,
        "front": str,
        "back": str,
        "front_html": str,
        "back_html": str,
        "context": list,
        "tags": list,
        "source": str,
        "line": int,
        "guid": str,
    }
    for card in cards:
        assert {key: type(card[key]) for key in types} == types
        assert all(isinstance(x, str) for x in card["context"] + card["tags"])
        assert card["source"].startswith("seeds/") and card["line"] >= 1
    assert len({(c["deck"], c["guid"]) for c in cards}) == len(cards)
    first = next(c for c in cards if c["front"] == "Explain Batch Normalization")
    assert (first["deck"], first["source"], first["line"]) == (
        "Deep Learning::Interview Q&A",
        "seeds/000_b0ed0fda48863393.txt",
        1,
    )


def test_check_formats(project: Path) -> None:
    text = run("check")
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines and all(DIAGNOSTIC.match(line) for line in lines)
    keys = [(m["path"], int(m["line"])) for m in map(DIAGNOSTIC.match, lines) if m]
    assert keys == sorted(keys)
    as_json = json.loads(run("check", "--output", "json").stdout)
    assert len(as_json) == len(lines)
    assert all(set(d) >= {"path", "line", "severity", "rule", "message"} for d in as_json)
    *github, summary = run("check", "--output", "github").stdout.splitlines()
    assert len(github) == len(lines) and all(g.startswith("::warning file=seeds/") for g in github)
    assert summary.startswith("ankigen check: 182 cards in 5 decks; 0 errors, 26 warnings — GitHub shows")
    strict = run("check", "--strict")
    assert strict.exit_code == 1


def test_bad_files_in_a_folder_are_skipped_and_others_built(tmp_path: Path, collection: Collection) -> None:
    notes = tmp_path / "notes"
    _qa(notes / "good.txt")
    (notes / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (notes / "empty.md").write_bytes(b"")
    latin = "Q: Qu'est-ce qu'un café crème ?\r\nA: Un café au lait.\r\n"
    (notes / "latin1.txt").write_bytes(latin.encode("cp1252"))
    (notes / "bom.txt").write_bytes(b"\xef\xbb\xbfQ: BOM question?\r\nA: BOM answer\r\n")
    result = ankigen("build", "notes", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    built = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert built == ["bom.apkg", "good.apkg", "latin1.apkg"]  # decks named after the files
    check = ankigen("check", "notes", cwd=tmp_path)
    assert "notes/binary.txt:1: warning: binary file, not notes; skipped [binary-file]" in check.stdout
    assert "notes/empty.md:1: warning: empty file, no cards [empty-file]" in check.stdout
    assert re.search(r"notes/latin1.txt:1: warning: .*cp1252.* \[encoding\]", check.stdout)
    import_apkg(collection, tmp_path / "out" / "latin1.apkg")
    import_apkg(collection, tmp_path / "out" / "bom.apkg")
    fronts = {collection.get_note(n)["Front"]: collection.get_note(n) for n in collection.find_notes("")}
    assert "Un café au lait." in fronts["Qu'est-ce qu'un café crème ?"]["Back"]
    assert fronts["BOM question?"]["Back"] == "BOM answer"


def test_a_note_symlinked_from_outside_the_notes_is_built_under_its_name_in_them(
    tmp_path: Path, collection: Collection
) -> None:
    elsewhere = _qa(tmp_path / "elsewhere" / "shared.txt", "Q: Linked question?\nA: Linked answer\n")
    _qa(tmp_path / "notes" / "own.txt")
    (tmp_path / "notes" / "linked.txt").symlink_to(elsewhere)
    result = ankigen("build", "notes", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    import_apkg(collection, tmp_path / "out" / "linked.apkg")
    (note_id,) = collection.find_notes("")
    assert collection.get_note(note_id)["Source"] == "linked.txt:1"


def test_named_binary_file_is_an_error_but_other_decks_are_written(tmp_path: Path) -> None:
    _qa(tmp_path / "good.txt")
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02")
    result = ankigen("build", "good.txt", "blob.txt", "-o", "out", cwd=tmp_path)
    assert result.returncode == 1
    assert "blob.txt:1: error: binary file, not notes [binary-file]" in result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.apkg"]


def test_unwritable_output_exits_1_with_a_message(tmp_path: Path) -> None:
    _qa(tmp_path / "good.txt")
    (tmp_path / "file").write_text("not a folder")
    result = ankigen("build", "good.txt", "-o", "file/out", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_invalid_config_names_file_and_line(tmp_path: Path) -> None:
    _qa(tmp_path / "good.txt")
    (tmp_path / "ankigen.toml").write_text('[[deck]]\nname = "D"\nsources = ["*.txt"]\ncolor = "red"\n')
    result = ankigen("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "ankigen.toml:4: error: unknown key `deck.color`" in result.stderr


def test_deck_option_puts_everything_in_one_deck(project: Path, collection: Collection) -> None:
    result = run("build", "seeds", "--deck", "All::Cards", "-o", "one")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (project / "one").iterdir()] == ["All--Cards.apkg"]
    import_apkg(collection, project / "one" / "All--Cards.apkg")
    assert collection.decks.by_name("All::Cards") is not None
    assert len(collection.find_notes("")) >= 40 + 37


def test_deck_from_title_without_config(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# My Deck\n\n## What is ReLU?\n\nmax(0, x)\n", "utf-8")
    result = ankigen("build", "notes.md", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("out/My-Deck.apkg: My Deck — 1 card ")


def test_ctrl_c_exits_130_and_leaves_no_partial_deck(tmp_path: Path) -> None:
    cards = "".join(
        f"Q: Question number {i}?\nA: Answer {i} with `code` and $x_{i}$\n\n" for i in range(60000)
    )
    _qa(tmp_path / "big.txt", cards)
    script = (
        "import os, signal, threading\n"
        "from ankigen.cli import main\n"  # imported first: the interrupt lands in the build, not the imports
        "threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        "main(['build', 'big.txt', '-o', 'out'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 130, result.stderr
    assert "interrupted" in result.stderr and "Traceback" not in result.stderr
    out = tmp_path / "out"
    assert not out.exists() or os.listdir(out) == []


@pytest.mark.parametrize("fmt", ["qa", "markdown", "questionnaire"])
def test_format_option_overrides_detection(tmp_path: Path, fmt: str) -> None:
    _qa(tmp_path / "n.txt", "---\n1. What is a feature?\n---\nAn input variable.\n")
    result = ankigen("list", "n.txt", "--format", fmt, "--json", cwd=tmp_path)
    cards = json.loads(result.stdout)
    if fmt == "questionnaire":
        assert [c["front"] for c in cards] == ["What is a feature?"]
    else:
        assert all(c["front"] != "What is a feature?" for c in cards)


def test_a_deck_with_errors_keeps_its_previous_file(tmp_path: Path) -> None:
    _qa(tmp_path / "good.txt")
    first = ankigen("build", "good.txt", "--deck", "D", "-o", "out", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    good = (tmp_path / "out" / "D.apkg").read_bytes()
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02")
    _qa(tmp_path / "good.txt", "Q: What is a tensor?\nA: Changed.\n")
    second = ankigen("build", "good.txt", "blob.txt", "--deck", "D", "-o", "out", cwd=tmp_path)
    assert second.returncode == 1
    assert "error: deck 'D' not written: the sources have errors" in second.stderr
    assert (tmp_path / "out" / "D.apkg").read_bytes() == good
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["D.apkg"]


SYNOPSIS_START = "<!-- synopsis: made from ankigen/cli.py; tests/test_cli.py checks that they match -->"
SYNOPSIS_END = "<!-- end of synopsis -->"


def _usage(param: click.Parameter, ctx: click.Context) -> str:
    """How the synopsis shows one argument or option: ``[SOURCES]...``, ``[-o DIR]``, ``[--strict]``."""
    if not isinstance(param, click.Option):
        return param.make_metavar(ctx)
    # The short form when there is one, else the first name (check's --output-format, not its alias)
    name = next((opt for opt in param.opts if not opt.startswith("--")), param.opts[0])
    if param.is_flag:
        return f"[{name}]"
    return f"[{name} {param.make_metavar(ctx).strip('[]')}]"  # a choice's metavar is [a|b|c]


def synopsis() -> str:
    """The README's command synopsis, made from the commands: shared options first, then each command's."""
    from ankigen.cli import cli

    commands = cli.commands
    names = [{p.name for p in command.params} for command in commands.values()]
    shared = [p.name for p in commands["build"].params if all(p.name in n for n in names)]
    width = max(len(name) for name in [*commands, "COMMAND"])
    rows = [("COMMAND", commands["build"], lambda name: name in shared)]
    rows += [(name, command, lambda name: name not in shared) for name, command in commands.items()]
    lines = []
    for name, command, shown in rows:
        ctx = click.Context(command)
        params = [p for p in command.params if not isinstance(p, click.Option) or shown(p.name)]
        lines.append(f"ankigen {name.ljust(width)} {' '.join(_usage(p, ctx) for p in params)}")
    return "\n".join([SYNOPSIS_START, "", "```text", *lines, "```", "", SYNOPSIS_END])


def test_readme_synopsis_shows_every_option_of_every_command() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    start, end = readme.find(SYNOPSIS_START), readme.find(SYNOPSIS_END)
    assert 0 <= start < end, f"README.md lacks the synopsis between {SYNOPSIS_START!r} and {SYNOPSIS_END!r}"
    shown = readme[start : end + len(SYNOPSIS_END)]
    assert shown == synopsis(), "README.md's command synopsis is out of date; replace it with:\n" + synopsis()
