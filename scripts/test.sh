#!/usr/bin/env bash
# The whole test suite: lint, type-check, unit, contract and e2e tests. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"

source scripts/test-services.sh
start_redis
start_postgres

rm -rf dist
tsc -p tsconfig.json

# The fake providers' TLS certificate, trusted by every Node process of this run.
export HERALD_TEST_TLS_DIR="$SERVICES_DIR/tls"
mkdir -p "$HERALD_TEST_TLS_DIR"
node -e "import('./dist/test/fakes/tls.js').then((m) => m.generateTestCertificate(process.env.HERALD_TEST_TLS_DIR))"
export NODE_EXTRA_CA_CERTS="$HERALD_TEST_TLS_DIR/cert.pem"
eslint .
depcruise src --config .dependency-cruiser.cjs

node --test --test-concurrency=2 --test-timeout=300000 \
  'dist/test/unit/**/*.test.js' 'dist/test/contract/**/*.test.js' 'dist/test/integration/**/*.test.js' 'dist/test/e2e/**/*.test.js'
