import { randomUUID } from 'node:crypto';
import { Script, json, listenHttps, readBody, sleep } from './fake-server.js';

export interface VonageFailure {
  /** A Vonage SMS status code in a 200 answer, e.g. '1' throttled, '3' invalid parameters. */
  status?: string;
  errorText?: string;
  /** Or an HTTP error status instead. */
  httpStatus?: number;
  retryAfterSeconds?: number;
}

export interface VonageRequest {
  at: number;
  to: string;
  from: string;
  text: string;
  type: string;
  clientRef: string | undefined;
  /** The Vonage status answered ('0' = accepted). */
  status: string;
  httpStatus: number;
}

const ERROR_TEXT: Record<string, string> = { '1': 'Throttled', '3': 'Invalid Parameters', '4': 'Bad Credentials', '5': 'Internal Error', '7': 'Number Barred', '29': 'Non-Whitelisted Destination' };

/** Vonage's SMS API (`POST /sms/json`), as documented, including its status codes. */
export async function startVonageFake(options: { apiKey: string; apiSecret: string }) {
  const requests: VonageRequest[] = [];
  const script = new Script<VonageFailure>();
  const barredNumbers = new Set<string>();
  const server = await listenHttps(async (req, res) => {
    const raw = (await readBody(req)).toString('utf8');
    if (req.method !== 'POST' || !req.url?.startsWith('/sms/json')) return json(res, 404, { error: 'not found' });
    const body: Record<string, string> = (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
    const basic = (req.headers.authorization ?? '').startsWith('Basic ') ? Buffer.from(req.headers.authorization!.slice(6), 'base64').toString().split(':') : [];
    const key = body.api_key ?? basic[0];
    const secret = body.api_secret ?? basic[1];
    const record = (status: string, httpStatus: number) =>
      requests.push({ at: Date.now(), to: body.to ?? '', from: body.from ?? '', text: body.text ?? '', type: body.type ?? 'text', clientRef: body['client-ref'], status, httpStatus });
    const reject = (status: string, errorText = ERROR_TEXT[status] ?? 'Error') => {
      record(status, 200);
      json(res, 200, { 'message-count': '1', messages: [{ status, 'error-text': errorText }] });
    };
    if (script.delayMs) await sleep(script.delayMs);
    if (key !== options.apiKey || secret !== options.apiSecret) return reject('4');
    if (!/^\d{7,15}$/.test(body.to ?? '') || !body.from || !body.text) return reject('3');
    if (barredNumbers.has(body.to!)) return reject('7');
    const failure = script.pick({ path: req.url, body });
    if (failure?.httpStatus) {
      record('', failure.httpStatus);
      return json(res, failure.httpStatus, { type: 'https://developer.vonage.com/api-errors', title: 'error' }, failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : {});
    }
    if (failure?.status) return reject(failure.status, failure.errorText);
    record('0', 200);
    json(res, 200, {
      'message-count': '1',
      messages: [{ to: body.to, 'message-id': randomUUID(), status: '0', 'remaining-balance': '10.0', 'message-price': '0.03', network: '23410', ...(body['client-ref'] ? { 'client-ref': body['client-ref'] } : {}) }],
    });
  });
  return { ...server, requests, barredNumbers, failNext: script.failNext.bind(script), failWhen: script.failWhen.bind(script), down: script.down.bind(script), up: script.up.bind(script), setDelay: script.setDelay.bind(script) };
}
