#!/usr/bin/env bash
# The benchmark suite: cold start, warm turn, DynamoDB round trips, latency against moto's server
# and artifact size, each against lex-helper in the same run where it has a counterpart.
# Prints a Markdown table and writes bench/results/latest.md and latest.json.
#   bash scripts/bench.sh               # about 2 minutes on a 2-core VM
#   bash scripts/bench.sh --with-build  # run scripts/check-template.sh (sam build) first
#   bash scripts/bench.sh --quick       # smoke test; writes bench/results/quick.*.tmp instead
# Offline except 127.0.0.1 (moto's server); scratch files under .local/bench, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
exec .venv/bin/python bench/run.py "$@"
