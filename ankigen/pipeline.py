"""Turn one source file into checked, rendered cards; many files in parallel and through the cache.

A file's outcome (its cards, their HTML and every diagnostic) depends only on the file's text,
its path, its media root, its note format and ankigen's rendering code, so it is computed in a
worker process and cached under a hash of exactly those; and on how its local images resolve,
which the outcome records and which is checked again before it is reused.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ankigen.cache import OutcomeCache, renderer_fingerprint
from ankigen.identity import question_key
from ankigen.model import Card, Diagnostic, RenderedCard
from ankigen.parsers import FORMATS, PARSERS
from ankigen.sources import detect_format

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from ankigen.render import Renderer

PARALLEL_MIN_CHARS = 50_000
"""Below this much text to process, starting worker processes costs more than it saves."""
CACHE_BATCH_BYTES = 8_000_000
"""New cache entries are written in batches of about this size, so they are not all held at once."""
IN_FLIGHT_PER_WORKER = 3
"""Files read ahead per worker: enough to keep it busy, few enough to bound memory."""


@dataclass(frozen=True)
class FileJob:
    """One decoded source to process: ``note_format`` is ``auto`` or a parser name."""

    path: str
    text: str
    root: Path
    note_format: str = "auto"
    previous: FileOutcome | None = field(default=None, compare=False)
    """The outcome of an earlier version of this file: cards it still has are not rendered again."""

    def key(self) -> str:
        """The cache key: a hash of everything the outcome depends on."""
        parts = (renderer_fingerprint(), self.path, str(self.root), self.note_format, self.text)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


J = TypeVar("J", bound=FileJob)
"""A job type: ``FileJob`` or a subclass carrying what its caller needs back with the outcome."""


@dataclass
class FileOutcome:
    """What one source gives: cards (with ``key`` set), their HTML, title, skips and diagnostics,
    and the deck its front matter names and its ``reverse`` (``None``: not set)."""

    cards: list[Card] = field(default_factory=list)
    rendered: list[RenderedCard] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    title: str | None = None
    skipped: int = 0
    deck: str | None = None
    reverse: bool | None = None


_renderer: Renderer | None = None  # this process's, made on first use


def _this_process_renderer() -> Renderer:
    """This process's renderer, made (and the renderer imported) on first use."""
    global _renderer
    if _renderer is None:
        from ankigen.render import Renderer  # imported only when something is rendered

        _renderer = Renderer()
    return _renderer


def _load_processing() -> None:
    """Make this process's renderer and import every parser and check :func:`process_file` uses
    (each is otherwise imported when first needed: a build whose files all come from the cache
    needs none of them)."""
    from ankigen import hashtags, lint, vault  # noqa: F401

    _this_process_renderer()
    for fmt in FORMATS:
        PARSERS[fmt]


def process_file(job: FileJob) -> FileOutcome:
    """Parse, lint and render one source with this process's reusable renderer.

    Its front matter and comments are taken out before parsing; ``#tag`` words leave the parsed
    cards' text and join the front matter's tags as the cards' tags."""
    from ankigen import hashtags, lint  # imported on the first file not in the cache
    from ankigen.vault import prepare

    renderer = _this_process_renderer()
    prepared = prepare(job.text, job.path)
    settings = prepared.front_matter
    fmt = job.note_format if job.note_format != "auto" else settings.format or "auto"
    fmt = detect_format(prepared.text) if fmt == "auto" else fmt
    result = PARSERS[fmt](prepared.text, job.path)
    diagnostics = prepared.diagnostics + result.diagnostics
    title, title_tags = hashtags.split_title(result.title)
    cards = []
    for parsed in result.cards:
        card, problems = hashtags.take_tags(parsed, title_tags)
        diagnostics.extend(problems)
        tags = tuple(dict.fromkeys((*settings.tags, *card.tags)))
        cards.append(replace(card, key=question_key(card.front), tags=tags))
    diagnostics += lint.lint_cards(cards, prepared.text)
    reusable = _reusable(job.previous, job.root)
    rendered = [_reuse(card, reusable) or renderer.render(card, job.root) for card in cards]
    for html in rendered:
        diagnostics.extend(html.diagnostics)
    return FileOutcome(cards, rendered, diagnostics, title, result.skipped, settings.deck, settings.reverse)


def _signature(card: Card) -> tuple[object, ...]:
    """All a card's rendering depends on, apart from where in its file it sits."""
    return (card.markup, card.front, card.back, card.context, card.back_line - card.line)


