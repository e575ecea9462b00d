// Refuses to go on when Herald could not listen on HOST:PORT (most often: a Herald already runs
// there), so `npm start` says so at once instead of after an install and a build. The defaults
// are the configuration's (src/config/herald-config.ts), which cannot be read before the build.
import { createServer } from 'node:net';
import process from 'node:process';

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 3000);
// A PORT that is not a port is left to the configuration, which names it.
if (Number.isInteger(port) && port >= 0 && port < 65536) {
  const server = createServer();
  server.once('error', (error) => {
    const why = error.code === 'EADDRINUSE' ? 'is already in use (is Herald running?): stop what listens there or set PORT' : `cannot be listened on (${error.code})`;
    process.stderr.write(`herald: ${host}:${port} ${why}\n`);
    process.exit(1);
  });
  server.listen(port, host, () => server.close());
}
