"""Every diagnostic rule: its id, severity and one line of help (the one table of them).

Emitters make diagnostics only through these constants (``EMPTY_ANSWER.at(path, line, message)``),
so an id cannot be misspelt or left out of the table; ``ankigen check --explain RULE`` and the
README's rule list read :data:`RULES`. A later issue adds its rules here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ankigen.model import Diagnostic, Severity


@dataclass(frozen=True)
class Rule:
    """One kind of problem ``ankigen check`` reports, shown as ``[id]`` after its message."""

    id: str
    severity: Severity
    help: str

    def at(self, path: str, line: int, message: str, col: int | None = None) -> Diagnostic:
        """A diagnostic of this rule at ``path:line[:col]``."""
        return Diagnostic(path, line, self.severity, self.id, message, col)


# Reading sources and the config.
BINARY_FILE = Rule(
    "binary-file",
    "error",
    "the file holds NUL bytes, so it is not notes; found while walking a folder it is only skipped "
    "with a warning",
)
READ_ERROR = Rule(
    "read-error",
    "error",
    "the file cannot be read (permissions, a broken link); found while walking a folder it is only "
    "skipped with a warning",
)
ENCODING = Rule(
    "encoding",
    "warning",
    "a line of the file is not valid UTF-8 and was decoded as Windows-1252 (the other lines stay UTF-8); "
    "save it as UTF-8",
)
CONTROL_CHARACTER = Rule(
    "control-character",
    "warning",
    "invisible control characters (such as U+001F, which would make Anki refuse the deck) were removed",
)
EMPTY_FILE = Rule("empty-file", "warning", "the file is empty or only whitespace, so it gives no cards")
CONFIG = Rule(
    "config",
    "error",
    "`ankigen.toml` (or `[tool.ankigen]`) cannot be read, is not valid TOML, or has an unknown key, a "
    "wrong type, an unusable `sources` glob or a tag Anki cannot store",
)
UNMATCHED_GLOB = Rule(
    "unmatched-glob", "warning", "a `sources` glob of a `[[deck]]` in the config matches no file"
)
DECK_CLAIMED = Rule(
    "deck-claimed",
    "warning",
    "every file a `[[deck]]`'s globs match is already in an earlier deck (a file goes into the first "
    "deck that matches it), so the deck is not built",
)
EMPTY_DECK = Rule(
    "empty-deck",
    "warning",
    "the deck has no cards, so it is not written; an earlier `.apkg` of it stays as it was",
)
BAD_IGNORE = Rule(
    "bad-ignore",
    "warning",
    "an `<!-- ankigen: ignore … -->` marker names an unknown rule, or an error's rule (errors cannot be "
    "ignored)",
)
LOCK = Rule(
    "lock",
    "error",
    "`ankigen.lock` cannot be read: a line is damaged or a merge left conflict markers in it",
)
FRONT_MATTER = Rule(
    "front-matter",
    "warning",
    "the `---` front matter is not valid YAML, or a key ankigen reads (`deck`, `tags`, `format`, `reverse`) "
    "has a wrong value, or a key looks like one of them; what is wrong is ignored",
)
# Parsing the note formats.
NO_CARDS = Rule(
    "no-cards", "warning", "the file has text but none of it reads as cards in its format (see `--format`)"
)
ORPHAN_TEXT = Rule(
    "orphan-text",
    "warning",
    "text that belongs to no question (or an answer without one) is on no card",
)
EMPTY_ANSWER = Rule(
    "empty-answer",
    "warning",
    "the answer is empty or only a placeholder such as `TODO`, so the question is skipped",
)
NA_ANSWER = Rule("na-answer", "warning", "the answer is only `NA`, so the question is skipped")
UNANSWERED_QUESTION = Rule(
    "unanswered-question", "warning", "a `Q:`/`A:` question has no answer after it, so it is skipped"
)
UNCLOSED_FENCE = Rule(
    "unclosed-fence",
    "warning",
    "a code fence (of backticks, tildes or a questionnaire's `'''`) is never closed",
)
DUPLICATE_QUESTION = Rule(
    "duplicate-question",
    "warning",
    "the deck already asks the same question; both become notes, told apart by their content once "
    "`ankigen.lock` records them (else by their order)",
)
NOTE_TYPE_CHANGED = Rule(
    "note-type-changed",
    "warning",
    "notes now of another note type (`reverse` switched on or off): Anki cannot change an imported note's "
    "note type, so it gets them as new notes and cards, without review history; the earlier notes keep "
    "theirs, carried tagged `ankigen::removed`",
)
INVALID_TAG = Rule(
    "invalid-tag",
    "warning",
    'a tag written in the note (`#tag` or front matter `tags:`) cannot be an Anki tag (a space, `"`, '
    "an empty `::` level); it is left out",
)
# Syntax of note-taking apps that gives no card content.
NOTE_EMBED = Rule(
    "note-embed",
    "warning",
    "`![[Other note]]` embeds a note; ankigen does not copy notes into cards, so only its name is shown",
)
AMBIGUOUS_EMBED = Rule(
    "ambiguous-embed",
    "warning",
    "`![[name]]` matches several files at the same depth of the notes' tree; the first (by path) is "
    "used: write its folder too",
)
BLOCK_REFERENCE = Rule(
    "block-reference",
    "warning",
    "a `^id` block reference ends the line; it stays on the card as text (Anki has no block links)",
)
DATAVIEW = Rule(
    "dataview",
    "warning",
    "a Dataview query (```` ```dataview ````) is a query for Obsidian, shown on the card as code",
)
LOGSEQ_PROPERTY = Rule(
    "logseq-property",
    "warning",
    "a Logseq `key:: value` property line stays on the card as text",
)
# Checking the cards' Markdown and TeX.
TEX_UNCLOSED = Rule(
    "tex-unclosed",
    "warning",
    "math opened with `$`, `$$`, `\\(`, `\\[` or `<math>` is never closed, so it is not typeset",
)
TEX_UNBALANCED = Rule(
    "tex-unbalanced",
    "warning",
    "braces, `\\left`/`\\right` or `\\begin`/`\\end` in math do not pair up; MathJax shows an error",
)
TEX_UNKNOWN_ENV = Rule(
    "tex-unknown-env", "warning", "`\\begin{…}` names an environment MathJax does not know; it shows an error"
)
STRAY_EMPHASIS = Rule(
    "stray-emphasis", "warning", "a `**` with no partner shows as literal asterisks on the card"
)
CLOZE_UNCLOSED = Rule(
    "cloze-unclosed",
    "warning",
    "a cloze `{{c1::` is never closed by `}}` (one opened inside math or code must close there), so it "
    "is shown as written (Anki itself would drop it and all the text after it)",
)
CLOZE_NUMBER = Rule(
    "cloze-number",
    "warning",
    "a cloze is numbered `c0` (Anki never hides it) or above 65535 (Anki reads it as text), or the card's "
    "cloze numbers skip one (`c1`, `c3`: Anki makes a card per number, so there is no card 2)",
)
CLOZE_NOT_SHOWN = Rule(
    "cloze-not-shown",
    "warning",
    "a cloze in a section heading, which the cards under it show as their context line, is shown as "
    "written: only a card's own question and answer are cloze text",
)
# Rendering.
MISSING_IMAGE = Rule(
    "missing-image", "warning", "a local image the note names does not exist, so it is not packaged"
)
FIELD_TOO_COMPLEX = Rule(
    "field-too-complex",
    "warning",
    "a field is too long, nested too deeply or has too many `[`/`<` that never close for Markdown; it is "
    "shown as plain text",
)
DATA_IMAGE = Rule(
    "data-image",
    "warning",
    "an image written inline as a `data:` URL is removed (Anki keeps media as files); save it as a file "
    "next to the notes and link that",
)
MEDIA_OUTSIDE_TREE = Rule(
    "media-outside-tree",
    "error",
    "an image path leaves the notes' source tree; it is refused and nothing is packaged for it",
)
UNSAFE_HTML = Rule(
    "unsafe-html",
    "warning",
    "HTML that could run code (`script`, `on*` handlers, `javascript:` URLs) was removed from the card",
)
REMOTE_CONTENT = Rule(
    "remote-content",
    "warning",
    "CSS that could load something (`url()`, `image-set()`, escapes) was removed from a `style`; only an "
    "`<img>` may load from the web",
)

RULES: tuple[Rule, ...] = (
    BINARY_FILE,
    READ_ERROR,
    ENCODING,
    CONTROL_CHARACTER,
    EMPTY_FILE,
    CONFIG,
    LOCK,
    UNMATCHED_GLOB,
    DECK_CLAIMED,
    EMPTY_DECK,
    BAD_IGNORE,
    FRONT_MATTER,
    NO_CARDS,
    ORPHAN_TEXT,
    EMPTY_ANSWER,
    NA_ANSWER,
    UNANSWERED_QUESTION,
    UNCLOSED_FENCE,
    DUPLICATE_QUESTION,
    NOTE_TYPE_CHANGED,
    INVALID_TAG,
    NOTE_EMBED,
    AMBIGUOUS_EMBED,
    BLOCK_REFERENCE,
    DATAVIEW,
    LOGSEQ_PROPERTY,
    TEX_UNCLOSED,
    TEX_UNBALANCED,
    TEX_UNKNOWN_ENV,
    STRAY_EMPHASIS,
    CLOZE_UNCLOSED,
    CLOZE_NUMBER,
    CLOZE_NOT_SHOWN,
    MISSING_IMAGE,
    FIELD_TOO_COMPLEX,
    DATA_IMAGE,
    MEDIA_OUTSIDE_TREE,
    UNSAFE_HTML,
    REMOTE_CONTENT,
)
BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
