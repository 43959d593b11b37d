#!/usr/bin/env bash
# Template checks, all offline (no AWS account, no Docker):
#   1. cfn-lint template.yaml
#   2. sam validate --lint          (SAM transform + cfn-lint on the transformed template)
#   3. sam build                    (Makefile build of FulfillmentFunction for arm64/python3.13)
#   4. the artifact: size, and no tests/, events/ or bench/ inside it.
# The tools live in their own venv, .venv-tools (aws-sam-cli downgrades boto3, so it must not share
# .venv). It is created with Python 3.13 on first use and reinstalled when requirements-tools.txt
# changes. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_VENV=.venv-tools
BUILD_DIR=.aws-sam/build/FulfillmentFunction
export SAM_CLI_TELEMETRY=0

started=$SECONDS
step() { echo "== $* ($((SECONDS - started))s)"; }
die() { echo "error: $*" >&2; exit 1; }

is_python313() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; }

find_python313() {
  # A pyenv shim named python3.13 can exist on PATH without working, so each candidate is run.
  if [ -n "${PYTHON313:-}" ]; then
    is_python313 "$PYTHON313" && { echo "$PYTHON313"; return 0; }
    die "PYTHON313=$PYTHON313 is not a working Python 3.13 interpreter"
  fi
  local candidate
  if candidate="$(command -v python3.13 2>/dev/null)" && is_python313 "$candidate"; then
    echo "$candidate"; return 0
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.13*/bin/python; do
      is_python313 "$candidate" && { echo "$candidate"; return 0; }
    done
  fi
  return 1
}

PY313="$(find_python313)" || die "Python 3.13 not found: sam build needs it for the python3.13 runtime.
  Install it (e.g. 'pyenv install 3.13') or point PYTHON313 at a python3.13 interpreter."
# The real interpreter (not a shim or a venv) whose bin dir goes first on PATH for sam build.
PY313_BIN="$(dirname "$("$PY313" -c 'import os, sys; print(os.path.realpath(sys.executable))')")"

# --- tools venv ---------------------------------------------------------------------------------
step "tools venv ($TOOLS_VENV, $("$PY313" --version))"
if ! { [ -x "$TOOLS_VENV/bin/python" ] && is_python313 "$TOOLS_VENV/bin/python"; }; then
  rm -rf "$TOOLS_VENV"
  "$PY313" -m venv "$TOOLS_VENV"
fi
# Keep ruff/pytest/git out of it even where Python's venv does not write this file itself.
[ -f "$TOOLS_VENV/.gitignore" ] || echo '*' >"$TOOLS_VENV/.gitignore"
stamp="$TOOLS_VENV/.requirements-tools.sha256"
want="$("$PY313" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' requirements-tools.txt)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "installing requirements-tools.txt (first run takes a minute or more)"
  pip_log="$TOOLS_VENV/pip-install.log"
  if ! "$TOOLS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r requirements-tools.txt >"$pip_log" 2>&1; then
    cat "$pip_log" >&2
    die "could not install requirements-tools.txt into $TOOLS_VENV"
  fi
  echo "$want" >"$stamp"
fi
SAM="$TOOLS_VENV/bin/sam"
CFN_LINT="$TOOLS_VENV/bin/cfn-lint"