def _reusable(previous: FileOutcome | None, root: Path) -> dict[tuple[object, ...], tuple[int, RenderedCard]]:
    """The earlier renderings that still hold: no media, and every image they name unchanged."""
    if previous is None or not _images_unchanged(previous, root):
        return {}
    pairs = zip(previous.cards, previous.rendered, strict=True)
    return {_signature(card): (card.line, html) for card, html in pairs if not html.media}


def _images_unchanged(outcome: FileOutcome, root: Path) -> bool:
    """Whether every local image the outcome's HTML depends on still resolves as it did (its
    existence and where a link points are part of what a cached outcome was made from)."""
    named = [(card, html.images) for card, html in zip(outcome.cards, outcome.rendered, strict=True)]
    if not any(images for _, images in named):
        return True
    from ankigen.render.media import images_unchanged  # imports the renderer: only when needed

    return all(images_unchanged(images, Path(card.source).parent, root) for card, images in named)


def _reuse(card: Card, reusable: dict[tuple[object, ...], tuple[int, RenderedCard]]) -> RenderedCard | None:
    """The earlier rendering of an unchanged card, its diagnostics moved to the card's new line."""
    found = reusable.get(_signature(card))
    if found is None:
        return None
    line, html = found
    moved = tuple(replace(d, line=d.line + card.line - line) for d in html.diagnostics)
    return replace(html, diagnostics=moved)


def process_all(
    jobs: Iterable[J],
    workers: int = 1,
    cache: OutcomeCache | None = None,
    progress: Callable[[int], None] | None = None,
) -> Generator[tuple[J, FileOutcome], None, None]:
    """Process ``jobs`` as they come and yield each with its outcome, in order.

    Cached outcomes come from ``cache``; the rest are computed in this process until there is
    enough work to be worth ``workers`` worker processes. ``progress`` is told how many
    characters of source are done. Outcomes are yielded as soon as they are ready in order,
    so only the files in flight are held in memory.
    """
    report = progress or (lambda done: None)
    pool = _LazyPool(workers)
    pending: deque[tuple[J, _Entry]] = deque()
    fresh: list[tuple[str, str, str, bytes]] = []
    done = 0

    def finish(item: tuple[J, _Entry]) -> tuple[J, FileOutcome]:
        nonlocal done
        job, entry = item
        outcome = entry.work if isinstance(entry.work, FileOutcome) else entry.work.result()
        value = (
            _encode(outcome)
            if cache and entry.computed and not any(h.media for h in outcome.rendered)
            else None
        )
        if cache and value is not None:
            fresh.append((entry.key, entry.path, entry.root, value))
            if sum(len(item[-1]) for item in fresh) > CACHE_BATCH_BYTES:
                cache.put_many(fresh)
                fresh.clear()
        done += entry.size
        report(done)
        return job, outcome

    try:
        for job in jobs:
            key = job.key() if cache else ""
            cached = _decode(cache.get(key)) if cache else None
            if cached is not None and not _images_unchanged(cached, job.root):
                cached = None
            sent = job
            if cache and cached is None:
                sent = replace(job, previous=_decode(cache.latest(job.path, str(job.root))))
            work = cached if cached is not None else pool.run(sent)
            pending.append((job, _Entry(key, job.path, str(job.root), len(job.text), work, cached is None)))
            # Hand over what is ready; read no further ahead than keeps the workers busy.
            while pending and (
                not _running(pending[0][1].work) or len(pending) > IN_FLIGHT_PER_WORKER * workers
            ):
                yield finish(pending.popleft())
        while pending:
            yield finish(pending.popleft())
    except BaseException:  # Ctrl-C, SIGTERM or the caller closing the generator early: stop at once
        pool.shutdown(abort=True)
        raise
    finally:
        pool.shutdown()
        if cache and fresh:
            cache.put_many(fresh)


@dataclass
class _Entry:
    """A job in flight: its cache key, its size, its outcome (or future one), whether computed."""

    key: str
    path: str
    root: str
    size: int
    work: FileOutcome | Future[FileOutcome]
    computed: bool


def _running(work: FileOutcome | Future[FileOutcome]) -> bool:
    return not isinstance(work, FileOutcome) and not work.done()


