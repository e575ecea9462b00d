import { createECDH } from 'node:crypto';
import { resolve } from 'node:path';
import { MAX_DIGEST_ITEMS, type DigestPolicy } from '../domain/recipient/digest.js';
import type { CategoryPolicy, RecipientPolicy } from '../domain/recipient/policy.js';
import { quietHoursProblems, type QuietHours } from '../domain/recipient/quiet-hours.js';
import { isTimeZone } from '../domain/recipient/wall-clock.js';
import { CHANNELS, CONTACT_CHANNELS, EMAIL, base64urlByteLength, isEmail, type Channel } from '../domain/recipient/values.js';
import { isWebOrigin } from '../domain/client/web-origin.js';
import { parseDuration, parseRate } from './duration.js';
import { ConfigError, EnvReader, type Env } from './env-reader.js';
import { processPlan, type ChildProcessSpec } from './process-plan.js';
import { ROLES, type Role } from './roles.js';

export const HERALD_CONFIG = Symbol('HeraldConfig');

export { ROLES, type Role } from './roles.js';
export { ConfigError, type ConfigIssue } from './env-reader.js';

export interface ChannelSettings {
  concurrency: number;
  /** Provider calls started per second (0: unlimited). */
  ratePerSecond: number;
  maxAttempts: number;
}

/** The providers each channel can use, by the names SMS_PROVIDERS and EMAIL_PROVIDERS take. */
export const SMS_PROVIDERS = ['vonage', 'twilio'] as const;
export const EMAIL_PROVIDERS = ['mailgun', 'smtp'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];
export type EmailProviderName = (typeof EMAIL_PROVIDERS)[number];

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** Exactly one of a sender (number or alphanumeric id) and a Messaging Service. */
  from: string | null;
  messagingServiceSid: string | null;
  apiUrl: string;
  statusCallbackUrl: string | null;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (usually port 465); otherwise STARTTLS. */
  secure: boolean;
  /** Without implicit TLS: refuse a server that does not offer STARTTLS. */
  requireTls: boolean;
  auth: { user: string; password: string } | null;
  from: string;
  /** The From address's domain: Message-Ids are `<delivery id@domain>`. */
  messageIdDomain: string;
  maxConnections: number;
}

export interface ProviderSettings {
  apns: { teamId: string; keyId: string; signingKey: string; topic: string; endpoint: string } | null;
  fcm: { serviceAccount: { project_id: string; client_email: string; private_key: string }; endpoint: string; tokenUrl: string } | null;
  vonage: { apiKey: string; apiSecret: string; from: string; restUrl: string } | null;
  mailgun: { apiKey: string; domain: string; from: string; url: string } | null;
  twilio: TwilioSettings | null;
  smtp: SmtpSettings | null;
  /** VAPID (RFC 8292): the application server's key pair, base64url, and its contact. */
  webpush: { publicKey: string; privateKey: string; subject: string } | null;
  /**
   * Each channel's providers, in order of preference, all configured; the first one sends.
   * Empty: the channel uses the sandbox.
   */
  chains: { sms: SmsProviderName[]; email: EmailProviderName[] };
  timeoutMs: number;
  /** Whether a call that got no answer (it may have been delivered) goes to the next provider of the chain at once. */
  failoverAfterTimeout: boolean;
}

/** The signature methods a Vonage account can sign its webhooks with (its dashboard's names: MD5 hash, MD5/SHA-1/SHA-256/SHA-512 HMAC). */
export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type VonageSignatureMethod = (typeof VONAGE_SIGNATURE_METHODS)[number];

/** The inbound-SMS webhook: null (not configured) leaves it answering 404. */
export interface InboundSmsSettings {
  vonage: { signatureSecret: string; signatureMethod: VonageSignatureMethod } | null;
}

export interface WebhookSettings {
  /** Webhook calls in flight per worker process. */
  concurrency: number;
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Outcomes older than this are not turned into webhooks (a refill of lost queues does not replay history). */
  maxEventAgeMs: number;
}

