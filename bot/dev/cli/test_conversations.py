"""`python -m bot test-conversations [FILE ...]`: play conversation files through the simulator.

Each file (default: the bot's conversations, `conversations/` beside its template, else
`tests/conversations/`) runs against a freshly built app: in-memory store, a throwaway signing
key, the app's parts with local settings (the offline payment gateway), so runs are independent
and write nothing. Prints `PASS name` / `FAIL name` with the failing transcript, then
`N passed, M failed`; the exit code is 1 when anything failed. The format is described in
`bot.dev.simulator.conversations`.

`--runtime serve` plays the same files over HTTP against `python -m bot serve` (`--endpoint-url`,
default http://127.0.0.1:8765), `--runtime aws` against a deployed alias (`--bot-id`,
`--bot-alias-id`, `--region`, optionally `--endpoint-url`), both through boto3's `lexv2-runtime`
`recognize_text` (`bot.dev.serve.remote`). There, the expectations only the simulator can see
(`nlu_intent`, `security_events`, `handler_error`) are skipped and counted, and on AWS a file with
voice or keypad turns is skipped whole; `SKIP name (why)` and the summary say so.
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
    runtime: str = "local",
    endpoint_url: str | None = None,
    bot_id: str | None = None,
    bot_alias_id: str | None = None,
    locale: str | None = None,
    region: str | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    if runtime != "local":
        return run_remote_files(
            paths,
            runtime=runtime,
            endpoint_url=endpoint_url,
            bot_id=bot_id,
            bot_alias_id=bot_alias_id,
            locale=locale,
            region=region,
            app=app,
            app_dir=app_dir,
            template=template,
            verbose=verbose,
            out=out,
        )
    if show_logs:
        from bot.logs import configure_logging

        configure_logging("INFO")  # JSON lines on stderr, as under Lambda
    else:  # the warnings the forgery files provoke would drown the report (they are checked instead)
        logging.getLogger().addHandler(logging.NullHandler())
    return run_files(paths, verbose=verbose, app=app, app_dir=app_dir, template=template, out=out)


SERVE_URL = "http://127.0.0.1:8765"


def run_remote_files(
    paths: Sequence[Path] = (),
    *,
    runtime: str,
    endpoint_url: str | None = None,
    bot_id: str | None = None,
    bot_alias_id: str | None = None,
    locale: str | None = None,
    region: str | None = None,
    app: str | App[Any] | None = None,
    app_dir: str | None = None,
    template: Path | str = TEMPLATE,
    verbose: bool = False,
    out: TextIO = sys.stdout,
    client: Any = None,
) -> int:
    """The files over the Lex V2 runtime API (`runtime` serve or aws); 0 if none failed."""
    from collections import Counter

    from bot.dev.local import conversations_dir
    from bot.dev.serve.remote import RemoteBot, RemoteRunner, describe_skipped, display_slots, lex_client
    from bot.dev.serve.runtime import DEFAULT_BOT_ID, TEST_ALIAS_ID
    from bot.dev.simulator.definition import load_definition
    from bot.loader import load_app

    if runtime not in ("serve", "aws"):
        print(f"unknown runtime {runtime!r}: local, serve or aws", file=out)
        return 2
    serve = runtime == "serve"
    if not serve and (bot_id is None or bot_alias_id is None):
        print("--runtime aws needs --bot-id and --bot-alias-id (and --region, or AWS_REGION)", file=out)
        return 2
    files = conversation_files(paths, template=template)
    if not files:
        print(f"no conversation files found (looked in {conversations_dir(template)})", file=out)
        return 1
    from bot.app import App

    chosen = app if isinstance(app, App) else load_app(app, app_dir=app_dir)
    sensitive = dict(chosen.sensitive_slots)
    definition = load_definition(template)
    bot = RemoteBot(bot_id or DEFAULT_BOT_ID, bot_alias_id or TEST_ALIAS_ID, locale=locale, extensions=serve)
    if client is None and not serve and not _have_credentials():
        print("--runtime aws: no AWS credentials found (configure them as for the AWS CLI)", file=out)
        return 2
    if client is None:
        client = lex_client(
            endpoint_url=endpoint_url or (SERVE_URL if serve else None),
            region_name=region,
            local_credentials=serve,
        )
    runner = RemoteRunner(
        client,
        bot,
        display=display_slots(definition, sensitive, locale or "en_US"),
        sensitive_slots=frozenset(sensitive),
    )
    where = client.meta.endpoint_url
    print(f"runtime {runtime}: bot {bot.bot_id} alias {bot.alias_id} at {where}", file=out)
    if not serve:
        print("note: a deployed bot runs on its own clock: today:/now: cannot be pinned", file=out)
    started = time.perf_counter()
    passed = failed = skipped = 0
    skipped_keys: Counter[str] = Counter()
    for path in files:
        try:
            conversation = load_conversation(path)
        except ConversationFileError as exc:
            failed += 1
            print(f"FAIL {path}\n{textwrap.indent(str(exc), '  ')}", file=out)
            continue
        run = runner.run(conversation)
        skipped_keys.update(run.skipped)
        outcome = _print_run(run, verbose=verbose, out=out)
        passed += outcome == "passed"
        failed += outcome == "failed"
        skipped += outcome == "skipped"
    elapsed = time.perf_counter() - started
    print(f"\nran {len(files)} conversation files over {runtime} in {elapsed:.2f} s", file=out)
    if skipped_keys:
        print(describe_skipped(skipped_keys), file=out)
    print(f"{passed} passed, {failed} failed, {skipped} skipped", file=out)
    return 1 if failed else 0


def _print_run(run: Any, *, verbose: bool, out: TextIO) -> str:
    if run.skip_reason is not None:
        print(f"SKIP {run.report.name} ({run.skip_reason})", file=out)
        return "skipped"
    print(format_report(run.report, transcript=True if verbose else None), file=out)
    return "passed" if run.report.passed else "failed"


def _have_credentials() -> bool:
    try:
        import boto3
    except ImportError:
        return True  # lex_client says what is missing
    return boto3.session.Session().get_credentials() is not None


def add_runtime_arguments(parser: Any) -> None:
    """`--runtime local|serve|aws` and where the bot is (`python -m bot test-conversations`)."""
    parser.add_argument(
        "--runtime",
        choices=("local", "serve", "aws"),
        default="local",
        help="in-process simulator (default), `python -m bot serve` over HTTP, or a deployed alias",
    )
    parser.add_argument(
        "--endpoint-url", metavar="URL", help=f"the Lex V2 runtime endpoint (serve: default {SERVE_URL})"
    )
    parser.add_argument("--bot-id", metavar="ID", help="the botId (aws: required; serve: SIMBOT0001)")
    parser.add_argument(
        "--bot-alias-id", metavar="ID", help="the botAliasId (aws: required; serve: TSTALIASID)"
    )
    parser.add_argument("--locale", metavar="ID", help="the localeId of files that name none (en_US)")
    parser.add_argument("--region", metavar="REGION", help="the AWS region (aws; default: boto3's)")
