"""Checks over parsed cards: TeX that MathJax will not typeset and stray Markdown emphasis.

Math is found the way the renderer finds it (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``,
``<math>…</math>``), skipping fenced and indented code and inline code spans.  Every scan
is a single left-to-right pass, so the checks stay linear on pathological input.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ankigen import rules
from ankigen.model import Card, Diagnostic

#: Environments MathJax 3 knows with the ``base``, ``ams`` and ``mathtools`` packages
#: (from BaseMappings.ts, AmsMappings.ts and MathtoolsMappings.ts of MathJax 3.2).
KNOWN_ENVIRONMENTS = frozenset(
    {
        "array",
        "equation",
        "eqnarray",
        "equation*",
        "eqnarray*",
        "align",
        "align*",
        "multline",
        "multline*",
        "split",
        "gather",
        "gather*",
        "alignat",
        "alignat*",
        "alignedat",
        "aligned",
        "gathered",
        "xalignat",
        "xalignat*",
        "xxalignat",
        "flalign",
        "flalign*",
        "subarray",
        "smallmatrix",
        "matrix",
        "pmatrix",
        "bmatrix",
        "Bmatrix",
        "vmatrix",
        "Vmatrix",
        "cases",
        "dcases",
        "rcases",
        "drcases",
        "dcases*",
        "rcases*",
        "drcases*",
        "cases*",
        "matrix*",
        "pmatrix*",
        "bmatrix*",
        "Bmatrix*",
        "vmatrix*",
        "Vmatrix*",
        "smallmatrix*",
        "psmallmatrix",
        "psmallmatrix*",
        "bsmallmatrix",
        "bsmallmatrix*",
        "Bsmallmatrix",
        "Bsmallmatrix*",
        "vsmallmatrix",
        "vsmallmatrix*",
        "Vsmallmatrix",
        "Vsmallmatrix*",
        "crampedsubarray",
        "multlined",
        "spreadlines",
        "lgathered",
        "rgathered",
    }
)

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,}|'{3,})")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)")
_BLOCK_START = re.compile(r"[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|>|\|)")
_THEMATIC_BREAK = re.compile(r"[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_TEX_HINT = re.compile(r"\\[A-Za-z]|[_^]\{|\^")
_MATH_TAG = re.compile(r"<math(?:\s[^>]*)?>", re.IGNORECASE)
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_STRAY = "'**' has no partner and will show as literal asterisks"
_MASK = "x"  # what code and math look like to the emphasis check: an ordinary word character
_MARKDOWN_SPECIAL = re.compile(r"[\\`$<]")  # what can start an escape, code span or math
_PLAIN_SPECIAL = re.compile(r"[\\$]")


@dataclass(frozen=True)
class _Math:
    """A math span: its TeX runs from ``start`` to ``end`` in the field text."""

    start: int
    end: int


@dataclass(frozen=True)
class _Problem:
    """A problem at ``offset`` in a field's text, before it is placed at a source line."""

    offset: int
    rule: rules.Rule
    message: str


class _Field:
    """One field's text, with what the scan found in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = list(text)  # code, math and escapes replaced by _MASK
        self.math: list[_Math] = []
        self.problems: list[_Problem] = []
        self.units: list[tuple[int, int]] = []  # inline units (paragraphs, list items) for emphasis

    def mask(self, start: int, end: int) -> None:
        """Hide ``text[start:end]`` from the emphasis check (newlines are kept)."""
        self.masked[start:end] = [ch if ch == "\n" else _MASK for ch in self.masked[start:end]]


def lint_cards(cards: Iterable[Card]) -> list[Diagnostic]:
    """Lint every card; diagnostics come in card order."""
    return [d for card in cards for d in lint_card(card)]


def lint_card(card: Card) -> list[Diagnostic]:
    """Check a card's front and back for TeX MathJax rejects and for stray ``**``.

    Problems in a Markdown back get a column (its lines are the source lines as written);
    fronts lost their numbering or ``Q:`` prefix and plain backs their ``A:`` prefixes, so
    problems there get none.
    """
    out: list[Diagnostic] = []
    back_line = card.back_line or card.line
    back_cols = card.markup == "markdown"
    for text, first_line, with_col in ((card.front, card.line, False), (card.back, back_line, back_cols)):
        if not text:
            continue
        field = _scan_plain(text) if card.markup == "plain" else _scan_markdown(text)
        for math in field.math:
            _check_tex(field, math)
        if card.markup != "plain":
            _check_emphasis(field)
        starts = _line_starts(text)
        for p in sorted(field.problems, key=lambda p: (p.offset, p.rule.id)):
            row = bisect_right(starts, p.offset) - 1
            col = p.offset - starts[row] + 1 if with_col else None
            out.append(p.rule.at(card.source, first_line + row, p.message, col))
    return out


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (offset, line without newline)."""
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