export interface HeraldConfig {
  /** The roles this process runs itself. */
  roles: Set<Role>;
  /** Processes this one starts and supervises (HERALD_PROCESSES=split). */
  children: ChildProcessSpec[];
  /** leaseMs: how long a job stays with a worker that stopped renewing it (a killed worker's job then runs again). */
  queue: ({ kind: 'sqlite'; file: string } | { kind: 'bullmq'; redisUrl: string; prefix: string }) & { leaseMs: number };
  channels: Record<'apns' | 'fcm' | 'webpush' | 'sms' | 'email' | 'inapp', ChannelSettings>;
  retry: { baseDelayMs: number; maxDelayMs: number };
  breaker: { failureRate: number; minimumCalls: number; windowMs: number; openMs: number };
  providers: ProviderSettings;
  alerts: { webhookUrl: string | null; dedupWindowMs: number };
  queueAlerts: { maxDepth: number; maxAgeMs: number; intervalMs: number };
  /** The fan-out: members per page, decided at once, when a broadcast counts as stalled, and the bulk lanes' workers. */
  broadcasts: { pageSize: number; parallel: number; stallAfterMs: number; laneConcurrency: number; maxLoopDelayMs: number };
  webhooks: WebhookSettings;
  inboundSms: InboundSmsSettings;
  host: string;
  port: number;
  dataDir: string;
  eventStore:
    | { kind: 'sqlite'; file: string; synchronous: 'FULL' | 'NORMAL'; busyTimeoutMs: number }
    | { kind: 'eventstoredb'; url: string }
    | { kind: 'postgres'; url: string; schema: string };
  readModels: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };
  /** How many of the newest sandbox outbox entries are kept. */
  sandboxOutboxSize: number;
  policy: RecipientPolicy;
  actors: { maxActors: number; idleMs: number };
  http: { bodyLimitBytes: number; clientRateLimitPerSecond: number; trustProxy: boolean; clientSecretGraceMs: number };
  /** The operator console: how long a sign-in lasts. */
  console: { sessionTtlMs: number };
  bootstrapAdmin: boolean;
  tracking: TrackingSettings;
  shutdownGraceMs: number;
  /** How long a dead projector or dispatcher keeps its lease before a standby takes over. */
  projectionLeaseMs: number;
  logLevel: string;
  /** One info line per answered request. */
  accessLog: boolean;
  inbox: InboxSettings;
}

/** The subscriber API browsers use for the in-app feed. */
export interface InboxSettings {
  /** Origins whose pages may call it (CORS), e.g. https://app.example.com; `*` for any. Empty: same origin only. */
  corsOrigins: string[];
  /** How long a minted subscriber token lasts unless the request asks for less. */
  tokenTtlMs: number;
  /** The longest a request may ask for. */
  maxTokenTtlMs: number;
  /** How often the live stream checks the feed for changes. */
  pollMs: number;
  /** How often an idle stream sends a comment, so proxies keep it open. */
  heartbeatMs: number;
  /** Open streams this process holds at most; one more is 503. */
  maxStreams: number;
  /** Open streams of one user at most (tabs, devices); one more is 429. */
  maxStreamsPerUser: number;
}

export interface TrackingSettings {
  /** Rewrite email links and add an open pixel. */
  email: boolean;
  /** The signing key for tracking links; null: generated once and kept in DATA_DIR. */
  secret: string | null;
  /** Earlier signing keys: links signed with them still verify, so keys can rotate. */
  previousSecrets: string[];
  /** Where recipients reach Herald's /t/ and /u/ routes, without a trailing slash. */
  publicBaseUrl: string;
  /** A mailbox offered in List-Unsubscribe besides the one-click URL; null: the URL only. */
  unsubscribeMailto: string | null;
}

const HTTP = ['http', 'https'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const CATEGORY_SETTINGS = ['critical', ...CHANNELS, 'quietHours', 'timezone', 'digest'];
const DIGEST_SETTINGS = ['window', 'channels', 'template', 'maxItems'];

/** A category's `digest` setting: {"window": "1h", "channels": ["email"], "template": "daily-orders", "maxItems": 50}. */
function digestPolicy(read: EnvReader, category: string, value: unknown): DigestPolicy | undefined {
  const name = `${category}.digest`;
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    read.report('CATEGORY_POLICIES', `${name}: must be an object like {"window": "1h", "channels": ["email"], "template": "daily-digest"}`);
    return undefined;
  }
  const d = value as Record<string, unknown>;
  for (const key of Object.keys(d)) if (!DIGEST_SETTINGS.includes(key)) problems.push(`${name}.${key}: unknown setting (known: ${DIGEST_SETTINGS.join(', ')})`);
  const windowMs = typeof d.window === 'string' ? parseDuration(d.window) : undefined;
  if (windowMs === undefined || windowMs < 1000) problems.push(`${name}.window: ${JSON.stringify(d.window)} is not a duration of 1s or more like "1h" or "30m"`);
  const channels = Array.isArray(d.channels) ? d.channels : [];
  // The in-app feed lists each item itself: a digest collects the channels that interrupt.
  if (!Array.isArray(d.channels) || channels.length === 0) problems.push(`${name}.channels: must be a non-empty list of channels (${CONTACT_CHANNELS.join(', ')})`);
  for (const c of channels) if (!(CONTACT_CHANNELS as readonly unknown[]).includes(c)) problems.push(`${name}.channels: ${JSON.stringify(c)} is not a channel (${CONTACT_CHANNELS.join(', ')})`);
  if (typeof d.template !== 'string' || d.template.trim() === '') problems.push(`${name}.template: a digest needs the id of the template it is rendered with`);
  if (d.maxItems !== undefined && !(Number.isInteger(d.maxItems) && (d.maxItems as number) >= 1 && (d.maxItems as number) <= MAX_DIGEST_ITEMS)) {
    problems.push(`${name}.maxItems: ${JSON.stringify(d.maxItems)} is not a whole number from 1 to ${MAX_DIGEST_ITEMS}`);
  }
  for (const p of problems) read.report('CATEGORY_POLICIES', p);
  if (problems.length > 0) return undefined;
  return { windowMs: windowMs!, channels: [...new Set(channels as Channel[])], templateId: d.template as string, ...(d.maxItems !== undefined ? { maxItems: d.maxItems as number } : {}) };
}

