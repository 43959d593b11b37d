"""The framework is an installable library: build it, install it into a fresh venv, use it.

The slow tests work on a copy of the checkout (building writes `build/` and `*.egg-info` into the
source tree, and other work may be going on in this one):

1. `pip wheel --no-deps --no-build-isolation` builds the wheel with the setuptools of the
   interpreter running the tests (no index is reached: build isolation would download setuptools).
   Its file list must be `bot/` (with `bot/dev/`, the package data and `py.typed`) and the
   dist-info, nothing else: no `intents/`, `tests/`, `bench/`, `examples/`.
2. A fresh venv (`venv --without-pip`, so no site-packages of its own but ours) gets the package
   twice over, once per fixture parameter: from that wheel, and by a plain non-editable
   `pip install <copy>`. Its third-party dependencies are not downloaded: they are the ones already
   installed for the test run. A `.pth` file in the fresh venv's site-packages appends a directory
   of symlinks to every entry of the test interpreter's site-packages except this project's own
   (`bot`, `lex_payment_bot*` dist-info, editable-install hooks, `.pth` files), so the
   dependencies import but nothing of the checkout does, and the fresh site-packages comes first.
   The installs run with `--no-index` and without `--no-deps`: pip must find every declared
   dependency (core and the `stripe`, `dynamodb` and `dev` extras) already satisfied by the
   pinned versions, which checks the metadata's ranges against requirements*.txt end to end.
3. From an unrelated directory, with a clean environment (no PYTHONPATH, no BOT_* / AWS_*
   settings but BOT_STORE=memory and BOT_LOCAL_DIR in tmp): `import bot` resolves into the fresh
   venv, `lexbot --help` works, and `lexbot chat` / `python -m bot chat` talk to a bot that lives
   outside the package (`--app`, `--app-dir`, `--template` pointing into the copy): the reference
   bot, and the example bot in examples/appointments when it is there.

Every subprocess has an owned timeout of 300 s; nothing depends on wall-clock time.
"""

from __future__ import annotations

import configparser
import email.parser
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # seconds, per subprocess: owned, generous (a cold build or install on a slow machine)
DIST = "lex-payment-bot"
# What is not copied from the checkout: VCS, virtual environments, caches, build output.
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".venv-*",
    ".aws-sam",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    ".local",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
)
NOT_SHIPPED = ("intents", "tests", "bench", "scripts", "examples", "events")
EXTRAS = ("stripe", "dynamodb", "agent", "dev")
PLUGIN_ENTRY_POINT = "bot.dev.pytest_plugin"


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _project() -> dict[str, object]:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    return project


def _version() -> str:
    version = _project()["version"]
    assert isinstance(version, str)
    return version


# --- fast checks of the metadata ------------------------------------------------------------------


def _pins() -> dict[str, str]:
    """`name==version` lines of requirements.txt and requirements-dev.txt, by canonical name."""
    pins: dict[str, str] = {}
    for name in ("requirements.txt", "requirements-dev.txt"):
        for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("-"):
                continue
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{name}: {line} is not an exact pin"
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def _declared() -> list[Requirement]:
    project = _project()
    dependencies = project["dependencies"]
    extras = project["optional-dependencies"]
    assert isinstance(dependencies, list)
    assert isinstance(extras, dict)
    assert set(extras) == set(EXTRAS)
    return [Requirement(line) for line in [*dependencies, *(x for group in extras.values() for x in group)]]


def test_declared_ranges_start_at_the_pins() -> None:
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is declared but not pinned in requirements*.txt"
        pin = pins[name]
        assert requirement.specifier.contains(pin), f"{requirement} excludes the pinned {name}=={pin}"
        lower = [s.version for s in requirement.specifier if s.operator == ">="]
        assert lower == [pin], f"{requirement}: the lower bound should be the pin {pin}"
        assert any(s.operator == "<" for s in requirement.specifier), f"{requirement} has no upper bound"


def test_version_license_and_changelog_agree() -> None:
    project = _project()
    assert project["license"] == "Apache-2.0"
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text
    assert "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = _version()
    headings = [line for line in changelog.splitlines() if line.startswith("## ")]
    assert headings, "CHANGELOG.md has no release sections"
    if ".dev" in version:  # the version being worked on is the Unreleased section
        assert headings[0].startswith("## [Unreleased]")
        assert version in headings[0]
    else:
        assert any(h.startswith(f"## [{version}]") for h in headings)
    assert (ROOT / "bot" / "py.typed").is_file()


def test_the_console_script_is_the_module_entry_point() -> None:
    scripts = _project()["scripts"]
    assert scripts == {"lexbot": "bot.__main__:main"}


# --- building ---------------------------------------------------------------------------------------


def _run(
    args: Sequence[str | Path],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(str(a) for a in args)} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
    )
    return result


