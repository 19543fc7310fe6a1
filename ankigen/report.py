"""Diagnostics → text for people, JSON for tools, or GitHub Actions annotations."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import IO, Literal

import click

from ankigen.model import Diagnostic
from ankigen.rules import BY_ID

Output = Literal["text", "json", "github"]
OUTPUTS: tuple[Output, ...] = ("text", "json", "github")


def format_diagnostics(diags: Iterable[Diagnostic], output: Output = "text", color: bool = False) -> str:
    """Format ``diags`` sorted by (path, line, col, rule), one per line (JSON: one array).

    ``text`` gives ``Diagnostic.format()`` lines (with ``color``, the severity and rule styled for a
    terminal); ``json`` an array of objects with ``path, line, col, severity, rule, message``;
    ``github`` workflow commands such as
    ``::warning file=a.md,line=3,col=5,title=stray-emphasis::message``.
    """
    ordered = sorted(diags, key=Diagnostic.sort_key)
    if output == "text":
        return "\n".join(format_text(d, color) for d in ordered)
    if output == "json":
        return json.dumps([_as_dict(d) for d in ordered], indent=2, ensure_ascii=False)
    if output == "github":
        return "\n".join(_github(d) for d in ordered)
    raise ValueError(f"unknown output format {output!r}; expected one of {', '.join(OUTPUTS)}")


def format_text(d: Diagnostic, color: bool = False) -> str:
    """``path:line[:col]: severity: message [rule]``, the severity and rule styled when ``color``."""
    if not color:
        return d.format()
    where = f"{d.path}:{d.line}" + (f":{d.col}" if d.col else "")
    severity = click.style(d.severity, fg="red" if d.severity == "error" else "yellow", bold=True)
    return f"{click.style(where, bold=True)}: {severity}: {d.message} {click.style(f'[{d.rule}]', dim=True)}"


def wants_color(stream: IO[str]) -> bool:
    """Colour for a terminal, unless ``NO_COLOR`` is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and stream.isatty()


def statistics(diags: Iterable[Diagnostic], ignored: Mapping[str, int], output: Output = "text") -> str:
    """Counts by rule (most frequent first), with how many of each were ignored: a table, or
    for ``json`` an array of ``{rule, severity, count, ignored}``."""
    counts = Counter(d.rule for d in diags)
    rows = [
        {
            "rule": rule,
            "severity": BY_ID[rule].severity,
            "count": counts[rule],
            "ignored": ignored.get(rule, 0),
        }
        for rule in sorted(counts.keys() | ignored.keys(), key=lambda r: (-counts[r], -ignored.get(r, 0), r))
    ]
    if output == "json":
        return json.dumps(rows, indent=2)
    return "\n".join(
        f"{row['count']:>6}  {row['rule']:<22} {row['severity']:<8}"
        + (f" ({row['ignored']} ignored)" if row["ignored"] else "")
        for row in rows
    )


GITHUB_ANNOTATIONS_SHOWN = 10
"""GitHub shows at most this many warning (and error) annotations of a step."""


def github_summary(summary: str, diags: Iterable[Diagnostic]) -> str:
    """The line ``--output-format github`` ends with: ``ankigen check: SUMMARY``, and a note when
    GitHub hides some of the annotations."""
    counts = Counter(d.severity for d in diags)
    line = f"ankigen check: {summary}"
    if max(counts.values(), default=0) > GITHUB_ANNOTATIONS_SHOWN:
        shown = GITHUB_ANNOTATIONS_SHOWN
        line += (
            f" — GitHub shows at most {shown} warning and {shown} error annotations per step; "
            "this step's log lists every one"
        )
    return line


def summarize(diags: Iterable[Diagnostic], ignored: int = 0) -> str:
    """Count diagnostics by severity: ``"3 errors, 12 warnings"`` (``"… (2 ignored)"``)."""
    errors = warnings = 0
    for d in diags:
        if d.severity == "error":
            errors += 1
        else:
            warnings += 1
    counted = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
    return counted + (f" ({ignored} ignored)" if ignored else "")


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
