"""``ankigen.lock``: its format and errors, which builds write it, matching, times, removed notes,
``diff`` and ``build --locked``."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import genanki
import pytest
from click.testing import Result
from conftest import run
from hypothesis import given
from hypothesis import strategies as st

from ankigen import identity
from ankigen.identity import Asked, match_notes, question_key
from ankigen.lock import HEADER, LockError, read_lock
from ankigen.notetype import RELEASE_EPOCH
from ankigen.state import REMOVED_TAG, digest, one_line

CONFIG = '[[deck]]\nname = "D"\nsources = ["notes/*.md"]\n'
EPOCH = RELEASE_EPOCH + 1000


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notes repository with one deck of two files, built from inside it."""
    (tmp_path / "ankigen.toml").write_text(CONFIG, "utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text(
        "## What is a tensor?\n\nAn array.\n\n## What is ReLU?\n\nmax(0, x)\n", "utf-8"
    )
    (tmp_path / "notes" / "b.md").write_text("## What is dropout?\n\nZeroing activations.\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    return tmp_path


def build(*args: str, epoch: int | None = None) -> Result:
    if epoch is not None:
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    return run("build", "--no-cache", *args)


def cards() -> dict[str, str]:
    """Front → GUID of every card ``list`` shows (the lock's GUIDs)."""
    result = run("list", "--json", "--no-cache")
    assert result.exit_code == 0, result.output
    return {card["front"]: card["guid"] for card in json.loads(result.stdout)}


def entries(root: Path) -> dict[str, dict[str, object]]:
    lines = (root / "ankigen.lock").read_text("utf-8").splitlines()
    return {json.loads(line)["question"]: json.loads(line) for line in lines[1:]}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


# The file: one sorted line per note, no answers, errors naming the line.


def test_a_full_build_writes_one_sorted_line_per_note_without_answers(notes: Path) -> None:
    assert build().exit_code == 0
    text = (notes / "ankigen.lock").read_text("utf-8")
    lines = text.splitlines()
    assert lines[0] == HEADER and len(lines) == 4
    rows = [json.loads(line) for line in lines[1:]]
    assert [(r["deck"], r["guid"]) for r in rows] == sorted((r["deck"], r["guid"]) for r in rows)
    assert {r["question"] for r in rows} == {"What is a tensor?", "What is ReLU?", "What is dropout?"}
    assert {r["file"] for r in rows} == {"notes/a.md", "notes/b.md"}
    assert "An array" not in text and "max(0" not in text
    assert all(r["time"] == EPOCH and "removed" not in r for r in rows)
    assert [p.name for p in notes.iterdir() if p.name.startswith(".ankigen")] == []


def test_without_a_lock_the_guids_are_the_rule_without_one(notes: Path) -> None:
    assert build().exit_code == 0
    assert cards() == {
        front: identity.note_guid("D", question_key(front))
        for front in ("What is a tensor?", "What is ReLU?", "What is dropout?")
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("<<<<<<< HEAD", "merge-conflict marker"),
        ("=======", "merge-conflict marker"),
        ('{"deck": "D"', "damaged lock entry: not a JSON object"),
        (
            '{"deck": "D", "guid": "x", "question": "q", "file": "f", "answer": "a", "hash": "h"}',
            "damaged lock entry: `time`",
        ),
        ('["a list"]', "damaged lock entry: not a JSON object"),
        (
            '{"deck": "D", "guid": "x", "question": "q", "file": "f", "answer": "a", "hash": "h", '
            '"time": 1, "note_type": "ankigen Nope"}',
            "damaged lock entry: `note_type` is not one of",
        ),
    ],
)
def test_a_damaged_lock_is_an_error_naming_its_line(notes: Path, line: str, message: str) -> None:
    assert build().exit_code == 0
    lock = notes / "ankigen.lock"
    rows = lock.read_text("utf-8").splitlines()
    rows.insert(2, line)
    lock.write_text("\n".join(rows) + "\n", "utf-8")
    before = (notes / "output" / "D.apkg").read_bytes()
    result = build()
    assert result.exit_code == 1
    assert f"ankigen.lock:3: error: {message}" in result.stderr and "[lock]" in result.stderr
    assert "Traceback" not in result.output
    assert (notes / "output" / "D.apkg").read_bytes() == before
    with pytest.raises(LockError):
        read_lock(lock, "ankigen.lock")


