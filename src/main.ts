import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from './config/herald-config.js';
import { createApp } from './bootstrap.js';
import { ChildProcesses, SUPERVISED_ENV } from './modules/processes/child-processes.js';
import { firstTakenPort } from './modules/processes/taken-port.js';

const config = loadConfigOrExit();
// Before anything starts, like a configuration error: a child's port taken would otherwise have that child fail and be restarted forever.
const takenChildPort = await firstTakenPort(config.host, config.children.map((c) => c.port));
if (takenChildPort) {
  const child = config.children.find((c) => c.port === takenChildPort.port)!;
  const ports = `${config.port}-${config.port + config.children.length}`;
  process.stderr.write(
    `herald: cannot start the ${child.name} process on ${config.host}:${takenChildPort.port} (${takenChildPort.code}): HERALD_PROCESSES=split uses the ports after PORT; free them or set PORT so that ${ports} are free\n`,
  );
  process.exit(1);
}
const app = await createApp(config);
const logger = new Logger('Herald');
// On SIGTERM/SIGINT Nest closes the app: workers finish their in-flight provider calls and
// record them, projections checkpoint. Past the grace period the process exits regardless.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.log({ msg: 'shutting down: in-flight work finishes and is recorded first', signal, graceMs: config.shutdownGraceMs });
    setTimeout(() => {
      logger.warn({ msg: 'shutdown grace period over: exiting before the shutdown finished', graceMs: config.shutdownGraceMs });
      process.exit(1);
    }, config.shutdownGraceMs).unref();
  });
}
if (process.env[SUPERVISED_ENV] && process.channel) {
  // A child of HERALD_PROCESSES=split: its parent gone (even by SIGKILL), it shuts down as on SIGTERM.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
try {
  await app.listen(config.port, config.host);
} catch (error) {
  // A taken or forbidden address is the operator's to fix: say which, without a stack trace.
  const code = (error as { code?: string }).code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
  logger.error({ msg: `cannot listen on ${config.host}:${config.port} (${code}): ${code === 'EADDRINUSE' ? 'another process has that port; set PORT (or HOST) to a free one' : 'set HOST and PORT to an address this process may use'}`, code });
  await app.close().catch(() => undefined);
  process.exit(1);
}
const url = await app.getUrl();
logger.log({ msg: `listening on ${url} (API docs: ${url}/docs)`, url, docs: `${url}/docs`, roles: [...config.roles] });
app.get(ChildProcesses).start();