# --------------------------------------------------------------------------- scanning


def _scan_plain(text: str) -> _Field:
    """Plain (Q:/A:) text: math as the renderer finds it there (no Markdown, no code spans)."""
    field = _Field(text)
    end = len(text)
    i = 0
    no_close: dict[str, int] = {}
    while i < end:
        ch = text[i]
        if ch == "\\" and i + 1 < end:
            if text[i + 1] in "([":
                i = _delimited(field, i, 2, "\\)" if text[i + 1] == "(" else "\\]", end, no_close)
            else:
                i += 2
        elif text.startswith("$$", i):
            i = _delimited(field, i, 2, "$$", end, no_close)
        elif ch == "$":
            blank = text.find("\n\n", i)
            i = _dollar(field, i, end if blank < 0 else blank)
        else:  # jump to the next character that can start math
            special = _PLAIN_SPECIAL.search(text, i + 1)
            i = special.start() if special else end
    return field


def _scan_markdown(text: str) -> _Field:
    """Markdown text: find prose blocks outside code, then math and code spans inside them."""
    field = _Field(text)
    block: list[tuple[int, str]] = []  # the prose lines of the current paragraph-level block
    fence: str | None = None
    prev_text = ""  # the last prose line, to tell list continuations from indented code
    prev_blank = False
    indented_code = False
    for offset, line in _lines(text):
        stripped = line.strip()
        if fence is not None:  # inside a fenced code block
            field.mask(offset, offset + len(line))
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = None
            continue
        fence_match = _FENCE.match(line)
        if fence_match:
            _scan_block(field, block)
            block = []
            fence = fence_match.group(1)
            field.mask(offset, offset + len(line))
            prev_blank = indented_code = False
            continue
        if not stripped:
            _scan_block(field, block)
            block = []
            prev_blank = True
            continue
        # Indented code, as the renderer decides it: after a blank line, not continuing a list.
        indented = line.startswith(("    ", "\t"))
        in_list = bool(_LIST_ITEM.match(prev_text)) or prev_text.startswith((" ", "\t"))
        if indented and (indented_code or (prev_blank and not in_list)):
            indented_code = True
            field.mask(offset, offset + len(line))
            prev_blank = False
            continue
        indented_code = prev_blank = False
        prev_text = line
        block.append((offset, line))
    _scan_block(field, block)
    return field


def _scan_block(field: _Field, block: list[tuple[int, str]]) -> None:
    """Scan one blank-line-separated block of prose lines for code spans and math."""
    if not block:
        return
    text = field.text
    # Inline units: a list item, heading, quote or table row starts a new one.
    unit_starts: list[int] = []
    for n, (offset, line) in enumerate(block):
        item = _LIST_ITEM.match(line)
        if item:
            field.mask(offset, item.end())  # the list marker is not emphasis
        if _THEMATIC_BREAK.match(line):
            field.mask(offset, offset + len(line))
        if n == 0 or item or _BLOCK_START.match(line) or _THEMATIC_BREAK.match(line):
            unit_starts.append(offset)
    block_end = block[-1][0] + len(block[-1][1])
    unit_ends = unit_starts[1:] + [block_end]
    field.units.extend(zip(unit_starts, unit_ends, strict=True))

    no_close: dict[str, int] = {}
    u = 0
    i = block[0][0]
    while i < block_end:
        while unit_ends[u] <= i:
            u += 1
        unit_end = unit_ends[u]
        ch = text[i]
        if ch == "\\" and i + 1 < block_end:
            nxt = text[i + 1]
            if nxt == "(":
                i = _delimited(field, i, 2, "\\)", block_end, no_close)
            elif nxt == "[":
                i = _delimited(field, i, 2, "\\]", block_end, no_close)
            else:
                if nxt in _ASCII_PUNCT:
                    field.mask(i, i + 2)
                i += 2
        elif ch == "`":
            i = _code_span(field, i, unit_end, no_close)
        elif ch == "$":
            if text.startswith("$$", i):
                i = _delimited(field, i, 2, "$$", block_end, no_close)
            else:
                i = _dollar(field, i, block_end)
        elif ch == "<" and (tag := _MATH_TAG.match(text, i)):
            i = _delimited(field, i, tag.end() - i, "</math>", block_end, no_close)
        elif ch == "<" and text.startswith("<code>", i):
            j = _find_closer(text, "</code>", i + 6, unit_end, no_close)
            if j >= 0:
                field.mask(i, j + 7)
            i = j + 7 if j >= 0 else i + 6
        else:  # jump to the next character that can start code or math
            special = _MARKDOWN_SPECIAL.search(text, i + 1, block_end)
            i = special.start() if special else block_end


