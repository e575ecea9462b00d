import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/modules/event-store/sqlite-event-store.js';
import { PostgresReadModelDb } from '../../src/modules/read-models/postgres-read-model-db.js';
import type { ReadModelDb } from '../../src/modules/read-models/read-model-db.port.js';
import { SqliteReadModelDb } from '../../src/modules/read-models/sqlite-read-model-db.js';
import { LeaseLostError, ProjectionLease } from '../../src/projections/projection-lease.js';
import { sqlSink } from '../../src/projections/sql-sink.js';
import { freshSchema } from '../support/postgres.js';
import { eventually, tempDir } from '../support/temp.js';
import { report } from './report.js';

const projector = fileURLToPath(new URL('../support/lease-projector.js', import.meta.url));
const TTL = 1000;

interface Projector {
  child: ChildProcess;
  lines: string[];
  name: string;
}

function spawnProjector(t: TestContext, eventsFile: string, readModels: string, name: string): Projector {
  const child = spawn(process.execPath, [projector, eventsFile, readModels, name, String(TTL)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => process.env.DEBUG_LEASE && process.stderr.write(`[${name}] ${d}`));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  });
  return { child, lines, name };
}

const state = (p: Projector) => p.lines.filter((l) => l === 'active' || l === 'standby').at(-1) ?? 'standby';

/**
 * `freezes`: whether a frozen holder can be taken over. A SQLite process frozen inside a write
 * transaction keeps the database's one write lock, so no one can take anything over until it
 * resumes (and then the fence stops it); PostgreSQL locks only the lease row, briefly.
 */
type Profile = { name: string; freezes: boolean; open: (t: TestContext, dir: string) => Promise<{ url: string; db: ReadModelDb }> };

