"""ankigen.deflate: blocks deflated on their own, in threads, joined into one deflate stream."""

from __future__ import annotations

import random
import zlib

import pytest

from ankigen import deflate


def _data(size: int) -> bytes:
    rng = random.Random(3)
    text = " ".join(rng.choice(["tensor", "ReLU", "gradient", "x = 1", "é", "\n"]) for _ in range(size // 4))
    noise = rng.randbytes(size // 8)
    return (text.encode("utf-8") + noise)[:size]


def _run(data: bytes, workers: int, piece: int) -> bytes:
    compressor = deflate.ParallelDeflate(1, workers)
    out = b"".join(compressor.compress(data[i : i + piece]) for i in range(0, len(data), piece))
    return out + compressor.flush()


@pytest.mark.parametrize("size", [0, 1, 1000, deflate.BLOCK, deflate.BLOCK + 1, int(3.5 * deflate.BLOCK)])
def test_the_stream_inflates_to_the_data_whatever_the_workers_and_pieces(size: int) -> None:
    data = _data(size)
    outputs = {_run(data, workers, piece) for workers in (1, 2, 4) for piece in (1 << 20, 4096, 777_777)}
    assert len(outputs) == 1  # the bytes depend on the data alone
    (out,) = outputs
    assert zlib.decompress(out, -15) == data
    whole = zlib.decompressobj(-15)
    assert whole.decompress(out) == data and whole.eof and not whole.unused_data  # one complete stream


def test_it_compresses_about_as_well_as_one_stream() -> None:
    data = _data(4 * deflate.BLOCK)
    assert len(_run(data, 2, 1 << 20)) < 1.01 * len(zlib.compress(data, 1, wbits=-15))
