"""Keeping a learner's collection in step: each note's GUID and time from the lock, removed notes.

Per deck, this build's notes are matched to the lock's entries (:func:`ankigen.identity.match_notes`);
then a note's time is:

- its recorded time when its content digest (its deck, its fields but ``Source``, its tags and
  the media it shows, whose names are hashes of their bytes) is the recorded one;
- ``max(recorded time + 1, SOURCE_DATE_EPOCH if set, else now)`` when it changed;
- ``max(SOURCE_DATE_EPOCH if set, else now, RELEASE_EPOCH)`` for a note the lock does not know;
- without a lock at all, today's deck time (:func:`ankigen.package.deck_mtime`) and the rule's
  GUIDs, as every build made before the lock existed.

``Source`` (``path:line``) is a locator, not content: a note that only moved — within its file,
to another file, or with its file renamed — keeps its time, so importing leaves it (and the
learner's tags and edits) alone; its ``Source`` in Anki is refreshed with its next real change.

A full build also carries every note that left the sources (unless ``removed_notes = "drop"``):
tagged :data:`REMOVED_TAG`, its question as the front and a notice of where it was and when it
left as the back; its time is the time it left. A cloze note's question becomes its ``Text``, with
a cloze ``removed`` for each of its cards (the lock records them) whose cloze the question lacks.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring
from pathlib import Path

from ankigen import rules
from ankigen.cloze import anki_numbers
from ankigen.config import Config
from ankigen.identity import Asked, free_guid, match_notes, question_key
from ankigen.lock import LOCK_NAME, Entry, format_lock, read_lock, write_lock
from ankigen.model import Diagnostic
from ankigen.notetype import BASIC, NOTE_TYPES, RELEASE_EPOCH
from ankigen.package import NoteFields
from ankigen.sources import display_path

REMOVED_TAG = "ankigen::removed"
"""The tag of every note that left the sources (search ``tag:ankigen::removed`` in Anki's browser)."""


def one_line(text: str) -> str:
    """``text`` with whitespace runs collapsed to one space, trimmed (``str.split`` and ``\\s``
    know the same whitespace)."""
    return " ".join(text.split())


def digest(*parts: object) -> str:
    """A short, stable digest of ``parts``: of their JSON (``json.dumps(parts, ensure_ascii=False,
    sort_keys=True)``, written here without the encoder's overhead for strings and lists of them)."""
    data = "[" + ", ".join(map(_json, parts)) + "]"
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _json(part: object) -> str:
    if isinstance(part, str):
        return encode_basestring(part)
    if isinstance(part, (list, tuple)) and all(isinstance(item, str) for item in part):
        return "[" + ", ".join(map(encode_basestring, part)) + "]"
    return json.dumps(part, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class NoteRecord:
    """What identity and time are decided from, for one note of this build."""

    question: str
    """The question's source text on one line."""
    answer: str
    """Digest of the answer's source text (whitespace collapsed)."""
    content: str
    """Digest of everything the note packages except its ``Source`` locator."""
    file: str
    line: int
    guid: str
    """The GUID the rule without a lock gives it."""
    note_type: str = BASIC.name
    clozes: tuple[int, ...] | None = None
    """A cloze note's cloze numbers (its cards)."""

    @classmethod
    def of(
        cls,
        deck: str,
        fields: NoteFields,
        front: str,
        back: str,
        file: str,
        line: int,
        media: Iterable[str],
        digested: bool = True,
    ) -> NoteRecord:
        """The record of a note with packaged ``fields``, written as ``front``/``back`` at ``file:line``;
        without ``digested``, its answer and content digests are left empty (for a build that
        neither reads nor writes a lock, :attr:`Tracker.keeps_lock`)."""
        name = fields.note_type.name
        if not digested:
            return cls(one_line(front), "", "", file, line, fields.guid, name)
        parts: list[object] = [deck, fields.front, fields.back, fields.context, fields.tags, sorted(media)]
        if name != BASIC.name:
            parts.append(name)
        content = digest(*parts)
        clozes = tuple(sorted(anki_numbers(fields.front))) if fields.note_type.cloze else None
        return cls(one_line(front), digest(one_line(back)), content, file, line, fields.guid, name, clozes)

    def entry(self, deck: str, guid: str, time: int) -> Entry:
        """The lock's entry for this note in ``deck``, holding ``guid`` and stamped ``time``."""
        note_type = None if self.note_type == BASIC.name else self.note_type
        return Entry(
            deck,
            guid,
            self.question,
            self.file,
            self.answer,
            self.content,
            time,
            None,
            note_type,
            self.clozes,
        )


@dataclass(frozen=True)
class Placed:
    """One note's GUID and time, and what changed since the lock: ``new``, ``changed``,
    ``reworded`` (``was`` holds the earlier question) or ``unchanged``."""

    guid: str
    time: int
    status: str
    was: str = ""


@dataclass
class DeckPlan:
    """A deck's notes placed, the removed notes it carries, and the deck's lock entries."""

    notes: list[Placed] = field(default_factory=list)
    carried: list[NoteFields] = field(default_factory=list)
    carried_times: list[int] = field(default_factory=list)
    left: list[Entry] = field(default_factory=list)
    """Notes that left the sources in this build."""
    switched: list[tuple[int, str]] = field(default_factory=list)
    """This build's notes whose question the deck asked until now in a note of another note type,
    which leaves: (the note's index among the deck's notes, the other note type's name)."""
    entries: list[Entry] = field(default_factory=list)

    @property
    def times(self) -> list[int]:
        """Every packaged note's time, the carried ones last."""
        return [note.time for note in self.notes] + self.carried_times

    def counts(self) -> dict[str, int]:
        """How many notes are new, changed, reworded, removed and unchanged."""
        counts = dict.fromkeys(("new", "changed", "reworded", "removed", "unchanged"), 0)
        for note in self.notes:
            counts[note.status] += 1
        counts["removed"] = len(self.left)
        return counts

    @property
    def pending(self) -> bool:
        """Whether importing this deck's next build would change any note."""
        return any(note.status != "unchanged" for note in self.notes) or bool(self.left)


@dataclass(frozen=True)
class Clock:
    """The time a changed or new note gets: ``SOURCE_DATE_EPOCH`` when set, else now."""

    now: int

    @classmethod
    def from_env(cls) -> Clock:
        """``SOURCE_DATE_EPOCH`` if set, else the current time."""
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        return cls(int(epoch) if epoch else int(time.time()))


@dataclass(frozen=True)
class PlanOptions:
    """How a deck is planned: with ``full``, notes the lock has and the build did not find have
    left the sources (they are reported, and carried when ``keep_removed``)."""

    clock: Clock
    full: bool = True
    keep_removed: bool = True
    unread: frozenset[str] = frozenset()
    """Files that exist but this (partial) build did not read: their entries are left alone."""


def plan_deck(
    deck: str, records: Sequence[NoteRecord], entries: Sequence[Entry], options: PlanOptions
) -> DeckPlan:
    """Place ``records`` (this build's notes of ``deck``, in source order) against the lock's
    ``entries`` of that deck."""
    eligible = [e for e in entries if options.full or e.file not in options.unread]
    asked = [Asked(question_key(r.question), r.answer, r.content, r.guid, r.note_type) for r in records]
    known = [
        Asked(question_key(e.question), e.answer, e.hash, e.guid, e.note_type or BASIC.name) for e in eligible
    ]
    pairs = match_notes(known, asked)
    held = {e.guid for e in entries} | {eligible[i].guid for i in pairs.values()}
    plan = DeckPlan()
    now = options.clock.now
    for index, record in enumerate(records):
        if index in pairs:
            entry = eligible[pairs[index]]
            guid = entry.guid
            if entry.hash == record.content and entry.removed is None:
                placed = Placed(guid, entry.time, "unchanged")
            else:
                reworded = question_key(entry.question) != asked[index].key
                status = "reworded" if reworded else "changed"
                placed = Placed(guid, max(entry.time + 1, now), status, entry.question if reworded else "")
        else:
            guid = free_guid(deck, asked[index].key, held, record.note_type)
            held.add(guid)
            placed = Placed(guid, max(now, RELEASE_EPOCH), "new")
        plan.notes.append(placed)
        plan.entries.append(record.entry(deck, guid, placed.time))
    plan.switched = _switched(asked, eligible, pairs)
    matched = {eligible[i].guid for i in pairs.values()}
    for entry in entries:
        if entry.guid in matched:
            continue
        if not options.full:
            plan.entries.append(entry)
            continue
        if entry.removed is None:
            plan.left.append(entry)
        if options.keep_removed:
            _carry(plan, deck, entry, now)
    return plan


def _switched(
    asked: Sequence[Asked], eligible: Sequence[Entry], pairs: dict[int, int]
) -> list[tuple[int, str]]:
    """The notes (by index in ``asked``) that take the place of an earlier note of the same question
    and another note type, one-to-one: a lock entry that matched none of ``asked`` and had not left
    the sources before."""
    taken = set(pairs.values())
    leaving: dict[str, list[str]] = {}
    for index, entry in enumerate(eligible):
        if index not in taken and entry.removed is None:
            leaving.setdefault(question_key(entry.question), []).append(entry.note_type or BASIC.name)
    found = []
    for index, note in enumerate(asked):
        others = [name for name in leaving.get(note.key, ()) if name != note.note_type]
        if others:
            leaving[note.key].remove(others[0])
            found.append((index, others[0]))
    return found


def first_plan(deck: str, records: Sequence[NoteRecord], mtime: int, entries: bool = True) -> DeckPlan:
    """The plan without a lock: the rule's GUIDs, every note stamped ``mtime`` (today's rule); with
    ``entries``, also the lock entries of the lock this build writes."""
    plan = DeckPlan()
    plan.notes = [Placed(r.guid, mtime, "new") for r in records]
    if entries:
        plan.entries = [r.entry(deck, r.guid, mtime) for r in records]
    return plan


def _carry(plan: DeckPlan, deck: str, entry: Entry, now: int) -> None:
    """Add the removed note ``entry`` to ``plan``: packaged with its notice, kept in the lock."""
    left = max(entry.time + 1, now) if entry.removed is None else entry.removed
    note_type = NOTE_TYPES[entry.note_type or BASIC.name]
    front = html.escape(entry.question)
    if note_type.cloze:  # each of its cards needs its cloze, or Anki shows an error on the card
        missing = sorted(set(entry.clozes or (1,)) - anki_numbers(front))
        front += "".join(f" {{{{c{number}::removed}}}}" for number in missing)
    fields = NoteFields(
        guid=entry.guid,
        front=front,
        back=(
            f"Removed from the notes: it was in {html.escape(entry.file)} and left them on "
            f"{time.strftime('%Y-%m-%d', time.gmtime(left))}."
        ),
        context="",
        source=entry.file,
        tags=(REMOVED_TAG,),
        note_type=note_type,
    )
    content = digest(deck, fields.front, fields.back, fields.context, fields.tags, [])
    kept = entry.removed is not None and content == entry.hash
    stamp = entry.time if kept else max(entry.time + 1, now)
    plan.carried.append(fields)
    plan.carried_times.append(stamp)
    plan.entries.append(replace(entry, hash=content, time=stamp, removed=left))


def note_type_warnings(
    deck: str, records: Sequence[NoteRecord], plan: DeckPlan, shown: Mapping[str, str], keep_removed: bool
) -> list[Diagnostic]:
    """A ``note-type-changed`` warning per file and change of note type in ``plan.switched``, at the
    first such note; ``shown`` maps a record's file to the path diagnostics show."""
    changes: dict[tuple[str, str, str], list[NoteRecord]] = {}
    for index, earlier in plan.switched:
        record = records[index]
        changes.setdefault((record.file, earlier, record.note_type), []).append(record)
    warnings = []
    for (file, earlier, now), changed in changes.items():
        notes = "1 note" if len(changed) == 1 else f"{len(changed)} notes"
        kept = (
            f"carried tagged {REMOVED_TAG} (search tag:{REMOVED_TAG} to suspend or delete them)"
            if keep_removed
            else 'left in your collection as they are (removed_notes = "drop")'
        )
        message = (
            f"{notes} of deck {deck!r} changed note type, from {earlier!r} to {now!r}: Anki cannot "
            "change an imported note's note type, so it gets them as other notes, with new cards and no "
            f"review history (unless they were {now!r} notes before); the {earlier!r} notes keep their "
            f"history, {kept}"
        )
        warnings.append(rules.NOTE_TYPE_CHANGED.at(shown.get(file, file), changed[0].line, message))
    return warnings


class LockOutdated(Exception):
    """``--locked`` and the build would change the lock."""


@dataclass
class Tracker:
    """The lock a command reads and what it may do with it.

    ``full``: the selection is all of the notes (so notes not found have left them); ``write``:
    the build may update the lock (a full build into the configured output).
    """

    path: Path | None
    full: bool = False
    write: bool = False
    keep_removed: bool = True
    clock: Clock = field(default_factory=Clock.from_env)
    entries: list[Entry] | None = None
    _unchanged: dict[str, dict[str, list[Entry]]] = field(default_factory=dict, repr=False)
    """Per deck, the lock's entries by content digest not yet predicted for a note."""

    def load(self) -> Tracker:
        """Read the lock (none: the first build); raises ``LockError`` when it is damaged."""
        if self.path is not None:
            self.entries = read_lock(self.path, display_path(self.path))
        return self

    @property
    def keeps_lock(self) -> bool:
        """Whether notes are matched to a lock or a lock is written: else their digests go unused."""
        return self.entries is not None or self.write

    def decks(self) -> list[str]:
        """The decks the lock knows, sorted."""
        return sorted({e.deck for e in self.entries or ()})

    def deck_of(self, file: str) -> str | None:
        """The one deck the lock holds ``file``'s notes in, if it holds them in exactly one."""
        decks = {e.deck for e in self.entries or () if e.file == file and e.removed is None}
        return decks.pop() if len(decks) == 1 else None

    def guess(self, deck: str) -> int | None:
        """The deck's time if nothing changed since the lock (``None``: the lock does not know it)."""
        times = [e.time for e in self.entries or () if e.deck == deck]
        return max([*times, RELEASE_EPOCH]) if times else None

    def predict(self, deck: str, record: NoteRecord) -> tuple[str, int] | None:
        """The GUID and time ``record`` gets if it is unchanged (the first step of matching, made
        as the notes come), so that a deck is mostly written right the first time."""
        if deck not in self._unchanged:
            pool: dict[str, list[Entry]] = {}
            for entry in self.entries or ():
                if entry.deck == deck and entry.removed is None:
                    pool.setdefault(entry.hash, []).append(entry)
            self._unchanged[deck] = pool
        candidates = self._unchanged[deck].get(record.content)
        if not candidates:
            return None
        chosen = next((e for e in candidates if e.guid == record.guid), candidates[0])
        candidates.remove(chosen)
        return chosen.guid, chosen.time

    def plan(self, deck: str, records: Sequence[NoteRecord], mtime: int) -> DeckPlan:
        """Place ``deck``'s notes; ``mtime`` is today's deck time, used when there is no lock."""
        if self.entries is None:
            return first_plan(deck, records, mtime, self.write)
        entries = [e for e in self.entries if e.deck == deck]
        read = {r.file for r in records}
        root = self.path.parent if self.path else Path()
        unread = frozenset(e.file for e in entries if e.file not in read and (root / e.file).exists())
        options = PlanOptions(self.clock, self.full, self.keep_removed, unread)
        return plan_deck(deck, records, entries, options)

    def next_entries(self, plans: dict[str, DeckPlan]) -> list[Entry]:
        """The lock's entries after this build: ``plans`` replace their decks', other decks keep theirs."""
        kept = [e for e in self.entries or () if e.deck not in plans]
        return kept + [e for plan in plans.values() for e in plan.entries]

    def next_text(self, plans: dict[str, DeckPlan]) -> str:
        """The lock's text after this build (:meth:`next_entries`)."""
        return format_lock(self.next_entries(plans))

    def check_locked(self, plans: dict[str, DeckPlan]) -> None:
        """Raise ``LockOutdated`` when this build would change the lock (``--locked``)."""
        if self.write:
            outdated = self.next_text(plans) != self.current_text()
        else:
            outdated = self.entries is None or any(plan.pending for plan in plans.values())
        if not outdated:
            return
        shown = display_path(self.path) if self.path else LOCK_NAME
        if self.entries is None:
            raise LockOutdated(f"--locked: there is no {shown}; run `ankigen build` and commit it")
        totals = dict.fromkeys(("new", "changed", "reworded", "removed"), 0)
        for plan in plans.values():
            for status, count in plan.counts().items():
                if status in totals:
                    totals[status] += count
        changes = ", ".join(f"{count} {status}" for status, count in totals.items() if count) or "its entries"
        raise LockOutdated(
            f"--locked: {shown} is not current ({changes}); run `ankigen build` and commit {shown}"
        )

    def save(self, plans: dict[str, DeckPlan]) -> bool:
        """Write the lock after a build (atomically, and only when it changed and may be written;
        the tracker then holds the lock written); returns whether the build leaves the lock as it
        was (so no note got the current time)."""
        if self.entries is None and not self.write:  # no lock: every note has the deck's time
            return True
        entries = self.next_entries(plans)
        text = format_lock(entries)
        if text == self.current_text():
            return True
        if self.write and self.path is not None:
            write_lock(self.path, text)
            self.entries = sorted(entries, key=lambda e: (e.deck, e.guid))
        return False

    def current_text(self) -> str | None:
        """The lock file's text as it is (``None`` when there is none)."""
        if self.path is None or self.entries is None:
            return None
        return self.path.read_text("utf-8")


def tracker_for(
    config: Config, sources: Sequence[Path], deck_name: str | None, output: Path | None
) -> Tracker:
    """The lock of a selection: beside the config file, else in the one folder named (or
    ``seeds/``). A build writes it only when it is full (the config's sources, or with no config
    the folder) and goes into the configured output without ``--deck``; ``output=None`` reads only.
    """
    keep = config.removed_notes == "keep"
    if config.path is not None:
        path = config.path.parent / LOCK_NAME
        full = not deck_name and (not sources or not config.decks)
    elif len(sources) <= 1:
        given = sources[0] if sources else Path("seeds")
        path = (given if given.is_dir() else given.parent) / LOCK_NAME
        full = not deck_name and given.is_dir()
    else:
        return Tracker(None)
    configured = config.output_dir.resolve()
    write = full and output is not None and output.resolve() == configured
    return Tracker(path, full, write, keep).load()
