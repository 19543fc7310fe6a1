"""Checks over parsed cards: TeX that MathJax will not typeset, stray Markdown emphasis, cloze mistakes.

Math and code are found by :mod:`ankigen.scan`, the scanner the renderer stashes math with, so
exactly the math the renderer typesets is checked, and code is never checked. The TeX check and the
emphasis check are single left-to-right passes, so linting stays linear on pathological input.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ankigen import rules
from ankigen.cloze import MAX_NUMBER, makes_cards, quick_check, read_field
from ankigen.model import Card, Diagnostic
from ankigen.parsers.common import atx_heading
from ankigen.scan import ARITHMETIC_STAR, MATH, Kind, Scan, Span, Unclosed, scan_markdown, scan_plain

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

_TEX_HINT = re.compile(r"\\[A-Za-z]|[_^]\{|\^")
_STRAY = "'**' has no partner and will show as literal asterisks"
_MASK = "x"  # what code and math look like to the emphasis check: an ordinary word character


@dataclass(frozen=True)
class _Problem:
    """A problem at ``offset`` in a field's text, before it is placed at a source line."""

    offset: int
    rule: rules.Rule
    message: str


def lint_cards(cards: Iterable[Card], source: str = "") -> list[Diagnostic]:
    """Lint every card of one file whose text is ``source`` (it places cloze problems at a
    column); diagnostics come in card order."""
    lines = source.split("\n")
    headings: set[str] = set()
    out: list[Diagnostic] = []
    for card in cards:
        out += lint_card(card)
        if quick_check(card.front) or quick_check(card.back):
            out += lint_clozes(card, lines)
        for title in card.context:
            if title not in headings and makes_cards(title):
                headings.add(title)
                out.append(_cloze_in_heading(card, title, lines))
    return out


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
        problems = _problems(text, card.markup == "plain")
        starts = _line_starts(text) if problems else []
        for p in sorted(problems, key=lambda p: (p.offset, p.rule.id)):
            row = bisect_right(starts, p.offset) - 1
            col = p.offset - starts[row] + 1 if with_col else None
            out.append(p.rule.at(card.source, first_line + row, p.message, col))
    return out


def _problems(text: str, plain: bool) -> list[_Problem]:
    """Every problem in one field's text."""
    scan = scan_plain(text) if plain else scan_markdown(text)
    problems = [p for span in scan.spans if span.kind in MATH for p in _check_tex(text, span)]
    problems += [p for u in scan.unclosed if (p := _unclosed_math(text, u)) is not None]
    if not plain and "**" in text:  # only a run of two or more stars is ever reported
        problems += _check_emphasis(*_emphasis_view(text, scan))
    return problems


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def _unclosed_math(text: str, u: Unclosed) -> _Problem | None:
    """Math that never closes; an unpaired ``$`` only when what follows it clearly is TeX."""
    if u.opener != "$":
        return _Problem(
            u.offset, rules.TEX_UNCLOSED, f"math opened with '{u.opener}' is never closed with '{u.closer}'"
        )
    line_end = text.find("\n", u.offset, u.stop)
    rest = text[u.offset + 1 : u.stop if line_end < 0 else line_end]
    if rest[:1].isdigit() or not _TEX_HINT.search(rest):
        return None  # money: "$5 and $10", "$HOME"
    message = "math opened with '$' has no closing '$' (one right after a non-space, before no digit)"
    return _Problem(u.offset, rules.TEX_UNCLOSED, message)


# --------------------------------------------------------------------------- TeX


@dataclass
class _Tex:
    """The TeX check of one math span: what is open, and the problems found."""

    text: str
    end: int
    stack: list[tuple[str, int]] = field(default_factory=list)  # (kind, offset): "{", "\\left", "env:NAME"
    problems: list[_Problem] = field(default_factory=list)
    done: bool = False  # an unbalanced group was reported: the rest of the formula is not checked

    def report(self, at: int, rule: rules.Rule, message: str, *, last: bool = True) -> None:
        self.problems.append(_Problem(at, rule, message))
        self.done = self.done or last

    def close(self, kind: str, at: int, message: str) -> None:
        """Pop ``kind`` for a closer at ``at``; on a mismatch report it and stop."""
        if self.stack and self.stack[-1][0] == kind:
            self.stack.pop()
        elif any(k == kind for k, _ in self.stack):
            self.unclosed(*self.stack[-1])  # an inner group was left open
        else:
            self.report(at, rules.TEX_UNBALANCED, message)

    def unclosed(self, kind: str, at: int) -> None:
        if kind == "{":
            message = "'{' is never closed by '}'"
        elif kind == "\\left":
            message = "'\\left' without a matching '\\right'"
        else:
            env = kind[4:]
            message = f"'\\begin{{{env}}}' without a matching '\\end{{{env}}}'"
        self.report(at, rules.TEX_UNBALANCED, message)


