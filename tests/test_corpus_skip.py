"""On a plain clone (no ../shared beside it) the corpus tests skip and say how to provide the
corpus; under ANKIGEN_REQUIRE_CORPUS=1 (.ci/run) the same tests fail instead."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SELECTED = ["tests/test_parse_qa.py", "-k", "lynis or corpus_faq_card_counts"]


def _pytest(corpus: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "ANKIGEN_REQUIRE_CORPUS"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider", *SELECTED],
        cwd=REPO,
        env={**environment, "ANKIGEN_CORPUS": str(corpus), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_corpus_tests_skip_with_how_to_provide_it(tmp_path: Path) -> None:
    result = _pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    reasons = re.findall(r"^SKIPPED \[(\d+)\] \S+: (.+)$", result.stdout, re.MULTILINE)
    assert [int(count) for count, _ in reasons] == [13]  # the lynis key test and 12 FAQ counts
    (reason,) = {reason for _, reason in reasons}
    assert reason == (
        f"needs the shared corpus of real notes at {tmp_path}: put it at ../shared/corpus beside the "
        "checkout or set ANKIGEN_CORPUS=DIR"
    )
    assert " passed" not in result.stdout


def test_required_corpus_turns_the_skips_into_failures(tmp_path: Path) -> None:
    result = _pytest(tmp_path, ANKIGEN_REQUIRE_CORPUS="1")
    assert result.returncode == 1
    assert "13 errors" in result.stdout  # failed in setup, before the test body
    assert f"ANKIGEN_REQUIRE_CORPUS=1 but the test needs the shared corpus of real notes at {tmp_path}" in (
        result.stdout
    )
