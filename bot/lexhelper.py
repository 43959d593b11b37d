"""lex-helper's types (`lex_helper.core.types`) without the cost of `import lex_helper`.

`import lex_helper` runs the package's `__init__`, which imports all of lex-helper: its channels,
dialog module, Bedrock helpers, message manager (with PyYAML) and disambiguation. A bot that takes
only lex-helper's typed session base, `SessionAttributes`, would pay for all of it on every cold
start: the benchmark measured 413 M instructions, 14% of the reference bot's Lambda init.

`types()` runs only the two source files those types need, from the installed lex-helper: its
own code at its pinned version, from its compiled bytecode when the artifact ships it. These are
`core/types.py` and the dataclass module it imports, `formatters/buttons.py`. Both are registered
under their real names, so a later `import lex_helper` (a bot that also uses lex-helper's
handlers) reuses them. `lex_helper.SessionAttributes` then is the very class the session derives
from, and `lex_helper.core.types` resolves as an attribute, as usual.

    from bot.lexhelper import types as lex_helper_types

    class MySession(Session, lex_helper_types().SessionAttributes): ...
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
from types import ModuleType
from typing import Any

__all__ = ["types"]

PACKAGE = "lex_helper"
# The modules `core/types.py` needs, in load order, and the package each belongs to.
_MODULES = (
    ("lex_helper.formatters.buttons", "lex_helper.formatters"),
    ("lex_helper.core.types", "lex_helper.core"),
)
_lock = threading.Lock()


def types() -> ModuleType:
    """`lex_helper.core.types`: the already imported module, or only its own source run."""
    with _lock:
        loaded = sys.modules.get("lex_helper.core.types")
        if loaded is not None:
            return loaded
        # Any lex_helper package imports core/types.py in its __init__: none of them is loaded yet.
        root = _package_dir()
        for name, _ in _MODULES:
            if name not in sys.modules:
                _run(name, os.path.join(root, *name.split(".")[1:]) + ".py")
        _ParentsFinder.install()
        return sys.modules["lex_helper.core.types"]


def _package_dir() -> str:
    spec = importlib.util.find_spec(PACKAGE)  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{PACKAGE} is not installed", name=PACKAGE)
    return next(iter(spec.submodule_search_locations))


def _run(name: str, path: str) -> None:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"{name} is not in the installed {PACKAGE}", name=name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise


class _ParentsFinder(importlib.abc.MetaPathFinder):
    """When a package above the modules `types()` loaded is imported for real, its loader is
    wrapped (`_Adopting`) so the package ends up as a plain import would leave it."""

    _installed = False

    @classmethod
    def install(cls) -> None:
        if not cls._installed:
            sys.meta_path.insert(0, cls())
            cls._installed = True

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name not in _PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Adopting(spec.loader)
        return spec


# Each package above the light modules, and its children on the way to them.
_PACKAGES = {
    PACKAGE: ("lex_helper.formatters", "lex_helper.core"),
    **{parent: (name,) for name, parent in _MODULES},
}


class _Adopting(importlib.abc.Loader):
    """A package's own loader. The import system binds a child module to its package only when it
    loads the child itself, and imports a package only on the way to a child it has not loaded. So
    the light modules are bound to the package here, and the packages on the way to them, which a
    plain `import lex_helper` would have imported, are imported once it has run."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        children = _PACKAGES[module.__name__]
        for child in children:  # bound first: the package's own __init__ may use them
            if child in sys.modules:
                setattr(module, child.rpartition(".")[2], sys.modules[child])
        self._loader.exec_module(module)
        for child in children:
            if child in _PACKAGES and child not in sys.modules:
                importlib.import_module(child)

    def __getattr__(self, name: str) -> Any:  # resources, get_code, is_package...: the real loader's
        return getattr(self._loader, name)
