import { randomBytes } from 'node:crypto';
import { Script, basicAuth, json, listenHttps, readBody, sleep } from './fake-server.js';

export interface TwilioFailure {
  /** The HTTP status to answer (400 unless given), with Twilio's error JSON. */
  status?: number;
  /** Twilio's error code, e.g. 21211 invalid To, 20429 too many requests. */
  code?: number;
  message?: string;
  retryAfterSeconds?: number;
  /** Or drop the connection without answering. */
  reset?: boolean;
  /** Or never answer: the request stays open until the client gives up (or the fake closes). */
  hang?: boolean;
}

export interface TwilioRequest {
  at: number;
  /** The account in the path. */
  accountSid: string;
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
  statusCallback: string | undefined;
  /** The HTTP status answered; 0 until answered, and when the connection was dropped. */
  status: number;
  /** The error code answered, if any. */
  code: number | undefined;
  /** The message SID answered on success. */
  sid: string | undefined;
}

const E164 = /^\+[1-9]\d{6,14}$/;
/** Twilio's limit on Body: 1,600 characters. */
const MAX_BODY = 1600;

const twilioError = (status: number, code: number, message: string) => ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

/**
 * Twilio's Messages API as documented: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * HTTP Basic (account SID and auth token), a form-encoded body (To, From or
 * MessagingServiceSid, Body, StatusCallback), 201 with the message resource, and errors as
 * `{code, message, more_info, status}`. Scripted failures come first, then Twilio's own checks.
 */
export async function startTwilioFake(options: { accountSid: string; authToken: string }) {
  const requests: TwilioRequest[] = [];
  const script = new Script<TwilioFailure>();
  /** Recipients who replied STOP (21610) and numbers that are landlines (21614). */
  const unsubscribed = new Set<string>();
  const landlines = new Set<string>();
  const server = await listenHttps(async (req, res) => {
    const raw = (await readBody(req)).toString('utf8');
    const path = new URL(req.url ?? '/', 'https://api.twilio.com').pathname;
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (req.method !== 'POST' || !match) return json(res, 404, twilioError(404, 20404, 'The requested resource was not found'));
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return json(res, 400, twilioError(400, 20001, 'Unsupported content type'));
    const form = new URLSearchParams(raw);
    const field = (name: string) => form.get(name) ?? undefined;
    const record: TwilioRequest = {
      at: Date.now(), accountSid: match[1]!, to: field('To') ?? '', from: field('From'), messagingServiceSid: field('MessagingServiceSid'),
      body: field('Body') ?? '', statusCallback: field('StatusCallback'), status: 0, code: undefined, sid: undefined,
    };
    requests.push(record);
    const fail = (status: number, code: number, message: string, headers: Record<string, string> = {}) => {
      Object.assign(record, { status, code });
      json(res, status, twilioError(status, code, message), headers);
    };

    if (script.delayMs) await sleep(script.delayMs);
    const failure = script.pick({ path, body: Object.fromEntries(form) });
    if (failure?.reset) return void req.socket.destroy();
    if (failure?.hang) return;
    if (failure) {
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      const status = failure.status ?? 400;
      return fail(status, failure.code ?? (status === 429 ? 20429 : status >= 500 ? 20500 : 21211), failure.message ?? 'Scripted failure', headers);
    }
    const [sid, token] = basicAuth(req.headers.authorization);
    if (sid !== options.accountSid || token !== options.authToken) return fail(401, 20003, 'Authenticate');
    if (record.accountSid !== sid) return fail(403, 20003, 'Authenticated account does not match the account in the URL');
    if (!record.to) return fail(400, 21604, "A 'To' phone number is required.");
    if (!record.from && !record.messagingServiceSid) return fail(400, 21603, "A 'From' phone number is required.");
    if (!record.body) return fail(400, 21602, 'Message body is required.');
    if (record.body.length > MAX_BODY) return fail(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (!E164.test(record.to)) return fail(400, 21211, `The 'To' number ${record.to} is not a valid phone number.`);
    if (unsubscribed.has(record.to)) return fail(400, 21610, 'Attempt to send to unsubscribed recipient');
    if (landlines.has(record.to)) return fail(400, 21614, `'To' number ${record.to} is not a valid mobile number`);

    record.sid = `SM${randomBytes(16).toString('hex')}`;
    record.status = 201;
    const now = new Date().toUTCString();
    json(res, 201, {
      sid: record.sid, account_sid: record.accountSid, to: record.to, from: record.from ?? null, messaging_service_sid: record.messagingServiceSid ?? null,
      body: record.body, status: record.messagingServiceSid ? 'accepted' : 'queued', num_segments: String(Math.ceil(record.body.length / 153) || 1),
      direction: 'outbound-api', api_version: '2010-04-01', price: null, price_unit: 'USD', error_code: null, error_message: null,
      date_created: now, date_updated: now, date_sent: null, uri: `/2010-04-01/Accounts/${record.accountSid}/Messages/${record.sid}.json`, subresource_uris: {},
    });
  });
  return {
    ...server,
    requests,
    unsubscribed,
    landlines,
    failNext: script.failNext.bind(script),
    failWhen: script.failWhen.bind(script),
    down: script.down.bind(script),
    up: script.up.bind(script),
    setDelay: script.setDelay.bind(script),
  };
}
