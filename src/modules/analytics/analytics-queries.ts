import { percentiles } from '../../projections/latency-histogram.js';
import type { SqlExecutor, SqlValue } from '../read-models/read-model-db.port.js';

/** Dimensions an analyst can group and filter by, and the notification_stats column behind each. */
export const DIMENSIONS = { day: 'day', channel: 'channel', category: 'category', template: 'template_id', client: 'app_key' } as const;
export type Dimension = keyof typeof DIMENSIONS;

export interface StatsFilter {
  /** Inclusive range of request days, YYYY-MM-DD (UTC). */
  from: string;
  to: string;
  channel?: string;
  category?: string;
  /** '' selects inline content (no template). */
  template?: string;
  client?: string;
}

const COUNTERS = ['requested', 'suppressed_opted_out', 'suppressed_rate_limited', 'suppressed_duplicate', 'suppressed_no_target', 'sent', 'failed', 'retried', 'failed_over', 'canceled', 'opened', 'clicked', 'converted', 'digested', 'digests'] as const;
type Counters = Record<(typeof COUNTERS)[number], number>;

const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/**
 * The analytics read side: sums of notification_stats over a filter, grouped by any
 * dimensions, with latency percentiles computed from the merged histogram buckets of each group.
 * Plain SQL that SQLite and PostgreSQL both accept.
 */
export class AnalyticsQueries {
  constructor(private readonly db: SqlExecutor) {}

  async summary(filter: StatsFilter, groupBy: readonly Dimension[]) {
    const dims = groupBy.map((d) => DIMENSIONS[d]);
    const { where, params } = this.where(filter);
    const select = dims.map((c) => `${c}, `).join('');
    const group = dims.length > 0 ? `GROUP BY ${dims.join(', ')} ORDER BY ${dims.join(', ')}` : '';
    const totals = await this.db.query<Record<string, SqlValue>>(`SELECT ${select}${COUNTERS.map((c) => `SUM(${c}) AS ${c}`).join(', ')} FROM notification_stats WHERE ${where} ${group}`, params);
    const buckets = await this.db.query<Record<string, SqlValue>>(
      `SELECT ${select}bucket, SUM(count) AS count FROM notification_stats_latency WHERE ${where} GROUP BY ${[...dims, 'bucket'].join(', ')}`,
      params,
    );
    const keyOf = (row: Record<string, SqlValue>) => JSON.stringify(dims.map((c) => row[c]));
    const histograms = new Map<string, Map<number, number>>();
    for (const row of buckets) {
      const histogram = histograms.get(keyOf(row)) ?? new Map<number, number>();
      histogram.set(Number(row.bucket), Number(row.count));
      histograms.set(keyOf(row), histogram);
    }
    // With no grouping an empty table still sums to one (all-NULL) row: report zeros.
    const rows = totals.filter((row) => dims.length === 0 || row.requested !== null);
    return rows.map((row) => {
      const n = Object.fromEntries(COUNTERS.map((c) => [c, Number(row[c] ?? 0)])) as Counters;
      const histogram = histograms.get(keyOf(row)) ?? new Map<number, number>();
      const [p50, p95, p99] = percentiles(histogram, [0.5, 0.95, 0.99]);
      const group: Partial<Record<Dimension, string | null>> = Object.fromEntries(groupBy.map((d) => [d, dimensionValue(d, row[DIMENSIONS[d]])]));
      return {
        ...group,
        requested: n.requested,
        suppressed: { opted_out: n.suppressed_opted_out, rate_limited: n.suppressed_rate_limited, duplicate: n.suppressed_duplicate, no_target: n.suppressed_no_target },
        sent: n.sent,
        failed: n.failed,
        retried: n.retried,
        failedOver: n.failed_over,
        canceled: n.canceled,
        opened: n.opened,
        clicked: n.clicked,
        converted: n.converted,
        digested: n.digested,
        digests: n.digests,
        rates: { delivered: rate(n.sent, n.sent + n.failed), opened: rate(n.opened, n.sent), clicked: rate(n.clicked, n.sent) },
        latencyMs: { samples: [...histogram.values()].reduce((a, b) => a + b, 0), p50, p95, p99 },
      };
    });
  }

  /** sent -> opened -> clicked (-> converted), each counted once per delivery. */
  async funnel(filter: StatsFilter) {
    const { where, params } = this.where(filter);
    const [row] = await this.db.query<Record<string, SqlValue>>(`SELECT SUM(sent) AS sent, SUM(opened) AS opened, SUM(clicked) AS clicked, SUM(converted) AS converted FROM notification_stats WHERE ${where}`, params);
    const [sent, opened, clicked, converted] = ['sent', 'opened', 'clicked', 'converted'].map((c) => Number(row?.[c] ?? 0)) as [number, number, number, number];
    return {
      steps: [
        { step: 'sent', count: sent, rate: sent > 0 ? 1 : null },
        { step: 'opened', count: opened, rate: rate(opened, sent), ofPrevious: rate(opened, sent) },
        { step: 'clicked', count: clicked, rate: rate(clicked, sent), ofPrevious: rate(clicked, opened) },
        { step: 'converted', count: converted, rate: rate(converted, sent), ofPrevious: rate(converted, clicked) },
      ],
    };
  }

  private where(filter: StatsFilter): { where: string; params: SqlValue[] } {
    const params: SqlValue[] = [filter.from, filter.to];
    const conditions = ['day >= $1', 'day <= $2'];
    for (const d of ['channel', 'category', 'template', 'client'] as const) {
      const value = filter[d];
      if (value === undefined) continue;
      params.push(value);
      conditions.push(`${DIMENSIONS[d]} = $${params.length}`);
    }
    return { where: conditions.join(' AND '), params };
  }
}

/** '' is how the table stores "no template" and "unknown client": the API says null. */
function dimensionValue(d: Dimension, value: SqlValue | undefined): string | null {
  const s = value === null || value === undefined ? '' : String(value);
  return (d === 'template' || d === 'client') && s === '' ? null : s;
}
