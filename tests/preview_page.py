"""Helpers for tests of the preview page: read its data back, drive it in Chromium."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from playwright.sync_api import Page

_DATA = re.compile(r'<script type="application/json" id="pv-data">(.*?)</script>', re.DOTALL)
_BULK = re.compile(r'<script type="text/plain" id="pv-(\w)">(.*?)</script>', re.DOTALL)


def page_entries(page_html: str) -> list[dict[str, Any]]:
    """The entries a written page holds, as :func:`ankigen.preview.page_data` gave them."""
    match = _DATA.search(page_html)
    assert match, "no data in the page"
    packed = json.loads(match[1])
    bulk = {name: text.replace("\x1d", "<").split("\x1e") for name, text in _BULK.findall(page_html)}
    return unpack({**packed, **bulk})


def unpack(packed: dict[str, Any]) -> list[dict[str, Any]]:
    """Entries from the packed form (``index`` plus the bulky fields, as lists or joined strings)."""
    bulk = {
        name: value if isinstance(value, list) else value.replace("\x1d", "<").split("\x1e")
        for name, value in packed.items()
        if name in ("x", "f", "b")
    }
    entries = []
    for i, entry in enumerate(packed["index"]):
        entries.append({**entry, **{name: values[i] for name, values in bulk.items() if values[i]}})
    return entries


def settle(page: Page) -> None:
    """Wait until the page's script ran and every card it rendered is typeset."""
    page.wait_for_function("() => window.ankigenPreview")
    page.evaluate("() => ankigenPreview.settle()")


def render_all(page: Page) -> int:
    """Scroll to the end until every shown entry is rendered; the number rendered."""
    total = len(shown(page))
    deadline = time.monotonic() + 120
    while page.locator("#pv-list > .pv-card").count() < total and time.monotonic() < deadline:
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(30)
    settle(page)
    return int(page.locator("#pv-list > .pv-card").count())


def shown(page: Page) -> list[dict[str, Any]]:
    """What the filters currently let through: ``{source, line, card}`` per entry."""
    return list(page.evaluate("() => ankigenPreview.shown()"))
