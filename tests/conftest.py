"""Shared fixtures: the repository's seeds and corpus, and a real Anki collection to import into."""

from __future__ import annotations

import ast
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from click.testing import CliRunner, Result
from hypothesis import settings

# Property tests explore the same examples on every run, so CI never fails on a new random draw;
# HYPOTHESIS_PROFILE=explore draws new examples (run it locally to look for bugs).
settings.register_profile("ci", derandomize=True, database=None, deadline=None)  # no timer: CI machines vary
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
CORPUS = Path(os.environ.get("ANKIGEN_CORPUS") or REPO.parent / "shared" / "corpus")
"""The shared corpus of real notes by others: ``../shared/corpus`` beside the checkout, or
``$ANKIGEN_CORPUS``. Tests marked ``corpus`` skip without it, unless ``ANKIGEN_REQUIRE_CORPUS=1``
(set by ``.ci/run``) makes its absence a failure."""
CORPUS_MISSING = (
    f"needs the shared corpus of real notes at {CORPUS}: put it at ../shared/corpus beside the "
    "checkout or set ANKIGEN_CORPUS=DIR"
)


def corpus_present() -> bool:
    """Whether the shared corpus is there (its answer key is its last file to be written)."""
    return (CORPUS / "sample_truth.json").is_file()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "corpus: the test reads the shared corpus (../shared/corpus)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a ``corpus`` test when the corpus is missing (fail under ANKIGEN_REQUIRE_CORPUS=1)."""
    if item.get_closest_marker("corpus") is None or corpus_present():
        return
    if os.environ.get("ANKIGEN_REQUIRE_CORPUS") == "1":
        pytest.fail(f"ANKIGEN_REQUIRE_CORPUS=1 but the test {CORPUS_MISSING}", pytrace=False)
    pytest.skip(CORPUS_MISSING)


def seed(prefix: str) -> Path:
    """The seed file whose name starts with ``prefix`` (``"000"`` … ``"004"``)."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the render cache of every test (and its subprocesses) out of the user's cache folder."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's, at /usr/bin/chromium) driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        yield chromium
        chromium.close()


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    """A fresh, empty Anki collection (the real backend Anki desktop runs)."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def import_apkg(col: Collection, path: Path) -> object:
    """Import ``path`` with Anki's default options (update notes and note types if newer)."""
    request = ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions())
    log = col.import_anki_package(request)
    col.models._clear_cache()
    return log.log


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's seeds and ankigen.toml in a temporary working directory."""
    work = tmp_path / "project"
    work.mkdir()
    shutil.copytree(SEEDS, work / "seeds")
    shutil.copy2(REPO / "ankigen.toml", work / "ankigen.toml")
    monkeypatch.chdir(work)
    return work


def run(*args: str) -> Result:
    """Run the CLI in-process in the current directory."""
    from ankigen.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def python_lines(run: Callable[[], object]) -> int:
    """How many lines of Python ``run()`` executes (``sys.settrace`` line events): a measure of
    work that does not depend on the machine's speed or load, for tests of linear work."""
    count = [0]

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            count[0] += 1
        return trace

    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(None)
    return count[0]


def least_cpu(run: Callable[[], object], runs: int = 3) -> float:
    """The least CPU time of a few runs of ``run()``, for tests that compare the ratio of two
    (regular expressions work in C, out of :func:`python_lines`' sight) — never a duration."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def function_ast(source: str) -> str:
    """The AST of a function's source, docstring left out: for tests that pin a library's private
    code that ankigen replaces to the version it was copied from."""
    tree = ast.parse(textwrap.dedent(source))
    body = tree.body[0]
    assert isinstance(body, ast.FunctionDef)
    if body.body and isinstance(body.body[0], ast.Expr) and isinstance(body.body[0].value, ast.Constant):
        body.body = body.body[1:]
    return ast.dump(tree)
