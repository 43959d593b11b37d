"""Command line: `python -m bot <command>`.

chat                      talk to the bot through the local Lex V2 simulator (the template's NLU, dialog)
serve                     a local Lex V2 runtime endpoint for real Lex clients, and a test console at /
demo [FILE]               play a conversation file (default: the bot's happy_path.yaml), print the transcript
invoke EVENT.json         run the handler on one event, print the response (a Docker-free `sam local invoke`)
test-conversations [FILE ...]  play conversation files, check every turn (default: the bot's conversations/)
                          (--runtime serve|aws: the same over the Lex V2 runtime API)
new-intent NAME --slot NAME:TYPE ...   scaffold an intent: handler, template block, conversation test
sessions COMMAND          stored sessions: list, list-all, show, delete, feedback, review, add, schema
tables COMMAND            set up / maintain the store: create, backfill-ttl [--dry-run], purge [--vacuum]

Which bot: BOT_APP=package.module:attribute (default intents.app:app, the reference bot), or --app;
--app-dir DIR makes DIR importable; --template the SAM template with its AWS::Lex::Bot.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lexbot" if Path(sys.argv[0]).name == "lexbot" else "python -m bot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    which = argparse.ArgumentParser(add_help=False)
    which.add_argument(
        "--app", metavar="MODULE:ATTR", help="the bot (default: $BOT_APP, else intents.app:app)"
    )
    which.add_argument("--app-dir", metavar="DIR", help="a directory to import the bot from")
    which.add_argument(
        "--template", default="template.yaml", help="the SAM/CloudFormation template (template.yaml)"
    )

    demo = commands.add_parser(
        "demo", parents=[which], help="play a conversation file and print the transcript"
    )
    demo.add_argument("file", nargs="?", type=Path, help="a conversation file (default: happy_path.yaml)")
    demo.add_argument("--show-state", action="store_true", help="print the state after each turn")

    chat = commands.add_parser(
        "chat",
        parents=[which],
        help="talk to the bot through the local Lex V2 simulator (reads lines until EOF)",
    )
    chat.add_argument(
        "--show-state", action="store_true", help="print intent, dialog action, masked slots, attributes"
    )
    mode = chat.add_mutually_exclusive_group()
    mode.add_argument(
        "--voice",
        action="store_true",
        help="a phone call: inputMode Speech, SSML accepted (as Amazon Connect)",
    )
    mode.add_argument(
        "--dtmf",
        action="store_true",
        help="the phone's keypad: inputMode DTMF, SSML accepted (# ends, * restarts)",
    )
    chat.add_argument(
        "--locale", default="en_US", help="the bot locale to talk to (default en_US; e.g. es_US)"
    )
    chat.add_argument("--session", metavar="ID", help="resume (or start) the session with this id")
    who = chat.add_mutually_exclusive_group()
    who.add_argument("--user-token", metavar="TOKEN", help="pass user_token in requestAttributes")
    who.add_argument(
        "--as", dest="as_user", metavar="USER", help="pass USER as user_token in requestAttributes"
    )

    invoke = commands.add_parser(
        "invoke", parents=[which], help="run lambda_handler on an event file and print the response"
    )
    invoke.add_argument(
        "event", type=Path, help="a Lex V2 or Bedrock Agent event JSON file (see events/, events/agent/)"
    )
    invoke.add_argument(
        "--user-token",
        metavar="TOKEN",
        help="put this user token in the event (Lex: request attributes; agent: session attributes)",
    )
    invoke.add_argument(
        "--sign",
        action="store_true",
        help="sign the event's session attributes with the local key first (to replay a crafted state)",
    )

    conversations = commands.add_parser(
        "test-conversations", parents=[which], help="play conversation files (*.yaml) and check them"
    )
    conversations.add_argument("files", nargs="*", type=Path, help="YAML files or directories (default: all)")
    conversations.add_argument("-v", "--verbose", action="store_true", help="print passing transcripts too")
    conversations.add_argument("--show-logs", action="store_true", help="let the bot's log lines through")
    from bot.dev.cli.test_conversations import add_runtime_arguments

    add_runtime_arguments(conversations)

    from bot.dev.cli import scaffold as scaffold_cli
    from bot.dev.cli import serve as serve_cli
    from bot.dev.cli import sessions as sessions_cli
    from bot.dev.cli import tables as tables_cli

    scaffold_cli.add_parser(commands, which)
    serve_cli.add_parser(commands, which)

    sessions_cli.add_parser(commands)
    tables_cli.add_parser(commands)

    args = parser.parse_args(argv)
    from bot import metrics

    # The bot's EMF metric lines are for CloudWatch: `invoke` puts them on stderr (stdout is the
    # response, as with `sam local invoke`); transcripts and tables do not show them.
    previous = metrics.output
    sink = sys.stderr if args.command == "invoke" else open(os.devnull, "w")  # noqa: SIM115
    metrics.output = sink
    try:
        return _run(args)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    finally:
        metrics.output = previous
        if sink is not sys.stderr:
            sink.close()


def _run(args: argparse.Namespace) -> int:
    from bot.config import ConfigError

    try:
        return _command(args)
    except ConfigError as exc:  # a bad BOT_APP / --app, or settings the bot cannot work with
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _command(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from bot.dev.cli.demo import run_demo

        return run_demo(
            args.file, show_state=args.show_state, app=args.app, app_dir=args.app_dir, template=args.template
        )
    if args.command == "chat":
        from bot.dev.cli.chat import run_chat

        return run_chat(
            show_state=args.show_state,
            input_mode="Speech" if args.voice else "DTMF" if args.dtmf else "Text",
            locale=args.locale,
            session_id=args.session,
            user_token=args.user_token if args.user_token is not None else args.as_user,
            template=args.template,
            app=args.app,
            app_dir=args.app_dir,
        )
    if args.command == "invoke":
        return _invoke(
            args.event, sign=args.sign, app=args.app, app_dir=args.app_dir, user_token=args.user_token
        )
    if args.command == "test-conversations":
        from bot.dev.cli.test_conversations import main as test_conversations

        return test_conversations(
            args.files,
            verbose=args.verbose,
            show_logs=args.show_logs,
            app=args.app,
            app_dir=args.app_dir,
            template=args.template,
            runtime=args.runtime,
            endpoint_url=args.endpoint_url,
            bot_id=args.bot_id,
            bot_alias_id=args.bot_alias_id,
            locale=args.locale,
            region=args.region,
        )
    if args.command == "serve":
        from bot.dev.cli.serve import run as run_serve

        return run_serve(args)
    if args.command == "new-intent":
        from bot.dev.cli.scaffold import run as run_scaffold

        return run_scaffold(args)
    if args.command == "sessions":
        from bot.dev.cli.sessions import run as run_sessions

        return run_sessions(args)
    if args.command == "tables":
        from bot.dev.cli.tables import run as run_tables

        return run_tables(args)
    return 2


def _invoke(
    path: Path, *, sign: bool, app: str | None, app_dir: str | None, user_token: str | None = None
) -> int:
    from bot.config import Settings
    from bot.loader import load_app
    from bot.logs import configure_logging

    try:
        event: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        print(f"cannot read event {path}: {exc}", file=sys.stderr)
        return 2
    agent_event = isinstance(event, dict) and "agent" in event and "actionGroup" in event
    if user_token is not None and isinstance(event, dict):
        where = "sessionAttributes" if agent_event else "requestAttributes"
        event[where] = {**(event.get(where) or {}), "user_token": user_token}
    if agent_event:  # a Bedrock Agent action group event
        from bot.agent.handler import build_agent

        agent_settings = Settings.from_env(signing=False)
        configure_logging(agent_settings.log_level)
        print(json.dumps(build_agent(agent_settings).handle(event, None), indent=2, ensure_ascii=False))
        return 0
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    pipeline = load_app(app, app_dir=app_dir).build(settings)
    if sign and isinstance(event, dict):
        from bot.security import signing

        state = event.get("sessionState", {})
        attributes = {
            k: v for k, v in state.get("sessionAttributes", {}).items() if k != signing.SIGNATURE_KEY
        }
        attributes[signing.SIGNATURE_KEY] = signing.sign(
            pipeline.services.keys.signing, event.get("sessionId", ""), attributes
        )
        state["sessionAttributes"] = attributes
    print(json.dumps(pipeline.handle(event), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
