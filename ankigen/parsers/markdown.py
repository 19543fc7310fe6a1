"""Markdown notes → cards: headings are questions (or terms), their bodies the answers.

The block scanner (:mod:`md_blocks`) finds the headings; this module builds the heading tree and
decides, per heading, whether it is the document title, a section (context for the cards below),
a card, a sub-heading folded into the answer above it, or navigation (TOC, references).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ankigen import rules
from ankigen.cloze import makes_cards
from ankigen.model import Card, ParseResult
from ankigen.parsers import md_text as mt
from ankigen.parsers.common import context_title
from ankigen.parsers.md_blocks import BLANK, CODE, FRONT, HR, HTML, TEXT, Heading, scan

_LINK_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[(?:[^\[\]]|\[[^\[\]]*\])*\]\((?:[^()]|\([^()]*\))*\)\s*$")
_QUESTION_DOC_MIN = 5  # "a document of questions": at least this many question cards …
_QUESTION_DOC_SHARE = 0.8  # … and this share of the cards from the first question to the last
_CLOSING_TAGS = re.compile(r"(?:</[A-Za-z][A-Za-z0-9]*\s*>\s*)+")
_IMAGE_OR_BADGE = re.compile(r"^(?:\[?!\[[^\]]*\]\([^)]*\)\]?(?:\([^)]*\))?\s*)+$")
_PLACEHOLDER_LONGEST = 17
"""The longest text :data:`~ankigen.parsers.md_text.PLACEHOLDER` matches (``work in progress.``) but for
its runs of ``-``, ``.``, ``?`` (ending in ``.`` or ``!``)."""
_NOT_A_RUN = re.compile(r"[^-.?!]")


@dataclass
class _Node:
    """A heading with its direct body ``[body, body_end)`` and subtree end ``end`` (0-based lines)."""

    heading: Heading
    level: float
    body: int
    body_end: int
    end: int = 0
    children: list[_Node] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.heading.text


@dataclass
class _Draft:
    """A card being assembled: its back spans lines ``[start, end)``."""

    node: _Node
    question: bool
    context: tuple[str, ...]
    start: int
    end: int
    prose: bool = False  # answered by prose-sentence headings that follow it


_HEADING_LINE = re.compile(r"\n#{1,6}[ \t]")  # searched after a newline: the engine skips to each
_TASK_ITEM = re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s")


def _is_chapter(text: str) -> bool:
    """A bold-only heading such as ``# **Low Level Techniques**`` titles a chapter."""
    return bool(re.fullmatch(r"(\*\*|__)[^*_].*?\1", text.strip())) and not mt.is_question(text)


