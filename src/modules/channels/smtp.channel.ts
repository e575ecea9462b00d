import nodemailer from 'nodemailer';
import { emailParts, messageIdFor } from './email-headers.js';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError } from './provider.port.js';

export interface SmtpEmailChannelOptions {
  host: string;
  port: number;
  /** TLS from the first byte (SMTPS, usually port 465); otherwise the connection is upgraded with STARTTLS. */
  secure: boolean;
  /** Without implicit TLS: refuse a server that does not offer STARTTLS, so nothing goes in clear text. */
  requireTls: boolean;
  auth: { user: string; password: string } | null;
  /** The From header, e.g. `Herald <noreply@example.com>`. */
  from: string;
  /** Message-Ids are `<delivery id@this domain>`: the From address's domain. */
  messageIdDomain: string;
  /** Pooled connections kept open to the server. */
  maxConnections?: number;
  timeoutMs?: number;
}

/** Errors with no SMTP reply that no retry mends: the message or the configuration is wrong. */
const PERMANENT_CODES = new Set(['EMESSAGE', 'EENVELOPE', 'ENOAUTH', 'ECONFIG']);

type Failure = Error & { code?: string; originalCode?: string; responseCode?: number; permanent?: boolean; response?: string; command?: string; timeoutType?: string };

/** Waits that end before the message is handed over: connecting, the greeting, the TLS upgrade. */
const BEFORE_THE_MESSAGE = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);
/** No reply, but nothing handed over either: TLS failed before MAIL FROM. */
const NOTHING_SENT = new Set(['ETLS']);

/** Email through nodemailer's pooled SMTP transport, to any relay (an ESP's or a self-hosted MTA). */
export class SmtpEmailChannel implements ChannelProvider {
  readonly name = 'smtp';
  readonly queue = 'email' as const;
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;

  constructor(private readonly options: SmtpEmailChannelOptions) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: options.maxConnections ?? 5,
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: !options.secure && options.requireTls,
      ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.password } } : {}),
      // Each wait is bounded: connecting, the greeting, and any silence on an open connection.
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const { to, subject, text, html, headers } = emailParts(message, this.options.from);
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to,
        subject,
        ...(text !== undefined ? { text } : {}),
        ...(html !== undefined ? { html } : {}),
        messageId: messageIdFor(message.deliveryId, this.options.messageIdDomain),
        headers: { ...headers, 'X-Herald-Delivery-Id': message.deliveryId, 'X-Herald-Notification-Id': message.notificationId },
      });
      return { providerMessageId: info.messageId ? info.messageId.replace(/^<|>$/g, '') : null };
    } catch (error) {
      throw classify(error as Failure);
    }
  }

  /** Closes the pooled connections (QUIT to the server). */
  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * An SMTP reply decides (RFC 5321): 4yz is transient, 5yz permanent, except 503 (bad sequence
 * of commands: the session's state, not the message), which nodemailer marks not permanent.
 * No reply at all (refused, reset, TLS, timeout) means the server did not take the message.
 */
function classify(error: Failure): ProviderError {
  const reply = error.response ? `: ${error.response.slice(0, 200)}` : '';
  if (typeof error.responseCode === 'number') {
    // A reply, at any stage, means the server did not take the message.
    const permanent = error.permanent ?? error.responseCode >= 500;
    return new ProviderError(permanent ? 'permanent' : 'retryable', `smtp ${error.responseCode}`, `SMTP server answered ${error.command ? `${error.command} ` : ''}with ${error.responseCode}${reply}`, undefined, undefined, true);
  }
  // nodemailer keeps the socket's own code (ECONNREFUSED under its ESOCKET), which says whether anything left.
  const code = error.code === 'ETIMEDOUT' ? 'timeout' : (error.originalCode ?? error.code ?? 'network');
  const kind = error.code && PERMANENT_CODES.has(error.code) ? 'permanent' : 'retryable';
  const nothingSent = BEFORE_THE_MESSAGE.has(error.timeoutType ?? '') || NOTHING_SENT.has(error.code ?? '') ? true : undefined;
  return new ProviderError(kind, code, `SMTP: ${error.message}`, undefined, undefined, nothingSent);
}
