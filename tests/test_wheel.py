"""The wheel builds with `python -m build` and works when installed on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO

from ankigen import __version__


def test_wheel_builds_and_runs_from_its_install(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = dist.glob("ankigen-*.whl")
    assert wheel.name.startswith(f"ankigen-{__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"ankigen/note.css", "ankigen/preview.css", "ankigen/preview.js", "ankigen/cli.py"} <= names
    assert not any(name.startswith(("tests/", "seeds/", "benchmarks/")) for name in names)

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = "import ankigen, ankigen.render, ankigen.notetype as p; print(ankigen.__file__, len(p.NOTE_CSS))"
    shown = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    location, css_size = shown.stdout.split()
    assert Path(location).is_relative_to(target) and int(css_size) > 1000
    version = subprocess.run(
        [sys.executable, "-m", "ankigen", "--version"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert version.stdout.strip() == f"ankigen, version {__version__}"
