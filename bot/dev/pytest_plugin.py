"""A pytest plugin for bots built on this framework: their conversation files and the generic
template checks as test items, and fixtures for a local bot.

Load it with `-p bot.dev.pytest_plugin` (or the `pytest11` entry point `lexbot`), and name the
bots, one a line, in the ini file or on the command line::

    [tool.pytest.ini_options]
    lexbot_apps = [
        "intents.app:app template.yaml tests/conversations min_utterances=8",
        "appointments.app:app examples/appointments/template.yaml - examples/appointments",
    ]
    lexbot_min_utterances = "1"            # the default for lines without min_utterances=

    pytest --lexbot-app "intents.app:app template.yaml"      # replaces lexbot_apps (repeatable)

A line is `MODULE:ATTR TEMPLATE [CONVERSATIONS_DIR] [APP_DIR] [min_utterances=N]`, paths relative
to the rootdir: CONVERSATIONS_DIR defaults to `conversations/` beside the template (else
`tests/conversations`), `-` means none (or: the default, for APP_DIR); APP_DIR is where the
app's package lives (as `--app-dir`), when that is not the rootdir.

What it collects, for every bot named:

* each YAML file of the bot's conversations directory, when pytest collects that file (it is
  under the paths pytest was given or `testpaths`): one test item named by the file
  (`tests/conversations/happy_path.yaml::happy_path`), run on a freshly built app (memory
  store, a throwaway key, the file's pinned clock). A failure shows `format_report`: every
  failure and the transcript (`bot.dev.simulator.conversations`);
* the generic checks of `bot.dev.checks`, one item each, when pytest collects the bot's
  template (`template.yaml::PaymentBot::fallback_intent`): give the template to pytest or add
  it to `testpaths`.

A test module may instead declare the bots itself, with the same lines: a module-level
`lexbot_apps = [...]` becomes one collector per bot holding its `checks` and its
`conversations` (`test_bots.py::PaymentBot::conversations::happy_path`). This is how a repository
uses the plugin without loading it globally: its conftest imports the plugin's module-level
hooks and fixtures (`pytest_plugins` is allowed only in the rootdir's conftest)::

    # tests/bots/conftest.py
    from bot.dev.pytest_plugin import lex_bot, lex_client, lex_simulator, pytest_configure
    from bot.dev.pytest_plugin import pytest_pycollect_makeitem

Fixtures: `lex_bot` (a `bot.dev.local.LocalBot` with a memory store and a throwaway key),
`lex_client` (a `LexTestClient` on it) and `lex_simulator` (a `LexSimulator` on it), for the
bot chosen by `@pytest.mark.lexbot("PaymentBot")` (an app name, a MODULE:ATTR or a whole line),
else the first bot named in the options, else the test module's first `lexbot_apps` line,
else `BOT_APP` (default `intents.app:app`) with `template.yaml`.
"""

from __future__ import annotations

import functools
import re
import secrets
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from bot.app import App
    from bot.dev.local import LocalBot
    from bot.dev.simulator.conversations import Conversation, Simulator
    from bot.dev.simulator.runtime import LexSimulator
    from bot.dev.testing import LexTestClient

__all__ = [
    "BotSpec",
    "CheckItem",
    "ConversationItem",
    "lex_bot",
    "lex_client",
    "lex_simulator",
]

APPS_INI = "lexbot_apps"
MIN_UTTERANCES_INI = "lexbot_min_utterances"
MODULE_ATTRIBUTE = "lexbot_apps"  # a test module's own list of bots
CONVERSATION_SUFFIXES = (".yaml", ".yml")
NONE = "-"
_OPTION = re.compile(r"^[a-z_]+=")
_SPECS = pytest.StashKey[list["BotSpec"]]()


