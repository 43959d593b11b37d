"""`python -m bot sessions <command>`: administer stored sessions from a terminal.

The same operations as the SessionAdminFunction Lambda (`bot.admin`), on the store the bot uses
with the same settings (BOT_STORE, BOT_SQLITE_PATH, SESSION_TABLE, DYNAMODB_ENDPOINT_URL, ...):
locally that is the SQLite file `python -m bot chat` writes to.

Output is a human-readable table or text; `--json` prints the operation's result as JSON.
Stored text is shown with control characters escaped (\x1b, \u202e; JSON escapes in --json), so
nothing in the store can drive your terminal. Exit codes: 0 ok, 1 not found / conflict / not
confirmed, 2 invalid input or settings (one line on stderr, never a traceback), 3 store unavailable.

Times: ISO-8601 (UTC if no offset) or relative (30m, 2h, 3d, 1w ago), within 2000-01-01 ..
9999-12-31; one listing covers at most 366 days.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from bot.admin.errors import InvalidInput
    from bot.admin.service import SessionAdmin

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_INVALID = 2
EXIT_UNAVAILABLE = 3

_RELATIVE = re.compile(r"^\s*(\d{1,6})\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_OPTIONS = {"start": "since", "end": "until"}  # list_all_sessions' fields as list-all's options
TITLE_WIDTH = 40


def add_parser(commands: Any) -> None:
    """Register `sessions` and its subcommands on the top-level subparsers."""
    sessions = commands.add_parser(
        "sessions",
        help="list, show, annotate and delete stored sessions (same store and settings as the bot)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    sub = sessions.add_subparsers(dest="sessions_command", required=True, metavar="COMMAND")

    listing = sub.add_parser("list", parents=[common], help="a user's sessions, most recently active first")
    listing.add_argument("--user", required=True, help="the owner's user id")
    listing.add_argument("--limit", type=int, default=15, help="sessions per page (1-1000, default 15)")
    listing.add_argument("--cursor", help="continue after the page that printed this cursor")

    show = sub.add_parser("show", parents=[common], help="a session and its chat history")
    show.add_argument("session_id")
    show.add_argument("--user", help="only if USER owns it (else: not found)")

    delete = sub.add_parser("delete", parents=[common], help="delete a session and all its messages")
    delete.add_argument("session_id")
    delete.add_argument("--user", help="only if USER owns it (else: not found)")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    all_sessions = sub.add_parser(
        "list-all", parents=[common], help="sessions last active in a time range, most recent first"
    )
    all_sessions.add_argument(
        "--since",
        required=True,
        metavar="WHEN",
        help="ISO-8601 (UTC if no offset) or relative: 30m, 2h, 3d, 1w",
    )
    all_sessions.add_argument("--until", metavar="WHEN", help="end of the range, exclusive (default: now)")
    feedback_filter = all_sessions.add_mutually_exclusive_group()
    feedback_filter.add_argument(
        "--with-feedback", dest="has_feedback", action="store_const", const=True, help="only rated sessions"
    )
    feedback_filter.add_argument(
        "--without-feedback", dest="has_feedback", action="store_const", const=False, help="only unrated ones"
    )
    review_filter = all_sessions.add_mutually_exclusive_group()
    review_filter.add_argument(
        "--with-review", dest="has_review", action="store_const", const=True, help="only reviewed sessions"
    )
    review_filter.add_argument(
        "--without-review", dest="has_review", action="store_const", const=False, help="only unreviewed ones"
    )
    all_sessions.add_argument(
        "--limit", type=int, default=250, help="sessions per page (1-1000, default 250)"
    )
    all_sessions.add_argument("--cursor", help="continue after the page that printed this cursor")

    feedback = sub.add_parser(
        "feedback", parents=[common], help="thumbs up/down on a session or one of its messages"
    )
    feedback.add_argument("session_id")
    rating = feedback.add_mutually_exclusive_group(required=True)
    rating.add_argument("--up", dest="rating", action="store_const", const="up")
    rating.add_argument("--down", dest="rating", action="store_const", const="down")
    feedback.add_argument("--message", type=int, metavar="N", help="rate message N instead of the session")
    feedback.add_argument("--comment", default="", help="a short comment (redacted when stored)")

    review = sub.add_parser("review", parents=[common], help="record an operator's review of a session")
    review.add_argument("session_id")
    review.add_argument("--reviewer", required=True, help="who reviewed it")
    review.add_argument("--verdict", required=True, choices=["ok", "needs_attention", "escalate"])
    review.add_argument("--notes", default="", help="review notes (redacted when stored)")

    add = sub.add_parser("add", parents=[common], help="create a session with a first message")
    add.add_argument("session_id")
    add.add_argument("--title", required=True)
    add.add_argument("--prompt", required=True, help="what the user said (redacted when stored)")
    add.add_argument("--response", required=True, help="what the bot answered (redacted when stored)")
    add.add_argument("--user", help="the owner's user id (default: anonymous)")

    sub.add_parser("schema", help="print the JSON schema of the admin Lambda's events")


def parse_when(value: str, *, now: float | None = None) -> datetime | str:
    """A relative time ("2h" ago, "now") as a UTC datetime; anything else is left for the models.

    ValueError for a relative time before 2000-01-01 (the earliest time the models accept).
    """
    from bot.admin.models import MIN_EPOCH

    now = time.time() if now is None else now
    if value.strip().lower() == "now":
        return datetime.fromtimestamp(now, UTC)
    match = _RELATIVE.match(value)
    if match:
        seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
        if now - seconds < MIN_EPOCH:
            raise ValueError("a relative time reaches back at most to 2000-01-01 (e.g. 30m, 2h, 3d, 1w)")
        return datetime.fromtimestamp(now, UTC) - timedelta(seconds=seconds)
    return value


def run(args: argparse.Namespace, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run one `sessions` subcommand; returns the exit code."""
    out = stdout or sys.stdout
    if args.sessions_command == "schema":
        from bot.admin.models import json_schema

        print(json.dumps(json_schema(), indent=2, ensure_ascii=False), file=out)
        return EXIT_OK

    from bot.admin.errors import SUMMARIZED, AdminError, where
    from bot.config import ConfigError
    from bot.store.base import StoreUnavailable

    try:
        from bot.admin.factory import build_admin

        admin = build_admin()
        return _dispatch(admin, args, stdin or sys.stdin, out)
    except AdminError as exc:
        _error(exc.message, [where(detail) for detail in exc.details[SUMMARIZED:]])  # message: the first
        return exc.exit_code
    except (ConfigError, OSError) as exc:  # settings; an unusable BOT_LOCAL_DIR is reported as ConfigError
        _error(str(exc))
        return EXIT_INVALID
    except StoreUnavailable as exc:  # the service maps store failures itself; this is a safety net
        _error(f"the session store is unavailable: {exc}")
        return EXIT_UNAVAILABLE


