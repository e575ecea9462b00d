import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { PostgresReadModelDb } from '../../src/modules/read-models/postgres-read-model-db.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { SqliteReadModelDb } from '../../src/modules/read-models/sqlite-read-model-db.js';
import { createUser, startApp, type Api } from '../support/app.js';
import { startProviderFakes } from '../support/fakes.js';
import { freshSchema } from '../support/postgres.js';
import { runCli } from '../support/process.js';
import { eventually } from '../support/temp.js';

const SALE = 'https://shop.example.com/sale?ref=mail';
const STATS_TABLES = ['notification_stats', 'notification_stats_latency', 'notification_stats_deliveries', 'notification_stats_decisions'];

async function statsRows(db: ReadModelDb): Promise<Record<string, string[]>> {
  const rows: Record<string, string[]> = {};
  for (const table of STATS_TABLES) rows[table] = (await db.query(`SELECT * FROM ${table}`)).map((r) => JSON.stringify(r)).sort();
  return rows;
}

/** The read models in SQLite (embedded), and in PostgreSQL when the test run has one. */
function readModelProfiles() {
  type Profile = { name: string; env: (t: TestContext) => Record<string, string>; open: (env: Record<string, string>, dataDir: string) => ReadModelDb };
  const profiles: Profile[] = [{ name: 'SQLite', env: () => ({}), open: (_env: Record<string, string>, dataDir: string): ReadModelDb => new SqliteReadModelDb(join(dataDir, 'read-models.db')) }];
  const url = process.env.DATABASE_URL;
  if (url) {
    profiles.push({
      name: 'PostgreSQL',
      env: (t) => ({ DATABASE_URL: url, DATABASE_SCHEMA: freshSchema(t, 'e2e') }),
      open: (env: Record<string, string>) => new PostgresReadModelDb(url, env.DATABASE_SCHEMA),
    });
  } else {
    console.log('# SKIPPED: analytics on PostgreSQL read models (DATABASE_URL is not set; npm test starts PostgreSQL)');
  }
  return profiles;
}

const trackingPath = (html: string, pattern: RegExp) => new URL(pattern.exec(html)![1]!.replaceAll('&amp;', '&')).pathname;

