#!/usr/bin/env bash
# npm run bench: starts its own Redis and the provider fakes' TLS identity, then runs bench/run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
source scripts/test-services.sh
start_redis
bash scripts/build.sh
export HERALD_TEST_TLS_DIR="$SERVICES_DIR/tls"
mkdir -p "$HERALD_TEST_TLS_DIR"
node -e "import('./dist/test/fakes/tls.js').then((m) => m.generateTestCertificate(process.env.HERALD_TEST_TLS_DIR))"
export NODE_EXTRA_CA_CERTS="$HERALD_TEST_TLS_DIR/cert.pem"
# Ten thousand live streams need as many sockets on each side: raise the soft limit as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
node dist/bench/run.js "$@"
