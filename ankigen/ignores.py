"""Silencing rules: the config's ``ignore`` and ``per-file-ignores``, and inline markers in notes.

A marker ``<!-- ankigen: ignore rule-a, rule-b -->`` silences those rules' diagnostics on its own
line; ankigen removes it from the text before parsing, so it never reaches a card (line numbers
stay as written). Only warnings can be silenced: an error means a deck cannot be written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ankigen import rules
from ankigen.model import Diagnostic

MARKER = re.compile(r"<!--\s*ankigen:\s*ignore\b(?P<ids>[^>]*?)-->")


def rule_id_problem(rule_id: str) -> str | None:
    """Why ``rule_id`` cannot be silenced, if it cannot: unknown, or an error's rule."""
    rule = rules.BY_ID.get(rule_id)
    if rule is None:
        return f"{rule_id!r} is not a rule id (see `ankigen check --explain`)"
    if rule.severity == "error":
        return f"{rule_id!r} reports errors, which cannot be ignored"
    return None


def strip_markers(text: str, path: str) -> tuple[str, dict[int, frozenset[str]], list[Diagnostic]]:
    """``text`` without its ignore markers, the rule ids each line silences, and a warning for
    each marker naming a rule that cannot be silenced."""
    if "ankigen:" not in text:
        return text, {}, []
    silenced: dict[int, frozenset[str]] = {}
    problems: list[Diagnostic] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        found = list(MARKER.finditer(line))
        if not found:
            continue
        ids = {rule_id for match in found for rule_id in re.split(r"[\s,]+", match["ids"]) if rule_id}
        for rule_id in sorted(ids):
            problem = rule_id_problem(rule_id)
            if problem:
                problems.append(rules.BAD_IGNORE.at(path, number, f"ignore marker: {problem}"))
        silenced[number] = frozenset(ids)
        lines[number - 1] = MARKER.sub("", line).rstrip()
    return "\n".join(lines), silenced, problems


@dataclass
class Ignores:
    """What the config and the notes silence; counts what it silenced, by rule."""

    everywhere: frozenset[str] = frozenset()
    per_file: Mapping[Path, frozenset[str]] = field(default_factory=dict)
    """Resolved file → the rule ids silenced in it (from ``per-file-ignores``)."""
    markers: dict[Path, dict[int, frozenset[str]]] = field(default_factory=dict)
    """Resolved file → line → the rule ids its marker silences."""
    counts: Counter[str] = field(default_factory=Counter)

    def keep(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics not silenced (errors never are); the rest are counted."""
        kept: list[Diagnostic] = []
        for diagnostic in diagnostics:
            if diagnostic.severity == "warning" and self._silenced(diagnostic):
                self.counts[diagnostic.rule] += 1
            else:
                kept.append(diagnostic)
        return kept

    def _silenced(self, diagnostic: Diagnostic) -> bool:
        if diagnostic.rule in self.everywhere:
            return True
        if not self.per_file and not self.markers:
            return False
        path = Path(diagnostic.path).resolve()
        if diagnostic.rule in self.per_file.get(path, ()):
            return True
        return diagnostic.rule in self.markers.get(path, {}).get(diagnostic.line, ())