# --- lint -----------------------------------------------------------------------------------------
step "cfn-lint template.yaml examples/*/template.yaml"
"$CFN_LINT" template.yaml examples/*/template.yaml

step "sam validate --lint"
"$SAM" validate --lint --region us-east-1 --template-file template.yaml

# --- build ----------------------------------------------------------------------------------------
step "sam build (python3.13 from $PY313_BIN, no container)"
PATH="$PY313_BIN:$PATH" "$SAM" build --template-file template.yaml

# --- artifact -------------------------------------------------------------------------------------
check_artifact() {
local BUILD_DIR="$1"
step "artifact $BUILD_DIR"
[ -f "$BUILD_DIR/bot/handler.py" ] || die "$BUILD_DIR/bot/handler.py is missing"
[ -f "$BUILD_DIR/intents/__init__.py" ] || die "$BUILD_DIR/intents/__init__.py is missing"
for unwanted in tests events bench docs; do
  if [ -e "$BUILD_DIR/$unwanted" ]; then die "the artifact contains $unwanted/"; fi
done
for unwanted in boto3 botocore; do  # shipped by the python3.13 runtime
  if [ -e "$BUILD_DIR/$unwanted" ]; then die "the artifact contains $unwanted (the runtime ships it)"; fi
done
# Installed with --no-deps, so requirements-lambda.txt must be the complete closure: every
# dependency of every installed distribution (for linux/aarch64, CPython 3.13) and every
# third-party module that bot/ and intents/ import must be in the artifact, except boto3/botocore.
"$TOOLS_VENV/bin/python" - "$BUILD_DIR" <<'PY'
import ast
import sys
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

artifact = Path(sys.argv[1])
runtime = {"boto3", "botocore", "jmespath"}  # shipped by the python3.13 Lambda runtime
target = default_environment() | {
    "implementation_name": "cpython", "platform_machine": "aarch64", "platform_system": "Linux",
    "platform_python_implementation": "CPython", "python_full_version": "3.13.0",
    "python_version": "3.13", "sys_platform": "linux", "os_name": "posix", "extra": "",
}
installed = {canonicalize_name(d.metadata["Name"]): d for d in distributions(path=[str(artifact)])}
problems = []
for name, dist in sorted(installed.items()):
    for line in dist.requires or []:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate(target):
            continue
        dependency = canonicalize_name(requirement.name)
        if dependency not in installed and dependency not in runtime:
            problems.append(f"{name} requires {requirement}, which is not in the artifact")
modules = set()
for path in [*artifact.glob("bot/**/*.py"), *artifact.glob("intents/**/*.py")]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
for module in sorted(modules - set(sys.stdlib_module_names) - runtime - {"bot", "intents", "__future__"}):
    if not ((artifact / module).is_dir() or (artifact / f"{module}.py").is_file()):
        problems.append(f"bot/ or intents/ imports {module!r}, which is not in the artifact")
for problem in problems:
    print(f"error: {problem}", file=sys.stderr)
print(f"dependency closure: {len(installed)} distributions, {len(modules)} top-level imports checked")
sys.exit(1 if problems else 0)
PY
# Bytecode (Makefile: compileall --invalidation-mode unchecked-hash), still valid after the zip
# round trip a deployment makes: every module has a .pyc for this Python, flagged unchecked-hash,
# whose hash is its source's, so a read-only /var/task imports without compiling.
"$PY313" - "$BUILD_DIR" <<'PY'
import importlib.util
import io
import sys
import tempfile
import zipfile
from pathlib import Path

artifact = Path(sys.argv[1])
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    for path in artifact.rglob("*"):
        if path.is_file():
            archive.write(path, path.relative_to(artifact))
problems, checked, pyc_bytes = [], 0, 0
with tempfile.TemporaryDirectory() as scratch:
    zipfile.ZipFile(buffer).extractall(scratch)
    root = Path(scratch)
    for source in root.rglob("*.py"):
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not cached.exists():
            problems.append(f"no bytecode for {source.relative_to(root)}")
            continue
        data = cached.read_bytes()
        pyc_bytes += len(data)
        flags = int.from_bytes(data[4:8], "little")
        if data[:4] != importlib.util.MAGIC_NUMBER or flags != 0b01:
            problems.append(f"{cached.relative_to(root)} is not unchecked-hash bytecode for this Python")
        elif data[8:16] != importlib.util.source_hash(source.read_bytes()):
            problems.append(f"{cached.relative_to(root)} does not match its source")
        checked += 1
for problem in problems[:20]:
    print(f"error: {problem}", file=sys.stderr)
print(f"bytecode: {checked} modules valid after a zip round trip ({pyc_bytes / 1e6:.1f} MB of .pyc); zipped {len(buffer.getvalue()) / 1e6:.1f} MB")
sys.exit(1 if problems else 0)
PY
du -sh "$BUILD_DIR"
bytes="$("$PY313" -c 'import os, sys; print(sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(sys.argv[1]) for f in fs))' "$BUILD_DIR")"
echo "unzipped size: $bytes bytes"
}
check_artifact "$BUILD_DIR"
check_artifact "$(dirname "$BUILD_DIR")/WalletAgentFunction"
[ -f "$(dirname "$BUILD_DIR")/WalletAgentFunction/bot/agent/handler.py" ] || die "the agent artifact lacks bot/agent"
[ ! -e "$BUILD_DIR/bot/agent" ] || die "the Lex artifact carries bot/agent (it needs Powertools)"
step "template checks passed"
