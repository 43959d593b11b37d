"""Command line: `python -m bot <command>`.

demo                      play a complete payment conversation through the real handler
chat                      talk to the bot through the local Lex V2 simulator (template.yaml's NLU and dialog)
invoke EVENT.json         run the handler on one event and print the response (Docker-free `sam local invoke`)
test-conversations [FILE ...]  play conversation files and check every turn (default: tests/conversations)
sessions COMMAND          stored sessions: list, list-all, show, delete, feedback, review, add, schema
tables COMMAND            set up / maintain the store: create, backfill-ttl [--dry-run]
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
        prog="python -m bot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="play a complete payment conversation and print the transcript")
    demo.add_argument("--show-state", action="store_true", help="print session attributes after each turn")

    chat = commands.add_parser(
        "chat", help="talk to the bot through the local Lex V2 simulator (reads lines until EOF)"
    )
    chat.add_argument(
        "--show-state", action="store_true", help="print intent, dialog action, masked slots, attributes"
    )
    mode = chat.add_mutually_exclusive_group()
    mode.add_argument("--voice", action="store_true", help="send inputMode Speech")
    mode.add_argument("--dtmf", action="store_true", help="send inputMode DTMF")
    chat.add_argument("--session", metavar="ID", help="resume (or start) the session with this id")
    who = chat.add_mutually_exclusive_group()
    who.add_argument("--user-token", metavar="TOKEN", help="pass user_token in requestAttributes")
    who.add_argument(
        "--as", dest="as_user", metavar="USER", help="pass USER as user_token in requestAttributes"
    )
    chat.add_argument(
        "--template", default="template.yaml", help="the SAM/CloudFormation template (template.yaml)"
    )

    invoke = commands.add_parser("invoke", help="run lambda_handler on an event file and print the response")
    invoke.add_argument("event", type=Path, help="a Lex V2 event JSON file (see events/)")
    invoke.add_argument(
        "--sign",
        action="store_true",
        help="sign the event's session attributes with the local key first (to replay a crafted state)",
    )

    conversations = commands.add_parser(
        "test-conversations", help="play conversation files (tests/conversations/*.yaml) and check them"
    )
    conversations.add_argument("files", nargs="*", type=Path, help="YAML files or directories (default: all)")
    conversations.add_argument("-v", "--verbose", action="store_true", help="print passing transcripts too")
    conversations.add_argument("--show-logs", action="store_true", help="let the bot's log lines through")

    from bot.dev.cli import sessions as sessions_cli
    from bot.dev.cli import tables as tables_cli

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
    if args.command == "demo":
        from bot.dev.cli.demo import run_demo

        return run_demo(show_state=args.show_state)
    if args.command == "chat":
        from bot.dev.cli.chat import run_chat

        return run_chat(
            show_state=args.show_state,
            input_mode="Speech" if args.voice else "DTMF" if args.dtmf else "Text",
            session_id=args.session,
            user_token=args.user_token if args.user_token is not None else args.as_user,
            template=args.template,
        )
    if args.command == "invoke":
        return _invoke(args.event, sign=args.sign)
    if args.command == "test-conversations":
        from bot.dev.cli.test_conversations import main as test_conversations

        return test_conversations(args.files, verbose=args.verbose, show_logs=args.show_logs)
    if args.command == "sessions":
        from bot.dev.cli.sessions import run as run_sessions

        return run_sessions(args)
    if args.command == "tables":
        from bot.dev.cli.tables import run as run_tables

        return run_tables(args)
    return 2


def _invoke(path: Path, *, sign: bool) -> int:
    from bot.handler import get_app

    try:
        event: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        print(f"cannot read event {path}: {exc}", file=sys.stderr)
        return 2
    app = get_app()
    if sign and isinstance(event, dict):
        from bot.security import signing

        state = event.get("sessionState", {})
        attributes = {
            k: v for k, v in state.get("sessionAttributes", {}).items() if k != signing.SIGNATURE_KEY
        }
        attributes[signing.SIGNATURE_KEY] = signing.sign(
            app.services.keys.signing, event.get("sessionId", ""), attributes
        )
        state["sessionAttributes"] = attributes
    print(json.dumps(app.handle(event), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
