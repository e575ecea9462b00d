import { createServer } from 'node:http';
import type { TestContext } from 'node:test';

export interface ReceivedAlert {
  kind: string;
  key: string;
  details: Record<string, unknown>;
  repeatsSinceLastAlert: number;
  /** When the sink received it. */
  receivedAt: number;
}

/** A local HTTP server standing in for ALERT_WEBHOOK_URL: records every alert Herald posts. */
export async function startAlertSink(t: TestContext): Promise<{ url: string; alerts: ReceivedAlert[] }> {
  const alerts: ReceivedAlert[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      alerts.push({ ...JSON.parse(text), receivedAt: Date.now() });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/alerts`, alerts };
}