def _find_closer(text: str, closer: str, start: int, limit: int, no_close: dict[str, int]) -> int:
    """Index of ``closer`` in ``text[start:limit]`` skipping backslash escapes, or -1.

    ``no_close`` remembers where a search already failed, so that many unclosed openers
    cost one scan instead of one each.
    """
    key = f"{closer}@{limit}"
    if no_close.get(key, limit + 1) <= start:
        return -1
    escapable = closer[0] != "\\"
    j = start
    while True:
        j = text.find(closer, j, limit)
        if j < 0:
            no_close[key] = start
            return -1
        if escapable and _escaped(text, j):
            j += 1
            continue
        return j


def _escaped(text: str, j: int) -> bool:
    """True when ``text[j]`` is preceded by an odd number of backslashes."""
    k = j
    while k > 0 and text[k - 1] == "\\":
        k -= 1
    return (j - k) % 2 == 1


def _delimited(field: _Field, i: int, width: int, closer: str, limit: int, no_close: dict[str, int]) -> int:
    """Math opened at ``i`` by a ``width``-wide delimiter; return where scanning resumes."""
    empty_ok = closer == "</math>"  # the other delimiters need at least one character inside
    j = _find_closer(field.text, closer, i + width + (0 if empty_ok else 1), limit, no_close)
    opener = field.text[i : i + width]
    if j < 0:
        field.problems.append(
            _Problem(i, rules.TEX_UNCLOSED, f"math opened with '{opener}' is never closed with '{closer}'")
        )
        field.mask(i, i + width)
        return i + width
    field.math.append(_Math(i + width, j))
    field.mask(i, j + len(closer))
    return j + len(closer)


def _dollar(field: _Field, i: int, limit: int) -> int:
    """A single ``$`` at ``i``: inline math when it pairs the way the renderer pairs it.

    The opener is followed by a non-space; the closer is the next unescaped ``$`` (before any
    backtick), preceded by a non-space and not followed by a digit.  Otherwise the ``$`` is
    text (money: ``$5 and $10``).  An unpaired ``$`` is reported only when what follows it
    clearly is TeX.
    """
    text = field.text
    j = i + 1
    while j < limit and text[j] not in "$`":
        j += 2 if text[j] == "\\" else 1
    j = min(j, limit)
    opens = i + 1 < limit and not text[i + 1].isspace()
    closed = j < limit and text[j] == "$" and j > i + 1 and text[j - 1] not in " \t\n\\"
    if opens and closed and not (j + 1 < len(text) and text[j + 1].isdigit()):
        field.math.append(_Math(i + 1, j))
        field.mask(i, j + 1)
        return j + 1
    if opens:
        line_end = text.find("\n", i, j)
        rest = text[i + 1 : j if line_end < 0 else line_end]
        if not rest[:1].isdigit() and _TEX_HINT.search(rest):
            message = "math opened with '$' has no closing '$' (one right after a non-space, before no digit)"
            field.problems.append(_Problem(i, rules.TEX_UNCLOSED, message))
    return i + 1


def _code_span(field: _Field, i: int, limit: int, no_close: dict[str, int]) -> int:
    """A backtick run at ``i``: a code span if a run of the same length closes it."""
    text = field.text
    n = i
    while n < limit and text[n] == "`":
        n += 1
    run = n - i
    key = f"`{run}@{limit}"
    if no_close.get(key, limit + 1) <= n:
        return n
    j = n
    while True:
        j = text.find("`", j, limit)
        if j < 0:
            no_close[key] = n
            return n
        k = j
        while k < limit and text[k] == "`":
            k += 1
        if k - j == run:
            field.mask(i, k)
            return k
        j = k


# --------------------------------------------------------------------------- TeX


def _check_tex(field: _Field, math: _Math) -> None:
    """Report unbalanced braces, ``\\left``/``\\right`` and environments, and unknown environments."""
    text = field.text
    stack: list[tuple[str, int]] = []  # (kind, offset): "{", "\\left" or "env:NAME"
    j = math.start
    end = math.end
    while j < end:
        ch = text[j]
        if ch == "{":
            stack.append(("{", j))
            j += 1
        elif ch == "}":
            if not _close(field, stack, "{", j, "'}' without a matching '{'"):
                return
            j += 1
        elif ch == "\\" and j + 1 < end and text[j + 1].isascii() and text[j + 1].isalpha():
            k = j + 1
            while k < end and text[k].isascii() and text[k].isalpha():
                k += 1
            name = text[j + 1 : k]
            if name in ("left", "right") and text.startswith("\\\\", k):
                field.problems.append(
                    _Problem(
                        j, rules.TEX_UNBALANCED, f"'\\{name}\\\\' is not a delimiter (use '\\{{' or '\\}}')"
                    )
                )
                return
            if name == "left":
                stack.append(("\\left", j))
            elif name == "right":
                if not _close(field, stack, "\\left", j, "'\\right' without a matching '\\left'"):
                    return
            elif name in ("begin", "end"):
                env, k = _env_name(text, k, end)
                if env is not None and name == "begin":
                    if env not in KNOWN_ENVIRONMENTS:
                        field.problems.append(
                            _Problem(
                                j, rules.TEX_UNKNOWN_ENV, f"MathJax does not know the environment '{env}'"
                            )
                        )
                    stack.append(("env:" + env, j))
                elif env is not None and not _close(
                    field, stack, "env:" + env, j, f"'\\end{{{env}}}' without a matching '\\begin{{{env}}}'"
                ):
                    return
            j = k
        elif ch == "\\":
            j += 2  # control symbol: \{ \} \\ \, …
        else:
            j += 1
    if stack:
        _unclosed(field, *stack[0])


