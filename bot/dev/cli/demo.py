"""`python -m bot demo [FILE]`: play a conversation file through the local simulator and print the
transcript — by default the bot's `happy_path.yaml` (the reference bot's: from "make a payment" to
a saved card). It uses the same store and settings as `chat` (the local SQLite store by default)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.config import Settings
from bot.dev.local import conversations_dir, local_bot
from bot.dev.simulator.conversations import ConversationFileError, load_conversation


def run_demo(
    file: Path | None = None,
    *,
    show_state: bool = False,
    app: str | None = None,
    app_dir: str | None = None,
    template: str = "template.yaml",
) -> int:
    path = file or conversations_dir(template) / "happy_path.yaml"
    try:
        conversation = load_conversation(path)
    except ConversationFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    bot = local_bot(app, template, settings=settings, app_dir=app_dir)
    sim = bot.simulator(request_attributes=dict(conversation.request_attributes) or None)
    print(f"session {sim.session_id} · {bot.definition.name} · store={settings.store} · {path.name}\n")
    for turn in conversation.turns:
        if turn.user is None:  # a client tampering with its attributes: not part of a demo
            continue
        result = sim.say(turn.user, input_mode=turn.input_mode or conversation.input_mode)
        print(f"user: {turn.user}")
        for message in result.messages:
            print(f"bot:  {message}")
        if show_state:
            print(f"      [{result.dialog_action} {result.intent or ''} {result.slot_to_elicit or ''}]")
            shown = {k: v for k, v in result.session_attributes.items() if k != "sig"}
            print(f"      {json.dumps(shown, ensure_ascii=False)}")
        print()
    return 0
