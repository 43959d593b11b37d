"""`python -m bot serve`: a local Lex V2 runtime endpoint and the test console.

Real Lex clients talk to the bot offline: boto3's `lexv2-runtime` (endpoint_url), the AWS CLI
(`--endpoint-url`), a web client. The bot is built as `chat` builds it (the same settings, so the
same store: the embedded SQLite store and the offline gateway by default). It listens on
127.0.0.1 unless `--host` is given explicitly, and stops cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], which: argparse.ArgumentParser
) -> None:
    from bot.dev.serve.runtime import DEFAULT_BOT_ID, TEST_ALIAS_ID

    serve = commands.add_parser(
        "serve",
        parents=[which],
        help="a local Lex V2 runtime endpoint (RecognizeText, PutSession, ...) and a test console at /",
    )
    serve.add_argument(
        "--host",
        default=None,
        help=f"the address to listen on (default {DEFAULT_HOST}; anything else only when given here)",
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"the port (default {DEFAULT_PORT}; 0: any free one)"
    )
    serve.add_argument(
        "--bot-id", default=DEFAULT_BOT_ID, help=f"the botId clients use (default {DEFAULT_BOT_ID})"
    )
    serve.add_argument(
        "--bot-alias-id",
        action="append",
        dest="alias_ids",
        metavar="ID",
        help=f"a botAliasId clients may use (repeatable; default {TEST_ALIAS_ID})",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        dest="origins",
        default=[],
        metavar="ORIGIN",
        help="let a web client from this origin call the Lex API (CORS; e.g. http://localhost:5173)",
    )
    serve.add_argument("--quiet", action="store_true", help="no access log lines")


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    stdout = out or sys.stdout
    stderr = err or sys.stderr
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from bot.config import Settings
    from bot.dev.serve.runtime import TEST_ALIAS_ID, LexRuntime
    from bot.dev.serve.server import make_server, serve_forever
    from bot.dev.simulator.definition import BotDefinitionError
    from bot.logs import configure_logging

    if not 0 <= args.port <= 65535:
        print("--port must be 0-65535", file=stderr)
        return 2
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    try:
        runtime = LexRuntime(
            args.app,
            args.template,
            app_dir=args.app_dir,
            settings=settings,
            bot_id=args.bot_id,
            alias_ids=tuple(args.alias_ids or [TEST_ALIAS_ID]),
        )
        problems = runtime.problems()
    except (BotDefinitionError, ValueError) as exc:
        print(f"cannot load the bot: {exc}", file=stderr)
        return 2
    for problem in problems:
        print(f"warning: {problem}", file=stderr)
    host = args.host if args.host is not None else DEFAULT_HOST
    try:
        server = make_server(
            runtime,
            host,
            args.port,
            allow_remote=args.host is not None,
            allow_origins=tuple(args.origins),
            access_log=None if args.quiet else stderr,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {host}:{args.port}: {exc.strerror or exc}", file=stderr)
        return 2
    if not server.loopback_only:
        print(
            f"warning: listening on {host}, beyond loopback: anyone who can reach it can talk to the bot",
            file=stderr,
        )
    aliases = ", ".join(runtime.alias_ids)
    print(
        f"listening on {server.url} · bot {runtime.definition.name} botId {runtime.bot_id}"
        f" · aliases {aliases} · locales {', '.join(runtime.locales)}",
        file=stdout,
    )
    print(f"console: {server.url}/   (Ctrl-C to stop)", file=stdout, flush=True)
    return serve_forever(server, stdout)
