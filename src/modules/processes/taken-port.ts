import { createServer } from 'node:net';

/**
 * The first of the ports that cannot be listened on, and why. The split children listen on
 * the ports after PORT; one of them taken would have its child fail and be restarted forever,
 * so the API process checks them all before it starts anything.
 */
export async function firstTakenPort(host: string, ports: number[]): Promise<{ port: number; code: string } | null> {
  for (const port of ports) {
    const code = await new Promise<string | null>((resolve) => {
      const server = createServer();
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      server.listen(port, host, () => server.close(() => resolve(null)));
    });
    if (code) return { port, code };
  }
  return null;
}
