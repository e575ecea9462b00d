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
ensure_chromium

bash scripts/build.sh

# The fake providers' TLS certificate, trusted by every Node process of this run.
export HERALD_TEST_TLS_DIR="$SERVICES_DIR/tls"
mkdir -p "$HERALD_TEST_TLS_DIR"
node -e "import('./dist/test/fakes/tls.js').then((m) => m.generateTestCertificate(process.env.HERALD_TEST_TLS_DIR))"
export NODE_EXTRA_CA_CERTS="$HERALD_TEST_TLS_DIR/cert.pem"
eslint .
depcruise src --config .dependency-cruiser.cjs

# `npm test` runs every suite; `npm run test:reliability` only the reliability scenarios.
if [ "${1:-all}" = "reliability" ]; then
  suites=('dist/test/reliability/**/*.test.js')
else
  suites=('dist/test/unit/**/*.test.js' 'dist/test/contract/**/*.test.js' 'dist/test/integration/**/*.test.js' 'dist/test/e2e/**/*.test.js' 'dist/test/reliability/**/*.test.js')
fi
# Browser tests keep their screenshots here (gitignored), from this run only.
rm -rf test-results/screenshots
node --test --test-concurrency=2 --test-timeout=600000 "${suites[@]}" 2>&1 | tee "$SERVICES_DIR/test-output.log"
status=${PIPESTATUS[0]}
echo
echo "Reliability scenarios:"
grep -h '# RELIABILITY' "$SERVICES_DIR/test-output.log" | sed 's/^# RELIABILITY | /  /' || echo "  (none ran)"
echo
# The runner's own summary stays the last thing printed.
grep -E '^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$SERVICES_DIR/test-output.log" | tail -8
exit "$status"
