#!/usr/bin/env bash
# Runs Herald on the embedded profile: no services to install, state kept under ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
# First of all: a taken port is reported at once, before the install and the build.
node scripts/check-port.mjs
bash scripts/ensure-deps.sh
PATH="$PWD/node_modules/.bin:$PATH"
# Compiles only when a source, tsconfig.json or package-lock.json changed since the last build.
if [ "$(cat dist/.build-inputs 2>/dev/null)" = "$(node scripts/build-inputs.mjs)" ]; then
  echo "the build is current: not compiling" >&2
else
  echo "compiling..." >&2
  bash scripts/build.sh
fi
# The V8 flags of src/config/node-flags.ts.
exec node --max-semi-space-size=16 --heap-growing-percent=50 dist/src/main.js "$@"
