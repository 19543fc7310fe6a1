"""A deterministic synthetic corpus of study notes for benchmarks, calibrated on real notes.

``python benchmarks/corpus.py OUT_DIR --cards 10000 [--seed 7]`` writes files in all three note
formats: Markdown (``## question?`` headings), ``Q:``/``A:`` and ``---``/``N. question``/``---``
questionnaires. The shares of answers with code blocks, lists, math, tables, quotes, inline code,
bold, links and non-ASCII text, the answers' length distribution, the code blocks' lengths and
languages, the note formats' shares of cards and the files' sizes follow the shared corpus of real
notes (``calibrate.py`` measures both; the figures are in benchmarks/README.md). Every code block is
different (``snippets.py``). The same arguments always give byte-identical files. Nothing inside an
answer looks like a card boundary to the naive splitter in ``baselines.py`` (no ``## `` or ``---``
lines, no ``Q:``/``A:`` at the start of a line), so it finds exactly the cards ankigen finds.
"""

from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import snippets

FORMATS = ("markdown", "qa", "questionnaire")
EDIT_LINE = "This sentence was added to measure a warm rebuild after one file changed."

# Measured on the shared corpus (calibrate.py): the share of answers holding each feature.
P_CODE = 0.335  # a code block (fenced; indented in Q:/A: files)
CODE_BLOCKS = (1, 2, 3, 4, 5, 6)  # blocks in an answer with code, and their weights
CODE_BLOCK_WEIGHTS = (70, 18, 6, 3, 2, 1)
P_LIST = 0.28
P_ORDERED = 0.3  # of lists
LIST_ITEMS = (2, 3, 4, 5, 6, 8, 12, 20)  # items in a list, and their weights
LIST_ITEM_WEIGHTS = (22, 22, 18, 12, 9, 8, 6, 3)
P_TABLE = 0.043
P_MATH = 0.05  # inline, display or both
P_QUOTE = 0.025
P_INLINE_CODE = 0.24
P_BOLD = 0.17
P_LINK = 0.065
P_NON_ASCII = 0.23
# The length of an answer's paragraphs (characters) is drawn log-normal, as the shared corpus's
# plain answers (10th percentile 61, median 202, 90th 586); code, lists and tables come on top.
TEXT_MEDIAN = 125
TEXT_SIGMA = 1.15
# Cards per file (log-normal, clamped) and the formats' shares of cards, as in the shared corpus.
FILE_MEDIAN = 20
FILE_SIGMA = 0.85
MIN_FILE_CARDS, MAX_FILE_CARDS = 3, 600
FORMAT_WEIGHTS = {"markdown": 0.75, "questionnaire": 0.237, "qa": 0.013}

