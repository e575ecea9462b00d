import { simpleParser, type AddressObject } from 'mailparser';
import { randomBytes } from 'node:crypto';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { Script, readBody, sleep } from './fake-server.js';
import { testTls } from './tls.js';

/** Where in the SMTP exchange a scripted failure answers. */
export type SmtpStage = 'mail' | 'rcpt' | 'data';

export interface SmtpFailure {
  /** The reply code, e.g. 421, 450, 451, 452 (transient), 550, 552, 554 (permanent). */
  code: number;
  message?: string;
  /** Default `data`: the reply to the end of the message. */
  stage?: SmtpStage;
  /** Or never answer at that stage. */
  hang?: boolean;
}

export interface SmtpMessage {
  at: number;
  /** The authenticated user, if any. */
  user: string | undefined;
  /** Whether the session ran over TLS (implicit or STARTTLS). */
  secure: boolean;
  envelope: { from: string; to: string[] };
  /** Headers as mailparser reads them, lower-case names. */
  headers: Record<string, string>;
  /** Each header's value as sent (lower-case names), before mailparser structures it (List-Unsubscribe, for one). */
  rawHeaders: Record<string, string>;
  messageId: string | undefined;
  from: string | undefined;
  to: string[];
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  /** The reply code given to the end of DATA; 0 until then (or when the exchange stopped earlier). */
  status: number;
  /** The queue id answered with 250. */
  queueId: string | undefined;
}

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  [value ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));

const reply = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * A real SMTP server (smtp-server) with the test certificate: implicit TLS (`secure`) or STARTTLS,
 * AUTH PLAIN/LOGIN required (and refused before TLS), each message parsed with mailparser.
 * Scripted failures (consumed per message, at MAIL FROM) answer at the stage they name.
 */
export async function startSmtpFake(options: { user: string; password: string; secure: boolean; offerStartTls?: boolean }) {
  const tls = testTls();
  const messages: SmtpMessage[] = [];
  const script = new Script<SmtpFailure>();
  const rejectedRecipients = new Set<string>();
  /** Every SMTP session opened, by id: pooled clients reuse theirs. */
  const sessions = new Set<string>();
  /** The failure picked for each session's current message. */
  const pending = new Map<string, SmtpFailure | undefined>();
  const failAt = async (stage: SmtpStage, session: SMTPServerSession, callback: (err?: Error | null) => void): Promise<boolean> => {
    const failure = pending.get(session.id);
    if (!failure || (failure.stage ?? 'data') !== stage) return false;
    pending.delete(session.id);
    if (failure.hang) return true;
    if (script.delayMs) await sleep(script.delayMs);
    callback(reply(failure.code, failure.message ?? 'Scripted failure'));
    return true;
  };

  const server = new SMTPServer({
    secure: options.secure,
    key: tls.key,
    cert: tls.cert,
    // A server without STARTTLS at all: it neither offers the command nor takes it.
    ...(options.offerStartTls === false ? { hideSTARTTLS: true, disabledCommands: ['STARTTLS'] } : {}),
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 200,
    onConnect(session, callback) {
      sessions.add(session.id);
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) return callback(null, { user: auth.username });
      callback(reply(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom(address, session, callback) {
      pending.set(session.id, script.pick({ path: 'mail', body: { from: address.address } }));
      void failAt('mail', session, callback).then((failed) => failed || callback());
    },
    onRcptTo(address, session, callback) {
      void failAt('rcpt', session, callback).then((failed) => {
        if (failed) return;
        if (rejectedRecipients.has(address.address)) return callback(reply(550, '5.1.1 The email account that you tried to reach does not exist'));
        callback();
      });
    },
    onData(stream, session, callback) {
      void (async () => {
        const raw = await readBody(stream);
        const parsed = await simpleParser(raw);
        const record: SmtpMessage = {
          at: Date.now(), user: session.user, secure: session.secure,
          envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
          headers: Object.fromEntries([...parsed.headers].map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)])),
          rawHeaders: Object.fromEntries(parsed.headerLines.map(({ key, line }) => [key, line.slice(line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim()])),
          messageId: parsed.messageId, from: parsed.from?.value[0]?.address, to: addresses(parsed.to), subject: parsed.subject,
          text: parsed.text?.trimEnd(), html: parsed.html || undefined, status: 0, queueId: undefined,
        };
        messages.push(record);
        if (await failAt('data', session, (err) => {
          record.status = (err as Error & { responseCode: number }).responseCode;
          callback(err);
        })) return;
        if (script.delayMs) await sleep(script.delayMs);
        record.queueId = randomBytes(6).toString('hex').toUpperCase();
        record.status = 250;
        callback(null, `2.0.0 Ok: queued as ${record.queueId}`);
      })().catch((error: Error) => callback(reply(451, `4.3.0 ${error.message}`)));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    host: '127.0.0.1',
    port,
    messages,
    sessions,
    rejectedRecipients,
    failNext: script.failNext.bind(script),
    failWhen: script.failWhen.bind(script),
    down: script.down.bind(script),
    up: script.up.bind(script),
    setDelay: script.setDelay.bind(script),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
