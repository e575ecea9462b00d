import { Inject, Injectable, Logger } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';

export interface Alert {
  kind: 'delivery_exhausted' | 'webhook_exhausted' | 'provider_unhealthy' | 'provider_recovered' | 'queue_backlog' | 'process_restarted' | 'broadcast_stalled';
  summary: string;
  details: Record<string, unknown>;
}

export type RaisedAlert = Alert & { alert: true; key: string; repeatsSinceLastAlert: number; at: string };

const RECENT_ALERTS = 50;

/**
 * Tells the developers: a structured log line and, when ALERT_WEBHOOK_URL is set, a POST.
 * One alert per key per window; repeats inside the window are counted and reported with the
 * next one, so an outage is one message, not one per failed delivery.
 */
@Injectable()
export class AlertService {
  private readonly logger = new Logger('Alerts');
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private readonly inFlight = new Set<Promise<void>>();
  /** The last alerts this process raised, newest last, for the console's operations page. */
  private readonly latest: RaisedAlert[] = [];
  sent = 0;

  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {}

  raise(key: string, alert: Alert, now = Date.now()): boolean {
    const previous = this.last.get(key);
    if (previous && now - previous.at < this.config.alerts.dedupWindowMs) {
      previous.suppressed += 1;
      return false;
    }
    const repeats = previous?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    const payload: RaisedAlert = { alert: true, key, ...alert, repeatsSinceLastAlert: repeats, at: new Date(now).toISOString() };
    this.logger.warn(payload);
    this.sent += 1;
    this.latest.push(payload);
    if (this.latest.length > RECENT_ALERTS) this.latest.shift();
    if (this.config.alerts.webhookUrl) {
      const delivery = this.post(this.config.alerts.webhookUrl, payload).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
    return true;
  }

  private async post(url: string, payload: object): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(5000) });
        if (res.ok) return;
      } catch {
        // fall through to the retry
      }
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
    this.logger.error({ msg: 'alert webhook failed after 3 attempts', url: new URL(url).origin });
  }

  /** The alerts this process raised lately, newest first (a restart forgets them; the log keeps them). */
  recent(): RaisedAlert[] {
    return [...this.latest].reverse();
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}
