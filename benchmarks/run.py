"""Benchmark ankigen against a naive pipeline and genanki's packaging alone, on a synthetic corpus.

``python benchmarks/run.py [--sizes 1000,10000]`` generates a corpus per size (see ``corpus.py``)
and times, each in a fresh subprocess whose process tree is sampled for peak RSS:

1. ``naive``: the issue's naive one-process pipeline (split, ``markdown.markdown`` per card, genanki);
2. ``ankigen cold``: ``ankigen build --deck Bench`` with an empty ``--cache-dir``, all cores;
3. ``genanki packaging``: genanki writing the very notes ankigen wrote (pre-rendered HTML);
4. ``ankigen warm``: one file edited (a line inserted), same cache folder;
5. ``ankigen --jobs 1 --no-cache`` on the edited corpus;
6. ``ankigen warm, unchanged``: the edit reverted (content and mtime), same cache folder.

It prints a table, the ratios the issue's goals name, the ``.apkg`` sizes, and whether the decks
that must be byte-identical are (warm == ``--jobs 1``; cold == warm-unchanged).
"""

from __future__ import annotations

import argparse
import filecmp
import html
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

HEADER = (
    f"{'scenario':<28} {'cards':>7} {'seconds':>8} {'cards/s':>8} "
    f"{'peak RSS MB':>11} {'PSS MB':>7} {'CPU s':>7}"
)
SAMPLE_SECONDS = 0.05
DECK = "Bench"
NAIVE_EXTENSIONS = ["fenced_code", "tables", "codehilite"]


@dataclass
class Measurement:
    """One timed subprocess: wall seconds and peak RSS (MB) of its whole process tree."""

    scenario: str
    cards: int
    seconds: float
    peak_rss_mb: float
    apkg: Path
    cpu_seconds: float = 0.0
    peak_pss_mb: float = 0.0

    def row(self) -> str:
        """The table row."""
        rate = self.cards / self.seconds if self.seconds else 0.0
        return (
            f"{self.scenario:<28} {self.cards:>7} {self.seconds:>8.2f} {rate:>8.0f} "
            f"{self.peak_rss_mb:>11.1f} {self.peak_pss_mb:>7.1f} {self.cpu_seconds:>7.2f}"
        )


# ---- measuring ----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """``(VmRSS, Pss)`` of one process in kB (0 when it is gone)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            rss = next((int(line.split()[1]) for line in handle if line.startswith("VmRSS:")), 0)
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


