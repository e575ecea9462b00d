import { loadConfig } from './config/herald-config.js';
import { createApp } from './bootstrap.js';

const config = loadConfig();
const app = await createApp(config);
// On SIGTERM/SIGINT Nest closes the app: workers finish their in-flight provider calls and
// record them, projections checkpoint. Past the grace period the process exits regardless.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => setTimeout(() => process.exit(1), config.shutdownGraceMs).unref());
}
await app.listen(config.port, config.host);
