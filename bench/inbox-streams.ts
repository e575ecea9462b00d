/**
 * Live in-app feed streams: `connections` Server-Sent Events streams held open on one API
 * process (embedded profile, 127.0.0.1), spread over `users` users (several tabs each); then one
 * notification to each of those users in a single /batch request, and after it a broadcast to
 * all users. Reports the process's resident memory before and with the streams, and for each
 * send the latency to each stream receiving its item: from the batch's 202 (every decision
 * durable), and from the broadcast's 202 (accepted: its members are decided after it, in the
 * fan-out). Run alone:
 *   node dist/bench/inbox-streams.js [connections] [users]
 */
import { request, type ClientRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { removeDir, startHerald } from './herald.js';
import { percentile, round, rssMbOf } from './stats.js';

interface Stream {
  req: ClientRequest;
  ready: boolean;
  /** When the awaited item arrived; null until it does (reset before each send). */
  itemAt: number | null;
  /** The end of the last chunk: an event name split across two chunks is still found. */
  tail: string;
}

function openStream(base: string, token: string, onReady: () => void, onItem: (s: Stream) => void): Stream {
  const stream: Stream = { req: null as unknown as ClientRequest, ready: false, itemAt: null, tail: '' };
  stream.req = request(`${base}/v1/inbox/stream?token=${encodeURIComponent(token)}`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    res.setEncoding("utf8");
    res.on('data', (chunk: string) => {
      const text = stream.tail + chunk;
      stream.tail = text.slice(-32);
      if (!stream.ready && text.includes('event: counts')) {
        stream.ready = true;
        onReady();
      }
      if (stream.itemAt === null && text.includes('event: item')) {
        stream.itemAt = performance.now();
        onItem(stream);
      }
    });
  });
  stream.req.on('error', () => undefined);
  stream.req.end();
  return stream;
}

export async function inboxStreams({ connections, users }: { connections: number; users: number }) {
  const perUser = Math.ceil(connections / users);
  const herald = await startHerald({ INBOX_MAX_STREAMS: String(connections + 100), INBOX_MAX_STREAMS_PER_USER: String(perUser), CLIENT_RATE_LIMIT: '1000000', RATE_LIMIT_INAPP: '1000/1h' });
  try {
    const headers = { authorization: herald.auth, 'content-type': 'application/json' };
    const ids = Array.from({ length: users }, (_, i) => `live-${i}`);
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      await Promise.all(chunk.map((id) => fetch(`${herald.url}/v1/users/${id}`, { method: 'PUT', headers, body: '{"locale":"en"}' })));
      tokens.push(...(await Promise.all(chunk.map(async (id) => ((await (await fetch(`${herald.url}/v1/users/${id}/inbox-token`, { method: 'POST', headers, body: '{}' })).json()) as { token: string }).token))));
    }
    const pid = herald.child.pid!;
    const rssBefore = rssMbOf(pid);

    // Opened a few hundred at a time, each waiting for its first counts: the server holds every one before the send.
    const streams: Stream[] = [];
    let ready = 0;
    let received = 0;
    let allReceived: () => void = () => undefined;
    const openedAt = performance.now();
    for (let i = 0; i < connections; i += 250) {
      const batch = Array.from({ length: Math.min(250, connections - i) }, (_, k) =>
        openStream(herald.url, tokens[(i + k) % users]!, () => ready++, () => ++received === connections && allReceived()),
      );
      streams.push(...batch);
      const target = streams.length;
      const deadline = Date.now() + 30_000;
      while (ready < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      if (ready < target) throw new Error(`only ${ready} of ${target} streams opened`);
    }
    const openSeconds = round((performance.now() - openedAt) / 1000, 1);
    await new Promise((r) => setTimeout(r, 1000));
    const rssWithStreams = rssMbOf(pid);

    /** Sends, then waits (at most a minute) for every stream's item: the latencies from the send's 202, sorted. */
    const everyStreamAfter = async (send: () => Promise<Response>, what: string) => {
      for (const s of streams) Object.assign(s, { itemAt: null, tail: '' });
      received = 0;
      const everyone = new Promise<void>((resolve) => (allReceived = resolve));
      const sentAt = performance.now();
      const res = await send();
      const acceptedAt = performance.now();
      if (res.status !== 202 && res.status !== 207 && res.status !== 200) throw new Error(`${what}: ${res.status} ${await res.text()}`);
      await Promise.race([everyone, new Promise((r) => setTimeout(r, 60_000))]);
      const latencies = streams.filter((s) => s.itemAt !== null).map((s) => s.itemAt! - acceptedAt).sort((a, b) => a - b);
      return {
        acceptMs: round(acceptedAt - sentAt),
        received: latencies.length,
        toBrowserMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies[latencies.length - 1] ?? NaN) },
      };
    };
    const batch = JSON.stringify({ notifications: ids.map((userId, n) => ({ userId, category: 'news', channels: ['inapp'], content: { title: `Live ${n}`, body: 'to every open tab' } })) });
    const viaBatch = await everyStreamAfter(() => fetch(`${herald.url}/v1/notifications/batch`, { method: 'POST', headers, body: batch }), 'batch');
    const broadcast = JSON.stringify({ audience: { all: true }, category: 'news', channels: ['inapp'], content: { title: 'Live to all', body: 'one broadcast to every open tab' } });
    const viaBroadcast = await everyStreamAfter(() => fetch(`${herald.url}/v1/broadcasts`, { method: 'POST', headers, body: broadcast }), 'broadcast');
    const rssAfter = rssMbOf(pid);
    for (const s of streams) s.req.destroy();
    return {
      connections,
      users,
      streamsPerUser: perUser,
      openSeconds,
      rssMb: { before: rssBefore, withStreams: rssWithStreams, afterSends: rssAfter },
      kbPerStream: round(((rssWithStreams - rssBefore) * 1024) / connections, 1),
      /** From the batch's 202: every decision was durable then. */
      batch: viaBatch,
      /** From the broadcast's 202: the fan-out decides its members after it. */
      broadcast: viaBroadcast,
    };
  } finally {
    await herald.stop();
    removeDir(herald.dataDir);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [connections = 10_000, users = 1_000] = process.argv.slice(2).map(Number);
  process.stdout.write(`${JSON.stringify(await inboxStreams({ connections, users }), null, 2)}\n`);
  process.exit(0);
}
