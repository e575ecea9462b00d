import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { DependencyIndicators } from './dependency.indicators.js';
import { HealthCheckDto, HealthReportDto } from './health-responses.js';

/**
 * Terminus's answer (`status`, `info`, `error`, `details`), plus the `checks` map Herald has
 * always returned (`{name: {status: up|down, error?}}`), so existing probes and dashboards keep working.
 */
function withChecks(result: HealthCheckResult) {
  const checks = Object.fromEntries(
    Object.entries(result.details).map(([name, { status, message }]) => [name, { status, ...(typeof message === 'string' ? { error: message } : {}) }]),
  );
  return { ...result, checks };
}

@ApiTags('health')
@ApiExtraModels(HealthCheckDto)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyIndicators,
  ) {}

  @Get('live')
  @Public()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'The process is up (no dependency is checked: a restart would not fix them)' })
  @ApiOkResponse({ type: HealthReportDto })
  async live() {
    return withChecks(await this.health.check([]));
  }

  @Get('ready')
  @Public()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'The event store, the read-model database and the queue backend answer; 503 otherwise' })
  @ApiOkResponse({ type: HealthReportDto, description: 'every dependency is up' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'a dependency is down (or the process is shutting down): the same report, saying which' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return withChecks(await this.health.check([() => this.dependencies.eventStore(), () => this.dependencies.readModels(), () => this.dependencies.queueBackend()]));
    } catch (error) {
      // A dependency down is the probe's answer, not an error of the request: the same report, with 503.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return withChecks(error.getResponse() as HealthCheckResult);
    }
  }
}
