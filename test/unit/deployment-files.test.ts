import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/**
 * Docker cannot run on the development machines, so `docker compose config` is approximated:
 * the file parses (anchors and merges resolved), every Herald service's variables are ones
 * Herald reads (named in the configuration code), and the Dockerfile runs as non-root with a
 * healthcheck.
 */
describe('deployment files', () => {
  const compose = parse(readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { environment?: Record<string, string>; depends_on?: object; build?: string; image?: string }> };
  const configSource = readFileSync(root('src/config/herald-config.ts'), 'utf8');

  it('runs EventStoreDB, Redis, PostgreSQL and Herald as api, worker and projector', () => {
    for (const name of ['eventstore', 'redis', 'postgres', 'api', 'worker', 'projector']) assert.ok(compose.services[name], `service ${name}`);
    assert.deepEqual(
      ['api', 'worker', 'projector'].map((s) => compose.services[s]!.environment!.HERALD_ROLES),
      ['api', 'worker', 'dispatcher,projector'],
    );
  });

  it('every variable given to a Herald service is one Herald reads', () => {
    for (const name of ['api', 'worker', 'projector']) {
      for (const variable of Object.keys(compose.services[name]!.environment!)) {
        const read = new RegExp(`env(?:\\.${variable}\\b|, '${variable}'|\\[['"\`]${variable})|'${variable}'|\\$\\{prefix\\}_${variable.replace(/^[A-Z]+_/, '')}`);
        const channelSetting = /^(APNS|FCM|SMS|EMAIL)_(CONCURRENCY|RATE_LIMIT|MAX_ATTEMPTS)$/.test(variable);
        assert.ok(channelSetting || read.test(configSource), `${name}: ${variable} is not read by Herald`);
      }
    }
  });

  it('the Dockerfile is multi-stage, production-only, non-root, with a healthcheck', () => {
    const dockerfile = readFileSync(root('Dockerfile'), 'utf8');
    assert.ok((dockerfile.match(/^FROM node:24/gm) ?? []).length >= 2);
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK /m);
  });
});
