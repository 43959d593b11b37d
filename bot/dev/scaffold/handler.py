"""The handler module of a scaffolded intent: a `Form` with one `Ask` per slot, its validators
and a `@form.submit` that closes the intent saying what it collected (see `intents/collect_name.py`
for the shape). Laid out so that `ruff check`, `ruff format --check` and `mypy --strict` pass.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from bot.dev.scaffold import kinds, pycode
from bot.dev.scaffold.kinds import SlotPlan
from bot.dev.scaffold.naming import ScaffoldError, hand_off_name, listing, sentence
from bot.dev.scaffold.pycode import INDENT, Text

DIALOG_COLUMN = 42  # where "bot:" starts in the docstring's dialog, as in intents/collect_name.py
DOC_WIDTH = 100


@dataclass(frozen=True, slots=True)
class Exchange:
    user: str
    bot: str


@dataclass(frozen=True, slots=True)
class Handler:
    intent: str
    slots: Sequence[SlotPlan]
    prompts: Sequence[str]
    session_module: str
    session_class: str
    happy: Sequence[Exchange] = ()  # the docstring's dialog
    refused: Sequence[Exchange] = ()
    files_note: str = ""  # where the template block and the conversation test are

    @property
    def session_name(self) -> str:
        """The session class as the module names it (aliased if it clashes with an import)."""
        return "AppSession" if self.session_class in _RESERVED else self.session_class

    def confirmation(self) -> list[tuple[str, SlotPlan | None]]:
        """The closing message as (text, slot) pieces: "Thanks. Your zip code is " ZIP_CODE "."."""
        pieces: list[tuple[str, SlotPlan | None]] = [("Thanks. ", None)]
        for index, plan in enumerate(self.slots):
            if index:
                pieces.append((", " if index < len(self.slots) - 1 else " and ", None))
            lead = "Your" if index == 0 else "your"
            pieces += [(f"{lead} {plan.phrase} is ", None), ("", plan)]
        pieces.append((".", None))
        return pieces

    def confirmation_text(self, values: dict[str, str]) -> str:
        return "".join(text if plan is None else values[plan.name] for text, plan in self.confirmation())

    def source(self) -> str:
        codes = [kinds.code(plan) for plan in self.slots]
        generated = any(code.blocks for code in codes)
        stdlib = sorted({name for code in codes for name in code.stdlib}, key=pycode.module_key)
        imports: dict[str, set[str]] = {
            "bot": {"dialog"},
            "bot.dialog": {"Reply"},
            "bot.forms": {"Ask", "Form", "FormValues"},
            "bot.turn": {"Turn"},
        }
        if generated:
            imports["bot.validation.result"] = {"Invalid", "Valid", "Validation"}
        for code in codes:
            for module, name in code.imports:
                imports.setdefault(module, set()).add(name)
        session = self.session_class
        if self.session_name != session:
            session = f"{session} as {self.session_name}"
        imports.setdefault(self.session_module, set()).add(session)

        header = [*self._docstring(), "", "from __future__ import annotations", ""]
        if stdlib:
            header += [f"import {name}" for name in stdlib] + [""]
        for module in sorted(imports, key=pycode.module_key):
            header += pycode.from_import(module, sorted(imports[module]))

        blocks: list[tuple[bool, list[str]]] = [(False, header)]
        for code in codes:
            blocks += list(code.blocks)
        asks: list[str] = []
        for plan, code, prompt in zip(self.slots, codes, self.prompts, strict=True):
            args: list[pycode.Arg] = [pycode.quote(plan.name), code.validator, Text(prompt)]
            what = hand_off_name(plan.name)
            if what is not None:
                args.append(f"what={pycode.quote(what)}")
            asks += pycode.call("", f"{plan.const} = Ask(", args)
        blocks.append((False, asks))
        form_args = [pycode.quote(self.intent), *(plan.const for plan in self.slots)]
        blocks.append((False, pycode.call("", f"form = Form[{self.session_name}](", form_args)))
        message = "".join(
            text.replace("{", "{{").replace("}", "}}") if plan is None else f"{{values[{plan.const}]}}"
            for text, plan in self.confirmation()
        )
        submit = [
            "@form.submit",
            *pycode.call(
                "", "def done(", [f"turn: Turn[{self.session_name}]", "values: FormValues"], ") -> Reply:"
            ),
            *pycode.call(INDENT, "return dialog.close(", ["turn", Text(message, fstring=True)]),
        ]
        blocks.append((True, submit))
        lines = pycode.join_blocks(blocks)
        body = pycode.join_blocks(blocks[1:])
        names = [m[1] for line in body if (m := _ASSIGNED.match(line))]
        names += [plan.function for plan, code in zip(self.slots, codes, strict=True) if code.blocks]
        names += sorted({code.validator for code in codes if not code.blocks})
        if len(set(names)) != len(names):
            raise ScaffoldError(f"the slot names give clashing Python names in the module: {sorted(names)}")
        return "\n".join(lines) + "\n"

    def _docstring(self) -> list[str]:
        said = listing(plan.the for plan in self.slots)
        lines = [*textwrap.wrap(f"{self.intent}: collects {said}, then says what it got.", DOC_WIDTH - 3), ""]
        lines += _dialog(self.happy)
        if self.refused:
            lines.append("")
            lines += textwrap.wrap(
                "A value a validator refuses is asked for again with its reason, which never repeats "
                "what was said; after too many refusals the app's hand-off policy takes over:",
                DOC_WIDTH,
            )
            lines.append("")
            lines += _dialog(self.refused)
        lines.append("")
        lines += textwrap.wrap(
            f"Scaffolded by `python -m bot new-intent`. {self.files_note} Make the validators yours "
            "(what counts as a valid value, the re-prompts) and the wording, then run the conversation "
            "test again.",
            DOC_WIDTH,
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines = [_safe(line).rstrip() for line in lines]
        return ['"""' + lines[0], *lines[1:], '"""']


_ASSIGNED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*) = ")
_RESERVED = frozenset(
    {"dialog", "Reply", "Ask", "Form", "FormValues", "Turn", "Invalid", "Valid", "Validation", "form", "done"}
)


def _dialog(exchanges: Sequence[Exchange]) -> list[str]:
    lines: list[str] = []
    for exchange in exchanges:
        user = f"user: {exchange.user}"
        bot = textwrap.wrap(f"bot: {exchange.bot}", pycode.LINE_LENGTH - DIALOG_COLUMN - 2)
        rest = [" " * (DIALOG_COLUMN + 5) + line.removeprefix("bot: ") for line in bot[1:]]
        if len(user) < DIALOG_COLUMN - 1:
            lines.append(user.ljust(DIALOG_COLUMN) + bot[0])
        else:
            lines += [user, " " * DIALOG_COLUMN + bot[0]]
        lines += rest
    return lines


def _safe(line: str) -> str:
    """A docstring line that cannot end the docstring or start an escape."""
    return line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def prompt(plan: SlotPlan, first: bool) -> str:
    """What the bot asks for the slot: short, spoken (no digits or symbols), the same in the
    template (Lex's own re-prompt) and in the Ask (the form's)."""
    if plan.base in (kinds.DATE, kinds.TIME) and plan.kind in ("date", "time"):
        text = f"what {plan.phrase} would you like?"
    else:
        text = f"what's your {plan.phrase}?"
    text = sentence(text) if first else f"And {text}"
    if plan.custom is not None and plan.kind == "choices":
        names = [item.value for item in plan.custom.values]
        if len(names) <= 5 and all(_speakable(name) for name in names):
            text += (
                " You can say "
                + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1])
                + "."
            )
    return text


def _speakable(text: str) -> bool:
    return not any(c.isdigit() or c in "/#*_<>{}[]|\\@" for c in text)
