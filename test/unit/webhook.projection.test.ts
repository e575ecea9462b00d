import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENTS_STREAM, type ClientEvent } from '../../src/domain/client/client.js';
import type { EventStore, RecordedEvent } from '../../src/modules/event-store/event-store.port.js';
import type { EnqueueBatch, ProjectionCheckpoint, QueueBackend } from '../../src/modules/queues/queue.port.js';
import { WebhookProjection, type WebhookJob } from '../../src/projections/webhook.projection.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const DAY = 24 * 3600_000;

/** The log as a list; the queue as the jobs and checkpoint it was given (job ids deduplicate, as both backends do). */
function world(log: RecordedEvent[]) {
  const jobs = new Map<string, WebhookJob>();
  let checkpoint: bigint | null = null;
  const store = { readStream: async (name: string) => log.filter((e) => e.streamName === name) } as unknown as EventStore;
  const queues = {
    projectionCheckpoint: async () => checkpoint,
    enqueue: async (batches: EnqueueBatch[], commitCheckpoint?: ProjectionCheckpoint) => {
      for (const b of batches) for (const j of b.jobs) if (!jobs.has(j.jobId)) jobs.set(j.jobId, j.data as WebhookJob);
      if (commitCheckpoint) checkpoint = commitCheckpoint.position;
    },
  } as unknown as QueueBackend;
  const projection = () => new WebhookProjection(store, queues, DAY, () => undefined, () => NOW);
  /** Runs a projection over the log from its checkpoint, as the runner does. */
  const run = async (p = projection()) => {
    const from = await p.checkpoint();
    const events = log.filter((e) => e.position > from);
    if (events.length > 0) await p.commit(events, events[events.length - 1]!.position);
  };
  /** The queue backend lost its checkpoint (Redis flushed): the next run starts from the beginning. */
  const forgetCheckpoint = () => void (checkpoint = null);
  return { jobs, run, projection, forgetCheckpoint, checkpoint: () => checkpoint };
}

let position = 0n;
function recorded(streamName: string, type: string, data: unknown, metadata: Record<string, unknown> = {}, createdAt = NOW - 1000): RecordedEvent {
  position += 1n;
  return { id: `event-${position}`, streamName, type, revision: 0, position, data, metadata, createdAt: new Date(createdAt) };
}
const client = (e: ClientEvent) => recorded(CLIENTS_STREAM, e.type, e.data);
const registered = (appKey: string) =>
  client({ type: 'ClientRegistered', data: { appKey, name: appKey, scopes: ['notifications:send'], secret: { algorithm: 'scrypt', salt: '', hash: '', N: 1, r: 1, p: 1 }, rateLimitPerSecond: null, createdAt: '' } });
const webhook = (appKey: string, events: string[] = ['notification.sent', 'notification.opened']) =>
  client({ type: 'ClientWebhookSet', data: { appKey, url: `https://${appKey}.example.com/`, events: events as never, signingSecret: 's', setAt: '' } });
const sent = (notificationId: string, appKey?: string, createdAt?: number) =>
  recorded(`notification-${notificationId}`, 'NotificationSent', { notificationId, deliveryId: `${notificationId}-d`, channel: 'email' }, appKey ? { appKey, correlationId: `corr-${notificationId}` } : {}, createdAt);
const opened = (notificationId: string) => recorded(`notification-${notificationId}`, 'NotificationOpened', { notificationId, deliveryId: `${notificationId}-d`, channel: 'email', source: 'pixel', at: '' });

describe('webhook projection', () => {
  it('one job per outcome of a client with a webhook, keyed by the source event; none for other clients', async () => {
    const log = [registered('a'), registered('b'), webhook('a'), sent('n1', 'a'), sent('n2', 'b')];
    const { jobs, run } = world(log);
    await run();
    assert.deepEqual([...jobs.keys()], [`whd_${log[3]!.id}`]);
    const job = jobs.get(`whd_${log[3]!.id}`)!;
    assert.deepEqual({ appKey: job.appKey, event: job.event, correlationId: job.correlationId, attempt: job.attempt }, { appKey: 'a', event: 'notification.sent', correlationId: 'corr-n1', attempt: 1 });
    assert.equal(job.data.notificationId, 'n1');
  });

  it('follows the log order: outcomes before the webhook was set, or after it was removed, get none', async () => {
    const log = [registered('a'), sent('n1', 'a'), webhook('a'), sent('n2', 'a'), client({ type: 'ClientWebhookRemoved', data: { appKey: 'a', removedAt: '' } }), sent('n3', 'a')];
    const { jobs, run } = world(log);
    await run();
    assert.deepEqual([...jobs.values()].map((j) => j.data.notificationId), ['n2']);
  });

  it('an open carries no appKey: the requester is found on the notification’s earlier outcome; unsubscribed events are skipped', async () => {
    const log = [registered('a'), sent('n1', 'a'), webhook('a', ['notification.opened']), opened('n1')];
    const { jobs, run } = world(log);
    await run();
    assert.deepEqual([...jobs.values()].map((j) => [j.event, j.appKey]), [['notification.opened', 'a']]);
  });

  it('outcomes older than the maximum age are not sent (a refill of lost queues does not replay history)', async () => {
    const { jobs, run } = world([registered('a'), webhook('a'), sent('old', 'a', NOW - 2 * DAY), sent('new', 'a')]);
    await run();
    assert.deepEqual([...jobs.values()].map((j) => j.data.notificationId), ['new']);
  });

  it('batches that make no webhook move the checkpoint at most every 5 s; one that does, at once', async () => {
    const log = [registered('a'), webhook('a'), sent('n1', 'b')];
    const w = world(log);
    const projection = w.projection();
    await w.run(projection);
    assert.equal(w.checkpoint(), log[2]!.position, 'the first batch checkpoints');
    log.push(sent('n2', 'b'));
    await w.run(projection);
    assert.equal(w.checkpoint(), log[2]!.position, 'a second idle batch within 5 s does not');
    log.push(sent('n3', 'a'));
    await w.run(projection);
    assert.equal(w.checkpoint(), log[4]!.position);
    assert.equal(w.jobs.size, 1);
  });

  it('a restart from the checkpoint rebuilds the webhook settings of that point; a replay from the start derives the same job ids', async () => {
    const log = [registered('a'), webhook('a'), sent('n1', 'a')];
    const w = world(log);
    await w.run();
    log.push(sent('n2', 'a'));
    await w.run(w.projection());
    assert.equal(w.jobs.size, 2, 'the new instance knew a had a webhook before its first batch');
    const before = [...w.jobs.keys()];
    w.forgetCheckpoint();
    await w.run(w.projection());
    assert.deepEqual([...w.jobs.keys()], before, 'the same job ids: nothing new to send');
  });
});
