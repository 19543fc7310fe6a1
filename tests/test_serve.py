"""`ankigen serve` as a user runs it: a subprocess on a free loopback port, a real Chromium page on it.

Edits on disk reach the open page without a reload (keeping its filters), broken notes and configs
only give diagnostics on the page, Ctrl-C ends the server cleanly, and the server answers only for
its own files and the notes' tree (``..``, ``%2e%2e``, absolute paths and symlinks refused; no CORS).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from preview_page import settle, shown, unpack

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120
NOTE = """# Algebra

## What is the derivative of \\(x^2\\)?

It is \\(2x\\).

## What is a prime number?

A number with exactly two divisors.
"""


@dataclass
class Server:
    """A running ``ankigen serve`` and what it printed on stderr."""

    process: subprocess.Popen[str]
    url: str
    lines: list[str]
    reader: threading.Thread

    def get(self, path: str, host: str | None = None) -> http.client.HTTPResponse:
        """GET ``path`` exactly as written (no normalisation), optionally with another Host header."""
        port = int(self.url.rsplit(":", 1)[1].strip("/"))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.putrequest("GET", path, skip_host=host is not None)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def wait_for_line(self, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in {self.lines}")


def _start(cwd: Path, *args: str) -> Server:
    process = subprocess.Popen(
        [sys.executable, "-m", "ankigen", "serve", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert process.stderr is not None

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        for line in lines:
            if match := re.search(r"at (http://\S+/)", line):
                return Server(process, match[1], lines, reader)
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"serve did not start: {lines}")


def _stop(server: Server) -> None:
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=20) == 0, server.lines
    server.reader.join(timeout=10)  # everything it printed has been read
    assert server.lines[-1] == "stopped", server.lines
    assert not any("Traceback" in line for line in server.lines), server.lines


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A notes project: ankigen.toml, a Markdown file with math and a Q:/A: seed."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "algebra.md").write_text(NOTE, encoding="utf-8")
    shutil.copy(next((REPO / "seeds").glob("000_*.txt")), tmp_path / "notes" / "interview.txt")
    (tmp_path / "ankigen.toml").write_text(
        'parent = "Study"\n\n[[deck]]\nname = "Math"\nsources = ["notes/*.md"]\n\n'
        '[[deck]]\nname = "Interview"\nsources = ["notes/*.txt"]\n',
        encoding="utf-8",
    )
    return tmp_path


@pytest.fixture
def server(notes: Path) -> Iterator[Server]:
    running = _start(notes)
    yield running
    _stop(running)


def _open(browser: Browser, server: Server) -> Page:
    page = browser.new_page(viewport={"width": 900, "height": 1000})
    page.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
    page.goto(server.url)
    settle(page)
    expect(page.locator("#pv-status")).to_have_text("live")
    return page


def _card(page: Page, text: str) -> object:
    return page.locator("#pv-list > .pv-card", has_text=text)


def test_serves_on_loopback_on_a_free_port(server: Server) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
    assert int(server.url.rsplit(":", 1)[1].strip("/")) > 0
    server.wait_for_line(r"^serving \d+ cards \(\d+ errors?, \d+ warnings?\) at http://127\.0\.0\.1:")


def test_an_edit_on_disk_shows_on_the_open_page_keeping_its_filters(
    browser: Browser, server: Server, notes: Path
) -> None:
    page = _open(browser, server)
    page.select_option("#pv-deck", "Study::Math")
    expect(page.locator("#pv-count")).to_have_text(re.compile(r"^2 of \d+ cards$"))
    expect(page.locator("mjx-container").first).to_be_attached()
    page.evaluate("() => { window.notReloaded = true; }")
    note = notes / "notes" / "algebra.md"
    saved = time.monotonic()
    note.write_text(NOTE.replace("prime number?", "prime number, really?"), encoding="utf-8")
    expect(_card(page, "prime number, really?")).to_have_count(1, timeout=10_000)
    print(f"edit shown on the page {time.monotonic() - saved:.2f} s after the save")
    assert page.evaluate("() => window.notReloaded") is True, "the page was reloaded"
    expect(page.locator("#pv-deck")).to_have_value("Study::Math")
    expect(page.locator("#pv-count")).to_have_text(re.compile(r"^2 of \d+ cards$"))
    settle(page)
    assert page.locator("mjx-container").count() >= 2  # the new card's math is typeset too
    server.wait_for_line(r"^rebuilt in [\d.]+ s: \d+ cards")
    page.close()


def test_an_edit_keeps_the_reader_where_they_were(browser: Browser, server: Server, notes: Path) -> None:
    page = _open(browser, server)
    target = page.locator("#pv-list > .pv-card").nth(12)
    target.scroll_into_view_if_needed()
    page.evaluate("(y) => window.scrollBy(0, y)", target.bounding_box()["y"] - 150)  # type: ignore[index]
    page.wait_for_timeout(300)
    at = "() => document.elementFromPoint(450, 160).closest('.pv-card').innerText.slice(0, 300)"
    before = page.evaluate(at)
    longer = NOTE.replace(
        "A number with exactly two divisors.", "A number with exactly two divisors.\n\n" * 8
    )
    (notes / "notes" / "algebra.md").write_text(longer, encoding="utf-8")  # a card above grows
    expect(_card(page, "two divisors.")).to_contain_text("two divisors. A number", timeout=10_000)
    page.wait_for_timeout(300)
    assert page.evaluate(at) == before
    page.close()


def test_a_broken_formula_shows_its_diagnostic_on_its_card(
    browser: Browser, server: Server, notes: Path
) -> None:
    page = _open(browser, server)
    expect(page.locator(".pv-diagnostics li", has_text="tex-")).to_have_count(0)
    broken = NOTE.replace("It is \\(2x\\).", "It is \\(\\frac{2x\\).")
    (notes / "notes" / "algebra.md").write_text(broken, encoding="utf-8")
    card = page.locator("#pv-list > .pv-card", has_text="derivative")
    expect(card.locator(".pv-diagnostics li")).to_contain_text(
        re.compile(r"notes/algebra\.md:5(:\d+)?: warning: .*\[tex-\w+\]")
    )
    page.check("#pv-problems")
    assert [e["source"] for e in shown(page) if e["card"]] == ["notes/algebra.md"]
    page.close()


def test_broken_notes_and_config_never_stop_the_server(browser: Browser, server: Server, notes: Path) -> None:
    page = _open(browser, server)
    note = notes / "notes" / "algebra.md"
    note.write_bytes(b"\x00\x01binary\x00")
    expect(page.locator(".pv-loose .pv-diagnostics li", has_text="binary-file")).to_have_count(1)
    config = notes / "ankigen.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("[[deck]]", "[[deck]]\nnonsense = 1", 1), encoding="utf-8")
    expect(page.locator(".pv-diagnostics li", has_text="[config]")).to_contain_text("ankigen.toml:4")
    assert shown(page) and not any(e["card"] for e in shown(page))
    config.write_text(good.replace('"Math"', '"Mathematics"'), encoding="utf-8")
    note.write_text(NOTE, encoding="utf-8")
    expect(page.locator("#pv-deck option[value='Study::Mathematics']")).to_have_count(1)
    expect(_card(page, "prime number")).to_have_count(1)
    assert server.process.poll() is None
    page.close()


def test_only_its_own_files_and_the_notes_tree_are_served(
    server: Server, notes: Path, tmp_path: Path
) -> None:
    secret = tmp_path.parent / f"{tmp_path.name}-secret.md"
    secret.write_text("# Secret\n\n## Hidden?\n\nYes.\n", encoding="utf-8")
    os.symlink(secret, notes / "notes" / "link.md")  # a note symlinked out of the tree
    # The note is built (as `link.md`), but its file is not served: it lies outside the tree.
    server.wait_for_line(r"^(rebuilt|error: rebuilding failed)", timeout=30)
    data = server.get("/data.json")
    assert data.status == 200
    assert server.get("/").status == 200
    assert server.get("/mathjax/tex-chtml-full.js").status == 200
    assert server.get("/source/notes/algebra.md").status == 200
    assert server.get("/source/notes/%61lgebra.md").status == 200  # percent-decoded, still the same file
    refused = [
        "/source/notes/../ankigen.toml",
        "/source/notes/%2e%2e/ankigen.toml",
        "/source/notes/%2E%2E/%2E%2E/" + secret.name,
        "/source/../../../../etc/passwd",
        "/source//etc/passwd",
        "/source/" + str(secret),
        "//etc/passwd",
        "/etc/passwd",
        "/ankigen.toml",
        "/notes/algebra.md",
        "/source/notes/link.md",
        "/mathjax/../preview.py",
        "/mathjax/%2e%2e/%2e%2e/es5/tex-chtml-full.js",
        "/media/../notes/algebra.md",
    ]
    for path in refused:
        assert server.get(path).status == 404, path
    secret.unlink()


def test_no_cors_headers_and_no_other_hosts(server: Server) -> None:
    for path in ("/", "/data.json", "/source/notes/algebra.md", "/nothing"):
        response = server.get(path)
        assert not [h for h in response.headers if h.lower().startswith("access-control-")], path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert server.get("/", host="evil.example:80").status == 403  # DNS rebinding
    assert server.get("/", host="localhost").status == 200


def test_the_data_the_page_fetches_is_the_page_s_own(server: Server) -> None:
    import json

    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/data.json")
    packed = json.loads(connection.getresponse().read())
    connection.close()
    entries = unpack(packed)
    assert packed["live"] is True and packed["version"]
    assert sum("f" in e for e in entries) == 42  # 2 in algebra.md, 40 in the seed


def test_a_taken_port_is_an_error_not_a_traceback(server: Server, notes: Path) -> None:
    port = server.url.rsplit(":", 1)[1].strip("/")
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "serve", "--port", port],
        cwd=notes,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_source_links_open_the_note_at_its_line(browser: Browser, server: Server) -> None:
    page = _open(browser, server)
    link = _card(page, "prime number").locator(".pv-back .source a")
    expect(link).to_have_text("notes/algebra.md:7")
    assert link.get_attribute("href") == "source/notes/algebra.md#L7"
    link.click()
    page.wait_for_url(server.url + "source/notes/algebra.md#L7")
    target = page.locator("#L7")
    expect(target).to_have_text("## What is a prime number?\n")
    assert target.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.locator("pre > span").count() == NOTE.count("\n") + 1
    page.close()


def test_open_opens_the_page_in_the_browser(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = tmp_path / "opened.txt"
    record = f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])"
    monkeypatch.setenv("BROWSER", f'{sys.executable} -c "{record}" %s')
    running = _start(notes, "--open")
    try:
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text(encoding="utf-8") == running.url
    finally:
        _stop(running)


def test_only_notes_media_and_the_config_trigger_a_rebuild(notes: Path) -> None:
    from watchfiles import Change

    from ankigen.build import CollectOptions
    from ankigen.config import load_config
    from ankigen.serve import LivePreview

    live = LivePreview((), "auto", load_config(notes / "ankigen.toml"), CollectOptions())
    relevant = [notes / "notes" / "new.md", notes / "notes" / "img" / "a.png", notes / "ankigen.toml"]
    ignored = [
        notes / "notes" / ".algebra.md.swp",
        notes / "notes" / "algebra.md~",
        notes / "notes" / "deck.apkg",
        notes / "output" / "preview_files" / "media" / "abc.png",
        notes / "output" / "notes.md",
    ]
    for path in relevant:
        assert live.relevant(Change.modified, str(path)), path
    for path in ignored:
        assert not live.relevant(Change.modified, str(path)), path


def test_changes_before_the_watch_began_are_caught_up_with(notes: Path) -> None:
    from ankigen.build import CollectOptions
    from ankigen.config import load_config
    from ankigen.serve import LivePreview

    live = LivePreview((), "auto", load_config(notes / "ankigen.toml"), CollectOptions())
    live.rebuild()
    assert not live.stale()
    (notes / "output").mkdir()
    (notes / "output" / "x.md").write_text("# not a note\n", encoding="utf-8")
    (notes / "notes" / ".swap.md").write_text("x", encoding="utf-8")
    assert not live.stale()
    note = notes / "notes" / "algebra.md"
    os.utime(note, ns=(note.stat().st_atime_ns, note.stat().st_mtime_ns + 1_000_000))
    assert live.stale()
    live.rebuild()
    assert not live.stale()
    note.unlink()
    assert live.stale()
    (notes / "notes" / "new.md").write_text(NOTE, encoding="utf-8")
    live.rebuild()
    assert not live.stale()
    (notes / "ankigen.toml").write_text("", encoding="utf-8")
    assert live.stale()