_TOPICS = (
    "gradient descent",
    "backpropagation",
    "batch normalization",
    "dropout",
    "attention",
    "a convolutional layer",
    "the softmax function",
    "cross-entropy loss",
    "weight decay",
    "a residual connection",
    "the learning rate schedule",
    "an embedding table",
    "beam search",
    "the Adam optimizer",
    "layer normalization",
    "a recurrent network",
    "the KL divergence",
    "a variational autoencoder",
    "data augmentation",
    "early stopping",
    "mixed precision",
    "gradient clipping",
    "the bias-variance trade-off",
    "a decision tree",
    "k-means clustering",
    "principal component analysis",
    "a transformer block",
    "tokenization",
    "label smoothing",
    "the ReLU activation",
    "max pooling",
    "a confusion matrix",
    "precision and recall",
)
_ASPECTS = (
    "purpose",
    "main drawback",
    "computational cost",
    "effect on training",
    "intuition",
    "failure mode",
    "typical default",
    "relation to regularization",
    "memory footprint",
    "effect on generalization",
    "role at inference time",
    "sensitivity to initialization",
)
_TEMPLATES = (
    "What is the {aspect} of {topic}?",
    "Why does {topic} matter for its {aspect}?",
    "How would you explain the {aspect} of {topic}?",
    "When should you worry about the {aspect} of {topic}?",
    "Which trade-off governs the {aspect} of {topic}?",
)
_SETTINGS = (
    "in image classification",
    "for language models",
    "on small datasets",
    "at large batch sizes",
    "in reinforcement learning",
    "on a single GPU",
    "for tabular data",
    "in speech recognition",
    "when fine-tuning",
    "during pre-training",
    "with noisy labels",
    "in production",
)
_TEXT = (
    "the model learns a smooth mapping from inputs to outputs while the loss keeps decreasing "
    "each step updates the parameters in the direction that reduces error on the current batch "
    "a larger batch gives a less noisy estimate but costs more memory per step and fewer updates "
    "in practice one tunes this value on a validation set and watches for overfitting early "
    "the network can then reuse features learned in earlier layers for the final prediction "
    "a closure keeps a reference to the variables of the function that created it so the callback "
    "sees their latest values the event loop runs each task to completion before the next one starts "
    "an index speeds up lookups at the price of slower writes and extra storage on disk"
)
_WORDS = _TEXT.split()
_NON_ASCII = ("—", "≈", "naïve", "café", "→", "≤", "µs", "인덱스", "Größe", "½")
_INLINE_MATH = (
    r"$\theta_{t+1} = \theta_t - \eta \nabla L$",
    r"$x_{i}^2$",
    r"$\sigma(z) = 1/(1+e^{-z})$",
    r"$O(n^2 d)$",
    r"$p(y \mid x)$",
    r"$\|w\|_2^2$",
    r"$\mathbb{E}[X]$",
    r"$\lambda = 10^{-4}$",
)
_DISPLAY_MATH = (
    r"\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}",
    r"L = -\sum_{i=1}^{n} y_i \log \hat{y}_i",
    r"\hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}",
    r"D_{KL}(P \| Q) = \sum_x P(x) \log \frac{P(x)}{Q(x)}",
    r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{QK^T}{\sqrt{d_k}}\right) V",
)
_CELLS = ("0.1", "1e-3", "32", "`True`", "None", "O(n)")
MATH_KINDS = ("inline", "display", "both")
MATH_WEIGHTS = (40, 45, 15)


@dataclass(frozen=True)
class CorpusFile:
    """One generated file: its name, note format and how many cards it holds."""

    name: str
    note_format: str
    cards: int


@dataclass
class _Features:
    """What one answer holds (drawn with the shared corpus's shares)."""

    code_blocks: int
    list_kind: str  # "", "ul" or "ol"
    table: bool
    math: str  # "", "inline", "display" or "both"
    quote: bool
    inline_code: bool
    bold: bool
    link: bool
    non_ascii: bool


@dataclass
class _Block:
    """One block of an answer: text (``p``, ``ul``, ``ol``, ``quote``: a sentence per line or item)
    or ``raw`` lines (code, a table, display math)."""

    kind: str
    sentences: list[list[str]] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The block's source lines."""
        text = [" ".join(words) for words in self.sentences]
        if self.kind == "raw":
            return self.raw
        if self.kind == "ul":
            return ["- " + line for line in text]
        if self.kind == "ol":
            return [f"{number}. {line}" for number, line in enumerate(text, 1)]
        if self.kind == "quote":
            return ["> " + line for line in text]
        return text

    def chars(self) -> int:
        """Its length in characters, counting a newline per line."""
        return sum(len(line) + 1 for line in self.lines())


