"""The ``ankigen Basic`` note type: id, name, fields, card templates and CSS.

Its id, name and field names are a public interface: Anki matches imported notes to the note type
by them, forks the note type when the fields differ and then refuses updates.
"""

from __future__ import annotations

from importlib import resources

import genanki

NOTE_TYPE_ID = 1_732_406_011
"""The id of the ``ankigen Basic`` note type. A public interface: never change it."""
NOTE_TYPE_NAME = "ankigen Basic"
NOTE_CSS: str = resources.files("ankigen").joinpath("note.css").read_text(encoding="utf-8")
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


def note_type(css: str) -> genanki.Model:
    """The ``ankigen Basic`` note type with ``css``."""
    return genanki.Model(
        NOTE_TYPE_ID,
        NOTE_TYPE_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Card 1", "qfmt": FRONT_TEMPLATE, "afmt": BACK_TEMPLATE}],
        css=css,
    )
