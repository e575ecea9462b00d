import { randomUUID } from 'node:crypto';
import { Script, json, listenHttps, readBody, sleep } from './fake-server.js';

export interface MailgunFailure {
  status: number;
  message?: string;
  retryAfterSeconds?: number;
}

export interface MailgunRequest {
  at: number;
  domain: string;
  from: string;
  to: string[];
  subject: string;
  text: string | undefined;
  html: string | undefined;
  messageId: string | undefined;
  tags: string[];
  variables: Record<string, string>;
  deliveryId: string | undefined;
  status: number;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** Mailgun's `POST /v3/:domain/messages` (multipart form, HTTP Basic api:key), as documented. */
export async function startMailgunFake(options: { apiKey: string; domain: string }) {
  const requests: MailgunRequest[] = [];
  const script = new Script<MailgunFailure>();
  const rejectedAddresses = new Set<string>();
  const server = await listenHttps(async (req, res) => {
    const raw = await readBody(req);
    const match = /^\/v3\/([^/]+)\/messages$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return json(res, 404, { message: 'not found' });
    if (req.headers.authorization !== `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`) {
      res.writeHead(401).end('Forbidden');
      return;
    }
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: raw }).formData();
    const all = (name: string) => form.getAll(name).map(String);
    const one = (name: string) => (form.has(name) ? String(form.get(name)) : undefined);
    const variables = Object.fromEntries([...form.keys()].filter((k) => k.startsWith('v:')).map((k) => [k.slice(2), String(form.get(k))]));
    const to = all('to').flatMap((t) => t.split(',').map((s) => s.trim()));
    const entry: MailgunRequest = {
      at: Date.now(), domain: match[1]!, from: one('from') ?? '', to, subject: one('subject') ?? '', text: one('text'), html: one('html'),
      messageId: one('h:Message-Id'), tags: all('o:tag'), variables, deliveryId: variables.deliveryId, status: 200,
    };
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      requests.push(entry);
      json(res, status, body, headers);
    };
    if (script.delayMs) await sleep(script.delayMs);
    if (match[1] !== options.domain) return answer(404, { message: `Domain not found: ${match[1]}` });
    if (!entry.from || to.length === 0 || entry.subject === undefined) return answer(400, { message: "'from' and 'to' parameters are required" });
    if (!to.every((t) => ADDRESS.test(t)) || to.some((t) => rejectedAddresses.has(t))) return answer(400, { message: 'to parameter is not a valid address. please check documentation' });
    const failure = script.pick({ path: req.url!, body: {} });
    if (failure) return answer(failure.status, { message: failure.message ?? 'error' }, failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : {});
    answer(200, { id: `<${Date.now()}.${randomUUID()}@${options.domain}>`, message: 'Queued. Thank you.' });
  });
  return { ...server, requests, rejectedAddresses, failNext: script.failNext.bind(script), failWhen: script.failWhen.bind(script), down: script.down.bind(script), up: script.up.bind(script), setDelay: script.setDelay.bind(script) };
}