_TexRule = Callable[[_Tex, int], "int | None"]
"""A TeX rule: given the offset of ``{``, ``}`` or ``\\``, where the check goes on, or None."""

_TEX_SPECIAL = re.compile(r"[{}\\]")
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")


def _check_tex(text: str, span: Span) -> list[_Problem]:
    """Unbalanced braces, ``\\left``/``\\right`` and environments, and unknown environments in ``span``."""
    tex = _Tex(text, span.body_end)
    j = span.body_start
    while not tex.done and (m := _TEX_SPECIAL.search(text, j, tex.end)) is not None:
        j = m.start()
        j = next(k for rule in _TEX_RULES if (k := rule(tex, j)) is not None)
    if tex.stack and not tex.done:
        tex.unclosed(*tex.stack[0])
    return tex.problems


def _open_brace(tex: _Tex, j: int) -> int | None:
    if tex.text[j] != "{":
        return None
    tex.stack.append(("{", j))
    return j + 1


def _close_brace(tex: _Tex, j: int) -> int | None:
    if tex.text[j] != "}":
        return None
    tex.close("{", j, "'}' without a matching '{'")
    return j + 1


def _control_word(tex: _Tex, j: int) -> int | None:
    """``\\name``: the commands that open or close something are checked, others skipped."""
    m = _CONTROL_WORD.match(tex.text, j, tex.end)
    if m is None:
        return None
    command = _COMMANDS.get(m.group(1))
    return m.end() if command is None else command(tex, j, m.end())


def _control_symbol(tex: _Tex, j: int) -> int:
    return j + 2  # \{ \} \\ \, …


def _left_right(tex: _Tex, j: int, k: int) -> int:
    name = tex.text[j + 1 : k]
    if tex.text.startswith("\\\\", k):
        tex.report(j, rules.TEX_UNBALANCED, f"'\\{name}\\\\' is not a delimiter (use '\\{{' or '\\}}')")
    elif name == "left":
        tex.stack.append(("\\left", j))
    else:
        tex.close("\\left", j, "'\\right' without a matching '\\left'")
    return k


def _begin_end(tex: _Tex, j: int, k: int) -> int:
    env, k_env = _env_name(tex.text, k, tex.end)
    if env is None:
        return k
    if tex.text[j + 1 : k] == "end":
        tex.close("env:" + env, j, f"'\\end{{{env}}}' without a matching '\\begin{{{env}}}'")
        return k_env
    if env not in KNOWN_ENVIRONMENTS:
        tex.report(j, rules.TEX_UNKNOWN_ENV, f"MathJax does not know the environment '{env}'", last=False)
    tex.stack.append(("env:" + env, j))
    return k_env


def _env_name(text: str, k: int, end: int) -> tuple[str | None, int]:
    """Read ``{name}`` after ``\\begin``/``\\end``; return the name (None if malformed) and where it ends."""
    while k < end and text[k] == " ":
        k += 1
    if k < end and text[k] == "{":
        close = text.find("}", k, end)
        if close > k:
            return text[k + 1 : close].strip(), close + 1
    return None, k


_TEX_RULES: tuple[_TexRule, ...] = (_open_brace, _close_brace, _control_word, _control_symbol)
"""The TeX rules in the order they are tried; the last always applies."""

_COMMANDS: dict[str, Callable[[_Tex, int, int], int]] = {
    "left": _left_right,
    "right": _left_right,
    "begin": _begin_end,
    "end": _begin_end,
}
"""Control words the check follows: given the offset of ``\\`` and of the word's end, where it goes on."""


# --------------------------------------------------------------------------- emphasis