for (const readModels of readModelProfiles()) {
  describe(`analytics: what was sent, failed, opened and clicked, counted once per delivery (${readModels.name} read models)`, () => {
    it('summary and funnel equal what the test sent; a rebuild of notification_stats gives the same rows', async (t) => {
      const fakes = await startProviderFakes(t);
      // Mailgun refuses five addresses for good: five permanent failures.
      fakes.mailgun.failWhen((r) => (String(r.body.to).startsWith('refused-') ? { status: 400, message: 'to parameter is not a valid address' } : undefined));
      const rmEnv = readModels.env(t);
      const running = await startApp(t, { ...fakes.env, ...rmEnv, SQLITE_SYNCHRONOUS: 'NORMAL', LOG_LEVEL: 'error' });
      const { api, baseUrl, dataDir } = running;
      const today = new Date().toISOString().slice(0, 10);

      const published = await api.post('/v1/templates', {
        id: 'spring-sale',
        defaultLocale: 'en',
        channels: { email: { en: { subject: 'Spring sale', text: `Up to 50% off: ${SALE}`, html: `<p>Up to 50% off. <a href="${SALE}">Shop now</a></p>` } } },
      });
      assert.equal(published.status, 201, JSON.stringify(published.body));

      // 62 users: 50 deliverable, 5 refused by the provider, 7 opted out of promo email.
      const users = [
        ...Array.from({ length: 50 }, (_, i) => ({ id: `ok-${i}`, email: `ok-${i}@example.com` })),
        ...Array.from({ length: 5 }, (_, i) => ({ id: `refused-${i}`, email: `refused-${i}@example.com` })),
        ...Array.from({ length: 7 }, (_, i) => ({ id: `optout-${i}`, email: `optout-${i}@example.com` })),
      ];
      for (const u of users) await createUser(api, u.id, { email: u.email });
      for (const u of users.filter((u) => u.id.startsWith('optout-'))) {
        assert.equal((await api.put(`/v1/users/${u.id}/preferences`, { categories: [{ category: 'promo', channels: { email: false } }] })).status, 200);
      }
      const batch = await api.post('/v1/notifications/batch', {
        notifications: users.map((u) => ({ userId: u.id, category: 'promo', channels: ['email'], template: { id: 'spring-sale', params: {} } })),
      });
      assert.equal(batch.status, 200, JSON.stringify(batch.body).slice(0, 500));
      assert.deepEqual(batch.body.results.map((r: { statusCode: number }) => r.statusCode), users.map(() => 202));

      const summary = (query: string, as: Api = api) => as.get(`/v1/analytics/summary?from=${today}&to=${today}${query}`);
      await eventually(async () => {
        const [email] = (await summary('&groupBy=channel')).body.groups;
        return email?.sent === 50 && email.failed === 5 ? true : undefined;
      }, 60_000, '50 sent and 5 failed');

      // Ten recipients open the email, three of them click; some load the pixel or click twice.
      const delivered = fakes.mailgun.requests.filter((r) => r.status === 200);
      assert.equal(delivered.length, 50);
      for (const [i, r] of delivered.slice(0, 10).entries()) {
        const pixel = trackingPath(r.html!, /<img src="([^"]+)"/);
        assert.equal((await fetch(baseUrl + pixel)).status, 200);
        if (i < 2) assert.equal((await fetch(baseUrl + pixel)).status, 200);
        if (i < 3) {
          const click = trackingPath(r.html!, /<a href="([^"]+)"/);
          for (let n = 0; n < (i === 0 ? 2 : 1); n++) {
            const res = await fetch(baseUrl + click, { redirect: 'manual' });
            assert.equal(res.status, 302);
            assert.equal(res.headers.get('location'), SALE);
          }
        }
      }

      const groups = await eventually(async () => {
        const body = (await summary('&groupBy=channel')).body;
        return body.groups[0]?.opened === 10 && body.groups[0]?.clicked === 3 ? body.groups : undefined;
      }, 15_000, '10 opened and 3 clicked');
      assert.equal(groups.length, 1);
      const email = groups[0];
      assert.deepEqual(
        { ...email, latencyMs: undefined },
        {
          channel: 'email',
          requested: 55,
          suppressed: { opted_out: 7, rate_limited: 0, duplicate: 0, no_target: 0 },
          sent: 50,
          failed: 5,
          retried: 0,
          failedOver: 0,
          canceled: 0,
          opened: 10,
          clicked: 3,
          converted: 0,
          digested: 0,
          digests: 0,
          rates: { delivered: 50 / 55, opened: 0.2, clicked: 0.06 },
          latencyMs: undefined,
        },
      );
      assert.equal(email.latencyMs.samples, 50);
      assert.ok(email.latencyMs.p50 > 0 && email.latencyMs.p50 <= email.latencyMs.p95 && email.latencyMs.p95 <= email.latencyMs.p99, JSON.stringify(email.latencyMs));

      const all = await summary('&groupBy=day,channel,category,template,client');
      assert.deepEqual(
        all.body.groups.map((g: Record<string, unknown>) => [g.day, g.channel, g.category, g.template, g.client, g.sent]),
        [[today, 'email', 'promo', 'spring-sale', api.credentials!.appKey, 50]],
      );
      assert.equal((await summary('&groupBy=template&template=other')).body.groups.length, 0);

      const funnel = await api.get(`/v1/analytics/funnel?template=spring-sale&from=${today}&to=${today}`);
      assert.equal(funnel.status, 200);
      assert.equal(funnel.body.template, 'spring-sale');
      assert.deepEqual(funnel.body.steps, [
        { step: 'sent', count: 50, rate: 1 },
        { step: 'opened', count: 10, rate: 0.2, ofPrevious: 0.2 },
        { step: 'clicked', count: 3, rate: 0.06, ofPrevious: 0.3 },
        { step: 'converted', count: 0, rate: 0, ofPrevious: 0 },
      ]);

      // Scope and validation.
      const analyst = await api.post('/v1/clients', { name: 'analyst', scopes: ['analytics:read'] });
      const sender = await api.post('/v1/clients', { name: 'sender', scopes: ['notifications:send'] });
      assert.equal((await summary('', api.as({ appKey: analyst.body.appKey, appSecret: analyst.body.appSecret }))).status, 200);
      assert.equal((await summary('', api.as({ appKey: sender.body.appKey, appSecret: sender.body.appSecret }))).status, 403);
      const bad = await api.get('/v1/analytics/summary?from=2026-13-01&groupBy=channel,week');
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['from', 'groupBy']);
      const reversed = await api.get('/v1/analytics/funnel?from=2026-02-02&to=2026-02-01');
      assert.equal(reversed.status, 400);
      assert.equal(reversed.body.errors[0].field, 'from');
      assert.equal((await api.get('/v1/analytics/funnel?from=2026-02-31')).body.errors[0].field, 'from');

      // Stop Herald (the projector), rebuild from the log, compare every stats table.
      await running.close();
      const db = readModels.open(rmEnv, dataDir);
      t.after(() => db.close());
      const before = await statsRows(db);
      assert.equal(before.notification_stats_deliveries!.length, 55);
      const rebuilt = await runCli(['projections', 'rebuild', 'notification_stats'], { DATA_DIR: dataDir, ...rmEnv });
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.equal(JSON.parse(rebuilt.stdout).rows.notification_stats, 1);
      assert.deepEqual(await statsRows(db), before);
    });
  });
}