# --- which bots ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BotSpec:
    """One bot to test: `BotSpec.parse("MODULE:ATTR TEMPLATE [CONVERSATIONS_DIR] [APP_DIR]", root)`."""

    app: str  # package.module:attribute
    template: Path
    conversations: Path | None = None  # None: no conversations
    app_dir: Path | None = None
    min_utterances: int | None = None  # None: the lexbot_min_utterances option

    @classmethod
    def parse(cls, line: str, root: Path) -> BotSpec:
        from bot.dev.local import conversations_dir

        words = shlex.split(line, comments=True)
        options = dict(w.split("=", 1) for w in words if _OPTION.match(w))
        fields = [w for w in words if not _OPTION.match(w)]
        if not 2 <= len(fields) <= 4 or ":" not in fields[0]:
            raise pytest.UsageError(
                f"{APPS_INI}: {line!r} is not `MODULE:ATTR TEMPLATE [CONVERSATIONS_DIR] [APP_DIR]`"
            )
        unknown = set(options) - {"min_utterances"}
        if unknown:
            raise pytest.UsageError(f"{APPS_INI}: {line!r}: unknown option {', '.join(sorted(unknown))}")
        template = root / fields[1]
        if len(fields) > 2 and fields[2] != NONE:
            conversations: Path | None = root / fields[2]
        elif len(fields) > 2:
            conversations = None
        else:
            found = conversations_dir(template)
            conversations = found if found.is_absolute() else root / found
        app_dir = root / fields[3] if len(fields) > 3 and fields[3] != NONE else None
        try:
            minimum = int(options["min_utterances"]) if "min_utterances" in options else None
        except ValueError:
            raise pytest.UsageError(f"{APPS_INI}: {line!r}: min_utterances must be a number") from None
        return cls(fields[0], template, conversations, app_dir, minimum)

    def load(self) -> App[Any]:
        return _load_app(self.app, self.app_dir)


@functools.cache
def _load_app(spec: str, app_dir: Path | None) -> App[Any]:
    from bot.loader import load_app

    return load_app(spec, app_dir=app_dir)


@functools.cache
def _factory(spec: BotSpec) -> Callable[[Conversation], Simulator]:
    from bot.dev.simulator.conversations import local_simulators

    return local_simulators(spec.load(), spec.template, app_dir=spec.app_dir)


def _ini(config: pytest.Config, name: str) -> Any:
    try:
        return config.getini(name)
    except ValueError:  # the plugin's options are not registered (hooks imported by a conftest)
        return None


def configured_specs(config: pytest.Config) -> list[BotSpec]:
    """The bots named by --lexbot-app, else by the lexbot_apps ini option (parsed once)."""
    if _SPECS not in config.stash:
        lines: Sequence[str] = config.getoption("lexbot_app", default=None) or _ini(config, APPS_INI) or []
        specs = [BotSpec.parse(line, config.rootpath) for line in lines if line.strip()]
        config.stash[_SPECS] = _with_defaults(config, specs)
    return config.stash[_SPECS]


def _with_defaults(config: pytest.Config, specs: Iterable[BotSpec]) -> list[BotSpec]:
    option = config.getoption("lexbot_min_utterances", default=None)
    default = int(option if option is not None else (_ini(config, MIN_UTTERANCES_INI) or 1))
    return [
        spec if spec.min_utterances is not None else replace(spec, min_utterances=default) for spec in specs
    ]


def _module_specs(config: pytest.Config, declared: object) -> list[BotSpec]:
    if isinstance(declared, str | BotSpec):
        declared = [declared]
    if not isinstance(declared, list | tuple):
        raise pytest.UsageError(f"{MODULE_ATTRIBUTE} must be a list of lines (or BotSpec), not {declared!r}")
    specs = [d if isinstance(d, BotSpec) else BotSpec.parse(str(d), config.rootpath) for d in declared]
    return _with_defaults(config, specs)


