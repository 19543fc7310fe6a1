"""The lexer loop of :mod:`ankigen.render.lexing` gives every token Pygments' own loop gives.

The oracle is the same lexer with Pygments' ``RegexLexer.get_tokens_unprocessed``. The dispatching
loop copies that method: a test fails when the installed version's method is not the one copied.
"""

from __future__ import annotations

import functools
import inspect
import re

import pytest
from conftest import CORPUS, function_ast
from hypothesis import given
from hypothesis import strategies as st
from pygments.lexer import Lexer, RegexLexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from ankigen.render import lexing
from ankigen.render.code import lexer_by_name
from ankigen.render.lexing import ANALYSE_AFTER, _starts, speed_up

GET_TOKENS_UNPROCESSED = r"""
def get_tokens_unprocessed(self, text, stack=("root",)):
    pos = 0
    tokendefs = self._tokens
    statestack = list(stack)
    statetokens = tokendefs[statestack[-1]]
    while 1:
        for rexmatch, action, new_state in statetokens:
            m = rexmatch(text, pos)
            if m:
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, m.group()
                    else:
                        yield from action(self, m)
                pos = m.end()
                if new_state is not None:
                    if isinstance(new_state, tuple):
                        for state in new_state:
                            if state == "#pop":
                                if len(statestack) > 1:
                                    statestack.pop()
                            elif state == "#push":
                                statestack.append(statestack[-1])
                            else:
                                statestack.append(state)
                    elif isinstance(new_state, int):
                        if abs(new_state) >= len(statestack):
                            del statestack[1:]
                        else:
                            del statestack[new_state:]
                    elif new_state == "#push":
                        statestack.append(statestack[-1])
                    else:
                        assert False, f"wrong state def: {new_state!r}"
                    statetokens = tokendefs[statestack[-1]]
                break
        else:
            try:
                if text[pos] == "\n":
                    statestack = ["root"]
                    statetokens = tokendefs["root"]
                    yield pos, Whitespace, "\n"
                    pos += 1
                    continue
                yield pos, Error, text[pos]
                pos += 1
            except IndexError:
                break
"""
"""Pygments' ``RegexLexer.get_tokens_unprocessed`` (as of 2.21) without its docstring and comments."""


def test_the_loop_copied_is_still_pygments() -> None:
    installed = inspect.getsource(RegexLexer.get_tokens_unprocessed)
    assert function_ast(installed) == function_ast(GET_TOKENS_UNPROCESSED)


def test_the_renderers_lexers_use_the_loop() -> None:
    assert "get_tokens_unprocessed" in vars(lexer_by_name("python", stripnl=True))
    assert "get_tokens_unprocessed" not in vars(speed_up(get_lexer_by_name("text")))  # not a RegexLexer


def test_the_loop_takes_over_once_enough_is_lexed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    loop = lexing._tokens
    monkeypatch.setattr(lexing, "_tokens", lambda *args: calls.append(args) or loop(*args))
    lexer = speed_up(get_lexer_by_name("python"))
    list(lexer.get_tokens("x = 1\n"))
    assert not calls
    list(lexer.get_tokens("x" * lexing.ANALYSE_AFTER))
    list(lexer.get_tokens("x = 1\n"))
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("pattern", "yes", "no"),
    [
        (r"\s+", " \t\n\u2003", "a1_"),
        (r"\d+\.\d*", "7\u0663", "a ."),
        (r"[a-zA-Z_]\w*", "aZ_", "1 -"),
        (r"(?<![.\w])(?=[a-z])\w+", "xX1_\u00e9", " ."),
        (r"(#.*?)(\n)|//|/\*", "#/", "*a"),
        (r"u?r?'''|\"", "ur'\"", "a"),
        (r"(?:[+-]|\*\*)?x{1,3}", "+-*x", "y"),
    ],
)
def test_a_rule_starts_with_what_its_regex_can_start_with(pattern: str, yes: str, no: str) -> None:
    starts = _starts(re.compile(pattern))
    assert starts is not None
    assert all(starts(c) for c in yes)
    assert not any(starts(c) for c in no)


@pytest.mark.parametrize(
    "pattern", ["", r"(?!a).", r"\s*", r"(?i)select", r"(?i:x)y", r"[^a]", ".", r"\W", "a?|b"]
)
def test_a_rule_that_may_start_anywhere_is_always_tried(pattern: str) -> None:
    assert _starts(re.compile(pattern)) is None


SAMPLES = {
    "python": 'def f(x: int = 0x1F) -> str:\n    """Doc."""\n    return f"{x!r:>4}" + r"\\d"  # c\n'
    "@d\nclass A(B): ...\n",
    "javascript": "const re = /a[/]b/g; let s = `t ${x + 1}`; // c\nfunction* g() { yield 1e-3; }\n",
    "bash": "for f in *.md; do echo \"$f ${x:-y}\" | grep -c 'a' >> out; done # c\n",
    "sql": "SELECT a, COUNT(*) FROM t WHERE b = 'x' -- c\nGROUP BY a;\n",
    "html": '<!doctype html><p class="a">x &amp; y<script>let a = 1;</script><style>p{color:red}</style>\n',
    "css": "p > a:hover { color: #fff; margin: 0 1.5em !important; } /* c */\n",
    "json": '{"a": [1, 2.5e3, true, null], "b": "\\u00e9"}\n',
    "c": '#include <stdio.h>\nint main(void) { printf("%d\\n", 0x1fu); return 0; }\n',
    "rust": "fn main() { let x: Vec<u8> = vec![b'a']; println!(\"{x:?}\"); } // c\n",
    "yaml": "a: [1, 2]\nb: |\n  text\n# c\n",
}


@functools.cache
def _lexers(language: str) -> tuple[Lexer, Lexer]:
    """A lexer for ``language`` with the dispatching loop, and one with Pygments' own."""
    ours = speed_up(get_lexer_by_name(language, stripnl=True))
    list(ours.get_tokens("x" * ANALYSE_AFTER))  # past Pygments' own loop
    return ours, get_lexer_by_name(language, stripnl=True)


def _both(language: str, code: str) -> tuple[list[object], list[object]]:
    """The tokens of ``code`` with the dispatching loop and with Pygments' own."""
    ours, theirs = _lexers(language)
    return list(ours.get_tokens(code)), list(theirs.get_tokens(code))


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_the_tokens_are_pygments_own(language: str) -> None:
    ours, theirs = _both(language, SAMPLES[language])
    assert ours == theirs


PIECES = [
    *"aZ_09 \t\n.,;:+-*/%=<>!?&|^~#@$\\'\"`()[]{}",
    "\u00e9",
    "\u2003",
    "def",
    "const",
    '"""',
    "/*",
    "*/",
]


@given(
    st.sampled_from(["python", "javascript", "bash", "html"]), st.lists(st.sampled_from(PIECES), max_size=60)
)
def test_the_tokens_are_pygments_own_on_any_text(language: str, pieces: list[str]) -> None:
    ours, theirs = _both(language, "".join(pieces))
    assert ours == theirs


@pytest.mark.corpus
def test_the_tokens_are_pygments_own_on_the_corpus() -> None:
    fence = re.compile(r"^[ \t]*```[ \t]*([\w+#-]+)[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
    checked = 0
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file():
            continue
        for m in fence.finditer(path.read_text(encoding="utf-8", errors="replace")):
            try:
                ours, theirs = _both(m[1].lower(), m[2])
            except ClassNotFound:
                continue
            assert ours == theirs, f"{path}:{m[1]}"
            checked += 1
    assert checked > 500