/**
 * CATEGORY_POLICIES is JSON: {"security": {"critical": true}, "marketing": {"push": "2/1d"}}.
 * A misspelt setting would otherwise be ignored without a word, so every key is checked.
 */
function categoryPolicies(read: EnvReader): Record<string, CategoryPolicy> {
  const raw = read.string('CATEGORY_POLICIES');
  const out: Record<string, CategoryPolicy> = Object.create(null);
  if (raw === undefined) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    read.report('CATEGORY_POLICIES', `not valid JSON (${(error as Error).message})`);
    return out;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) {
    read.report('CATEGORY_POLICIES', 'not a JSON object of categories, like {"security": {"critical": true}, "marketing": {"push": "2/1d"}}');
    return out;
  }
  for (const [category, value] of Object.entries(parsed)) {
    if (!isObject(value)) {
      read.report('CATEGORY_POLICIES', `${category}: must be an object of settings (${CATEGORY_SETTINGS.join(', ')})`);
      continue;
    }
    const policy: CategoryPolicy = { critical: false, rateLimits: {} };
    for (const [key, setting] of Object.entries(value)) {
      if (key === 'critical') {
        if (typeof setting === 'boolean') policy.critical = setting;
        else read.report('CATEGORY_POLICIES', `${category}.critical: ${JSON.stringify(setting)} is not true or false`);
      } else if (key === 'quietHours') {
        const problems = quietHoursProblems(setting, `${category}.quietHours`);
        for (const p of problems) read.report('CATEGORY_POLICIES', `${p.field}: ${p.message}`);
        if (problems.length === 0) policy.quietHours = setting as QuietHours;
      } else if (key === 'digest') {
        const digest = digestPolicy(read, category, setting);
        if (digest) policy.digest = digest;
      } else if (key === 'timezone') {
        if (typeof setting === 'string' && isTimeZone(setting)) policy.timezone = setting;
        else read.report('CATEGORY_POLICIES', `${category}.timezone: ${JSON.stringify(setting)} is not an IANA time zone like Europe/London`);
      } else if ((CHANNELS as readonly string[]).includes(key)) {
        const rate = typeof setting === 'string' ? parseRate(setting) : undefined;
        if (rate) policy.rateLimits![key as (typeof CHANNELS)[number]] = rate;
        else read.report('CATEGORY_POLICIES', `${category}.${key}: ${JSON.stringify(setting)} is not a rate like "20/1h"`);
      } else {
        read.report('CATEGORY_POLICIES', `${category}.${key}: unknown setting (known: ${CATEGORY_SETTINGS.join(', ')})`);
      }
    }
    if (policy.critical && policy.quietHours) read.report('CATEGORY_POLICIES', `${category}.quietHours: a critical category is never held back by quiet hours`);
    if (policy.critical && value.digest !== undefined) read.report('CATEGORY_POLICIES', `${category}.digest: a critical category is never held back in a digest`);
    out[category] = policy;
  }
  return out;
}

function timezone(read: EnvReader, name: string, fallback: string): string {
  const raw = read.string(name, fallback);
  if (isTimeZone(raw)) return raw;
  read.report(name, `"${raw}" is not an IANA time zone like Europe/London (or UTC)`);
  return fallback;
}

/** A provider is configured when all its credentials are; partly configured is an error. */
function provider<T>(read: EnvReader, name: string, values: Record<string, string | undefined>, build: (v: Record<string, string>) => T): T | null {
  const missing = Object.entries(values).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length === Object.keys(values).length) return null;
  if (missing.length > 0) {
    for (const variable of missing) read.report(variable, `not set, but ${name} is partly configured: set all of ${Object.keys(values).join(', ')}, or none of them for the sandbox`);
    return null;
  }
  return build(values as Record<string, string>);
}

