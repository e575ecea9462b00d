import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestTls {
  key: string;
  cert: string;
  certFile: string;
}

let cached: TestTls | null = null;

/**
 * The TLS identity of every fake provider: one self-signed certificate for localhost,
 * 127.0.0.1, `fakes` (the compose service) and the providers' real host names. test.sh makes it
 * once per run (HERALD_TEST_TLS_DIR) and points NODE_EXTRA_CA_CERTS at it, so every Node
 * process in the run trusts it as it would a corporate CA; outside test.sh it is made here.
 */
export function testTls(): TestTls {
  if (cached) return cached;
  let dir = process.env.HERALD_TEST_TLS_DIR;
  if (!dir || !existsSync(join(dir, 'cert.pem'))) {
    dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
    generateTestCertificate(dir);
  }
  cached = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), certFile: join(dir, 'cert.pem') };
  return cached;
}

export function generateTestCertificate(dir: string): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=herald-test-fakes',
    '-addext', 'subjectAltName=DNS:localhost,DNS:fakes,IP:127.0.0.1,DNS:api.push.apple.com,DNS:api.sandbox.push.apple.com,DNS:fcm.googleapis.com,DNS:oauth2.googleapis.com,DNS:rest.nexmo.com,DNS:api.mailgun.net',
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ], { stdio: 'ignore' });
}
