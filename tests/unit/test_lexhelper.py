"""`bot.lexhelper.types()`: lex-helper's types module without the rest of lex-helper.

Each case runs in a fresh interpreter: what is imported is the point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

_LIGHT = """
import json, sys
from bot.lexhelper import types
t = types()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"lex_helper", "yaml"})
SA = t.SessionAttributes
out = {"loaded": loaded, "module": SA.__module__, "fields": sorted(SA.model_fields), "again": types() is t}
import lex_helper  # a bot that also uses lex-helper's handlers, later
from lex_helper import Config, LexHelper, dialog
import lex_helper.core.types as plain
out.update({
    "same_class": lex_helper.SessionAttributes is SA,
    "same_module": plain is t and lex_helper.core.types is t,
    "buttons": lex_helper.formatters.buttons.Button is t.Button,
    "formatters_text": hasattr(lex_helper.formatters, "text"),
    "handler": callable(LexHelper),
})
print(json.dumps(out))
"""

_FULL_FIRST = """
import json, sys
import lex_helper
from bot.lexhelper import types
meta = [type(f).__name__ for f in sys.meta_path]
print(json.dumps({"same": types() is lex_helper.core.types, "meta": meta}))
"""

_NOT_INSTALLED = """
import importlib.util, json
real = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "lex_helper" else real(name, *a)
from bot.lexhelper import types
try:
    types()
except ModuleNotFoundError as exc:
    print(json.dumps({"error": str(exc), "name": exc.name}))
"""


def _run(code: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_only_the_types_module_runs_and_a_later_full_import_reuses_it() -> None:
    out = _run(_LIGHT)
    assert out["loaded"] == ["lex_helper.core.types", "lex_helper.formatters.buttons"]
    assert out["module"] == "lex_helper.core.types"
    assert {"callback_event", "error_count", "channel", "user_authenticated"} <= set(out["fields"])
    assert out["again"] is True
    # Then the whole package, as a plain import leaves it: one class, one module, bound attributes.
    assert out["same_class"] is True
    assert out["same_module"] is True
    assert out["buttons"] is True
    assert out["formatters_text"] is True
    assert out["handler"] is True


def test_an_imported_lex_helper_is_used_as_it_is() -> None:
    out = _run(_FULL_FIRST)
    assert out["same"] is True
    assert "_ParentsFinder" not in out["meta"]  # nothing to adopt: no import hook installed


def test_without_lex_helper_installed_the_error_says_so() -> None:
    out = _run(_NOT_INSTALLED)
    assert out == {"error": "lex_helper is not installed", "name": "lex_helper"}
