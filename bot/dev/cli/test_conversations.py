"""`python -m bot test-conversations [FILE ...]`: play conversation files through the simulator.

Each file (default: the bot's conversations, `conversations/` beside its template, else
`tests/conversations/`) runs against a freshly built app: in-memory store, a throwaway signing
key, the app's parts with local settings (the offline payment gateway), so runs are independent
and write nothing. Prints `PASS name` / `FAIL name` with the failing transcript, then
`N passed, M failed`; the exit code is 1 when anything failed. The format is described in
`bot.dev.simulator.conversations`.
"""

from __future__ import annotations

import logging
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.dev.simulator.conversations import (
    Conversation,
    ConversationFileError,
    ConversationReport,
    Simulator,
    format_report,
    load_conversation,
    local_simulators,
    run_conversation,
)

if TYPE_CHECKING:
    from bot.app import App

TEMPLATE = Path("template.yaml")


def simulator_factory(
    template: Path | str = TEMPLATE, app: str | App[Any] | None = None, *, app_dir: str | None = None
) -> Callable[[Conversation], Simulator]:
    """`make(conversation)`: a simulator over a freshly built app (memory store, local part
    settings, a new random signing key), with the conversation's pinned clock (`today:`)."""
    return local_simulators(app, template, app_dir=app_dir)


def conversation_files(paths: Sequence[Path] = (), *, template: Path | str = TEMPLATE) -> list[Path]:
    """The files to run: `paths` (a directory means its *.yaml), or every conversation of the bot."""
    from bot.dev.local import conversations_dir

    if not paths:
        return sorted(conversations_dir(template).glob("*.yaml"))
    found: list[Path] = []
    for path in paths:
        found += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return found


def run_files(
    paths: Sequence[Path] = (),
    *,
    template: Path | str = TEMPLATE,
    app: str | App[Any] | None = None,
    app_dir: str | None = None,
    verbose: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """Run the files, print each result and the summary; 0 if all passed, else 1."""
    from bot.dev.local import conversations_dir

    files = conversation_files(paths, template=template)
    if not files:
        print(f"no conversation files found (looked in {conversations_dir(template)})", file=out)
        return 1
    started = time.perf_counter()
    make = simulator_factory(template, app, app_dir=app_dir)
    for problem in _problems(template, app, app_dir):
        print(f"warning: {problem}", file=out)
    reports: list[ConversationReport] = []
    load_errors = 0
    for path in files:
        try:
            conversation = load_conversation(path)
        except ConversationFileError as exc:
            load_errors += 1
            print(f"FAIL {path}\n{textwrap.indent(str(exc), '  ')}", file=out)
            continue
        report = run_conversation(conversation, make)
        reports.append(report)
        print(format_report(report, transcript=True if verbose else None), file=out)
    elapsed = time.perf_counter() - started
    passed = sum(report.passed for report in reports)
    failed = len(reports) - passed + load_errors
    print(f"\nran {len(files)} conversation files in {elapsed:.2f} s", file=out)
    print(f"{passed} passed, {failed} failed", file=out)
    return 1 if failed else 0


def _problems(template: Path | str, app: str | App[Any] | None, app_dir: str | None) -> list[str]:
    """How the app and its template disagree (a template intent with no handler, a form slot the
    template lacks): reported before the run, as `chat` does."""
    import secrets

    from bot.config import Settings
    from bot.dev.local import local_bot

    settings = Settings.from_env({"BOT_STORE": "memory", "BOT_SIGNING_KEY": secrets.token_urlsafe(48)})
    return local_bot(app, template, settings=settings, app_dir=app_dir).problems


def main(
    paths: Sequence[Path] = (),
    *,
    verbose: bool = False,
    show_logs: bool = False,
    app: str | None = None,
    app_dir: str | None = None,
    template: str | Path = TEMPLATE,
) -> int:
    if show_logs:
        from bot.logs import configure_logging

        configure_logging("INFO")  # JSON lines on stderr, as under Lambda
    else:  # the warnings the forgery files provoke would drown the report (they are checked instead)
        logging.getLogger().addHandler(logging.NullHandler())
    return run_files(paths, verbose=verbose, app=app, app_dir=app_dir, template=template)
