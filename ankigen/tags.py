"""What a tag may be: the one check every tag written by a user goes through."""

from __future__ import annotations

import re

TAG_RULE = (
    'a tag is one word: no spaces, no `"` and no control characters; `::` separates the levels of a '
    "hierarchical tag (`Math::Algebra`), none of them empty"
)
_FORBIDDEN = re.compile(r'[\s"\x00-\x1f\x7f]')


def clean_tag(tag: str) -> str:
    """``tag`` as Anki stores it (surrounding whitespace trimmed); ``ValueError`` saying what is
    wrong and how tags may be written (:data:`TAG_RULE`) when Anki cannot store it."""
    cleaned = tag.strip()
    found = _FORBIDDEN.search(cleaned)
    if not cleaned:
        problem = "is empty"
    elif found:
        problem = "holds a space" if found.group().isspace() else f"holds {found.group()!r}"
    elif "" in cleaned.split("::"):
        problem = "has an empty level"
    else:
        return cleaned
    raise ValueError(f"tag {tag!r} {problem}; {TAG_RULE}")
