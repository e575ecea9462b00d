/** A bare Fastify JSON endpoint: the HTTP ceiling Herald's API is compared with. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/ping', async (request) => ({ ok: true, echo: request.body }));
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
