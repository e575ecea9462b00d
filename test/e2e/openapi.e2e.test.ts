import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { OPENAPI_DOCUMENT_PATH } from '../../src/modules/openapi/openapi-document.js';
import { TrackingTokens } from '../../src/modules/tracking/tracking-token.js';
import { VonageInboundClient } from '../fakes/vonage-inbound.js';
import { startApp, type Api, type Response, type RunningApp } from '../support/app.js';
import { eventually, tempDir } from '../support/temp.js';
import { clockIn } from '../support/wall-clock.js';

interface Parameter {
  name: string;
  in: string;
  example?: unknown;
  schema?: { example?: unknown };
}
interface MediaType {
  schema?: object;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
/**
 * Served beside the API but not part of it: the docs themselves, bull-board's dashboard, and the
 * operator console (its page and its data API, behind a session cookie, for the console alone;
 * docs/api.md lists them).
 */
const NOT_API = [/^\/docs(\/|-yaml|$)/, /^\/admin\/queues/, /^\/console(\/|$)/];
/** Probes with no client error to describe: redocly.yaml turns operation-4xx-response off, this test checks the rest. */
const NO_CLIENT_ERROR = new Set(['get /health/live', 'get /health/ready', 'get /metrics', 'get /inbox/herald-inbox.js']);
/** A tracked link only redirects: redocly.yaml turns operation-2xx-response off, this test checks the rest. */
const NO_SUCCESS = new Set(['get /t/c/{token}']);
/** The readiness probe's 503 is its health report, not an error of the request. */
const NOT_AN_ERROR_BODY = new Set(['get /health/ready 503']);

const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method} ${path}`, method, path, op })));

async function fetchDocument(baseUrl: string): Promise<Document> {
  const res = await fetch(`${baseUrl}${OPENAPI_DOCUMENT_PATH}`);
  assert.equal(res.status, 200);
  return (await res.json()) as Document;
}

/** Runs the redocly CLI offline: no telemetry, no update check. */
function redoclyLint(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const args = [REDOCLY, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=json'];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/**
 * OpenAPI 3.0 schemas as JSON Schema for checking real answers: `nullable` spelled as a null
 * alternative, and every object closed, so a field the server sends but the document omits fails.
 */
function asStrictJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asStrictJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const schema = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, k === 'example' ? v : asStrictJsonSchema(v)]));
  if ('properties' in schema && !('additionalProperties' in schema)) schema.additionalProperties = false;
  return nullable === true ? { anyOf: [{ type: 'null' }, schema] } : schema;
}

/** Calls documented operations and checks each answer's status and body against the document. */
class Contract {
  readonly exercised = new Set<string>();
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly components: unknown;

  constructor(
    readonly doc: Document,
    private readonly api: Api,
  ) {
    addFormats.default(this.ajv);
    this.components = asStrictJsonSchema(doc.components);
  }

  operation(method: string, path: string): Operation {
    const op = this.doc.paths[path]?.[method];
    assert.ok(op, `${method} ${path} is documented`);
    return op;
  }

  /** The documented example of a path parameter. */
  parameterExample(method: string, path: string, name: string): string {
    const parameter = this.operation(method, path).parameters?.find((p) => p.in === 'path' && p.name === name);
    const example = parameter?.example ?? parameter?.schema?.example;
    assert.ok(example !== undefined, `${method} ${path} has an example for {${name}}`);
    return String(example);
  }

  async call(
    method: string,
    path: string,
    options: { params?: Record<string, string>; body?: unknown; query?: string; raw?: string; headers?: Record<string, string>; api?: Api } = {},
  ): Promise<Response> {
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? this.parameterExample(method, path, name)));
    // A redirect is an answer to check, never a request to another host.
    const res = await (options.api ?? this.api).request(method.toUpperCase(), `${url}${options.query ?? ''}`, options.body, { raw: options.raw, headers: options.headers, redirect: 'manual' });
    this.check(method, path, res);
    return res;
  }

  check(method: string, path: string, res: Response): void {
    const where = `${method.toUpperCase()} ${path} ${res.status}`;
    const documented = this.operation(method, path).responses[String(res.status)];
    assert.ok(documented, `${where} is not in the document: ${JSON.stringify(res.body)}`);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (res.status === 204 || res.status === 302) assert.equal(documented.content, undefined, `${where} documents no body`);
    else if (mediaType === 'application/json') {
      const validate = this.validator(`${method} ${path} ${res.status}`, documented.content?.['application/json']?.schema);
      assert.ok(validate(res.body), `${where}: the body does not match its schema: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`);
    } else assert.ok(documented.content?.[mediaType], `${where} documents ${mediaType}`);
    this.exercised.add(`${method} ${path}`);
  }

  private validator(key: string, schema: object | undefined): ValidateFunction {
    assert.ok(schema, `${key} documents a JSON schema`);
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...(asStrictJsonSchema(schema) as object), components: this.components });
      this.validators.set(key, validate);
    }
    return validate;
  }
}

describe('the OpenAPI document', () => {
  it('passes redocly lint (recommended rules) with no error and no warning', async (t) => {
    const { baseUrl } = await startApp(t);
    const file = join(tempDir(t), 'openapi.json');
    writeFileSync(file, JSON.stringify(await fetchDocument(baseUrl)));
    const { code, stdout, stderr } = await redoclyLint(file);
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number; ignored: number }; problems: unknown[] };
    assert.deepEqual(report.totals, { errors: 0, warnings: 0, ignored: 0 }, JSON.stringify(report.problems, null, 2));
    assert.equal(code, 0, stderr);
  });

  it('describes every route Fastify serves and no other, each with its success and error answers', async (t) => {
    const routes: string[] = [];
    const { baseUrl } = await startApp(t, {}, (app) =>
      app
        .getHttpAdapter()
        .getInstance()
        .addHook('onRoute', (route) => {
          for (const method of [route.method].flat()) routes.push(`${method.toLowerCase()} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
        }),
    );
    const doc = await fetchDocument(baseUrl);
    const served = new Set(routes.filter((r) => !r.startsWith('head ') && !NOT_API.some((re) => re.test(r.split(' ')[1]!))));
    const operations = operationsOf(doc);
    assert.ok(served.has('get /t/c/{token}') && served.has('get /metrics') && served.has('post /v1/notifications'), 'the route list is complete');
    assert.deepEqual([...served].filter((r) => !operations.some((o) => o.key === r)), [], 'served but not documented');
    assert.deepEqual(operations.filter((o) => !served.has(o.key)).map((o) => o.key), [], 'documented but not served');

    for (const { key, op } of operations) {
      const statuses = Object.keys(op.responses);
      if (!NO_SUCCESS.has(key)) assert.ok(statuses.some((s) => s.startsWith('2')), `${key} documents a 2XX`);
      if (!NO_CLIENT_ERROR.has(key)) assert.ok(statuses.some((s) => s.startsWith('4')), `${key} documents a 4XX`);
      for (const status of statuses.filter((s) => Number(s) >= 400 && !NOT_AN_ERROR_BODY.has(`${key} ${s}`))) {
        assert.deepEqual(op.responses[status]!.content?.['application/json']?.schema, { $ref: '#/components/schemas/Error' }, `${key} ${status} is the one error schema`);
      }
    }
  });

  it('says which routes need credentials: every one but the public ones answers 401 without them', async (t) => {
    const running = await startApp(t);
    const contract = new Contract(await fetchDocument(running.baseUrl), running.api.as(undefined));
    const params = { token: 'not-a-token' };
    for (const { method, path, op } of operationsOf(contract.doc)) {
      const res = await contract.call(method, path, { params });
      if (op.security === undefined) assert.equal(res.status, 401, `${method} ${path} needs credentials (the document's default)`);
      else if (op.security.length === 1 && Object.keys(op.security[0] as object).join() === 'subscriberToken') assert.equal(res.status, 401, `${method} ${path} needs a subscriber token`);
      else {
        assert.deepEqual(op.security, [], `${method} ${path}: public, or the document's default`);
        assert.notEqual(res.status, 401, `${method} ${path} is public`);
      }
    }
  });

  it('has request examples the app accepts, and answers that match their schemas on every route', async (t) => {
    const running = await startApp(t, { TRACKING_SECRET, VONAGE_SIGNATURE_SECRET, CATEGORY_POLICIES: JSON.stringify({ weekly: { digest: { window: '1s', channels: ['email'], template: 'openapi-digest' } } }) });
    const contract = new Contract(await fetchDocument(running.baseUrl), running.api);
    const client = await exerciseExamples(contract);
    await exerciseTheRest(t, contract, running, client);
    const untried = operationsOf(contract.doc).filter((o) => !contract.exercised.has(o.key));
    assert.deepEqual(untried.map((o) => o.key), [], 'every operation answered as documented at least once');
  });
});

