"""The framework's boundaries, read from the source (AST), not from a convention:

- `bot/` imports nothing from any bot (`intents`, `examples`, an app's package);
- the runtime (everything the Lambda artifact ships: `bot/` minus `bot/dev/` and `bot/__main__.py`)
  imports nothing from the developer tools, and no test-only library;
- the framework names no slot or intent of the reference bot.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
BOTS = ("intents", "examples", "appointments")
DEV_ONLY = ("bot.dev", "bot.__main__", "pytest", "hypothesis", "moto")
REFERENCE_NAMES = re.compile(
    r"(?<!AMAZON\.)\b(CollectName|CollectCard|Confirm|WalletAddress|CardNumber|SecurityCode|ExpirationDate|"
    r"FirstName|LastName|PaymentBot|PaymentSession|make a payment)\b"
)
# `bot.validation.SecurityCode` is the framework's own type for a code (never its digits): its name
# in `__all__` and its repr are not a slot name.
ALLOWED = {("bot/validation/__init__.py", "SecurityCode"), ("bot/validation/types.py", "SecurityCode(•••)")}


def imports(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def framework_files() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def runtime_files() -> list[Path]:
    return [
        p for p in framework_files() if "dev" not in p.relative_to(BOT).parts[:1] and p.name != "__main__.py"
    ]


def test_the_scan_sees_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "probe.py"
    lines = [
        "import intents",
        "from intents.app import app",
        "from . import dev",
        "importlib.import_module('intents.x')",
    ]
    sample.write_text("\n".join(lines) + "\n")
    modules = {module for _, module in imports(sample, package="bot")}
    assert {"intents", "intents.app", "bot.dev", "intents.x"} <= modules


@pytest.mark.parametrize("path", framework_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_framework_imports_no_bot(path: Path) -> None:
    bad = [(line, m) for line, m in imports(path) if m.split(".")[0] in BOTS]
    assert not bad, f"{path.relative_to(ROOT)} imports a bot: {bad}"


@pytest.mark.parametrize("path", runtime_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_runtime_imports_no_developer_tool(path: Path) -> None:
    bad = [(line, m) for line, m in imports(path) if m.startswith(DEV_ONLY)]
    assert not bad, f"{path.relative_to(ROOT)} (shipped in the Lambda artifact) imports {bad}"


def test_the_framework_names_no_slot_or_intent_of_the_reference_bot() -> None:
    """Docstrings may use the reference bot as an example; code may not depend on its names."""
    offenders = []
    for path in framework_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if (str(path.relative_to(ROOT)), node.value) in ALLOWED:
                    continue
                if REFERENCE_NAMES.search(node.value):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert not offenders, "\n".join(offenders)
