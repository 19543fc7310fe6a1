"""What a Markdown heading or body line *is*: question, label, navigation, placeholder, TOC.

Pure functions over strings, used by the Markdown parser to decide which headings become cards.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_NUMBERING = re.compile(
    r"^(?:Q(?:uestion)?\s*\.?\s*(?:\d+[a-z]?)?\s*[.:)\-]|Q\d+\b\s*[.:)\-]?|\d{1,4}(?:[.-]\d{1,4})*\s*[.):]|\(\d{1,4}\)|#\d{1,4}[.:)]?)\s*"
)
_Q_PREFIX = re.compile(r"^[*_\s]*Q(?:uestion)?\s*(?:\d+[a-z]?)?\s*[.:)]\s")
_LABEL_WORDS = 4  # a heading of at most this many words ending in ":" labels the text below it
_STRONG_WRAP = re.compile(r"^(\*\*|__)(.+?)\1$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TRAILING_SRC = re.compile(r"\s*\[?\[[^\]]*\]\]?\([^)]*\)\]?\s*$")
_HTML_TAG = re.compile(r"<[^>]{0,300}>")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def _words(text: str, sep: str | None = None) -> frozenset[str]:
    """A set of lowercase words or phrases from one string."""
    return frozenset(w.strip() for w in text.split(sep) if w.strip())


INTERROGATIVES = _words(
    "what whats what's why how hows how's when where which who whom whose is are can could does do did "
    "should would will was were has have may might shall explain describe draw give compare list name "
    "summarize summarise define discuss contrast differentiate distinguish justify elaborate"
)
# Verbs that also open noun phrases ("State Space Models", "List Comprehension"): a question only
# when followed by a determiner, a number or a wh-word ("State the…", "Name three…", "List some…").
AMBIGUOUS_VERBS = _words(
    "state name list complete outline identify illustrate write implement calculate compute derive "
    "prove mention tell suppose imagine design evaluate sketch find show"
)
_DETERMINERS = _words(
    "the a an some all any few several each every two three four five six seven eight nine ten "
    "how what why which when where who whether its your their these those this that one following "
    "and out"
)
_PHRASES = (
    "at a high level",
    "in general,",
    "in your own words",
    "difference between",
    "in what ",
    "in which ",
)
_CJK_QUESTION = re.compile(
    r"(什么|什麼|如何|为什么|為什麼|怎么|怎樣|怎样|吗|嗎|무엇|왜|어떻게|인가|는가|나요|까)\W*$"
)
_LABELS = _words(
    (
        "overview|details|detail|note|notes|summary|example|examples|explanation|answer|answers|solution|"
        "implementation|code|key points|key takeaways|takeaway|takeaways|intuition|pros|cons|pros and cons|"
        "advantages|disadvantages|conclusion|tl;dr|tldr|usage|syntax|output|definition|pseudocode|"
        "illustration|diagram|formula|proof|remarks|tips|caveats|in summary|bottom line|additional notes|"
        "background|result|results|steps|algorithm|explanation with example|code example|in short|"
        # Korean and Chinese: features, problems, pros, cons, solution, caveats, limits, kinds, example, …
        "특징|문제점|장점|단점|장단점|해결책|해결 방법|주의할 점|주의사항|한계|종류|예시|예제|정리|요약|개요|"
        "정의|설명|결론|코드|구현|特点|优点|缺点|优缺点|总结|示例|例子|举例|定义|概述|注意|注意事项|解决方案|代码|实现"
    ),
    "|",
)
_NAV = _words(
    (
        "table of contents|contents|toc|table of content|references|reference|further reading|see also|"
        "bibliography|sources|links|useful links|credits|acknowledgements|acknowledgments|license|licence|"
        "contributing|contributors|contribution|contributions|disclaimer|resources|preparation resources|"
        "learning resources|additional resources|external links|other resources|support|sponsors|"
        "back to top|reference links|"
        "目录|목차|참고|참고 자료"
    ),
    "|",
)
PLACEHOLDER = re.compile(
    r"(?i)^(?:todo|tbd|tba|to do|na|n/a|n\.a\.|none|nil|-+|\.{2,}|…|\?+|coming soon|wip|work in progress|"
    r"to be (?:added|done|written|filled|completed)|answer goes here|\(?empty\)?)[.!]?$"
)
NA_ANSWER = re.compile(r"(?i)^(?:na|n/a|n\.a\.)\.?$")
_TOC_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*\[[^\]]*\]\((?:#[^)]*)?\)\s*$")
_BACK_TO_TOP = re.compile(r"(?i)(back\s+to\s+(?:top|toc|contents|index)|⬆|↥|\[\s*top\s*\])")


def strip_numbering(text: str) -> str:
    """Remove leading list/question numbering (``12.``, ``1)``, ``Q3.``, ``Q:``), also inside ``**…**``."""
    wrap = _STRONG_WRAP.match(text)
    if wrap is not None:
        inner = strip_numbering(wrap.group(2).strip())
        return f"{wrap.group(1)}{inner}{wrap.group(1)}" if inner else text
    stripped = _NUMBERING.sub("", text, count=1).strip()
    return stripped if stripped else text


_SOURCE_LINK = re.compile(
    r"\s*\[?\[\[?\s*(?:src|source|sources|ref|reference|link|answer|\d{1,3})\s*\d?\s*\]?\]\([^)]*\)\]?\s*$",
    re.IGNORECASE,
)
BARE_NUMBER = re.compile(r"^\d{1,3}\s+(?=\D)")


def front_of(text: str, bare_numbers: bool = False) -> str:
    """The card front for a heading's text: numbering removed, Markdown kept.

    With ``bare_numbers`` (the document numbers its headings "1 Foo", "2 Bar") a leading
    number without punctuation is numbering too.
    """
    text = text.strip()
    if bare_numbers:
        text = BARE_NUMBER.sub("", text, count=1)
    text = re.sub(r"^\*\*\s*(\d{1,4}[.)]|Q\d*[.:])\s*\*\*\s*", "", text)  # "**1.** Question"
    text = strip_numbering(text)
    while True:  # trailing attribution links: "… [[src](https://…)]", "… [[src]](https://…)"
        cut = _SOURCE_LINK.sub("", text)
        if cut == text or not cut.strip():
            break
        text = cut
    wrap = _STRONG_WRAP.match(text)
    if wrap and "**" not in wrap.group(2) and "__" not in wrap.group(2):
        text = wrap.group(2).strip()  # a wholly bold heading: the bold is the heading's style
    return text


@functools.lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """Heading text without Markdown/HTML markup, numbering or leading symbols, for classification."""
    text = _LINK.sub(r"\1", _HTML_TAG.sub("", text))
    text = re.sub(r"[*_`~]", "", text).strip()
    text = without_symbols(text).strip()
    text = strip_numbering(text)
    return " ".join(text.split())


def without_symbols(text: str) -> str:
    """``text`` without emoji, pictographs and other symbol characters."""
    if text.isascii():  # the only ASCII symbols (category Sk) are ^ and `
        return text.replace("^", "").replace("`", "")
    return "".join(ch for ch in text if not _is_symbol(ch))


def _is_symbol(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cs", "Co") or ch in "\ufe0f\u200d\u200b"


def starts_with_symbol(text: str) -> bool:
    """True when the heading opens with an emoji or pictograph (after emphasis markers).

    ASCII symbols (the backtick of inline code, ``^``) are not pictographs.
    """
    text = re.sub(r"^[\s*_]+", "", _HTML_TAG.sub("", text))
    return bool(text) and not text[0].isascii() and _is_symbol(text[0])


@functools.lru_cache(maxsize=4096)
def is_question(text: str) -> bool:
    """A heading is a question when it ends with ``?`` or opens with an interrogative/instruction word.

    Shape first: a short heading ending in a colon is a label, not a question. (The parser asks about
    each heading several times: the answers are kept.)
    """
    if _Q_PREFIX.match(text):
        return True  # "Q. …", "Q3: …" mark questions explicitly
    bare = _TRAILING_SRC.sub("", text)
    words = plain(bare)
    if words.endswith((":", "：")) and len(words.split()) <= _LABEL_WORDS:
        return False  # "How it works:", "Wie es funktioniert:": a label, whatever its first word
    low = words.casefold().rstrip(" .:")
    if low.endswith(("?", "？")) or _CJK_QUESTION.search(low):
        return True
    if low.startswith(_PHRASES):
        return True
    tokens = low.replace("’", "'").split()
    first = _WORD.match(tokens[0]) if tokens else None
    if first is None:
        return False
    word = first.group(0)
    if word in INTERROGATIVES:
        return True
    if word in AMBIGUOUS_VERBS and len(tokens) > 1:
        nxt = tokens[1].strip(",:;")
        return nxt in _DETERMINERS or nxt.isdigit()
    return False


def is_label(text: str) -> bool:
    """A sub-heading that labels part of an answer: emoji-led or a generic word like "Summary"."""
    if starts_with_symbol(text):
        return True
    return plain(text).casefold().rstrip(" :.") in _LABELS


def is_colon_label(text: str) -> bool:
    """A heading ending with a colon ("Learning Rate:") introduces the text below it."""
    return plain(text).rstrip().endswith((":", "：")) and not is_question(text)


_CALL_TO_ACTION = re.compile(r"(?i)\b(?:here|visit|check out|explore|read more|subscribe|follow us)\b")


def is_sentence(text: str) -> bool:
    """A heading that is a sentence of prose ("By training faster, we overfit less."): not a title."""
    words = plain(text)
    return words.endswith(".") and len(words.split()) >= 6 and not is_question(text)


_CODE_LIKE = re.compile(
    r"^(?:class|def|import|from|function|const|let|var|return)\s+\w"  # a statement
    r"|^[\w.\[\]]+\s*=[^=]"  # an assignment
    r"|^\w[\w.]*\(.*\)\s*;?$"  # a call
)


def is_answer_text(text: str) -> bool:
    """A heading that is really answer text: a prose sentence or a line of code ("h = f(x)")."""
    if is_sentence(text):
        return True
    bare = re.sub(r"\\(.)", r"\1", plain(text))
    return bool(_CODE_LIKE.match(bare)) and not is_question(text)


def is_nav(text: str) -> bool:
    """Headings for navigation or boilerplate (TOC, references, license): never cards."""
    if is_question(text):
        return False
    low = plain(text).casefold().strip(" :.[]")
    if low in _NAV:
        return True
    if re.search(r"\]\(\s*https?://", text) and _CALL_TO_ACTION.search(_LINK.sub("", text)):
        return True  # "Explore all answers here 👉 [site](https://…)": a call to follow a link
    stripped = _LINK.sub("", _HTML_TAG.sub("", text)).strip(" *_[]")
    return not stripped and bool(_LINK.search(text))


def is_toc_line(line: str) -> bool:
    """A line of a table of contents: ``{:toc}``, ``TOC``, or a list item linking to an ``#anchor``."""
    s = line.strip()
    if s in ("{:toc}", "[TOC]", "[[_TOC_]]", "[toc]", "{:toc}"):
        return True
    if re.fullmatch(r"(?i)(?:\d+\.\s*|[-*+]\s*)?(?:toc|table of contents|contents)\s*:?", s):
        return True
    return bool(_TOC_ITEM.match(s))


_IN_PAGE_LINK = re.compile(r"\[[^\[\]]*\]\(#[^()\s]*\)")


def is_nav_line(line: str) -> bool:
    """A line that carries no content of its own: back-to-top links, ``<br>``, bare closing tags.

    Shape decides: a line made only of in-page links (``[↑ Zurück](#inhalt)``,
    ``**[Back](…) / [Top](#db)**``), whatever their words, is navigation.
    """
    s = line.strip()
    if _BACK_TO_TOP.search(s) and len(_LINK.sub("", _HTML_TAG.sub("", s)).strip(" *_|")) <= 20:
        return True
    if _IN_PAGE_LINK.search(s) and not _LINK.sub("", _HTML_TAG.sub("", s)).strip(" *_|/·•-–—>"):
        return True
    if re.search(r"(?i)<(img|table|svg|video|iframe|math|pre|code)\b", s):
        return False
    return bool(_HTML_TAG.search(s)) and not _HTML_TAG.sub("", s).replace("&nbsp;", "").strip()
