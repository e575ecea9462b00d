import { Inject, Injectable } from '@nestjs/common';
import { validationFailed } from '../http/validation.js';
import { READ_MODEL_DB, type ReadModelDb } from '../read-models/read-model-db.port.js';
import { AnalyticsQueries, type StatsFilter } from './analytics-queries.js';
import type { FunnelQuery, SummaryQuery } from './dto/analytics-query.dto.js';
import type { FunnelDto } from './dto/analytics-responses.js';

const DAY_MS = 86_400_000;

/**
 * Volumes, suppressions, outcomes, engagement and latency from the notification_stats read
 * model: eventually consistent, behind the log by the projection's lag (herald_projection_lag).
 * The API and the console both ask here, so a filter means the same in both.
 */
@Injectable()
export class AnalyticsService {
  private readonly queries: AnalyticsQueries;

  constructor(@Inject(READ_MODEL_DB) db: ReadModelDb) {
    this.queries = new AnalyticsQueries(db);
  }

  async summary(q: SummaryQuery) {
    const filter = this.filter(q);
    const groupBy = [...new Set(q.groupBy ?? [])];
    return { ...filter, groupBy, groups: await this.queries.summary(filter, groupBy) };
  }

  async funnel(q: FunnelQuery): Promise<FunnelDto> {
    const filter = this.filter(q);
    return { ...filter, template: q.template ?? null, ...(await this.queries.funnel(filter)) };
  }

  private filter(q: SummaryQuery | FunnelQuery): StatsFilter {
    for (const field of ['from', 'to'] as const) {
      const day = q[field];
      if (day !== undefined && (Number.isNaN(Date.parse(day)) || new Date(Date.parse(day)).toISOString().slice(0, 10) !== day)) {
        throw validationFailed([{ field, messages: [`${field} is not a calendar day`] }]);
      }
    }
    const to = q.to ?? new Date().toISOString().slice(0, 10);
    const from = q.from ?? new Date(Date.parse(to) - 30 * DAY_MS).toISOString().slice(0, 10);
    if (from > to) throw validationFailed([{ field: 'from', messages: ['from must not be after to'] }]);
    return {
      from,
      to,
      ...(q.channel !== undefined ? { channel: q.channel } : {}),
      ...(q.category !== undefined ? { category: q.category } : {}),
      ...(q.template !== undefined ? { template: q.template } : {}),
      ...(q.client !== undefined ? { client: q.client } : {}),
    };
  }
}