function serviceAccount(read: EnvReader): { project_id: string; client_email: string; private_key: string } | undefined {
  const account = read.secret('FCM_SERVICE_ACCOUNT');
  if (account === undefined) return undefined;
  const variable = read.string('FCM_SERVICE_ACCOUNT_FILE') ? 'FCM_SERVICE_ACCOUNT_FILE' : 'FCM_SERVICE_ACCOUNT';
  let parsed: unknown;
  try {
    parsed = JSON.parse(account);
  } catch {
    read.report(variable, 'not a service-account JSON document');
    return undefined;
  }
  const fields = ['project_id', 'client_email', 'private_key'] as const;
  const missing = fields.filter((f) => typeof (parsed as Record<string, unknown> | null)?.[f] !== 'string');
  if (missing.length > 0) {
    read.report(variable, `not a service-account JSON document: it lacks ${missing.join(', ')}`);
    return undefined;
  }
  return parsed as { project_id: string; client_email: string; private_key: string };
}

/** The variable a secret was read from: NAME, or NAME_FILE when that is set. */
const secretVariable = (read: EnvReader, name: string): string => (read.string(`${name}_FILE`) ? `${name}_FILE` : name);

function twilio(read: EnvReader): TwilioSettings | null {
  const from = read.string('TWILIO_FROM');
  const service = read.string('TWILIO_MESSAGING_SERVICE_SID');
  const credentials = { TWILIO_ACCOUNT_SID: read.string('TWILIO_ACCOUNT_SID'), TWILIO_AUTH_TOKEN: read.secret('TWILIO_AUTH_TOKEN'), 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID': from ?? service };
  return provider(read, 'Twilio', credentials, (v) => {
    if (!/^AC[0-9a-fA-F]{32}$/.test(v.TWILIO_ACCOUNT_SID!)) read.report('TWILIO_ACCOUNT_SID', 'an account SID is AC followed by 32 hexadecimal digits');
    if (from && service) read.report('TWILIO_MESSAGING_SERVICE_SID', 'set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, not both');
    else if (service && !/^MG[0-9a-fA-F]{32}$/.test(service)) read.report('TWILIO_MESSAGING_SERVICE_SID', 'a Messaging Service SID is MG followed by 32 hexadecimal digits');
    return {
      accountSid: v.TWILIO_ACCOUNT_SID!,
      authToken: v.TWILIO_AUTH_TOKEN!,
      from: from ?? null,
      messagingServiceSid: from ? null : (service ?? null),
      apiUrl: read.url('TWILIO_API_URL', ['https'], { fallback: 'https://api.twilio.com' })!,
      statusCallbackUrl: read.url('TWILIO_STATUS_CALLBACK_URL', ['https']) ?? null,
    };
  });
}

/** SMTP_URL=smtps://user:password@host:465 (or smtp://... for STARTTLS), or the same in separate variables. */
function smtp(read: EnvReader): SmtpSettings | null {
  const rawUrl = read.secret('SMTP_URL')?.trim() || undefined;
  const url = rawUrl && URL.canParse(rawUrl) && ['smtp:', 'smtps:'].includes(new URL(rawUrl).protocol) ? new URL(rawUrl) : undefined;
  // Not repeated in the message: it may hold the password.
  if (rawUrl && !url) {
    read.report(secretVariable(read, 'SMTP_URL'), 'not a URL starting with smtp:// (STARTTLS) or smtps:// (implicit TLS), like smtp://user:password@host:587');
    return null;
  }
  const host = url?.hostname.replace(/^\[|\]$/g, '') || read.string('SMTP_HOST');
  return provider(read, 'SMTP', { 'SMTP_URL or SMTP_HOST': host, SMTP_FROM: read.string('SMTP_FROM') }, (v) => {
    const from = v.SMTP_FROM!;
    const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from.trim();
    if (!EMAIL.test(address)) read.report('SMTP_FROM', `"${from}" is not an address like Herald <noreply@example.com>`);
    const explicitPort = url?.port ? Number(url.port) : read.string('SMTP_PORT') ? read.int('SMTP_PORT', 587, { min: 1, max: 65_535 }) : undefined;
    const secure = read.string('SMTP_SECURE') ? read.bool('SMTP_SECURE', false) : url ? url.protocol === 'smtps:' : explicitPort === 465;
    const user = url?.username ? decodeURIComponent(url.username) : read.string('SMTP_USER');
    const password = url?.password ? decodeURIComponent(url.password) : read.secret('SMTP_PASSWORD');
    if (Boolean(user) !== Boolean(password)) {
      read.report(user ? secretVariable(read, 'SMTP_PASSWORD') : 'SMTP_USER', 'SMTP_USER and SMTP_PASSWORD go together (or the user and password in SMTP_URL): set both or neither');
    }
    return {
      host: v['SMTP_URL or SMTP_HOST']!,
      port: explicitPort ?? (secure ? 465 : 587),
      secure,
      requireTls: read.bool('SMTP_REQUIRE_TLS', true),
      auth: user && password ? { user, password } : null,
      from,
      messageIdDomain: address.slice(address.lastIndexOf('@') + 1),
      maxConnections: read.int('SMTP_MAX_CONNECTIONS', 5, { min: 1 }),
    };
  });
}

function webPush(read: EnvReader): ProviderSettings['webpush'] {
  const keys = { VAPID_PUBLIC_KEY: read.string('VAPID_PUBLIC_KEY')?.trim(), VAPID_PRIVATE_KEY: read.secret('VAPID_PRIVATE_KEY')?.trim(), VAPID_SUBJECT: read.string('VAPID_SUBJECT') };
  return provider(read, 'Web Push', keys, (v) => {
    const [publicKey, privateKey, subject] = [v.VAPID_PUBLIC_KEY!, v.VAPID_PRIVATE_KEY!, v.VAPID_SUBJECT!];
    const privateVariable = secretVariable(read, 'VAPID_PRIVATE_KEY');
    const publicOk = base64urlByteLength(publicKey) === 65;
    const privateOk = base64urlByteLength(privateKey) === 32;
    if (!publicOk) read.report('VAPID_PUBLIC_KEY', 'not base64url of a 65-byte uncompressed P-256 public key (npx web-push generate-vapid-keys makes a pair)');
    if (!privateOk) read.report(privateVariable, 'not base64url of a 32-byte P-256 private key');
    if (publicOk && privateOk) {
      const ecdh = createECDH('prime256v1');
      let derived: string | undefined;
      try {
        ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
        derived = ecdh.getPublicKey('base64url');
      } catch {
        read.report(privateVariable, 'not a P-256 private key');
      }
      if (derived !== undefined && derived !== Buffer.from(publicKey, 'base64url').toString('base64url')) read.report('VAPID_PUBLIC_KEY', `not the public key of ${privateVariable}`);
    }
    // RFC 8292 section 2.1: how the push service reaches the sender.
    if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(subject)) read.report('VAPID_SUBJECT', `"${subject}" is not a mailto: address or an https: URL, like mailto:push@example.com`);
    return { publicKey, privateKey, subject };
  });
}

