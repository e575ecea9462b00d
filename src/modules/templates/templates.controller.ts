import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Ctx } from '../auth/request-context.decorator.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { validationFailed } from '../http/validation.js';
import type { RequestContext } from '../recipients/recipient-actors.js';
import { TemplateRenderError } from './template-renderer.js';
import { TemplateStore } from './template-store.js';
import { PreviewTemplateDto, PublishTemplateDto, TEMPLATE_ID, templateChannelErrors } from './template.dto.js';

class TemplateParams {
  @ApiProperty()
  @Matches(TEMPLATE_ID, { message: 'id must be 1-100 letters, digits, . _ -' })
  id: string;
}

@ApiTags('templates')
@ApiBasicAuth()
@Controller('v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplateStore) {}

  @Post()
  @Scopes('templates:write')
  @ApiOperation({ summary: 'Publish a template version (201), or 200 when the content is unchanged' })
  async publish(@Body() dto: PublishTemplateDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const errors = templateChannelErrors(dto.channels);
    if (errors.length > 0) throw validationFailed(errors);
    let result;
    try {
      result = await this.templates.publish(dto.id, dto.defaultLocale, dto.channels, { appKey: ctx.appKey, correlationId: ctx.correlationId });
    } catch (error) {
      if (error instanceof TemplateRenderError) throw validationFailed([{ field: 'channels', messages: [error.message] }]);
      throw error;
    }
    reply.status(result.created ? 201 : 200);
    return result.version;
  }

  @Get(':id')
  @Scopes('templates:write', 'notifications:send')
  @ApiOperation({ summary: 'The latest version of a template, or ?version=n' })
  @ApiQuery({ name: 'version', required: false })
  async get(@Param() { id }: TemplateParams, @Query('version') version?: string) {
    const n = version === undefined ? undefined : Number(version);
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw validationFailed([{ field: 'version', messages: ['version must be a positive integer'] }]);
    const found = await this.templates.get(id, n, true);
    if (!found) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no template ${id}${n ? ` version ${n}` : ''}` });
    return found;
  }

  @Post(':id/preview')
  @HttpCode(200)
  @Scopes('templates:write', 'notifications:send')
  @ApiOperation({ summary: 'Render the latest version with params, for one locale (with fallback) and one or every channel' })
  async preview(@Param() { id }: TemplateParams, @Body() dto: PreviewTemplateDto) {
    const template = await this.templates.get(id, undefined, true);
    if (!template) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no template ${id}` });
    const params = dto.params ?? {};
    const missing = template.variables.filter((v) => !(v in params));
    if (missing.length > 0) throw validationFailed([{ field: 'params', messages: [`missing variables: ${missing.join(', ')}`] }]);
    const channels = dto.channel ? [dto.channel] : (['push', 'sms', 'email'] as const).filter((c) => template.channels[c]);
    const rendered: Record<string, unknown> = {};
    for (const channel of channels) {
      try {
        rendered[channel] = this.templates.renderer.render(template, channel, dto.locale ?? null, params);
      } catch (error) {
        if (error instanceof TemplateRenderError) throw validationFailed([{ field: channel === dto.channel ? 'channel' : 'params', messages: [error.message] }]);
        throw error;
      }
    }
    return { templateId: id, version: template.version, rendered };
  }
}
