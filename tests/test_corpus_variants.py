"""The corpus files SOURCES.md marks VARIANT, against this project's hand-written answer key.

tests/answer_keys/variants.json was written by reading each file (not from ankigen's output): the
front of every answered question and the end of its answer's last line, and the questions left
unanswered. Files are read as ``ankigen`` reads them (format detected from the content); fronts are
compared as sample_truth.json describes, and recall, precision and right answer extents must each
reach 0.95, micro-averaged over the files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from answer_key import pairs
from conftest import CORPUS

from ankigen.model import ParseResult
from ankigen.parsers import PARSERS
from ankigen.sources import detect_format, read_source

KEY = json.loads((Path(__file__).parent / "answer_keys" / "variants.json").read_text(encoding="utf-8"))
FILES: dict[str, dict[str, list]] = KEY["files"]

pytestmark = pytest.mark.corpus  # skips without the corpus (fails under ANKIGEN_REQUIRE_CORPUS=1)


def read(name: str) -> ParseResult:
    source = read_source(CORPUS / name)
    assert source.text is not None
    return PARSERS[detect_format(source.text)](source.text, name)


def last_line(back: str) -> str:
    line = [row for row in back.split("\n") if row.strip()][-1].strip()
    return line.lstrip("> ").rstrip()


def test_key_covers_the_questionnaire_variants() -> None:
    assert len(FILES) == 7


def test_variants_reach_the_key() -> None:
    hits = expected = produced = right = 0
    for name, entry in sorted(FILES.items()):
        result = read(name)
        fronts = [front for front, _ in entry["cards"]]
        found = pairs(fronts, [card.front for card in result.cards])
        extents = sum(
            last_line(result.cards[k].back).endswith(entry["cards"][n][1].strip()) for n, k in found
        )
        print(f"{name}: {len(found)}/{len(fronts)} found, {len(result.cards)} made, {extents} right extents")
        hits, expected, produced, right = (
            hits + len(found),
            expected + len(fronts),
            produced + len(result.cards),
            right + extents,
        )
    recall, precision, extent = hits / expected, hits / produced, right / hits
    print(f"variants: recall {recall:.3f}, precision {precision:.3f}, extent {extent:.3f}")
    assert (recall, precision, extent) >= (0.95, 0.95, 0.95) and min(recall, precision, extent) >= 0.95


@pytest.mark.parametrize("name", sorted(FILES), ids=lambda name: name.split("__")[-1])
def test_every_unanswered_question_is_explained(name: str) -> None:
    result = read(name)
    skips = ("unanswered-question", "empty-answer", "na-answer")
    unanswered = [d for d in result.diagnostics if d.rule in skips]
    assert result.skipped == len(unanswered) == len(FILES[name]["unanswered"])
