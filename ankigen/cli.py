"""The ``ankigen`` command line: a thin click layer over :mod:`ankigen.build`."""

from __future__ import annotations

import functools
import json
import shlex
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ankigen import __version__, rules
from ankigen.config import (
    CONFIG_NAMES,
    FORMAT_CHOICES,
    Config,
    ConfigError,
    config_for,
    is_config,
    load_config,
)
from ankigen.report import (
    OUTPUTS,
    Output,
    format_diagnostics,
    format_text,
    github_summary,
    plural,
    summarize,
    wants_color,
)
from ankigen.report import statistics as report_statistics
from ankigen.sources import display_path

if TYPE_CHECKING:  # the modules that read notes are imported by the commands that do
    from ankigen.build import Collected, CollectOptions, DeckResult
    from ankigen.model import Diagnostic
    from ankigen.state import Tracker

F = TypeVar("F", bound=Callable[..., Any])
PROGRESS_MIN_BYTES = 200_000  # a few hundred cards
WARNINGS_SHOWN = 20
"""``build``, ``list`` and ``preview`` print at most this many warnings (every error)."""


@dataclass
class Selection:
    """The notes a command reads and how they are rendered (the shared options)."""

    sources: tuple[Path, ...]
    note_format: str
    config: Config
    options: CollectOptions
    config_given: Path | None = None
    """``--config``, if given."""

    def collect(self, tracker: Tracker | None = None) -> Collected:
        """Read, parse, lint and render the selected notes (placed against ``tracker``'s lock)."""
        from ankigen.build import collect

        return collect(list(self.sources), self.config, self.note_format, None, self.options, None, tracker)

    def tracker(self, deck: str | None = None, output: Path | None = None) -> Tracker:
        """The lock of the selection; a build into ``output`` may update it."""
        from ankigen.lock import LockError
        from ankigen.state import tracker_for

        try:
            return tracker_for(self.config, self.sources, deck, output)
        except LockError as exc:
            raise click.ClickException(str(exc)) from exc

    def check_command(self) -> str:
        """The ``ankigen check`` command line that reports on the same notes."""
        words = ["ankigen", "check", *(str(source) for source in self.sources)]
        if self.config_given:
            words += ["--config", str(self.config_given)]
        if self.note_format != "auto":
            words += ["--format", self.note_format]
        return shlex.join(words)


