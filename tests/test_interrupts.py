"""Real builds interrupted, terminated and killed (issue 16, item 9): no hang, no worker left
running, no temporary file left for ever, and never a concurrent build's file removed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ankigen import package
from ankigen.notetype import RELEASE_EPOCH

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _corpus(folder: Path, files: int = 24, cards: int = 300) -> Path:
    """Enough notes for worker processes and a build of several seconds, one deck per file."""
    folder.mkdir()
    for i in range(files):
        body = "".join(
            f"## Question {i}-{j}?\n\nAnswer with `code`, $x_{{{j}}}$ and **bold** text.\n\n"
            for j in range(cards)
        )
        (folder / f"n{i:02}.md").write_text(f"# Deck {i}\n\n{body}", encoding="utf-8")
    return folder


def _processes(marker: str) -> list[int]:
    """Live (not zombie) processes whose command line names ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(entry))
    return found


def _wait_until(condition: Callable[[], bool], seconds: float = 60) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _temporaries(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob(".ankigen-*")) if out.exists() else []


def _start_build(notes: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ankigen", "build", str(notes), "-o", str(out), "-j", "2", "--no-cache"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    return _corpus(tmp_path / "notes")


def _build_with_workers(notes: Path, out: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """A build that is writing decks, with its worker processes."""
    before = set(_temporaries(out))
    build = _start_build(notes, out)
    assert _wait_until(lambda: len(_processes(str(notes))) >= 3), "no workers started"
    assert _wait_until(lambda: bool(set(_temporaries(out)) - before)), "no deck being written"
    return build, [pid for pid in _processes(str(notes)) if pid != build.pid]


def _stop(build: subprocess.Popen[str], workers: list[int]) -> None:
    """Kill what a failed test leaves (only the processes this test started)."""
    for pid in [build.pid, *workers]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    build.wait()


@pytest.mark.parametrize("signals", [(signal.SIGINT, signal.SIGINT)])
def test_ctrl_c_twice_stops_the_build_and_its_workers(
    notes: Path, tmp_path: Path, signals: tuple[signal.Signals, ...]
) -> None:
    out = tmp_path / "out"
    build, workers = _build_with_workers(notes, out)
    try:
        for sig in signals:
            build.send_signal(sig)
            time.sleep(0.1)
        build.wait(timeout=60)  # it hung here for ever
        assert build.returncode in (130, -signal.SIGINT), build.returncode
        assert "Traceback" not in build.stderr.read()
        assert _wait_until(lambda: not _processes(str(notes)), 10), "workers left running"
        assert _temporaries(out) == [] and not list(out.glob("*.apkg"))
    finally:
        _stop(build, workers)


def test_sigterm_stops_the_build_and_its_workers_and_removes_its_files(notes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build, workers = _build_with_workers(notes, out)
    try:
        build.terminate()
        build.wait(timeout=60)
        assert build.returncode == 143
        assert "terminated; no partial deck was written" in build.stderr.read()
        assert _wait_until(lambda: not _processes(str(notes)), 10), "workers left running"
        assert _temporaries(out) == []
    finally:
        _stop(build, workers)


def test_after_sigkill_workers_exit_and_the_next_build_removes_only_stale_files(
    notes: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build, workers = _build_with_workers(notes, out)
    try:
        build.kill()
        build.wait()
        assert _wait_until(lambda: not _processes(str(notes)), 10), "workers left running with parent 1"
        stale = _temporaries(out)
        assert stale
        # a build still running (stopped here, so it holds its files while the next one runs)
        other_notes = _corpus(tmp_path / "other", files=3, cards=400)
        running, running_workers = _build_with_workers(other_notes, out)
        os.kill(running.pid, signal.SIGSTOP)
        theirs = set(_temporaries(out)) - set(stale)
        assert theirs
        small = tmp_path / "small"
        small.mkdir()
        (small / "a.txt").write_text("Q: one?\nA: two\n", encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "ankigen", "build", str(small), "-o", str(out)],
            capture_output=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        left = set(_temporaries(out))
        assert not left & set(stale), "a killed build's files stayed"
        assert theirs <= left, "a running build's files were removed"
        os.kill(running.pid, signal.SIGCONT)
        assert running.wait(timeout=120) == 0, running.stderr.read()
        assert len(list(out.glob("Deck-*.apkg"))) == 3 and _temporaries(out) == []
    finally:
        _stop(build, workers)
        if "running" in locals():
            _stop(running, running_workers)


def test_files_of_a_writer_that_is_still_open_are_never_stale(tmp_path: Path) -> None:
    writer = package.DeckWriter(tmp_path, "Deck", "")
    dead = tmp_path / ".ankigen-dead1234.sqlite"
    dead.write_bytes(b"left by a killed build")
    (tmp_path / ".ankigen-dead1234.sqlite-journal").write_bytes(b"")
    (tmp_path / ".ankigen-gone5678.apkg").write_bytes(b"zip of a build killed while zipping")
    package.remove_stale_files(tmp_path)
    assert _temporaries(tmp_path) == [writer.db_path.name]
    writer.finish(tmp_path / "Deck.apkg", RELEASE_EPOCH)
    assert _temporaries(tmp_path) == []