function profiles(): Profile[] {
  const list: Profile[] = [
    {
      name: 'sqlite',
      freezes: false,
      open: async (_t: TestContext, dir: string) => {
        const file = join(dir, 'read-models.db');
        return { url: file, db: new SqliteReadModelDb(file) };
      },
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url) {
    list.push({
      name: 'postgres',
      freezes: true,
      open: async (t: TestContext) => {
        const schema = freshSchema(t, 'lease');
        return { url: `${url}#${schema}`, db: new PostgresReadModelDb(url, schema) };
      },
    });
  } else {
    console.log('# SKIPPED: projector failover on PostgreSQL (DATABASE_URL is not set)');
  }
  return list;
}

for (const profile of profiles()) {
  describe(`one active projector (${profile.name} read models)`, () => {
    const first = profile.freezes ? 'frozen (SIGSTOP)' : 'killed';
    it(`two projector processes: one writes, the other stands by; the active one ${first}, then the other killed: each time the standby takes over, and a replaced holder never writes again`, { timeout: 120_000 }, async (t) => {
      const dir = tempDir(t);
      const eventsFile = join(dir, 'events.db');
      const store = new SqliteEventStore(eventsFile, { busyTimeoutMs: 10_000 });
      t.after(() => store.close());
      const { url, db } = await profile.open(t, dir);
      await db.migrate();
      t.after(() => db.close());

      let a = spawnProjector(t, eventsFile, url, 'a');
      await eventually(() => (state(a) === 'active' ? true : undefined), 15_000, 'a to take the lease');
      const b = spawnProjector(t, eventsFile, url, 'b');
      await eventually(() => (b.lines.includes('started') ? true : undefined), 15_000, 'b to start');

      let appended = 0;
      let appending = true;
      t.after(() => (appending = false));
      const load = (async () => {
        while (appending) {
          await store.append(`s-${randomUUID()}`, [{ id: randomUUID(), type: 'Tick', data: { n: appended } }], 'no_stream');
          appended += 1;
          await new Promise((r) => setTimeout(r, 3));
        }
      })();
      const projected = async () => Number((await db.query<{ c: number }>('SELECT COUNT(*) AS c FROM projected'))[0]!.c);
      const writtenBy = async (writer: string) => Number((await db.query<{ c: number }>('SELECT COUNT(*) AS c FROM projected WHERE writer = $1', [writer]))[0]!.c);

      await eventually(async () => ((await projected()) > 50 ? true : undefined), 15_000, 'a to project');
      await new Promise((r) => setTimeout(r, 2 * TTL));
      assert.equal(state(b), 'standby', 'b stands by while a holds the lease');

      // A frozen holder (alive, not renewing): b takes over once the lease expires; resumed, a
      // finds its lease gone and stands by. A killed one: b takes over, a restarts as standby.
      let began = performance.now();
      a.child.kill(profile.freezes ? 'SIGSTOP' : 'SIGKILL');
      await eventually(() => (state(b) === 'active' ? true : undefined), 10 * TTL, `b to take over from ${first} a`);
      const afterFirst = performance.now() - began;
      await eventually(async () => ((await writtenBy('b')) > 20 ? true : undefined), 15_000, 'b to project');
      if (profile.freezes) {
        a.child.kill('SIGCONT');
        await eventually(() => (state(a) === 'standby' ? true : undefined), 10 * TTL, 'a to notice it lost the lease');
      } else {
        a = spawnProjector(t, eventsFile, url, 'a');
        await eventually(() => (a.lines.includes('started') ? true : undefined), 15_000, 'a to restart');
        assert.equal(state(a), 'standby');
      }

      // A killed holder: a takes over.
      const byAFirst = await writtenBy('a');
      began = performance.now();
      b.child.kill('SIGKILL');
      await eventually(() => (state(a) === 'active' ? true : undefined), 10 * TTL, 'a to take over from killed b');
      const afterKill = performance.now() - began;
      await eventually(async () => ((await writtenBy('a')) > byAFirst + 20 ? true : undefined), 15_000, 'a to project after taking over');
      appending = false;
      await load;
      await eventually(async () => ((await projected()) === appended ? true : undefined), 20_000, 'every event projected');

      const rows = await db.query<{ position: string; writer: string }>('SELECT position, writer FROM projected ORDER BY position');
      const positions = (await store.readAll({ maxCount: 100_000 })).map((e) => e.position.toString().padStart(12, '0'));
      assert.deepEqual(rows.map((r) => r.position), positions, 'every event projected exactly once');
      const runs = rows.map((r) => r.writer).filter((w, i, all) => i === 0 || all[i - 1] !== w);
      assert.deepEqual(runs, ['a', 'b', 'a'], 'the writer changed only at the two takeovers');
      assert.ok(afterFirst < 3 * TTL, `takeover after the first (${first}) took ${Math.round(afterFirst)} ms (lease ${TTL} ms)`);
      assert.ok(afterKill < 3 * TTL, `takeover after a kill took ${Math.round(afterKill)} ms (lease ${TTL} ms)`);
      report({
        scenario: `projector failover (2 processes, ${profile.freezes ? 'SIGSTOP' : 'SIGKILL'} then SIGKILL)`,
        profile: profile.name,
        notifications: appended,
        lost: appended - rows.length,
        duplicates: 0,
        fiveXx: 0,
        maxLatencyMs: Math.round(Math.max(afterFirst, afterKill)),
        note: `takeover ${Math.round(afterFirst)} ms after the first (${first}), ${Math.round(afterKill)} ms after the kill; lease ${TTL} ms`,
      });
    });

    it('a holder whose lease was taken cannot commit (fencing)', async (t) => {
      const dir = tempDir(t);
      const { db } = await profile.open(t, dir);
      await db.migrate();
      t.after(() => db.close());
      let now = 1_000_000;
      const clock = () => now;
      const first = new ProjectionLease(db, 'fenced', 'host-a:1:x', 1000, clock);
      const second = new ProjectionLease(db, 'fenced', 'host-b:1:y', 1000, clock);
      assert.equal(await first.acquire(), true);
      assert.equal(await second.acquire(), false, 'held and not expired');
      now += 1001;
      assert.equal(await second.acquire(), true, 'expired: taken');
      const projection = { name: 'fenced', handle: async () => undefined };
      await assert.rejects(sqlSink(db, projection, first).commit([], 7n), LeaseLostError);
      assert.equal(await sqlSink(db, projection, first).checkpoint(), 0n, 'nothing committed by the old holder');
      await sqlSink(db, projection, second).commit([], 7n);
      assert.equal(await sqlSink(db, projection, second).checkpoint(), 7n);
      assert.equal(await first.acquire(), false, 'the old holder does not take it back');
    });
  });
}
