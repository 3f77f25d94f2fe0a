#!/usr/bin/env bash
# Run Slither on the protocol contracts with the project's solc-js (no native solc, no downloads).
#   tests/reliability/slither/run.sh [extra slither args]      e.g. --json /tmp/slither.json
# Needs: `pip install slither-analyzer==0.11.6` (any venv; set SLITHER=/path/to/slither) and npm ci.
set -euo pipefail
cd "$(dirname "$0")/../../.."
SLITHER="${SLITHER:-slither}"
exec "$SLITHER" contracts/src \
  --solc-standard-json \
  --solc tests/reliability/slither/solc \
  --solc-remaps "@openzeppelin=node_modules/@openzeppelin" \
  "$@"
