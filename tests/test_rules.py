"""The rule table: every diagnostic comes from it, every rule in it is used, the README lists it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO

from ankigen import rules
from ankigen.rules import RULES, Rule

PACKAGE = REPO / "ankigen"
README_START = "<!-- rules: made from ankigen/rules.py; tests/test_rules.py checks that they match -->"
README_END = "<!-- end of rules -->"


def _modules() -> dict[Path, ast.Module]:
    """Every module of the package except the table itself, parsed."""
    return {
        path: ast.parse(path.read_text("utf-8"), str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "rules.py"
    }


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def made_outside_the_table(tree: ast.Module) -> list[int]:
    """Lines that make a diagnostic or a rule without the table.

    Allowed: ``Diagnostic(**fields)`` or ``Diagnostic(*fields)``, which read back a cached
    diagnostic. Not allowed: a ``Diagnostic(...)`` given its fields, a ``Rule(...)``, or
    ``replace(..., rule=...)``.
    """
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        unpacked = (not node.args and node.keywords and all(k.arg is None for k in node.keywords)) or (
            len(node.args) == 1 and isinstance(node.args[0], ast.Starred) and not node.keywords
        )
        if (
            (name == "Diagnostic" and not unpacked)
            or name == "Rule"
            or (name == "replace" and any(k.arg == "rule" for k in node.keywords))
        ):
            found.append(node.lineno)
    return found


def test_the_scan_finds_a_diagnostic_made_without_the_table() -> None:
    code = (
        "from ankigen.model import Diagnostic\n"
        "ok = Diagnostic(**cached)\n"
        "also_ok = Diagnostic(*cached)\n"
        "bad = Diagnostic(path, 1, 'warning', 'not-listed', 'message')\n"
        "also_bad = dataclasses.replace(diagnostic, rule='renamed')\n"
        "rule = rules.Rule('made-here', 'warning', 'help')\n"
    )
    assert made_outside_the_table(ast.parse(code)) == [4, 5, 6]


def test_every_diagnostic_is_made_from_the_table() -> None:
    found = {
        f"{path.relative_to(REPO)}:{line}"
        for path, tree in _modules().items()
        for line in made_outside_the_table(tree)
    }
    assert not found, "make diagnostics with ankigen.rules (RULE.at(path, line, message)), not by hand"


def test_every_rule_is_listed_once_and_well_formed() -> None:
    defined = {name for name, value in vars(rules).items() if isinstance(value, Rule)}
    listed = {name for name, value in vars(rules).items() if isinstance(value, Rule) and value in RULES}
    assert defined == listed, "add every rule to RULES"
    assert len({rule.id for rule in RULES}) == len(RULES) == len(rules.BY_ID)
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.id), rule.id
        assert rule.severity in ("error", "warning")
        assert rule.help and "\n" not in rule.help and "|" not in rule.help, rule.id


def test_every_rule_is_emitted_somewhere() -> None:
    constants = {name for name, value in vars(rules).items() if isinstance(value, Rule)}
    used = set()
    for tree in _modules().values():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "rules"
            ):
                used.add(node.attr)
            elif isinstance(node, ast.ImportFrom) and node.module == "ankigen.rules":
                used.update(alias.name for alias in node.names)
    assert constants - used == set(), "a rule nothing emits: remove it from ankigen/rules.py"


def test_a_rule_makes_a_diagnostic_with_its_id_and_severity() -> None:
    diag = rules.MEDIA_OUTSIDE_TREE.at("notes.md", 3, "image '../x.png' leaves the tree", col=5)
    assert diag.format() == "notes.md:3:5: error: image '../x.png' leaves the tree [media-outside-tree]"


def rule_list() -> str:
    """The README's rule list, made from the table."""
    rows = ["| Rule | Severity | What it means |", "| --- | --- | --- |"]
    rows += [f"| `{rule.id}` | {rule.severity} | {rule.help} |" for rule in RULES]
    return "\n".join([README_START, "", *rows, "", README_END])


def test_readme_lists_exactly_the_rules() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    start, end = readme.find(README_START), readme.find(README_END)
    assert 0 <= start < end, f"README.md lacks the rule list between {README_START!r} and {README_END!r}"
    shown = readme[start : end + len(README_END)]
    assert shown == rule_list(), "README.md's rule list is out of date; replace it with:\n" + rule_list()
