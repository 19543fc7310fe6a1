"""A learner's collection kept in step with the notes through ``ankigen.lock``, with the real ``anki``.

One collection lives through a sequence of edit → build → import steps. Its cards have been
answered (real revlog rows) and two notes carry the learner's own tag and edit. After every step:
no duplicate notes, every review history still on the card of the same note, the learner's tags
and edits untouched where the note did not change, exactly the edited notes updated, and the
removed notes found by one search.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Set
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId
from click.testing import CliRunner, Result
from conftest import import_apkg

from ankigen.cli import cli
from ankigen.state import REMOVED_TAG

A_MD = """\
## What is a tensor?

A multi-dimensional array.

## What is ReLU?

max(0, x)

![plot](relu.png)

## What is the output of below code?

```python
print(1)
```

## What is the output of below code?

```python
print(2)
```

## What does a GPU do?

Runs many small computations in parallel.
"""

B_MD = """\
## What is overfiting?

Fitting noise in the training data.

## What is dropout?

Randomly zeroing activations while training.

## What is a learning rate?

The step size of gradient descent.

## What is a batch?

A group of examples processed together.
"""

LABELS = {  # label → (a unique piece of the front, of the back) as first written
    "tensor": ("What is a tensor?", "multi-dimensional array"),
    "relu": ("What is ReLU?", "max(0, x)"),
    "out1": ("output of below code", 'print</span><span class="p">(</span><span class="mi">1'),
    "out2": ("output of below code", 'print</span><span class="p">(</span><span class="mi">2'),
    "gpu": ("What does a GPU do?", "in parallel"),
    "overfit": ("What is overfiting?", "Fitting noise"),
    "dropout": ("What is dropout?", "zeroing activations"),
    "lr": ("What is a learning rate?", "step size"),
    "batch": ("What is a batch?", "group of examples"),
}
OWN_EDIT = "<p>my own words</p>"


class Learner:
    """The collection, what each note should hold, and what the learner did to it."""

    def __init__(self, col: Collection, project: Path) -> None:
        self.col = col
        self.project = project
        self.written = dict(LABELS)
        self.guids: dict[str, str] = {}
        self.expect: dict[str, tuple[str, str]] = {}
        self.cards: dict[str, int] = {}
        self.reviews: dict[str, int] = {}
        self.own: set[str] = set()
        self.removed: set[str] = set()
        self.checked = 0
        self.histories = 0

    def build(self, *args: str, epoch: int | None, cwd: Path | None = None) -> Result:
        env = {"SOURCE_DATE_EPOCH": str(epoch) if epoch is not None else ""}
        old = Path.cwd()
        os.chdir(cwd or self.project)
        try:
            result = CliRunner().invoke(cli, ["build", "--no-cache", *args], env=env, catch_exceptions=False)
        finally:
            os.chdir(old)
        return result

    def step(
        self,
        epoch: int | None,
        new: Set[str] = frozenset(),
        updated: Set[str] = frozenset(),
        cwd: Path | None = None,
    ) -> None:
        """Build, import, and check that exactly ``updated`` changed and ``new`` arrived."""
        result = self.build(epoch=epoch, cwd=cwd)
        assert result.exit_code == 0, result.output
        log: Any = import_apkg(self.col, (cwd or self.project) / "output" / "ML.apkg")
        for label in new:
            self.expect.setdefault(label, self.written[label])
        self._find_new(new)
        by_id = {self.col.get_note(n).guid: label for label, n in self._note_ids().items()}
        arrived = {by_id[self.col.get_note(NoteId(n.id.nid)).guid] for n in log.new}
        changed = {by_id[self.col.get_note(NoteId(n.id.nid)).guid] for n in log.updated}
        assert arrived == set(new), (arrived, new)
        assert changed == set(updated), (changed, updated)
        self.check()

    def _note_ids(self) -> dict[str, int]:
        find = "select id from notes where guid = ?"
        return {label: self.col.db.scalar(find, guid) for label, guid in self.guids.items()}

    def _find_new(self, labels: set[str]) -> None:
        known = set(self.guids.values())
        for label in sorted(labels):
            front, back = self.expect[label]
            found = [
                note
                for nid in self.col.find_notes("")
                if (note := self.col.get_note(nid)).guid not in known
                and front in note["Front"]
                and back in note["Back"]
            ]
            assert len(found) == 1, (label, [n["Front"] for n in found])
            self.guids[label] = found[0].guid
            self.cards[label] = found[0].card_ids()[0]
            self.reviews[label] = 0

    def learn(self, *labels: str) -> None:
        """Answer the cards of ``labels`` (default: every card) twice: two real revlog rows each."""
        for label, cid in self.cards.items():
            if labels and label not in labels:
                continue
            for _ in range(2):
                card = self.col.get_card(cid)
                card.start_timer()
                self.col.sched.answerCard(card, 3)
            self.reviews[label] += 2

    def personalise(self, label: str) -> None:
        """The learner's own tag and edit on ``label``'s note."""
        note = self.col.get_note(self._note_ids()[label])
        note.tags.append("mine")
        note["Back"] += OWN_EDIT
        self.col.update_note(note)
        self.own.add(label)

    def check(self) -> None:
        """No duplicates, histories on the right cards, the learner's data and every edit in place."""
        ids = self._note_ids()
        assert len(self.col.find_notes("")) == len(self.guids), "a duplicate note"
        for label, nid in ids.items():
            note = self.col.get_note(nid)
            front, back = self.expect[label]
            assert front in note["Front"], (label, note["Front"])
            if label in self.removed:
                assert REMOVED_TAG in note.tags and "Removed from the notes" in note["Back"], label
            else:
                assert back in note["Back"], (label, note["Back"])
            assert (OWN_EDIT in note["Back"] and "mine" in note.tags) == (label in self.own), label
            assert note.card_ids() == [self.cards[label]], label
            rows = self.col.db.scalar("select count() from revlog where cid = ?", self.cards[label])
            assert rows == self.reviews[label], label
            self.histories += rows > 0
        found = set(self.col.find_notes(f"tag:{REMOVED_TAG}"))
        assert found == {ids[label] for label in self.removed}
        self.checked += len(ids)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git (a committed lock, a fresh clone)")
