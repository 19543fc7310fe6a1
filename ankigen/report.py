"""Diagnostics → text for people, JSON for tools, or GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal

from ankigen.model import Diagnostic

Output = Literal["text", "json", "github"]
OUTPUTS: tuple[Output, ...] = ("text", "json", "github")


def format_diagnostics(diags: Iterable[Diagnostic], output: Output = "text") -> str:
    """Format ``diags`` sorted by (path, line, col, rule), one per line (JSON: one array).

    ``text`` gives ``Diagnostic.format()`` lines; ``json`` an array of objects with
    ``path, line, col, severity, rule, message``; ``github`` workflow commands such as
    ``::warning file=a.md,line=3,col=5,title=stray-emphasis::message``.
    """
    ordered = sorted(diags, key=Diagnostic.sort_key)
    if output == "text":
        return "\n".join(d.format() for d in ordered)
    if output == "json":
        return json.dumps([_as_dict(d) for d in ordered], indent=2, ensure_ascii=False)
    if output == "github":
        return "\n".join(_github(d) for d in ordered)
    raise ValueError(f"unknown output format {output!r}; expected one of {', '.join(OUTPUTS)}")


def summarize(diags: Iterable[Diagnostic]) -> str:
    """Count diagnostics by severity: ``"3 errors, 12 warnings"``."""
    errors = warnings = 0
    for d in diags:
        if d.severity == "error":
            errors += 1
        else:
            warnings += 1
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def plural(n: int, word: str) -> str:
    """``1 card``, ``2 cards``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _as_dict(d: Diagnostic) -> dict[str, object]:
    return {
        "path": d.path,
        "line": d.line,
        "col": d.col,
        "severity": d.severity,
        "rule": d.rule,
        "message": d.message,
    }


def _github(d: Diagnostic) -> str:
    """One GitHub Actions workflow command (``::warning …::message``)."""
    props = [f"file={_escape_property(d.path)}", f"line={d.line}"]
    if d.col:
        props.append(f"col={d.col}")
    props.append(f"title={_escape_property(d.rule)}")
    return f"::{d.severity} {','.join(props)}::{_escape_data(d.message)}"


def _escape_data(s: str) -> str:
    """Escape a workflow command's message, as @actions/core does."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    """Escape a workflow command property value, as @actions/core does."""
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")
