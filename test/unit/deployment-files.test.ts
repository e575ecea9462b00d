import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isMap, isPair, isScalar, parse, parseDocument } from 'yaml';
import { loadConfig } from '../../src/config/herald-config.js';
import { parseDuration } from '../../src/config/duration.js';
import { HERALD_NODE_FLAGS } from '../../src/config/node-flags.js';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/**
 * Docker cannot run on the development machines, so `docker compose config` is approximated:
 * the file parses (anchors and merges resolved), every Herald service's variables are ones
 * Herald reads (named in the configuration code), and the Dockerfile runs as non-root with a
 * healthcheck. And the file is safe to run as shipped: nothing published beyond loopback, no
 * password it does not make the operator choose, a shutdown grace Docker waits out, key files
 * mountable, and every variable it reads listed in .env.example.
 */
describe('deployment files', () => {
  type Port = string | { host_ip?: string; published?: string | number; target: number };
  type Service = { environment?: Record<string, string>; depends_on?: Record<string, { condition?: string; required?: boolean }>; build?: string | { target?: string }; image?: string; profiles?: string[]; volumes?: string[]; ports?: Port[]; command?: string | string[]; stop_grace_period?: string };
  const composeText = readFileSync(root('docker-compose.yml'), 'utf8');
  const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const envExample = readFileSync(root('.env.example'), 'utf8');
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

  it('npm start, start:prod and the image start Herald with the V8 flags the bench measures', () => {
    const startScript = readFileSync(root('scripts/start.sh'), 'utf8');
    const imageStart = /^CMD \[(.*)\]$/m.exec(readFileSync(root('Dockerfile'), 'utf8').split(/^FROM .* AS runtime$/m)[1]!)?.[1];
    assert.equal(imageStart, ['node', ...HERALD_NODE_FLAGS, 'dist/src/main.js'].map((a) => JSON.stringify(a)).join(', '));
    assert.match(startScript, new RegExp(`^exec node ${HERALD_NODE_FLAGS.join(' ')} dist/src/main\\.js "\\$@"$`, 'm'));
    const packageJson = JSON.parse(readFileSync(root('package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(packageJson.scripts['start:prod'], `node ${HERALD_NODE_FLAGS.join(' ')} dist/src/main.js`);
  });

  /** The host address a published port binds: undefined means every interface. */
  const hostAddress = (port: Port): string | undefined =>
    typeof port === 'string' ? /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]):/i.exec(port)?.[1] : port.host_ip;
  const loopback = (port: Port): boolean => ['127.0.0.1', '[::1]', '::1'].includes(hostAddress(port) ?? '');

  it('publishes no port on every interface, and keeps the insecure EventStoreDB unpublished with a comment saying why', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) assert.ok(loopback(port), `${name} publishes ${JSON.stringify(port)} beyond loopback`);
    }
    for (const port of ['3000:3000', '3000', '0.0.0.0:3000:3000', { target: 3000, published: 3000 }]) assert.ok(!loopback(port), `the check rejects ${JSON.stringify(port)}`);
    assert.ok(compose.services.api!.ports!.length > 0, 'the API is reachable from this host');

    const eventstore = compose.services.eventstore!;
    assert.equal(eventstore.environment!.KURRENTDB_INSECURE, 'true');
    assert.equal(eventstore.ports, undefined, 'an insecure node is not published');
    const environment = parseDocument(composeText).getIn(['services', 'eventstore', 'environment'], true);
    assert.ok(isMap(environment));
    const insecure = environment.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'KURRENTDB_INSECURE');
    assert.match(String((insecure?.key as { commentBefore?: string } | undefined)?.commentBefore ?? ''), /not published/, 'a comment says why it may run insecure');
  });

  /** `${NAME:?message}`: compose refuses to start while NAME is unset or empty. */
  const required = (value: string, name?: string): boolean => new RegExp(`^\\$\\{${name ?? '[A-Z0-9_]+'}:\\?[^}]+\\}$`).test(value);
  /**
   * Every secret given to a container, and whether it is one the operator must choose: a password
   * the compose file sets a service up with, or one inside a URL. The others are provider
   * credentials, which may be left unset (that channel uses the sandbox).
   */
  const secretsOf = (service: Service): { key: string; value: string; mustChoose: boolean }[] =>
    Object.entries(service.environment ?? {}).flatMap(([key, value]) => [
      ...(/PASSWORD|SECRET|API_KEY|TOKEN/.test(key) && !key.endsWith('_FILE') ? [{ key, value, mustChoose: /PASSWORD/.test(key) }] : []),
      ...[...value.matchAll(/:\/\/[^/@:]*:([^@]+)@/g)].map((m) => ({ key: `${key} (password in the URL)`, value: m[1]!, mustChoose: true })),
    ]);
  /** A password that is required, or a provider secret passed through with no value of its own. */
  const secretOk = ({ key, value, mustChoose }: ReturnType<typeof secretsOf>[number]): boolean => required(value) || (!mustChoose && value === `\${${key}:-}`);

  it('every password comes from a required variable; no secret has a default', () => {
    let mustChoose = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      for (const secret of secretsOf(service)) {
        assert.ok(secretOk(secret), `${name}: ${secret.key} is "${secret.value}", not a required variable${secret.mustChoose ? '' : ' nor one passed through without a default'}`);
        if (secret.mustChoose) mustChoose += 1;
      }
    }
    assert.ok(mustChoose >= 4, 'the PostgreSQL and Redis passwords, and the URLs Herald reaches them by, are among those checked');
    assert.ok(required(compose.services.postgres!.environment!.POSTGRES_PASSWORD!, 'POSTGRES_PASSWORD'));
    assert.ok(required(compose.services.redis!.environment!.REDIS_PASSWORD!, 'REDIS_PASSWORD'));
    // `$$` reaches the container's shell as `$`: the password is read from the environment, not written into the command.
    assert.match(compose.services.redis!.command!.at(-1)!, /--requirepass "\$\$REDIS_PASSWORD"/, 'Redis asks for it');
    const wrongs: Record<string, string>[] = [
      { POSTGRES_PASSWORD: 'herald' },
      { POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:-}' },
      { DATABASE_URL: 'postgres://herald:herald@postgres/herald' },
      { MAILGUN_API_KEY: '${MAILGUN_API_KEY:-key-123}' },
      { MAILGUN_API_KEY: 'key-123' },
    ];
    for (const wrong of wrongs) assert.ok(secretsOf({ environment: wrong }).some((secret) => !secretOk(secret)), `the check rejects ${JSON.stringify(wrong)}`);
  });

  it('PUBLIC_BASE_URL is required, and Docker waits out SHUTDOWN_GRACE before it kills a Herald service', () => {
    for (const name of heraldServices) {
      const service = compose.services[name]!;
      assert.ok(required(service.environment!.PUBLIC_BASE_URL!, 'PUBLIC_BASE_URL'), `${name}: PUBLIC_BASE_URL`);
      const grace = loadConfig({ SHUTDOWN_GRACE: service.environment!.SHUTDOWN_GRACE }).shutdownGraceMs;
      const stopGrace = parseDuration(service.stop_grace_period ?? '');
      assert.ok(stopGrace !== undefined, `${name} sets stop_grace_period (Docker's default is 10s) as a duration Herald reads too`);
      assert.ok(stopGrace > grace, `${name}: stop_grace_period ${service.stop_grace_period} is not longer than SHUTDOWN_GRACE (${grace} ms)`);
    }
  });

  it('provider key files can be mounted: ./secrets read-only, and every *_FILE variable the configuration reads passed through', () => {
    const fileSecrets = [...configSource.matchAll(/read\.secret\('([A-Z_]+)'\)/g)].map((m) => `${m[1]}_FILE`);
    assert.ok(['APNS_SIGNING_KEY_FILE', 'FCM_SERVICE_ACCOUNT_FILE', 'VONAGE_API_SECRET_FILE', 'MAILGUN_API_KEY_FILE'].every((v) => fileSecrets.includes(v)));
    for (const name of heraldServices) {
      const service = compose.services[name]!;
      assert.ok(service.volumes!.includes('./secrets:/secrets:ro'), `${name} mounts ./secrets read-only`);
      for (const variable of fileSecrets) assert.equal(service.environment![variable], `\${${variable}:-}`, `${name} passes ${variable} through`);
    }
    const examples = [...envExample.matchAll(/^#?\s*([A-Z0-9_]+_FILE)=(.*)$/gm)];
    assert.deepEqual(examples.map((m) => m[1]).sort(), [...fileSecrets].sort(), '.env.example shows each file variable');
    for (const [, variable, path] of examples) assert.match(path!, /^\/secrets\/\S+$/, `${variable} points into the mounted /secrets`);
  });

  it('.env.example lists every variable the compose file reads, and no other', () => {
    const used = new Set([...composeText.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
    const listed = new Set([...envExample.matchAll(/^#?\s*([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
    assert.ok(used.has('POSTGRES_PASSWORD') && used.has('PUBLIC_BASE_URL'));
    assert.deepEqual([...used].filter((v) => !listed.has(v)), [], 'used by docker-compose.yml, missing from .env.example');
    assert.deepEqual([...listed].filter((v) => !used.has(v)), [], 'in .env.example, not used by docker-compose.yml');
    // The required ones are there to be filled in, not commented out, and left empty.
    for (const variable of [...used].filter((v) => new RegExp(`\\$\\{${v}:\\?`).test(composeText))) assert.match(envExample, new RegExp(`^${variable}=$`, 'm'), `${variable} is listed, empty, to be set`);
    for (const ignored of ['.gitignore', '.dockerignore']) {
      const patterns = readFileSync(root(ignored), 'utf8').split('\n');
      assert.ok(patterns.includes('.env') && patterns.some((p) => /^secrets\/?$/.test(p)), `${ignored} keeps .env and secrets/ out`);
    }
  });

  it('the Dockerfile and the compose file agree on the port, the data directory and its volume', () => {
    const dockerfile = readFileSync(root('Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
    const env = Object.fromEntries([...(/^ENV (.+)$/m.exec(runtime)?.[1] ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    assert.ok(env.PORT && env.DATA_DIR, 'the runtime image sets PORT and DATA_DIR');
    assert.match(runtime, new RegExp(`^EXPOSE ${env.PORT}$`, 'm'));
    for (const name of heraldServices) {
      const service = compose.services[name]!;
      assert.equal(service.environment!.PORT, env.PORT, `${name}: PORT`);
      assert.equal(service.environment!.DATA_DIR, env.DATA_DIR, `${name}: DATA_DIR`);
      assert.ok(service.volumes!.includes(`herald-data:${env.DATA_DIR}`), `${name} keeps ${env.DATA_DIR} in a volume`);
    }
    assert.ok(compose.services.api!.ports!.every((p) => typeof p === 'string' && p.endsWith(`:${env.PORT}`)), 'the API publishes the port it listens on');
  });
});