def test_a_note_on_two_lines_after_a_merge_keeps_the_newer_line(notes: Path) -> None:
    assert build().exit_code == 0
    lock = notes / "ankigen.lock"
    rows = lock.read_text("utf-8").splitlines()
    older = json.loads(rows[1])
    newer = dict(older, time=older["time"] + 5, hash="0" * 16)
    lock.write_text("\n".join([*rows, json.dumps(newer)]) + "\n", "utf-8")
    kept = [e for e in read_lock(lock, "ankigen.lock") or [] if e.guid == older["guid"]]
    assert [e.time for e in kept] == [older["time"] + 5]


# Which builds write it.


@pytest.mark.parametrize(
    "args",
    [["notes/a.md"], ["--deck", "Other"], ["-o", "elsewhere"]],
    ids=["partial", "deck", "output-elsewhere"],
)
def test_only_a_full_build_into_the_configured_output_updates_the_lock(notes: Path, args: list[str]) -> None:
    assert build().exit_code == 0
    lock = (notes / "ankigen.lock").read_bytes()
    (notes / "notes" / "b.md").unlink()
    edit(notes / "notes" / "a.md", "An array.", "An n-dimensional array.")
    result = build(*args, epoch=EPOCH + 50)
    assert result.exit_code == 0, result.output
    assert (notes / "ankigen.lock").read_bytes() == lock
    if "-o" not in args:  # a build of every note elsewhere carries and reports what the lock says left
        assert "removed" not in result.stderr


def test_a_partial_build_reads_the_lock(notes: Path) -> None:
    assert build().exit_code == 0
    guid = cards()["What is a tensor?"]
    edit(notes / "notes" / "a.md", "What is a tensor?", "What is a tensor ?")
    assert build("notes/a.md", "-o", "partial").exit_code == 0
    listed = json.loads(run("list", "--json", "--no-cache", "notes/a.md").stdout)
    assert {c["guid"] for c in listed if c["front"] == "What is a tensor ?"} == {guid}


# Matching: rewording keeps the note, a different question is a new one.


@pytest.mark.parametrize(
    "reworded",
    [
        "What is a tensr?",
        "What is a tensor!",
        "What is a tensor, really?",
        "What is a **tensor**?",
        "3. What is a tensor?",
        "What is the tensor?",
    ],
)
def test_a_reworded_question_keeps_its_guid(notes: Path, reworded: str) -> None:
    assert build().exit_code == 0
    guid = cards()["What is a tensor?"]
    edit(notes / "notes" / "a.md", "What is a tensor?", reworded)
    assert build(epoch=EPOCH + 10).exit_code == 0
    front = reworded.removeprefix("3. ")  # a heading's numbering is not part of the front
    assert cards()[front] == guid
    assert entries(notes)[front]["guid"] == guid


def test_a_genuinely_different_question_is_a_new_note_and_the_old_one_removed(notes: Path) -> None:
    assert build().exit_code == 0
    guid = cards()["What is a tensor?"]
    edit(notes / "notes" / "a.md", "What is a tensor?\n\nAn array.", "Who wrote backprop?\n\nRumelhart.")
    result = build(epoch=EPOCH + 10)
    assert "notes/a.md: removed from deck 'D': What is a tensor?" in result.stderr
    assert cards()["Who wrote backprop?"] != guid
    assert entries(notes)["What is a tensor?"]["removed"] == EPOCH + 10


def test_an_identical_answer_matches_a_rewritten_question(notes: Path) -> None:
    assert build().exit_code == 0
    guid = cards()["What is ReLU?"]
    edit(notes / "notes" / "a.md", "What is ReLU?", "Which activation computes this?")
    assert build(epoch=EPOCH + 10).exit_code == 0
    assert cards()["Which activation computes this?"] == guid


def test_moved_and_renamed_notes_keep_their_guids_and_times(notes: Path) -> None:
    assert build().exit_code == 0
    before, times = cards(), {q: e["time"] for q, e in entries(notes).items()}
    a, b = notes / "notes" / "a.md", notes / "notes" / "b.md"
    edit(a, "## What is ReLU?\n\nmax(0, x)\n", "")
    b.write_text(b.read_text("utf-8") + "\n## What is ReLU?\n\nmax(0, x)\n", "utf-8")
    b.rename(notes / "notes" / "basics.md")
    assert build(epoch=EPOCH + 10).exit_code == 0
    assert cards() == before
    after = entries(notes)
    assert {q: e["time"] for q, e in after.items()} == times
    assert after["What is ReLU?"]["file"] == "notes/basics.md"