def _dedent(text: str) -> str:
    """Remove the indentation all non-blank lines share (tabs expanded to four columns)."""
    lines = [line.expandtabs(4) for line in text.split("\n")]
    widths = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(widths, default=0)
    return "\n".join(line[cut:] if line.strip() else "" for line in lines)


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.split("\n")
        self.scan = scan(self.lines)
        self.kinds = self.scan.kinds
        self.result = ParseResult()
        self.drafts: list[_Draft] = []
        numbered = sum(1 for h in self.scan.headings if mt.BARE_NUMBER.match(h.text))
        self.bare_numbers = numbered >= 3

    # ---- diagnostics -------------------------------------------------------------------------
    def warn(self, line: int, rule: rules.Rule, message: str) -> None:
        self.result.diagnostics.append(rule.at(self.path, line + 1, message))

    # ---- body inspection ---------------------------------------------------------------------
    def _content(self, i: int) -> bool:
        """Whether line ``i`` carries answer content (not blank, rule, TOC or navigation)."""
        kind = self.kinds[i]
        if kind in (BLANK, HR, FRONT):
            return False
        line = self.lines[i]
        if kind == CODE:
            return bool(line.strip()) and not re.match(r"^\s*(`{3,}|~{3,})\s*\w*\s*$", line)
        if kind == HTML and line.lstrip().startswith("<!--"):
            return False
        return not (mt.is_toc_line(line) or mt.is_nav_line(line))

    def _placeholder(self, start: int, end: int) -> rules.Rule | None:
        """The rule when the body is only a placeholder like ``TODO`` or ``NA``.

        The lines are read until their words are too long to be one (most bodies: the first line)."""
        parts = []
        for i in range(start, end):
            if self._content(i):
                parts.append(self.lines[i].strip())
                head = " ".join(parts).strip(" *_>`")  # what the words start with, whatever follows
                if len(head) > _PLACEHOLDER_LONGEST and _NOT_A_RUN.search(head):
                    return None
        words = " ".join(parts).strip(" *_>`")
        if not words:
            return rules.EMPTY_ANSWER
        if mt.NA_ANSWER.match(words):
            return rules.NA_ANSWER
        if mt.PLACEHOLDER.match(words):
            return rules.EMPTY_ANSWER
        return None

    def _link_list(self, start: int, end: int) -> bool:
        """Whether the lines are a list of at least two items that are each just a link."""
        items = [i for i in range(start, end) if self.kinds[i] not in (BLANK, HR)]
        return len(items) >= 2 and all(_LINK_ITEM.match(self.lines[i]) for i in items)

    def _orphan_check(self, start: int, end: int) -> None:
        for i in range(start, end):
            if self.kinds[i] not in (TEXT, CODE) or not self._content(i):
                continue
            if _IMAGE_OR_BADGE.match(self.lines[i].strip()):
                continue
            self.warn(i, rules.ORPHAN_TEXT, "text here belongs to no question; it is not on any card")
            return

    def _is_divider(self, k: int) -> bool:
        """A bodiless non-question heading followed by a question of the same level."""
        heads = self.scan.headings
        h = heads[k]
        if k + 1 >= len(heads) or h.nested or mt.is_question(h.text) or mt.is_nav(h.text):
            return False
        if len(h.text) > 80 or mt.is_sentence(h.text):
            return False
        nxt = heads[k + 1]
        return (
            nxt.level == h.level
            and not nxt.nested
            and (mt.is_question(nxt.text) or re.match(r"^[*_\s]*(?:0?1[.)]|I\.)\s", nxt.text) is not None)
            and self._placeholder(h.end, nxt.line) == rules.EMPTY_ANSWER
            and not any(self._content(i) for i in range(h.end, nxt.line))
        )

    def _section_heading(self, k: int) -> bool:
        """A non-question heading with no content of its own before the next heading."""
        heads = self.scan.headings
        h = heads[k]
        nxt = heads[k + 1].line if k + 1 < len(heads) else len(self.lines)
        if mt.is_question(h.text) or mt.is_nav(h.text) or len(h.text) > 80 or mt.is_sentence(h.text):
            return False
        return k + 1 < len(heads) and not any(self._content(i) for i in range(h.end, nxt))

    # ---- tree ----------------------------------------------------------------------------------
    def build_tree(self) -> list[_Node]:
        heads = self.scan.headings
        n = len(self.lines)
        dividers = [k for k in range(len(heads)) if self._is_divider(k)]
        per_level = Counter(heads[k].level for k in dividers)
        # Dividers used as a pattern ("## 1. Introduction" … "## 2. Data Types", each followed by
        # "## Q. …" questions) head chapters; a lone one is just an empty heading.
        chapters = {k for k in dividers if per_level[heads[k].level] >= 2}
        # Where bold "# **Part**" headings head chapters, a plain section heading of the same level
        # with no text of its own ("# Deep Learning Fundamentals") starts a chapter too.
        bold_levels = {h.level for h in heads if not h.nested and _is_chapter(h.text)}
        chapters |= {
            k
            for k, h in enumerate(heads)
            if h.level in bold_levels and not h.nested and self._section_heading(k)
        }
        nodes = []
        for k, h in enumerate(heads):
            chapter = k in chapters or _is_chapter(h.text)
            level = h.level - 0.5 if chapter else float(h.level)
            if h.nested:
                level = 6 + h.level / 10  # a heading inside a list item stays inside that item
            nxt = heads[k + 1].line if k + 1 < len(heads) else n
            nodes.append(_Node(h, level, h.end, nxt))
        roots: list[_Node] = []
        stack: list[_Node] = []
        for node in nodes:
            while stack and stack[-1].level >= node.level:
                stack.pop().end = node.heading.line
            (stack[-1].children if stack else roots).append(node)
            stack.append(node)
        for node in stack:
            node.end = n
        return roots

    # ---- decisions -----------------------------------------------------------------------------
    def _inside_answer(self, node: _Node, open_: _Draft) -> bool:
        """A deeper sub-heading under a question that is not itself a question belongs to its answer."""
        if re.search(r"\]\(\s*https?://", node.text):
            return False  # a heading that links away ("Explore all answers 👉 [site](…)") is a promo
        return open_.question and node.level > open_.node.level and not mt.is_question(node.text)

    def _not_study_material(self, start: int, end: int) -> bool:
        """A body made only of to-do items (``- [ ] write the chapter``)."""
        lines = [self.lines[i] for i in range(start, end) if self._content(i)]
        return bool(lines) and all(_TASK_ITEM.match(line) for line in lines)

    def _has_content(self, node: _Node) -> bool:
        return any(self._content(i) for i in range(node.body, node.body_end))

    def _foldable(self, node: _Node, open_: _Draft) -> bool:
        if mt.is_nav(node.text):
            return False
        if mt.starts_with_symbol(node.text):
            return True  # "✅ Summary", "🔍 Example:" label part of the answer above
        if node.level > open_.node.level:
            if open_.question:
                return not mt.is_question(node.text)
            return mt.is_label(node.text) or mt.is_colon_label(node.text)
        return mt.is_label(node.text) or (open_.prose and mt.is_answer_text(node.text))

    def walk(self, nodes: list[_Node], ctx: tuple[str, ...], open_: _Draft | None) -> _Draft | None:
        """Process sibling headings in order; returns the card still open for folding."""
        for k, node in enumerate(nodes):
            if open_ is not None and self._inside_answer(node, open_):
                open_.end = node.body_end  # "### 참고", "#### Пример": part of the answer above
                open_ = self.walk(node.children, ctx, open_)
                continue
            if mt.is_nav(node.text):
                # "### Contents" then links: the questions below it are still questions
                contents = self._link_list(node.body, node.body_end) or not self._has_content(node)
                open_ = self.walk(node.children, ctx, None) if contents else None
                continue
            if not mt.is_question(node.text) and self._link_list(node.body, node.body_end):
                open_ = self.walk(node.children, ctx, None)  # a list of links to questions: a TOC
                continue
            if open_ is not None and self._foldable(node, open_):
                open_.end = node.body_end
                open_ = self.walk(node.children, ctx, open_)
                continue
            nxt = nodes[k + 1] if k + 1 < len(nodes) else None
            if (
                nxt is not None
                and not node.children
                and mt.is_answer_text(nxt.text)
                and mt.is_question(node.text)
            ) and self._placeholder(node.body, node.body_end) is not None:
                # "## What are the benefits?" answered by "## By training faster." headings
                open_ = _Draft(node, True, ctx, node.body, node.body_end, prose=True)
                self.drafts.append(open_)
                continue
            open_ = self.emit(node, ctx)
        return open_

    def emit(self, node: _Node, ctx: tuple[str, ...]) -> _Draft | None:
        """Turn one heading (and its subtree) into cards, a section, or a skipped question."""
        question = mt.is_question(node.text)
        title = context_title(mt.front_of(node.text, self.bare_numbers))
        child_ctx = ctx if question else (*ctx, title)
        rule = self._placeholder(node.body, node.body_end)
        if rule is None and not question and self._not_study_material(node.body, node.body_end):
            self.walk(node.children, ctx, None)  # a to-do list: no card
            return None
        if rule is None:
            draft = _Draft(node, question, ctx, node.body, node.body_end)
            self.drafts.append(draft)
            return self.walk(node.children, child_ctx, draft)
        if node.children:
            first = node.children[0]
            if question:
                answer_part = mt.starts_with_symbol(first.text) or not mt.is_question(first.text)
            else:  # "### Common Metrics" whose sub-headings are "#### Automatic Metrics:", …
                answer_part = mt.is_colon_label(first.text) or mt.is_label(first.text)
            if answer_part and not mt.is_nav(first.text):
                draft = _Draft(node, question, ctx, node.body, node.body_end)
                self.drafts.append(draft)
                return self.walk(node.children, child_ctx, draft)  # empty backs are dropped in run()
        if node.children:
            if question:  # context of the follow-up question under it, not of the unrelated ones after
                follow_up = self.walk(node.children[:1], (*ctx, title), None)
                self.walk(node.children[1:], ctx, follow_up)
            else:
                self.walk(node.children, (*ctx, title), None)
            return None
        if rule == rules.EMPTY_ANSWER and makes_cards(node.text):
            self.drafts.append(_Draft(node, question, ctx, node.body, node.body_end))  # a cloze: no answer
            return None
        if question or rule == rules.NA_ANSWER or not re.search(r"\]\(", node.text):
            self._skip(node, rule)
        return None

    def _skip(self, node: _Node, rule: rules.Rule) -> None:
        what = "is NA" if rule == rules.NA_ANSWER else "is empty"
        # Quoted as written (not repr), so TeX keeps its single backslashes.
        self.warn(node.heading.line, rule, f"the answer to '{mt.front_of(node.text)}' {what}; skipped")
        self.result.skipped += 1

    def _outside_the_questions(self) -> list[_Draft]:
        """In a document of questions, a lone non-question section before the first question, and one
        after the last question above the questions' level: a foreword, a sign-off, a book promo."""
        asked = [k for k, d in enumerate(self.drafts) if d.question]
        if len(asked) < _QUESTION_DOC_MIN or len(asked) < _QUESTION_DOC_SHARE * (asked[-1] - asked[0] + 1):
            return []
        top = min(self.drafts[k].node.level for k in asked)
        before = self.drafts[: asked[0]]
        after = [d for d in self.drafts[asked[-1] + 1 :] if d.node.level < top]  # "# Thanks!" after "## Q…"
        return (before if len(before) == 1 else []) + (after if len(after) == 1 else [])

    # ---- title ---------------------------------------------------------------------------------
    def title_node(self, roots: list[_Node]) -> _Node | None:
        """The document title: a single top-level, non-question heading at the top with sections."""
        if len(roots) != 1 or not roots[0].children:
            return None
        node = roots[0]
        if mt.is_question(node.text) or _is_chapter(node.text):
            return None
        if any(
            self._content(i) and self.kinds[i] == TEXT and not _IMAGE_OR_BADGE.match(self.lines[i].strip())
            for i in range(node.heading.line)
        ):
            return None  # text before it (a cover image or badges do not count)
        if node.heading.level > 1 and self._placeholder(node.body, node.body_end) is None:
            return None  # "## Activation Functions" with its own text is a card, not a title
        return node

    # ---- cards ---------------------------------------------------------------------------------
    def _fence_line(self, i: int) -> bool:
        """A code fence line: not content by itself, but never trimmed away from its block."""
        return self.kinds[i] == CODE and bool(self.lines[i].strip())

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        """Drop blank lines, rules and navigation (whole HTML blocks without content) at both ends."""
        while start < end:
            if self.kinds[start] == HTML:
                stop = start
                while stop < end and self.kinds[stop] == HTML:
                    stop += 1
                if any(self._content(i) for i in range(start, stop)):
                    break
                start = stop
            elif self._content(start) or self._fence_line(start):
                break
            else:
                start += 1
        while end > start:
            if self.kinds[end - 1] == HTML:
                first = end - 1
                while first > start and self.kinds[first - 1] == HTML:
                    first -= 1
                if any(self._content(i) for i in range(first, end)):
                    break
                end = first
            elif self._content(end - 1) or self._fence_line(end - 1) or self._closes_tag(start, end - 1):
                break
            else:
                end -= 1
        return start, end

    def _closes_tag(self, start: int, i: int) -> bool:
        """Line ``i`` only closes tags (``</p>``, ``</details>``) that the lines ``[start, i)`` open."""
        names = _CLOSING_TAGS.fullmatch(self.lines[i].strip())
        if names is None:
            return False
        body = "\n".join(self.lines[start:i]).casefold()
        return all(f"<{name}" in body for name in re.findall(r"</([a-z0-9]+)", names.group(0).casefold()))

    def card(self, draft: _Draft) -> Card:
        start, end = self._trim(draft.start, draft.end)
        h = draft.node.heading
        back = "\n".join(self.lines[start:end]).strip("\n")
        if h.in_item:  # "1. ### Question" then an indented answer: the answer is the item's content
            back = _dedent(back)
        return Card(
            front=mt.front_of(h.text, self.bare_numbers) or h.text.strip(),  # "# **Q:**" stays as written
            back=back,
            line=h.line + 1,
            end_line=max(end, h.end),
            back_line=start + 1,
            source=self.path,
            context=draft.context,
            markup="markdown",
        )

    def run(self) -> ParseResult:
        for i in self.scan.unclosed_fences:
            self.warn(i, rules.UNCLOSED_FENCE, "code fence is never closed; it is read as text")
        roots = self.build_tree()
        first = roots[0].heading.line if roots else len(self.lines)
        self._orphan_check(0, first)
        title = self.title_node(roots)
        if title is not None:
            self.result.title = context_title(title.text)
            self._orphan_check(title.body, title.body_end)
            self.walk(title.children, (), None)
        else:
            self.walk(roots, (), None)
        for draft in self._outside_the_questions():
            self.drafts.remove(draft)
            self.warn(
                draft.node.heading.line,
                rules.ORPHAN_TEXT,
                f"{mt.front_of(draft.node.text)!r} is not a question and sits outside the questions; no card",
            )
        for draft in self.drafts:
            made = self.card(draft)
            if made.back.strip() or makes_cards(made.front):
                self.result.cards.append(made)
            else:  # only navigation or rules below it after all
                self._skip(draft.node, rules.EMPTY_ANSWER)
        self.result.diagnostics.sort(key=lambda d: d.sort_key())
        if not self.result.cards and any(line.strip() for line in self.lines):
            self.warn(0, rules.NO_CARDS, "no headings with answers found; no cards")
        return self.result


def count_headings(text: str) -> int:
    """How many lines of ``text`` are ``#`` headings (format detection)."""
    return len(_HEADING_LINE.findall("\n" + text))


def parse(text: str, path: str) -> ParseResult:
    """Parse Markdown notes from ``path`` into cards (headings are fronts, their bodies backs)."""
    return _Parser(text, path).run()