class _Writer:
    """Generates questions and answers from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.questions: set[str] = set()

    def question(self) -> str:
        rng = self.rng
        for _ in range(20):
            text = rng.choice(_TEMPLATES).format(aspect=rng.choice(_ASPECTS), topic=rng.choice(_TOPICS))
            if rng.random() < 0.6:
                text = text[:-1] + f" {rng.choice(_SETTINGS)}?"
            if text not in self.questions:
                break
        else:
            text = text[:-1] + f" (variant {len(self.questions) + 1})?"
        self.questions.add(text)
        return text

    def features(self, plain: bool) -> _Features:
        """Draw what the next answer holds."""
        rng = self.rng
        code = rng.choices(CODE_BLOCKS, CODE_BLOCK_WEIGHTS)[0] if rng.random() < P_CODE else 0
        list_kind = ("ol" if rng.random() < P_ORDERED else "ul") if rng.random() < P_LIST else ""
        math_kind = rng.choices(MATH_KINDS, MATH_WEIGHTS)[0] if rng.random() < P_MATH else ""
        return _Features(
            code_blocks=code,
            list_kind=list_kind,
            table=not plain and rng.random() < P_TABLE,
            math=math_kind,
            quote=rng.random() < P_QUOTE,
            inline_code=rng.random() < P_INLINE_CODE,
            bold=rng.random() < P_BOLD,
            link=rng.random() < P_LINK,
            non_ascii=rng.random() < P_NON_ASCII,
        )

    def sentence(self, shortest: int = 4, longest: int = 22) -> list[str]:
        """A sentence as its words (inline features are put in afterwards)."""
        rng = self.rng
        start, length = rng.randrange(len(_WORDS)), rng.randint(shortest, longest)
        words = [_WORDS[(start + i) % len(_WORDS)] for i in range(length)]
        words[0] = words[0].capitalize()
        words[-1] += "."
        return words

    def decorate(self, sentences: list[list[str]], f: _Features) -> None:
        """Put the answer's inline features into random places of its sentences."""
        rng = self.rng

        def insert(text: str) -> None:
            words = rng.choice(sentences)
            words.insert(rng.randrange(1, len(words)), text)

        if f.inline_code:
            for _ in range(rng.randint(1, 3)):
                insert(f"`{snippets.inline_code(rng)}`")
        if f.math in ("inline", "both"):
            insert(rng.choice(_INLINE_MATH))
        if f.bold:
            words = rng.choice(sentences)
            i = rng.randrange(len(words) - 1)  # not the last word, which carries the full stop
            words[i] = f"**{words[i]}**"
        if f.link:
            word = rng.choice(_WORDS)
            insert(f"[{word}](https://example.org/{word}/{rng.randint(1, 9999)})")
        if f.non_ascii:
            insert(rng.choice(_NON_ASCII))

    def code(self, plain: bool) -> _Block:
        """A code block: fenced with its language, or indented (no blank lines) in a plain-text answer."""
        rng = self.rng
        lang = snippets.language(rng)
        lines = snippets.code_block(rng, lang, snippets.block_lines(rng))
        if plain:  # a blank line would end a Q:/A: card
            return _Block("raw", raw=["    " + line for line in lines if line])
        return _Block("raw", raw=[f"```{lang}", *lines, "```"])

    def table(self) -> _Block:
        """A pipe table of 2–5 columns and 2–12 rows."""
        rng = self.rng
        columns = rng.choices((2, 3, 4, 5), (25, 48, 15, 12))[0]
        rows = ["| " + " | ".join(rng.choice(_WORDS).capitalize() for _ in range(columns)) + " |"]
        rows.append("|" + " --- |" * columns)
        for _ in range(rng.randint(2, 12)):
            cells = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 10))) for _ in range(columns)]
            cells[rng.randrange(columns)] = rng.choice(_CELLS)
            rows.append("| " + " | ".join(cells) + " |")
        return _Block("raw", raw=rows)

    def display_math(self) -> _Block:
        formula = self.rng.choice(_DISPLAY_MATH)
        return _Block("raw", raw=[f"$${formula}$$"] if self.rng.random() < 0.5 else ["$$", formula, "$$"])

    def answer(self, plain: bool) -> list[_Block]:
        """An answer: a paragraph, the drawn features in random order, paragraphs up to its length."""
        rng = self.rng
        f = self.features(plain)
        extras = [self.code(plain) for _ in range(f.code_blocks)]
        if f.list_kind:
            items = rng.choices(LIST_ITEMS, LIST_ITEM_WEIGHTS)[0]
            extras.append(_Block(f.list_kind, [self.sentence(3, 16) for _ in range(items)]))
        if f.math in ("display", "both"):
            extras.append(self.display_math())
        if f.table:
            extras.append(self.table())
        if f.quote:
            extras.append(_Block("quote", [self.sentence()]))
        rng.shuffle(extras)
        blocks = [_Block("p", [self.sentence()]), *extras]
        size, target = blocks[0].chars(), rng.lognormvariate(math.log(TEXT_MEDIAN), TEXT_SIGMA)
        while size < target:
            sentence = self.sentence()
            size += sum(len(word) + 1 for word in sentence)
            at = rng.randint(1, len(blocks))
            before = blocks[at - 1]
            if before.kind == "p" and len(before.sentences) < 4:
                before.sentences.append(sentence)
            else:
                blocks.insert(at, _Block("p", [sentence]))
        self.decorate([s for b in blocks for s in b.sentences], f)
        return blocks