class _LazyPool:
    """Runs jobs in this process until there is enough new text to be worth starting workers."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.seen = 0
        self.executor: ProcessPoolExecutor | None = None

    def run(self, job: FileJob) -> FileOutcome | Future[FileOutcome]:
        """The outcome of ``job`` now, or a future of it from a worker process."""
        if self.executor is None:
            # An edited file reuses most of its earlier outcome: cheap, and a warm rebuild's usual case.
            self.seen += 0 if job.previous else len(job.text)
            if self.workers <= 1 or self.seen < PARALLEL_MIN_CHARS:
                return process_file(job)
            _load_processing()  # once here, so forked workers start with it
            from concurrent.futures import ProcessPoolExecutor

            self.executor = ProcessPoolExecutor(
                self.workers, initializer=_start_worker, initargs=(os.getpid(),)
            )
        return self.executor.submit(process_file, job)

    def shutdown(self, abort: bool = False) -> None:
        """Stop the workers, cancelling what has not started; with ``abort``, also what is running
        (the workers are terminated, so a second Ctrl-C has nothing to wait for)."""
        if self.executor is None:
            return
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if abort and main else None
        try:  # a second Ctrl-C while the workers stop would leave them running, and exit would wait
            if abort:
                # ProcessPoolExecutor has no public way to stop running work before Python 3.14.
                for process in list(getattr(self.executor, "_processes", {}).values()):
                    process.terminate()
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)


def _start_worker(parent: int) -> None:
    """A worker ignores Ctrl-C (the parent stops the pool), dies at once on SIGTERM (not through
    a handler it may have inherited) and exits when its parent is gone, even killed by SIGKILL,
    instead of running on as an orphan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def default_workers() -> int:
    """One worker per available core."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


_CARD_FIELDS = tuple(f.name for f in fields(Card))
_DIAGNOSTIC_FIELDS = tuple(f.name for f in fields(Diagnostic))
_FORMAT = "ankigen outcome 2"


def _diagnostics(found: Iterable[Diagnostic]) -> tuple[tuple[str | int | None, ...], ...]:
    return tuple(tuple(getattr(d, name) for name in _DIAGNOSTIC_FIELDS) for d in found)


def _encode(outcome: FileOutcome) -> bytes | None:
    """The outcome as :mod:`marshal` data of plain tuples, in the fields' order (a third of the
    time of JSON objects to read back: a warm build reads every unchanged file's); ``None`` when
    it holds something else than strings, numbers and tuples (it is not cached)."""
    data = (
        _FORMAT,
        renderer_fingerprint(),
        tuple(tuple(getattr(card, name) for name in _CARD_FIELDS) for card in outcome.cards),
        tuple(
            (r.front_html, r.back_html, r.context_html, _diagnostics(r.diagnostics), r.images)
            for r in outcome.rendered
        ),
        _diagnostics(outcome.diagnostics),
        outcome.title,
        outcome.skipped,
        outcome.deck,
        outcome.reverse,
    )
    try:
        return marshal.dumps(data)
    except ValueError:  # a library's subclass of str (or int) in it, which marshal refuses
        pass
    try:
        return marshal.dumps(_plain(data))
    except ValueError:
        return None


_Plain = str | int | float | None | tuple["_Plain", ...]


def _plain(value: object) -> _Plain:
    """``value`` with every string and number made a plain ``str`` or ``int`` (tuples and lists
    walked); a ``ValueError`` for anything else."""
    if isinstance(value, (tuple, list)):
        return tuple(_plain(item) for item in value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if value is None or isinstance(value, (bool, float)):
        return value
    raise ValueError(f"a {type(value).__name__} cannot be cached")


def _decode(value: bytes | None) -> FileOutcome | None:
    """A cached outcome, or None when there is none, it does not decode as one, or another
    renderer (an older ankigen or library version) made it: its HTML may not be reused."""
    if value is None:
        return None
    try:
        data = marshal.loads(value)
        if not isinstance(data, tuple) or data[:2] != (_FORMAT, renderer_fingerprint()):
            return None
        _, _, cards, rendered, diagnostics, title, skipped, deck, reverse = data
        if len(rendered) != len(cards):
            return None
        return FileOutcome(
            [Card(*card) for card in cards],
            [
                RenderedCard(front, back, context, (), tuple(Diagnostic(*d) for d in found), images)
                for front, back, context, found, images in rendered
            ],
            [Diagnostic(*d) for d in diagnostics],
            title,
            int(skipped),
            deck,
            reverse,
        )
    except (ValueError, EOFError, TypeError):
        return None