_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)")
_BLOCK_START = re.compile(r"[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|>|\|)")
_THEMATIC_BREAK = re.compile(r"[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_UNIT_RULES = ((_LIST_ITEM, True), (_THEMATIC_BREAK, True), (_BLOCK_START, False))
"""Lines that start a new inline unit: (pattern, whether the match is hidden from the emphasis check)."""
_INLINE_MASK = re.compile(r"\\[!-/:-@\[-`{-~]|<code>")  # a Markdown backslash escape, or inline HTML code


def _emphasis_view(text: str, scan: Scan) -> tuple[list[str], list[tuple[int, int]]]:
    """The text as the emphasis check sees it (code, math, escapes and markers hidden) and its inline units.

    A unit is a paragraph, list item, heading, quote line or table row: ``**`` pairs only within one.
    """
    masked = list(text)
    for span in scan.spans:
        _mask(masked, span.start, span.end)
    for u in scan.unclosed:
        if u.opener != "$":
            _mask(masked, u.offset, u.offset + len(u.opener))
    units: list[tuple[int, int]] = []
    for block in _prose_blocks(text, scan):
        starts = [block[0][0]]
        for n, (offset, line) in enumerate(block):
            if _starts_unit(masked, offset, line) and n:
                starts.append(offset)
        block_end = block[-1][0] + len(block[-1][1])
        units.extend(zip(starts, starts[1:] + [block_end], strict=True))
    flat = "".join(masked)
    for start, end in units:
        _mask_inline(masked, flat, start, end)
    return masked, units


def _starts_unit(masked: list[str], offset: int, line: str) -> bool:
    """Whether ``line`` starts an inline unit; list markers and thematic breaks are masked."""
    starts = False
    for pattern, hide in _UNIT_RULES:
        m = pattern.match(line)
        if m:
            starts = True
            if hide:
                _mask(masked, offset, offset + m.end())
    return starts


def _mask_inline(masked: list[str], flat: str, start: int, end: int) -> None:
    """Hide backslash escapes and ``<code>…</code>`` in ``flat[start:end]``."""
    pos = start
    code_closes = True  # False once a <code> found no </code>: later ones find none either
    while (m := _INLINE_MASK.search(flat, pos, end)) is not None:
        pos = m.end()
        if m.group() != "<code>":
            _mask(masked, m.start(), pos)
        elif code_closes:
            close = flat.find("</code>", pos, end)
            code_closes = close >= 0
            if code_closes:
                pos = close + len("</code>")
                _mask(masked, m.start(), pos)


def _prose_blocks(text: str, scan: Scan) -> Iterator[list[tuple[int, str]]]:
    """Runs of non-blank lines outside code blocks, as (offset, line) pairs."""
    code = [(s.start, s.end) for s in scan.spans if s.kind is Kind.CODE_BLOCK]
    c = 0
    block: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        while c < len(code) and code[c][1] < offset:
            c += 1
        if line.strip() and not (c < len(code) and code[c][0] <= offset):
            block.append((offset, line))
        elif block:
            yield block
            block = []
        offset += len(line) + 1
    if block:
        yield block


def _mask(masked: list[str], start: int, end: int) -> None:
    """Hide ``start:end`` from the emphasis check (newlines are kept)."""
    masked[start:end] = [ch if ch == "\n" else _MASK for ch in masked[start:end]]


def _check_emphasis(masked: list[str], units: list[tuple[int, int]]) -> list[_Problem]:
    """Report ``**`` that will show as literal asterisks.

    Mirrors Python-Markdown's ``*`` delimiter runs within one paragraph, list item, heading or
    table row: a run can open when no whitespace follows it and close when no whitespace
    precedes it (punctuation does not matter); runs pair innermost first, with CommonMark's
    rule of three.  A run of two or more that is left (partly) unpaired is reported; a run
    with whitespace on both sides, or a single ``*`` between letters (arithmetic), is text.
    """
    flat = "".join(masked)
    problems: list[_Problem] = []
    for start, end in units:
        stack: list[_Run] = []
        runs: list[_Run] = []
        i = start
        while (i := flat.find("*", i, end)) >= 0:
            k = i
            while k < end and flat[k] == "*":
                k += 1
            before = flat[i - 1] if i > start else " "
            after = flat[k] if k < end else " "
            run = _Run(i, k - i, can_open=not after.isspace(), can_close=not before.isspace())
            if (run.can_open or run.can_close) and not ARITHMETIC_STAR.match(flat, i, end):
                runs.append(run)
                _pair(run, stack)
            i = k
        problems += [
            _Problem(r.offset, rules.STRAY_EMPHASIS, _STRAY) for r in runs if r.length >= 2 and r.left
        ]
    return problems


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


# --------------------------------------------------------------------------- clozes

_OPENER = re.compile(r"\{\{c(\d+)::")


def lint_clozes(card: Card, lines: Sequence[str]) -> list[Diagnostic]:
    """A card's cloze mistakes (:mod:`ankigen.cloze` reads them as the author means them): openers
    never closed, ``c0`` and numbers past Anki's largest, and numbers that skip one."""
    plain = card.markup == "plain"
    fields = [
        _Field(card, card.front, card.line, lines),
        _Field(card, card.back, card.back_line or card.line, lines),
    ]
    found: list[tuple[int, int, int]] = []  # (number, field, offset) of each closed cloze
    out: list[Diagnostic] = []
    for index, place in enumerate(fields):
        text = place.text
        if not quick_check(text):
            continue
        for cloze in read_field(text, plain).clozes:
            opener = text[cloze.start : cloze.body]
            if cloze.close is None:
                where = "" if cloze.region < 0 else " in the math or code it opened in"
                out.append(
                    place.at(
                        rules.CLOZE_UNCLOSED,
                        f"cloze '{opener}' is never closed with '}}}}'{where}",
                        cloze.start,
                    )
                )
            elif cloze.number == 0:
                out.append(
                    place.at(
                        rules.CLOZE_NUMBER,
                        "cloze 'c0' is never hidden: cloze numbers start at c1",
                        cloze.start,
                    )
                )
            else:
                found.append((cloze.number, index, cloze.start))
        for m in _OPENER.finditer(text):
            if int(m.group(1)) > MAX_NUMBER:
                message = f"cloze number c{m.group(1)} is above {MAX_NUMBER}: Anki shows it as text"
                out.append(place.at(rules.CLOZE_NUMBER, message, m.start()))
    first: dict[int, tuple[int, int]] = {}
    for number, index, offset in found:
        first.setdefault(number, (index, offset))
    previous = 0
    for number in sorted(first):
        if number > previous + 1:
            gap = f"c{previous + 1}" if number == previous + 2 else f"c{previous + 1}–c{number - 1}"
            after = f"jump from c{previous} to c{number}" if previous else f"start at c{number}"
            index, offset = first[number]
            out.append(
                fields[index].at(
                    rules.CLOZE_NUMBER,
                    f"the card's cloze numbers {after}: no {gap}, so no card for it",
                    offset,
                )
            )
        previous = number
    return out


class _Field:
    """One field of a card, to place a problem at an offset in it: its source line and column (found in
    the source line, as a front lost its ``Q:`` or numbering and a plain answer its ``A:``)."""

    def __init__(self, card: Card, text: str, first_line: int, lines: Sequence[str]) -> None:
        self.card, self.text, self.first_line, self.lines = card, text, first_line, lines
        self.starts = _line_starts(text) if quick_check(text) else [0]
        self._shifts: dict[int, int | None] = {}

    def at(self, rule: rules.Rule, message: str, offset: int) -> Diagnostic:
        """A diagnostic of ``rule`` at ``offset``."""
        row = bisect_right(self.starts, offset) - 1
        shift = self._shift(row)
        col = None if shift is None else shift + offset - self.starts[row] + 1
        return rule.at(self.card.source, self.first_line + row, message, col)

    def _shift(self, row: int) -> int | None:
        """Where the field's line ``row`` starts in its source line (once per line); a Markdown
        answer's lines are the source lines as written."""
        if row not in self._shifts:
            start = self.starts[row]
            end = self.starts[row + 1] - 1 if row + 1 < len(self.starts) else len(self.text)
            line = self.text[start:end]
            body = line.lstrip()
            number = self.first_line + row
            source = self.lines[number - 1] if 0 < number <= len(self.lines) else ""
            found = source.find(body[:_LOCATE]) if body else -1
            shift = found - (len(line) - len(body)) if found >= 0 else None
            if shift is None and self.card.markup == "markdown" and self.text is self.card.back:
                shift = 0
            self._shifts[row] = shift
        return self._shifts[row]


_LOCATE = 40
"""How many characters of a field's line are looked for in its source line."""


def _cloze_in_heading(card: Card, title: str, lines: Sequence[str]) -> Diagnostic:
    """The warning for a section heading with a cloze, at the heading above ``card`` that has it."""
    opener = _OPENER.search(title)
    marker = opener.group() if opener else "{{c"
    message = f"section heading {title!r} has a cloze, shown as written on the cards under it"
    for index in range(min(card.line, len(lines)) - 1, -1, -1):
        if marker in lines[index] and atx_heading(lines[index].lstrip("> ")) is not None:
            return rules.CLOZE_NOT_SHOWN.at(card.source, index + 1, message, lines[index].find(marker) + 1)
    return rules.CLOZE_NOT_SHOWN.at(card.source, card.line, message)
