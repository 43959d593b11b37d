"""`python -m bot new-intent NAME --slot NAME:TYPE ...` on a copy of the reference bot: it touches
exactly the handler, the template and one conversation file, and what it writes passes as
generated (the conversation in the simulator, the template checks, ruff and mypy --strict).

Each test runs on a copy (template.yaml, intents/, tests/conversations -> conversations/) in its
tmp_path, imported as `intents` in place of the real package: the real modules are taken out of
sys.modules for the test and put back after it.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from bot.__main__ import main
from bot.dev.cli.test_conversations import run_files
from bot.dev.local import schema_of
from bot.dev.simulator.definition import load_definition
from bot.dev.simulator.nlu import recognizer_for
from bot.forms import Form
from bot.loader import load_app

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's tools (ruff, mypy) sit beside its python
APP = "intents.app:app"


# --- a copy of the reference bot ------------------------------------------------------------------


def _take_intents() -> dict[str, ModuleType]:
    """Remove the `intents` package and its modules from sys.modules; return them."""
    taken = {n: m for n, m in sys.modules.items() if n == "intents" or n.startswith("intents.")}
    for name in taken:
        del sys.modules[name]
    return taken


@dataclass
class Project:
    root: Path

    @property
    def template(self) -> Path:
        return self.root / "template.yaml"

    @property
    def conversations(self) -> Path:
        return self.root / "conversations"

    def new_intent(self, *args: str, template: Path | None = None) -> int:
        return main(
            [
                "new-intent",
                *args,
                "--app",
                APP,
                "--app-dir",
                str(self.root),
                "--template",
                str(template or self.template),
                "--conversations",
                str(self.conversations),
            ]
        )

    def tree(self) -> dict[str, str]:
        """Every file (bytecode aside) -> a hash of its bytes."""
        return {
            path.relative_to(self.root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(self.root.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts
        }

    def fresh_app(self) -> object:
        """The app imported again from the copy (discover() sees the modules on disk now)."""
        _take_intents()
        return load_app(APP, app_dir=self.root)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    root = tmp_path / "bot"
    root.mkdir()
    shutil.copy2(ROOT / "template.yaml", root / "template.yaml")
    shutil.copytree(ROOT / "intents", root / "intents", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests" / "conversations", root / "conversations")
    monkeypatch.chdir(root)
    monkeypatch.syspath_prepend(str(root))  # restored (all of sys.path) after the test
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.delenv("BOT_APP", raising=False)
    saved = _take_intents()
    try:
        yield Project(root)
    finally:
        _take_intents()
        sys.modules.update(saved)


def _changes(before: dict[str, str], after: dict[str, str]) -> tuple[set[str], set[str]]:
    """(added, modified) files; nothing may be removed."""
    assert set(before) <= set(after), f"removed: {set(before) - set(after)}"
    added = set(after) - set(before)
    modified = {p for p in before if before[p] != after[p]}
    return added, modified


def _inserted_lines(old: str, new: str) -> tuple[list[str], list[tuple[list[str], list[str]]]]:
    """The lines the new text inserts, and the lines it replaces (old, new)."""
    inserted: list[str] = []
    replaced: list[tuple[list[str], list[str]]] = []
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        assert tag != "delete", a[i1:i2]
        if tag == "insert":
            inserted += b[j1:j2]
        elif tag == "replace":
            replaced.append((a[i1:i2], b[j1:j2]))
    return inserted, replaced


CASES = {
    "ZipCode": ["ZipCode:AMAZON.Number"],
    "ContactDetails": ["FirstName:AMAZON.FirstName", "City:AMAZON.City"],
    "CallBack": ["Day:AMAZON.Date", "Time:AMAZON.Time", "Phone:AMAZON.PhoneNumber"],
    "DeliveryNote": [
        "Email:AMAZON.EmailAddress",
        "Reference:AMAZON.AlphaNumeric",
        "Note:AMAZON.FreeFormInput",
    ],
    "BackupWallet": ["Wallet:WalletAddressType"],  # a custom slot type of the template
}
# Custom slot types the test adds to the copy's template: values with synonyms (Lex resolves them),
# values as said, and a RegexFilter.
CUSTOM_SLOT_TYPES = """\
            - Name: SizeType
              Description: Sizes (added by tests/functional/test_scaffold.py)
              ValueSelectionSetting:
                ResolutionStrategy: TOP_RESOLUTION
              SlotTypeValues:
                - SampleValue:
                    Value: Small
                  Synonyms:
                    - Value: little
                - SampleValue:
                    Value: Medium
                - SampleValue:
                    Value: Large
            - Name: ColourType
              Description: Colours, as said
              ValueSelectionSetting:
                ResolutionStrategy: ORIGINAL_VALUE
              SlotTypeValues:
                - SampleValue:
                    Value: red
                - SampleValue:
                    Value: blue
            - Name: OrderNumberType
              Description: Order numbers
              ParentSlotTypeSignature: AMAZON.AlphaNumeric
              ValueSelectionSetting:
                ResolutionStrategy: ORIGINAL_VALUE
                RegexFilter:
                  Pattern: "[A-Z]{2}[0-9]{6}"
