import { Body, Controller, Get, HttpCode, Req } from '@nestjs/common';
import { Post } from '@nestjs/common';
import { ApiBasicAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { SCOPES, type Scope } from '../../domain/client/client.js';
import type { AuthenticatedRequest } from './api-auth.guard.js';
import { ClientDirectory } from './client-directory.js';
import { Ctx } from './request-context.decorator.js';
import { Scopes } from './scopes.decorator.js';
import type { RequestContext } from '../recipients/recipient-actors.js';

export class CreateClientDto {
  @ApiProperty({ example: 'billing-service' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, { message: 'name must be 1-100 letters, digits, space . _ -' })
  name: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(SCOPES.length) @ArrayUnique() @IsIn(SCOPES, { each: true })
  scopes: Scope[];

  @ApiPropertyOptional({ description: 'requests per second for this client (default: CLIENT_RATE_LIMIT)' })
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  rateLimitPerSecond?: number;
}

@ApiTags('clients')
@ApiBasicAuth()
@Controller('v1/clients')
export class ClientsController {
  constructor(private readonly clients: ClientDirectory) {}

  @Post()
  @HttpCode(201)
  @Scopes('admin')
  @ApiOperation({ summary: 'Create an API client; the secret is shown once, in this answer only' })
  create(@Body() dto: CreateClientDto, @Ctx() ctx: RequestContext) {
    return this.clients.create({ name: dto.name, scopes: dto.scopes, rateLimitPerSecond: dto.rateLimitPerSecond ?? null }, { appKey: ctx.appKey, correlationId: ctx.correlationId });
  }

  @Get('me')
  @Scopes(...SCOPES)
  @ApiOperation({ summary: 'The calling client: its appKey, name and scopes' })
  me(@Req() request: AuthenticatedRequest) {
    const { appKey, name, scopes, rateLimitPerSecond, createdAt } = request.client!;
    return { appKey, name, scopes, rateLimitPerSecond, createdAt };
  }
}
