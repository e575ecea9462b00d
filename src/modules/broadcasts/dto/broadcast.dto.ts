import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayMinSize, ArrayUnique, Equals, IsArray, IsIn, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { MAX_USER_IDS_PER_CALL } from '../../../domain/broadcast/broadcast.js';
import { CHANNELS, PRIORITIES, type Channel, type Priority } from '../../../domain/recipient/values.js';
import { TOPIC_KEY } from '../../../domain/topic/topic.js';
import { InlineContentDto, LocalSendAtDto, TemplateRefDto } from '../../notifications/dto/send-notification.dto.js';
import { CATEGORY, CATEGORY_MESSAGE } from '../../recipients/dto/preferences.dto.js';
import { USER_ID, USER_ID_MESSAGE } from '../../recipients/dto/user-params.dto.js';
import { TOPIC_KEY_MESSAGE } from '../../topics/dto/topic.dto.js';

export class AudienceDto {
  @ApiPropertyOptional({ example: 'order-updates', pattern: TOPIC_KEY.source, description: 'every subscriber of this topic when the broadcast is accepted' })
  @IsOptional() @IsString() @Matches(TOPIC_KEY, { message: TOPIC_KEY_MESSAGE })
  topic?: string;

  @ApiPropertyOptional({ type: [String], minItems: 1, maxItems: MAX_USER_IDS_PER_CALL, description: `these users (1 to ${MAX_USER_IDS_PER_CALL}; repeats count once)` })
  @IsOptional() @IsArray() @ArrayMinSize(1, { message: 'the audience names no user' }) @ArrayMaxSize(MAX_USER_IDS_PER_CALL, { message: `userIds must hold at most ${MAX_USER_IDS_PER_CALL} user ids` })
  @IsString({ each: true }) @Matches(USER_ID, { each: true, message: USER_ID_MESSAGE })
  userIds?: string[];

  @ApiPropertyOptional({ enum: [true], description: 'every user Herald knows when the broadcast is accepted' })
  @IsOptional() @Equals(true, { message: 'all must be true (or left out)' })
  all?: true;
}

@ApiExtraModels(LocalSendAtDto)
export class CreateBroadcastDto {
  @ApiProperty({ type: AudienceDto, description: 'exactly one of topic, userIds or all' })
  @ValidateNested() @Type(() => AudienceDto)
  audience: AudienceDto;

  @ApiProperty({ example: 'news', pattern: CATEGORY.source })
  @IsString() @Matches(CATEGORY, { message: CATEGORY_MESSAGE })
  category: string;

  @ApiPropertyOptional({ enum: CHANNELS, isArray: true, minItems: 1, uniqueItems: true, description: 'default: every channel each member can be reached on' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(3) @ArrayUnique() @IsIn(CHANNELS, { each: true })
  channels?: Channel[];

  @ApiPropertyOptional({ type: InlineContentDto, description: 'inline content; give this or template' })
  @IsOptional() @ValidateNested() @Type(() => InlineContentDto)
  content?: InlineContentDto;

  @ApiPropertyOptional({ type: TemplateRefDto, description: 'a stored template and its params (the same for every member); give this or content' })
  @IsOptional() @ValidateNested() @Type(() => TemplateRefDto)
  template?: TemplateRefDto;

  @ApiPropertyOptional({ minLength: 1, maxLength: 255, description: 'repeat-safe key, per client: the same key again answers with the first broadcast', example: 'spring-sale-2026' })
  @IsOptional() @IsString() @Matches(/^[\x21-\x7e]{1,255}$/, { message: 'idempotencyKey must be 1-255 printable ASCII characters' })
  idempotencyKey?: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string', format: 'date-time' }, { $ref: getSchemaPath(LocalSendAtDto) }],
    description: 'as for one notification: an instant for every member, or `{"localTime": "09:00", "date"?: ...}` read in each member’s own time zone; quiet hours then apply per member',
  })
  @Allow()
  sendAt?: string | LocalSendAtDto;

  @ApiPropertyOptional({ enum: PRIORITIES, default: 'normal', description: 'each member’s notification priority' })
  @IsOptional() @IsIn(PRIORITIES)
  priority?: Priority;
}

