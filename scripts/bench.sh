#!/usr/bin/env bash
# The benchmark suite: what Lambda runs, in instructions (valgrind's callgrind), against lex-helper
# in the same run: init from a read-only copy of the built artifact, warm turns per intent with
# Lambda's logging and a full history window, the DynamoDB-path turn against a lex-helper +
# session-manager anchor, the stores' listings. Prints a Markdown table and writes
# bench/results/latest.md and latest.json.
#   bash scripts/bench.sh           # about 15 minutes on a 2-core VM (callgrind runs ~50x slower)
#   bash scripts/bench.sh --quick   # smoke test: native wall time, offline; bench/results/quick.*.tmp
# The artifact is built with `make build-FulfillmentFunction` for this machine's architecture
# (pip fetches the wheels; offline, the venv's wheels are used). Scratch under .local/, removed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
if [[ " $* " != *" --quick "* ]] && ! command -v valgrind >/dev/null 2>&1; then
  echo "installing Debian's valgrind (callgrind counts the instructions)" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq valgrind >/dev/null
fi
exec .venv/bin/python bench/run.py "$@"