def test_a_whole_file_guess_that_changes_every_front_keeps_the_notes(notes: Path) -> None:
    # Three headings starting with a bare number make the parser strip it from every question.
    a = notes / "notes" / "a.md"
    a.write_text("## 3 reasons ReLU works?\n\nx\n\n## 2 kinds of pooling?\n\ny\n", "utf-8")
    assert build().exit_code == 0
    before = cards()
    a.write_text(a.read_text("utf-8") + "\n## 5 tips for training?\n\nz\n", "utf-8")
    assert build(epoch=EPOCH + 10).exit_code == 0
    after = cards()
    assert after["reasons ReLU works?"] == before["3 reasons ReLU works?"]
    assert after["kinds of pooling?"] == before["2 kinds of pooling?"]


def test_matching_does_not_depend_on_hash_seeds(notes: Path) -> None:
    assert build().exit_code == 0
    a = notes / "notes" / "a.md"
    a.write_text(
        "## What is a tensr?\n\nAn array.\n\n## What is a tensor product?\n\nmax(0, x)\n"
        "## What is a tensors?\n\nSomething.\n",
        "utf-8",
    )
    listed = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "ankigen", "list", "--json", "--no-cache"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        listed.append({c["front"]: c["guid"] for c in json.loads(done.stdout)})
    assert listed[0] == listed[1]


def test_repeated_questions_are_told_apart_by_content() -> None:
    def asked(answer: str, guid: str = "") -> Asked:
        return Asked("what is the output?", answer, f"content of {answer}", guid)

    earlier = [asked("1", "g1"), asked("2", "g2"), asked("3", "g3")]
    inserted = [asked("0"), asked("1"), asked("2"), asked("3")]
    assert match_notes(earlier, inserted) == {1: 0, 2: 1, 3: 2}
    assert match_notes(earlier, [asked("1"), asked("3")]) == {0: 0, 1: 2}
    edited = [asked("1"), Asked("what is the output?", "2b", "content of 2b", ""), asked("3")]
    assert match_notes(earlier, edited) == {0: 0, 2: 2, 1: 1}


def test_rewordings_pair_best_first_one_to_one_whatever_the_order() -> None:
    earlier = [
        Asked("what is a tensor?", "a1", "c1", "g1"),
        Asked("what is a tensor product?", "a2", "c2", "g2"),
    ]
    current = [
        Asked("what is a tensor producto?", "x", "y", ""),
        Asked("what is a tensr?", "x2", "y2", ""),
        Asked("who wrote backprop?", "x3", "y3", ""),
    ]
    pairs = match_notes(earlier, current)
    assert pairs == {0: 1, 1: 0}
    reversed_pairs = match_notes(earlier[::-1], current[::-1])
    assert {2 - n: 1 - o for n, o in reversed_pairs.items()} == pairs


def test_notes_are_matched_only_within_their_note_type() -> None:
    earlier = [Asked("what is a tensor?", "a", "c", "g1"), Asked("why relu?", "b", "d", "g2")]
    current = [
        Asked("what is a tensor?", "a", "c", "", "ankigen Other"),  # same content, other note type
        Asked("why relu?", "b", "d", ""),
    ]
    assert match_notes(earlier, current) == {1: 1}
    reworded = [Asked("what is a tensr?", "a", "c2", "", "ankigen Other")]
    assert match_notes(earlier, reworded) == {}


def test_only_basic_notes_keep_the_guid_rule_of_the_first_release() -> None:
    assert identity.note_guid("D", "q") == genanki.guid_for("D", "q")
    assert identity.note_guid("D", "q", 2) == genanki.guid_for("D", "q", 2)
    other = identity.note_guid("D", "q", 1, "ankigen Other")
    assert other == genanki.guid_for("D", "q", 1, "ankigen Other") != identity.note_guid("D", "q")
    held = {other}
    assert identity.free_guid("D", "q", held, "ankigen Other") == identity.note_guid(
        "D", "q", 2, "ankigen Other"
    )


def test_a_new_note_never_takes_a_guid_the_lock_holds() -> None:
    held = {identity.note_guid("D", "q")}
    assert identity.free_guid("D", "q", held) == identity.note_guid("D", "q", 2)


# Times: only a changed note gets a new one.


