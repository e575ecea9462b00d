import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes.decorator.js';
import { AUTH_ERRORS, ApiErrorResponses } from '../openapi/api-responses.js';
import { AnalyticsService } from './analytics.service.js';
import { FunnelQuery, SummaryQuery } from './dto/analytics-query.dto.js';
import { FunnelDto, SummaryDto } from './dto/analytics-responses.js';

/** Volumes, suppressions, outcomes, engagement and latency: see AnalyticsService. */
@ApiTags('analytics')
@ApiErrorResponses(...AUTH_ERRORS, 400)
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('summary')
  @Scopes('analytics:read')
  @ApiOperation({ summary: 'Counts, rates and request-to-sent latency percentiles, grouped by any of day, channel, category, template, client' })
  @ApiOkResponse({ type: SummaryDto })
  summary(@Query() q: SummaryQuery) {
    return this.analytics.summary(q);
  }

  @Get('funnel')
  @Scopes('analytics:read')
  @ApiOperation({ summary: 'sent -> opened -> clicked -> converted for a template (or any filter), with rates; once per delivery' })
  @ApiOkResponse({ type: FunnelDto })
  funnel(@Query() q: FunnelQuery): Promise<FunnelDto> {
    return this.analytics.funnel(q);
  }
}
