"""``ankigen serve``: the preview page served live, rebuilt whenever the notes or the config change.

A watcher thread (``watchfiles``) sees note files, media and the config change and rebuilds through
the render cache, so only edited cards are rendered again; the page hears of each rebuild through
server-sent events, fetches the new data and redraws it where the reader is. Broken notes only
give diagnostics on the page. The server answers only for the page, its data, MathJax's own files,
the collected note files and their media (each inside the notes' tree), by exact name, and listens
on the loopback address unless told otherwise.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import html
import http.server
import ipaddress
import json
import mimetypes
import os
import socket
import threading
import time
import uuid
import webbrowser
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import watchfiles

from ankigen.build import Collected, CollectOptions, collect, source_files
from ankigen.config import Config, ConfigError, load_config
from ankigen.model import Diagnostic
from ankigen.preview import (
    MATHJAX_FONTS,
    MATHJAX_SCRIPT,
    Links,
    mathjax_folder,
    mathjax_fonts,
    mathjax_scripts,
    pack,
    page_data,
    render_page,
)
from ankigen.report import summarize
from ankigen.sources import SOURCE_SUFFIXES, decode, display_path

KEEP_ALIVE_SECONDS = 15.0
"""How often an idle event stream gets a comment, so that a closed page is noticed."""
_MEDIA_TYPES = ("image/", "audio/", "video/")


@dataclass
class Site:
    """One build as served: its data, and the files its page may link to (URL path → file)."""

    version: str
    packed: dict[str, Any]
    data: bytes
    files: dict[str, Path]
    roots: list[Path]
    cards: int
    diagnostics: list[Diagnostic]

    @functools.cached_property
    def page(self) -> bytes:
        """The page, made when first asked for (an open page fetches only the data after a rebuild)."""
        return render_page(self.packed, mathjax_scripts("mathjax")).encode("utf-8")


@dataclass
class LivePreview:
    """The notes to preview and the latest build of them; ``rebuild`` replaces the build whole."""

    sources: tuple[Path, ...]
    note_format: str
    config: Config
    options: CollectOptions
    site: Site | None = None
    _config_error: Diagnostic | None = None
    _builds: int = 0
    _instance: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _entries: dict[Hashable, Any] = field(default_factory=dict)  # page_data's memo
    _closing: bool = False
    _scanned: dict[str, int] = field(default_factory=dict)

    def rebuild(self, reload_config: bool = False) -> Site:
        """Collect the notes again (through the render cache) and publish the new page."""
        self._scanned = self.scan()
        if reload_config and self.config.path is not None:
            try:
                self.config, self._config_error = load_config(self.config.path), None
            except ConfigError as exc:
                self._config_error = exc.diagnostic
        if self._config_error is not None:
            collected = Collected([], [self._config_error], self.config.path)
        else:
            collected = collect(list(self.sources), self.config, self.note_format, None, self.options)
            # Later builds run in this process: forking worker processes from a threaded server is unsafe.
            self.options = dataclasses.replace(self.options, jobs=1, progress=None)
        site = self._site(collected)
        with self._changed:
            self.site = site
            self._changed.notify_all()
        return site

    def roots(self) -> list[Path]:
        """The notes' tree: the folders the sources were given in (or the config's folder)."""
        found = {source.root.resolve() for source in source_files(list(self.sources), self.config)}
        if self.config.path is not None and not self.sources:
            found.add(self.config.root.resolve())
        return sorted(found)

    def watched(self) -> list[Path]:
        """The folders to watch: the notes' tree and the config's folder."""
        folders = set(self.roots())
        if self.config.path is not None:
            folders.add(self.config.path.resolve().parent)
        return sorted(folder for folder in folders if folder.is_dir())

    def relevant(self, change: watchfiles.Change, path: str) -> bool:
        """Whether a changed file can change the page: a note, a media file or the config (not
        editors' swap and backup files, nor anything in the output folder)."""
        file = Path(path)
        output = (self.config.root / self.config.output).resolve()
        if file.name.startswith(".") or file.name.endswith("~") or file.is_relative_to(output):
            return False
        if self.config.path is not None and file == self.config.path.resolve():
            return True
        media = (mimetypes.guess_type(file.name)[0] or "").startswith(_MEDIA_TYPES)
        return file.suffix.lower() in SOURCE_SUFFIXES or media

    def scan(self) -> dict[str, int]:
        """Every relevant file in the watched folders, with its modification time (ns)."""
        found: dict[str, int] = {}
        for folder in self.watched():
            for top, dirs, files in os.walk(folder):
                dirs[:] = [name for name in dirs if not name.startswith(".")]
                for name in files:
                    path = os.path.join(top, name)
                    if self.relevant(watchfiles.Change.added, path):
                        with contextlib.suppress(OSError):
                            found[path] = os.lstat(path).st_mtime_ns
        return found

    def stale(self) -> bool:
        """Whether a relevant file was added, changed or removed since the last build began."""
        return self.scan() != self._scanned

    def wait(self, seen: str | None, timeout: float) -> str | None:
        """The version of the build once it differs from ``seen`` (``None`` after ``timeout`` or on close)."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closing or (self.site is not None and self.site.version != seen), timeout
            )
            if self._closing or self.site is None or self.site.version == seen:
                return None
            return self.site.version

    def close(self) -> None:
        """Wake every waiting event stream so that it ends."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()

    @property
    def closing(self) -> bool:
        """Whether the server is shutting down."""
        return self._closing

    def _site(self, collected: Collected) -> Site:
        self._builds += 1
        version = f"{self._instance}-{self._builds}"
        roots = self.roots()
        files: dict[str, Path] = {}
        for deck in collected.decks:
            for path in deck.files:
                files[f"/source/{display_path(path)}"] = path
            for built in deck.cards:
                for media in built.html.media:
                    files[f"/media/{media.name}"] = media.path
        files = {url: path for url, path in files.items() if _inside(path, roots)}
        links = Links(
            lambda source: "source/" + quote(source),
            {
                url.removeprefix("/media/"): url.removeprefix("/")
                for url in files
                if url.startswith("/media/")
            },
            lines=True,
        )
        packed = pack(page_data(collected, links, version, self._entries))
        payload = json.dumps(packed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        cards = sum(len(deck.cards) for deck in collected.decks)
        return Site(version, packed, payload, files, roots, cards, collected.all_diagnostics())


def serve(
    live: LivePreview,
    host: str = "127.0.0.1",
    port: int = 0,
    open_page: bool = False,
    log: Callable[[str], None] = print,
) -> None:
    """Build, then serve ``live`` on ``host:port`` (0: a free port) until Ctrl-C, rebuilding on changes.

    Raises ``OSError`` when the address cannot be used.
    """
    site = live.rebuild()
    server = _Server(host, port, live)
    url = _url(host, server.server_address[1])
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(live, stop, log), name="ankigen-watch", daemon=True)
    try:
        log(f"serving {site.cards} cards ({summarize(site.diagnostics)}) at {url} — Ctrl-C to stop")
        watcher.start()
        if open_page:  # in a thread: some browsers' commands only return once the browser is closed
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        live.close()
        server.server_close()
        if watcher.is_alive():
            watcher.join(timeout=5)
        log("stopped")


def _watch(live: LivePreview, stop: threading.Event, log: Callable[[str], None]) -> None:
    """Rebuild after every batch of relevant changes; follow the folders the config points to.

    The first answer of a new watch (a change, or a quiet second) means the folders are watched:
    what changed before that, during the last build, is caught up with by comparing a scan.
    """
    while not stop.is_set():
        folders = live.watched()
        first = True
        for changes in watchfiles.watch(
            *folders,
            watch_filter=live.relevant,
            stop_event=stop,
            raise_interrupt=False,
            step=30,
            yield_on_timeout=True,
            rust_timeout=1000,
        ):
            missed, first = first and live.stale(), False
            if not changes and not missed:
                continue
            started = time.perf_counter()
            config = live.config.path.resolve() if live.config.path else None
            reload_config = missed or any(Path(path) == config for _, path in changes)
            try:
                site = live.rebuild(reload_config)
            except Exception as exc:  # a bug in one rebuild must not end the server
                log(f"error: rebuilding failed: {exc!r}; the page shows the previous build")
                continue
            took = time.perf_counter() - started
            log(f"rebuilt in {took:.2f} s: {site.cards} cards ({summarize(site.diagnostics)})")
            if live.watched() != folders:
                break


class _Handler(http.server.BaseHTTPRequestHandler):
    """GET only, exact paths only; no CORS headers, so other sites' pages cannot read the answers."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        """Answer the page, its data, its event stream, MathJax's files or a note or media file."""
        if not self.server.allows(self.headers.get("Host", "")):
            self._send(403, b"forbidden host\n", "text/plain; charset=utf-8")
            return
        live = self.server.live
        site = live.site
        assert site is not None
        path = urlsplit(self.path).path
        if path == "/":
            self._send(200, site.page, "text/html; charset=utf-8")
        elif path == "/data.json":
            self._send(200, site.data, "application/json")
        elif path == "/events":
            self._events(live)
        elif path in _MATHJAX_FILES:
            self._send(200, _MATHJAX_FILES[path].read_bytes(), _type(path), cache=True)
        elif (file := site.files.get(unquote(path))) is not None and _inside(file, site.roots):
            try:
                body = file.read_bytes()
            except OSError:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")
                return
            if path.startswith("/source/"):
                page = _source_page(body, unquote(path).removeprefix("/source/"))
                self._send(200, page, "text/html; charset=utf-8")
            else:
                self._send(200, body, _type(path))
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")

    def _send(self, status: int, body: bytes, kind: str, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)

    def _events(self, live: LivePreview) -> None:
        """A server-sent event stream: the build's version now, then after every rebuild."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        seen: str | None = None
        try:
            while not live.closing:
                version = live.wait(seen, KEEP_ALIVE_SECONDS)
                self.wfile.write(f"data: {version}\n\n".encode() if version else b": alive\n\n")
                self.wfile.flush()
                seen = version or seen
        except OSError:  # the page went away
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        """Requests are not logged (the terminal shows rebuilds)."""


class _Server(http.server.ThreadingHTTPServer):
    """Serves ``live``; refuses requests naming another host (DNS rebinding) when on loopback."""

    daemon_threads = True

    def __init__(self, host: str, port: int, live: LivePreview) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.live = live
        self.loopback = _is_loopback(host)
        super().__init__((host, port), _Handler)

    def allows(self, host_header: str) -> bool:
        """Whether the request's ``Host`` may be served: on loopback, only loopback names."""
        if not self.loopback:
            return True
        name = urlsplit(f"//{host_header}").hostname or ""
        return name == "localhost" or _is_loopback(name)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _inside(path: Path, roots: list[Path]) -> bool:
    """Whether ``path``, symlinks followed, is a file inside one of ``roots``."""
    try:
        real = path.resolve(strict=True)
    except OSError:
        return False
    return real.is_file() and any(real.is_relative_to(root) for root in roots)


def _mathjax_files() -> Iterator[tuple[str, Path]]:
    folder = mathjax_folder()
    yield f"/mathjax/{MATHJAX_SCRIPT}", Path(str(folder.joinpath(MATHJAX_SCRIPT)))
    for font in mathjax_fonts(folder):
        yield f"/mathjax/{MATHJAX_FONTS}/{font.name}", Path(str(font))


_MATHJAX_FILES = dict(_mathjax_files())


def _source_page(data: bytes, shown: str) -> bytes:
    """A note file as a page of numbered lines; ``#L<n>`` shows line n."""
    text = decode(data, shown).text or "(not a text file)"
    numbered = enumerate(text.split("\n"), 1)
    lines = "".join(f'<span id="L{n}">{html.escape(line)}\n</span>' for n, line in numbered)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><meta charset="utf-8"><title>{html.escape(shown)}</title>\n'
        f"<style>{_SOURCE_CSS}</style>\n<h1>{html.escape(shown)}</h1><pre>{lines}</pre></html>\n"
    ).encode()


_SOURCE_CSS = """
body { margin: 0; font: 14px/1.5 ui-monospace, "DejaVu Sans Mono", monospace; }
h1 { font-size: 14px; margin: 0; padding: 8px 12px; background: #eef0f3; }
pre { margin: 0; counter-reset: line; white-space: pre-wrap; }
pre span { display: block; padding-left: 5em; text-indent: -4em; }
pre span::before { counter-increment: line; content: counter(line); display: inline-block; width: 3.5em;
  margin-right: 0.5em; text-align: right; color: #9ca3af; }
pre span:target { background: #fde68a; }
@media (prefers-color-scheme: dark) { body { background: #1b1b1d; color: #e6e6e6; }
  h1 { background: #232326; } pre span:target { background: #854d0e; } }
"""


def _type(path: str) -> str:
    return mimetypes.guess_type(path)[0] or "application/octet-stream"
