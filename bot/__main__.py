"""Command line: `python -m bot <command>`.

demo                      play a complete payment conversation through the real handler
invoke EVENT.json         run the handler on one event and print the response (Docker-free `sam local invoke`)
"""

from __future__ import annotations

import argparse
import json
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

    invoke = commands.add_parser("invoke", help="run lambda_handler on an event file and print the response")
    invoke.add_argument("event", type=Path, help="a Lex V2 event JSON file (see events/)")
    invoke.add_argument(
        "--sign",
        action="store_true",
        help="sign the event's session attributes with the local key first (to replay a crafted state)",
    )

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from bot.cli.demo import run_demo

        return run_demo(show_state=args.show_state)
    if args.command == "invoke":
        return _invoke(args.event, sign=args.sign)
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
