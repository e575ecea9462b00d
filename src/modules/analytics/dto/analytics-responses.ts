import { CHANNELS } from '../../../domain/recipient/values.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DIMENSIONS } from '../analytics-queries.js';

const COUNT = { type: 'integer', minimum: 0 } as const;
const RATE = { type: 'number', nullable: true, minimum: 0, maximum: 1, description: 'a fraction; null when there is nothing to divide by' } as const;
const MILLISECONDS = { type: 'number', nullable: true, description: 'milliseconds from request to sent (at most 10% above the true value); null without samples' } as const;
const DAY = { format: 'date', example: '2026-03-01' } as const;

/** The filter an answer applies: the days (defaults filled in) and any dimension asked for. */
class AppliedFilterDto {
  @ApiProperty({ ...DAY, description: 'first request day (UTC)' }) from: string;
  @ApiProperty({ ...DAY, description: 'last request day (UTC), inclusive' }) to: string;
  @ApiPropertyOptional({ enum: CHANNELS }) channel?: string;
  @ApiPropertyOptional() category?: string;
  @ApiPropertyOptional() client?: string;
}

export class SuppressedCountsDto {
  @ApiProperty(COUNT) opted_out: number;
  @ApiProperty(COUNT) rate_limited: number;
  @ApiProperty(COUNT) duplicate: number;
  @ApiProperty(COUNT) no_target: number;
}

export class SummaryRatesDto {
  @ApiProperty({ ...RATE, description: 'sent / (sent + failed)' }) delivered: number | null;
  @ApiProperty({ ...RATE, description: 'opened / sent' }) opened: number | null;
  @ApiProperty({ ...RATE, description: 'clicked / sent' }) clicked: number | null;
}

export class LatencyDto {
  @ApiProperty(COUNT) samples: number;
  @ApiProperty(MILLISECONDS) p50: number | null;
  @ApiProperty(MILLISECONDS) p95: number | null;
  @ApiProperty(MILLISECONDS) p99: number | null;
}

export class SummaryGroupDto {
  @ApiPropertyOptional({ ...DAY, description: 'when grouped by day' }) day?: string;
  @ApiPropertyOptional({ enum: CHANNELS, description: 'when grouped by channel' }) channel?: string;
  @ApiPropertyOptional({ description: 'when grouped by category' }) category?: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'when grouped by template; null: inline content' }) template?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'when grouped by client (appKey); null: unknown' }) client?: string | null;
  @ApiProperty(COUNT) requested: number;
  @ApiProperty({ type: SuppressedCountsDto }) suppressed: SuppressedCountsDto;
  @ApiProperty(COUNT) sent: number;
  @ApiProperty(COUNT) failed: number;
  @ApiProperty(COUNT) retried: number;
  @ApiProperty({ ...COUNT, description: 'retries that handed the delivery to the next provider of its channel' }) failedOver: number;
  @ApiProperty(COUNT) canceled: number;
  @ApiProperty(COUNT) opened: number;
  @ApiProperty(COUNT) clicked: number;
  @ApiProperty(COUNT) converted: number;
  @ApiProperty({ ...COUNT, description: 'notifications collected into a digest on the channel instead of a delivery of their own' }) digested: number;
  @ApiProperty({ ...COUNT, description: 'digest deliveries (also counted in requested, and as sent or failed)' }) digests: number;
  @ApiProperty({ type: SummaryRatesDto }) rates: SummaryRatesDto;
  @ApiProperty({ type: LatencyDto }) latencyMs: LatencyDto;
}

export class SummaryDto extends AppliedFilterDto {
  @ApiPropertyOptional({ type: String, description: 'the template filter; empty: inline content' }) template?: string;
  @ApiProperty({ enum: Object.keys(DIMENSIONS), isArray: true }) groupBy: string[];
  @ApiProperty({ type: [SummaryGroupDto], description: 'one group per combination of the groupBy dimensions; one group without groupBy' }) groups: SummaryGroupDto[];
}

export class FunnelStepDto {
  @ApiProperty({ enum: ['sent', 'opened', 'clicked', 'converted'] }) step: string;
  @ApiProperty(COUNT) count: number;
  @ApiProperty({ ...RATE, description: 'of sent' }) rate: number | null;
  @ApiPropertyOptional({ ...RATE, description: 'of the step before' }) ofPrevious?: number | null;
}

export class FunnelDto extends AppliedFilterDto {
  @ApiProperty({ type: String, nullable: true, description: 'the template filter; null: none' }) template: string | null;
  @ApiProperty({ type: [FunnelStepDto] }) steps: FunnelStepDto[];
}
