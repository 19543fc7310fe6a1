"""How fast the preview page opens and answers a search, and how fast `ankigen serve` follows an edit.

``python benchmarks/preview.py [--cards 20000] [--repeat 3] [--keep DIR]`` generates the benchmark corpus,
writes the static page, opens it in headless Chromium and prints, per run, the figures below, then the
best of the runs. Then it starts ``ankigen serve`` on the corpus, opens the page over HTTP, edits one
file and prints how long the page took to show the edit. Nothing is asserted: the figures are printed.

- ``write s``: wall time of ``ankigen preview`` (a cold render cache; it includes rendering every card).
- ``page MB``: size of the HTML page.
- ``open s``: from navigation start until the page's script has read every card and shown the first
  ones (the ``ankigen-preview-ready`` performance mark); ``typeset s``: until their math is typeset.
- ``keystroke ms``: from a key press in the search box until the filtered list is in the DOM (the page
  filters at most once per 50 ms), median and worst over the keystrokes of a few words typed one key at
  a time; ``filter ms``: the filtering and rendering work alone (the ``ankigen-preview-filter`` measure).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WORDS = ("gradient", "dropout attention", "softmax")

_KEYSTROKE_JS = """async (key) => {
  const search = document.getElementById("pv-search");
  const before = performance.getEntriesByName("ankigen-preview-filter").length;
  const started = performance.now();
  search.value += key;
  search.dispatchEvent(new Event("input"));
  while (performance.getEntriesByName("ankigen-preview-filter").length === before) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const done = performance.now();
  const work = performance.getEntriesByName("ankigen-preview-filter").slice(-1)[0].duration;
  return [done - started, work];
}"""


def open_page(page: Page, url: str) -> tuple[float, float]:
    """Load ``url``; seconds until the page is ready, and until the first cards' math is typeset."""
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.ankigenPreview", polling=10, timeout=600_000)
    ready = page.evaluate("() => performance.getEntriesByName('ankigen-preview-ready')[0].startTime")
    typeset = page.evaluate("async () => { await ankigenPreview.settle(); return performance.now(); }")
    return ready / 1000, typeset / 1000


def keystrokes(page: Page) -> list[tuple[float, float]]:
    """(latency ms, work ms) of each key typed into the search box, one word after another."""
    times = []
    for word in WORDS:
        page.evaluate("() => { document.getElementById('pv-search').value = ''; }")
        for key in word:
            times.append(tuple(page.evaluate(_KEYSTROKE_JS, key)))
            page.wait_for_timeout(150)  # a brisk typist: about 6 keys a second
    return times  # type: ignore[return-value]


def static_run(page_path: Path, browser_type: object, runs: int) -> list[tuple[float, float, list]]:
    results = []
    for _ in range(runs):
        browser = browser_type.launch(executable_path=CHROMIUM)  # type: ignore[attr-defined]
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        ready, typeset = open_page(page, page_path.as_uri())
        results.append((ready, typeset, keystrokes(page)))
        browser.close()
    return results


def serve_run(corpus_dir: Path, work: Path, browser_type: object) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ankigen", "serve", str(corpus_dir), "--cache-dir", str(work / "cache")],
        cwd=work,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert process.stderr is not None
    threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
    started = time.perf_counter()
    try:
        while not any("serving" in line for line in lines):
            if process.poll() is not None:
                raise SystemExit(f"serve failed: {lines}")
            time.sleep(0.05)
        took = time.perf_counter() - started
        print(f"serve: first build and start {took:.1f} s (with the render cache of the page run)")
        url = re.search(r"at (http://\S+/)", next(line for line in lines if "serving" in line))[1]  # type: ignore[index]
        browser = browser_type.launch(executable_path=CHROMIUM)  # type: ignore[attr-defined]
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        ready, typeset = open_page(page, url)
        print(f"serve: page open {ready:.2f} s, first cards typeset {typeset:.2f} s")
        page.wait_for_function("() => document.getElementById('pv-status').textContent === 'live'")
        edited = corpus.edit_target(corpus_dir)
        original = edited.read_bytes()
        saved = time.perf_counter()
        assert corpus.edit_one_file(corpus_dir) == edited
        page.wait_for_function(
            "(line) => document.getElementById('pv-list').textContent.includes(line)",
            arg=corpus.EDIT_LINE,
            polling=10,
            timeout=120_000,
        )
        shown = time.perf_counter() - saved
        rebuilt = [line.strip() for line in lines if line.startswith("rebuilt")]
        print(f"serve: one file edited → shown on the open page {shown:.2f} s after the save ({rebuilt[-1]})")
        browser.close()
        edited.write_bytes(original)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        work = args.keep or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        corpus_dir = work / "corpus"
        if not corpus_dir.exists():
            corpus.generate(corpus_dir, args.cards, args.seed)
        page_path = work / "preview" / "preview.html"
        started = time.perf_counter()
        env = {**os.environ, "XDG_CACHE_HOME": str(work / "xdg")}
        subprocess.run(
            [sys.executable, "-m", "ankigen", "preview", str(corpus_dir), "-o", str(page_path),
             "--cache-dir", str(work / "cache")],
            check=True, cwd=work, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        written = time.perf_counter() - started
        size = page_path.stat().st_size / 1e6
        print(
            f"{args.cards} cards: ankigen preview {written:.1f} s, page {size:.1f} MB (+ MathJax beside it)"
        )
        with sync_playwright() as playwright:
            results = static_run(page_path, playwright.chromium, args.repeat)
            print(
                f"{'run':>4} {'open s':>7} {'typeset s':>9} {'keystroke ms median / worst':>28}"
                f" {'filter ms':>10}"
            )
            medians = []
            for number, (ready, typeset, times) in enumerate(results, 1):
                latency = [t[0] for t in times]
                medians.append(statistics.median(latency))
                work_ms = statistics.median(t[1] for t in times)
                print(
                    f"{number:>4} {ready:>7.2f} {typeset:>9.2f} "
                    f"{medians[-1]:>15.0f} / {max(latency):<10.0f} {work_ms:>10.1f}"
                )
            best = min(ready for ready, _, _ in results)
            print(
                f"best open {best:.2f} s (goal < 2 s); "
                f"best median keystroke {min(medians):.0f} ms (goal < 100 ms)"
            )
            serve_run(corpus_dir, work, playwright.chromium)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
