import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/scopes.decorator.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint. Public: keep it on an internal network. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Every metric in the Prometheus text format; no credentials: keep it on an internal network' })
  @ApiOkResponse({
    description: 'the Prometheus text exposition format, version 0.0.4',
    content: { 'text/plain': { schema: { type: 'string', example: '# HELP herald_http_request_duration_seconds ...\n# TYPE herald_http_request_duration_seconds histogram\n' } } },
  })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
