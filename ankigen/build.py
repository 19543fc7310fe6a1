"""The library's entry point: sources → parse → render → package, returning plain results."""

from __future__ import annotations

import dataclasses
import html
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ankigen import package, rebuild, rules
from ankigen.cache import DeckRecords, OutcomeCache
from ankigen.cloze import anki_numbers, hidden_text, quick_check
from ankigen.config import Config, DeckSpec, glob_warnings
from ankigen.deckfile import DeckFile
from ankigen.embeds import forget_files
from ankigen.identity import DeckGuids, deck_name_for, folder_deck_name
from ankigen.ignores import strip_markers
from ankigen.model import Card, Diagnostic, RenderedCard
from ankigen.notetype import BASIC, NOTE_CSS, RELEASE_EPOCH, NoteType, cloze_fields, note_type_for
from ankigen.pipeline import FileJob, process_all
from ankigen.sources import display_path, find_sources, forget_paths, read_source, resolved, text_name
from ankigen.state import DeckPlan, NoteRecord, Tracker, note_type_warnings

_SOURCE_ERRORS = "not written: the sources have errors"
DEFAULT_SOURCES = Path("seeds")
"""The notes read when no sources are given and the config names none (relative to the root)."""


@dataclass(frozen=True)
class SourceFile:
    """A note file to read; ``root`` is the tree its media must stay inside."""

    path: Path
    root: Path
    explicit: bool = False


@dataclass(frozen=True)
class _BuildJob(FileJob):
    """A file job that carries back, with its outcome, the source, its config deck, the deck name
    ``--deck`` or the config gives it, and the diagnostics found before parsing."""

    source: SourceFile = field(default_factory=lambda: SourceFile(Path(), Path()))
    spec: DeckSpec | None = None
    given: str | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass
class BuiltCard:
    """A card with its deck, tags and GUID assigned and its HTML rendered."""

    card: Card
    guid: str
    html: RenderedCard
    source: str
    """The ``Source`` path stored in the deck: relative to the notes' root (``card.source`` is
    relative to the working directory, as diagnostics are)."""
    note_type: NoteType = BASIC