def _clean_env(local_dir: Path) -> dict[str, str]:
    """The environment minus anything that could point Python at the checkout or configure the bot."""
    dropped = ("PYTHON", "PIP_", "BOT_", "AWS_", "STRIPE_", "USER_TOKEN_", "DYNAMODB_", "PAYMENT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.pop("VIRTUAL_ENV", None)
    env.pop("SESSION_TABLE", None)
    env.pop("SIGNING_KEY_SECRET_ARN", None)
    env |= {
        "PYTHONNOUSERSITE": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "BOT_STORE": "memory",
        "BOT_LOCAL_DIR": str(local_dir),
    }
    return env


def _copy_checkout(destination: Path) -> Path:
    shutil.copytree(ROOT, destination, ignore=COPY_IGNORE, symlinks=True)
    return destination


def _require_setuptools() -> None:
    if importlib.util.find_spec("setuptools") is None:
        pytest.fail(
            f"setuptools is not installed for {sys.executable}: building without build isolation "
            "(no downloads) needs it; requirements-dev.txt should pin it"
        )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="module")
def wheel(workdir: Path) -> Path:
    _require_setuptools()
    source = _copy_checkout(workdir / "wheel-src")
    out = workdir / "wheelhouse"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, source],
        cwd=workdir,
        env=_clean_env(workdir / "local"),
    )
    wheels = sorted(out.glob("lex_payment_bot-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def deps_dir(workdir: Path) -> Path:
    """Symlinks to the test interpreter's installed packages, minus this project's own."""
    deps = workdir / "deps"
    deps.mkdir()
    own = canonicalize_name(DIST).replace("-", "_")
    for site in dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]):
        for entry in Path(site).iterdir():
            name = entry.name
            if (
                name in {"bot", "intents", "__pycache__"}
                or name.lower().startswith((own, "__editable__"))
                or name.endswith(".pth")
                or (deps / name).exists()
            ):
                continue
            (deps / name).symlink_to(entry)
    return deps


@dataclass(frozen=True)
class Installed:
    how: str
    venv: Path
    site_packages: Path
    source: Path  # the copy of the checkout the package came from (bots to run live there)
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def lexbot(self) -> Path:
        return self.venv / "bin" / "lexbot"


