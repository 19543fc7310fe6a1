"""Local images: where an ``<img src>`` points and the packaged media name of the file it finds."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


@dataclass(frozen=True)
class ImageRef:
    """Where an ``<img src>`` points: remote, outside the tree, missing, or a file to package."""

    remote: bool = False
    outside: bool = False
    path: Path | None = None
    name: str | None = None

    @property
    def state(self) -> str:
        """What a card's HTML depends on: ``remote``, ``outside``, ``missing`` or the media name."""
        if self.remote or self.outside:
            return "remote" if self.remote else "outside"
        return self.name or "missing"


def images_unchanged(images: Iterable[tuple[str, str]], base: Path, root: Path) -> bool:
    """Whether each ``(src, state)`` a card's HTML was made from still resolves the same way."""
    return all(resolve_image(src, base, root).state == state for src, state in images)


def resolve_image(src: str, base: Path, root: Path) -> ImageRef:
    """Resolve an image ``src`` written in a note under ``base`` against the source tree ``root``.

    A path starting with ``/`` is taken from ``root`` (as a repository-root link on GitHub). A
    path no file can have (a NUL byte, a name too long, a symlink loop) is a missing image.
    """
    if _SCHEME.match(src):
        return ImageRef(remote=True)
    relative = unquote(src.split("#", 1)[0].split("?", 1)[0])
    start = root if relative.startswith("/") else base
    try:
        path = (start / relative.lstrip("/")).resolve()
        if not path.is_relative_to(root.resolve()):
            return ImageRef(outside=True)
        if not path.is_file():
            return ImageRef()
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return ImageRef()
    return ImageRef(path=path, name=digest + path.suffix.lower())