def _markdown(writer: _Writer, title: str, cards: int) -> str:
    lines = [f"# {title}", ""]
    for _ in range(cards):
        lines += [f"## {writer.question()}", ""]
        for block in writer.answer(plain=False):
            lines += [*block.lines(), ""]
    return "\n".join(lines)


def _qa(writer: _Writer, title: str, cards: int) -> str:
    lines = []
    for _ in range(cards):
        lines.append(f"Q: {writer.question()}")
        answer = [line for block in writer.answer(plain=True) for line in block.lines()]
        lines += [f"A: {answer[0]}", *answer[1:], ""]
    return "\n".join(lines)


def _questionnaire(writer: _Writer, title: str, cards: int) -> str:
    lines = [f"# {title}", ""]
    for number in range(1, cards + 1):
        lines += ["---", f"{number}. {writer.question()}", "---", ""]
        for block in writer.answer(plain=False):
            lines += [*block.lines(), ""]
    return "\n".join(lines)


_RENDERERS = {"markdown": (_markdown, "md"), "qa": (_qa, "txt"), "questionnaire": (_questionnaire, "md")}


def plan(total: int, seed: int = 7) -> list[tuple[str, int]]:
    """File formats and card counts: log-normal sizes like the shared corpus's files, the first
    three files one of each format, the rest drawn with the formats' shares of cards; at least
    three files when there are three cards."""
    rng = random.Random(seed * 7919 + total)
    cap = max(1, -(-total // 3))
    formats, weights = zip(*FORMAT_WEIGHTS.items(), strict=True)
    sizes: list[tuple[str, int]] = []
    left = total
    while left > 0:
        drawn = round(rng.lognormvariate(math.log(FILE_MEDIAN), FILE_SIGMA))
        size = min(max(MIN_FILE_CARDS, min(MAX_FILE_CARDS, drawn)), cap, left)
        note_format = FORMATS[len(sizes)] if len(sizes) < len(FORMATS) else rng.choices(formats, weights)[0]
        sizes.append((note_format, size))
        left -= size
    return sizes


def write_file(path: Path, note_format: str, cards: int, seed: int = 7) -> None:
    """Write one file of ``cards`` cards in ``note_format`` (the small-build scenario)."""
    render, _ = _RENDERERS[note_format]
    path.write_text(render(_Writer(seed), path.stem, cards) + "\n", encoding="utf-8")


def generate(out_dir: Path, cards: int, seed: int = 7) -> list[CorpusFile]:
    """Write a corpus of ``cards`` cards into ``out_dir``; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = _Writer(seed)
    written = []
    for index, (note_format, count) in enumerate(plan(cards, seed)):
        render, suffix = _RENDERERS[note_format]
        name = f"notes_{index:04d}_{note_format}.{suffix}"
        (out_dir / name).write_text(
            render(writer, f"Benchmark notes {index}", count) + "\n", encoding="utf-8"
        )
        written.append(CorpusFile(name, note_format, count))
    return written


def edit_target(out_dir: Path) -> Path:
    """The file the warm scenario edits: the Markdown file of median size (a typical file)."""
    paths = sorted(out_dir.glob("notes_*_markdown.md"), key=lambda p: (p.stat().st_size, p.name))
    return paths[len(paths) // 2]


def edit_one_file(out_dir: Path) -> Path:
    """Insert a sentence into the first answer of :func:`edit_target` (every later card of that
    file moves one line down); return the file."""
    path = edit_target(out_dir)
    lines = path.read_text(encoding="utf-8").split("\n")
    heading = next(i for i, line in enumerate(lines) if line.startswith("## "))
    first = next(i for i in range(heading + 1, len(lines)) if lines[i].strip())
    lines.insert(first + 1, EDIT_LINE)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    """Command line: ``corpus.py OUT_DIR --cards N [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    files = generate(args.out_dir, args.cards, args.seed)
    print(f"{sum(f.cards for f in files)} cards in {len(files)} files written to {args.out_dir}")


if __name__ == "__main__":
    main()
