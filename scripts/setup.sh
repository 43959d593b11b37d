#!/usr/bin/env bash
# One-time set-up: find Python 3.13 (or 3.12), create .venv, install pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in python3.13 python3.12; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for dir in "$(pyenv root)"/versions/3.13* "$(pyenv root)"/versions/3.12*; do
      [ -x "$dir/bin/python" ] && { echo "$dir/bin/python"; return 0; }
    done
  fi
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

PY="${PYTHON:-$(find_python || true)}"
if [ -z "$PY" ]; then
  echo "error: Python 3.13 (or 3.12) not found. Install it (e.g. 'pyenv install 3.13') or set PYTHON=/path/to/python3.13" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
  echo "creating .venv with $("$PY" --version)"
  rm -rf .venv
  "$PY" -m venv .venv
fi
# The console's browser tests (tests/serve/test_browser.py) drive Debian's Chromium through
# Playwright; Playwright never downloads a browser here. Installed when missing and root.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and chromium-driver (apt-get)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver; } >/dev/null 2>&1; then
      echo "warning: apt-get could not install chromium: the browser tests will fail in CI, skip locally" >&2
    fi
  else
    echo "warning: /usr/bin/chromium is missing (install Debian's chromium and chromium-driver as root); the browser tests skip" >&2
  fi
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "ready: $(.venv/bin/python --version) in .venv"
