#!/usr/bin/env bash
# Runs Herald on the embedded profile: no services to install, state kept under ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
PATH="$PWD/node_modules/.bin:$PATH"
rm -rf dist && tsc -p tsconfig.json
exec node dist/src/main.js "$@"