# --- hooks -----------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lexbot", "Lex bots (bot.dev.pytest_plugin)")
    group.addoption(
        "--lexbot-app",
        action="append",
        default=None,
        metavar="LINE",
        help="a bot to test: 'MODULE:ATTR TEMPLATE [CONVERSATIONS_DIR] [APP_DIR]' (repeatable; "
        f"replaces the {APPS_INI} ini option)",
    )
    group.addoption(
        "--lexbot-min-utterances",
        type=int,
        default=None,
        metavar="N",
        help=f"sample utterances each intent needs (default: the {MIN_UTTERANCES_INI} ini option, 1)",
    )
    parser.addini(
        APPS_INI,
        type="linelist",
        default=[],
        help="bots to test, one a line: MODULE:ATTR TEMPLATE [CONVERSATIONS_DIR] [APP_DIR] "
        "[min_utterances=N]",
    )
    parser.addini(MIN_UTTERANCES_INI, default="1", help="sample utterances each intent needs (default 1)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "lexbot(app): the bot the lex_bot/lex_client/lex_simulator fixtures use (an app name, "
        "MODULE:ATTR, or a whole lexbot_apps line)",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    specs = configured_specs(parent.config)
    if not specs:
        return None
    resolved = file_path.resolve()
    if any(spec.template.resolve() == resolved for spec in specs):
        return TemplateFile.from_parent(parent, path=file_path, specs=specs)
    if file_path.suffix in CONVERSATION_SUFFIXES:
        owners = [
            s for s in specs if s.conversations is not None and s.conversations.resolve() == resolved.parent
        ]
        if owners:
            return ConversationFile.from_parent(parent, path=file_path, specs=owners)
    return None


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> list[BotSuite] | None:
    if name != MODULE_ATTRIBUTE or not isinstance(collector, pytest.Module):
        return None
    specs = _module_specs(collector.config, obj)
    names = _app_names(specs)
    return [BotSuite.from_parent(collector, name=names[spec], spec=spec) for spec in specs]


def _app_names(specs: Sequence[BotSpec]) -> dict[BotSpec, str]:
    """Each bot's node name: its app's name, or MODULE:ATTR where two apps share a name."""
    names = {spec: spec.load().name for spec in specs}
    return {spec: name if list(names.values()).count(name) == 1 else spec.app for spec, name in names.items()}


# --- collectors and items -----------------------------------------------------------------------


class BotSuite(pytest.Collector):
    """One bot declared by a test module: its `checks` and its `conversations`."""

    def __init__(self, *, spec: BotSpec, **kw: Any) -> None:
        super().__init__(**kw)
        self.spec = spec

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        yield BotChecks.from_parent(self, name="checks", spec=self.spec)
        if self.spec.conversations is not None:
            yield Conversations.from_parent(self, name="conversations", spec=self.spec)


class BotChecks(pytest.Collector):
    """The generic checks of one bot, one item each."""

    def __init__(self, *, spec: BotSpec, **kw: Any) -> None:
        super().__init__(**kw)
        self.spec = spec

    def collect(self) -> Iterator[pytest.Item]:
        from bot.dev.checks import checks_for

        for check in checks_for(min_utterances=self.spec.min_utterances or 1):
            yield CheckItem.from_parent(self, name=check, spec=self.spec, check=check)


class Conversations(pytest.Collector):
    """The conversation files of one bot, one item each."""

    def __init__(self, *, spec: BotSpec, **kw: Any) -> None:
        super().__init__(**kw)
        self.spec = spec

    def collect(self) -> Iterator[pytest.Item]:
        folder = self.spec.conversations
        assert folder is not None
        files = (
            sorted(p for p in folder.iterdir() if p.suffix in CONVERSATION_SUFFIXES)
            if folder.is_dir()
            else []
        )
        if not files:
            raise self.CollectError(f"no conversation files in {folder}")
        for path in files:
            yield ConversationItem.from_parent(self, name=path.stem, spec=self.spec, file=path)


class TemplateFile(pytest.File):
    """A bot's template, collected: the generic checks of each bot that uses it."""

    def __init__(self, *, specs: Sequence[BotSpec], **kw: Any) -> None:
        super().__init__(**kw)
        self.specs = [s for s in specs if s.template.resolve() == self.path.resolve()]

    def collect(self) -> Iterator[pytest.Collector]:
        names = _app_names(self.specs)
        for spec in self.specs:
            yield BotChecks.from_parent(self, name=names[spec], spec=spec)


class ConversationFile(pytest.File):
    """A conversation file, collected: one item (per bot whose conversations it is)."""

    def __init__(self, *, specs: Sequence[BotSpec], **kw: Any) -> None:
        super().__init__(**kw)
        self.specs = list(specs)

    def collect(self) -> Iterator[pytest.Item]:
        names = _app_names(self.specs) if len(self.specs) > 1 else {}
        for spec in self.specs:
            name = f"{self.path.stem}[{names[spec]}]" if names else self.path.stem
            yield ConversationItem.from_parent(self, name=name, spec=spec, file=self.path)


class ConversationItem(pytest.Item):
    """Plays one conversation file on a freshly built app; fails with the report."""

    def __init__(self, *, spec: BotSpec, file: Path, **kw: Any) -> None:
        super().__init__(**kw)
        self.spec = spec
        self.file = file

    def runtest(self) -> None:
        from bot.dev.simulator.conversations import (
            ConversationFileError,
            format_report,
            load_conversation,
            run_conversation,
        )

        try:
            conversation = load_conversation(self.file)
        except ConversationFileError as exc:
            pytest.fail(str(exc), pytrace=False)
        report = run_conversation(conversation, _factory(self.spec))
        if not report.passed:
            pytest.fail(format_report(report), pytrace=False)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.file, None, f"conversation {self.file.name} ({self.spec.app})"


class CheckItem(pytest.Item):
    """One generic template check (`bot.dev.checks`) of one bot; fails with its problems."""

    def __init__(self, *, spec: BotSpec, check: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.spec = spec
        self.check = check

    def runtest(self) -> None:
        from bot.dev.checks import checks_for

        run = checks_for(min_utterances=self.spec.min_utterances or 1)[self.check]
        problems = run(self.spec.load(), self.spec.template)
        if problems:
            head = f"{self.check}: {self.spec.app} against {self.spec.template}"
            pytest.fail("\n".join([head, *(f"  - {problem}" for problem in problems)]), pytrace=False)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.spec.template, None, f"check {self.check} ({self.spec.app})"


# --- fixtures ------------------------------------------------------------------------------------


def _fixture_spec(request: pytest.FixtureRequest) -> BotSpec:
    config = request.config
    configured = configured_specs(config)
    declared = getattr(request.module, MODULE_ATTRIBUTE, None) if request.module is not None else None
    known = configured + (_module_specs(config, declared) if declared is not None else [])
    marker = request.node.get_closest_marker("lexbot")
    if marker is not None and marker.args:
        wanted = str(marker.args[0])
        for spec in known:
            if wanted in (spec.app, spec.load().name):
                return spec
        return _with_defaults(config, [BotSpec.parse(wanted, config.rootpath)])[0]
    if known:
        return known[0]
    from bot.loader import app_spec

    return _with_defaults(config, [BotSpec.parse(f"{app_spec()} template.yaml", config.rootpath)])[0]


@pytest.fixture
def lex_bot(request: pytest.FixtureRequest, tmp_path: Path) -> LocalBot:
    """The bot (see the module docstring for which), built for this test: memory store, a
    throwaway key, the template's names checked on use."""
    from bot.config import Settings
    from bot.dev.local import local_bot
    from bot.security.keys import Keys
    from bot.store.memory import MemoryStore

    spec = _fixture_spec(request)
    settings = Settings.from_env({"BOT_STORE": "memory", "BOT_LOCAL_DIR": str(tmp_path / "local")})
    return local_bot(
        spec.load(),
        spec.template,
        settings=settings,
        store=MemoryStore(),
        keys=Keys.from_secrets(secrets.token_bytes(48)),
    )


@pytest.fixture
def lex_client(lex_bot: LocalBot) -> LexTestClient:
    """A `LexTestClient` on `lex_bot` (events built by hand, no NLU)."""
    return lex_bot.client()


@pytest.fixture
def lex_simulator(lex_bot: LocalBot) -> LexSimulator:
    """A `LexSimulator` on `lex_bot` (the template's NLU and dialog management)."""
    return lex_bot.simulator()
