#!/usr/bin/env bash
# A clean build of dist/, stamped once it succeeded with the hash of its inputs (see build-inputs.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
inputs="$(node scripts/build-inputs.mjs)"
rm -rf dist
tsc -p tsconfig.json
# The operator console's page: Preact, htm and Chart.js bundled into dist/console, served at /console.
esbuild console/src/main.js --bundle --format=esm --minify --target=es2022 --log-level=warning --outfile=dist/console/console.js
esbuild console/src/console.css --bundle --minify --log-level=warning --outfile=dist/console/console.css
echo "$inputs" > dist/.build-inputs