def _error(message: str, more: list[str] | None = None) -> None:
    """The error on stderr: one line (plus indented details), control characters escaped."""
    from bot.admin.text import terminal_safe

    print(f"error: {terminal_safe(message)}", file=sys.stderr)
    for line in more or []:
        print(f"  {terminal_safe(line)}", file=sys.stderr)


def _dispatch(admin: SessionAdmin, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    command = args.sessions_command
    if command == "list":
        result = admin.list_sessions_by_user(args.user, limit=args.limit, cursor=args.cursor)
        return _print(args, out, result, _sessions_table)
    if command == "list-all":
        return _print(args, out, _list_all(admin, args), _sessions_table)
    if command == "show":
        return _print(args, out, admin.get_session(args.session_id, args.user), _session_text)
    if command == "delete":
        if not args.yes and stdin.isatty():
            from bot.admin.text import terminal_safe

            question = f"Delete session {terminal_safe(args.session_id)} and all its messages? [y/N] "
            print(question, end="", file=out, flush=True)
            answer = stdin.readline().strip().lower()
            if answer not in {"y", "yes"}:
                print("not deleted", file=out)
                return EXIT_NOT_FOUND
        result = admin.delete_session(args.session_id, args.user)
        return _print(
            args, out, result, lambda r: f"deleted session {r['session_id']} ({r['deleted_items']} items)"
        )
    if command == "feedback":
        result = admin.add_feedback(args.session_id, args.rating, args.comment, message_index=args.message)
        return _print(args, out, result, _feedback_text)
    if command == "review":
        result = admin.add_review(args.session_id, args.reviewer, args.verdict, args.notes)
        return _print(args, out, result, _review_text)
    if command == "add":
        result = admin.add_session(
            args.session_id, args.user, args.title, {"prompt": args.prompt, "response": args.response}
        )
        return _print(
            args, out, result, lambda r: f"added session {r['session_id']} (message {r['message_index']})"
        )
    raise AssertionError(f"unhandled sessions command {command!r}")  # argparse restricts the choices


def _list_all(admin: SessionAdmin, args: argparse.Namespace) -> dict[str, Any]:
    """list_all_sessions over --since/--until; errors name those options, not start/end."""
    from bot.admin.errors import InvalidInput

    now = int(time.time()) + 1  # the next whole second: "now" includes this second, ranges are exact
    try:
        start = _when_option("since", args.since, now)
        end = _when_option("until", args.until, now) if args.until else datetime.fromtimestamp(now, UTC)
        return admin.list_all_sessions(
            start,
            end,
            has_feedback=args.has_feedback,
            has_review=args.has_review,
            limit=args.limit,
            cursor=args.cursor,
        )
    except InvalidInput as exc:
        raise _with_option_names(exc) from None


def _when_option(name: str, value: str, now: float) -> datetime | str:
    from bot.admin.errors import InvalidInput

    try:
        return parse_when(value, now=now)
    except ValueError as exc:
        detail = {"loc": [name], "msg": str(exc), "type": "value_error"}
        raise InvalidInput(f"invalid request: {name}: {exc}", [detail]) from None


def _with_option_names(exc: InvalidInput) -> InvalidInput:
    from bot.admin.errors import InvalidInput, summarize

    if not exc.details:
        return exc
    details = [{**detail, "loc": _option_loc(detail["loc"])} for detail in exc.details]
    return InvalidInput(f"invalid request: {summarize(details)}", details)


def _option_loc(loc: list[Any]) -> list[Any]:
    """["start"] -> ["since"], ["end"] -> ["until"]; other locations unchanged."""
    return [_OPTIONS.get(loc[0], loc[0]), *loc[1:]] if loc else loc


def _print(args: argparse.Namespace, out: TextIO, result: dict[str, Any], text: Any) -> int:
    """The result as JSON or as text, with every stored string made safe for a terminal."""
    from bot.admin.text import json_safe

    if args.json:
        print(json_safe(json.dumps(result, indent=2, ensure_ascii=False)), file=out)
    else:
        print(text(_terminal_safe(result)), file=out)
    return EXIT_OK


def _terminal_safe(value: Any) -> Any:
    """`value` (a result: dicts, lists, strings, numbers) with every string escaped for a terminal."""
    from bot.admin.text import terminal_safe

    if isinstance(value, str):
        return terminal_safe(value)
    if isinstance(value, dict):
        return {key: _terminal_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_terminal_safe(item) for item in value]
    return value


def _short(value: str | None, width: int) -> str:
    if not value:
        return "-"
    return value if len(value) <= width else value[: width - 1] + "…"


def _when(value: str | None) -> str:
    """ "2025-01-31 12:00:00" from an ISO-8601 UTC time."""
    return value.replace("T", " ").removesuffix("+00:00") if value else "-"


def _sessions_table(result: dict[str, Any]) -> str:
    sessions = result["sessions"]
    if not sessions:
        lines = ["no sessions"]
    else:
        header = ("SESSION", "OWNER", "TITLE", "LAST ACTIVE (UTC)", "MSGS", "FEEDBACK", "REVIEW")
        rows = [
            (
                s["session_id"],
                _short(s["owner"], 24),
                _short(s["title"], TITLE_WIDTH),
                _when(s["updated_at"]),
                str(s["message_count"]),
                (s["feedback"] or {}).get("rating") or ("yes" if s["has_feedback"] else "-"),
                (s["review"] or {}).get("verdict") or "-",
            )
            for s in sessions
        ]
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in (header, *rows)
        ]
        lines.append(f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}")
    if result.get("cursor"):
        lines.append(f"more: --cursor {result['cursor']}")
    return "\n".join(lines)