def source_options(func: F) -> F:
    """Options shared by every command that reads notes; the command gets a ``notes: Selection``."""

    @functools.wraps(func)
    def wrapper(
        sources: tuple[Path, ...],
        note_format: str,
        config_path: Path | None,
        jobs: int | None,
        cache_dir: Path | None,
        no_cache: bool,
        **kwargs: Any,
    ) -> Any:
        from ankigen.build import CollectOptions
        from ankigen.cache import default_cache_dir
        from ankigen.pipeline import default_workers

        quiet = kwargs.get("quiet", False)
        folder = None if no_cache else (cache_dir or default_cache_dir())
        if folder is not None:
            from ankigen import regexcache

            regexcache.install(folder)
        sources, config_path = _configs_among(sources, config_path)
        config = _load(config_path, sources, quiet)
        options = CollectOptions(
            jobs=jobs or default_workers(),
            cache_dir=folder,
            progress=None if quiet else _Progress(),
        )
        return func(notes=Selection(sources, note_format, config, options, config_path), **kwargs)

    options = [
        click.argument("sources", nargs=-1, type=click.Path(exists=True, path_type=Path)),
        click.option(
            "--format",
            "note_format",
            type=click.Choice(FORMAT_CHOICES),
            default="auto",
            show_default=True,
            help="Note format of the sources; auto detects it from each file's content.",
        ),
        click.option(
            "--config",
            "config_path",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Configuration file [default: the nearest ankigen.toml, else pyproject.toml with "
            "[tool.ankigen], in the sources' folder or above].",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            metavar="N",
            help="Worker processes for rendering [default: all cores].",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            metavar="DIR",
            help="Render cache folder [default: $XDG_CACHE_HOME/ankigen].",
        ),
        click.option("--no-cache", is_flag=True, help="Render every card again; do not use the cache."),
    ]
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


class _Progress:
    """A progress bar on stderr for builds of more than a few hundred cards, only on a terminal."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
                return
            self.bar = click.progressbar(length=total, label="rendering", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done
        if done >= total:
            self.bar.__exit__(None, None, None)


class Failure(click.ClickException):
    """A failure shown exactly as its message (``error: …`` or a diagnostic line) on stderr."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class UsageFailure(Failure):
    """A :class:`Failure` that exits 2, as usage errors do."""

    exit_code = 2


def _configs_among(
    sources: tuple[Path, ...], config_path: Path | None
) -> tuple[tuple[Path, ...], Path | None]:
    """Take config files out of the sources (the pre-commit hook passes a changed ``ankigen.toml``):
    one is used as the config, and with no notes named, the notes it gives are read. A
    ``pyproject.toml`` without ``[tool.ankigen]`` is neither notes nor config, and is dropped."""
    named = [source for source in sources if source.name in CONFIG_NAMES and source.is_file()]
    if not named:
        return sources, config_path
    notes = tuple(source for source in sources if source not in named)
    configs = sorted({path.resolve() for path in named if is_config(path)})
    if not configs and not notes:
        click.echo(
            f"nothing to check: {', '.join(map(display_path, named))} holds no ankigen config", err=True
        )
        sys.exit(0)
    if len(configs) > 1 or (config_path and configs and config_path.resolve() != configs[0]):
        shown = ", ".join(display_path(path) for path in {*configs, *([config_path] if config_path else [])})
        raise UsageFailure(f"error: more than one config given ({shown}); give one")
    return notes, config_path or (configs[0] if configs else None)


def _load(config_path: Path | None, sources: tuple[Path, ...], quiet: bool) -> Config:
    """The configuration: ``--config``, else the one found from the sources (or the current
    folder) upward; says on stderr which one is used."""
    from ankigen.build import DEFAULT_SOURCES

    try:
        path = config_path or config_for(sources)
    except ValueError as exc:
        raise UsageFailure(f"error: {exc}") from exc
    try:
        config = load_config(path)
    except ConfigError as exc:
        raise Failure(str(exc)) from exc
    if not sources and not config.decks and not (config.root / DEFAULT_SOURCES).is_dir():
        found = (
            f"{display_path(path)} defines no [[deck]]"
            if path
            else ("no ankigen.toml found here or in any parent folder")
        )
        raise UsageFailure(
            f"error: no notes given and {found}; "
            "name the notes (ankigen build NOTES/) or write an ankigen.toml (see README.md)"
        )
    if not quiet:
        shown = display_path(path) if path else "none (decks are named by each file's title or name)"
        click.echo(f"config: {shown}", err=True)
    return config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ankigen")
def cli() -> None:
    """Turn plain-text study notes (Q:/A:, Markdown, questionnaires) into Anki decks.

    \b
    Examples:
      ankigen build                      # sources from ankigen.toml, else seeds/
      ankigen build notes/ -o decks/
      ankigen check --strict
    """


@cli.command("build")
@source_options
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Output folder [default: output].",
)
@click.option("--deck", metavar="NAME", help="Put every card into this one deck (and one .apkg).")
@click.option(
    "--locked",
    is_flag=True,
    help="Fail (exit 1, nothing written) when ankigen.lock is missing or would change (for CI).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build_command(notes: Selection, output: Path | None, deck: str | None, locked: bool, quiet: bool) -> None:
    """Build one .apkg per deck.

    Prints `FILE.apkg: DECK — N cards (S skipped, W warnings)` per deck. Decks whose
    sources have errors are not written; every other deck is (exit status 1).

    \b
    Examples:
      ankigen build
      ankigen build seeds/000_b0ed0fda48863393.txt --format qa --deck "Deep Learning::Q&A"
    """
    from ankigen.build import build
    from ankigen.package import source_date_epoch
    from ankigen.state import LockOutdated

    try:
        source_date_epoch()
    except ValueError as exc:
        raise UsageFailure(f"error: {exc}") from exc
    out_dir = output.expanduser() if output else notes.config.output_dir
    tracker = notes.tracker(deck, out_dir)
    try:
        collected, results = build(
            list(notes.sources),
            notes.config,
            out_dir,
            notes.note_format,
            deck,
            notes.options,
            tracker,
            locked,
        )
    except LockOutdated as exc:
        raise click.ClickException(str(exc)) from exc
    diagnostics = collected.all_diagnostics()
    _echo_diagnostics(diagnostics, notes, quiet)
    _echo_removed(collected, quiet)
    if collected.widened and not quiet:
        shown = display_path(collected.config_file) if collected.config_file else "the config"
        for spec in collected.widened:
            click.echo(
                f"{shown}:{spec.line}: deck {spec.name!r} is built from all its files, not only those "
                "named (a deck is always built whole)",
                err=True,
            )
    failed = False
    for result in results:
        d = result.deck
        if result.path is None:
            if result.failure:
                failed = True
                click.echo(f"error: deck {d.name!r} {result.failure}", err=True)
            continue
        if not quiet:
            click.echo(
                f"{display_path(result.path)}: {d.name} — {plural(d.count, 'card')} "
                f"({d.skipped} skipped, {plural(d.warnings, 'warning')})"
                + ("; unchanged, not rewritten" if result.unchanged else "")
            )
    if notes.config.single_apkg:
        target = out_dir / notes.config.single_apkg
        failed = _write_single(target, results, notes.options.cache_dir, quiet) or failed
    if notes.config.folder_decks and not quiet:
        _note_renamed_decks(out_dir, results, notes.config.single_apkg)
    if (diagnostics or collected.ignored) and not quiet:
        click.echo(summarize(diagnostics, sum(collected.ignored.values())), err=True)
    if failed or any(x.severity == "error" for x in collected.diagnostics):
        sys.exit(1)


def _write_single(target: Path, results: list[DeckResult], cache_dir: Path | None, quiet: bool) -> bool:
    """Bundle every written deck into ``target`` (``single_apkg``), unless it already is that
    bundle; whether that failed."""
    import sqlite3

    from ankigen.cache import DeckRecords
    from ankigen.deckfile import write_bundle_of

    if any(result.path is None for result in results):
        click.echo(f"error: {display_path(target)} not written: not every deck was written", err=True)
        return True
    records = DeckRecords(cache_dir) if cache_dir else None
    try:
        decks = [(result.path, result.sha256) for result in results if result.path]
        written = write_bundle_of(decks, target, records)
    except (OSError, sqlite3.Error, ValueError) as exc:
        click.echo(f"error: cannot write {display_path(target)}: {exc}", err=True)
        return True
    finally:
        if records:
            records.close()
    if not quiet:
        cards = sum(result.deck.count for result in results)
        kept = "" if written else "; unchanged, not rewritten"
        click.echo(f"{display_path(target)}: {len(results)} decks — {cards} cards{kept}")
    return False


def _note_renamed_decks(out_dir: Path, results: list[DeckResult], single: str) -> None:
    """With ``folder_decks`` on, name the decks of earlier builds this build did not write: they
    were most likely renamed by switching it on, and their notes would be imported again."""
    written = {result.path.resolve() for result in results if result.path}
    written.add((out_dir / (single or ".")).resolve())
    earlier = sorted(p.name for p in out_dir.glob("*.apkg") if p.resolve() not in written)
    if earlier:
        click.echo(
            f"note: folder_decks is on, and {len(earlier)} deck file(s) in {display_path(out_dir)} were not "
            f"written by this build ({', '.join(earlier[:5])}{', …' if len(earlier) > 5 else ''}). "
            "Renamed decks have new GUIDs: Anki imports their notes again as new notes and never moves "
            "existing cards; delete the old files (and decks in Anki) you no longer want.",
            err=True,
        )


@cli.command("list")
@source_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of cards on stdout.")
def list_command(notes: Selection, as_json: bool) -> None:
    """List the cards the sources give.

    \b
    Examples:
      ankigen list
      ankigen list seeds/ --json | jq '.[].front'
    """
    collected = notes.collect(notes.tracker())
    _echo_diagnostics(collected.all_diagnostics(), notes)
    rows = [
        {
            "deck": deck.name,
            "front": built.card.front,
            "back": built.card.back,
            "front_html": built.html.front_html,
            "back_html": built.html.back_html,
            "context": list(built.card.context),
            "tags": list(built.card.tags),
            "source": built.source,
            "line": built.card.line,
            "guid": built.guid,
        }
        for deck in collected.decks
        for built in deck.cards
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for deck in collected.decks:
            for built in deck.cards:
                click.echo(f"{built.card.source}:{built.card.line}: [{deck.name}] {built.card.front}")
    if any(x.severity == "error" for x in collected.all_diagnostics()):
        sys.exit(1)


def _explain(ctx: click.Context, _param: click.Parameter, rule_id: str | None) -> None:
    """Print a rule's id, severity and help, then end the command (``check --explain``)."""
    if rule_id is None or ctx.resilient_parsing:
        return
    rule = rules.BY_ID[rule_id]
    click.echo(f"{rule.id} ({rule.severity})\n{rule.help}")
    ctx.exit()


@cli.command("check")
@source_options
@click.option(
    "--output-format",
    "--output",
    "output_format",
    type=click.Choice(OUTPUTS),
    default="text",
    show_default=True,
    help="How to report diagnostics (--output is the same option).",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option(
    "--statistics",
    is_flag=True,
    help="Print how often each rule fired (and was ignored) instead of each diagnostic.",
)
@click.option(
    "--explain",
    metavar="RULE",
    type=click.Choice([rule.id for rule in rules.RULES]),
    is_eager=True,
    expose_value=False,
    callback=_explain,
    help="Print RULE's severity and what it means, and exit (RULE is the id shown in [brackets]).",
)
def check_command(notes: Selection, output_format: Output, strict: bool, statistics: bool) -> None:
    """Report problems in the notes as `path:line: severity: message [rule]`.

    \b
    Examples:
      ankigen check
      ankigen check notes/ --strict --output-format github
      ankigen check --statistics
      ankigen check --explain tex-unbalanced
    """
    collected = notes.collect()
    diagnostics = collected.all_diagnostics()
    if statistics:
        report = report_statistics(diagnostics, collected.ignored, output_format)
    else:
        report = format_diagnostics(diagnostics, output_format, color=wants_color(sys.stdout))
    if report:
        click.echo(report)
    cards = sum(len(deck.cards) for deck in collected.decks)
    summary = f"{plural(cards, 'card')} in {plural(len(collected.decks), 'deck')}; " + summarize(
        diagnostics, sum(collected.ignored.values())
    )
    if output_format == "text":
        click.echo(summary, err=True)
    elif output_format == "github":
        click.echo(github_summary(summary, diagnostics))
    if any(x.severity == "error" for x in diagnostics):
        sys.exit(1)
    if strict and diagnostics:
        click.echo(f"error: failing on {plural(len(diagnostics), 'warning')} (--strict)", err=True)
        sys.exit(1)


@cli.command("preview")
@source_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML page to write [default: preview.html in the config's output folder].",
)
@click.option("--self-contained", is_flag=True, help="Inline MathJax into the page (one file, ~2 MB larger).")
def preview_command(notes: Selection, output: Path | None, self_contained: bool) -> None:
    """Write one offline HTML page showing every card as Anki shows it.

    \b
    Examples:
      ankigen preview
      ankigen preview notes/ -o /tmp/cards.html --self-contained
    """
    from ankigen.preview import write_preview

    output = output or notes.config.root / notes.config.output / "preview.html"
    collected = notes.collect()
    _echo_diagnostics(collected.all_diagnostics(), notes)
    try:
        page = write_preview(collected, output, self_contained=self_contained)
    except OSError as exc:
        raise click.ClickException(f"cannot write {display_path(output)}: {exc.strerror or exc}") from exc
    click.echo(f"{display_path(page)}: {plural(sum(len(d.cards) for d in collected.decks), 'card')}")


def _echo_removed(collected: Collected, quiet: bool) -> None:
    """Tell which notes left the sources in this build (stderr)."""
    from ankigen.state import REMOVED_TAG

    for deck in collected.decks if not quiet else ():
        for entry in deck.plan.left:
            click.echo(f"{entry.file}: removed from deck {deck.name!r}: {entry.question}", err=True)
    left = sum(len(deck.plan.left) for deck in collected.decks)
    if left and not quiet:
        notes = "1 note" if left == 1 else f"{left} notes"
        click.echo(
            f"{notes} left the sources; the decks carry them tagged {REMOVED_TAG} "
            f"(search tag:{REMOVED_TAG} in Anki's browser)",
            err=True,
        )


@cli.command("diff")
@source_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the next build changes any note.")
def diff_command(notes: Selection, as_json: bool, exit_code: bool) -> None:
    """Show per deck what the next build changes against ankigen.lock (the last full build).

    New, changed, reworded (old → new question), removed and unchanged notes. ankigen cannot
    see your collection: this is what the next import of a full build will bring.

    \b
    Examples:
      ankigen diff
      ankigen diff --json | jq '.decks[].reworded'
    """
    from ankigen.diff import diff_json, diff_text

    tracker = notes.tracker()
    collected = notes.collect(tracker)
    _echo_diagnostics(collected.all_diagnostics(), notes)
    decks = sorted(collected.decks, key=lambda d: d.name)
    click.echo(diff_json(decks) if as_json else diff_text(decks))
    if exit_code and any(deck.plan.pending for deck in decks):
        sys.exit(1)


@cli.command("serve")
@source_options
@click.option(
    "--host",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback shows your notes to the network.",
)
@click.option(
    "--port", metavar="N", type=click.IntRange(0, 65535), default=0, help="Port [default: a free one]."
)
@click.option("--open", "open_page", is_flag=True, help="Open the page in the web browser.")
def serve_command(notes: Selection, host: str, port: int, open_page: bool) -> None:
    """Serve the preview page, rebuilt and reloaded whenever a note or the config changes.

    Diagnostics show on their cards; Ctrl-C stops the server.

    \b
    Examples:
      ankigen serve --open
      ankigen serve notes/ --port 8000
    """
    from ankigen.serve import LivePreview, serve

    live = LivePreview(notes.sources, notes.note_format, notes.config, notes.options)
    try:
        serve(live, host, port, open_page, log=lambda line: click.echo(line, err=True))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _echo_diagnostics(diagnostics: list[Diagnostic], notes: Selection, quiet: bool = False) -> None:
    """Print the diagnostics on stderr: every error, and (unless ``quiet``) the first
    :data:`WARNINGS_SHOWN` warnings with a count of the rest and how to see them."""
    warnings = 0
    color = wants_color(sys.stderr)
    for diagnostic in diagnostics:
        if diagnostic.severity == "warning":
            warnings += 1
            if quiet or warnings > WARNINGS_SHOWN:
                continue
        click.echo(format_text(diagnostic, color), err=True)
    if warnings > WARNINGS_SHOWN and not quiet:
        rest = plural(warnings - WARNINGS_SHOWN, "more warning")
        click.echo(f"… and {rest}; `{notes.check_command()}` shows them all", err=True)


class _Terminated(Exception):
    """SIGTERM arrived: unwind like Ctrl-C, so workers stop and no temporary file stays behind."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: list[str] | None = None) -> None:
    """Run the CLI: usage errors exit 2, source errors 1, Ctrl-C 130, SIGTERM 143, never a traceback
    for bad input."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(args=argv, prog_name="ankigen", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("\ninterrupted; no partial deck was written", err=True)
        sys.exit(130)
    except _Terminated:
        click.echo("terminated; no partial deck was written", err=True)
        sys.exit(143)