/** The variables that configure each chain member, for the message when one is named but not set up. */
const CREDENTIALS: Record<SmsProviderName | EmailProviderName, string> = {
  vonage: 'VONAGE_API_KEY, VONAGE_API_SECRET, VONAGE_FROM',
  twilio: 'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID',
  mailgun: 'MAILGUN_API_KEY, MAILGUN_DOMAIN, MAILGUN_FROM',
  smtp: 'SMTP_URL or SMTP_HOST, and SMTP_FROM',
};

/**
 * SMS_PROVIDERS=vonage,twilio: the providers a channel may use, in order. Unset, it is the one
 * provider configured, or none (sandbox); with two configured the order is not guessed.
 */
function chain<Name extends SmsProviderName | EmailProviderName>(read: EnvReader, variable: string, known: readonly Name[], configured: Record<Name, boolean>): Name[] {
  const raw = read.string(variable)?.trim();
  if (!raw) {
    const available = known.filter((name) => configured[name]);
    if (available.length > 1) read.report(variable, `not set, but ${available.join(' and ')} are both configured: list the ones to use, in order, e.g. ${variable}=${available.join(',')}`);
    return available;
  }
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(known as readonly string[]).includes(name));
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  const missing = (names as Name[]).filter((name) => known.includes(name) && !configured[name]);
  if (unknown.length > 0) read.report(variable, `unknown provider ${unknown.map((n) => `"${n}"`).join(', ')}; it takes ${known.join(', ')}`);
  if (repeated.length > 0) read.report(variable, `${repeated.join(', ')} listed twice`);
  for (const name of missing) read.report(variable, `${name} is not configured (set ${CREDENTIALS[name]})`);
  return [...new Set(names as Name[])].filter((name) => known.includes(name) && configured[name]);
}

