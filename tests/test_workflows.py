"""The GitHub workflows validate against the official schema and do what the README promises;
the pre-commit hook definition is well formed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def _check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    """Run check-jsonschema with its vendored (offline) copy of the GitHub workflow schema."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _steps(workflow: Any) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _runs(workflow: Any) -> list[str]:
    return [step["run"] for step in _steps(workflow) if "run" in step]


def _uses(workflow: Any, action: str) -> dict[str, Any]:
    found = [step for step in _steps(workflow) if step.get("uses", "").startswith(action + "@")]
    assert len(found) == 1, f"expected one step using {action}"
    return found[0]


@pytest.mark.parametrize("name", ["release.yml", "ci.yml"])
def test_workflow_matches_github_schema(name: str) -> None:
    result = _check_jsonschema(WORKFLOWS / name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_an_invalid_workflow(tmp_path: Path) -> None:
    """The validator really validates: a typo in a job's keys fails."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n", encoding="utf-8")
    result = _check_jsonschema(bad)
    assert result.returncode == 1
    assert "stepz" in result.stdout


def test_release_runs_on_tags_and_publishes_reproducible_decks() -> None:
    workflow = _load(WORKFLOWS / "release.yml")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "write"}
    assert _uses(workflow, "actions/checkout")["with"]["fetch-depth"] == 0
    runs = _runs(workflow)
    epoch = runs.index('echo "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" >> "$GITHUB_ENV"')
    check = next(i for i, run in enumerate(runs) if "ankigen check --output-format github > check.log" in run)
    assert 'tail -n 1 check.log >> "$GITHUB_STEP_SUMMARY"' in runs[check]
    assert runs[check].rstrip().endswith('exit "$status"')  # the check still fails the job on errors
    build = runs.index("ankigen build --locked")
    assert runs.index("pip install .") < epoch < check < build
    assert _uses(workflow, "actions/upload-artifact")["with"]["path"] == "output/*.apkg"
    assert _uses(workflow, "softprops/action-gh-release")["with"]["files"] == "output/*.apkg"


NODE24_MAJORS = {
    "actions/checkout": "v5",
    "actions/setup-python": "v6",
    "actions/upload-artifact": "v6",
    "softprops/action-gh-release": "v3",
}
"""The first major of each action that runs on Node 24 (Node 20 actions are retired)."""


@pytest.mark.parametrize("name", ["release.yml", "ci.yml"])
def test_workflows_use_node24_actions_and_time_out(name: str) -> None:
    workflow = _load(WORKFLOWS / name)
    for job in workflow["jobs"].values():
        assert 0 < job["timeout-minutes"] <= 30
    for step in _steps(workflow):
        if "uses" in step:
            action, _, major = step["uses"].partition("@")
            assert NODE24_MAJORS[action] == major, step["uses"]


def test_github_report_ends_with_the_summary_line(tmp_path: Path) -> None:
    """What the release workflow writes to the job summary: the report's last line."""
    notes = tmp_path / "notes.md"
    notes.write_text(
        "".join(f"## Question {i}?\n\nTODO\n\n" for i in range(12)) + "## Last?\n\nYes.\n", "utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "check", "--output-format", "github", "notes.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    *annotations, summary = result.stdout.splitlines()
    assert len(annotations) == 12 and all(a.startswith("::warning file=notes.md,") for a in annotations)
    assert summary == (
        "ankigen check: 1 card in 1 deck; 0 errors, 12 warnings — GitHub shows at most 10 warning and 10 "
        "error annotations per step; this step's log lists every one"
    )


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [
        line for line in readme.splitlines() if "pytest" in line and line.startswith("python3 -m venv")
    ]
    assert len(commands) == 1, "README should show one test command"
    runs = _runs(_load(WORKFLOWS / "ci.yml"))
    assert commands[0] in runs
    install_chromium = next(i for i, run in enumerate(runs) if "apt-get install" in run and "chromium" in run)
    assert install_chromium < runs.index(commands[0])


def test_pre_commit_hook_runs_ankigen_check_on_notes() -> None:
    hooks = _load(ROOT / ".pre-commit-hooks.yaml")
    assert isinstance(hooks, list)
    (hook,) = (h for h in hooks if h["id"] == "ankigen-check")
    assert hook["entry"] == "ankigen check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["verbose"] is True  # a passing hook's warnings are shown
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for name in (
        "notes/a.md",
        "b.markdown",
        "seeds/000.txt",
        "ankigen.toml",
        "sub/pyproject.toml",
        "README-notes.md",
    ):
        assert files.search(name) and not exclude.search(name), name
    for name in ("setup.py", "notes.md.bak", "image.png", "my-ankigen.toml"):
        assert not files.search(name), name
    for name in ("README.md", "docs/CHANGELOG.md", "LICENSE.txt", "requirements-dev.txt", "CONTRIBUTING.md"):
        assert exclude.search(name), name


def test_the_committed_seeds_lock_is_current(tmp_path: Path) -> None:
    """The release workflow runs ``ankigen build --locked``: it fails when a change to the parsers or
    the renderer changed a seed card and ``ankigen.lock`` was not rebuilt and committed with it."""
    done = subprocess.run(
        [sys.executable, "-m", "ankigen", "build", "--locked", "--no-cache", "-o", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