def test_only_changed_notes_get_a_new_time(notes: Path) -> None:
    assert build().exit_code == 0
    edit(notes / "notes" / "a.md", "An array.", "An n-dimensional array.")
    assert build(epoch=EPOCH + 100).exit_code == 0
    times = {q: e["time"] for q, e in entries(notes).items()}
    assert times == {"What is a tensor?": EPOCH + 100, "What is ReLU?": EPOCH, "What is dropout?": EPOCH}
    edit(notes / "notes" / "a.md", "n-dimensional", "N-dimensional")
    assert build(epoch=EPOCH + 50).exit_code == 0  # an older SOURCE_DATE_EPOCH: still newer
    assert entries(notes)["What is a tensor?"]["time"] == EPOCH + 101
    first = (notes / "output" / "D.apkg").read_bytes()
    assert build(epoch=EPOCH + 999).exit_code == 0  # nothing changed: the same bytes, any epoch
    assert (notes / "output" / "D.apkg").read_bytes() == first


def test_the_same_sources_and_lock_give_the_same_bytes_for_any_jobs_and_cache(notes: Path) -> None:
    assert build().exit_code == 0
    edit(notes / "notes" / "a.md", "An array.", "An n-dimensional array.")
    assert build(epoch=EPOCH + 100).exit_code == 0
    first = (notes / "output" / "D.apkg").read_bytes()
    assert run("build", "-j", "2").exit_code == 0
    assert (notes / "output" / "D.apkg").read_bytes() == first
    assert run("build", "-j", "1").exit_code == 0
    assert (notes / "output" / "D.apkg").read_bytes() == first


# Removed notes.


def test_removed_notes_are_carried_until_dropped(notes: Path) -> None:
    assert build().exit_code == 0
    guid = cards()["What is dropout?"]
    (notes / "notes" / "b.md").unlink()
    result = build(epoch=EPOCH + 10)
    assert "notes/b.md: removed from deck 'D': What is dropout?" in result.stderr
    assert f"1 note left the sources; the decks carry them tagged {REMOVED_TAG}" in result.stderr
    assert entries(notes)["What is dropout?"]["removed"] == EPOCH + 10
    again = build(epoch=EPOCH + 20)
    assert "removed" not in again.stderr  # reported once; still carried
    assert entries(notes)["What is dropout?"]["time"] == EPOCH + 10

    (notes / "notes" / "b.md").write_text("## What is dropout?\n\nZeroing activations.\n", "utf-8")
    assert build(epoch=EPOCH + 30).exit_code == 0
    assert cards()["What is dropout?"] == guid  # back: the same note
    assert "removed" not in entries(notes)["What is dropout?"]

    (notes / "notes" / "b.md").unlink()
    assert build(epoch=EPOCH + 40).exit_code == 0
    (notes / "ankigen.toml").write_text('removed_notes = "drop"\n' + CONFIG, "utf-8")
    assert build(epoch=EPOCH + 50).exit_code == 0
    assert "What is dropout?" not in entries(notes)


def test_a_removed_deck_is_carried_in_a_deck_file_of_its_own(notes: Path) -> None:
    assert build().exit_code == 0
    (notes / "ankigen.toml").write_text(CONFIG.replace('"D"', '"E"'), "utf-8")
    result = build(epoch=EPOCH + 10)
    assert result.exit_code == 0, result.output
    assert "output/D.apkg: D — 0 cards" in result.stdout
    lines = (notes / "ankigen.lock").read_text("utf-8").splitlines()[1:]
    decks = [(json.loads(line)["deck"], "removed" in json.loads(line)) for line in lines]
    assert sorted(decks) == [("D", True)] * 3 + [("E", False)] * 3


# diff and --locked.


def test_diff_shows_what_the_next_build_changes(notes: Path) -> None:
    assert run("diff", "--exit-code").exit_code == 1  # no lock: everything is new
    assert build().exit_code == 0
    clean = run("diff", "--exit-code")
    assert (
        clean.exit_code == 0
        and clean.stdout.strip() == "D: 0 new, 0 changed, 0 reworded, 0 removed, 3 unchanged"
    )
    a = notes / "notes" / "a.md"
    edit(a, "What is a tensor?", "What is a tensr?")
    edit(a, "max(0, x)", "max(0, x), elementwise")
    (notes / "notes" / "b.md").write_text("## What is a batch?\n\nSome examples.\n", "utf-8")
    result = run("diff")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "D: 1 new, 1 changed, 1 reworded, 1 removed, 0 unchanged",
        "  new       notes/b.md:1: What is a batch?",
        "  changed   notes/a.md:5: What is ReLU?",
        "  reworded  notes/a.md:1: What is a tensor? → What is a tensr?",
        "  removed   notes/b.md: What is dropout?",
    ]
    data = json.loads(run("diff", "--json").stdout)
    (deck,) = data["decks"]
    assert deck["reworded"] == [
        {"was": "What is a tensor?", "question": "What is a tensr?", "source": "notes/a.md:1"}
    ]
    assert deck["removed"] == [{"question": "What is dropout?", "file": "notes/b.md"}]
    assert deck["unchanged"] == 0 and len(deck["new"]) == len(deck["changed"]) == 1
    assert run("diff", "--exit-code").exit_code == 1


