import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { DigestFlushedData, DigestOpenedData } from '../../src/domain/recipient/events.js';
import type { RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import { DigestScheduleProjection } from '../../src/projections/digest-schedule.projection.js';
import type { DeliveryJob } from '../../src/projections/delivery-job.js';
import { DispatchProjection } from '../../src/projections/dispatch.projection.js';
import { queueFeederWorld } from '../support/queue-feeder-world.js';

const NOW = Date.parse('2026-11-25T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

let position = 0n;
const recorded = (type: string, data: unknown): RecordedEvent => {
  position += 1n;
  return { id: `event-${position}`, streamName: 'recipient-ada', type, revision: 0, position, data, metadata: { correlationId: 'c1' }, createdAt: new Date(NOW) };
};

const opened = (digestId: string, endsInMs: number): DigestOpenedData => ({
  userId: 'ada',
  digestId,
  category: 'orders',
  templateId: 'orders-digest',
  channels: ['email'],
  maxItems: 1000,
  windowEndsAt: iso(NOW + endsInMs),
  openedAt: iso(NOW),
});
const item = { notificationId: 'n1', at: iso(NOW), params: { order: 1 }, content: { templateId: 'shipped', version: 1 }, channels: ['email' as const] };
const flushed = (digestId: string, reason: DigestFlushedData['reason'], deferredUntil?: number): DigestFlushedData => ({
  userId: 'ada',
  digestId,
  category: 'orders',
  templateId: 'orders-digest',
  reason,
  items: [item],
  count: 1,
  firstAt: item.at,
  lastAt: item.at,
  removed: [],
  deliveries: [
    {
      deliveryId: `${digestId}.1`,
      channel: 'email',
      queue: 'email',
      target: { channel: 'email', email: 'ada@example.com' },
      ...(deferredUntil ? { deferred: { until: iso(deferredUntil), reason: 'quiet_hours' as const, source: 'user' as const, timezone: 'UTC', window: { start: '22:00', end: '07:00' } } } : {}),
    },
  ],
  suppressed: [],
  flushedAt: iso(NOW),
});

/** The queue feeder world, with the digest schedule projection and the flushes it counted. */
function world(t: TestContext) {
  const w = queueFeederWorld(t);
  const flushes: string[] = [];
  const schedule = () => new DigestScheduleProjection(w.queue, (d) => flushes.push(`${d.digestId}:${d.reason}`), () => NOW);
  return { ...w, schedule, flushes };
}

describe('digest schedule projection: DigestOpened -> one flush job, due at the window end', () => {
  it('schedules a job per digest (job id = digest id) delayed until its window ends; a replay adds none', async (t) => {
    const w = world(t);
    w.log.push(recorded('DigestOpened', opened('dg-1', 60_000)), recorded('DigestOpened', opened('dg-2', -5000)));
    await w.run(w.schedule());
    await w.run(w.schedule(), 0n); // the whole log again, as after a lost checkpoint
    assert.deepEqual(
      w.jobs('digests').map((j) => [j.jobId, j.state, j.delayMs, j.data]),
      [
        ['dg-1', 'waiting', 60_000, { userId: 'ada', digestId: 'dg-1', windowEndsAt: iso(NOW + 60_000) }],
        ['dg-2', 'waiting', 0, { userId: 'ada', digestId: 'dg-2', windowEndsAt: iso(NOW - 5000) }],
      ],
    );
    assert.equal(await w.schedule().checkpoint(), w.log[w.log.length - 1]!.position);
  });

  it('a digest flushed early (full) has its job taken back; a window-end flush is counted and leaves its running job alone', async (t) => {
    const w = world(t);
    w.log.push(recorded('DigestOpened', opened('dg-3', 60_000)), recorded('DigestFlushed', flushed('dg-3', 'max_items')));
    await w.run(w.schedule());
    assert.deepEqual(w.jobs('digests').map((j) => [j.jobId, j.state]), [['dg-3', 'completed']]);
    assert.deepEqual(w.flushes, ['dg-3:max_items']);
  });
});

describe('dispatch projection: DigestFlushed -> the digest deliveries', () => {
  it('one job per delivery, named by the digest, rendered with the digest template and its items; deferred by quiet hours until their end', async (t) => {
    const w = world(t);
    w.log.push(recorded('DigestFlushed', flushed('dg-4', 'window_ended', NOW + 30_000)));
    await w.run(new DispatchProjection(w.queue, () => undefined, () => NOW));
    const [job] = w.jobs('email') as { jobId: string; delayMs: number; data: DeliveryJob }[];
    assert.equal(job!.jobId, 'dg-4.1');
    assert.equal(job!.delayMs, 30_000);
    assert.deepEqual(
      { ...job!.data },
      {
        notificationId: 'dg-4',
        deliveryId: 'dg-4.1',
        digestId: 'dg-4',
        userId: 'ada',
        category: 'orders',
        priority: 'normal',
        critical: false,
        channel: 'email',
        queue: 'email',
        target: { channel: 'email', email: 'ada@example.com' },
        content: { kind: 'template', templateId: 'orders-digest', version: null, params: { items: [item], count: 1, firstAt: item.at, lastAt: item.at } },
        sendAt: null,
        requestedAt: iso(NOW),
        correlationId: 'c1',
        appKey: null,
      },
    );
  });
});
