import { AsyncLocalStorage } from 'node:async_hooks';
import twilio from 'twilio';
import type { ChannelProvider, OutboundMessage, SendResult } from './provider.port.js';
import { ProviderError, parseRetryAfter } from './provider.port.js';

export interface TwilioSmsChannelOptions {
  accountSid: string;
  authToken: string;
  /** A Twilio number or alphanumeric sender id; or, instead, a Messaging Service that picks the sender. */
  from?: string | null;
  messagingServiceSid?: string | null;
  /** Default https://api.twilio.com; only its origin is used. */
  apiUrl?: string;
  /** Where Twilio posts the message's status changes; the delivery's ids are added to its query. */
  statusCallbackUrl?: string | null;
  timeoutMs?: number;
}

/**
 * Twilio error codes (https://www.twilio.com/docs/api/errors) that a later try can turn into a
 * success whatever HTTP status carried them: 20429 Too Many Requests, 14107 the account's SMS
 * rate limit, 20500/20503 Twilio's own failures. Every other 4xx answer fails again as sent:
 * 21211 invalid To, 21610 the recipient replied STOP, 21614 not a mobile number, 21612 no
 * route, 21408 region not enabled, 21606/21659 a From the account cannot use, 20003 credentials.
 */
const RETRYABLE_CODES = new Set([20429, 14107, 20500, 20503]);

/** What a send learned below the SDK: RestException keeps the status and body but not the headers. */
interface Exchange {
  retryAfter?: string;
}
const exchanges = new AsyncLocalStorage<Exchange>();

type RequestOptions<TData> = import('twilio/lib/base/RequestClient.js').RequestOptions<TData>;

/**
 * The SDK's own HTTP client (axios over a keep-alive https.Agent), with two additions: requests
 * go to the configured origin (the SDK only rewrites host names for Twilio's edges and
 * regions), and each answer's Retry-After is kept for the send it belongs to.
 */
class ApiClient extends twilio.RequestClient {
  constructor(
    private readonly origin: URL,
    options: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(options);
  }

  override async request<TData>(options: RequestOptions<TData>) {
    const uri = new URL(options.uri);
    uri.protocol = this.origin.protocol;
    uri.host = this.origin.host;
    const response = await super.request<TData>({ ...options, uri: uri.href });
    const exchange = exchanges.getStore();
    const retryAfter = (response.headers as Record<string, string | undefined>)['retry-after'];
    if (exchange && retryAfter) exchange.retryAfter = retryAfter;
    return response;
  }

  close(): void {
    (this.axios.defaults.httpsAgent as { destroy(): void } | undefined)?.destroy();
  }
}

/** SMS through the official twilio SDK (Messages API, `POST /2010-04-01/Accounts/{Sid}/Messages.json`). */
export class TwilioSmsChannel implements ChannelProvider {
  readonly name = 'twilio';
  readonly queue = 'sms' as const;
  private readonly client: twilio.Twilio;
  private readonly http: ApiClient;

  constructor(private readonly options: TwilioSmsChannelOptions) {
    if (!options.from === !options.messagingServiceSid) throw new Error('Twilio needs either a sender (from) or a Messaging Service SID');
    // axios's timeout covers the whole exchange; the agent's is the socket's idle time.
    this.http = new ApiClient(new URL(options.apiUrl ?? 'https://api.twilio.com'), { timeout: options.timeoutMs ?? 10_000, keepAlive: true, maxSockets: 64 });
    this.client = twilio(options.accountSid, options.authToken, { httpClient: this.http });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const target = message.target;
    if (target.channel !== 'sms') throw new ProviderError('permanent', 'wrong_target', `an SMS needs a phone target, got ${target.channel}`);
    const { from, messagingServiceSid, statusCallbackUrl } = this.options;
    const exchange: Exchange = {};
    try {
      const sent = await exchanges.run(exchange, () =>
        this.client.messages.create({
          to: target.phone,
          body: message.message.text ?? message.message.body ?? '',
          ...(messagingServiceSid ? { messagingServiceSid } : { from: from! }),
          // The Messages API takes no reference of the caller's: the delivery's ids ride on the callback URL.
          ...(statusCallbackUrl ? { statusCallback: callbackFor(statusCallbackUrl, message) } : {}),
        }),
      );
      return { providerMessageId: sent.sid ?? null };
    } catch (error) {
      throw classify(error, exchange);
    }
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

function callbackFor(base: string, message: OutboundMessage): string {
  const url = new URL(base);
  url.searchParams.set('deliveryId', message.deliveryId);
  url.searchParams.set('notificationId', message.notificationId);
  return url.href;
}

/**
 * A non-2xx answer comes as RestException with Twilio's `{code, message, more_info, status}`;
 * anything else never got an answer (axios: ECONNABORTED on timeout, ECONNRESET, ECONNREFUSED,
 * TLS errors), so nothing was sent and it is retryable.
 */
function classify(error: unknown, exchange: Exchange): ProviderError {
  if (error instanceof twilio.RestException) {
    const { status, code } = error;
    const retryable = status === 429 || status === 408 || status >= 500 || (code !== undefined && RETRYABLE_CODES.has(code));
    const reason = `Twilio answered HTTP ${status}${code ? ` (error ${code})` : ''}: ${String(error.message).slice(0, 200)}`;
    return new ProviderError(retryable ? 'retryable' : 'permanent', code ? `error ${code}` : `http ${status}`, reason, retryable ? parseRetryAfter(exchange.retryAfter) : undefined, status);
  }
  const e = error as Error & { code?: string };
  if (e?.code === 'ECONNABORTED' || e?.code === 'ETIMEDOUT') return new ProviderError('retryable', 'timeout', `Twilio did not answer in time: ${e.message}`);
  return new ProviderError('retryable', e?.code ?? 'network', `Twilio request failed: ${e?.message ?? String(error)}`);
}
