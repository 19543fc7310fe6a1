"""Tables: tab-separated ones (as pasted from a wiki or a spreadsheet) → Markdown pipe tables, and a
scrolling wrapper around every table of the finished HTML.

A table is a run of at least two consecutive lines that each have a tab after some text (a line
that merely starts with a tab is indentation, not a row). A first row with text only in its first
cell is a caption and stays a paragraph above the table. Runs whose rows are ``text<TAB>// comment``
(TeX lines with a trailing comment) are not tables: they keep one line per row instead.
"""

from __future__ import annotations

import re

from ankigen.scan import code_line_mask

_ROW = re.compile(r"^[ \t]*\S[^\t]*\t")
_COMMENT = re.compile(r"^(?://|#|%|--)")


def _is_row(line: str) -> bool:
    return bool(_ROW.search(line))


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.rstrip().split("\t")] if line.strip() else []


def _is_comment_run(rows: list[list[str]]) -> bool:
    """Every row is ``text<TAB>comment``: TeX or code lines with a trailing comment."""
    return all(len([c for c in row if c]) == 2 and _COMMENT.match(row[-1] or "") for row in rows)


def _pipe(cells: list[str], width: int) -> str:
    padded = cells + [""] * (width - len(cells))
    return "| " + " | ".join(c.replace("|", "\\|") for c in padded) + " |"


def _table(rows: list[str]) -> list[str]:
    cells = [_cells(r) for r in rows]
    if _is_comment_run(cells):
        lines = [" &emsp; ".join(c for c in row if c) for row in cells]
        return [line + "  " for line in lines[:-1]] + lines[-1:]  # a line break after each but the last
    out: list[str] = []
    first = cells[0]
    if len(cells) > 2 and first and all(not c for c in first[1:]):
        out += [first[0], ""]
        cells = cells[1:]
    width = max(len(row) for row in cells)
    out.append(_pipe(cells[0], width))
    out.append("|" + "---|" * width)
    out += [_pipe(row, width) for row in cells[1:]]
    return out


def convert_tab_tables(text: str) -> str:
    """Rewrite tab-separated tables outside code in Markdown ``text`` as pipe tables."""
    if "\t" not in text:
        return text
    lines = text.split("\n")
    mask = code_line_mask(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and not mask[j] and _is_row(lines[j]):
            j += 1
        if j - i >= 2:
            if out and out[-1].strip():
                out.append("")
            out += _table(lines[i:j])
            if j < len(lines) and lines[j].strip():
                out.append("")
            i = j
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def wrap_tables(cleaned: str) -> str:
    """Put each table of sanitised HTML in a ``<div class="table-scroll">`` (it scrolls on a phone).

    After nh3 every ``<table`` is a tag: it escapes ``<`` in text and attribute values.
    """
    if "<table" not in cleaned:
        return cleaned
    return cleaned.replace("<table", '<div class="table-scroll"><table').replace("</table>", "</table></div>")