function providers(read: EnvReader): ProviderSettings {
  const account = serviceAccount(read);
  const vonage = provider(read, 'Vonage', { VONAGE_API_KEY: read.string('VONAGE_API_KEY'), VONAGE_API_SECRET: read.secret('VONAGE_API_SECRET'), VONAGE_FROM: read.string('VONAGE_FROM') }, (v) => ({
    apiKey: v.VONAGE_API_KEY!,
    apiSecret: v.VONAGE_API_SECRET!,
    from: v.VONAGE_FROM!,
    restUrl: read.url('VONAGE_REST_URL', HTTP, { fallback: 'https://rest.nexmo.com' })!,
  }));
  const mailgun = provider(read, 'Mailgun', { MAILGUN_API_KEY: read.secret('MAILGUN_API_KEY'), MAILGUN_DOMAIN: read.string('MAILGUN_DOMAIN'), MAILGUN_FROM: read.string('MAILGUN_FROM') }, (v) => ({
    apiKey: v.MAILGUN_API_KEY!,
    domain: v.MAILGUN_DOMAIN!,
    from: v.MAILGUN_FROM!,
    url: read.url('MAILGUN_URL', HTTP, { fallback: 'https://api.mailgun.net' })!,
  }));
  const twilioSettings = twilio(read);
  const smtpSettings = smtp(read);
  return {
    apns: provider(read, 'APNs', { APNS_TEAM_ID: read.string('APNS_TEAM_ID'), APNS_KEY_ID: read.string('APNS_KEY_ID'), APNS_SIGNING_KEY: read.secret('APNS_SIGNING_KEY'), APNS_TOPIC: read.string('APNS_TOPIC') }, (v) => ({
      teamId: v.APNS_TEAM_ID!,
      keyId: v.APNS_KEY_ID!,
      signingKey: v.APNS_SIGNING_KEY!,
      topic: v.APNS_TOPIC!,
      endpoint: read.url('APNS_ENDPOINT', HTTP, { fallback: 'https://api.push.apple.com' })!,
    })),
    fcm: account
      ? { serviceAccount: account, endpoint: read.url('FCM_ENDPOINT', HTTP, { fallback: 'https://fcm.googleapis.com' })!, tokenUrl: read.url('FCM_TOKEN_URL', HTTP, { fallback: 'https://oauth2.googleapis.com/token' })! }
      : null,
    vonage,
    mailgun,
    twilio: twilioSettings,
    smtp: smtpSettings,
    webpush: webPush(read),
    chains: {
      sms: chain(read, 'SMS_PROVIDERS', SMS_PROVIDERS, { vonage: vonage !== null, twilio: twilioSettings !== null }),
      email: chain(read, 'EMAIL_PROVIDERS', EMAIL_PROVIDERS, { mailgun: mailgun !== null, smtp: smtpSettings !== null }),
    },
    timeoutMs: read.duration('PROVIDER_TIMEOUT', '10s'),
    failoverAfterTimeout: read.bool('FAILOVER_AFTER_TIMEOUT', false),
  };
}

