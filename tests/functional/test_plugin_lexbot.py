"""The lexbot pytest plugin (bot.dev.pytest_plugin), run in a pytest of its own over TinyBot
(tests/template/tinybot): bots named in the ini file, on the command line or by a test module;
conversation files and generic checks as items; the fixtures. In-process, through this
directory's tests: tests/template/test_bots.py is the plugin at work on this repository's bots.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.template import tinybot

ROOT = Path(__file__).resolve().parents[2]
LINE = f"{tinybot.SPEC} template.yaml conversations"

GOOD = """name: good
today: 2026-03-14
turns:
  - user: hello
    expect: {message: Hello}
  - user: what day is it
    expect: {message: Today is 2026-03-14}
"""
BROKEN = """name: broken
turns:
  - user: break it
"""

pytestmark = pytest.mark.slow  # each test starts a pytest process


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory holding TinyBot's template and two conversations (one fails)."""
    shutil.copy(tinybot.TEMPLATE, tmp_path / "template.yaml")
    conversations = tmp_path / "conversations"
    conversations.mkdir()
    (conversations / "good.yaml").write_text(GOOD, encoding="utf-8")
    (conversations / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    return tmp_path


def run(project: Path, *args: str, ini: str = "") -> subprocess.CompletedProcess[str]:
    (project / "pytest.ini").write_text(f"[pytest]\naddopts = -p no:cacheprovider\n{ini}", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_bots_from_the_ini_file_collect_their_conversations_and_template(project: Path) -> None:
    ini = f"lexbot_apps =\n    {LINE}\n"
    result = run(project, "-p", "bot.dev.pytest_plugin", "conversations", "template.yaml", ini=ini)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "PASSED conversations/good.yaml::good" in out
    assert "FAILED conversations/broken.yaml::broken" in out
    # the failure is the conversation report, with the handler error and the transcript
    assert "FAIL broken" in out
    assert "turn 1: the handler raised RuntimeError: exploded on 'break it'" in out
    assert ">>  1  user: break it" in out
    for check in ("template_loads", "intents_match_handlers", "function_environment", "alias_code_hook"):
        assert f"PASSED template.yaml::TinyBot::{check}" in out
    assert "1 failed, 17 passed" in out  # 16 checks, 2 conversations


def test_the_command_line_names_the_bots_and_a_failing_check_lists_its_problems(project: Path) -> None:
    template = project / "template.yaml"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("FulfillmentCodeHook: {Enabled: true}", "", 1), encoding="utf-8")
    result = run(
        project,
        "-p",
        "bot.dev.pytest_plugin",
        "--lexbot-app",
        LINE,
        "--lexbot-min-utterances",
        "3",
        "template.yaml",
        ini="lexbot_apps = nothing.here:app missing.yaml\n",  # replaced by --lexbot-app
    )
    out = result.stdout
    assert "FAILED template.yaml::TinyBot::code_hooks" in out, out + result.stderr
    assert "en_US Greet: FulfillmentCodeHook is not enabled" in out
    assert "FAILED template.yaml::TinyBot::sample_utterances" in out
    assert "en_US Greet: 2 sample utterances (at least 3)" in out
    assert "PASSED template.yaml::TinyBot::slot_prompts" in out


def test_a_test_module_declares_its_bots_and_uses_the_fixtures(project: Path) -> None:
    (project / "conftest.py").write_text(
        "from bot.dev.pytest_plugin import lex_bot, lex_client, lex_simulator, pytest_configure\n"
        "from bot.dev.pytest_plugin import pytest_pycollect_makeitem\n",
        encoding="utf-8",
    )
    (project / "test_tiny.py").write_text(
        f"""
import pytest

lexbot_apps = ["{LINE} min_utterances=2"]


def test_the_simulator(lex_simulator):
    assert lex_simulator.say("hello").messages == ["Hello!"]


def test_the_client(lex_client, lex_bot):
    assert lex_bot.app.name == "TinyBot"
    assert lex_bot.problems == []
    assert lex_client.say("hello", intent="Greet").messages == ["Hello!"]


@pytest.mark.lexbot("TinyBot")
def test_the_marker_names_a_bot(lex_bot):
    assert lex_bot.definition.name == "TinyBot"
""",
        encoding="utf-8",
    )
    result = run(project, "test_tiny.py", "--strict-markers")  # no -p: the conftest's imports
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "PASSED test_tiny.py::TinyBot::checks::sample_utterances" in out
    assert "PASSED test_tiny.py::TinyBot::conversations::good" in out
    assert "FAILED test_tiny.py::TinyBot::conversations::broken" in out
    for name in ("test_the_simulator", "test_the_client", "test_the_marker_names_a_bot"):
        assert f"PASSED test_tiny.py::{name}" in out
    assert "1 failed, 20 passed" in out
