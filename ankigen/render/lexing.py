"""Pygments' regex lexers, trying at each position only the rules that can start with the character there.

A Pygments ``RegexLexer`` tries its current state's rules one after another at every position
(about two dozen tries per token on Python or JavaScript) and takes the first that matches. Most
rules can only start with a few characters: a string with a quote, a number with a digit, a
comment with ``#`` or ``/``. :func:`speed_up` gives a lexer a copy of that loop which, for the
character at the position, tries only the rules whose first character can be that one (the set is
read from the rule's parsed regex, and kept per state and character). A rule the analysis cannot
bound — one that can match the empty string, is case-blind, or starts with something it does not
know — is always tried. The rules tried keep their order, so the first match, and every token, is
the one Pygments finds.

The loop is a copy of ``RegexLexer.get_tokens_unprocessed`` (Pygments' own, unchanged since 2.0):
``tests/test_render_lexing.py`` fails if the installed version's method is not the one it copies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

try:  # Python's own regex parser and its opcodes
    import re._constants as sre
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre
    import sre_parse

_GROUPS = tuple(getattr(sre, name) for name in ("ATOMIC_GROUP",) if hasattr(sre, name))
_REPEATS = tuple(
    getattr(sre, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(sre, n)
)

_Starts = Callable[[str], bool]
"""Whether a rule can start with a character."""

_CATEGORIES: dict[Any, _Starts] = {
    sre.CATEGORY_DIGIT: str.isdecimal,
    sre.CATEGORY_SPACE: str.isspace,
    sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
}
"""What ``\\d``, ``\\s`` and ``\\w`` match in a str pattern (``re.ASCII`` matches fewer: still covered)."""


class _Unknown(Exception):
    """The analysis cannot bound the first character: the rule is always tried."""


def _set_test(items: list[tuple[Any, Any]]) -> _Starts:
    """A test for one character class (``[...]``)."""
    chars: set[str] = set()
    ranges: list[tuple[int, int]] = []
    tests: list[_Starts] = []
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE:
            ranges.append(av)
        elif op is sre.CATEGORY and av in _CATEGORIES:
            tests.append(_CATEGORIES[av])
        else:  # a negated class, \D, \S, \W…
            raise _Unknown
    return lambda c: c in chars or any(lo <= ord(c) <= hi for lo, hi in ranges) or any(t(c) for t in tests)


def _first(sequence: Any) -> tuple[list[_Starts], bool]:
    """Tests for the characters a parsed regex sequence can start with, and whether it can match empty."""
    tests: list[_Starts] = []
    for op, av in sequence:
        if op is sre.LITERAL:
            return [*tests, chr(av).__eq__], False
        if op is sre.IN:
            return [*tests, _set_test(av)], False
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero-width: the first character comes after it
        if op is sre.SUBPATTERN:
            _, add_flags, _, inner = av
            if add_flags & (re.IGNORECASE | re.LOCALE):
                raise _Unknown
            found, empty = _first(inner)
        elif op in _GROUPS:  # (?>...)
            found, empty = _first(av)
        elif op in _REPEATS:
            low, _, inner = av
            found, empty = _first(inner)
            empty = empty or low == 0
        elif op is sre.BRANCH:
            found, empty = [], False
            for branch in av[1]:
                more, branch_empty = _first(branch)
                found += more
                empty = empty or branch_empty
        else:  # any character, a back-reference…
            raise _Unknown
        tests += found
        if not empty:
            return tests, False
    return tests, True


def _starts(pattern: re.Pattern[str]) -> _Starts | None:
    """A test for the characters ``pattern`` can start a match with; None when it may start with any
    (or match the empty string)."""
    if pattern.flags & (re.IGNORECASE | re.LOCALE) or not isinstance(pattern.pattern, str):
        return None
    try:
        tests, empty = _first(sre_parse.parse(pattern.pattern, pattern.flags))
    except (_Unknown, re.error, RecursionError):
        return None
    if empty:
        return None
    return lambda c: any(test(c) for test in tests)


ANALYSE_AFTER = 20_000
"""Characters a lexer lexes with Pygments' own loop before it analyses its rules (small builds never do)."""

