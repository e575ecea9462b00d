import { randomBytes } from 'node:crypto';
import { Script, json, listenHttps, readBody, sleep } from './fake-server.js';

export interface MailgunFailure {
  /** The HTTP status to answer (500 unless given). */
  status?: number;
  message?: string;
  retryAfterSeconds?: number;
  /** Or drop the connection without answering. */
  reset?: boolean;
  /** Or never answer: the request stays open until the client gives up (or the fake closes). */
  hang?: boolean;
}

/** How the whole fake misbehaves, switched at any moment by `fault(mode)`. */
export type MailgunFaultMode = 'healthy' | 'errors' | 'timeouts' | 'resets' | 'slow';
/** How slow `slow` is: every answer waits this long. */
export const SLOW_ANSWER_MS = 5000;

export interface MailgunRequest {
  at: number;
  domain: string;
  from: string;
  to: string[];
  subject: string;
  text: string | undefined;
  html: string | undefined;
  /** h:Message-Id */
  messageId: string | undefined;
  /** h:List-Unsubscribe and h:List-Unsubscribe-Post (RFC 2369, RFC 8058). */
  listUnsubscribe: string | undefined;
  listUnsubscribePost: string | undefined;
  tags: string[];
  /** The v: fields, without the prefix. */
  variables: Record<string, string>;
  deliveryId: string | undefined;
  /** The HTTP status answered; 0 until answered, and when the connection was dropped. */
  status: number;
  /** The id answered on success, `<...@domain>`. */
  id: string | undefined;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
/** `Name <addr>` or a bare address. */
const addressOf = (recipient: string) => /<([^>]*)>\s*$/.exec(recipient)?.[1] ?? recipient.trim();
const INVALID_TO = 'to parameter is not a valid address. please check documentation';

/** The multipart (or url-encoded) body as Mailgun reads it: repeated fields become lists. */
async function parseForm(raw: Buffer, contentType: string): Promise<Record<string, string | string[]>> {
  const form = await new Request('https://api.mailgun.net/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
  const fields: Record<string, string | string[]> = {};
  for (const name of new Set(form.keys())) {
    const values = form.getAll(name).map(String);
    fields[name] = values.length === 1 ? values[0]! : values;
  }
  return fields;
}

const list = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());
const one = (value: string | string[] | undefined) => list(value)[0];

/**
 * Mailgun's `POST /v3/:domain/messages` as documented: HTTP Basic `api:<key>`, a multipart form,
 * 401 'Forbidden', 404 for an unknown domain, 400 for a missing field or an invalid address.
 * Scripted failures come first (an outage does not check the key), then Mailgun's own checks.
 */
export async function startMailgunFake(options: { apiKey: string; domain: string }) {
  const requests: MailgunRequest[] = [];
  const script = new Script<MailgunFailure>();
  const rejectedAddresses = new Set<string>();
  const server = await listenHttps(async (req, res) => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'https://api.mailgun.net').pathname;
    const match = /^\/v3\/([^/]+)\/messages$/.exec(path);
    if (req.method !== 'POST' || !match) return json(res, 404, { message: 'Not Found' });
    const fields = await parseForm(raw, req.headers['content-type'] ?? '').catch(() => null);
    if (!fields) return json(res, 400, { message: 'invalid form body' });
    const variables = Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith('v:')).map(([k, v]) => [k.slice(2), one(v)!]));
    const record: MailgunRequest = {
      at: Date.now(), domain: decodeURIComponent(match[1]!), from: one(fields.from) ?? '', to: list(fields.to).flatMap((t) => t.split(',').map((s) => s.trim())),
      subject: one(fields.subject) ?? '', text: one(fields.text), html: one(fields.html), messageId: one(fields['h:Message-Id']),
      listUnsubscribe: one(fields['h:List-Unsubscribe']), listUnsubscribePost: one(fields['h:List-Unsubscribe-Post']),
      tags: list(fields['o:tag']), variables, deliveryId: variables.deliveryId, status: 0, id: undefined,
    };
    requests.push(record);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      json(res, status, body, headers);
    };

    if (script.delayMs) await sleep(script.delayMs);
    const failure = script.pick({ path, body: fields });
    if (failure?.reset) return void req.socket.destroy();
    if (failure?.hang) return;
    if (failure) {
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      return answer(failure.status ?? 500, { message: failure.message ?? 'Internal Server Error' }, headers);
    }
    if (req.headers.authorization !== `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`) {
      record.status = 401;
      res.writeHead(401, { 'content-type': 'text/plain' }).end('Forbidden');
      return;
    }
    if (record.domain !== options.domain) return answer(404, { message: `Domain not found: ${record.domain}` });
    for (const field of ['from', 'to', 'subject'] as const) if (!fields[field]) return answer(400, { message: `'${field}' parameter is missing` });
    if (record.text === undefined && record.html === undefined) return answer(400, { message: "Need at least one of 'text', 'html' or 'template' parameters specified" });
    if (!record.to.every((t) => ADDRESS.test(addressOf(t))) || record.to.some((t) => rejectedAddresses.has(addressOf(t)))) return answer(400, { message: INVALID_TO });

    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    record.id = `<${stamp}.1.${randomBytes(8).toString('hex').toUpperCase()}@${options.domain}>`;
    answer(200, { id: record.id, message: 'Queued. Thank you.' });
  });
  return {
    ...server,
    requests,
    rejectedAddresses,
    failNext: script.failNext.bind(script),
    failWhen: script.failWhen.bind(script),
    down: script.down.bind(script),
    up: script.up.bind(script),
    setDelay: script.setDelay.bind(script),
    /** One switch for the provider-faults scenario: 500s, no answer, dropped connections, or 5 s per answer. */
    fault(mode: MailgunFaultMode): void {
      script.setDelay(mode === 'slow' ? SLOW_ANSWER_MS : 0);
      if (mode === 'errors') script.down({ status: 500 });
      else if (mode === 'timeouts') script.down({ hang: true });
      else if (mode === 'resets') script.down({ reset: true });
      else script.up();
    },
  };
}