"""
CUSTOM_CASES = {
    "OrderSize": [
        "Order:OrderNumberType",
        "Size:SizeType",
        "Colour:ColourType",
        "AddressLine2:AMAZON.AlphaNumeric",
    ]
}
SNAKE = {
    "OrderSize": "order_size",
    "ZipCode": "zip_code",
    "ContactDetails": "contact_details",
    "CallBack": "call_back",
    "DeliveryNote": "delivery_note",
    "BackupWallet": "backup_wallet",
}


def _slot_args(name: str) -> list[str]:
    return [arg for spec in {**CASES, **CUSTOM_CASES}[name] for arg in ("--slot", spec)]


def _add_custom_slot_types(project: Project) -> None:
    text = project.template.read_text(encoding="utf-8")
    anchor = "          SlotTypes:\n"
    assert anchor in text
    project.template.write_text(
        text.replace(anchor, anchor + CUSTOM_SLOT_TYPES), encoding="utf-8"
    )  # every locale


# --- what it writes -----------------------------------------------------------------------------


def test_zip_code_touches_exactly_the_handler_the_template_and_one_conversation(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    old_template = project.template.read_text(encoding="utf-8")
    before = project.tree()

    assert project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number") == 0

    added, modified = _changes(before, project.tree())
    assert added == {"intents/zip_code.py", "conversations/zip_code.yaml"}
    assert modified == {"template.yaml"}
    out = capsys.readouterr().out
    for path in ("intents/zip_code.py", "template.yaml", "conversations/zip_code.yaml"):
        assert path in out
    assert "next steps" in out
    assert "python -m bot test-conversations conversations/zip_code.yaml" in out
    assert "validate_zip_code" in out

    # the template: in every locale, the block inserted before the FallbackIntent (and its
    # comments); the version bumped; every other byte as it was
    new_template = project.template.read_text(encoding="utf-8")
    inserted, replaced = _inserted_lines(old_template, new_template)
    assert replaced == [(["      Description: PaymentBot v1\n"], ["      Description: PaymentBot v2\n"])]
    locales = old_template.count("            # Required in every locale")
    assert locales == 2
    text = "".join(inserted)
    block = text[: len(text) // locales]
    assert text == block * locales
    assert block.startswith("            - Name: ZipCode\n")
    assert block.endswith("\n\n")
    first = new_template.index(block)
    assert first > new_template.index("            - Name: WalletAddress")
    assert first < new_template.index("            # Required in every locale")
    second = new_template.index(block, first + len(block))
    spanish = new_template.index("        - LocaleId: es_US")
    assert spanish < second < new_template.index("            # Required in every locale", spanish)
    assert "ObfuscationSettingType: DefaultObfuscation" in block  # AMAZON.Number can carry card digits

    # the handler: a Form of the app's session class, with the validator and the closing message
    source = (project.root / "intents" / "zip_code.py").read_text(encoding="utf-8")
    assert "from intents.session import PaymentSession" in source
    assert 'form = Form[PaymentSession]("ZipCode", ZIP_CODE)' in source
    assert "def validate_zip_code(value: str) -> Validation[str]:" in source
    assert "@form.submit" in source


@pytest.mark.parametrize("name", [*CASES, *CUSTOM_CASES])
def test_what_it_writes_passes_as_generated(project: Project, name: str) -> None:
    if name in CUSTOM_CASES:
        _add_custom_slot_types(project)
    assert project.new_intent(name, *_slot_args(name)) == 0
    slots = [spec.split(":") for spec in {**CASES, **CUSTOM_CASES}[name]]

    # the template still loads, and the simulator knows the intent as planned
    definition = load_definition(project.template)
    locale = definition.locale("en_US")
    intent = locale.intents[name]
    assert intent.ordered_slots == tuple(slot for slot, _ in slots)
    assert {s: intent.slots[s].type_name for s, _ in slots} == dict(slots)
    assert all(intent.slots[s].required and intent.slots[s].prompt is not None for s, _ in slots)
    assert intent.dialog_code_hook
    assert intent.fulfillment_code_hook
    assert len(intent.sample_utterances) >= 8
    recognizer = recognizer_for(locale)
    for utterance in intent.sample_utterances:
        if "{" not in utterance:
            assert recognizer.interpretations(utterance)[0].intent == name, utterance

    # the app, imported again from the copy, has the intent (discover) and agrees with the template
    app = project.fresh_app()
    assert name in app.intents  # type: ignore[attr-defined]
    form = app.intents[name]  # type: ignore[attr-defined]
    assert isinstance(form, Form)
    assert [a.slot for a in form.asks] == [slot for slot, _ in slots]
    assert app.check(schema_of(definition)) == []  # type: ignore[attr-defined]

    # the conversation passes, run as `python -m bot test-conversations <file>` runs it
    conversation = project.conversations / f"{SNAKE[name]}.yaml"
    out = io.StringIO()
    assert run_files([conversation], template=project.template, app=APP, out=out) == 0, out.getvalue()
    assert "1 passed, 0 failed" in out.getvalue()


def test_zip_code_utterances_carry_the_slot(project: Project) -> None:
    assert project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number") == 0
    locale = load_definition(project.template).locale("en_US")
    utterances = locale.intents["ZipCode"].sample_utterances
    assert {"zip code", "my zip code", "I want to give my zip code", "update my zip code"} <= set(utterances)
    assert "my zip code is {ZipCode}" in utterances
    top = recognizer_for(locale).interpretations("my zip code is 12345")[0]
    assert top.intent == "ZipCode"
    slot = top.slots["ZipCode"]
    assert slot is not None
    assert slot["value"]["interpretedValue"] == "12345"


def test_given_utterances_are_used_and_topped_up(project: Project) -> None:
    given = ["my postcode", "postal code {ZipCode}"]
    args = [arg for text in given for arg in ("--utterance", text)]
    assert project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number", *args) == 0
    utterances = load_definition(project.template).locale("en_US").intents["ZipCode"].sample_utterances
    assert list(utterances[:2]) == given
    assert len(utterances) == 8


def test_dry_run_writes_nothing_and_shows_everything(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    before = project.tree()
    assert project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number", "--dry-run") == 0
    assert project.tree() == before
    out = capsys.readouterr().out
    assert "nothing written" in out
    assert "would write intents/zip_code.py" in out
    assert "def validate_zip_code(value: str) -> Validation[str]:" in out
    assert "            - Name: ZipCode" in out
    assert "nlu_intent: ZipCode" in out
    assert "python -m bot test-conversations conversations/zip_code.yaml" in out


def test_custom_slot_types_get_validators_of_their_values_or_pattern(project: Project) -> None:
    _add_custom_slot_types(project)
    assert project.new_intent("OrderSize", *_slot_args("OrderSize")) == 0
    source = (project.root / "intents" / "order_size.py").read_text(encoding="utf-8")
    assert 'ORDER_FORMAT = re.compile(r"[A-Z]{2}[0-9]{6}")' in source
    assert '"little": "Small",' in source
    assert "You can say Small, Medium or Large." in source  # the prompt names the values
    assert 'what="address line two"' in source  # the hand-off says the digit as a word
    conversation = (project.conversations / "order_size.yaml").read_text(encoding="utf-8")
    assert 'user: "!!!"' in conversation  # refused by the RegexFilter: Lex re-prompts with the prompt
    assert "user: AB123456" in conversation


def test_an_intent_the_app_has_but_the_template_lacks_is_refused(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = project.root / "intents" / "stray.py"
    stray.write_text(
        "from bot.handlers import Intent\n"
        "from intents.session import PaymentSession\n\n"
        'intent = Intent[PaymentSession]("ZipCode")\n'
        "intent.dialog(lambda turn: NotImplemented)\n",
        encoding="utf-8",
    )
    before = project.tree()
    assert project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number") == 2
    assert "the app already has an intent ZipCode (in intents/stray.py)" in capsys.readouterr().err
    assert project.tree() == before


def test_the_template_keeps_its_line_endings(project: Project) -> None:
    crlf = project.template.read_bytes().replace(b"\n", b"\r\n")
    project.template.write_bytes(crlf)
    assert project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number") == 0
    data = project.template.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.startswith(crlf[: crlf.index(b"Resources:")])
    assert "ZipCode" in load_definition(project.template).locale("en_US").intents


def test_force_overwrites_an_existing_handler(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    handler = project.root / "intents" / "zip_code.py"
    handler.write_text('"""An old attempt."""\n', encoding="utf-8")
    before = project.tree()
    assert project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number") == 2
    assert "intents/zip_code.py already exists: pass --force" in capsys.readouterr().err
    assert project.tree() == before
    assert project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number", "--force") == 0
    assert "overwrote" in capsys.readouterr().out
    assert "validate_zip_code" in handler.read_text(encoding="utf-8")


def test_an_app_without_discover_is_told_to_register_the_form(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    package = project.root / "minibot"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "app.py").write_text(
        "from bot.app import App\nfrom bot.session import Session\n\napp = App('MiniBot', session=Session)\n",
        encoding="utf-8",
    )
    code = main(
        [
            "new-intent",
            "ZipCode",
            "--slot",
            "ZipCode:AMAZON.Number",
            "--app",
            "minibot.app:app",
            "--template",
            str(project.template),
            "--conversations",
            str(project.conversations),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "register it" in out
    assert "app.add(zip_code.form)" in out
    source = (package / "zip_code.py").read_text(encoding="utf-8")
    assert "from bot.session import Session" in source
    assert 'form = Form[Session]("ZipCode", ZIP_CODE)' in source
    sys.modules.pop("minibot", None)
    sys.modules.pop("minibot.app", None)


# --- refusals: exit code 2, a clear message, nothing written -----------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["CollectName", "--slot", "ZipCode:AMAZON.Number"], "already has an intent CollectName"),
        (["FallbackIntent", "--slot", "ZipCode:AMAZON.Number"], "already has an intent FallbackIntent"),
        (["zip code", "--slot", "ZipCode:AMAZON.Number"], "not a valid Lex intent name"),
        (["AMAZON.ZipCode", "--slot", "ZipCode:AMAZON.Number"], "not a valid Lex intent name"),
        (["zip_code", "--slot", "ZipCode:AMAZON.Number"], "CamelCase (e.g. ZipCode)"),
        (["Z" * 101, "--slot", "ZipCode:AMAZON.Number"], "not a valid Lex intent name"),
        (["Import", "--slot", "ZipCode:AMAZON.Number"], "a Python keyword"),
        (["ZipCode"], "give at least one --slot"),
        (["ZipCode", "--slot", "ZipCode"], "expected NAME:TYPE"),
        (["ZipCode", "--slot", "Zip Code:AMAZON.Number"], "not a valid Lex slot name"),
        (["ZipCode", "--slot", "ZipCode:AMAZON.Number", "--slot", "ZipCode:AMAZON.Number"], "given twice"),
        (["ZipCode", "--slot", "ZipCode:AMAZON.Banana"], "unknown slot type AMAZON.Banana"),
        (["ZipCode", "--slot", "ZipCode:amazon.number"], "Did you mean AMAZON.Number?"),
        (["ZipCode", "--slot", "ZipCode:ZipCodeType"], "custom slot types of locale en_US of template.yaml"),
        (["ZipCode", "--slot", "Wait:AMAZON.Duration"], "does not support"),
        (
            ["ZipCode", "--slot", "ZipCode:AMAZON.Number", "--utterance", "make a payment"],
            "already an utterance of CollectName",
        ),
        (
            ["ZipCode", "--slot", "ZipCode:AMAZON.Number", "--utterance", "zip {Zip}"],
            "not slots of ZipCode",
        ),
        (
            ["Note", "--slot", "Text:AMAZON.FreeFormInput", "--utterance", "note {Text}"],
            "FreeFormInput slot cannot appear in utterances",
        ),
    ],
)
def test_refusals_exit_2_with_a_clear_message(
    project: Project, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = project.tree()
    assert project.new_intent(*args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err
    assert project.tree() == before


def test_a_missing_template_exits_2(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        project.new_intent("ZipCode", "--slot", "ZipCode:AMAZON.Number", template=project.root / "nope.yaml")
        == 2
    )
    assert "cannot read" in capsys.readouterr().err


# --- the generated code and template pass the project's own checks (subprocesses) ------------------


def _run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ, **env}
    )


@pytest.mark.slow
def test_generated_modules_pass_ruff_and_mypy_strict(project: Project, tmp_path: Path) -> None:
    _add_custom_slot_types(project)
    for name in [*CASES, *CUSTOM_CASES]:
        assert project.new_intent(name, *_slot_args(name)) == 0
    files = [f"intents/{SNAKE[name]}.py" for name in [*CASES, *CUSTOM_CASES]]
    config = str(ROOT / "pyproject.toml")  # the project's rules, as for its own code...
    # ... where `bot` is first-party too (in the checkout, `src = ["."]` finds it beside intents/)
    first_party = "lint.isort.known-first-party = ['bot', 'intents']"
    lint = _run(
        [str(BIN / "ruff"), "check", "--config", config, "--config", first_party, "--no-cache", *files],
        project.root,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatted = _run(
        [str(BIN / "ruff"), "format", "--check", "--config", config, "--no-cache", *files], project.root
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    # `bot` from the checkout (through a directory of its own, so `intents` is only the copy's)
    deps = tmp_path / "deps"
    deps.mkdir()
    (deps / "bot").symlink_to(ROOT / "bot", target_is_directory=True)
    typed = _run(
        [
            str(BIN / "mypy"),
            "--config-file",
            config,
            "--strict",
            "--follow-imports=silent",  # only the generated modules' own errors
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            *files,
        ],
        project.root,
        MYPYPATH=str(deps),
    )
    assert typed.returncode == 0, typed.stdout + typed.stderr


@pytest.mark.slow
def test_the_scaffolded_bot_passes_the_template_checks_and_every_conversation(
    project: Project, tmp_path: Path
) -> None:
    _add_custom_slot_types(project)
    for name in [*CASES, *CUSTOM_CASES]:
        assert project.new_intent(name, *_slot_args(name)) == 0
    definition = load_definition(project.template)
    assert {*CASES, *CUSTOM_CASES} <= set(definition.locale("en_US").intents)
    assert "Description: PaymentBot v7" in project.template.read_text(encoding="utf-8")

    # every conversation of the bot, old and new, still passes with the new intents in it
    project.fresh_app()
    out = io.StringIO()
    assert run_files([project.conversations], template=project.template, app=APP, out=out) == 0, (
        out.getvalue()
    )

    # tests/template/test_consistency.py, as it runs on the real checkout, on a checkout that has
    # the scaffolded template and intents (it reads them from the directory it sits in)
    checkout = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "bot", checkout / "bot", ignore=ignore)
    shutil.copytree(project.root / "intents", checkout / "intents", ignore=ignore)
    shutil.copy2(project.template, checkout / "template.yaml")
    for name in ("Makefile", "requirements.txt", "requirements-lambda.txt"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, checkout / name)
    (checkout / "tests" / "template").mkdir(parents=True)
    (checkout / "tests" / "__init__.py").write_text("", encoding="utf-8")
    (checkout / "tests" / "template" / "__init__.py").write_text("", encoding="utf-8")
    shutil.copy2(
        ROOT / "tests" / "template" / "test_consistency.py",
        checkout / "tests" / "template" / "test_consistency.py",
    )
    result = _run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/template/test_consistency.py",
        ],
        checkout,
        PYTHONDONTWRITEBYTECODE="1",
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout
