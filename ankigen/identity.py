"""How a note's GUID and a deck's id are made — the whole recipe, in one place.

The rule without a state file (a public interface: changing any step makes Anki see every note as
new):

1. **Deck name.** ``--deck``, else the config's ``[[deck]] name`` (under ``parent``, joined with
   ``::``, both with surrounding ``:`` stripped), else the ``deck`` of the file's front matter,
   else the file's Markdown title, else the file name with ``_`` read as a space. With the config's
   ``folder_decks``, that title or file name is put under the file's folders (from the notes'
   root, as written, joined with ``::``): ``math/linear/eigen.md`` → ``math::linear::eigen``.
   Then cleaned: ``*`` and backticks removed, whitespace runs collapsed to one space, trimmed; an
   empty name becomes ``Default``.
2. **Question key.** The question's source text with cloze markup (``{{c1::``, ``::hint``, ``}}``),
   ``*``, backticks and ``_`` removed, whitespace collapsed and trimmed, leading numbering
   (``Q3.``, ``Q:``, ``12.``, ``1)``) dropped, casefolded. So ``12. What is **`ReLU`**?`` and
   ``what is  relu?`` are the same question, and so are ``{{c1::Paris}} is …`` and ``Paris is …``.
3. **Occurrence.** The n-th note in a deck with the same key has occurrence n (counted in source
   order); from the second one a ``duplicate-question`` warning names both lines.
4. **GUID.** ``genanki.guid_for(deck name, key)`` for the first occurrence,
   ``genanki.guid_for(deck name, key, n)`` for the n-th — for ``ankigen Basic`` notes; a note of
   another note type adds the note type's name: ``genanki.guid_for(deck name, key, n, note type)``
   (also for n = 1). Anki never changes an imported note's note type, so a note whose note type
   changes must become a new note.
5. **Deck id.** ``2**40`` plus the first 5 bytes of the SHA-256 of the full deck name (UTF-8).

An answer, the tags or the section headings never enter the GUID: editing them and re-importing
updates the note in place.

With a state file (``ankigen.lock``, see :mod:`ankigen.state`) a note keeps the GUID it was first
given. Each deck's notes are matched to the deck's earlier notes by :func:`match_notes`, in tiers,
each one-to-one among the notes still unmatched:

Only notes of the same note type are matched (a note whose note type changed is new, and its
earlier note left the sources):

1. the same content (everything the note packages, so a moved note or an unchanged copy of a
   repeated question finds its own entry whatever its rank);
2. the same question key and the same answer;
3. the same question key (an edited answer; among several, the earlier note whose GUID the rule
   above would give first, then in order);
4. a rewording: question keys with a similarity ratio of at least :data:`SIMILAR` (0.85), or the
   same answer; best pairs first (ratio, plus 1 for the same answer), ties by source order.

A note matched to nothing gets the rule's GUID, or — when an earlier note already holds that
GUID — the next occurrence number no note of the deck holds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ankigen import rules
from ankigen.cloze import quick_check, without_markup
from ankigen.model import Card, Diagnostic
from ankigen.notetype import BASIC
from ankigen.sources import text_name

_NUMBERING = re.compile(r"^\s*(?:q\s*\d+\s*[.:)]|q:|\d+\s*[.)])\s*", re.IGNORECASE)
_MARKUP_CHARS = re.compile(r"[*`_]+")
_DECK_MARKUP = re.compile(r"[*`]+")
_SPACES = re.compile(r"\s+")


def full_deck_name(parent: str, name: str) -> str:
    """A config deck's full name: ``name`` under ``parent`` (surrounding ``:`` stripped from both)."""
    parent, name = parent.strip(":"), name.strip(":")
    return f"{parent}::{name}" if parent else name


def deck_name_for(given: str | None, title: str | None, path: Path) -> str:
    """The cleaned name of the deck a source goes into: ``given`` (``--deck`` or the config),
    else the source's ``title``, else its file name."""
    return clean_deck_name(given or title or stem_name(path))


def folder_deck_name(title: str | None, path: Path, root: Path) -> str:
    """A file's deck when the folder tree is the deck tree: its title (else its file name) under
    its folders from ``root``, joined with ``::``."""
    leaf = clean_deck_name(title or stem_name(path))
    try:
        folders = path.resolve().parent.relative_to(root.resolve()).parts
    except ValueError:
        folders = ()
    return "::".join([*(clean_deck_name(part) for part in folders), leaf])


def stem_name(path: Path) -> str:
    """A deck name from a file name: ``ml_notes-2024.md`` → ``ml notes-2024``."""
    return text_name(path.stem).replace("_", " ")


def clean_deck_name(name: str) -> str:
    """``name`` without ``*`` or backticks, whitespace collapsed; ``Default`` when nothing is left."""
    name = _DECK_MARKUP.sub("", name)
    return _SPACES.sub(" ", name).strip() or "Default"


@lru_cache(maxsize=1 << 16)
def question_key(front: str) -> str:
    """Normalise a question for identity: casefolded, no numbering, emphasis, backticks or cloze
    markup (``{{c1::Paris}}`` reads ``Paris``); a lock's questions are mostly this build's, so each is
    normalised once."""
    text = _MARKUP_CHARS.sub("", without_markup(front) if quick_check(front) else front)
    text = _SPACES.sub(" ", text).strip()
    text = _NUMBERING.sub("", text)
    return text.casefold()


_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
_BASE91_PAIRS = [high + low for high in _BASE91 for low in _BASE91]
"""Two base-91 digits at a time (half the divisions)."""


def guid_for(*values: object) -> str:
    """``genanki.guid_for``, step for step (without importing genanki): the first 8 bytes of the
    SHA-256 of the values joined by ``__``, in Anki's base-91 digits."""
    number = int.from_bytes(hashlib.sha256("__".join(map(str, values)).encode("utf-8")).digest()[:8], "big")
    digits = []
    while number >= 91 * 91:
        number, pair = divmod(number, 91 * 91)
        digits.append(_BASE91_PAIRS[pair])
    if number:
        digits.append(_BASE91_PAIRS[number] if number >= 91 else _BASE91[number])
    return "".join(reversed(digits))


def note_guid(deck: str, key: str, occurrence: int = 1, note_type: str = BASIC.name) -> str:
    """The GUID of the ``occurrence``-th note of ``note_type`` with question ``key`` in ``deck``."""
    if note_type != BASIC.name:
        return guid_for(deck, key, occurrence, note_type)
    if occurrence == 1:
        return guid_for(deck, key)
    return guid_for(deck, key, occurrence)


def deck_id(name: str) -> int:
    """A stable deck id derived from the full deck name."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return (1 << 40) + int.from_bytes(digest[:5], "big")


class DeckGuids:
    """Gives one deck's cards their GUIDs in source order, counting each question's occurrences."""

    def __init__(self, deck: str) -> None:
        self.deck = deck
        self._seen: dict[str, int] = {}
        self._first: dict[str, str] = {}  # key → "path:line"

    def next(self, card: Card, note_type: str = BASIC.name) -> tuple[str, Diagnostic | None]:
        """The GUID of the deck's next card (a note of ``note_type``), and a ``duplicate-question``
        warning naming both lines when the question was already asked."""
        occurrence = self._seen[card.key] = self._seen.get(card.key, 0) + 1
        warning = None
        if occurrence == 1:
            self._first[card.key] = f"{card.source}:{card.line}"
        else:
            message = (
                f"question already asked at {self._first[card.key]} in deck {self.deck!r}; both become notes"
            )
            warning = rules.DUPLICATE_QUESTION.at(card.source, card.line, message)
        return note_guid(self.deck, card.key, occurrence, note_type), warning


SIMILAR = 0.85
"""Two question keys at least this similar (``rapidfuzz``'s ``fuzz.ratio``, difflib's ratio over the
longest common subsequence) are one reworded question."""


@dataclass(frozen=True)
class Asked:
    """A note as matching sees it: its question key, answer digest, content digest and GUID
    (the one it holds, or the one the rule gives it), and its note type's name."""

    key: str
    answer: str
    content: str
    guid: str
    note_type: str = BASIC.name


def match_notes(earlier: Sequence[Asked], current: Sequence[Asked]) -> dict[int, int]:
    """Pair ``current`` notes (in source order) with ``earlier`` ones: index → earlier index."""
    pairs: dict[int, int] = {}
    tiers: list[Callable[[Asked], Hashable]] = [
        lambda a: (a.note_type, a.content),
        lambda a: (a.note_type, a.key, a.answer),
        lambda a: (a.note_type, a.key),
    ]
    for tier in tiers:
        _pair_equal(earlier, current, tier, pairs)
    _pair_similar(earlier, current, pairs)
    return pairs


def _pair_equal(
    earlier: Sequence[Asked],
    current: Sequence[Asked],
    tier: Callable[[Asked], Hashable],
    pairs: dict[int, int],
) -> None:
    taken = set(pairs.values())
    waiting: dict[Hashable, list[int]] = {}
    for index, old in enumerate(earlier):
        if index not in taken:
            waiting.setdefault(tier(old), []).append(index)
    for index, new in enumerate(current):
        if index in pairs:
            continue
        candidates = waiting.get(tier(new))
        if not candidates:
            continue
        same_guid = [i for i in candidates if earlier[i].guid == new.guid]
        chosen = same_guid[0] if same_guid else candidates[0]
        candidates.remove(chosen)
        pairs[index] = chosen


def _pair_similar(earlier: Sequence[Asked], current: Sequence[Asked], pairs: dict[int, int]) -> None:
    from rapidfuzz import fuzz, process  # only a build against a lock with unmatched notes needs it

    taken = set(pairs.values())
    olds = [i for i in range(len(earlier)) if i not in taken]
    keys = [earlier[i].key for i in olds]
    same_answer: dict[str, list[int]] = {}
    for position, index in enumerate(olds):
        same_answer.setdefault(earlier[index].answer, []).append(position)
    scored: list[tuple[float, int, int]] = []
    for new_index in (i for i in range(len(current)) if i not in pairs):
        new = current[new_index]
        found = process.extract(new.key, keys, scorer=fuzz.ratio, score_cutoff=SIMILAR * 100, limit=None)
        ratios = {position: score / 100 for _, score, position in found}
        for position in same_answer.get(new.answer, ()):
            ratio = ratios.get(position, fuzz.ratio(new.key, keys[position]) / 100)
            ratios[position] = ratio + 1
        scored.extend(
            (-score, new_index, olds[position])
            for position, score in ratios.items()
            if earlier[olds[position]].note_type == new.note_type
        )
    used: set[int] = set()
    for _, new_index, old_index in sorted(scored):
        if new_index not in pairs and old_index not in used:
            pairs[new_index] = old_index
            used.add(old_index)


def free_guid(deck: str, key: str, held: set[str], note_type: str = BASIC.name) -> str:
    """The rule's GUID for ``key`` in ``deck``, or its first occurrence number no note holds."""
    occurrence = 1
    while (guid := note_guid(deck, key, occurrence, note_type)) in held:
        occurrence += 1
    return guid
