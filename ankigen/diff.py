"""``ankigen diff``: per deck, what the next build changes against the lock, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ankigen.build import Deck

STATUSES = ("new", "changed", "reworded", "removed", "unchanged")


def deck_changes(deck: Deck) -> dict[str, Any]:
    """One deck's changes: lists of new, changed, reworded and removed notes; unchanged counted."""
    found: dict[str, Any] = {"deck": deck.name, "new": [], "changed": [], "reworded": [], "removed": []}
    unchanged = 0
    for record, placed in zip(deck.records, deck.plan.notes, strict=True):
        if placed.status == "unchanged":
            unchanged += 1
            continue
        note = {"question": record.question, "source": f"{record.file}:{record.line}"}
        if placed.status == "reworded":
            note = {"was": placed.was, **note}
        found[placed.status].append(note)
    found["removed"] = [{"question": e.question, "file": e.file} for e in deck.plan.left]
    found["unchanged"] = unchanged
    return found


def diff_json(decks: Sequence[Deck]) -> str:
    """Every deck's changes as one JSON object ``{"decks": [...]}``."""
    return json.dumps({"decks": [deck_changes(deck) for deck in decks]}, ensure_ascii=False, indent=1)


def diff_text(decks: Sequence[Deck]) -> str:
    """Every deck's changes for people: a count line per deck, then one line per changed note."""
    lines: list[str] = []
    for deck in decks:
        changes = deck_changes(deck)
        counts = [f"{len(changes[s]) if s != 'unchanged' else changes[s]} {s}" for s in STATUSES]
        lines.append(f"{deck.name}: {', '.join(counts)}")
        for status in STATUSES[:3]:
            for note in changes[status]:
                question = f"{note['was']} → {note['question']}" if status == "reworded" else note["question"]
                lines.append(f"  {status:<9} {note['source']}: {question}")
        lines.extend(f"  removed   {note['file']}: {note['question']}" for note in changes["removed"])
    return "\n".join(lines) if lines else "no decks"