const TRACKING_SECRET = 's'.repeat(40);
const VONAGE_SIGNATURE_SECRET = 'vonage-signature-secret';

/** Each example builds on the ones before (the user, then the template it sends). */
const EXAMPLE_ORDER = [
  'put /v1/users/{userId}',
  'post /v1/users/{userId}/devices',
  'put /v1/users/{userId}/preferences',
  'post /v1/templates',
  'post /v1/templates/{id}/preview',
  'post /v1/notifications',
  'post /v1/notifications/batch',
  'post /v1/clients',
  'put /v1/clients/{appKey}/webhook',
  'put /v1/clients/{appKey}/inbox-origins',
  'post /v1/events',
  'post /v1/users/{userId}/inbox-token',
  'put /v1/topics/{topicKey}',
  'post /v1/topics/{topicKey}/subscribers',
  'delete /v1/topics/{topicKey}/subscribers',
  'post /v1/broadcasts',
];
/** The engagement examples name a notification that cannot exist yet. */
const EXAMPLE_NOT_FOUND = new Set(['post /v1/events']);

/**
 * Sends every documented request example, in EXAMPLE_ORDER; returns the client the clients
 * example created (its webhook example points outside: no notification of its ever sends one).
 */
async function exerciseExamples(contract: Contract): Promise<{ appKey: string; appSecret: string }> {
  const withExamples = operationsOf(contract.doc).filter((o) => o.op.requestBody?.content['application/json']?.examples);
  assert.deepEqual(withExamples.map((o) => o.key).filter((k) => !EXAMPLE_ORDER.includes(k)), [], 'every example is tried (add it to EXAMPLE_ORDER)');
  const client = { appKey: '', appSecret: '' };
  for (const key of EXAMPLE_ORDER) {
    const { method, path, op } = withExamples.find((o) => o.key === key) ?? assert.fail(`${key} has request examples`);
    for (const [name, { value }] of Object.entries(op.requestBody!.content['application/json']!.examples!)) {
      const res = await contract.call(method, path, { body: value, params: { appKey: client.appKey } });
      if (key === 'post /v1/clients') Object.assign(client, { appKey: res.body.appKey, appSecret: res.body.appSecret });
      const expected = EXAMPLE_NOT_FOUND.has(key) ? res.status === 404 : res.status >= 200 && res.status < 300;
      assert.ok(expected, `${key} example ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      if (key === 'post /v1/notifications/batch') {
        for (const item of res.body.results) assert.equal(item.statusCode, 202, `batch item ${JSON.stringify(item)}`);
      }
    }
  }
  return client;
}

/** A digest's answers: the receipt, status, cancel and explanation of collected items, before and after the flush. */
async function exerciseDigest(contract: Contract, userId: string): Promise<void> {
  const template = { id: 'openapi-digest', defaultLocale: 'en', channels: { email: { en: { subject: '{{ count }} updates', text: '{% for item in items %}{{ item.content.text }} {% endfor %}' } } } };
  assert.equal((await contract.call('post', '/v1/templates', { body: template })).status, 201);
  const send = (text: string) => contract.call('post', '/v1/notifications', { body: { userId, category: 'weekly', channels: ['email'], content: { subject: text, text } } });
  const [kept, dropped] = [await send('kept'), await send('dropped')];
  assert.ok(kept.body.digested && kept.body.digested.digestId === dropped.body.digested?.digestId, JSON.stringify([kept.body, dropped.body]));
  const id = kept.body.notificationId as string;
  assert.equal((await contract.call('get', '/v1/notifications/{id}', { params: { id } })).body.status, 'digested');
  assert.equal((await contract.call('get', '/v1/notifications/{id}/explain', { params: { id } })).body.channels[0].digest.status, 'open');
  assert.equal((await contract.call('delete', '/v1/notifications/{id}', { params: { id: dropped.body.notificationId } })).body.removedFromDigest, kept.body.digested.digestId);
  await eventually(async () => ((await contract.call('get', '/v1/notifications/{id}', { params: { id } })).body.status === 'sent' ? true : undefined), 15_000, 'the digest to be sent');
  const explained = (await contract.call('get', '/v1/notifications/{id}/explain', { params: { id } })).body.channels[0];
  assert.deepEqual([explained.decision, explained.delivered, explained.digest.deliveries.length], ['digested', true, 1]);
  assert.equal((await contract.call('get', '/v1/notifications/{id}/timeline', { params: { id } })).status, 200);
  assert.equal((await contract.call('delete', '/v1/notifications/{id}', { params: { id } })).status, 409, 'part of a sent digest');
}

/** Every other operation, once, with the data the examples made; the error answers too. */
async function exerciseTheRest(t: TestContext, contract: Contract, { api }: RunningApp, client: { appKey: string; appSecret: string }): Promise<void> {
  const userId = contract.parameterExample('get', '/v1/users/{userId}', 'userId');
  const user = await contract.call('get', '/v1/users/{userId}');
  assert.equal(user.status, 200);
  const deviceId: string = user.body.devices[0].deviceId;

  const sent = await contract.call('post', '/v1/notifications', { body: { userId, category: 'orders', channels: ['email'], content: { subject: 'Hello', text: 'Hello' } } });
  assert.equal(sent.status, 202);
  const id: string = sent.body.notificationId;
  for (const path of ['/v1/notifications/{id}', '/v1/notifications/{id}/timeline', '/v1/notifications/{id}/explain']) {
    assert.equal((await contract.call('get', path, { params: { id } })).status, 200, path);
  }
  const canceled = await contract.call('delete', '/v1/notifications/{id}', { params: { id } });
  assert.ok([200, 409].includes(canceled.status), 'canceled, or sent already');

  // A local-time send held back by quiet hours: its explanation says until when, and what was asked.
  const zone: string = user.body.timezone;
  const hour = 3_600_000;
  const quiet = await contract.call('put', '/v1/users/{userId}/preferences', { body: { quietHours: { start: clockIn(Date.now() - hour, zone), end: clockIn(Date.now() + 3 * hour, zone) } } });
  assert.equal(quiet.status, 200);
  const deferred = await contract.call('post', '/v1/notifications', {
    body: { userId, category: 'news', channels: ['email'], content: { subject: 'Later', text: 'Later' }, sendAt: { localTime: clockIn(Date.now() + hour, zone) } },
  });
  assert.equal(deferred.status, 202);
  const explained = await contract.call('get', '/v1/notifications/{id}/explain', { params: { id: deferred.body.notificationId } });
  assert.ok(explained.body.localSendAt && explained.body.channels[0].deliveries[0].deferred, JSON.stringify(explained.body));
  assert.equal((await contract.call('put', '/v1/users/{userId}/preferences', { body: { quietHours: null } })).status, 200);

  await exerciseDigest(contract, userId);

  assert.equal((await contract.call('get', '/v1/users/{userId}/timeline')).status, 200);
  assert.equal((await contract.call('get', '/v1/audit/streams/{streamName}', { params: { streamName: `recipient-${userId}` } })).status, 200);
  assert.equal((await contract.call('get', '/v1/templates/{id}', { query: '?version=1' })).status, 200);
  assert.equal((await contract.call('get', '/v1/sandbox/outbox', { query: '?limit=5' })).status, 200);
  assert.equal((await contract.call('get', '/v1/analytics/summary', { query: '?groupBy=channel,day' })).status, 200);
  assert.equal((await contract.call('get', '/v1/analytics/funnel')).status, 200);
  assert.equal((await contract.call('delete', '/v1/users/{userId}/devices/{deviceId}', { params: { deviceId } })).status, 204);

  assert.equal((await contract.call('get', '/v1/topics/{topicKey}')).status, 200);
  assert.equal((await contract.call('get', '/v1/topics/{topicKey}/subscribers', { query: '?limit=1' })).status, 200);
  assert.equal((await contract.call('get', '/v1/topics/{topicKey}', { params: { topicKey: 'no-such-topic' } })).status, 404);
  const broadcasts = await contract.call('get', '/v1/broadcasts', { query: '?limit=5' });
  assert.equal(broadcasts.status, 200);
  const broadcastId: string = broadcasts.body.broadcasts[0].broadcastId;
  assert.equal((await contract.call('get', '/v1/broadcasts/{id}', { params: { id: broadcastId } })).status, 200);
  assert.equal((await contract.call('delete', '/v1/broadcasts/{id}', { params: { id: broadcastId } })).status, 200);

  assert.equal((await contract.call('get', '/v1/clients/me')).status, 200);
  const params = { appKey: client.appKey };
  assert.equal((await contract.call('get', '/v1/clients/{appKey}/webhook', { params })).status, 200);
  assert.equal((await contract.call('post', '/v1/clients/{appKey}/webhook/rotate-secret', { params })).status, 200);
  assert.equal((await contract.call('delete', '/v1/clients/{appKey}/webhook', { params })).status, 204);
  assert.deepEqual((await contract.call('get', '/v1/clients/{appKey}/inbox-origins', { params })).body.origins, ['https://app.example.com', 'http://localhost:3000']);
  const rotated = await contract.call('post', '/v1/clients/{appKey}/secret', { params });
  assert.equal(rotated.status, 201);
  assert.equal((await contract.call('delete', '/v1/clients/{appKey}/secret/previous', { params })).status, 204);

  for (const path of ['/health/live', '/health/ready', '/metrics']) assert.equal((await contract.call('get', path)).status, 200, path);

  // The templated email example carries a link: the sandbox recorded it with its tracked link and pixel.
  const html = await eventually(async () => {
    const { entries } = (await api.get('/v1/sandbox/outbox?queue=email&limit=1000')).body as { entries: { message: { html?: string } }[] };
    return entries.map((e) => e.message.html).find((h) => h?.includes('/t/c/'));
  }, 15_000, 'the templated email in the sandbox outbox');
  const token = (kind: 'c' | 'o') => new RegExp(`/t/${kind}/([\\w.-]+)"`).exec(html)![1]!;
  assert.equal((await contract.call('get', '/t/c/{token}', { params: { token: token('c') } })).status, 302);
  assert.equal((await contract.call('get', '/t/o/{token}', { params: { token: token('o') } })).status, 200);
  assert.equal((await contract.call('get', '/t/o/{token}', { params: { token: 'forged' } })).status, 404);

  // One-click unsubscribe, with a token as an email's List-Unsubscribe header carries it.
  const unsubscribe = { token: new TrackingTokens(TRACKING_SECRET).sign({ kind: 'unsubscribe', userId, category: 'orders', channel: 'email', issuedAt: 1_780_000_000 }) };
  const form = (body: string) => ({ params: unsubscribe, raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal((await contract.call('get', '/u/{token}', { params: unsubscribe })).status, 200);
  assert.equal((await contract.call('post', '/u/{token}', form('List-Unsubscribe=One-Click'))).status, 200);
  assert.equal((await contract.call('post', '/u/{token}', form('List-Unsubscribe=No'))).status, 400);
  assert.equal((await contract.call('post', '/u/{token}', { params: unsubscribe, raw: 'x', headers: { 'content-type': 'text/plain' } })).status, 415);
  assert.equal((await contract.call('post', '/u/{token}/undo', form(''))).status, 200);
  assert.equal((await contract.call('post', '/u/{token}/undo', { ...form(''), params: { token: 'forged' } })).status, 404);

  // The in-app feed, with a subscriber token as the customer's backend mints it for the user's browser.
  const inapp = await contract.call('post', '/v1/notifications', { body: { userId, category: 'orders', channels: ['inapp'], content: { title: 'Shipped', body: 'On its way', actionUrl: 'https://shop.example.com/orders/1001', data: { order: '1001' } } } });
  assert.equal(inapp.status, 202, JSON.stringify(inapp.body));
  assert.equal(inapp.body.status, 'accepted', JSON.stringify(inapp.body));
  const minted = await contract.call('post', '/v1/users/{userId}/inbox-token');
  assert.equal(minted.status, 200);
  const browser = { api: api.as(undefined), headers: { authorization: `Bearer ${minted.body.token}` } };
  const itemId = `${inapp.body.notificationId}.1`;
  await eventually(async () => ((await api.as(undefined).request('GET', '/v1/inbox', undefined, { headers: browser.headers })).body.items?.length ? true : undefined), 15_000, 'the item in the feed');
  assert.equal((await contract.call('get', '/v1/inbox', { ...browser, query: '?limit=5&state=unread' })).status, 200);
  for (const mark of ['seen', 'read', 'archive']) assert.equal((await contract.call('post', `/v1/inbox/items/{id}/${mark}`, { ...browser, params: { id: itemId } })).status, 200, mark);
  assert.equal((await contract.call('post', '/v1/inbox/items/{id}/read', { ...browser, params: { id: `${inapp.body.notificationId}.9` } })).status, 404);
  assert.equal((await contract.call('post', '/v1/inbox/read-all', browser)).status, 200);
  assert.equal((await contract.call('get', '/v1/inbox', { ...browser, query: '?state=nope' })).status, 400);
  assert.equal((await contract.call('get', '/v1/inbox/stream', { ...browser, query: '?lastEventId=x' })).status, 400);
  assert.equal((await contract.call('get', '/inbox/herald-inbox.js')).status, 200);

  // The preference page, by a link minted as the calling service does; its form posted as the page does.
  const link = await contract.call('post', '/v1/users/{userId}/preference-link');
  assert.equal(link.status, 200);
  const preferences = { token: link.body.token as string };
  const pageForm = (body: string, headers: Record<string, string> = {}) => ({ params: preferences, raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  const formToken = `form-token=${new TrackingTokens(TRACKING_SECRET).formToken(preferences.token)}`;
  assert.equal((await contract.call('get', '/p/{token}', { params: preferences })).status, 200);
  assert.equal((await contract.call('post', '/p/{token}', pageForm(`${formToken}&channel:email=on`))).status, 200);
  assert.equal((await contract.call('post', '/p/{token}', pageForm(`${formToken}&channel:email=yes`))).status, 400);
  assert.equal((await contract.call('post', '/p/{token}', pageForm(`${formToken}&quiet-hours=shown&quiet-hours:enabled=on&quiet-hours:start=25:00&quiet-hours:end=07:00`))).status, 400, 'a mistyped time: the page again');
  assert.equal((await contract.call('post', '/p/{token}', pageForm(formToken, { origin: 'https://evil.example' }))).status, 403);
  assert.equal((await contract.call('post', '/p/{token}', { params: preferences, raw: 'x', headers: { 'content-type': 'text/plain' } })).status, 415);
  assert.equal((await contract.call('get', '/p/{token}', { params: { token: 'forged' } })).status, 404);
  assert.equal((await contract.call('post', '/v1/users/{userId}/preference-link', { params: { userId: 'nobody' } })).status, 404);

  // An inbound SMS as Vonage's webhook sends it: as JSON, a form and a query string, signed; and unsigned, refused.
  const inbound = new VonageInboundClient('', VONAGE_SIGNATURE_SECRET, 'md5hash');
  const sms = (text: string) => inbound.params({ msisdn: '447700900123', text });
  const inboundPath = '/v1/inbound/vonage/sms';
  assert.equal((await contract.call('post', inboundPath, { body: sms('HELP') })).status, 200);
  assert.equal((await contract.call('post', inboundPath, { raw: new URLSearchParams(sms('HELP')).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 200);
  assert.equal((await contract.call('get', inboundPath, { query: `?${new URLSearchParams(sms('HELP'))}` })).status, 200);
  assert.equal((await contract.call('get', inboundPath, { query: `?${new URLSearchParams(inbound.params({ msisdn: '447700900123', text: 'HELP' }, { sign: false }))}` })).status, 403);
  assert.equal((await contract.call('post', inboundPath, { body: { ...sms('HELP'), text: ['HELP'] } })).status, 400);

  // The error answers, each in the one error shape.
  const current = api.as({ appKey: client.appKey, appSecret: rotated.body.appSecret });
  const errors = [
    await contract.call('put', '/v1/users/{userId}', { body: { email: 'not-an-email' } }),
    await contract.call('put', '/v1/users/{userId}', { raw: 'ada@example.com', headers: { 'content-type': 'text/plain' } }),
    await contract.call('get', '/v1/users/{userId}', { params: { userId: 'nobody' } }),
    await contract.call('get', '/v1/users/{userId}', { api: api.as({ appKey: client.appKey, appSecret: client.appSecret }) }),
    await contract.call('put', '/v1/users/{userId}', { api: current, body: {} }),
    await contract.call('post', '/v1/users/{userId}/devices', { body: { platform: 'ios', token: 'not-hex-but-long-enough' } }),
  ];
  assert.deepEqual(errors.map((e) => e.status), [400, 415, 404, 401, 403, 400]);

  const small = await startApp(t, { HTTP_BODY_LIMIT: '1024', CLIENT_RATE_LIMIT: '1' });
  const limited = new Contract(contract.doc, small.api);
  assert.equal((await limited.call('put', '/v1/users/{userId}', { body: { email: `${'a'.repeat(2000)}@example.com` } })).status, 413);
  const answers: number[] = [];
  for (let i = 0; i < 5 && !answers.includes(429); i++) answers.push((await limited.call('get', '/v1/clients/me')).status);
  assert.ok(answers.includes(429), `over CLIENT_RATE_LIMIT: ${answers.join(', ')}`);
}
