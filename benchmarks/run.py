"""Benchmark ankigen like its users run it, against a naive pipeline and genanki's packaging alone.

``python benchmarks/run.py [--sizes 1000,10000] [--rounds 3]`` generates a corpus per size
(``corpus.py``, calibrated on real notes) and runs every scenario once per round, each in a fresh
process measured by ``measure.py`` (wall, CPU of the process tree, peak memory, load average).
Scenarios that are compared run back to back as pairs, in alternating order from round to round;
each goal ratio is the median of the per-round ratios. It prints every run, a table of medians,
the issue's goals with ``ok``/``NO``, and whether the decks that must be byte-identical are
(sha256). The exit status is 1 when a deck differs or holds the wrong number of cards (goals only
print).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines  # noqa: E402
import corpus  # noqa: E402
import measure  # noqa: E402

DECK = baselines.DECK
SMALL_CARDS = 40
SOURCE_MTIME = 1_767_225_600  # 2026-01-01 UTC: every generated file's mtime, so decks are reproducible
EDITED_MTIME = SOURCE_MTIME + 3600  # the edited file's, in every round
BASELINES = Path(__file__).resolve().parent / "baselines.py"
LABELS = {
    "naive": "naive pipeline (1 process)",
    "cold": "ankigen cold",
    "nochange": "ankigen no change",
    "startup": "ankigen start-up (--version)",
    "package": "genanki packaging only",
    "warm": "ankigen warm (1 file edited)",
    "edited": "ankigen cold, edited corpus",
    "jobs1": "ankigen --jobs 1 --no-cache",
    "again": "ankigen cache, edit reverted",
    "small_first": "ankigen small, empty cache folder",
    "small": f"ankigen small ({SMALL_CARDS} cards, 1 file)",
}
HEADER = (
    f"{'scenario':<32} {'cards':>7} {'wall s':>7} {'CPU s':>7} {'load':>5} {'cards/s':>8} "
    f"{'RSS MB':>7} {'PSS MB':>7}"
)


@dataclass
class Bench:
    """One corpus size: its folders, and every run and deck hash by scenario."""

    work: Path
    runs: dict[str, list[measure.Run]] = field(default_factory=dict)
    hashes: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # cards per deck hash
    untouched: list[bool] = field(default_factory=list)  # did a no-change build leave the deck alone?
    said: str = ""  # what ankigen printed for a no-change build

    @property
    def src(self) -> Path:
        """The generated corpus."""
        return self.work / "corpus"

    def ankigen(self, key: str, args: list[str | Path], deck: Path | None = None) -> measure.Run:
        """Run ``ankigen ARGS``, record it under ``key`` and (if given) hash its deck."""
        cmd = [sys.executable, "-m", "ankigen", *map(str, args)]
        return self.record(key, cmd, deck)

    def record(self, key: str, cmd: list[str], deck: Path | None) -> measure.Run:
        """Run ``cmd``, print its row and keep it; hash and count ``deck`` when it wrote one."""
        found = measure.run(cmd, self.work, LABELS[key])
        self.runs.setdefault(key, []).append(found)
        cards = 0
        if deck is not None:
            digest = _sha256(deck)
            self.hashes.setdefault(key, []).append(digest)
            cards = self.counts.setdefault(digest, _deck_cards(deck))
        print(_row(LABELS[key], cards, found), flush=True)
        return found

    def build(self, key: str, sources: Path, out: Path, *options: str | Path) -> measure.Run:
        """``ankigen build SOURCES -o OUT --deck Bench OPTIONS``, recorded under ``key``."""
        return self.ankigen(
            key, ["build", sources, "-o", out, "--deck", DECK, *options], out / f"{DECK}.apkg"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:  # in chunks: this process's memory would count in its children's
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _deck_cards(apkg: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(apkg) as archive:
            archive.extract("collection.anki2", tmp)
        conn = sqlite3.connect(Path(tmp) / "collection.anki2")
        (count,) = conn.execute("SELECT count(*) FROM notes").fetchone()
        conn.close()
    return int(count)


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _row(label: str, cards: int, run: measure.Run) -> str:
    rate = f"{cards / run.wall:8.0f}" if cards else f"{'':>8}"
    return (
        f"{label:<32} {cards or '':>7} {run.wall:7.2f} {run.cpu:7.2f} {run.load:5.2f} {rate} "
        f"{run.rss_mb:7.1f} {run.pss_mb:7.1f}"
    )


# ---- one round --------------------------------------------------------------------------------------


def _pair(first: Callable[[], object], second: Callable[[], object], swap: bool) -> None:
    """Run two compared scenarios back to back, in either order."""
    for step in (second, first) if swap else (first, second):
        step()


def one_round(b: Bench, number: int, notes: Path) -> None:
    """Every scenario once: naive/cold, no change, start-up, packaging/warm, --jobs 1, cache round
    trip, small build (and, in the first round, a cold build of the edited corpus)."""
    work, src, swap = b.work, b.src, number % 2 == 1
    out, cache = work / "out", _fresh(work / "cache")
    shutil.rmtree(out, ignore_errors=True)
    deck = out / f"{DECK}.apkg"
    naive = [sys.executable, str(BASELINES), "naive", str(src), str(work / "naive.apkg")]
    _pair(
        lambda: b.record("naive", naive, work / "naive.apkg"),
        lambda: b.build("cold", src, out, "--cache-dir", cache),
        swap,
    )
    if number == 0:
        baselines.export_notes(deck, notes)
    before = deck.stat()
    said = b.build("nochange", src, out, "--cache-dir", cache).stdout
    after = deck.stat()
    b.untouched.append((before.st_mtime_ns, before.st_ino) == (after.st_mtime_ns, after.st_ino))
    b.said = b.said or next((line for line in said.splitlines() if DECK in line), said.strip())
    b.ankigen("startup", ["--version"])

    target = corpus.edit_target(src)
    original, stat = target.read_bytes(), target.stat()
    package = [sys.executable, str(BASELINES), "package", str(notes), str(work / "genanki.apkg")]

    def warm() -> None:
        os.utime(corpus.edit_one_file(src), (EDITED_MTIME, EDITED_MTIME))
        b.build("warm", src, out, "--cache-dir", cache)

    _pair(lambda: b.record("package", package, work / "genanki.apkg"), warm, swap)
    if number == 0:
        b.build("edited", src, _fresh(work / "edited"), "--cache-dir", _fresh(work / "cache-edited"))
    target.write_bytes(original)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    b.build("jobs1", src, _fresh(work / "jobs1"), "--jobs", "1", "--no-cache")
    b.build("again", src, _fresh(work / "again"), "--cache-dir", cache)
    small, small_cache = work / "small" / "notes.md", work / "small-cache"
    b.build("small_first", small, _fresh(work / "small-out"), "--cache-dir", _fresh(small_cache))
    # A user's cache folder: earlier builds of other files (their compiled regular expressions are
    # kept there), nothing of this file.
    shutil.rmtree(small_cache)
    shutil.copytree(work / "small-seed-cache", small_cache)
    b.build("small", small, _fresh(work / "small-out"), "--cache-dir", small_cache)


def seed_cache(work: Path, seed: int) -> None:
    """``work/small-seed-cache``: the cache folder of two earlier small builds of other files."""
    others, cache = _fresh(work / "small-others"), _fresh(work / "small-seed-cache")
    for n in (1, 2):
        path = others / f"other{n}.md"
        corpus.write_file(path, "markdown", SMALL_CARDS, seed + n)
        command = [sys.executable, "-m", "ankigen", "build", path, "-q", "-o", others / "out"]
        subprocess.run([*map(str, command), "--cache-dir", str(cache)], check=True)


def bench_size(cards: int, seed: int, work: Path, rounds: int) -> tuple[list[str], bool]:
    """Run ``rounds`` rounds at one corpus size; return the summary lines and whether the decks held."""
    b = Bench(work)
    files = corpus.generate(_fresh(b.src), cards, seed)
    corpus.write_file(_fresh(work / "small") / "notes.md", "markdown", SMALL_CARDS, seed)
    for path in [*b.src.iterdir(), work / "small" / "notes.md"]:
        os.utime(path, (SOURCE_MTIME, SOURCE_MTIME))
    seed_cache(work, seed)
    generated = sum(f.cards for f in files)
    print(f"\n## {generated} cards in {len(files)} files, {rounds} round(s)", flush=True)
    print(HEADER)
    print("-" * len(HEADER), flush=True)
    notes = work / "notes.jsonl"
    for number in range(rounds):
        print(f"round {number + 1}", flush=True)
        one_round(b, number, notes)
    return summarize(b, generated)


# ---- the summary ------------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _mark(ok: bool) -> str:
    return "ok" if ok else "NO"


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _goal(label: str, values: list[float], sense: str = "", limit: float = 0.0, unit: str = "x") -> str:
    """A line with the median of ``values`` and, when ``sense`` is given, the goal and ok/NO."""
    value = _median(values)
    verdict = ""
    if sense:
        ok = value >= limit if sense == ">=" else value <= limit
        verdict = f"(goal {sense} {limit}{unit})  {_mark(ok)}"
    rounds = " ".join(f"{v:.2f}" for v in values)
    return f"  {label:<56} {value:6.2f}{unit:<2} {verdict:<22} [{rounds}]"


def summarize(b: Bench, generated: int) -> tuple[list[str], bool]:
    """The table of medians, the goal lines and the byte-identity lines."""
    r, cores = b.runs, os.cpu_count() or 1
    lines = ["", f"medians over {len(r['cold'])} round(s) (RSS, PSS: the highest)", HEADER]
    for key, label in LABELS.items():
        runs = r[key]
        median = measure.Run(
            _median([x.wall for x in runs]),
            _median([x.cpu for x in runs]),
            max(x.rss_mb for x in runs),
            max(x.pss_mb for x in runs),
            _median([x.load for x in runs]),
            "",
        )
        cards = b.counts.get(b.hashes[key][0], 0) if key in b.hashes else 0
        lines.append(_row(label, cards, median))

    n = len(r["cold"])

    def per_round(value: Callable[[int], float]) -> list[float]:
        return [value(i) for i in range(n)]

    def ratio(top: str, bottom: str, what: str = "wall", scale: float = 1.0) -> list[float]:
        return per_round(lambda i: scale * getattr(r[top][i], what) / getattr(r[bottom][i], what))

    lines += [
        "",
        "goals (median of the per-round values; each round's value in brackets):",
        _goal("cold vs naive, wall (the goal is for 10k cards)", ratio("naive", "cold"), ">=", 1.9),
        _goal(
            f"cold vs naive, CPU ({cores} cores x naive CPU / ankigen CPU)",
            ratio("naive", "cold", "cpu", cores),
            ">=",
            1.9,
        ),
        _goal("  (ankigen cold CPU / naive CPU)", ratio("cold", "naive", "cpu")),
        _goal("warm (1 file edited) vs genanki packaging, wall", ratio("warm", "package"), "<=", 1.5),
        _goal("warm (1 file edited) vs genanki packaging, CPU", ratio("warm", "package", "cpu"), "<=", 1.5),
        _goal(
            "no change, wall beyond start-up",
            per_round(lambda i: r["nochange"][i].wall - r["startup"][i].wall),
            "<=",
            0.3,
            " s",
        ),
        _goal(
            "  (no change, CPU beyond start-up)",
            per_round(lambda i: r["nochange"][i].cpu - r["startup"][i].cpu),
            unit=" s",
        ),
        f"  {'no change left the deck untouched':<56} {_yes(all(b.untouched)):>6}   (ankigen said: {b.said})",
        _goal(f"small build ({SMALL_CARDS} cards), wall", [x.wall for x in r["small"]], "<=", 0.3, " s"),
        _goal("  (small build, CPU)", [x.cpu for x in r["small"]], unit=" s"),
        _goal(
            "  (small build, empty cache folder, wall)",
            [x.wall for x in r["small_first"]],
            unit=" s",
        ),
        _goal(
            "peak memory cold vs genanki's, RSS (the goal is for 100k)",
            ratio("cold", "package", "rss_mb"),
            "<=",
            1.5,
        ),
        _goal("peak memory cold vs genanki's, PSS", ratio("cold", "package", "pss_mb"), "<=", 1.5),
    ]
    identity, held = identity_lines(b, generated)
    return lines + identity, held


_DECKS = {"naive": "naive.apkg", "cold": f"again/{DECK}.apkg", "package": "genanki.apkg"}


def identity_lines(b: Bench, generated: int) -> tuple[list[str], bool]:
    """Whether the decks that must be byte-identical are, and every deck holds every card."""
    h = b.hashes
    same = {*h["cold"], *h["jobs1"], *h["again"], *h["nochange"]}
    edited = {*h["warm"], *h["edited"]}
    counts = {b.counts[d] for key in ("cold", "jobs1", "again", "nochange", "warm", "edited") for d in h[key]}
    counts |= {b.counts[h["naive"][0]], b.counts[h["package"][0]]}
    counts_held = counts == {generated}
    held = len(same) == 1 and len(edited) == 1 and counts_held
    lines = [
        "",
        "byte-identical decks (sha256):",
        f"  cold (every round) == --jobs 1 --no-cache == cache, edit reverted == no change: "
        f"{_yes(len(same) == 1)}  [{' '.join(sorted(d[:12] for d in same))}]",
        f"  warm after the edit (every round) == cold build of the edited corpus:        "
        f"{_yes(len(edited) == 1)}  [{' '.join(sorted(d[:12] for d in edited))}]",
        f"  every deck (and both baselines') holds the {generated} generated cards: {_yes(counts_held)}",
    ]
    sizes = {key: (b.work / name).stat().st_size / 1e6 for key, name in _DECKS.items()}
    lines.append(
        f".apkg MB: ankigen {sizes['cold']:.2f} (deflated), genanki same notes {sizes['package']:.2f}, "
        f"naive {sizes['naive']:.2f}"
    )
    return lines, held


# ---- the command line -------------------------------------------------------------------------------


def machine() -> str:
    """Python, cores, CPU model, load averages and which ankigen runs."""
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor() or "?",
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor() or "?"
    )
    with tempfile.TemporaryDirectory() as empty:  # as the builds run: in a folder of their own
        found = subprocess.run(
            [sys.executable, "-c", "import ankigen; print(ankigen.__file__)"],
            capture_output=True,
            text=True,
            cwd=empty,
        ).stdout.strip()
    where = Path(found).parent.parent if found else Path(".")
    commit = subprocess.run(
        ["git", "-C", str(where), "log", "-1", "--format=%h %cs"], capture_output=True, text=True
    ).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    compiled = compile_bytecode(Path(found).parent) if found else "no"
    return (
        f"python {platform.python_version()}, {os.cpu_count()} cores ({model}), load {load}\n"
        f"ankigen: {found or '?'}{f' (git {commit})' if commit else ''}\n"
        f"bytecode: {compiled}"
    )


def compile_bytecode(package: Path) -> str:
    """Write ankigen's ``.pyc`` files, as installing it does: a checkout run with
    ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile every module again in every run
    (about 0.1 s of each start-up). Returns what was done, for the report."""
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], capture_output=True)
    return f"compiled {package}" if done.returncode == 0 else f"compileall failed ({done.returncode})"


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status (1 when a byte-identity or card-count check fails)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated card counts [1000,10000]")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every scenario [3]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in DIR/<size>/ and keep it (default: a temp folder)")
    args = parser.parse_args(argv)
    print(machine(), flush=True)
    held = True
    for size in (int(size) for size in args.sizes.split(",") if size.strip()):
        if args.keep:
            lines, ok = bench_size(size, args.seed, _fresh(args.keep / str(size)), args.rounds)
        else:
            with tempfile.TemporaryDirectory(prefix="ankigen-bench-") as tmp:
                lines, ok = bench_size(size, args.seed, Path(tmp), args.rounds)
        print("\n".join(lines), flush=True)
        held = held and ok
    print(f"\nload at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
