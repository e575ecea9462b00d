import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from './process.js';
import { eventually, tempDir } from './temp.js';

/**
 * A redis-server of the test's own (for tests that flush or kill it). The caller registers
 * `stop` with t.after once its clients are set up: after-hooks run in registration order, and
 * Redis must outlive the app that uses it.
 */
export async function ownRedis(t: TestContext) {
  const port = await freePort();
  const dir = tempDir(t);
  let child: ChildProcess;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await eventually(async () => {
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG' ? true : undefined;
      } finally {
        probe.disconnect();
      }
    }, 10_000, 'redis-server');
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  const command = async (...args: string[]) => {
    const client = new Redis(port, '127.0.0.1');
    try {
      return await client.call(args[0]!, ...args.slice(1));
    } finally {
      client.disconnect();
    }
  };
  return { url: `redis://127.0.0.1:${port}`, stop, start, command };
}
