import { signWebhook, EVENT_HEADER, SIGNATURE_HEADER, WEBHOOK_ID_HEADER } from './webhook-signature.js';
import type { WebhookJob } from '../../projections/webhook.projection.js';

export type SendResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retryable'; status: number | null; error: string; retryAfterMs?: number }
  | { outcome: 'permanent'; status: number; error: string };

/** What the receiver gets: one JSON object per outcome, the same body on every attempt. */
export function webhookPayload(job: WebhookJob): string {
  return JSON.stringify({ id: job.webhookId, type: job.event, createdAt: job.occurredAt, data: job.data });
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * One signed POST, bounded by the timeout. Timeouts, network errors, 408, 429 and 5xx are worth
 * another try; any other answer (redirects included: a webhook is not followed elsewhere) is final.
 */
export async function sendWebhook(url: string, signingSecret: string, job: WebhookJob, timeoutMs: number, now: number): Promise<SendResult> {
  const body = webhookPayload(job);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Herald-Webhooks/1',
        [SIGNATURE_HEADER]: signWebhook(signingSecret, body, Math.floor(now / 1000)),
        [WEBHOOK_ID_HEADER]: job.webhookId,
        [EVENT_HEADER]: job.event,
      },
      body,
    });
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    return { outcome: 'retryable', status: null, error: error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause };
  }
  // The answer's body is not read: drop it so the connection goes back to the pool.
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status >= 200 && status < 300) return { outcome: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfterMs(response.headers.get('retry-after'));
    return { outcome: 'retryable', status, error: `HTTP ${status}`, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  return { outcome: 'permanent', status, error: `HTTP ${status}` };
}
