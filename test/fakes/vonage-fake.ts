import { randomUUID } from 'node:crypto';
import { Script, basicAuth, json, listenHttps, readBody, sleep } from './fake-server.js';

export interface VonageFailure {
  /** A Vonage SMS status in a 200 answer, e.g. '1' throttled, '3' invalid parameters. */
  status?: string;
  errorText?: string;
  /** Or an HTTP error status instead. */
  httpStatus?: number;
  retryAfterSeconds?: number;
  /** Or drop the connection without answering. */
  reset?: boolean;
}

export interface VonageRequest {
  at: number;
  to: string;
  from: string;
  text: string;
  type: string;
  clientRef: string | undefined;
  /** The Vonage status answered ('0' accepted; '' when the answer was an HTTP error or none). */
  status: string;
  /** 0 until answered, and when the connection was dropped. */
  httpStatus: number;
  /** The message-id of each part accepted. */
  messageIds: string[];
}

/** https://developer.vonage.com/en/api-errors/sms */
const ERROR_TEXT: Record<string, string> = {
  '1': 'Throttled', '2': 'Missing Parameters', '3': 'Invalid Parameters', '4': 'Bad Credentials', '5': 'Internal Error', '6': 'Invalid Message',
  '7': 'Number Barred', '8': 'Partner Account Barred', '9': 'Partner Quota Violation', '10': 'Too Many Existing Binds', '12': 'Message Too Long',
  '14': 'Invalid Signature', '15': 'Invalid Sender Address', '22': 'Invalid Network Code', '29': 'Non-Whitelisted Destination', '33': 'Number De-activated',
};

/** How many parts Vonage splits a text into: 160 GSM-7 septets (153 per part of a long one), or 70 UTF-16 units (67). */
function partCount(text: string, type: string): number {
  const [single, each] = type === 'unicode' ? [70, 67] : [160, 153];
  const length = type === 'unicode' ? text.length : text.length + (text.match(/[\f^{}\\[~\]|€]/g)?.length ?? 0);
  return length <= single ? 1 : Math.ceil(length / each);
}

function parseBody(raw: string, contentType: string): Record<string, string> {
  const fields: Record<string, unknown> = contentType.includes('json') ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
}

/**
 * Vonage's SMS API (`POST /sms/json`) as documented: JSON or form-encoded, credentials as
 * api_key/api_secret fields or HTTP Basic, every outcome a 200 with a per-message status.
 * Scripted failures come first (an outage does not check credentials), then Vonage's own checks.
 */
export async function startVonageFake(options: { apiKey: string; apiSecret: string }) {
  const requests: VonageRequest[] = [];
  const script = new Script<VonageFailure>();
  const barredNumbers = new Set<string>();
  const server = await listenHttps(async (req, res) => {
    const raw = (await readBody(req)).toString('utf8');
    const path = new URL(req.url ?? '/', 'https://rest.nexmo.com').pathname;
    if (req.method !== 'POST' || path !== '/sms/json') return json(res, 404, { error: 'not found' });
    const body = parseBody(raw, req.headers['content-type'] ?? '');
    const [basicKey, basicSecret] = basicAuth(req.headers.authorization);
    const record: VonageRequest = { at: Date.now(), to: body.to ?? '', from: body.from ?? '', text: body.text ?? '', type: body.type ?? 'text', clientRef: body['client-ref'], status: '', httpStatus: 0, messageIds: [] };
    requests.push(record);
    const reject = (status: string, errorText = ERROR_TEXT[status] ?? 'Error') => {
      Object.assign(record, { status, httpStatus: 200 });
      json(res, 200, { 'message-count': '1', messages: [{ status, 'error-text': errorText }] });
    };

    if (script.delayMs) await sleep(script.delayMs);
    const failure = script.pick({ path, body });
    if (failure?.reset) return void req.socket.destroy();
    if (failure?.httpStatus) {
      record.httpStatus = failure.httpStatus;
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      return json(res, failure.httpStatus, { type: 'https://developer.vonage.com/api-errors', title: failure.errorText ?? 'Error' }, headers);
    }
    if (failure?.status) return reject(failure.status, failure.errorText);
    if ((body.api_key ?? basicKey) !== options.apiKey || (body.api_secret ?? basicSecret) !== options.apiSecret) return reject('4');
    if (!body.to || !body.from || !body.text) return reject('2');
    if (!/^\d{7,15}$/.test(body.to)) return reject('3');
    if (barredNumbers.has(body.to)) return reject('7');

    const messageIds = Array.from({ length: partCount(body.text, record.type) }, () => randomUUID());
    Object.assign(record, { status: '0', httpStatus: 200, messageIds });
    const message = { to: body.to, status: '0', 'remaining-balance': '10.0', 'message-price': '0.03', network: '23410', ...(record.clientRef ? { 'client-ref': record.clientRef } : {}) };
    json(res, 200, { 'message-count': String(messageIds.length), messages: messageIds.map((id) => ({ ...message, 'message-id': id })) });
  });
  return {
    ...server,
    requests,
    barredNumbers,
    failNext: script.failNext.bind(script),
    failWhen: script.failWhen.bind(script),
    down: script.down.bind(script),
    up: script.up.bind(script),
    setDelay: script.setDelay.bind(script),
  };
}