def measure(
    scenario: str, cmd: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, float, float, str]:
    """Run ``cmd``; return (wall seconds, peak RSS and PSS MB of the process tree, CPU seconds, stdout).

    A sampler thread sums VmRSS (and Pss) over the process tree every 50 ms; the RSS result is the
    maximum of that and the kernel's ``ru_maxrss`` for the process (exact for single-process runs).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env=env)
        peak = peak_pss = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_pss
            while not done.is_set():
                rss, pss = tree_memory_kb(proc.pid)
                peak, peak_pss = max(peak, rss), max(peak_pss, pss)
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{scenario} failed (exit {proc.returncode}):\n{stdout}\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, max(peak, usage.ru_maxrss) / 1024, peak_pss / 1024, cpu, stdout


def _cards_from(stdout: str) -> int:
    found = re.search(r"— (\d+) cards?", stdout) or re.search(r"^(\d+) cards", stdout, re.MULTILINE)
    if not found:
        raise SystemExit(f"no card count in output:\n{stdout}")
    return int(found.group(1))


# ---- the baselines (run in their own subprocess via the hidden `_naive` / `_package` commands) ---


def naive_cards(path: Path) -> list[tuple[str, str]]:
    """The simplest split per format: ``## `` headings, ``Q:``/``A:`` lines, ``---`` separators."""
    text = path.read_text(encoding="utf-8")
    if "_qa." in path.name:
        chunks = re.split(r"^Q: ", text, flags=re.MULTILINE)[1:]
        return [(q.strip(), a) for q, _, a in (chunk.partition("\nA: ") for chunk in chunks)]
    if "_questionnaire." in path.name:
        parts = re.split(r"^---$", text, flags=re.MULTILINE)[1:]
        return [(parts[i].strip(), parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
    chunks = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return [(q.strip(), a) for q, _, a in (chunk.partition("\n") for chunk in chunks)]


def _genanki_model(fields: list[str]):  # type: ignore[no-untyped-def]
    import genanki

    return genanki.Model(
        1_607_392_319,
        "Bench",
        fields=[{"name": name} for name in fields],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
    )


def run_naive(corpus_dir: Path, out: Path) -> None:
    """The issue's naive pipeline: a new Markdown converter per card, one genanki package."""
    import genanki
    import markdown

    model = _genanki_model(["Front", "Back"])
    deck = genanki.Deck(2_059_400_110, DECK)
    for path in sorted(corpus_dir.glob("notes_*")):
        for question, answer in naive_cards(path):
            back = markdown.markdown(answer, extensions=NAIVE_EXTENSIONS)
            deck.add_note(genanki.Note(model=model, fields=[html.escape(question), back]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        genanki.Package(deck).write_to_file(out)
    print(f"{len(deck.notes)} cards")


def run_package(notes_file: Path, out: Path) -> None:
    """genanki alone: package notes whose HTML is already rendered (one JSON array per line)."""
    import genanki

    model = _genanki_model(["Front", "Back", "Context", "Source"])
    deck = genanki.Deck(2_059_400_110, DECK)
    with notes_file.open(encoding="utf-8") as lines:
        for line in lines:
            guid, fields, tags = json.loads(line)
            deck.add_note(genanki.Note(model=model, fields=fields, tags=tags, guid=guid))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        genanki.Package(deck).write_to_file(out)
    print(f"{len(deck.notes)} cards")


def export_notes(apkg: Path, notes_file: Path) -> int:
    """Write the notes of ``apkg`` (GUID, fields, tags) as JSON lines; return how many."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(apkg) as archive:
            archive.extract("collection.anki2", tmp)
        conn = sqlite3.connect(Path(tmp) / "collection.anki2")
        count = 0
        with notes_file.open("w", encoding="utf-8") as out:
            for guid, flds, tags in conn.execute("SELECT guid, flds, tags FROM notes ORDER BY id"):
                out.write(json.dumps([guid, flds.split("\x1f"), tags.split()], ensure_ascii=False) + "\n")
                count += 1
        conn.close()
    return count


# ---- one size -----------------------------------------------------------------------------------


def _ankigen(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "ankigen", "build", *map(str, args)]


def bench_size(cards: int, seed: int, work: Path, repeat: int = 1) -> list[str]:
    """Run every scenario at one corpus size; return the report lines.

    With ``repeat`` > 1 each scenario runs that many times (from the same starting state: a fresh
    cache for cold builds, a copy of the cold cache for warm ones) and keeps the fastest time and
    the highest peak RSS.
    """
    src = work / "corpus"
    files = corpus.generate(src, cards, seed)
    generated = sum(f.cards for f in files)
    results: dict[str, Measurement] = {}

    def run(
        key: str,
        scenario: str,
        cmd: Callable[[int], list[str]],
        apkg: Path,
        prepare: Callable[[int], None] = _nothing,
    ) -> None:
        best: Measurement | None = None
        for rep in range(repeat):
            prepare(rep)
            seconds, rss, pss, cpu, stdout = measure(scenario, cmd(rep), work)
            found = Measurement(scenario, _cards_from(stdout), seconds, rss, apkg, cpu, pss)
            if best is not None:
                if best.seconds < found.seconds:
                    found.seconds, found.cpu_seconds = best.seconds, best.cpu_seconds
                found.peak_rss_mb = max(found.peak_rss_mb, best.peak_rss_mb)
                found.peak_pss_mb = max(found.peak_pss_mb, best.peak_pss_mb)
            best = found
        assert best is not None
        results[key] = best
        print(best.row(), flush=True)

    def build(out: str, *options: str | Path) -> Callable[[int], list[str]]:
        return lambda rep: _ankigen(src, "-o", work / out, "--deck", DECK, *options)

    print(f"\n## {generated} cards in {len(files)} files", flush=True)
    print(HEADER)
    print("-" * len(HEADER), flush=True)
    naive_apkg, pkg_apkg, notes_file = work / "naive.apkg", work / "genanki.apkg", work / "notes.jsonl"
    naive_cmd = [sys.executable, __file__, "_naive", str(src), str(naive_apkg)]
    run("naive", "naive (1 process)", lambda rep: naive_cmd, naive_apkg)
    cold_cache = work / "cache-cold"
    run(
        "cold",
        "ankigen cold",
        lambda rep: _ankigen(src, "-o", work / "cold", "--deck", DECK, "--cache-dir", cold_cache / str(rep)),
        work / "cold" / f"{DECK}.apkg",
    )
    export_notes(work / "cold" / f"{DECK}.apkg", notes_file)
    package_cmd = [sys.executable, __file__, "_package", str(notes_file), str(pkg_apkg)]
    run("package", "genanki packaging only", lambda rep: package_cmd, pkg_apkg)

    target = sorted(src.glob("notes_*"))[0]
    before, original = target.stat(), target.read_bytes()
    warm_cache = work / "cache-warm"

    def restore() -> None:
        target.write_bytes(original)
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))

    def edit(rep: int) -> None:
        restore()
        shutil.rmtree(warm_cache, ignore_errors=True)
        shutil.copytree(cold_cache / str(repeat - 1), warm_cache)
        corpus.edit_one_file(src)

    run(
        "warm",
        "ankigen warm (1 file edited)",
        build("warm", "--cache-dir", warm_cache),
        work / "warm" / f"{DECK}.apkg",
        edit,
    )
    run(
        "jobs1",
        "ankigen --jobs 1 --no-cache",
        build("jobs1", "--jobs", "1", "--no-cache"),
        work / "jobs1" / f"{DECK}.apkg",
    )
    restore()
    run(
        "unchanged",
        "ankigen warm (unchanged)",
        build("again", "--cache-dir", warm_cache),
        work / "again" / f"{DECK}.apkg",
    )
    return _summary(results, generated)


def _nothing(rep: int) -> None:
    pass


def _summary(r: dict[str, Measurement], generated: int) -> list[str]:
    def rate(m: Measurement) -> float:
        return m.cards / m.seconds

    def rss(key: str) -> float:
        return r[key].peak_rss_mb / r["package"].peak_rss_mb

    def pss(key: str) -> float:
        return r[key].peak_pss_mb / r["package"].peak_pss_mb

    same_counts = {m.cards for m in r.values()} == {generated}
    lines = [
        "",
        f"cards: generated {generated}; every scenario packaged the same number: {_yes(same_counts)}",
        f"cold vs naive throughput:          {rate(r['cold']) / rate(r['naive']):5.2f}x  (goal >= 1.8x)",
        f"warm vs genanki packaging time:    {r['warm'].seconds / r['package'].seconds:5.2f}x  (goal <= 3x)",
        f"peak RSS cold vs genanki's:        {rss('cold'):5.2f}x  (goal <= 1.5x)",
        f"peak PSS cold vs genanki's:        {pss('cold'):5.2f}x  (shared pages counted once)",
        f"peak RSS warm vs genanki's:        {rss('warm'):5.2f}x",
        f"peak RSS --jobs 1 vs genanki's:    {rss('jobs1'):5.2f}x",
        f"--jobs 1 vs cold (all cores) time: {r['jobs1'].seconds / r['cold'].seconds:5.2f}x",
    ]
    sizes = {key: r[key].apkg.stat().st_size for key in ("cold", "package", "naive")}
    lines.append(
        f".apkg size: ankigen (deflated) {sizes['cold'] / 1e6:.2f} MB; genanki, same notes "
        f"{sizes['package'] / 1e6:.2f} MB ({sizes['package'] / sizes['cold']:.1f}x); "
        f"naive genanki {sizes['naive'] / 1e6:.2f} MB"
    )
    same_warm = _same(r["warm"].apkg, r["jobs1"].apkg)
    same_cold = _same(r["cold"].apkg, r["unchanged"].apkg)
    lines.append(f"byte-identical: warm (edited) == --jobs 1 --no-cache (edited): {_yes(same_warm)}")
    lines.append(f"byte-identical: cold == warm (edit reverted):                 {_yes(same_cold)}")
    return lines


def _same(a: Path, b: Path) -> bool:
    return filecmp.cmp(a, b, shallow=False)


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status (1 when a byte-identity or card-count check fails)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_naive"]:
        run_naive(Path(argv[1]), Path(argv[2]))
        return 0
    if argv[:1] == ["_package"]:
        run_package(Path(argv[1]), Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated card counts [1000,10000]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario; the fastest counts [1]")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    failed = False
    for size in sizes:
        if args.keep:
            work = args.keep / str(size)
            work.mkdir(parents=True, exist_ok=True)
            lines = bench_size(size, args.seed, work, args.repeat)
        else:
            with tempfile.TemporaryDirectory(prefix="ankigen-bench-") as tmp:
                lines = bench_size(size, args.seed, Path(tmp), args.repeat)
        print("\n".join(lines), flush=True)
        failed = failed or any(line.endswith("NO") for line in lines)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
