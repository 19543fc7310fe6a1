"""ankigen's note types: id, name, fields, card templates and CSS.

Each note type's id, name, field names and template names are a public interface, never changed
after release: Anki matches imported notes to the note type by them, forks the note type when the
fields differ and then refuses updates. Only the CSS may change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import genanki

NOTE_TYPE_ID = 1_732_406_011
"""The id of the ``ankigen Basic`` note type. A public interface: never change it."""
NOTE_TYPE_NAME = "ankigen Basic"
NOTE_CSS: str = (
    Path(__file__).with_name("note.css").read_text(encoding="utf-8")
)  # not importlib.resources: 8 ms
"""The note type's CSS: card layout and the light and night code palettes."""
FIELDS = ("Front", "Back", "Context", "Source")
"""Field names and order. Never change them: Anki forks the note type and refuses updates."""

RELEASE_EPOCH = 1_796_083_200
"""2026-12-01T00:00Z (the phone and night-mode CSS). Raise it whenever a release changes rendering,
templates or CSS, so that every deck built by the new release is newer than the notes users already
imported."""

FRONT_TEMPLATE = (
    '{{#Context}}<div class="context">{{Context}}</div>{{/Context}}\n<div class="front">{{Front}}</div>'
)
BACK_TEMPLATE = (
    '{{FrontSide}}\n<hr id="answer">\n<div class="back">{{Back}}</div>\n'
    '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'
)


@dataclass(frozen=True)
class NoteType:
    """One fixed note type: what Anki identifies it by (never changed after release)."""

    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    """Each card template as (name, front format, back format)."""
    cloze: bool = False
    """Anki's cloze kind: one card per cloze number instead of one per template."""
    extra_css: str = ""
    """CSS this note type adds after the shared note CSS."""

    def model(self, css: str) -> genanki.Model:
        """This note type as a genanki model with ``css`` (and its own :attr:`extra_css`)."""
        from ankigen import libs

        genanki = libs.genanki()  # imported only when a deck is written
        return genanki.Model(
            self.id,
            self.name,
            fields=[{"name": name} for name in self.fields],
            templates=[{"name": name, "qfmt": front, "afmt": back} for name, front, back in self.templates],
            css=css + self.extra_css,
            model_type=genanki.Model.CLOZE if self.cloze else genanki.Model.FRONT_BACK,
        )


BASIC = NoteType(NOTE_TYPE_ID, NOTE_TYPE_NAME, FIELDS, (("Card 1", FRONT_TEMPLATE, BACK_TEMPLATE),))
"""``ankigen Basic``: one card, question on the front."""

REVERSED_ID = 1_732_406_021
"""The id of the ``ankigen Basic (and reversed)`` note type. A public interface: never change it."""
REVERSED_FRONT_TEMPLATE = (
    '{{#Back}}{{#Context}}<div class="context">{{Context}}</div>{{/Context}}\n'
    '<div class="back">{{Back}}</div>{{/Back}}'
)
"""Card 2's front: the answer (under the sections). Inside ``{{#Back}}`` so that ``Back`` alone decides
whether the card exists, for genanki and for Anki alike: a note with an empty ``Back`` has no Card 2."""
REVERSED_BACK_TEMPLATE = (
    '{{FrontSide}}\n<hr id="answer">\n<div class="front">{{Front}}</div>\n'
    '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'
)
REVERSED = NoteType(
    REVERSED_ID,
    "ankigen Basic (and reversed)",
    FIELDS,
    (("Card 1", FRONT_TEMPLATE, BACK_TEMPLATE), ("Card 2", REVERSED_FRONT_TEMPLATE, REVERSED_BACK_TEMPLATE)),
)
"""``ankigen Basic (and reversed)``: Basic's fields and Card 1, and Card 2 showing the answer and
asking for the question."""

CLOZE_NOTE_TYPE_ID = 1_732_406_117
"""The id of the ``ankigen Cloze`` note type. A public interface: never change it."""
CLOZE_NOTE_TYPE_NAME = "ankigen Cloze"
CLOZE_FIELDS = ("Text", "Back Extra", "Context", "Source")
"""Field names and order of ``ankigen Cloze`` (a note's four values go in this order, as Basic's).
Never change them."""
CLOZE_TEMPLATE_NAME = "Cloze"
"""The name of ``ankigen Cloze``'s one card template. Never change it."""
CLOZE_CSS: str = Path(__file__).with_name("cloze.css").read_text(encoding="utf-8")
"""What ``ankigen Cloze`` adds to the note CSS: the hidden and revealed text, the title line."""
_CONTEXT = '{{#Context}}<div class="context">{{Context}}</div>{{/Context}}\n'
CLOZE_FRONT_TEMPLATE = _CONTEXT + '<div class="front">{{cloze:Text}}</div>'
CLOZE_BACK_TEMPLATE = (
    _CONTEXT + '<div class="front">{{cloze:Text}}</div>\n'
    '{{#Back Extra}}<hr id="answer">\n<div class="back">{{Back Extra}}</div>{{/Back Extra}}\n'
    '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'
)

CLOZE = NoteType(
    CLOZE_NOTE_TYPE_ID,
    CLOZE_NOTE_TYPE_NAME,
    CLOZE_FIELDS,
    ((CLOZE_TEMPLATE_NAME, CLOZE_FRONT_TEMPLATE, CLOZE_BACK_TEMPLATE),),
    cloze=True,
    extra_css=CLOZE_CSS,
)
"""``ankigen Cloze``: one card per cloze number of its ``Text``."""

NOTE_TYPES: dict[str, NoteType] = {note_type.name: note_type for note_type in (BASIC, REVERSED, CLOZE)}
"""Every note type by name (the lock records a note's note type by name)."""


def note_type_for(has_cloze: bool, reverse: bool) -> NoteType:
    """The note type of a card, the one place it is chosen: ``ankigen Cloze`` when its text has a
    cloze (a cloze card has no reverse), else ``ankigen Basic (and reversed)`` in a deck or file set
    to ``reverse``, else ``ankigen Basic``."""
    if has_cloze:
        return CLOZE
    return REVERSED if reverse else BASIC


def cloze_fields(question: str, answer: str, answer_has_cloze: bool) -> tuple[str, str]:
    """A cloze card's ``Text`` and ``Back Extra`` from its question's and answer's HTML.

    Clozes in the answer (a heading's body, an ``A:``, a questionnaire answer): the question is a
    title line above the answer, both in ``Text``, and ``Back Extra`` is empty. Clozes only in the
    question (a ``Q:`` line; a heading): the question is ``Text``, the answer ``Back Extra``.
    """
    if not answer_has_cloze:
        return question, answer
    title = f'<div class="title">{question}</div>\n' if question.strip() else ""
    return title + answer, ""