function tracking(read: EnvReader, host: string, port: number): TrackingSettings {
  const secret = read.secret('TRACKING_SECRET')?.trim() || null;
  const previousSecrets = (read.secret('TRACKING_PREVIOUS_SECRETS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (secret !== null && secret.length < 32) read.report('TRACKING_SECRET', 'a tracking key needs at least 32 characters');
  if (previousSecrets.some((s) => s.length < 32)) read.report('TRACKING_PREVIOUS_SECRETS', 'a tracking key needs at least 32 characters');
  const listening = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const base = read.url('PUBLIC_BASE_URL', HTTP) ?? listening;
  if (!URL.canParse(base)) read.report('HOST', `"${host}" does not make a URL for tracking links (${listening}): set PUBLIC_BASE_URL`);
  const publicBaseUrl = URL.canParse(base) ? new URL(base).href.replace(/\/+$/, '') : listening;
  const unsubscribeMailto = read.string('UNSUBSCRIBE_MAILTO')?.trim() || null;
  if (unsubscribeMailto !== null && !isEmail(unsubscribeMailto)) read.report('UNSUBSCRIBE_MAILTO', `"${unsubscribeMailto}" is not an email address`);
  return { email: read.bool('EMAIL_TRACKING', true), secret, previousSecrets, publicBaseUrl, unsubscribeMailto };
}

/** Vonage signs the webhooks of an account only when asked to; without the secret nothing inbound can be trusted, so the endpoint is off. */
function inboundSms(read: EnvReader): InboundSmsSettings {
  const secret = read.secret('VONAGE_SIGNATURE_SECRET')?.trim() || undefined;
  const method = read.oneOf('VONAGE_SIGNATURE_METHOD', VONAGE_SIGNATURE_METHODS, 'md5hash');
  if (secret === undefined && read.string('VONAGE_SIGNATURE_METHOD')) read.report('VONAGE_SIGNATURE_METHOD', 'set, but VONAGE_SIGNATURE_SECRET is not: set both, or neither to keep the inbound SMS webhook off');
  return { vonage: secret === undefined ? null : { signatureSecret: secret, signatureMethod: method } };
}

function channel(read: EnvReader, prefix: string, defaults: ChannelSettings): ChannelSettings {
  return {
    concurrency: Math.max(1, read.int(`${prefix}_CONCURRENCY`, defaults.concurrency)),
    ratePerSecond: read.int(`${prefix}_RATE_LIMIT`, defaults.ratePerSecond),
    maxAttempts: Math.max(1, read.int(`${prefix}_MAX_ATTEMPTS`, defaults.maxAttempts)),
  };
}

function inbox(read: EnvReader): InboxSettings {
  const corsOrigins = (read.string('INBOX_CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !isWebOrigin(origin)) read.report('INBOX_CORS_ORIGINS', `"${origin}" is not an origin like https://app.example.com (scheme, host and port only), or *`);
  }
  const tokenTtlMs = read.duration('INBOX_TOKEN_TTL', '1h');
  const maxTokenTtlMs = read.duration('INBOX_TOKEN_MAX_TTL', '24h');
  if (tokenTtlMs > maxTokenTtlMs) read.report('INBOX_TOKEN_TTL', `longer than INBOX_TOKEN_MAX_TTL (${maxTokenTtlMs / 1000}s)`);
  if (tokenTtlMs < 1000) read.report('INBOX_TOKEN_TTL', 'shorter than the 1s minimum');
  const pollMs = read.duration('INBOX_STREAM_POLL', '100ms');
  if (pollMs < 10 || pollMs > 1000) read.report('INBOX_STREAM_POLL', 'must be from 10ms to 1s: changes reach browsers within a second');
  return {
    corsOrigins,
    tokenTtlMs,
    maxTokenTtlMs,
    pollMs,
    heartbeatMs: Math.max(1000, read.duration('INBOX_STREAM_HEARTBEAT', '15s')),
    maxStreams: read.int('INBOX_MAX_STREAMS', 20_000, { min: 0 }),
    maxStreamsPerUser: read.int('INBOX_MAX_STREAMS_PER_USER', 20, { min: 1 }),
  };
}

function roles(read: EnvReader): Set<Role> {
  const raw = read.string('HERALD_ROLES');
  if (raw === undefined) return new Set(ROLES);
  const list = raw.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = list.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || list.length === 0) {
    read.report('HERALD_ROLES', `"${raw}" must list roles from ${ROLES.join(', ')}`);
    return new Set(ROLES);
  }
  return new Set(list as Role[]);
}

/**
 * The configuration from the environment. Every variable that does not parse is reported
 * together in one ConfigError, not one per start.
 */
export function loadConfig(env: Env = process.env): HeraldConfig {
  const read = new EnvReader(env);
  const dataDir = resolve(read.string('DATA_DIR', 'data'));
  const kind = read.oneOf('EVENT_STORE', ['sqlite', 'eventstoredb', 'postgres'], 'sqlite');
  const eventStoreUrl = kind === 'eventstoredb' ? read.url('EVENTSTORE_URL', ['esdb', 'esdb+discover'], { requiredWhen: 'when EVENT_STORE=eventstoredb' }) : undefined;
  const databaseUrl = read.url('DATABASE_URL', ['postgres', 'postgresql'], kind === 'postgres' ? { requiredWhen: 'when EVENT_STORE=postgres' } : {});
  const synchronous = read.oneOf('SQLITE_SYNCHRONOUS', ['FULL', 'NORMAL'], 'FULL', { caseInsensitive: true });
  const queueKind = read.oneOf('QUEUE', ['sqlite', 'bullmq'], 'sqlite');
  const redisUrl = queueKind === 'bullmq' ? read.url('REDIS_URL', ['redis', 'rediss'], { requiredWhen: 'when QUEUE=bullmq' }) : undefined;
  const host = read.string('HOST', '127.0.0.1');
  const port = read.int('PORT', 3000, { max: 65_535 });
  const leaseMs = read.duration('JOB_LEASE', '30s');
  if (leaseMs < 1000) read.report('JOB_LEASE', `"${read.string('JOB_LEASE')}" is shorter than the 1s minimum`);
  const plan = processPlan(read, roles(read), port);
  const readModelsSchema = read.schema('DATABASE_SCHEMA', 'public');
  const config: HeraldConfig = {
    roles: plan.roles,
    children: plan.children,
    queue: queueKind === 'bullmq' && redisUrl ? { kind: 'bullmq', redisUrl, prefix: read.string('REDIS_PREFIX', 'herald'), leaseMs } : { kind: 'sqlite', file: resolve(dataDir, 'queue.db'), leaseMs },
    channels: {
      apns: channel(read, 'APNS', { concurrency: 64, ratePerSecond: 0, maxAttempts: 8 }),
      fcm: channel(read, 'FCM', { concurrency: 64, ratePerSecond: 0, maxAttempts: 8 }),
      webpush: channel(read, 'WEBPUSH', { concurrency: 64, ratePerSecond: 0, maxAttempts: 8 }),
      sms: channel(read, 'SMS', { concurrency: 16, ratePerSecond: 30, maxAttempts: 6 }),
      email: channel(read, 'EMAIL', { concurrency: 32, ratePerSecond: 0, maxAttempts: 8 }),
      // No provider to wait for: a feed item is one append, so many run at once.
      inapp: channel(read, 'INAPP', { concurrency: 64, ratePerSecond: 0, maxAttempts: 8 }),
    },
    retry: {
      baseDelayMs: read.duration('RETRY_BASE_DELAY', '2s'),
      maxDelayMs: read.duration('RETRY_MAX_DELAY', '10m'),
    },
    breaker: {
      failureRate: read.fraction('BREAKER_FAILURE_RATE', 0.5),
      minimumCalls: read.int('BREAKER_MIN_CALLS', 10),
      windowMs: read.duration('BREAKER_WINDOW', '30s'),
      openMs: read.duration('BREAKER_OPEN', '15s'),
    },
    providers: providers(read),
    alerts: { webhookUrl: read.url('ALERT_WEBHOOK_URL', HTTP) ?? null, dedupWindowMs: read.duration('ALERT_DEDUP_WINDOW', '10m') },
    queueAlerts: {
      maxDepth: read.int('QUEUE_ALERT_DEPTH', 50_000),
      maxAgeMs: read.duration('QUEUE_ALERT_AGE', '5m'),
      intervalMs: read.duration('QUEUE_ALERT_INTERVAL', '15s'),
    },
    broadcasts: {
      pageSize: read.int('BROADCAST_PAGE_SIZE', 1000, { min: 1 }),
      parallel: read.int('BROADCAST_PARALLEL', 256, { min: 1 }),
      stallAfterMs: read.duration('BROADCAST_STALL_AFTER', '2m'),
      laneConcurrency: read.int('BROADCAST_LANE_CONCURRENCY', 8, { min: 1 }),
      maxLoopDelayMs: read.duration('BROADCAST_MAX_LOOP_DELAY', '10ms'),
    },
    webhooks: {
      concurrency: Math.max(1, read.int('WEBHOOK_CONCURRENCY', 16)),
      timeoutMs: read.duration('WEBHOOK_TIMEOUT', '10s'),
      maxAttempts: Math.max(1, read.int('WEBHOOK_MAX_ATTEMPTS', 10)),
      baseDelayMs: read.duration('WEBHOOK_RETRY_BASE_DELAY', '5s'),
      maxDelayMs: read.duration('WEBHOOK_RETRY_MAX_DELAY', '1h'),
      maxEventAgeMs: read.duration('WEBHOOK_MAX_EVENT_AGE', '24h'),
    },
    inboundSms: inboundSms(read),
    host,
    port,
    dataDir,
    eventStore:
      kind === 'eventstoredb' && eventStoreUrl
        ? { kind, url: eventStoreUrl }
        : kind === 'postgres' && databaseUrl
          ? // The log sits beside the read models unless told otherwise: one database to run and back up.
            { kind, url: databaseUrl, schema: read.schema('EVENT_STORE_SCHEMA', readModelsSchema) }
          : { kind: 'sqlite', file: resolve(dataDir, 'events.db'), synchronous, busyTimeoutMs: read.duration('SQLITE_BUSY_TIMEOUT', '5s') },
    readModels: databaseUrl ? { kind: 'postgres', url: databaseUrl, schema: readModelsSchema } : { kind: 'sqlite', file: resolve(dataDir, 'read-models.db') },
    sandboxOutboxSize: read.int('SANDBOX_OUTBOX_SIZE', 100_000, { min: 1 }),
    policy: {
      rateLimits: {
        push: read.rate('RATE_LIMIT_PUSH', '20/1h'),
        sms: read.rate('RATE_LIMIT_SMS', '5/1d'),
        email: read.rate('RATE_LIMIT_EMAIL', '10/1h'),
        inapp: read.rate('RATE_LIMIT_INAPP', '100/1h'),
      },
      categories: categoryPolicies(read),
      idempotencyWindowMs: read.duration('IDEMPOTENCY_WINDOW', '24h'),
      contentDedupWindowMs: read.duration('CONTENT_DEDUP_WINDOW', '5m'),
      defaultTimezone: timezone(read, 'DEFAULT_TIMEZONE', 'UTC'),
    },
    actors: {
      maxActors: read.int('ACTOR_MAX', 100_000, { min: 1 }),
      idleMs: read.duration('ACTOR_IDLE', '5m'),
    },
    http: {
      bodyLimitBytes: read.int('HTTP_BODY_LIMIT', 4 * 1024 * 1024),
      clientRateLimitPerSecond: read.int('CLIENT_RATE_LIMIT', 2000),
      trustProxy: read.bool('TRUST_PROXY', false),
      clientSecretGraceMs: read.duration('CLIENT_SECRET_GRACE', '24h'),
    },
    console: { sessionTtlMs: read.duration('CONSOLE_SESSION_TTL', '8h') },
    bootstrapAdmin: read.bool('BOOTSTRAP_ADMIN', true),
    tracking: tracking(read, host, port),
    shutdownGraceMs: read.duration('SHUTDOWN_GRACE', '30s'),
    projectionLeaseMs: read.duration('PROJECTION_LEASE', '15s'),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    accessLog: read.bool('ACCESS_LOG', true),
    inbox: inbox(read),
  };
  read.assertValid();
  return config;
}

/**
 * For the entry points: a configuration that does not parse ends the process with exit code 1
 * and every bad variable named on stderr, rather than a stack trace from whichever came first.
 */
export function loadConfigOrExit(env: Env = process.env): HeraldConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
