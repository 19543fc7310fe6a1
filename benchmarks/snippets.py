"""Distinct code blocks for the benchmark corpus: Python, JavaScript and a few other languages.

Real notes rarely repeat a code block (the shared corpus: 1,212 distinct of 1,222), and caches and
Pygments are faster on repeats, so every block here is assembled from random names, numbers and
statement shapes. Block lengths follow the shared corpus (median 4 lines, 90th percentile about 23).
Nothing generated starts a line with ``## ``, ``---``, ``Q:`` or ``A:`` (the naive splitter's
boundaries).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

# Fenced-block languages in the shared corpus: javascript/js 56 %, python/py 37 %, no tag 3.5 %,
# others (html, bash, css, sql, json, ...) 4 %.
LANGUAGES = (
    ("javascript", 0.56),
    ("python", 0.37),
    ("", 0.035),
    ("bash", 0.015),
    ("html", 0.01),
    ("sql", 0.01),
)
MEDIAN_LINES = 4
P90_LINES = 23
MAX_LINES = 80
BLANK_LINES = 0.12  # chance of a blank line between two statements


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_PARTS = _words(
    "user batch item node value key result total count index list map cache data text name size "
    "score weight loss grad model layer token queue stack tree row col path file event state "
    "config param limit offset buffer chunk record entry price order rate step epoch delta"
)
_VERBS = _words("get set load save parse build compute update merge filter find sort apply fetch make check")
_MODULES = ("numpy as np", "torch", "json", "re", "math", "collections", "itertools", "pandas as pd", "os")
_JS_METHODS = ("map", "filter", "reduce", "forEach", "push", "slice", "includes", "join", "find")
_PY_METHODS = ("append", "items", "keys", "get", "sum", "mean", "reshape", "split", "strip", "update")


def block_lines(rng: random.Random) -> int:
    """A code block's length in lines: log-normal with the shared corpus's median and 90th percentile."""
    sigma = math.log(P90_LINES / MEDIAN_LINES) / 1.2816
    return max(1, min(MAX_LINES, round(rng.lognormvariate(math.log(MEDIAN_LINES), sigma))))


def language(rng: random.Random) -> str:
    """A fence's info string, drawn with the shared corpus's shares."""
    return rng.choices([name for name, _ in LANGUAGES], [share for _, share in LANGUAGES])[0]


def code_block(rng: random.Random, lang: str, lines: int) -> list[str]:
    """``lines`` lines of code in ``lang`` (a different block on nearly every call)."""
    make = {"python": _python, "javascript": _javascript}.get(lang, _other)
    return make(_Names(rng, lang), lines)[:lines]


class _Names:
    """Random identifiers and literals."""

    def __init__(self, rng: random.Random, lang: str = "") -> None:
        self.rng = rng
        self.lang = lang

    def var(self) -> str:
        rng = self.rng
        return rng.choice(_PARTS) if rng.random() < 0.6 else f"{rng.choice(_PARTS)}_{rng.choice(_PARTS)}"

    def camel(self) -> str:
        first = self.rng.choice(_PARTS)
        return first if self.rng.random() < 0.5 else first + self.rng.choice(_PARTS).capitalize()

    def func(self) -> str:
        return f"{self.rng.choice(_VERBS)}_{self.rng.choice(_PARTS)}"

    def js_func(self) -> str:
        return self.rng.choice(_VERBS) + self.rng.choice(_PARTS).capitalize()

    def number(self) -> str:
        rng = self.rng
        return (
            str(rng.randint(0, 999)) if rng.random() < 0.7 else f"{rng.uniform(0, 10):.{rng.randint(1, 3)}f}"
        )

    def word(self) -> str:
        return self.rng.choice(_PARTS)


def _python(n: _Names, lines: int) -> list[str]:
    rng = n.rng
    out: list[str] = []
    if lines > 2 and rng.random() < 0.4:
        out.append(f"import {rng.choice(_MODULES)}")
    depth = 0
    while len(out) < lines:
        indent = "    " * depth
        choice = rng.random()
        if out and out[-1] and rng.random() < BLANK_LINES:
            out.append("")
        elif choice < 0.12 and depth < 3 and len(out) < lines - 1:
            args = ", ".join(n.var() for _ in range(rng.randint(0, 3)))
            out.append(f"{indent}def {n.func()}({args}):")
            depth += 1
        elif choice < 0.2 and depth < 3 and len(out) < lines - 1:
            out.append(f"{indent}for {n.var()} in {rng.choice(('range', 'enumerate', 'sorted'))}({n.var()}):")
            depth += 1
        elif choice < 0.27 and depth < 3 and len(out) < lines - 1:
            out.append(f"{indent}if {n.var()} {rng.choice(('>', '<', '==', '!=', 'in'))} {n.number()}:")
            depth += 1
        elif choice < 0.35:
            out.append(f'{indent}print(f"{n.word()} = {{{n.var()}}}")')
        elif choice < 0.42:
            out.append(f"{indent}# {n.word()} {n.word()} of the {n.word()}")
        elif choice < 0.5 and depth:
            out.append(f"{indent}return {n.var()} {rng.choice('+-*/')} {n.number()}")
            depth -= 1
        elif choice < 0.6:
            out.append(f"{indent}{n.var()}.{rng.choice(_PY_METHODS)}({n.var()})")
        elif choice < 0.7:
            out.append(f"{indent}{n.var()} = [{n.var()} * {n.number()} for {n.var()} in {n.var()}]")
        elif choice < 0.78:
            out.append(f"{indent}{n.var()} = {{'{n.word()}': {n.number()}, '{n.word()}': '{n.word()}'}}")
        else:
            out.append(f"{indent}{n.var()} = {n.func()}({n.var()}, {n.number()})")
    return out


def _javascript(n: _Names, lines: int) -> list[str]:
    rng = n.rng
    out: list[str] = []
    depth = 0
    while len(out) < lines:
        indent = "  " * depth
        closing = depth and len(out) >= lines - depth
        choice = rng.random()
        if not closing and out and out[-1] and rng.random() < BLANK_LINES:
            out.append("")
        elif closing or (choice < 0.08 and depth):
            depth -= 1
            out.append("  " * depth + "}")
        elif choice < 0.18 and depth < 3 and len(out) < lines - 2:
            args = ", ".join(n.camel() for _ in range(rng.randint(0, 3)))
            out.append(f"{indent}function {n.js_func()}({args}) {{")
            depth += 1
        elif choice < 0.25 and depth < 3 and len(out) < lines - 2:
            out.append(f"{indent}for (let i = 0; i < {n.camel()}.length; i++) {{")
            depth += 1
        elif choice < 0.32 and depth < 3 and len(out) < lines - 2:
            out.append(f"{indent}if ({n.camel()} {rng.choice(('===', '!==', '>', '<'))} {n.number()}) {{")
            depth += 1
        elif choice < 0.45:
            out.append(f"{indent}console.log({n.camel()}); // {n.word()}")
        elif choice < 0.52:
            out.append(f"{indent}console.log(`{n.word()}: ${{{n.camel()}}}`);")
        elif choice < 0.6 and depth:
            out.append(f"{indent}return {n.camel()} {rng.choice('+-*')} {n.number()};")
        elif choice < 0.72:
            arrow = f"({n.word()}) => {n.word()} * {n.number()}"
            out.append(f"{indent}const {n.camel()} = {n.camel()}.{rng.choice(_JS_METHODS)}({arrow});")
        elif choice < 0.82:
            out.append(f'{indent}let {n.camel()} = {{ {n.word()}: {n.number()}, {n.word()}: "{n.word()}" }};')
        else:
            out.append(f"{indent}const {n.camel()} = {n.js_func()}({n.camel()}, {n.number()});")
    return out


def _other(n: _Names, lines: int) -> list[str]:
    rng = n.rng
    shapes: tuple[Callable[[], str], ...] = {
        "bash": (
            lambda: f"$ pip install {n.word()}-{n.word()}=={rng.randint(0, 9)}.{rng.randint(0, 20)}",
            lambda: f"export {n.word().upper()}_{n.word().upper()}={n.number()}",
        ),
        "html": (lambda: f'<div class="{n.word()}-{n.word()}">{n.word()} {n.number()}</div>',),
        "sql": (lambda: f"SELECT {n.var()}, {n.var()} FROM {n.word()}s WHERE {n.var()} > {n.number()};",),
    }.get(n.lang, (lambda: f"{n.word()}: {n.number()} ({n.word()} {n.word()})",))
    return [rng.choice(shapes)() for _ in range(lines)]


def inline_code(rng: random.Random) -> str:
    """A short code span: an identifier, a call or an attribute."""
    n = _Names(rng)
    shapes: tuple[Callable[[], str], ...] = (
        n.var,
        lambda: f"{n.func()}()",
        lambda: f"{n.camel()}.{rng.choice(_JS_METHODS)}()",
    )
    return rng.choice(shapes)()