def _fresh_venv(path: Path, deps: Path, env: Mapping[str, str], cwd: Path) -> Path:
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", "--without-pip", path], cwd=cwd, env=env)
    python = path / "bin" / "python"
    site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=cwd, env=env
        ).stdout.strip()
    )
    (site / "zz_test_dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    return site


@pytest.fixture(scope="module", params=["wheel", "pip install ."])
def installed(request: pytest.FixtureRequest, workdir: Path, wheel: Path, deps_dir: Path) -> Installed:
    how: str = request.param
    slug = "from-wheel" if how == "wheel" else "from-source"
    outside = workdir / f"{slug}-cwd"  # an unrelated directory to run from
    outside.mkdir()
    env = _clean_env(workdir / f"{slug}-local")
    venv = workdir / f"{slug}-venv"
    site = _fresh_venv(venv, deps_dir, env, outside)
    python = venv / "bin" / "python"
    wanted = ",".join(EXTRAS)
    args: list[str | Path]
    if how == "wheel":
        source = wheel.parents[1] / "wheel-src"
        target = f"{DIST}[{wanted}]"
        args = [python, "-m", "pip", "install", "--no-index", "--find-links", wheel.parent, target]
    else:
        source = _copy_checkout(workdir / "install-src")
        args = [python, "-m", "pip", "install", "--no-index", "--no-build-isolation", f"{source}[{wanted}]"]
    _run(args, cwd=outside, env=env)
    return Installed(how=how, venv=venv, site_packages=site, source=source, env=env)


# --- the wheel ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_wheel_ships_bot_and_nothing_else(wheel: Path) -> None:
    source = wheel.parents[1] / "wheel-src"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"lex_payment_bot-{_version()}.dist-info"
        metadata = email.parser.Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(f"{dist_info}/entry_points.txt").decode())

    assert {name.split("/", 1)[0] for name in names} == {"bot", dist_info}
    for unwanted in NOT_SHIPPED:
        assert not any(name.startswith(f"{unwanted}/") for name in names), f"{unwanted}/ is in the wheel"
    expected = {
        path.relative_to(source).as_posix()
        for path in (source / "bot").rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    assert {"bot/py.typed", "bot/admin/schema.json", "bot/__main__.py", "bot/dev/__init__.py"} <= expected
    assert any(name.startswith("bot/dev/simulator/") for name in expected)
    missing = sorted(expected - names)
    assert not missing, f"files under bot/ that the wheel does not ship: {missing}"
    extra = sorted(name for name in names if name.startswith("bot/") and name not in expected)
    assert not extra, f"wheel files that are not in bot/: {extra}"
    assert f"{dist_info}/licenses/LICENSE" in names

    assert metadata["Name"] == DIST
    assert metadata["Version"] == _version()
    assert metadata["Requires-Python"] == ">=3.12"
    assert metadata["License-Expression"] == "Apache-2.0"
    assert set(metadata.get_all("Provides-Extra") or []) == set(EXTRAS)
    description = metadata.get_payload()
    assert isinstance(description, str)
    assert description.lstrip().startswith("# lex-payment-bot")  # the README
    assert dict(entry_points["console_scripts"]) == {"lexbot": "bot.__main__:main"}
    if (source / "bot" / "dev" / "pytest_plugin.py").is_file():
        assert entry_points.has_section("pytest11"), "bot/dev/pytest_plugin.py exists: declare it"
        assert dict(entry_points["pytest11"]) == {"lexbot": PLUGIN_ENTRY_POINT}


# --- the installed package --------------------------------------------------------------------------


@pytest.mark.slow
def test_bot_imports_from_the_fresh_venv(installed: Installed, tmp_path: Path) -> None:
    probe = (
        "import importlib.metadata, importlib.resources\n"
        "import bot, bot.app, bot.forms, bot.dev.local, bot.dev.simulator.runtime, bot.admin.handler\n"
        "print(bot.__file__)\n"
        f"print(importlib.metadata.version({DIST!r}))\n"
        "print(importlib.resources.files('bot.admin').joinpath('schema.json').is_file())\n"
        "print(importlib.resources.files('bot').joinpath('py.typed').is_file())\n"
        "print(bot.App.__module__)\n"
    )
    out = _run([installed.python, "-c", probe], cwd=tmp_path, env=installed.env).stdout.split()
    location, version, schema, typed, app_module = out
    path = Path(location).resolve()
    assert path.is_relative_to(installed.site_packages.resolve()), path
    assert not path.is_relative_to(ROOT)
    assert not path.is_relative_to(installed.source)
    assert (version, schema, typed, app_module) == (_version(), "True", "True", "bot.app")


@pytest.mark.slow
def test_lexbot_console_script(installed: Installed, tmp_path: Path) -> None:
    assert installed.lexbot.is_file()
    result = _run([installed.lexbot, "--help"], cwd=tmp_path, env=installed.env)
    for command in ("chat", "demo", "invoke", "test-conversations", "sessions", "tables"):
        assert command in result.stdout
    # Exit statuses go through sys.exit(main()): a usage error is 2, as with `python -m bot`.
    bad = subprocess.run(
        [str(installed.lexbot), "no-such-command"],
        cwd=tmp_path,
        env=installed.env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert bad.returncode == 2, bad.stderr


def _bot_lines(stdout: str) -> list[str]:
    return [line.removeprefix("bot: ").strip() for line in stdout.splitlines() if line.startswith("bot: ")]


def _assert_answered(result: subprocess.CompletedProcess[str], expected_intent: str | None) -> None:
    said = _bot_lines(result.stdout)
    assert said, f"the bot said nothing\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert all(said), result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "Invalid Lambda Response" not in result.stdout + result.stderr
    assert "nlu FallbackIntent" not in result.stdout, result.stdout
    if expected_intent is not None:
        assert f"nlu {expected_intent}" in result.stdout, result.stdout


@pytest.mark.slow
def test_lexbot_chat_runs_the_reference_bot_from_outside(installed: Installed, tmp_path: Path) -> None:
    result = _run(
        [
            installed.lexbot,
            "chat",
            "--show-state",
            "--app",
            "intents.app:app",
            "--app-dir",
            installed.source,
            "--template",
            installed.source / "template.yaml",
        ],
        cwd=tmp_path,
        env=installed.env | {"BOT_LOCAL_DIR": str(tmp_path / "local")},
        stdin="I'd like to make a payment\n",
    )
    _assert_answered(result, "CollectName")


@pytest.mark.slow
def test_python_m_bot_chat_runs_the_example_bot(installed: Installed, tmp_path: Path) -> None:
    example = installed.source / "examples" / "appointments"
    for needed in (example / "template.yaml", example / "appointments" / "app.py"):
        if not needed.is_file():
            pytest.skip(f"the example bot is not there yet ({needed.relative_to(installed.source)} missing)")
    result = _run(
        [
            installed.python,
            "-m",
            "bot",
            "chat",
            "--show-state",
            "--app",
            "appointments.app:app",
            "--app-dir",
            example,
            "--template",
            example / "template.yaml",
        ],
        cwd=tmp_path,
        env=installed.env | {"BOT_LOCAL_DIR": str(tmp_path / "local")},
        stdin="book an appointment\n",
    )
    _assert_answered(result, None)
