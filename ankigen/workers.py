"""Render many cards: from the cache where possible, the rest in parallel worker processes."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ankigen.cache import RenderCache, card_key
from ankigen.model import Card
from ankigen.render import RenderedCard, Renderer

PARALLEL_THRESHOLD = 400
"""Below this many cards to render, worker start-up costs more than it saves."""

Item = tuple[Card, Path]
_renderer: Renderer | None = None


def default_jobs() -> int:
    """One worker per available core."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def render_all(
    items: Sequence[Item],
    jobs: int = 1,
    cache: RenderCache | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[RenderedCard]:
    """Render ``(card, media root)`` pairs in order; ``progress`` is told how many cards are done."""
    report = progress or (lambda done: None)
    keys = [card_key(card, root) for card, root in items] if cache else []
    cached = cache.get_many(keys) if cache else {}
    results: list[RenderedCard | None] = [cached.get(key) for key in keys] if cache else [None] * len(items)
    todo = [i for i, result in enumerate(results) if result is None]
    report(len(items) - len(todo))
    for indices, rendered in _render_missing(items, todo, jobs):
        for index, card in zip(indices, rendered, strict=True):
            results[index] = card
        report(len(indices))
    if cache:
        cache.put_many((keys[i], results[i]) for i in todo)  # type: ignore[misc]
    return [result for result in results if result is not None]


def _render_missing(
    items: Sequence[Item], todo: list[int], jobs: int
) -> Iterator[tuple[list[int], list[RenderedCard]]]:
    """Yield ``(indices, rendered)`` batches, in order, from this process or a worker pool."""
    parallel = jobs > 1 and len(todo) >= PARALLEL_THRESHOLD
    size = max(16, len(todo) // (jobs * 8)) if parallel else 64
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    payloads = ([items[i] for i in chunk] for chunk in chunks)
    if not parallel:
        yield from zip(chunks, map(render_chunk, payloads), strict=True)
        return
    executor = ProcessPoolExecutor(jobs, initializer=_ignore_interrupts)
    try:
        yield from zip(chunks, executor.map(render_chunk, payloads), strict=True)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def render_chunk(items: list[Item]) -> list[RenderedCard]:
    """Render a batch with this process's reusable renderer."""
    global _renderer
    if _renderer is None:
        _renderer = Renderer()
    return [_renderer.render(card, root) for card, root in items]


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which cancels the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
