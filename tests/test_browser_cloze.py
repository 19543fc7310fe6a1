"""Cloze cards as a learner sees them: Anki's own rendering of each card (the ``anki`` package), in
headless Chromium with MathJax 3.2.2 configured as Anki 26 configures it.

Every front and back of the cloze deck of ``test_anki_cloze`` (math, code, lists and tables inside
clozes, clozes inside math) is put in a page like Anki's card page; MathJax must typeset every formula
on both sides without an error, and no TeX, ``{{c`` or ``}}`` may be left in the text. The separators
the renderer puts into TeX inside clozes must not change what MathJax draws.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from conftest import import_apkg, run
from test_anki_cloze import _write_notes
from test_browser import _MATHJAX_CONFIG, CHROMIUM, MATHJAX, PHONE

if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is required under CI (/usr/bin/chromium missing)", pytrace=False)
    pytest.skip("chromium not installed at /usr/bin/chromium", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402


def _sides(tmp: Path) -> list[tuple[str, str]]:
    """(label, HTML) of every side of every cloze card, as Anki renders it."""
    project = tmp / "project"
    project.mkdir()
    _write_notes(project)
    cwd = Path.cwd()
    os.chdir(project)
    try:
        assert run("build", "notes").exit_code == 0
        col = Collection(str(tmp / "collection.anki2"))
        for path in sorted(Path("output").glob("*.apkg")):
            import_apkg(col, path)
        sides = []
        for card_id in col.find_cards('"note:ankigen Cloze"'):
            card = col.get_card(card_id)
            label = f"{card.note().fields[3]} card {card.ord + 1}"
            sides += [(f"{label} front", card.question()), (f"{label} back", card.answer())]
        col.close()
    finally:
        os.chdir(cwd)
    return sides


def _page(sides: list[tuple[str, str]]) -> str:
    body = "\n".join(
        f'<section class="side" data-label="{html.escape(label)}">'
        f'<div class="card"><div id="qa">{side}</div></div></section>'
        for label, side in sides
    )
    return f"""<!doctype html><html><head><meta charset="utf-8">
<script>{_MATHJAX_CONFIG}</script><script src="{MATHJAX.as_uri()}"></script>
<style>.hide-math mjx-container {{ display: none !important; }}</style></head>
<body>{body}</body></html>"""


_COLLECT = """() => {
  document.body.classList.add("hide-math");
  const out = [...document.querySelectorAll("section.side")].map(s => ({
    label: s.dataset.label,
    text: s.innerText,
    formulas: s.querySelectorAll("mjx-container").length,
    errors: s.querySelectorAll("mjx-merror").length,
    clozesInMath: [...s.querySelectorAll("mjx-container")]
      .filter(m => m.textContent.includes("[...]")).length,
  }));
  document.body.classList.remove("hide-math");
  return out;
}"""


def _load(page: Page, page_html: str, folder: Path) -> None:
    """Show ``page_html`` in ``page`` and wait for MathJax to typeset it."""
    (folder / "index.html").write_text(page_html, "utf-8")
    page.goto((folder / "index.html").as_uri())
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
    page.evaluate("MathJax.startup.promise")


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser.new_page(viewport=PHONE)
        browser.close()


@pytest.fixture(scope="module")
def typeset(page: Page) -> Iterator[tuple[list[tuple[str, str]], list[dict[str, Any]]]]:
    with tempfile.TemporaryDirectory() as folder:
        sides = _sides(Path(folder))
        _load(page, _page(sides), Path(folder))
        yield sides, page.evaluate(_COLLECT)


def test_mathjax_typesets_every_formula_on_both_sides(
    typeset: tuple[list[Any], list[dict[str, Any]]],
) -> None:
    sides, results = typeset
    assert len(results) == len(sides) >= 40
    for (label, side), result in zip(sides, results, strict=True):
        written = len(re.findall(r"\\\(|\\\[", re.sub(r"<style>.*?</style>", "", side, flags=re.DOTALL)))
        assert result["errors"] == 0, label
        assert result["formulas"] == written, (label, result["text"])


def test_no_tex_or_cloze_markup_is_left_in_the_text(typeset: tuple[list[Any], list[dict[str, Any]]]) -> None:
    _, results = typeset
    for result in results:
        text = result["text"]
        for leak in ("\\(", "\\[", "\\)", "{{c", "}}"):
            assert leak not in text, (result["label"], leak, text)


def test_a_cloze_inside_math_is_typeset_hidden_and_shown(
    typeset: tuple[list[Any], list[dict[str, Any]]],
) -> None:
    _, results = typeset
    hidden_in_math = [r["label"] for r in results if r["clozesInMath"]]
    # x = {{c2::\frac{a}{b}}} (Markdown) and  {{c2::$i, j ∈ {1, 2}$}} around math: only the first is inside
    assert hidden_in_math == [label for label in hidden_in_math if label.endswith("card 2 front")]
    assert len(hidden_in_math) == 1


def test_separators_in_tex_do_not_change_what_mathjax_draws(page: Page, tmp_path: Path) -> None:
    pairs = [
        (r"\frac{a}{\frac{b}{c}}", r"\frac{a}{\frac{b}{c} }"),
        (r"x_{i^{2}}", r"x_{i^{2} }"),
        (r"-\frac{1}{x^{2}}", r"-\frac{1}{x^{2} }"),
        (r"f \colon A :: B", r"f \colon A : : B"),
        (r"\mathbb{R}^{n}::", r"\mathbb{R}^{n}: :"),
    ]
    control = (r"\text{a:b}", r"\text{a: b}")
    sides = [
        (f"{n}{k}", f"<p>\\({tex}\\)</p>")
        for n, pair in enumerate([*pairs, control])
        for k, tex in enumerate(pair)
    ]
    _load(page, _page(sides), tmp_path)
    drawn = page.evaluate("() => [...document.querySelectorAll('mjx-container')].map(m => m.innerHTML)")
    assert len(drawn) == 2 * len(pairs) + 2
    for n in range(len(pairs)):
        assert drawn[2 * n] == drawn[2 * n + 1], pairs[n]
    assert drawn[-2] != drawn[-1], "the comparison must see a space that shows (in text)"
