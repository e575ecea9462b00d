import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { Ctx } from '../auth/request-context.decorator.js';
import { contextMetadata, type RequestContext } from '../auth/request-context.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { validationFailed } from '../http/validation.js';
import { AUTH_ERRORS, ApiErrorResponses, BODY_ERRORS } from '../openapi/api-responses.js';
import { TemplateRenderError } from './template-renderer.js';
import { TemplatePreviewDto, TemplateVersionDto } from './template-responses.js';
import { TemplateStore, previewBuiltIns } from './template-store.js';
import { PreviewTemplateDto, PublishTemplateDto, TEMPLATE_ID, templateChannelErrors } from './template.dto.js';

class TemplateParams {
  @ApiProperty({ example: 'order-shipped', pattern: TEMPLATE_ID.source })
  @Matches(TEMPLATE_ID, { message: 'id must be 1-100 letters, digits, . _ -' })
  id: string;
}

@ApiTags('templates')
@ApiErrorResponses(...AUTH_ERRORS)
@Controller('v1/templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplateStore,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  private previewBuiltIns() {
    return previewBuiltIns(this.config);
  }

  @Post()
  @Scopes('templates:write')
  @ApiOperation({ summary: 'Publish a template version (201), or 200 when the content is unchanged' })
  @ApiBody({
    type: PublishTemplateDto,
    examples: {
      orderShipped: {
        summary: 'push and email, in English and French',
        value: {
          id: 'order-shipped',
          defaultLocale: 'en',
          channels: {
            push: { en: { title: 'Shipped', body: 'Order {{ order }} is on its way' }, fr: { title: 'Expédiée', body: 'La commande {{ order }} est en route' } },
            email: { en: { subject: 'Order {{ order }} shipped', text: 'Hi {{ name }}, order {{ order }} is on its way.', html: '<p>Hi {{ name }}, order {{ order }} is <a href="https://shop.example.com/orders/{{ order }}">on its way</a>.</p>' } },
          },
        },
      },
    },
  })
  @ApiCreatedResponse({ type: TemplateVersionDto, description: 'a new version' })
  @ApiOkResponse({ type: TemplateVersionDto, description: 'the content is that of the latest version: that version' })
  @ApiErrorResponses(...BODY_ERRORS)
  async publish(@Body() dto: PublishTemplateDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const errors = templateChannelErrors(dto.channels);
    if (errors.length > 0) throw validationFailed(errors);
    let result;
    try {
      result = await this.templates.publish(dto.id, dto.defaultLocale, dto.channels, contextMetadata(ctx));
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
  @ApiQuery({ name: 'version', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: TemplateVersionDto })
  @ApiErrorResponses(400, 404)
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
  @ApiBody({ type: PreviewTemplateDto, examples: { french: { summary: 'the French push', value: { params: { order: '1234', name: 'Ada' }, locale: 'fr-CA', channel: 'push' } } } })
  @ApiOkResponse({ type: TemplatePreviewDto })
  @ApiErrorResponses(...BODY_ERRORS, 404)
  preview(@Param() { id }: TemplateParams, @Body() dto: PreviewTemplateDto) {
    return this.templates.preview(id, dto, this.previewBuiltIns());
  }
}
