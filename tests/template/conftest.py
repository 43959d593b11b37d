"""The lexbot pytest plugin's collection and fixtures for the tests in this directory.

`pytest_plugins` may only be set in the rootdir's conftest, so the plugin's module-level hook
(`lexbot_apps = [...]` in a test module becomes the bots' checks and conversations) and its
fixtures are imported here. Once the plugin is loaded for the whole run (`-p
bot.dev.pytest_plugin` in addopts, or its `pytest11` entry point), these imports are redundant
(harmless: the same functions).
"""

from bot.dev.pytest_plugin import (
    lex_bot,
    lex_client,
    lex_simulator,
    pytest_configure,
    pytest_pycollect_makeitem,
)

__all__ = ["lex_bot", "lex_client", "lex_simulator", "pytest_configure", "pytest_pycollect_makeitem"]
