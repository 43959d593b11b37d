"""`python -m bot chat`: talk to the bot through the local Lex V2 simulator.

Each line you type is one RecognizeText: the simulator recognizes the intent from the template's
sample utterances, fills slots, and invokes the real handler (embedded SQLite store and offline
gateway by default), exactly as Lex would. Piped input works too (one input per line, until EOF).

Commands: /state (show the session), /reset (start a new session), /help, /quit.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.dev.simulator.api import InvalidLambdaResponse, SimResult, SsmlMessage, spoken_text
from bot.dev.simulator.runtime import LexSimulator

SESSION_ID = re.compile(r"^[0-9a-zA-Z._:-]{2,100}$")  # Lex's own session id constraint
HIDDEN_ATTRIBUTES = frozenset({"sig"})
MAX_SHOWN = 60
HELP = "commands: /state  /reset  /help  /quit   (Ctrl-D or Ctrl-C to leave)"


def lex_sessions_dir() -> Path:
    """Where the simulator keeps Lex's side of chat sessions (so `--session ID` continues one)."""
    return Path(os.environ.get("BOT_LOCAL_DIR", ".local")) / "lex-sessions"


def run_chat(
    *,
    show_state: bool = False,
    input_mode: str = "Text",
    locale: str = "en_US",
    session_id: str | None = None,
    user_token: str | None = None,
    template: str = "template.yaml",
    app: str | None = None,
    app_dir: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    source = stdin or sys.stdin
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if session_id is not None and not SESSION_ID.match(session_id):
        print("--session must be 2-100 letters, digits or . _ : -", file=err)
        return 2
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # per-turn JSON logs would drown the conversation
    from bot.config import Settings
    from bot.dev.local import local_bot
    from bot.dev.simulator.definition import BotDefinitionError
    from bot.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    try:
        bot = local_bot(app, template, settings=settings, app_dir=app_dir, locale=locale)
    except BotDefinitionError as exc:
        print(f"cannot load the bot: {exc}", file=err)
        return 2
    for problem in bot.problems:
        print(f"warning: {problem}", file=err)
    sim = bot.simulator(
        session_id=session_id,
        request_attributes={"user_token": user_token} if user_token is not None else None,
        accept_ssml=input_mode != "Text",  # a call: Connect plays SSML
    )
    resumed = session_id is not None and _restore(sim)
    interactive = source.isatty()
    verb = "resuming" if resumed else "session"
    print(
        f"{verb} {sim.session_id} · {sim.definition.name} {sim.locale.locale_id} · input {input_mode}"
        f" (resume with --session {sim.session_id}; /help for commands)",
        file=out,
    )
    try:
        for line in _lines(source, interactive):
            text = line.strip()
            if not text:
                continue
            if text.startswith("/"):
                if _command(text, sim, out, err):
                    break
                continue
            try:
                result = sim.say(text, input_mode=input_mode)
            except InvalidLambdaResponse as exc:
                print(f"error: {exc}", file=err)
                continue
            except ValueError as exc:
                print(f"error: {exc}", file=err)
                continue
            for message in result.messages or ["(no message)"]:
                print(f"bot: {spoken_text(message)}", file=out)
                if show_state and isinstance(message, SsmlMessage):
                    print(f"     ssml: {message}", file=out)
            if show_state:
                _show(result, bot.pipeline, sim, out)
            out.flush()
            _save(sim)
    except KeyboardInterrupt:
        print(file=out)
    return 0


def _lines(source: TextIO, interactive: bool) -> Iterator[str]:
    if not interactive:
        yield from source
        return
    while True:
        try:
            yield input("you: ")
        except EOFError:
            print()
            return


def _command(text: str, sim: LexSimulator, out: TextIO, err: TextIO) -> bool:
    """Run a /command. True means quit."""
    command = text.split(maxsplit=1)[0].lower()
    if command in ("/quit", "/exit", "/q"):
        return True
    if command == "/reset":
        sim.reset()
        print(f"(new session {sim.session_id})", file=err)
    elif command == "/state":
        print(format_state(sim.history[-1]) if sim.history else "(no turn yet)", file=out)
    else:
        print(HELP, file=err)
    return False


def _show(result: SimResult, pipeline: Any, sim: LexSimulator, out: TextIO) -> None:
    print(format_state(result), file=out)
    context = generative_context(pipeline, sim.session_id, sim.locale.locale_id)
    if context:
        print(context, file=out)


def generative_context(pipeline: Any, session_id: str, locale: str) -> str:
    """The context generative help would send for the next question (redacted, as sent) and its
    token estimate; "" for a bot without the part (or with GENERATOR=off)."""
    desks = [r for r in pipeline.services.parts.values() if hasattr(r, "preview")]
    if not desks or desks[0].settings.mode == "off":
        return ""
    record, messages = pipeline.store.load(
        session_id, now=int(pipeline.clock()), window=pipeline.history_window
    )
    from bot import history

    verified = history.verified(pipeline.services.keys.history, session_id, messages)
    text, tokens = desks[0].preview(record, verified, locale)
    settings = desks[0].settings
    heading = f"  generative context ({settings.mode}; ~{tokens} tokens, budget {settings.budget.hard}):"
    return heading + "\n" + textwrap.indent(text, "       ")


def format_state(result: SimResult) -> str:
    """The state after a turn: dialog action, intent, slots (masked) and session attributes."""
    target = f"{result.intent}.{result.slot_to_elicit}" if result.slot_to_elicit else (result.intent or "-")
    lines = [f"    [{result.dialog_action} {target} · intent state {result.intent_state or '-'}]"]
    if result.nlu_intent is not None:
        confidence = "-" if result.nlu_confidence is None else f"{result.nlu_confidence:.2f}"
        lines[0] += f" nlu {result.nlu_intent} {confidence}"
    if result.slots:
        lines.append(
            "    slots: " + " ".join(f"{k}={v if v is not None else '-'}" for k, v in result.slots.items())
        )
    shown = {
        k: ("…" if k in HIDDEN_ATTRIBUTES else _truncate(v))
        for k, v in sorted(result.session_attributes.items())
    }
    lines.append("    attributes: " + json.dumps(shown, ensure_ascii=False))
    return "\n".join(lines)


def _truncate(value: str) -> str:
    return value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…"


def _session_file(session_id: str) -> Path:
    return lex_sessions_dir() / f"{session_id}.json"


def _restore(sim: LexSimulator) -> bool:
    path = _session_file(sim.session_id)
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # Lex has nothing for it: the session starts fresh (the store may still know it)
    if isinstance(data, dict) and data.get("sessionId") == sim.session_id:
        sim.import_session(data)
        return True
    return False


def _save(sim: LexSimulator) -> None:
    """Keep Lex's side of the session (0600: it holds the signed attributes and sealed slots)."""
    path = _session_file(sim.session_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(sim.export_session(), file)
    except OSError as exc:
        print(f"warning: cannot keep the session for --session: {exc}", file=sys.stderr)