Rule = tuple[Callable[..., Any], Any, Any]


class _State:
    """One state's rules, and for each character seen the rules that can start with it."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        patterns = [getattr(rule[0], "__self__", None) for rule in rules]  # rule[0] is pattern.match
        self.starts = [_starts(p) if isinstance(p, re.Pattern) else None for p in patterns]
        self.by_char: dict[str, list[Rule]] = {}

    def rules_for(self, char: str) -> list[Rule]:
        tried = [
            rule
            for rule, starts in zip(self.rules, self.starts, strict=True)
            if starts is None or starts(char)
        ]
        self.by_char[char] = tried
        return tried


class _States(dict[str, _State]):
    """A lexer's states, each analysed when the lexer first enters it."""

    def __init__(self, tokens: dict[str, list[Rule]]) -> None:
        super().__init__()
        self.tokens = tokens

    def __missing__(self, name: str) -> _State:
        state = self[name] = _State(self.tokens[name])
        return state


def speed_up(lexer: Lexer) -> Lexer:
    """Give ``lexer`` the dispatching loop when it is a plain ``RegexLexer``; return it.

    The loop takes over once the lexer has lexed :data:`ANALYSE_AFTER` characters: a state's
    analysis costs as much as lexing several thousand characters (Python's first state, 10 ms)."""
    if type(lexer).get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
        return lexer
    own = lexer.get_tokens_unprocessed
    states = _States(lexer._tokens)
    lexed = 0

    def get_tokens_unprocessed(
        text: str, stack: tuple[str, ...] = ("root",)
    ) -> Iterator[tuple[int, Any, str]]:
        nonlocal lexed
        if lexed < ANALYSE_AFTER:
            lexed += len(text)
            return own(text, stack)  # type: ignore[no-any-return]
        return _tokens(lexer, states, text, stack)

    lexer.get_tokens_unprocessed = get_tokens_unprocessed
    return lexer


def _tokens(
    lexer: Lexer, states: dict[str, _State], text: str, stack: tuple[str, ...]
) -> Iterator[tuple[int, Any, str]]:
    """``RegexLexer.get_tokens_unprocessed``, trying at each position only the rules that can start there."""
    pos = 0
    end = len(text)
    statestack = list(stack)
    state = states[statestack[-1]]
    while 1:
        if pos < end:
            char = text[pos]
            statetokens = state.by_char.get(char)
            if statetokens is None:
                statetokens = state.rules_for(char)
        else:
            statetokens = state.rules
        for rexmatch, action, new_state in statetokens:
            m = rexmatch(text, pos)
            if m:
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, m.group()
                    else:
                        yield from action(lexer, m)
                pos = m.end()
                if new_state is not None:
                    # state transition
                    if isinstance(new_state, tuple):
                        for name in new_state:
                            if name == "#pop":
                                if len(statestack) > 1:
                                    statestack.pop()
                            elif name == "#push":
                                statestack.append(statestack[-1])
                            else:
                                statestack.append(name)
                    elif isinstance(new_state, int):
                        # pop, but keep at least one state on the stack
                        if abs(new_state) >= len(statestack):
                            del statestack[1:]
                        else:
                            del statestack[new_state:]
                    elif new_state == "#push":
                        statestack.append(statestack[-1])
                    else:
                        raise AssertionError(f"wrong state def: {new_state!r}")
                    state = states[statestack[-1]]
                break
        else:
            # no rule matched
            try:
                if text[pos] == "\n":
                    # at EOL, reset state to "root"
                    statestack = ["root"]
                    state = states["root"]
                    yield pos, Whitespace, "\n"
                    pos += 1
                    continue
                yield pos, Error, text[pos]
                pos += 1
            except IndexError:
                break
