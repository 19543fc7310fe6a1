"""Deflating a deck's collection on every core, as pigz does, into the same kind of zip member.

The collection is deflated in fixed blocks (:data:`BLOCK` bytes), each on its own, in threads (zlib
works outside the interpreter lock). Each block's raw deflate data ends with a sync flush — a
non-final, byte-aligned boundary — so the blocks joined, and an empty final block after them, are one
valid deflate stream that any unzip reads. The bytes depend only on the data, the block size and the
level, never on the threads' timing: decks stay byte-identical from run to run and machine to machine.
Each block starts with an empty window, which costs a fraction of a percent of the size.
"""

from __future__ import annotations

import os
import zlib
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

BLOCK = 1 << 20
"""Bytes deflated on their own (a block of the collection as it is copied into the zip)."""
_FINAL_EMPTY_BLOCK = b"\x03\x00"
"""A final, empty, fixed-Huffman deflate block: the end of the stream."""


def deflate_block(data: bytes | memoryview, level: int) -> bytes:
    """``data`` as raw deflate blocks ending at a byte boundary (not the last of a stream)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


class ParallelDeflate:
    """A zip member's compressor (``compress`` / ``flush``, like ``zlib.compressobj``'s) that
    deflates each block of :data:`BLOCK` bytes it is given on its own, ``workers`` at a time."""

    def __init__(self, level: int, workers: int | None = None) -> None:
        self.level = level
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future[bytes] | bytes] = deque()
        self._buffer = bytearray()

    def compress(self, data: bytes | memoryview) -> bytes:
        """Take more data; return the deflated blocks finished so far, in order."""
        self._buffer += data
        while len(self._buffer) >= BLOCK:
            self._submit(bytes(self._buffer[:BLOCK]))
            del self._buffer[:BLOCK]
        done = bytearray()
        while self._pending and (_ready(self._pending[0]) or len(self._pending) > 2 * self.workers):
            done += _result(self._pending.popleft())
        return bytes(done)

    def flush(self) -> bytes:
        """The rest of the stream: every block still deflating, the last partial one, the end."""
        if self._buffer:
            self._submit(bytes(self._buffer))
            self._buffer.clear()
        rest = bytearray()
        while self._pending:
            rest += _result(self._pending.popleft())
        if self._pool is not None:
            self._pool.shutdown()
        return bytes(rest + _FINAL_EMPTY_BLOCK)

    def _submit(self, block: bytes) -> None:
        if self.workers == 1:
            self._pending.append(deflate_block(block, self.level))
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ankigen-deflate")
        self._pending.append(self._pool.submit(deflate_block, block, self.level))


def _ready(item: Future[bytes] | bytes) -> bool:
    return isinstance(item, bytes) or item.done()


def _result(item: Future[bytes] | bytes) -> bytes:
    return item if isinstance(item, bytes) else item.result()