@dataclass
class Deck:
    """One deck's cards and everything ankigen has to say about its sources."""

    name: str
    planned: list[Path] = field(default_factory=list)
    """Sources known before parsing to go into this deck (``--deck`` or the config names it)."""
    files: list[Path] = field(default_factory=list)
    cards: list[BuiltCard] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: int = 0
    count: int = 0
    records: list[NoteRecord] = field(default_factory=list)
    """What identity and time are decided from, one per card in source order."""
    plan: DeckPlan = field(default_factory=DeckPlan)
    """The cards' final GUIDs and times and the removed notes carried, once every source is read."""
    shown: dict[str, str] = field(default_factory=dict)
    """Each source's ``Source`` path → the path its diagnostics show."""
    _guids: DeckGuids = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._guids = DeckGuids(self.name)

    def guid_for(self, card: Card, note_type: NoteType = BASIC) -> str:
        """The GUID of the deck's next card, a note of ``note_type`` (``identity``'s rule); a
        repeated question also adds a warning naming both lines."""
        guid, warning = self._guids.next(card, note_type.name)
        if warning:
            self.diagnostics.append(warning)
        return guid

    @property
    def errors(self) -> int:
        """How many diagnostics are errors (a deck with errors is not written)."""
        return sum(d.severity == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        """How many diagnostics are warnings."""
        return sum(d.severity == "warning" for d in self.diagnostics)


@dataclass
class DeckResult:
    """What ``build`` did with one deck: the file written, else ``None`` and the ``failure``
    (empty when the deck has no cards, which is only a warning)."""

    deck: Deck
    path: Path | None
    failure: str = ""
    unchanged: bool = False
    """The file already held exactly this deck, so it was not written again (:mod:`ankigen.deckfile`)."""
    sha256: str = ""
    """The SHA-256 of the deck's file, when there is one."""


@dataclass
class Collected:
    """Every deck found in the sources, plus diagnostics that belong to no deck."""

    decks: list[Deck]
    diagnostics: list[Diagnostic]
    config_file: Path | None = None
    plans: dict[str, DeckPlan] = field(default_factory=dict)
    """Every deck's plan, also those the lock knows but this build found nothing to write for."""
    ignored: Counter[str] = field(default_factory=Counter)
    """Warnings silenced by the config's ignores or a marker in the notes, by rule id."""
    widened: list[DeckSpec] = field(default_factory=list)
    """Config decks built from all their files although only some were named (``build_sources``)."""

    def all_diagnostics(self) -> list[Diagnostic]:
        """Every diagnostic, sorted by file and line."""
        found = list(self.diagnostics)
        for deck in self.decks:
            found.extend(deck.diagnostics)
        return sorted(set(found), key=Diagnostic.sort_key)


def source_files(sources: Sequence[Path], config: Config) -> list[SourceFile]:
    """The files to read: ``sources`` (files or folders), else the config's globs, else ``seeds/``.

    A file a config deck leaves out with a ``!`` glob is skipped when found by walking a folder.
    """
    if not sources and config.decks:
        return [SourceFile(path, config.root, explicit=True) for path, _ in config.claims().values()]
    files: dict[Path, SourceFile] = {}  # by real path: sources that overlap give each file once
    for given in sources or [config.root / DEFAULT_SOURCES]:
        root = notes_root(given, config) if sources else config.root
        folder = given.is_dir()
        found = [path for path in find_sources([given]) if not config.excluded(path)] if folder else [given]
        for path in found:
            files.setdefault(resolved(path), SourceFile(path, root, explicit=not folder))
    return list(files.values())


def _in_config_order(files: list[SourceFile], config: Config) -> list[SourceFile]:
    """``files`` with the config's files among them in the config's order (each in the place of
    one), so a config deck's cards — and its repeated questions' GUIDs — come out the same
    whichever of its files were named, and in whatever order."""
    order = {path: index for index, path in enumerate(config.claims())}
    claimed = iter(
        sorted((f for f in files if f.path.resolve() in order), key=lambda f: order[f.path.resolve()])
    )
    return [next(claimed) if f.path.resolve() in order else f for f in files]


def _files_to_read(sources: Sequence[Path], config: Config, deck_name: str | None) -> list[SourceFile]:
    """The files ``collect`` reads, in its order (without ``--deck``, the config's in its order)."""
    files = source_files(sources, config)
    return files if deck_name is not None else _in_config_order(files, config)


def notes_root(given: Path, config: Config) -> Path:
    """The notes' root of a source the user named: the config's folder when it holds the source,
    else the folder named (for a file, its folder). Media must stay inside it, and the ``Source``
    path stored in decks is relative to it."""
    folder = given if given.is_dir() else given.parent
    if config.path is not None and folder.resolve().is_relative_to(config.root.resolve()):
        return config.root
    return folder


def stored_source(path: Path, root: Path) -> str:
    """The ``Source`` path of a note file as stored in decks: POSIX, relative to the notes' root
    (a symlink in the notes to a file elsewhere: as found in the notes; otherwise its name)."""
    for found, base in ((resolved(path), resolved(root)), (path.absolute(), root.absolute())):
        if found.is_relative_to(base):
            return text_name(found.relative_to(base).as_posix())
    return text_name(path.name)


@dataclass(frozen=True)
class CollectOptions:
    """How to collect: worker processes, the cache folder (``None``: no cache), a progress
    callback ``(done, total)`` in bytes."""

    jobs: int = 1
    cache_dir: Path | None = None
    progress: Callable[[int, int], None] | None = None


def collect(
    sources: Sequence[Path],
    config: Config,
    note_format: str = "auto",
    deck_name: str | None = None,
    options: CollectOptions = CollectOptions(),
    sink: Callable[[Deck, BuiltCard, package.NoteFields], None] | None = None,
    tracker: Tracker | None = None,
) -> Collected:
    """Read, parse, lint and render every source; group the cards into decks; place their notes
    against ``tracker``'s lock (none: the rule without a lock).

    Cards are kept in ``Deck.cards``, or, with a ``sink``, handed to it one by one with their
    note's fields (with the rule's GUID; ``Deck.plan`` has the final one) and not kept.
    """
    decks: dict[str, Deck] = {}
    stray: list[Diagnostic] = glob_warnings(config) if not sources else []
    files = _files_to_read(sources, config, deck_name)
    forget_files()  # embeds are looked up in the tree as it is now, and paths resolved in it
    forget_paths()
    planned = _planned_decks(files, config, deck_name)
    ignores = config.ignores()

    def deck_named(name: str) -> Deck:
        if name not in decks:
            decks[name] = Deck(name, planned.get(name, []))
        return decks[name]

    def jobs() -> Iterator[_BuildJob]:
        for source in files:
            text = read_source(source.path)
            diagnostics = [_downgrade(d) if not source.explicit else d for d in text.diagnostics]
            spec = config.deck_for(source.path)
            if text.text is None:
                if source.explicit:
                    deck = deck_named(
                        _deck_name(_given_name(deck_name, spec), None, None, source, config, tracker)
                    )
                    deck.files.append(source.path)
                    deck.diagnostics.extend(diagnostics)
                else:
                    stray.extend(diagnostics)
                continue
            fmt = note_format if note_format != "auto" else (spec.format if spec else "auto")
            notes, silenced, marker_problems = strip_markers(text.text, text.path)
            if silenced:
                ignores.markers[resolved(source.path)] = silenced
            yield _BuildJob(
                text.path,
                notes,
                source.root,
                fmt,
                source=source,
                spec=spec,
                given=_given_name(deck_name, spec),
                diagnostics=(*diagnostics, *marker_problems),
            )

    digested = tracker is not None and tracker.keeps_lock
    total = sum(_size(source.path) for source in files)
    progress = options.progress
    cache = OutcomeCache(options.cache_dir) if options.cache_dir else None
    outcomes = process_all(jobs(), options.jobs, cache, progress and (lambda done: progress(done, total)))
    try:
        for job, outcome in outcomes:
            source, spec = job.source, job.spec
            path, stored = source.path, stored_source(source.path, source.root)
            name = _deck_name(job.given, outcome.deck, outcome.title, source, config, tracker)
            deck = deck_named(name)
            deck.files.append(path)
            deck.diagnostics.extend((*job.diagnostics, *outcome.diagnostics))
            deck.skipped += outcome.skipped
            deck.shown[stored] = job.path
            extra_tags = spec.tags if spec else ()
            reverse = outcome.reverse if outcome.reverse is not None else (spec or config).reverse
            for card, html in zip(outcome.cards, outcome.rendered, strict=True):
                note_type = note_type_for(has_cloze=_has_cloze(html), reverse=reverse)
                tags = tuple(dict.fromkeys((*extra_tags, *card.tags, *_context_tag(card.context))))
                kept = _in_deck(card, name, tags)
                built = BuiltCard(kept, deck.guid_for(kept, note_type), html, stored, note_type)
                fields = _note_fields(built)
                deck.records.append(_record(built, fields, digested))
                deck.count += 1
                if sink is None:
                    deck.cards.append(built)
                else:
                    sink(deck, built, fields)
    finally:
        outcomes.close()  # on an error or Ctrl-C here, its workers stop now
        if cache:
            cache.close()
    plans = _place(decks, tracker or Tracker(None), config.path)
    for deck in decks.values():
        if not deck.count and deck.files and not deck.plan.carried:
            deck.diagnostics.append(_empty_deck(deck, config))
        deck.diagnostics = ignores.keep(deck.diagnostics)
    return Collected(list(decks.values()), ignores.keep(stray), config.path, plans, ignores.counts)


def _deck_name(
    given: str | None,
    front_matter: str | None,
    title: str | None,
    source: SourceFile,
    config: Config,
    tracker: Tracker | None,
) -> str:
    """The one naming rule for a file's deck: ``--deck`` or the config (``given``), else its front
    matter's ``deck:``, else folder decks when the config asks for them, else its title, else its file
    name (``identity.deck_name_for``) — except that a file whose title can no longer be told (a second
    top-level heading was added, say) stays in the deck the lock has it in, instead of moving every
    note to a deck named after the file."""
    given = given or front_matter
    if given is None and config.folder_decks:
        given = folder_deck_name(title, source.path, source.root)
    if given is None and title is None and tracker is not None:
        kept = tracker.deck_of(stored_source(source.path, source.root))
        if kept is not None:
            return kept
    return deck_name_for(given, title, source.path)


def _place(decks: dict[str, Deck], tracker: Tracker, config_file: Path | None) -> dict[str, DeckPlan]:
    """Plan every deck's notes; with a full selection, also the decks only the lock still knows
    (kept when they carry removed notes)."""
    plans: dict[str, DeckPlan] = {}
    for deck in decks.values():
        deck.plan = plans[deck.name] = tracker.plan(
            deck.name, deck.records, _deck_mtime(deck.files, config_file)
        )
        for built, placed in zip(deck.cards, deck.plan.notes if deck.cards else (), strict=True):
            built.guid = placed.guid
        deck.diagnostics += note_type_warnings(
            deck.name, deck.records, deck.plan, deck.shown, tracker.keep_removed
        )
    for name in tracker.decks() if tracker.full else ():
        if name not in decks:
            plan = plans[name] = tracker.plan(name, [], 0)
            if plan.carried or plan.left:
                decks[name] = Deck(name, plan=plan)
    return plans


def _in_deck(card: Card, deck: str, tags: tuple[str, ...]) -> Card:
    """``dataclasses.replace(card, deck=deck, tags=tags)`` (a ``Card`` has no ``__post_init__``),
    without its walk over the fields for each of a build's cards."""
    kept: Card = object.__new__(Card)
    kept.__dict__.update(card.__dict__, deck=deck, tags=tags)
    return kept


def _has_cloze(html: RenderedCard) -> bool:
    """Whether Anki reads a cloze in a card's question or answer HTML."""
    front, back = html.front_html, html.back_html
    return (quick_check(front) and bool(anki_numbers(front))) or (
        quick_check(back) and bool(anki_numbers(back))
    )


def _record(built: BuiltCard, fields: package.NoteFields, digested: bool) -> NoteRecord:
    card = built.card
    media = [m.name for m in built.html.media]
    # A cloze card's answer, to matching, is its answer, else what its clozes hide.
    answer = card.back if not built.note_type.cloze or card.back.strip() else hidden_text(card.front)
    return NoteRecord.of(card.deck, fields, card.front, answer, built.source, card.line, media, digested)


def _empty_deck(deck: Deck, config: Config) -> Diagnostic:
    """The ``empty-deck`` warning, at the config's ``[[deck]]`` line when it defines the deck."""
    spec = next((spec for spec in config.decks if spec.name == deck.name), None)
    message = (
        f"deck {deck.name!r} has no cards, so it is not written "
        f"(an earlier {package.slug(deck.name)}.apkg, if any, stays as it was)"
    )
    if spec is not None and config.path is not None:
        return rules.EMPTY_DECK.at(display_path(config.path), spec.line, message)
    return rules.EMPTY_DECK.at(display_path(deck.files[0]), 1, message)


def _planned_decks(
    files: Sequence[SourceFile], config: Config, deck_name: str | None
) -> dict[str, list[Path]]:
    """Deck name → the sources that ``--deck`` or the config put in it, known before parsing."""
    planned: dict[str, list[Path]] = {}
    for source in files:
        name = _given_name(deck_name, config.deck_for(source.path))
        if name:
            planned.setdefault(deck_name_for(name, None, source.path), []).append(source.path)
    return planned


def _given_name(deck_name: str | None, spec: DeckSpec | None) -> str | None:
    """The deck name ``--deck`` or the config gives a source, if any (else its title decides)."""
    return deck_name or (spec.name if spec else None)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def build(
    sources: Sequence[Path],
    config: Config,
    output: Path,
    note_format: str = "auto",
    deck_name: str | None = None,
    options: CollectOptions = CollectOptions(),
    tracker: Tracker | None = None,
    locked: bool = False,
) -> tuple[Collected, list[DeckResult]]:
    """Build one ``.apkg`` per deck into ``output``, streaming each card into its deck's file.

    The sources are widened first by :func:`build_sources` (a config deck is built whole). A deck
    whose sources have errors, that has no cards (and carries no removed notes) or that cannot be
    written is not written (an existing file stays as it was); every other deck is. ``tracker``'s
    lock gives the notes' GUIDs and times, and is updated when it may be; with ``locked``, a lock
    that would change raises ``LockOutdated`` and nothing is written.
    """
    tracker = tracker or Tracker(None)
    writers: dict[str, DeckFile] = {}
    failures: dict[str, str] = {}
    last: _LastBuild | None = None

    def write(deck: Deck, built: BuiltCard, fields: package.NoteFields) -> None:
        if last is not None and (built.html.images or built.html.media):
            last.pictured = True
        if deck.name in failures:
            return
        try:
            writer = writers.get(deck.name) or _open_writer(writers, output, deck, config.path, tracker)
            guid, mod = tracker.predict(deck.name, deck.records[-1]) or (built.guid, None)
            if guid != fields.guid:
                fields = dataclasses.replace(fields, guid=guid)
            writer.add(fields, [(m.name, m.path) for m in built.html.media] if built.html.media else (), mod)
        except (OSError, sqlite3.Error) as exc:
            failures[deck.name] = _cannot_write(output / f"{package.slug(deck.name)}.apkg", exc)
            if deck.name in writers:
                writers.pop(deck.name).discard()

    records = DeckRecords(options.cache_dir) if options.cache_dir else None
    forget_paths()
    try:
        named, widened = build_sources(sources, config, deck_name)
        if records is not None:
            last = _LastBuild(records, named, config, output, note_format, deck_name, tracker, locked)
            replayed = last.replay(widened)
            if replayed is not None:
                return replayed
        collected = collect(named, config, note_format, deck_name, options, write, tracker)
        collected.widened = widened
        if locked:
            tracker.check_locked(collected.plans)
        stems = package.file_stems(deck.name for deck in collected.decks)
        results = [
            _finish(
                deck, writers, failures, output / f"{stems[deck.name]}.apkg", collected.config_file, records
            )
            for deck in collected.decks
        ]
        unwritten = {result.deck.name for result in results if result.path is None}
        settled = tracker.save({n: plan for n, plan in collected.plans.items() if n not in unwritten})
        if last is not None:
            last.record(collected, results, settled)
    finally:
        for writer in writers.values():
            writer.discard()
        if records:
            records.close()
    return collected, results


class _LastBuild:
    """The last build of the same selection, as :mod:`ankigen.rebuild` records it: replayed when
    this build's inputs are the same, else replaced by this build's when it may be."""

    def __init__(
        self,
        records: DeckRecords,
        named: Sequence[Path],
        config: Config,
        output: Path,
        note_format: str,
        deck_name: str | None,
        tracker: Tracker,
        locked: bool,
    ) -> None:
        self.records, self.named, self.config, self.deck_name, self.tracker = (
            records,
            named,
            config,
            deck_name,
            tracker,
        )
        command = [output.resolve(), note_format, deck_name, locked, config.path, *named]
        self.selection = rebuild.selection_key(command)
        self.sources = self._sources()
        lock_files = sorted({e.file for e in tracker.entries or ()})
        self.inputs = rebuild.inputs_digest(self.sources, tracker.path, lock_files)
        self.pictured = False
        """Whether a card names an image: then the build depends on the tree, and is not recorded."""

    def _sources(self) -> str:
        files = _files_to_read(self.named, self.config, self.deck_name)
        found = glob_warnings(self.config) if not self.named else []
        read = [(f.path, f.root, f.explicit) for f in files]
        return rebuild.sources_digest(read, self.config.path, found)

    def replay(self, widened: list[DeckSpec]) -> tuple[Collected, list[DeckResult]] | None:
        """The last build's decks and results, when its inputs were these and its files are untouched."""
        value = self.records.last_build(self.selection, self.inputs)
        summary = rebuild.BuildSummary.decode(value) if value is not None else None
        if summary is None or not summary.untouched():
            return None
        decks, results = [], []
        for kept in summary.decks:
            deck = Deck(kept.name, diagnostics=list(kept.diagnostics), skipped=kept.skipped, count=kept.count)
            path = Path(kept.path) if kept.path is not None else None
            decks.append(deck)
            results.append(
                DeckResult(deck, path, kept.failure, unchanged=path is not None, sha256=kept.sha256)
            )
        collected = Collected(
            decks, list(summary.stray), self.config.path, {}, Counter(summary.ignored), widened
        )
        return collected, results

    def record(self, collected: Collected, results: list[DeckResult], settled: bool) -> None:
        """Record this build for the next one, if that one will say the same from the same inputs:
        the lock was ``settled`` (no note got the current time), or written with every note's time
        and no note left the sources or changed note type (which the next build will not report);
        no card names an image; and every deck was written (or not for its sources' errors, or
        empty)."""
        if self.pictured or any(r.path is None and r.failure not in ("", _SOURCE_ERRORS) for r in results):
            return
        written = not settled and self.tracker.write and self.tracker.path is not None
        if not settled and not (written and not any(p.left or p.switched for p in collected.plans.values())):
            return
        if self._sources() != self.sources:
            return  # a file changed while it was being built
        inputs = self.inputs
        if written:  # the next build reads the lock this one wrote (which the tracker now holds)
            lock_files = sorted({e.file for e in self.tracker.entries or ()})
            inputs = rebuild.inputs_digest(self.sources, self.tracker.path, lock_files)
        decks = tuple(
            rebuild.DeckSummary(
                r.deck.name,
                r.deck.count,
                r.deck.skipped,
                tuple(r.deck.diagnostics),
                str(r.path) if r.path is not None else None,
                r.failure,
                r.sha256,
            )
            for r in results
        )
        summary = rebuild.BuildSummary(decks, tuple(collected.diagnostics), dict(collected.ignored))
        self.records.record_build(self.selection, inputs, summary.encode())


def build_sources(
    sources: Sequence[Path], config: Config, deck_name: str | None
) -> tuple[list[Path], list[DeckSpec]]:
    """What a build reads — the partial-build rule (README, "What a build writes").

    A deck the config defines is always built whole: when ``sources`` name some of its files (or
    a folder holding some), all the files the config gives it are read too, so its ``.apkg`` never
    holds only part of it. With ``--deck`` (``deck_name``) the sources named are the whole deck;
    decks no config defines are made of the files named. Decks none of the sources touch are not
    built, and their files stay as they are. Returns the sources to read and the config decks
    that were widened.
    """
    if not sources or deck_name or not config.decks:
        return list(sources), []
    named = {path.resolve() for path in find_sources(sources)}
    touched = {spec.line: spec for path in named if (spec := config.deck_for(path))}
    widened: list[DeckSpec] = []
    extra: list[Path] = []
    for spec in sorted(touched.values(), key=lambda spec: spec.line):
        missing = [path for path in config.files_of(spec) if path.resolve() not in named]
        if missing:
            widened.append(spec)
            extra.extend(missing)
    return [*sources, *extra], widened


def _open_writer(
    writers: dict[str, DeckFile],
    output: Path,
    deck: Deck,
    config_file: Path | None,
    tracker: Tracker,
) -> DeckFile:
    """Start writing ``deck``, guessing its mtime from the lock, else from the sources known so
    far to be in it."""
    guess = tracker.guess(deck.name) or _deck_mtime(deck.planned or deck.files, config_file)
    writer = writers[deck.name] = DeckFile(output, deck.name, NOTE_CSS, guess)
    return writer


def _deck_mtime(files: Sequence[Path], config_file: Path | None) -> int:
    return package.deck_mtime([*files, *([config_file] if config_file else [])])


def _finish(
    deck: Deck,
    writers: dict[str, DeckFile],
    failures: dict[str, str],
    target: Path,
    config_file: Path | None,
    records: DeckRecords | None,
) -> DeckResult:
    """Write ``deck``'s finished file ``target`` (unless ``records`` show it holds the deck
    already), or say why it is not written."""
    writer = writers.pop(deck.name, None)
    if deck.errors:
        if writer:
            writer.discard()
        return DeckResult(deck, None, _SOURCE_ERRORS)
    if deck.name in failures:
        return DeckResult(deck, None, failures[deck.name])
    if writer is None and not deck.plan.carried:
        return DeckResult(deck, None)  # no cards: the collect step warned (empty-deck)
    times = deck.plan.times
    mtime = max([*times, RELEASE_EPOCH]) if times else _deck_mtime(deck.files, config_file)
    try:
        if writer is None:  # only removed notes are carried
            writer = DeckFile(target.parent, deck.name, NOTE_CSS, mtime)
        for fields in deck.plan.carried:
            writer.add(fields)
        stamps = [(note.guid, note.time) for note in deck.plan.notes]
        stamps += [
            (fields.guid, t) for fields, t in zip(deck.plan.carried, deck.plan.carried_times, strict=True)
        ]
        sha256, written = writer.finish(target, mtime, stamps, records)
    except (OSError, sqlite3.Error) as exc:
        return DeckResult(deck, None, _cannot_write(target, exc))
    return DeckResult(deck, target, unchanged=not written, sha256=sha256)


def _cannot_write(target: Path, exc: Exception) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot write {display_path(target)}: {reason}"


def _note_fields(built: BuiltCard) -> package.NoteFields:
    card = built.card
    front, back = built.html.front_html, built.html.back_html
    if built.note_type.cloze:
        front, back = cloze_fields(front, back, bool(anki_numbers(back)))
    return package.NoteFields(
        guid=built.guid,
        front=front,
        back=back,
        context=built.html.context_html,
        source=html.escape(f"{built.source}:{card.line}", quote=False),  # a file name is text, not HTML
        tags=card.tags,
        note_type=built.note_type,
    )


def _downgrade(diagnostic: Diagnostic) -> Diagnostic:
    """A binary or unreadable file found while walking a folder is skipped with a warning."""
    if diagnostic.rule in (rules.BINARY_FILE.id, rules.READ_ERROR.id):
        return dataclasses.replace(diagnostic, severity="warning", message=diagnostic.message + "; skipped")
    return diagnostic


@lru_cache(maxsize=4096)
def _context_tag(context: tuple[str, ...]) -> tuple[str, ...]:
    """The card's sections as one hierarchical tag, e.g. ``Probability::Sum_Rule`` (the cards of a
    section share it: it is made once)."""
    parts = [re.sub(r"[\s\"]+", "_", re.sub(r"[*`]+", "", part).strip()).strip("_") for part in context]
    parts = [part for part in parts if part]
    return ("::".join(parts),) if parts else ()
