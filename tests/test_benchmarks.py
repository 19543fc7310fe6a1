"""The benchmark corpus is deterministic, calibrated and parses to exactly its cards; the scripts run.

No timings are asserted: benchmarks/run.py prints them.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import CORPUS

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    if f"bench_{name}" in sys.modules:
        return sys.modules[f"bench_{name}"]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    saved = list(sys.path)
    sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


corpus = _load("corpus")
baselines = _load("baselines")


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


def test_code_blocks_are_distinct(tmp_path: Path) -> None:
    corpus.generate(tmp_path, 1000)
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(tmp_path.iterdir()))
    blocks = re.findall(r"^```\w*\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) > 300
    assert len(set(blocks)) >= 0.98 * len(blocks)
    assert {"javascript", "python"} <= set(re.findall(r"^```(\w+)$", text, flags=re.MULTILINE))


def test_edit_one_file_changes_one_answer_and_no_card_count(tmp_path: Path) -> None:
    corpus.generate(tmp_path / "c", 300)
    edited = corpus.edit_one_file(tmp_path / "c")
    cards = _list_json(tmp_path / "c", tmp_path)
    assert len(cards) == 300
    changed = [card for card in cards if corpus.EDIT_LINE in str(card["back"])]
    assert len(changed) == 1
    assert Path(str(changed[0]["source"])).name == edited.name


def test_naive_split_finds_the_generated_cards(tmp_path: Path) -> None:
    files = corpus.generate(tmp_path / "d", 300)
    for f in files:
        pairs = baselines.naive_cards(tmp_path / "d" / f.name)
        assert len(pairs) == f.cards, f.name
        assert all(question.endswith("?") and answer.strip() for question, answer in pairs)


def _percent(cell: str) -> float:
    return float(cell.removesuffix(" %"))


@pytest.mark.corpus
def test_generated_answers_are_like_the_shared_corpus() -> None:
    calibrate = _load("calibrate")
    real = calibrate.measure(calibrate.shared_cards(CORPUS))
    generated = calibrate.measure(calibrate.generated_cards(1500, 7))
    for feature in ("plain answers (no code block, list, table, math)", *calibrate.FEATURE_ROWS):
        assert abs(_percent(real[feature]) - _percent(generated[feature])) <= 5, feature
    quantiles = [
        [int(x) for x in row[key].split(" / ")] for row in (real, generated) for key in [calibrate.LENGTHS]
    ]
    for ours, theirs in zip(quantiles[1], quantiles[0], strict=True):
        assert 0.6 * theirs <= ours <= 1.5 * theirs
    assert "| measure | shared corpus | generated (1500 cards) |" in calibrate.table(real, generated, 1500)


def test_run_smoke(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--sizes", "200", "--rounds", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert _load("run").HEADER in out
    assert re.search(r"cold \(every round\) == --jobs 1 --no-cache == .*: yes", out)
    assert re.search(r"warm after the edit .* == cold build of the edited corpus: +yes", out)
    assert "holds the 200 generated cards: yes" in out
    goals = re.findall(r"\(goal [<>]= [\d.]+ ?[xs]\) +(ok|NO) ", out)
    assert len(goals) == 8
