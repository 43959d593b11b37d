"""`python -m bot new-intent NAME --slot NAME:TYPE ...`: scaffold an intent that passes as generated.

    .venv/bin/python -m bot new-intent ZipCode --slot ZipCode:AMAZON.Number
    .venv/bin/python -m bot new-intent Contact --slot FirstName:AMAZON.FirstName --slot City:AMAZON.City
    .venv/bin/python -m bot new-intent ZipCode --slot ZipCode:AMAZON.Number --dry-run   # show, write nothing

It writes three files (see `bot.dev.scaffold`):

* `<package>/<snake_name>.py` in the app's package (`--app`, default $BOT_APP, else intents.app:app):
  a `Form` of the app's session class with one `Ask` per slot, in the order given, each with a
  validator (the framework's for names, else a small typed one in the module), and a submit hook
  that closes the intent saying what it collected. An app that calls `app.discover("<package>")`
  registers it with nothing else to edit;
* the intent block in the template's `AWS::Lex::Bot` (`--template`), in every locale, inserted as
  text before the FallbackIntent: sample utterances (`--utterance`, repeatable; by default eight or
  more made from the name), slots with their prompts, priorities and both code hooks. The rest of
  the file is kept byte for byte, except a BotVersion Description ending in vN, bumped to vN+1 so
  that CloudFormation cuts a new version for the live alias;
* `<conversations>/<snake_name>.yaml` (`--conversations`, default: the bot's conversation directory):
  a sample utterance, a refused answer and a plausible one per slot, and the confirmation.

Before writing, the new template is re-read with the simulator's loader and the conversation is
played through the simulator against the app with the new form (`--no-verify` skips the play).
Slot types: the built-in types the simulator resolves (AMAZON.Number, AlphaNumeric, Date, Time,
FirstName, LastName, City, Country, State, EmailAddress, PhoneNumber, FreeFormInput) or a custom
slot type of the template's locale. Refusals (a name Lex or Python would not take, an intent the
template already has, an unknown type, a file that exists without --force) exit with code 2.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.dev.scaffold.core import Result
    from bot.dev.scaffold.kinds import SlotPlan

DEFAULT_TEMPLATE = "template.yaml"
NAME_KINDS = ("first_name", "last_name")  # slots validated by the framework's own validators


def add_parser(commands: Any, which: argparse.ArgumentParser) -> None:
    scaffold = commands.add_parser(
        "new-intent",
        parents=[which],
        help="scaffold an intent: handler, template block, conversation test",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scaffold.add_argument("name", help="the intent name, in CamelCase (e.g. ZipCode)")
    scaffold.add_argument(
        "--slot",
        action="append",
        default=[],
        metavar="NAME:TYPE",
        help="a slot and its type (repeatable; the order is the elicitation order)",
    )
    scaffold.add_argument(
        "--conversations", metavar="DIR", type=Path, help="where the conversation test goes"
    )
    scaffold.add_argument(
        "--utterance",
        action="append",
        default=[],
        metavar="TEXT",
        help="a sample utterance (repeatable; {Slot} names a slot; default: made from the name)",
    )
    scaffold.add_argument("--dry-run", action="store_true", help="print what would be written, write nothing")
    scaffold.add_argument("--force", action="store_true", help="overwrite the handler or conversation file")
    scaffold.add_argument(
        "--no-verify",
        action="store_true",
        help="write even if the conversation does not pass in the simulator (it is still generated)",
    )


def run(args: argparse.Namespace) -> int:
    from bot.dev.scaffold import Request, ScaffoldError, VerificationError, new_intent, write

    request = Request(
        name=args.name,
        slots=list(args.slot),
        template=Path(args.template),
        app=args.app,
        app_dir=args.app_dir,
        conversations=args.conversations,
        utterances=list(args.utterance),
        force=args.force,
        verify=not args.no_verify,
    )
    try:
        result = new_intent(request)
    except VerificationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        _show(result, args)
        return 0
    try:
        write(result)
    except OSError as exc:
        print(f"error: cannot write: {exc}", file=sys.stderr)
        return 1
    _report(result, args)
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _slots(result: Result) -> str:
    return ", ".join(f"{plan.name} ({plan.type_name})" for plan in result.plans)


def _validator(plan: SlotPlan) -> str:
    return f"{plan.name} (framework validator)" if plan.kind in NAME_KINDS else plan.function


def _written(result: Result) -> list[tuple[str, str, str]]:
    locales = ", ".join(result.inserted)
    version = (
        f"; {result.version.logical_id} Description {result.version.old} -> {result.version.new}"
        if result.version is not None
        else ""
    )
    return [
        (
            "overwrote" if result.handler.existed else "wrote",
            _shown(result.handler.path),
            f"the handler: Form {result.intent}, " + ", ".join(_validator(p) for p in result.plans),
        ),
        (
            "edited",
            _shown(result.template.path),
            f"intent {result.intent} in locale {locales} ({len(result.utterances)} utterances){version}",
        ),
        (
            "overwrote" if result.conversation.existed else "wrote",
            _shown(result.conversation.path),
            "the conversation test" + (" (passes in the simulator)" if result.verified else ""),
        ),
    ]


def _show(result: Result, args: argparse.Namespace) -> None:
    print(f"new intent {result.intent}, slots {_slots(result)} (dry run: nothing written)\n")
    for verb, path, what in _written(result):
        future = {"wrote": "would write", "overwrote": "would overwrite", "edited": "would edit"}[verb]
        print(f"  {future} {path}: {what}")
    print(f"\n--- {_shown(result.handler.path)}\n{result.handler.text}")
    for locale, lines in result.inserted.items():
        print(f"--- {_shown(result.template.path)} (inserted in locale {locale})")
        print("\n".join(lines))
    if result.version is not None:
        print(f"--- {_shown(result.template.path)} ({result.version.logical_id})")
        print(f"      Description: {result.version.new}   (was {result.version.old})")
    print(f"\n--- {_shown(result.conversation.path)}\n{result.conversation.text}")
    _next_steps(result, args, then="once written")


def _report(result: Result, args: argparse.Namespace) -> None:
    print(f"new intent {result.intent}, slots {_slots(result)}\n")
    width = max(len(path) for _, path, _ in _written(result))
    for verb, path, what in _written(result):
        print(f"  {verb:9} {path.ljust(width)}  {what}")
    _next_steps(result, args)


def _next_steps(result: Result, args: argparse.Namespace, *, then: str = "next steps") -> None:
    for note in result.notes:
        print(f"  note: {note}")
    command = ["python", "-m", "bot", "test-conversations", _shown(result.conversation.path)]
    if args.app:
        command += ["--app", args.app]
    if args.app_dir:
        command += ["--app-dir", args.app_dir]
    if args.template != DEFAULT_TEMPLATE:
        command += ["--template", args.template]
    steps = []
    if not result.registered:
        steps.append(
            f"register it: the app module {result.app_module} does not call app.discover() on its "
            f"package, so add the form there (`app.add({result.handler.path.stem}.form)`)"
        )
    validators = [p.function for p in result.plans if p.kind not in NAME_KINDS]
    if validators:
        steps.append(
            f"edit {', '.join(validators)} in {_shown(result.handler.path)}: what a valid value is, "
            "and the re-prompt (never repeat what was said)"
        )
    steps += [
        f"review the sample utterances and prompts of {result.intent} in {_shown(result.template.path)}",
        shlex.join(command),
        "bash scripts/test.sh   (lint, types, every conversation, the template checks)",
    ]
    print(f"\n{then}:")
    for number, step in enumerate(steps, start=1):
        print(f"  {number}. {step}")
