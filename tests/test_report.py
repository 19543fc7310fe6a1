"""Tests for ankigen.report: text, JSON and GitHub Actions output, and the summary line."""

from __future__ import annotations

import json

import pytest

from ankigen.model import Diagnostic
from ankigen.report import format_diagnostics, summarize

DIAGS = [
    Diagnostic("b.md", 3, "warning", "stray-emphasis", "'**' closes nothing", col=7),
    Diagnostic("a.md", 10, "error", "media-outside-tree", "image ../x.png leaves the source tree"),
    Diagnostic("a.md", 2, "warning", "tex-unclosed", "math opened with '$' is never closed", col=4),
    Diagnostic("a.md", 2, "warning", "tex-unbalanced", "'{' is never closed", col=4),
]


def test_text_is_sorted_by_path_line_col_rule() -> None:
    assert format_diagnostics(DIAGS, "text") == (
        "a.md:2:4: warning: '{' is never closed [tex-unbalanced]\n"
        "a.md:2:4: warning: math opened with '$' is never closed [tex-unclosed]\n"
        "a.md:10: error: image ../x.png leaves the source tree [media-outside-tree]\n"
        "b.md:3:7: warning: '**' closes nothing [stray-emphasis]"
    )


def test_text_default_and_empty() -> None:
    assert format_diagnostics(DIAGS) == format_diagnostics(DIAGS, "text")
    assert format_diagnostics([], "text") == ""


def test_json_objects_in_order_with_null_col() -> None:
    out = format_diagnostics(DIAGS, "json")
    assert json.loads(out) == [
        {"path": "a.md", "line": 2, "col": 4, "severity": "warning", "rule": "tex-unbalanced",
         "message": "'{' is never closed"},
        {"path": "a.md", "line": 2, "col": 4, "severity": "warning", "rule": "tex-unclosed",
         "message": "math opened with '$' is never closed"},
        {"path": "a.md", "line": 10, "col": None, "severity": "error", "rule": "media-outside-tree",
         "message": "image ../x.png leaves the source tree"},
        {"path": "b.md", "line": 3, "col": 7, "severity": "warning", "rule": "stray-emphasis",
         "message": "'**' closes nothing"},
    ]  # fmt: skip
    assert format_diagnostics([], "json") == "[]"


def test_json_exact_text_keeps_non_ascii() -> None:
    d = Diagnostic("notes/café.md", 1, "warning", "encoding", "decoded as cp1252")
    assert format_diagnostics([d], "json") == (
        "[\n"
        "  {\n"
        '    "path": "notes/café.md",\n'
        '    "line": 1,\n'
        '    "col": null,\n'
        '    "severity": "warning",\n'
        '    "rule": "encoding",\n'
        '    "message": "decoded as cp1252"\n'
        "  }\n"
        "]"
    )


def test_github_workflow_commands() -> None:
    assert format_diagnostics(DIAGS, "github") == (
        "::warning file=a.md,line=2,col=4,title=tex-unbalanced::'{' is never closed\n"
        "::warning file=a.md,line=2,col=4,title=tex-unclosed::math opened with '$' is never closed\n"
        "::error file=a.md,line=10,title=media-outside-tree::image ../x.png leaves the source tree\n"
        "::warning file=b.md,line=3,col=7,title=stray-emphasis::'**' closes nothing"
    )


def test_github_escapes_properties_and_message() -> None:
    d = Diagnostic("dir,x/a:b%c.md", 5, "warning", "config", "100% bad:\r\nsee, here", col=2)
    assert format_diagnostics([d], "github") == (
        "::warning file=dir%2Cx/a%3Ab%25c.md,line=5,col=2,title=config::100%25 bad:%0D%0Asee, here"
    )


def test_unknown_output_is_refused() -> None:
    with pytest.raises(ValueError, match="xml"):
        format_diagnostics(DIAGS, "xml")  # type: ignore[arg-type]


def test_summarize_counts_and_plurals() -> None:
    assert summarize(DIAGS) == "1 error, 3 warnings"
    assert summarize(DIAGS[:1]) == "0 errors, 1 warning"
    assert summarize([]) == "0 errors, 0 warnings"
    assert summarize(iter(DIAGS[1:2] * 3)) == "3 errors, 0 warnings"