export class BroadcastParams {
  @ApiProperty({ format: 'uuid', example: '7d1c9b8e-5a4f-4e3d-9c2b-1a0f9e8d7c6b' })
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { message: 'id must be a broadcast id (UUID)' })
  id: string;
}

export const BROADCAST_STATUSES = ['requested', 'fanning_out', 'canceling', 'completed', 'canceled'] as const;

export class ListBroadcastsQuery {
  @ApiPropertyOptional({ enum: BROADCAST_STATUSES })
  @IsOptional() @IsIn(BROADCAST_STATUSES)
  status?: string;

  @ApiPropertyOptional({ pattern: TOPIC_KEY.source, description: 'broadcasts to this topic' })
  @IsOptional() @Matches(TOPIC_KEY, { message: TOPIC_KEY_MESSAGE })
  topic?: string;

  @ApiPropertyOptional({ pattern: CATEGORY.source })
  @IsOptional() @Matches(CATEGORY, { message: CATEGORY_MESSAGE })
  category?: string;

  @ApiPropertyOptional({ description: 'the `next` of the previous page' })
  @IsOptional() @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'cursor must be the next of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Matches(/^([1-9]\d?|100)$/, { message: 'limit must be an integer from 1 to 100' })
  limit?: string;
}

export class AcceptedBroadcastDto {
  @ApiProperty({ format: 'uuid' }) broadcastId: string;
  @ApiProperty({ description: 'true when the idempotencyKey matched an earlier broadcast: this is its id' }) duplicate: boolean;
}

export class BroadcastAudienceViewDto {
  @ApiProperty({ enum: ['topic', 'users', 'all'] }) kind: string;
  @ApiPropertyOptional() topic?: string;
}

export class BroadcastDeliveriesDto {
  @ApiProperty({ type: 'integer', description: 'member deliveries made' }) total: number;
  @ApiProperty({ type: 'integer', description: 'not yet ended (queued, scheduled or retrying)' }) pending: number;
  @ApiProperty({ type: 'integer' }) sent: number;
  @ApiProperty({ type: 'integer' }) failed: number;
  @ApiProperty({ type: 'integer' }) canceled: number;
}

export class BroadcastViewDto {
  @ApiProperty({ format: 'uuid' }) broadcastId: string;
  @ApiProperty({ enum: BROADCAST_STATUSES }) status: string;
  @ApiProperty({ type: BroadcastAudienceViewDto }) audience: BroadcastAudienceViewDto;
  @ApiProperty() category: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'members as of acceptance; null until the fan-out has counted them' }) audienceSize: number | null;
  @ApiProperty({ type: 'integer', description: 'members whose request was decided' }) decided: number;
  @ApiProperty({ type: 'integer', description: 'members with at least one delivery' }) accepted: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { opted_out: 12, no_target: 3 }, description: 'members suppressed, by each reason a channel was held back' })
  suppressed: Record<string, number>;
  @ApiProperty({ type: 'integer', description: 'members with no profile: nothing to decide' }) unknownUser: number;
  @ApiProperty({ type: 'integer', description: 'members who left the topic before their page was reached, or are counted but not yet decided' }) remaining: number;
  @ApiProperty({ type: BroadcastDeliveriesDto, description: 'the deliveries of the members’ notifications, from the read model (it trails the log a little)' }) deliveries: BroadcastDeliveriesDto;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) canceledAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
}

export class BroadcastSummaryDto {
  @ApiProperty({ format: 'uuid' }) broadcastId: string;
  @ApiProperty({ enum: BROADCAST_STATUSES }) status: string;
  @ApiProperty({ type: BroadcastAudienceViewDto }) audience: BroadcastAudienceViewDto;
  @ApiProperty() category: string;
  @ApiProperty({ type: 'integer', nullable: true }) audienceSize: number | null;
  @ApiProperty({ type: 'integer' }) decided: number;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
}

export class BroadcastPageDto {
  @ApiProperty({ type: [BroadcastSummaryDto], description: 'newest first' }) broadcasts: BroadcastSummaryDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'pass as ?cursor= for the next page; null at the end' }) next: string | null;
}

export class CanceledBroadcastDto {
  @ApiProperty({ format: 'uuid' }) broadcastId: string;
  @ApiProperty({ enum: ['canceling', 'canceled'], description: 'canceling: the fan-out stops and the unsent deliveries are being canceled' }) status: string;
}
