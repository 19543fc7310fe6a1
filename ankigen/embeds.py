"""Which file an ``![[embed]]`` names: found in the notes' tree by name, as Obsidian finds it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Found:
    """Where an embed's file is: its path from the notes' root (``None``: not found) and, when
    several files match equally well, all of them."""

    path: str | None
    ambiguous: tuple[str, ...] = ()


def find_embed(target: str, note: Path, root: Path) -> Found:
    """The file ``![[target]]`` in the note ``note`` means, as Obsidian finds it.

    A target with a folder is taken from the notes' root, then from the note's folder, then as the
    end of a path in the tree; a bare name is searched for anywhere in the tree. When several files
    match, the one with the shortest path wins; files of the same depth are ambiguous (the first
    by path is used). A target leaving the tree (``..``) is left to the renderer, which refuses it.
    """
    wanted = PurePosixPath(target.split("#", 1)[0].strip())
    if ".." in wanted.parts:
        return Found(None)
    files = _tree(root.resolve())
    if len(wanted.parts) > 1:
        for base in (PurePosixPath(), _relative(note.parent, root)):
            candidate = (base / wanted).as_posix() if base is not None else None
            if candidate in files.paths:
                return Found(candidate)
    suffix = tuple(part.casefold() for part in wanted.parts)
    matches = sorted(
        files.by_name.get(wanted.name.casefold(), ()),
        key=lambda path: (path.count("/"), path),
    )
    matches = [path for path in matches if tuple(path.casefold().split("/"))[-len(suffix) :] == suffix]
    if not matches:
        return Found(None)
    best = [path for path in matches if path.count("/") == matches[0].count("/")]
    return Found(best[0], tuple(best) if len(best) > 1 else ())


def _relative(folder: Path, root: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(folder.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return None


@dataclass(frozen=True)
class _Tree:
    paths: frozenset[str]
    by_name: dict[str, tuple[str, ...]]


def forget_files() -> None:
    """Forget the files seen in every notes' tree (a new build looks again)."""
    _tree.cache_clear()


@lru_cache(maxsize=8)
def _tree(root: Path) -> _Tree:
    """Every file under ``root`` (hidden folders skipped), by path and by case-folded name."""
    paths: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder).relative_to(root).as_posix()
        paths.extend(name if base == "." else f"{base}/{name}" for name in names)
    by_name: dict[str, list[str]] = {}
    for path in paths:
        by_name.setdefault(path.rpartition("/")[2].casefold(), []).append(path)
    return _Tree(frozenset(paths), {name: tuple(found) for name, found in by_name.items()})