def _env_name(text: str, k: int, end: int) -> tuple[str | None, int]:
    """Read ``{name}`` after ``\\begin``/``\\end``; return the name (None if malformed) and where it ends."""
    while k < end and text[k] == " ":
        k += 1
    if k < end and text[k] == "{":
        close = text.find("}", k, end)
        if close > k:
            return text[k + 1 : close].strip(), close + 1
    return None, k


def _close(field: _Field, stack: list[tuple[str, int]], kind: str, at: int, extra: str) -> bool:
    """Pop ``kind`` for a closer at ``at``; on a mismatch record the problem and return False."""
    if stack and stack[-1][0] == kind:
        stack.pop()
        return True
    if any(k == kind for k, _ in stack):
        _unclosed(field, *stack[-1])  # an inner group was left open
    else:
        field.problems.append(_Problem(at, rules.TEX_UNBALANCED, extra))
    return False


def _unclosed(field: _Field, kind: str, at: int) -> None:
    if kind == "{":
        message = "'{' is never closed by '}'"
    elif kind == "\\left":
        message = "'\\left' without a matching '\\right'"
    else:
        env = kind[4:]
        message = f"'\\begin{{{env}}}' without a matching '\\end{{{env}}}'"
    field.problems.append(_Problem(at, rules.TEX_UNBALANCED, message))


# --------------------------------------------------------------------------- emphasis


def _check_emphasis(field: _Field) -> None:
    """Report ``**`` that will show as literal asterisks.

    Mirrors Python-Markdown's ``*`` delimiter runs within one paragraph, list item, heading or
    table row: a run can open when no whitespace follows it and close when no whitespace
    precedes it (punctuation does not matter); runs pair innermost first, with CommonMark's
    rule of three.  A run of two or more that is left (partly) unpaired is reported; a run
    with whitespace on both sides, or a single ``*`` between letters (arithmetic), is text.
    """
    masked = field.masked
    flat = "".join(masked)
    for start, end in field.units:
        stack: list[_Run] = []
        runs: list[_Run] = []
        i = start
        while i < end:
            i = flat.find("*", i, end)
            if i < 0:
                break
            k = i
            while k < end and masked[k] == "*":
                k += 1
            before = masked[i - 1] if i > start else " "
            after = masked[k] if k < end else " "
            run = _Run(i, k - i, can_open=not after.isspace(), can_close=not before.isspace())
            arithmetic = run.length == 1 and _word(before) and _word(after)
            if (run.can_open or run.can_close) and not arithmetic:
                runs.append(run)
                _pair(run, stack)
            i = k
        for run in runs:
            if run.length >= 2 and run.left:
                field.problems.append(_Problem(run.offset, rules.STRAY_EMPHASIS, _STRAY))


@dataclass
class _Run:
    """A run of ``*``: where it starts, its length, what it can do and how many stars are left."""

    offset: int
    length: int
    can_open: bool
    can_close: bool
    left: int = 0

    def __post_init__(self) -> None:
        self.left = self.length


def _pair(run: _Run, stack: list[_Run]) -> None:
    """Match ``run`` against the open runs on ``stack`` (CommonMark's process-emphasis step)."""
    if run.can_close:
        while run.left and stack:
            n = len(stack) - 1
            while n >= 0 and _rule_of_three(stack[n], run):
                n -= 1
            if n < 0:
                break
            opener = stack[n]
            del stack[n + 1 :]  # openers inside the pair stay literal
            used = 2 if opener.left >= 2 and run.left >= 2 else 1
            opener.left -= used
            run.left -= used
            if not opener.left:
                stack.pop()
    if run.left and run.can_open:
        stack.append(run)


def _rule_of_three(opener: _Run, closer: _Run) -> bool:
    """True when the pair is forbidden: a run that may both open and close sums to a multiple of 3."""
    ambiguous = (opener.can_open and opener.can_close) or (closer.can_open and closer.can_close)
    total = opener.length + closer.length
    return ambiguous and total % 3 == 0 and not (opener.length % 3 == 0 and closer.length % 3 == 0)


def _word(ch: str) -> bool:
    return ch.isalnum()
