"""A deterministic synthetic corpus of study notes for benchmarks, in all three note formats.

``python benchmarks/corpus.py OUT_DIR --cards 10000 [--seed 7]`` writes files of about 100–500
cards each, cycling through Markdown (``## question?`` headings), ``Q:``/``A:`` and
``---``/``N. question``/``---`` questionnaires. Answers mix paragraphs with inline code and math,
nested lists, fenced Python code, display math and pipe tables. The same arguments always give
byte-identical files. The corpus avoids what a naive splitter would misread (no ``## `` or ``---``
lines inside answers, no ``Q:``/``A:`` at the start of answer lines), so the naive baseline in
``run.py`` finds exactly the cards ankigen finds.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("markdown", "qa", "questionnaire")
MIN_FILE_CARDS = 100
MAX_FILE_CARDS = 500
EDIT_LINE = "This sentence was added to measure a warm rebuild after one file changed."

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
    "the network can then reuse features learned in earlier layers for the final prediction"
)
_WORDS = _TEXT.split()
_INLINE_MATH = (
    r"$\theta_{t+1} = \theta_t - \eta \nabla L$",
    r"$x_i^2$",
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
_CODE = (
    ("import numpy as np", "", "def softmax(z):", "    e = np.exp(z - z.max())", "    return e / e.sum()"),
    (
        "def train(model, batches, lr=0.01):",
        "    for x, y in batches:",
        "        loss = model.loss(x, y)  # forward pass",
        "        model.step(loss, lr)",
        "    return model",
    ),
    ("weights = [0.5, -1.25, 3.0]", "norm = sum(w * w for w in weights) ** 0.5", "print(f'{norm:.3f}')"),
    (
        "class EarlyStopping:",
        "    def __init__(self, patience=3):",
        "        self.patience = patience",
        "        self.best = float('inf')",
    ),
)


@dataclass(frozen=True)
class CorpusFile:
    """One generated file: its name, note format and how many cards it holds."""

    name: str
    note_format: str
    cards: int


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

    def sentence(self, inline: bool = True) -> str:
        rng = self.rng
        start, length = rng.randrange(len(_WORDS)), rng.randint(8, 18)
        words = [_WORDS[(start + i) % len(_WORDS)] for i in range(length)]
        if inline and rng.random() < 0.05:
            words.insert(rng.randrange(len(words)), rng.choice(_INLINE_MATH))
        if inline and rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), f"`{rng.choice(('np.exp', 'loss.backward()', 'lr'))}`")
        if inline and rng.random() < 0.2:
            i = rng.randrange(len(words))
            words[i] = f"**{words[i]}**"
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def paragraph(self, inline: bool = True) -> list[str]:
        """One paragraph, wrapped over one to three lines."""
        return [self.sentence(inline) for _ in range(self.rng.randint(1, 4))]

    def nested_list(self) -> list[str]:
        rng = self.rng
        lines = []
        for _ in range(rng.randint(2, 4)):
            lines.append("- " + self.sentence())
            for _ in range(rng.choice((0, 0, 1, 2))):
                lines.append("  - " + self.sentence(inline=False))
        return lines

    def code_lines(self) -> list[str]:
        """One to three snippets, a blank line between them."""
        snippets = self.rng.sample(_CODE, self.rng.randint(1, 3))
        return [line for snippet in snippets for line in ("", *snippet)][1:]

    def code(self) -> list[str]:
        return ["```python", *self.code_lines(), "```"]

    def display_math(self) -> list[str]:
        formula = self.rng.choice(_DISPLAY_MATH)
        if self.rng.random() < 0.5:
            return [f"$${formula}$$"]
        return ["$$", formula, "$$"]

    def table(self) -> list[str]:
        rng = self.rng
        rows = ["| Setting | Value | Effect |", "| --- | --- | --- |"]
        for _ in range(rng.randint(2, 4)):
            value = rng.choice(("0.1", "1e-3", "32", "$\\eta$", "`True`"))
            rows.append(f"| {rng.choice(_ASPECTS)} | {value} | {rng.choice(_WORDS)} {rng.choice(_WORDS)} |")
        return rows

    def answer(self, plain: bool) -> list[list[str]]:
        """An answer as blocks of lines (a paragraph first, then a realistic mix)."""
        rng = self.rng
        blocks = [self.paragraph()]
        if rng.random() < 0.35:
            blocks.append(self.nested_list())
        if rng.random() < 0.3:
            blocks.append(["    " + line for line in self.code_lines() if line] if plain else self.code())
        if rng.random() < 0.08:
            blocks.append(self.display_math())
        if not plain and rng.random() < 0.08:
            blocks.append(self.table())
        if rng.random() < 0.5:
            blocks.append(self.paragraph())
        return blocks


def _markdown(writer: _Writer, title: str, cards: int) -> str:
    lines = [f"# {title}", ""]
    for _ in range(cards):
        lines += [f"## {writer.question()}", ""]
        for block in writer.answer(plain=False):
            lines += [*block, ""]
    return "\n".join(lines)


def _qa(writer: _Writer, title: str, cards: int) -> str:
    lines = []
    for _ in range(cards):
        lines.append(f"Q: {writer.question()}")
        answer = [line for block in writer.answer(plain=True) for line in block]
        lines += [f"A: {answer[0]}", *answer[1:], ""]
    return "\n".join(lines)


def _questionnaire(writer: _Writer, title: str, cards: int) -> str:
    lines = [f"# {title}", ""]
    for number in range(1, cards + 1):
        lines += ["---", f"{number}. {writer.question()}", "---", ""]
        for block in writer.answer(plain=False):
            lines += [*block, ""]
    return "\n".join(lines)


_RENDERERS = {"markdown": (_markdown, "md"), "qa": (_qa, "txt"), "questionnaire": (_questionnaire, "md")}


def plan(total: int, seed: int = 7) -> list[tuple[str, int]]:
    """File formats and card counts: ~100–500 cards each, at least three files when possible."""
    rng = random.Random(seed * 7919 + total)
    cap = max(1, -(-total // 3))
    sizes: list[tuple[str, int]] = []
    left = total
    while left > 0:
        size = min(rng.randint(MIN_FILE_CARDS, MAX_FILE_CARDS), cap, left)
        sizes.append((FORMATS[len(sizes) % len(FORMATS)], size))
        left -= size
    return sizes


def generate(out_dir: Path, cards: int, seed: int = 7) -> list[CorpusFile]:
    """Write a corpus of ``cards`` cards into ``out_dir``; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = _Writer(seed)
    written = []
    for index, (note_format, count) in enumerate(plan(cards, seed)):
        render, suffix = _RENDERERS[note_format]
        name = f"notes_{index:04d}_{note_format}.{suffix}"
        title = f"Benchmark notes {index}"
        (out_dir / name).write_text(render(writer, title, count) + "\n", encoding="utf-8")
        written.append(CorpusFile(name, note_format, count))
    return written


def edit_one_file(out_dir: Path) -> Path:
    """Insert a sentence into the first answer of the first file (shifting every later card's line)."""
    path = sorted(out_dir.glob("notes_*"))[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    if "_qa." in path.name:
        first = next(i for i, line in enumerate(lines) if line.startswith("A: "))
    else:
        marker = next(i for i, line in enumerate(lines) if line.startswith(("## ", "---")))
        marker += 2 if lines[marker] == "---" else 0
        first = next(i for i in range(marker + 1, len(lines)) if lines[i].strip())
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
