"""The human answer key in ../shared/corpus/sample_truth.json and its comparison rule."""

from __future__ import annotations

import difflib
import json
import re

from conftest import CORPUS


def expected_fronts(name: str) -> list[str]:
    """The key's fronts for the corpus file ``name`` (e.g. ``qa/CISOfy__lynis__FAQ``)."""
    key = json.loads((CORPUS / "sample_truth.json").read_text(encoding="utf-8"))["files"]
    return list(key[name]["fronts"])


def labelled(prefix: str) -> dict[str, list[str]]:
    """Every labelled file whose name starts with ``prefix``, with its fronts."""
    key = json.loads((CORPUS / "sample_truth.json").read_text(encoding="utf-8"))["files"]
    return {name: list(entry["fronts"]) for name, entry in key.items() if name.startswith(prefix)}


def normalise(front: str) -> str:
    """The key's normalisation: tags, link targets, markup characters, numbering, spacing."""
    text = re.sub(r"<[^>]*>", "", front)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"[*`_\\#>\[\]]", "", text).casefold()
    text = re.sub(r"^\s*(?:q\s*\d*\s*[.:)]|\d+\s*[.)])\s*", "", text)
    return " ".join(text.split()).rstrip(".:?").strip()


def pairs(expected: list[str], produced: list[str]) -> list[tuple[int, int]]:
    """``(expected index, produced index)`` of each expected front matched to a distinct produced one."""
    got = [normalise(f) for f in produced]
    used: set[int] = set()
    found = []
    for n, want in enumerate(map(normalise, expected)):
        for k, candidate in enumerate(got):
            if k not in used and (
                candidate == want or difflib.SequenceMatcher(None, candidate, want).ratio() >= 0.9
            ):
                used.add(k)
                found.append((n, k))
                break
    return found


def matched(expected: list[str], produced: list[str]) -> int:
    """How many expected fronts match a distinct produced front (equal, or ratio >= 0.9)."""
    return len(pairs(expected, produced))


def truth_scores(expected: list[str], produced: list[str]) -> tuple[float, float]:
    """Recall and precision of ``produced`` fronts against ``expected``."""
    hits = matched(expected, produced)
    return hits / len(expected), hits / max(len(produced), 1)
