#!/usr/bin/env bash
# The test command: lint, types, tests, template checks. Used by the README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest (all, slow included)"; .venv/bin/python -m pytest -q -m "slow or not slow"
if [ -f scripts/check-template.sh ] && [ "${SKIP_TEMPLATE_CHECKS:-0}" != "1" ]; then
  echo "== template"; bash scripts/check-template.sh
fi