@pytest.mark.parametrize(
    "change", [lambda p: None, lambda p: edit(p / "notes" / "a.md", "An array.", "A grid.")]
)
def test_locked_fails_when_the_lock_is_missing_or_would_change(
    notes: Path, change: Callable[[Path], None]
) -> None:
    first = build("--locked")
    assert first.exit_code == 1 and "--locked: there is no ankigen.lock" in first.stderr
    assert not list(notes.glob("output/*")) and not (notes / "ankigen.lock").exists()
    assert build().exit_code == 0
    deck, lock = (notes / "output" / "D.apkg").read_bytes(), (notes / "ankigen.lock").read_bytes()
    change(notes)
    result = build("--locked", epoch=EPOCH + 10)
    changed = (notes / "notes" / "a.md").read_text("utf-8").count("A grid.")
    assert result.exit_code == changed
    if changed:
        assert "--locked: ankigen.lock is not current (1 changed); run `ankigen build`" in result.stderr
    assert (notes / "output" / "D.apkg").read_bytes() == deck
    assert (notes / "ankigen.lock").read_bytes() == lock


def test_without_a_config_the_lock_is_in_the_folder_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "a.md").write_text("## What is a tensor?\n\nAn array.\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert run("build", "study", "--no-cache").exit_code == 0
    assert [
        json.loads(line)["question"]
        for line in (tmp_path / "study" / "ankigen.lock").read_text("utf-8").splitlines()[1:]
    ] == ["What is a tensor?"]
    assert not (tmp_path / "ankigen.lock").exists()
    assert run("build", "study/a.md", "--no-cache").exit_code == 0  # one file: reads the lock, writes nothing
    assert run("diff", "study", "--exit-code").exit_code == 0


def test_a_file_whose_title_can_no_longer_be_told_stays_in_its_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No config: the title names the deck. A second top-level heading makes the title ambiguous; the
    # parser then names the deck after the file, but the lock keeps the notes where they were.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    (tmp_path / "notes").mkdir()
    note = tmp_path / "notes" / "la.md"
    note.write_text(
        "# Linear Algebra\n\n## What is a vector?\n\nAn arrow.\n\n## What is a matrix?\n\nA grid.\n", "utf-8"
    )

    def decks() -> dict[str, tuple[str, str]]:
        result = run("list", "notes", "--json", "--no-cache")
        assert result.exit_code == 0, result.output
        return {c["front"]: (c["deck"], c["guid"]) for c in json.loads(result.stdout)}

    assert run("build", "notes", "--no-cache").exit_code == 0
    before = decks()
    assert {deck for deck, _ in before.values()} == {"Linear Algebra"}
    note.write_text(
        note.read_text("utf-8") + "\n# Appendix\n\n## What is a basis?\n\nSpanning set.\n", "utf-8"
    )
    after = decks()
    assert after["What is a vector?"] == before["What is a vector?"]
    assert after["What is a matrix?"] == before["What is a matrix?"]
    assert after["What is a basis?"][0] == "Linear Algebra"
    (tmp_path / "notes" / "ankigen.lock").unlink()  # without the lock: the rule without a state file
    assert decks()["What is a vector?"][0] == "la"


@given(st.lists(st.one_of(st.text(), st.integers(min_value=0)), min_size=1, max_size=4))
def test_guids_are_genankis_without_importing_it(values: list[object]) -> None:
    assert identity.guid_for(*values) == genanki.guid_for(*values)


_JSONISH = st.recursive(
    st.one_of(st.text(), st.integers(), st.none(), st.booleans()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=3), inner, max_size=3),
    ),
    max_leaves=8,
)


@given(st.lists(_JSONISH, max_size=6))
def test_digests_are_those_of_the_lock_format(parts: list[object]) -> None:
    """The lock's digests are of ``json.dumps(parts, ensure_ascii=False, sort_keys=True)``."""
    data = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")
    assert digest(*parts) == hashlib.sha256(data).hexdigest()[:16]


@given(
    st.text(
        alphabet=st.characters(codec="utf-8") | st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000")
    )
)
def test_one_line_collapses_every_whitespace_run(text: str) -> None:
    assert one_line(text) == re.sub(r"\s+", " ", text).strip()