def test_a_collection_stays_in_step_through_edits_moves_removals_and_releases(
    tmp_path: Path, collection: Collection
) -> None:
    project = tmp_path / "notes-repo"
    (project / "notes").mkdir(parents=True)
    (project / "ankigen.toml").write_text('[[deck]]\nname = "ML"\nsources = ["notes/*.md"]\n', "utf-8")
    a, b = project / "notes" / "a.md", project / "notes" / "b.md"
    a.write_text(A_MD, "utf-8")
    b.write_text(B_MD, "utf-8")
    (project / "notes" / "relu.png").write_bytes(b"\x89PNG first")
    learner = Learner(collection, project)
    base = int(time.time()) - 100_000  # builds dated before the learner's own edits (made now)

    # A first build without a lock: today's GUIDs and times; the lock is written.
    learner.step(base, new=set(LABELS))
    assert (project / "ankigen.lock").is_file()
    learner.learn()
    learner.personalise("dropout")
    learner.personalise("gpu")
    learner.check()

    # An answer edited: that note alone updates.
    _edit(a, "A multi-dimensional array.", "An n-dimensional array of numbers.")
    learner.expect["tensor"] = ("What is a tensor?", "n-dimensional array of numbers")
    learner.step(base + 100, updated={"tensor"})

    # A question's typo fixed: the same note, reworded.
    _edit(b, "What is overfiting?", "What is overfitting?")
    learner.expect["overfit"] = ("What is overfitting?", "Fitting noise")
    learner.step(base + 200, updated={"overfit"})

    # Cards reordered: nothing to update (only lines moved).
    text = b.read_text("utf-8")
    dropout = "## What is dropout?\n\nRandomly zeroing activations while training.\n\n"
    rate = "## What is a learning rate?\n\nThe step size of gradient descent.\n\n"
    b.write_text(text.replace(dropout + rate, rate + dropout), "utf-8")
    learner.step(base + 300)

    # A card moved to another file of the deck.
    _edit(b, rate, "")
    a.write_text(a.read_text("utf-8") + "\n" + rate, "utf-8")
    learner.step(base + 400)

    # A file renamed.
    b = b.rename(project / "notes" / "basics.md")
    learner.step(base + 500)

    # A note deleted: carried, tagged, found by one search; its history stays.
    _edit(b, "## What is a batch?\n\nA group of examples processed together.\n", "")
    learner.removed.add("batch")
    result = learner.build(epoch=base + 600)
    assert "What is a batch?" in result.stderr and REMOVED_TAG in result.stderr
    learner.step(base + 600, updated={"batch"})

    # A repeated question inserted above the others: the earlier copies keep their notes.
    _edit(
        a,
        "## What is the output of below code?",
        "## What is the output of below code?\n\n```python\nprint(0)\n```\n\n"
        "## What is the output of below code?",
    )
    learner.written["out0"] = (
        "output of below code",
        'print</span><span class="p">(</span><span class="mi">0',
    )
    learner.step(base + 700, new={"out0"})
    learner.learn("out0")

    # One note edited (its answer grows by lines) while every other stays untouched.
    _edit(a, "print(2)\n```\n", "print(2)\n```\n\nIt prints 2,\nthen a newline.\n")
    learner.expect["out2"] = ("output of below code", "then a newline")
    learner.step(base + 800, updated={"out2"})

    # An image's bytes changed while its note's text did not.
    (project / "notes" / "relu.png").write_bytes(b"\x89PNG second")
    learner.step(base + 900, updated={"relu"})
    relu = collection.get_note(learner._note_ids()["relu"])
    (name,) = collection.media.files_in_str(relu.mid, relu["Back"])
    assert (Path(collection.media.dir()) / name).read_bytes() == b"\x89PNG second"

    # A local build (no SOURCE_DATE_EPOCH: now), then the lock committed, then a CI release from
    # a fresh clone dated by an older commit time.
    _edit(a, "An n-dimensional array of numbers.", "An n-dimensional array.")
    learner.expect["tensor"] = ("What is a tensor?", "An n-dimensional array.")
    learner.step(None, updated={"tensor"})
    local = (project / "output" / "ML.apkg").read_bytes()
    learner.personalise("lr")
    (project / ".gitignore").write_text("output/\n", "utf-8")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "notes and lock")
    clone = tmp_path / "ci"
    _git(tmp_path, "clone", "-q", str(project), str(clone))
    older = int(time.time()) - 50_000
    learner.step(older, cwd=clone)  # --locked below: the same decks
    assert (clone / "output" / "ML.apkg").read_bytes() == local
    assert learner.build("--locked", epoch=older, cwd=clone).exit_code == 0
    assert (clone / "output" / "ML.apkg").read_bytes() == local

    _edit(clone / "notes" / "a.md", "An n-dimensional array.", "An array with n axes.")
    _edit(clone / "notes" / "basics.md", "Fitting noise", "Fitting the noise")
    stale = learner.build("--locked", epoch=older, cwd=clone)
    assert stale.exit_code == 1 and "ankigen.lock is not current (2 changed)" in stale.output
    learner.expect["tensor"] = ("What is a tensor?", "array with n axes")
    learner.expect["overfit"] = ("What is overfitting?", "Fitting the noise")
    learner.step(older, updated={"tensor", "overfit"}, cwd=clone)

    assert learner.checked >= 12 * 9
    print(
        f"notes checked: {learner.checked}, review histories verified: {learner.histories} "
        f"({sum(learner.reviews.values())} revlog rows kept), duplicates: 0"
    )
