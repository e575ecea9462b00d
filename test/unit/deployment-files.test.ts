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
  type Service = { environment?: Record<string, string>; depends_on?: Record<string, { condition?: string; required?: boolean }>; build?: string | { target?: string }; image?: string; profiles?: string[]; volumes?: string[] };
  const compose = parse(readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const configSource = readFileSync(root('src/config/herald-config.ts'), 'utf8');
  const heraldServices = ['api', 'worker', 'projector'];
  /** Node's own variables a container may be given; Herald's config does not read them. */
  const nodeVariables = new Set(['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']);
  const readByHerald = (variable: string): boolean => {
    // A secret given as a file: read.secret('NAME') reads NAME_FILE.
    const name = variable.replace(/_FILE$/, '');
    const read = new RegExp(`env(?:\\.${name}\\b|, '${name}'|\\[['"\`]${name})|'${name}'|\\$\\{prefix\\}_${name.replace(/^[A-Z]+_/, '')}`);
    const channelSetting = /^(APNS|FCM|SMS|EMAIL)_(CONCURRENCY|RATE_LIMIT|MAX_ATTEMPTS)$/.test(variable);
    const fileSecret = configSource.includes(`read.secret('${name}')`);
    return channelSetting || nodeVariables.has(variable) || (variable.endsWith('_FILE') ? fileSecret : read.test(configSource));
  };

  it('runs EventStoreDB, Redis, PostgreSQL and Herald as api, worker and projector', () => {
    for (const name of ['eventstore', 'redis', 'postgres', 'api', 'worker', 'projector']) assert.ok(compose.services[name], `service ${name}`);
    assert.deepEqual(
      ['api', 'worker', 'projector'].map((s) => compose.services[s]!.environment!.HERALD_ROLES),
      ['api', 'worker', 'dispatcher,projector'],
    );
  });

  it('every variable given to a Herald service is one Herald reads', () => {
    for (const name of heraldServices) {
      for (const variable of Object.keys(compose.services[name]!.environment!)) {
        assert.ok(readByHerald(variable), `${name}: ${variable} is not read by Herald`);
      }
    }
    assert.ok(!readByHerald('HERALD_NOT_A_SETTING'), 'the check rejects a variable Herald does not read');
    assert.ok(!readByHerald('DATA_DIR_FILE'), 'the check rejects a _FILE variant of a non-secret');
  });

  it('declares every named volume a service mounts', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/')) assert.ok(compose.volumes && source in compose.volumes, `${name} mounts undeclared volume ${source}`);
      }
    }
  });

  it('has a `fakes` profile whose environment file reaches every Herald service', () => {
    const fakes = compose.services.fakes!;
    assert.deepEqual(fakes.profiles, ['fakes']);
    assert.equal((fakes.build as { target?: string }).target, 'fakes');
    assert.match(readFileSync(root('Dockerfile'), 'utf8'), /^FROM build AS fakes$/m);
    const envFile = readFileSync(root('deploy/fakes.env'), 'utf8');
    const variables = envFile.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=')[0]!);
    assert.ok(variables.length >= 15);
    for (const name of heraldServices) {
      const service = compose.services[name]!;
      assert.deepEqual(service.depends_on!.fakes, { condition: 'service_healthy', required: false }, `${name} waits for the fakes only when they run`);
      assert.ok(service.volumes!.includes('fakes:/fakes:ro'), `${name} mounts the fakes' credentials`);
      for (const variable of variables) {
        assert.ok(readByHerald(variable), `deploy/fakes.env: ${variable} is not read by Herald`);
        // The env file only feeds interpolation: a variable reaches the container only if the service passes it.
        assert.equal(service.environment![variable], `\${${variable}:-}`, `${name} passes ${variable} through`);
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
