import { ApiProperty, ApiPropertyOptional, getSchemaPath, type SchemaObject } from '@nestjs/swagger';

const INDICATORS: { type: 'object'; additionalProperties: SchemaObject } = {
  type: 'object',
  additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, required: ['status'], additionalProperties: true },
};

export class HealthCheckDto {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
  @ApiPropertyOptional({ description: 'why it is down' }) error?: string;
}

/** Terminus's report, plus the `checks` map probes and dashboards read. */
export class HealthReportDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], description: 'error: a dependency is down' }) status: string;
  @ApiPropertyOptional({ ...INDICATORS, nullable: true, description: 'the dependencies that are up' }) info?: Record<string, unknown> | null;
  @ApiPropertyOptional({ ...INDICATORS, nullable: true, description: 'the dependencies that are down' }) error?: Record<string, unknown> | null;
  @ApiProperty({ ...INDICATORS, description: 'every dependency checked' }) details: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(HealthCheckDto) },
    description: 'each dependency checked (live checks none): eventStore, readModels, queues',
    example: { eventStore: { status: 'up' }, readModels: { status: 'up' }, queues: { status: 'up' } },
  })
  checks: Record<string, HealthCheckDto>;
}
