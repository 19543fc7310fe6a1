"""Measure what answers hold, in the shared corpus of real notes and in the generated corpus, side by side.

``python benchmarks/calibrate.py [--shared ../shared/corpus] [--cards 3000] [--seed 7]`` reads both
corpora's cards with ``ankigen list --json`` (so both are parsed and rendered by the same code) and
prints a Markdown table: the share of plain answers and of answers with a code block, a list, a
table, math and other features, the answers' length distribution (characters of Markdown), the code
blocks' lengths, languages and how many are distinct, and the note formats' shares of cards. The
figures in benchmarks/README.md come from it; ``corpus.py`` holds the generator's knobs.
"""

from __future__ import annotations

import argparse
import collections
import html
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FORMAT_FOLDERS = ("markdown", "qa", "questionnaire")  # the shared corpus's subfolders, one per format
Card = dict[str, Any]

_PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^\s`{]*)")
_FEATURES: dict[str, Callable[[str, str], bool]] = {
    "code block": lambda back, h: "<pre" in h,
    "list": lambda back, h: "<ul>" in h or "<ol>" in h,
    "table": lambda back, h: "<table" in h,
    "math": lambda back, h: "\\(" in h or "\\[" in h,
    "quote": lambda back, h: "<blockquote" in h,
    "inline code": lambda back, h: "<code" in _PRE.sub("", h),
    "bold": lambda back, h: "<strong>" in h,
    "link": lambda back, h: "<a " in h,
    "non-ASCII text": lambda back, h: any(ord(ch) > 127 for ch in back),
}
FEATURE_ROWS = tuple(f"answers with {name}" for name in _FEATURES)
LENGTHS = "answer length: 10th / 25th / 50th / 75th / 90th / 99th pct"
PLAIN = ("code block", "list", "table", "math")
"""A plain answer has none of these (paragraphs, maybe with inline markup)."""
_LANGUAGES = {
    "javascript": "javascript",
    "js": "javascript",
    "python": "python",
    "py": "python",
    "": "(none)",
}


def list_cards(folder: Path) -> list[Card]:
    """The cards ``ankigen list --json`` gives for ``folder`` (rendered in a scratch cache)."""
    with tempfile.TemporaryDirectory(prefix="ankigen-calibrate-") as cache:
        result = subprocess.run(
            [sys.executable, "-m", "ankigen", "list", "--json", "--cache-dir", cache, str(folder)],
            cwd=cache,
            capture_output=True,
            text=True,
            check=True,
        )
    cards: list[Card] = json.loads(result.stdout)
    return cards


def shared_cards(shared: Path) -> list[Card]:
    """The shared corpus's cards (its format folders; not its SOURCES.md), each tagged with its format."""
    cards = []
    for folder in FORMAT_FOLDERS:
        for card in list_cards(shared / folder):
            cards.append({**card, "format": folder})
    return cards


def generated_cards(cards: int, seed: int) -> list[Card]:
    """A generated corpus's cards, each tagged with its file's format."""
    with tempfile.TemporaryDirectory(prefix="ankigen-calibrate-") as tmp:
        files = {f.name: f.note_format for f in corpus.generate(Path(tmp), cards, seed)}
        return [{**card, "format": files[Path(card["source"]).name]} for card in list_cards(Path(tmp))]


def _quantile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0


def _code_blocks(card: Card) -> list[str]:
    return [html.unescape(_TAG.sub("", block)).rstrip("\n") for block in _PRE.findall(card["back_html"])]


def _fence_languages(back: str) -> list[str]:
    """The info strings of the fences that open code blocks in ``back``."""
    found, fence = [], ""
    for line in back.split("\n"):
        if not fence:
            match = _FENCE.match(line)
            if match:
                fence = match.group(1)
                found.append(match.group(2).lower())
        elif line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            fence = ""
    return found


def measure(cards: list[Card]) -> dict[str, str]:
    """The figures for one corpus, as formatted table cells keyed by measure."""
    n = len(cards)
    lengths = [len(card["back"]) for card in cards]
    has = {
        name: [test(card["back"], card["back_html"]) for card in cards] for name, test in _FEATURES.items()
    }
    plain = sum(not any(has[name][i] for name in PLAIN) for i in range(n))
    blocks = [block for card in cards for block in _code_blocks(card)]
    block_lines = [block.count("\n") + 1 for block in blocks]
    languages = collections.Counter(
        _LANGUAGES.get(lang, "other") for card in cards for lang in _fence_languages(card["back"])
    )
    fenced = sum(languages.values()) or 1
    with_code = sum(has["code block"]) or 1
    per_file = collections.Counter(card["source"] for card in cards)
    formats = collections.Counter(card["format"] for card in cards)

    def share(count: int, total: int = n) -> str:
        return f"{100 * count / total:.1f} %"

    figures = {
        "cards (files)": f"{n} ({len(per_file)})",
        "cards per file: median / 90th pct / max": (
            f"{_quantile(list(per_file.values()), 0.5)} / {_quantile(list(per_file.values()), 0.9)} / "
            f"{max(per_file.values())}"
        ),
        "cards by format: Markdown / questionnaire / Q:A:": " / ".join(
            share(formats[f]) for f in ("markdown", "questionnaire", "qa")
        ),
        "answer length, chars: mean": f"{statistics.mean(lengths):.0f}",
        LENGTHS: " / ".join(str(_quantile(lengths, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)),
        "plain answers (no code block, list, table, math)": share(plain),
    }
    figures.update({f"answers with {name}": share(sum(flags)) for name, flags in has.items()})
    figures.update(
        {
            "code blocks per answer with code": f"{len(blocks) / with_code:.2f}",
            "code block lines: median / 90th pct": " / ".join(
                str(_quantile(block_lines, q)) for q in (0.5, 0.9)
            ),
            "distinct code blocks": f"{len(set(blocks))} of {len(blocks)}",
            "fenced languages: javascript / python / none / other": " / ".join(
                share(languages[k], fenced) for k in ("javascript", "python", "(none)", "other")
            ),
        }
    )
    return figures


def table(shared: dict[str, str], generated: dict[str, str], cards: int) -> str:
    """The Markdown table comparing the two corpora."""
    lines = [f"| measure | shared corpus | generated ({cards} cards) |", "| --- | --- | --- |"]
    lines += [f"| {key} | {shared[key]} | {generated[key]} |" for key in shared]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``calibrate.py [--shared DIR] [--cards N] [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help=f"the shared corpus [{SHARED}]")
    parser.add_argument("--cards", type=int, default=3000, help="size of the generated corpus [3000]")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    real = measure(shared_cards(args.shared))
    synthetic = measure(generated_cards(args.cards, args.seed))
    print(table(real, synthetic, args.cards))


if __name__ == "__main__":
    main()
