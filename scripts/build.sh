#!/usr/bin/env bash
# A clean build of dist/, stamped once it succeeded with the hash of its inputs (see build-inputs.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
inputs="$(node scripts/build-inputs.mjs)"
rm -rf dist
tsc -p tsconfig.json
echo "$inputs" > dist/.build-inputs
