import { loadConfig } from './config/herald-config.js';
import { createApp } from './bootstrap.js';

const config = loadConfig();
const app = await createApp(config);
await app.listen(config.port, config.host);