def _session_text(session: dict[str, Any]) -> str:
    lines = [
        f"session      {session['session_id']}",
        f"owner        {session['owner'] or '(anonymous)'}",
        f"title        {session['title'] or '-'}",
        f"created      {_when(session['created_at'])}",
        f"last active  {_when(session['updated_at'])}",
        f"expires      {_when(session['expires_at'])}",
        f"messages     {session['message_count']}",
    ]
    feedback = session.get("feedback")
    if feedback:
        comment = f" - {feedback['comment']}" if feedback["comment"] else ""
        lines.append(f"feedback     {feedback['rating']}{comment}")
    elif session["has_feedback"]:
        lines.append("feedback     on messages")
    review = session.get("review")
    if review:
        notes = f" - {review['notes']}" if review["notes"] else ""
        lines.append(f"review       {review['verdict']} by {review['reviewer']}{notes}")
    lines.append("")
    history = session.get("history") or []
    if not history:
        lines.append("(no history)")
    for message in history:
        lines.append(
            f"[{message['index']}] {_when(message['at'])[:19]}  {message['role']:>4}: {message['content']}"
        )
    return "\n".join(lines)


def _feedback_text(result: dict[str, Any]) -> str:
    target = "session" if result["message_index"] is None else f"message {result['message_index']} of"
    return (
        f"{result['feedback']['rating']} recorded on {target} {result['session_id']}"
        f" (kept until {_when(result['retained_until'])})"
    )


def _review_text(result: dict[str, Any]) -> str:
    review = result["review"]
    return (
        f"review {review['verdict']} by {review['reviewer']} recorded on {result['session_id']}"
        f" (kept until {_when(result['retained_until'])})"
    )
