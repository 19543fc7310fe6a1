"""Run one command and measure it like a user's run: wall, CPU of the process tree, memory, load.

The wall is from start to exit (interpreter start-up and imports included). CPU seconds are user +
system time of the process and every descendant it waited for (``wait4``: ankigen's worker
processes included). A sampler thread sums ``VmRSS`` and ``Pss`` over the process and all its
descendants every 50 ms; the peak RSS is the maximum of that sum and the process's own ``VmHWM``
(its high-water mark, exact for one process). Not ``ru_maxrss``: on Linux a child's counts the
memory of the parent it was forked from (this benchmark's). The load is the 1-minute load average
when the run started.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Run:
    """One measured process: wall and CPU seconds, peak RSS and PSS (MB), load at start, stdout."""

    wall: float
    cpu: float
    rss_mb: float
    pss_mb: float
    load: float
    stdout: str


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def _status_kb(pid: int, key: str) -> int:
    """One ``kB`` figure of ``/proc/PID/status`` (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next((int(line.split()[1]) for line in handle if line.startswith(key)), 0)
    except (OSError, ValueError):
        return 0


def _memory_kb(pid: int) -> tuple[int, int]:
    """``(VmRSS, Pss)`` of one process in kB (0 when it is gone)."""
    rss, pss = _status_kb(pid, "VmRSS:"), 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            pss = next((int(line.split()[1]) for line in handle if line.startswith("Pss:")), 0)
    except (OSError, ValueError):
        pass
    return rss, pss


def tree_memory_kb(pid: int) -> tuple[int, int]:
    """The summed VmRSS and Pss of ``pid`` and all its descendants, in kB."""
    rss = pss = 0
    todo, seen = [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        one_rss, one_pss = _memory_kb(current)
        rss, pss = rss + one_rss, pss + one_pss
        todo.extend(_children(current))
    return rss, pss


def run(cmd: list[str], cwd: Path, label: str) -> Run:
    """Run ``cmd`` in ``cwd`` and measure it; a failing command stops the benchmark with its output."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        peak = peak_pss = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_pss
            while not done.is_set():
                rss, pss = tree_memory_kb(proc.pid)
                peak, peak_pss = max(peak, rss, _status_kb(proc.pid, "VmHWM:")), max(peak_pss, pss)
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed (exit {proc.returncode}):\n{stdout}\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, peak / 1024, peak_pss / 1024, load, stdout)
