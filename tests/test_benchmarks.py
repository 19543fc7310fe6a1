"""The benchmark corpus is deterministic and parses to exactly the cards it claims; run.py runs."""

from __future__ import annotations

import collections
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    if f"bench_{name}" in sys.modules:
        return sys.modules[f"bench_{name}"]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved  # run.py puts benchmarks/ on the path to import corpus
    return module


corpus = _load("corpus")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _list_json(folder: Path, cwd: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "list", "--json", "--no-cache", str(folder)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    cards: list[dict[str, object]] = json.loads(result.stdout)
    return cards


def test_corpus_is_deterministic_and_gives_exactly_its_cards(tmp_path: Path) -> None:
    first = corpus.generate(tmp_path / "a", 300)
    second = corpus.generate(tmp_path / "b", 300)
    assert first == second
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert {f.note_format for f in first} == set(corpus.FORMATS)
    assert sum(f.cards for f in first) == 300

    cards = _list_json(tmp_path / "a", tmp_path)
    per_file = collections.Counter(Path(str(card["source"])).name for card in cards)
    assert per_file == {f.name: f.cards for f in first}
    assert len(cards) == 300


def test_edit_one_file_changes_one_answer_and_no_card_count(tmp_path: Path) -> None:
    corpus.generate(tmp_path / "c", 300)
    edited = corpus.edit_one_file(tmp_path / "c")
    cards = _list_json(tmp_path / "c", tmp_path)
    assert len(cards) == 300
    changed = [card for card in cards if corpus.EDIT_LINE in str(card["back"])]
    assert len(changed) == 1
    assert Path(str(changed[0]["source"])).name == edited.name


def test_naive_split_finds_the_generated_cards(tmp_path: Path) -> None:
    run = _load("run")
    files = corpus.generate(tmp_path / "d", 300)
    for f in files:
        pairs = run.naive_cards(tmp_path / "d" / f.name)
        assert len(pairs) == f.cards, f.name
        assert all(question.endswith("?") and answer.strip() for question, answer in pairs)


def test_run_smoke(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--sizes", "200"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _load("run").HEADER in result.stdout
    assert "byte-identical: warm (edited) == --jobs 1 --no-cache (edited): yes" in result.stdout
